"""Questions as an Excel workbook (.xlsx), one per row, with the headings of
:mod:`question_table`; and the import template trainers start from.

Reading takes the first worksheet (the template's second sheet is the 说明); errors name the
sheet, the row and the column letter with its heading. Writing stores every cell as text (a
stem starting with ``=`` is not a formula) and leaves out the control characters a worksheet
cannot hold.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cstrainer.domain.questions import CATEGORIES, KeyPointSpec, Option, Question, QuestionType
from cstrainer.formats.errors import FormatError, ParseResult
from cstrainer.formats.limits import MAX_ROWS, MAX_TABLE_COLUMNS, xlsx_problem
from cstrainer.formats.question_table import (
    _BY_FIELD,
    ANSWER_HELP,
    COLUMNS,
    DIFFICULTY_OUT,
    TYPE_CHOICES,
    column_letter,
    fields_for,
    header_of_field,
    question_to_row,
    read_rows,
)

__all__ = ["DATA_SHEET", "HELP_SHEET", "TEMPLATE_EXAMPLES", "dump_xlsx", "parse_xlsx", "write_template"]

DATA_SHEET = "题目"
HELP_SHEET = "说明"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_VALIDATED_ROWS = 2000
_HEADER_ROWS = 10  # the heading may be in any of the first rows


class _ExcelError(str):
    """The value of a cell whose formula failed (``#NAME?`` ...), as opposed to that text."""


def _check_cell(value: Any) -> str | None:
    if isinstance(value, _ExcelError):
        return f"单元格是 Excel 的错误值 {value}（公式出错）；想写以 = 开头的文字，请在前面加一个英文单引号 '"
    return None


def _value(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    return _ExcelError(value) if getattr(cell, "data_type", None) == "e" and value is not None else value


def parse_xlsx(
    path: Path | str,
    *,
    brands: Mapping[str, str] | None = None,
    filename: str | None = None,
    on_texts: Callable[[Iterable[str]], None] | None = None,
) -> ParseResult:
    """Read the questions of the first worksheet of an .xlsx file.

    Never raises for a bad file: a file over the size limits (:mod:`limits`), a zip bomb, a
    damaged workbook and anything openpyxl cannot read give one error in the result. The sheet
    is read in openpyxl's read-only (streaming) mode; only the first ``MAX_TABLE_COLUMNS``
    columns are read, and a sheet with content below row ``MAX_ROWS`` + 10 is refused.

    ``on_texts``, if given, is called with the text cells of the sheet as they are read, a few
    hundred rows at a time, before the rows are parsed and checked (an import has them cut into
    words in another process meanwhile).
    """
    path = Path(path)
    name = filename or path.name

    def fail(message: str, line: int | None = None, sheet: str | None = None) -> ParseResult:
        return ParseResult(errors=[FormatError(name, line, None, message, sheet)])

    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        return fail(f"无法读取文件：{exc.strerror or exc}")
    if head == _OLE_MAGIC:
        return fail("这是旧版 Excel 97-2003（.xls）文件：请在 Excel 里“另存为” .xlsx 后再导入")
    problem = xlsx_problem(path)
    if problem:
        return fail(problem)
    try:
        workbook = load_workbook(path, data_only=True, read_only=True)
    except Exception as exc:  # openpyxl fails in many ways on a damaged file (zip, XML, KeyError ...)
        return fail(f"无法打开 xlsx 文件（{type(exc).__name__}）：{exc}")
    title: str | None = None
    try:
        if not workbook.worksheets:
            return fail("工作簿里没有工作表")
        sheet = workbook.worksheets[0]
        title = str(sheet.title)
        rows, too_far = _read_sheet_rows(sheet, on_texts)
    except Exception as exc:
        return fail(f"无法读取 xlsx 文件（{type(exc).__name__}）：{exc}", sheet=title)
    finally:
        workbook.close()
    if too_far is not None:
        return fail(_too_many_rows_message(), too_far, title)
    # _check_cell only objects to error values: without any, asking it about every cell is moot
    has_error_values = _ExcelError in map(type, chain.from_iterable(values for _, values in rows))
    return read_rows(
        rows, name, sheet=title, brands=brands, check_cell=_check_cell if has_error_values else None
    )


def _read_sheet_rows(
    sheet: Any, on_texts: Callable[[Iterable[str]], None] | None = None
) -> tuple[list[tuple[int, list[Any]]], int | None]:
    """``(row number, cell values)`` of the non-empty rows of a read-only worksheet (formula
    errors as :class:`_ExcelError`; without the empty cells at the end of a row, which the
    table reader treats as missing alike), and the number of the first row past the row limit,
    if any (then the rows read so far). The declared dimensions are ignored: they can lie. A row
    past the limit counts even when empty: openpyxl pads every missing row up to it.

    The rows are read with openpyxl's own worksheet parser (:class:`_FastParser`), without the
    cell objects of ``iter_rows``; :func:`_read_sheet_rows_slow` is the plain way, used when
    openpyxl's internals are not what this expects.
    """
    try:
        parser_args = (
            sheet._shared_strings,
            sheet.parent.data_only,
            sheet.parent.epoch,
            sheet.parent._date_formats,
            sheet.parent._timedelta_formats,
        )
        source = sheet._get_source()
    except AttributeError:  # pragma: no cover - another openpyxl
        rows, too_far = _read_sheet_rows_slow(sheet)
        if on_texts is not None:
            on_texts(_texts_of(rows))
        return rows, too_far
    with source:
        strings, data_only, epoch, date_formats, timedelta_formats = parser_args
        parser = _FastParser(
            source,
            strings,
            data_only=data_only,
            epoch=epoch,
            date_formats=date_formats,
            timedelta_formats=timedelta_formats,
        )
        return _rows_of(parser.parse(), on_texts)


_TEXTS_EVERY = 500  # rows between two calls of on_texts


def _texts_of(rows: Sequence[tuple[int, list[Any]]]) -> list[str]:
    return [v for _, values in rows for v in values if isinstance(v, str)]


def _rows_of(
    parsed: Iterable[tuple[int, list[dict[str, Any]]]],
    on_texts: Callable[[Iterable[str]], None] | None = None,
) -> tuple[list[tuple[int, list[Any]]], int | None]:
    """What ``iter_rows(max_col=MAX_TABLE_COLUMNS)`` makes of the parser's rows (see
    ``ReadOnlyWorksheet._cells_by_row``): rows numbered in order, a row out of order skipped, a
    missing row empty; a cell's value by its column (the last one wins), errors marked."""
    rows: list[tuple[int, list[Any]]] = []
    last = MAX_ROWS + _HEADER_ROWS
    counter = 1  # the number of the next row iter_rows would yield
    handed = 0  # rows given to on_texts so far
    for idx, cells in parsed:
        if counter > idx:
            continue
        if idx > last:  # even an empty row: rows far below are padded one by one
            return rows, max(counter, last + 1)
        counter = idx + 1
        values: list[Any] = [None] * MAX_TABLE_COLUMNS
        for cell in cells:
            column = cell["column"]
            if 1 <= column <= MAX_TABLE_COLUMNS:
                value = cell["value"]
                values[column - 1] = (
                    _ExcelError(value) if cell["data_type"] == "e" and value is not None else value
                )
        while values and values[-1] is None:
            values.pop()
        if any(v is not None and v != "" for v in values):
            rows.append((idx, values))
            if on_texts is not None and len(rows) - handed >= _TEXTS_EVERY:
                on_texts(_texts_of(rows[handed:]))
                handed = len(rows)
    if on_texts is not None and handed < len(rows):
        on_texts(_texts_of(rows[handed:]))
    return rows, None


def _read_sheet_rows_slow(sheet: Any) -> tuple[list[tuple[int, list[Any]]], int | None]:
    """:func:`_read_sheet_rows` through ``iter_rows`` (the reference the fast way must match)."""
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    rows: list[tuple[int, list[Any]]] = []
    last = MAX_ROWS + _HEADER_ROWS
    for number, cells in enumerate(sheet.iter_rows(max_col=MAX_TABLE_COLUMNS), start=1):
        if number > last:  # even an empty row: rows far below are padded one by one
            return rows, number
        values = [_value(c) for c in cells]
        while values and values[-1] is None:  # the padding up to MAX_TABLE_COLUMNS: a missing cell
            values.pop()
        if any(v is not None and v != "" for v in values):
            rows.append((number, values))
    return rows, None


_INLINE_STRING = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}is"
_TEXT = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t"


_DIGITS = "0123456789"


class _FastParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's worksheet parser, with a short way for the plain inline string (``<is><t>``)
    that openpyxl itself writes for every text cell: the text of ``<t>``, as
    ``Text.from_tree(...).content`` gives it, without building the rich-text object; for the
    empty inline string cell (``<c t="inlineStr"/>``, openpyxl's empty styled cell): no value;
    and for a plain coordinate (``D12``): the column looked up by its letters, as
    ``coordinate_to_tuple`` computes it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._columns: dict[str, int] = {}

    def _row_column(self, coordinate: str) -> tuple[int, int]:
        letters = coordinate.rstrip(_DIGITS)
        if len(letters) < len(coordinate):
            column = self._columns.get(letters)
            if column is None and len(letters) <= 3 and letters.isascii() and letters.isalpha():
                try:
                    column = self._columns[letters] = column_index_from_string(letters)
                except ValueError:
                    column = None
            if column is not None:
                return int(coordinate[len(letters) :]), column
        row_column: tuple[int, int] = coordinate_to_tuple(coordinate)
        return row_column

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if element.get("t") == "inlineStr":
            if not len(element):  # no <is>: openpyxl gives no value and keeps the type
                text: str | None = None
                data_type = "inlineStr"
            elif self.data_only and len(element) == 1 and element[0].tag == _INLINE_STRING:
                child = element[0]
                if len(child) != 1 or child[0].tag != _TEXT or len(child[0]):
                    return self._plain_parse_cell(element)
                text = child[0].text
                if text is None:
                    text = ""
                data_type = "s"
            else:
                return self._plain_parse_cell(element)
            coordinate = element.get("r")
            if coordinate:
                row, column = self._row_column(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            style_id = element.get("s", 0)
            if style_id:
                style_id = int(style_id)
            return {"row": row, "column": column, "value": text, "data_type": data_type, "style_id": style_id}
        return self._plain_parse_cell(element)

    def _plain_parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        return cell


def _too_many_rows_message() -> str:
    return (
        f"表格太长：一个文件最多 {MAX_ROWS} 行题目，这一行还有单元格（或格式）；"
        "请删掉多余的行，或拆成几个文件分别导入"
    )


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="2F6F4F")
_REQUIRED_FILL = PatternFill("solid", fgColor="B5483B")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDE = {"stem", "explanation", "answer"}


def _set_text(cell: Cell, value: str) -> None:
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"  # never a formula, even when the text starts with "="


def _list_validation(
    sheet: Worksheet, fields: Sequence[str], name: str, choices: Sequence[str], prompt: str
) -> None:
    if name not in fields:
        return
    letter = column_letter(fields.index(name))
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="不在可选范围内",
        error=prompt,
        showInputMessage=True,
        promptTitle=header_of_field(name),
        prompt=prompt,
    )
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{_VALIDATED_ROWS}")


def _data_sheet(sheet: Worksheet, questions: Sequence[Question]) -> None:
    fields = fields_for(questions)
    sheet.title = DATA_SHEET
    for col, name in enumerate(fields, start=1):
        cell = sheet.cell(1, col)
        _set_text(cell, header_of_field(name))
        column = _BY_FIELD.get(name)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column is not None and column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[column_letter(col - 1)].width = column.width if column else 14
    for row_number, q in enumerate(questions, start=2):
        values = question_to_row(q)
        for col, name in enumerate(fields, start=1):
            cell = sheet.cell(row_number, col)
            _set_text(cell, values.get(name, ""))
            if name in _WIDE or name.startswith("option_"):
                cell.alignment = _WRAP
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{column_letter(len(fields) - 1)}{max(len(questions), 1) + 1}"
    _list_validation(sheet, fields, "type", TYPE_CHOICES, "请选择题型：" + "、".join(TYPE_CHOICES))
    _list_validation(sheet, fields, "category", CATEGORIES, "请选择分类（可留空，导入时统一设置）")
    _list_validation(
        sheet, fields, "difficulty", list(DIFFICULTY_OUT.values()), "易、中、难（也可以写 1、2、3）"
    )
    _list_validation(sheet, fields, "partial_credit", ["是", "否"], "多选题少选时是否按比例得分")


def _help_sheet(sheet: Worksheet) -> None:
    sheet.title = HELP_SHEET
    title = sheet.cell(1, 1)
    _set_text(title, "客服训练营 · 题库导入说明")
    title.font = Font(bold=True, size=14)
    notes = [
        f"1. 在第一张工作表“{DATA_SHEET}”里每行写一道题；第一行是列名，请不要改名。列的顺序可以调整，"
        "不认识的列会被忽略（导入时会提示）。",
        "2. 红色列名是必填列：题型、题干、答案。编号可以不填，系统会按题目内容自动生成；"
        "再次导入编号相同的题目会更新原题。",
        "3. 文件里只要有一处错误，整个文件都不会导入；错误会写明工作表、行号和列，改好后再导入即可。",
        "4. 文字以 = 开头时，请在前面加一个英文单引号 '，否则 Excel 会把它当成公式。",
        "5. 也可以另存为 CSV（“CSV UTF-8（逗号分隔）”或普通的“CSV（逗号分隔）”都可以）再导入。",
    ]
    row = 2
    for note in notes:
        cell = sheet.cell(row, 1)
        _set_text(cell, note)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        cell.alignment = _WRAP
        sheet.row_dimensions[row].height = 32
        row += 1
    row += 1
    row = _table(
        sheet,
        row,
        ("列名", "必填", "说明", "示例"),
        [
            (
                c.header,
                "是" if c.required else "",
                c.help or ("同上" if c.field.startswith("option_") else ""),
                c.example,
            )
            for c in COLUMNS
        ],
    )
    row += 1
    heading = sheet.cell(row, 1)
    _set_text(heading, "答案的写法")
    heading.font = Font(bold=True, size=12)
    row += 1
    row = _table(sheet, row, ("题型", "答案怎么写", "示例", ""), [(*item, "") for item in ANSWER_HELP])
    row += 1
    extra = [
        "填空题：题干里用 ____（3 个或更多下划线）标出每个空，答案按空的顺序写；题干没有下划线时，答案框在题干后面。",
        "答案里的 | / = * 是分隔符号；要把它们当作文字，请在前面加反斜杠，例如 1\\/2 表示“1/2”。",
        "全角的 ｜ ／ ＝ ＊ 和半角的作用相同。",
    ]
    for note in extra:
        cell = sheet.cell(row, 1)
        _set_text(cell, note)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        cell.alignment = _WRAP
        row += 1
    for letter, width in zip("ABCD", (14, 8, 60, 36), strict=True):
        sheet.column_dimensions[letter].width = width


def _table(sheet: Worksheet, row: int, header: Sequence[str], lines: Iterable[Sequence[str]]) -> int:
    for col, text in enumerate(header, start=1):
        cell = sheet.cell(row, col)
        _set_text(cell, text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    row += 1
    for line in lines:
        for col, text in enumerate(line, start=1):
            cell = sheet.cell(row, col)
            _set_text(cell, text)
            cell.alignment = _WRAP
        row += 1
    return row


def _save(workbook: Workbook, path: Path | str) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    workbook.save(tmp)
    os.replace(tmp, path)


def dump_xlsx(questions: Iterable[Question], path: Path | str) -> None:
    """Write ``questions`` to an .xlsx file: a 题目 sheet and a 说明 sheet."""
    workbook = Workbook()
    assert workbook.active is not None
    _data_sheet(workbook.active, list(questions))
    _help_sheet(workbook.create_sheet(HELP_SHEET))
    _save(workbook, path)


#: The example rows of the template: they show trainers one question of each common kind.
TEMPLATE_EXAMPLES: tuple[Question, ...] = (
    Question(
        key="",
        type=QuestionType.SINGLE,
        stem="顾客用滚筒洗衣机洗一桶约 4kg 的衣物，沁屿香氛洗衣液建议用多少？",
        options=(
            Option("约 10ml"),
            Option("约 30ml（瓶盖 30ml 刻度线）", correct=True),
            Option("约 45ml"),
            Option("约 60ml"),
        ),
        explanation="滚筒 4kg 约 30ml，波轮约 45ml，手洗一盆约 5L 水加 10ml。浓缩配方，用多了反而难漂洗。",
        category="产品知识",
        brand="沁屿",
        difficulty=1,
        tags=("用量", "滚筒"),
        handbook="qinyu-brand-intro",
        products=("qinyu-liquid",),
        author="培训部",
    ),
    Question(
        key="",
        type=QuestionType.TRUEFALSE,
        stem="所有商品都支持“七天无理由退货”：顾客签收后 7 天内提出，商家都必须同意。",
        answer=False,
        explanation=(
            "《消费者权益保护法》第二十五条：消费者定作的、鲜活易腐的、在线下载或消费者拆封的音像制品和"
            "计算机软件等数字化商品、交付的报纸期刊，不适用无理由退货；其他根据商品性质、并经消费者在购买时"
            "确认不宜退货的商品，也可以不适用。"
        ),
        category="平台规则",
        difficulty=1,
        tags=("七天无理由", "售后"),
        author="培训部",
    ),
    Question(
        key="",
        type=QuestionType.REPLY,
        stem="顾客：收到的洗衣液漏了大半瓶，箱子都泡软了，你们到底怎么打包的？？",
        key_points=(
            KeyPointSpec(("抱歉", "对不起", "不好意思")),
            KeyPointSpec(("拍照", "照片", "图片")),
            KeyPointSpec(("补发", "重新发", "退款"), weight=1.5),
            KeyPointSpec(("不用寄回", "无需寄回")),
        ),
        explanation="先道歉；请顾客拍外箱、瓶身和剩余液位登记；给出补发或退款的方案，并说明漏液的商品不用寄回。",
        category="服务技巧-售后",
        brand="沁屿",
        difficulty=2,
        tags=("漏液", "售后"),
        products=("qinyu-liquid",),
        author="培训部",
    ),
)


def write_template(path: Path | str) -> None:
    """Write the import template: the 题目 sheet with headings, drop-downs (题型, 分类, 难度,
    部分得分), column widths, a frozen heading row and three example rows, and the 说明 sheet
    explaining every column with examples."""
    dump_xlsx(TEMPLATE_EXAMPLES, path)
