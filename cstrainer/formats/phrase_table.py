"""Phrases as a table (Qianniu / 千牛 quick-phrase CSV and xlsx) and as an espanso match file.

Qianniu's quick-phrase import and export use the columns 分组, 快捷编码, 内容; we read and write
those plus the optional 品牌, 标签, 意图 and 编号 (our phrase key, so a round trip keeps the keys):

* 分组 is the scene (迎宾, 咨询 ...); 快捷编码 the shortcut (lower-cased on import); 内容 the text;
* 品牌 a brand slug, empty for a shared phrase; 标签 tags separated by ``，`` ``、`` ``,`` ``;``
  or spaces; 意图 defaults to the scene; 编号 defaults to ``<brand or shared>.<shortcut>``.

Every row is validated as a ``phrases`` content-pack item. Problems are
:class:`~cstrainer.formats.errors.FormatError` s naming file, row (the spreadsheet's row number),
column letter and heading; the readers collect all of them and *return* them in a
:class:`PhraseTableResult` - they never raise for a bad file, so a caller rejects the file whole
and shows every error at once.

CSV reading accepts UTF-8 (with or without BOM), UTF-16 with BOM and GBK/GB18030, separated by
commas, tabs or semicolons. Writing uses UTF-8 with a BOM (Excel and Qianniu open it correctly)
and guards texts starting with ``= + - @`` with an apostrophe against formula injection.

:func:`dumps_espanso` writes an espanso match file (``matches:`` with ``trigger`` ``:hy1`` and
``replace``) so agents can use the library in any program.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from cstrainer.domain.phrases import PhraseItem
from cstrainer.formats.content_pack import Phrase, _PackDumper, item_to_dict, validate_item
from cstrainer.formats.csv_questions import decode_text
from cstrainer.formats.errors import FormatError
from cstrainer.formats.limits import (
    MAX_ROWS,
    MAX_TABLE_COLUMNS,
    MAX_TEXT_FILE_BYTES,
    MAX_XLSX_FILE_BYTES,
    NUL_MESSAGE,
    FileTooLarge,
    file_too_large,
    read_limited,
    xlsx_problem,
)

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "PhraseTableResult",
    "dump_espanso",
    "dump_phrase_csv",
    "dump_phrase_xlsx",
    "dumps_espanso",
    "dumps_phrase_csv",
    "parse_phrase_csv",
    "parse_phrase_xlsx",
]

#: Heading -> phrase field, in the order we write them (Qianniu's three first).
COLUMNS: dict[str, str] = {
    "分组": "scene",
    "快捷编码": "shortcut",
    "内容": "text",
    "品牌": "brand",
    "标签": "tags",
    "意图": "intent",
    "编号": "key",
}
REQUIRED_COLUMNS: tuple[str, ...] = ("分组", "快捷编码", "内容")
_HEADER_FOR_FIELD = {f: h for h, f in COLUMNS.items()}
#: Headings other tools write for the same columns.
_ALIASES = {
    "快捷短语": "快捷编码",
    "快捷键": "快捷编码",
    "短语": "内容",
    "话术": "内容",
    "场景": "分组",
    "key": "编号",
}
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")
_FORMULA = re.compile(r"^'*[=+\-@]")
_GUARDED = re.compile(r"^'+[=+\-@]")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DATA_SHEET = "快捷短语"
_HEADER_ROWS = 10
_EXCEL_ERRORS = frozenset({"#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!"})


@dataclass
class PhraseTableResult:
    """What a table reader found: the phrases, the errors and the warnings (ignored columns)."""

    phrases: list[PhraseItem] = field(default_factory=list)
    errors: list[FormatError] = field(default_factory=list)
    warnings: list[FormatError] = field(default_factory=list)
    #: Where each phrase came from, so that later checks (against the database) can name the cell.
    rows: dict[str, int] = field(default_factory=dict)  # phrase key -> row number
    name: str = ""
    sheet: str | None = None
    columns: dict[str, int] = field(default_factory=dict)  # heading -> 0-based column index
    headers: list[str] = field(default_factory=list)

    def error_at(self, key: str, heading: str, message: str) -> FormatError:
        """A problem of the phrase ``key`` found after reading, at its row in column ``heading``
        (the row alone when the file has no such column)."""
        row = self.rows.get(key)
        index = self.columns.get(heading)
        if index is None:
            return FormatError(self.name, row, None, message, sheet=self.sheet)
        return FormatError(
            self.name,
            row,
            get_column_letter(index + 1),
            message,
            sheet=self.sheet,
            header=self.headers[index],
        )

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a shortcut such as 11 typed into Excel comes back as 11.0
    text = str(value).strip()
    return text[1:] if _GUARDED.match(text) else text


def _read_rows(
    rows: Iterable[tuple[int, Sequence[Any]]], name: str, sheet: str | None = None
) -> PhraseTableResult:
    result = PhraseTableResult(name=name, sheet=sheet)

    def error(row: int | None, column: int | None, message: str) -> FormatError:
        if column is None:
            return FormatError(name, row, None, message, sheet=sheet)
        return FormatError(
            name, row, get_column_letter(column + 1), message, sheet=sheet, header=headers[column]
        )

    headers: list[str] = []
    columns: dict[str, int] = {}
    body: list[tuple[int, Sequence[Any]]] = []
    iterator = iter(rows)
    for number, cells in iterator:
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        headers = texts
        for index, heading in enumerate(texts):
            canonical = _ALIASES.get(heading, heading)
            if canonical in COLUMNS and canonical not in columns:
                columns[canonical] = index
            elif canonical in COLUMNS:
                result.errors.append(error(number, index, f"重复的列“{heading}”"))
            elif heading:
                result.warnings.append(error(number, index, "不认识的列，已忽略"))
        missing = [h for h in REQUIRED_COLUMNS if h not in columns]
        if missing:
            result.errors.append(
                FormatError(
                    name,
                    number,
                    None,
                    f"缺少列：{'、'.join(missing)}（千牛快捷短语的列为 分组、快捷编码、内容）",
                    sheet=sheet,
                )
            )
            return result
        body = list(iterator)
        result.columns, result.headers = columns, headers
        break
    else:
        result.errors.append(FormatError(name, None, None, "文件是空的", sheet=sheet))
        return result

    filled = [number for number, cells in body if any(_cell_text(c) for c in cells)]
    if len(filled) > MAX_ROWS:
        result.errors.append(FormatError(name, filled[MAX_ROWS], None, _too_many_rows(), sheet=sheet))
        return result
    keys: dict[str, int] = {}
    shortcuts: dict[tuple[str | None, str], int] = {}
    for number, cells in body:
        values = {h: _cell_text(cells[i]) if i < len(cells) else "" for h, i in columns.items()}
        if not any(values.values()):
            continue
        nul = next((h for h, v in values.items() if "\x00" in v), None)
        if nul is not None:
            result.errors.append(error(number, columns[nul], NUL_MESSAGE))
            continue
        scene = values["分组"]
        brand = values.get("品牌") or None
        raw: dict[str, Any] = {
            "key": values.get("编号") or f"{brand or 'shared'}.{values['快捷编码'].lower()}",
            "brand": brand,
            "scene": scene,
            "intent": values.get("意图") or scene,
            "shortcut": values["快捷编码"].lower(),
            "text": values["内容"],
            "tags": [t for t in _TAG_SPLIT.split(values.get("标签", "")) if t],
        }
        model, problems = validate_item("phrases", raw)
        for path, message, _ in problems:
            field_name = str(path[0]) if path else ""
            target: str | None = _HEADER_FOR_FIELD.get(field_name)
            if target == "意图" and "意图" not in columns:
                target = "分组"
            if target == "编号" and "编号" not in columns:
                target = "快捷编码"
            if target in columns:
                result.errors.append(error(number, columns[target], message))
            else:
                result.errors.append(FormatError(name, number, None, message, sheet=sheet))
        if not isinstance(model, Phrase):
            continue
        item = PhraseItem.from_dict(item_to_dict(model))
        if item.key in keys:
            column = columns.get("编号", columns["快捷编码"])
            result.errors.append(error(number, column, f"编号 {item.key} 与第 {keys[item.key]} 行重复"))
            continue
        clash = shortcuts.get((item.brand, item.shortcut))
        if clash is not None:
            result.errors.append(
                error(number, columns["快捷编码"], f"快捷编码 {item.shortcut} 与第 {clash} 行重复")
            )
            continue
        keys[item.key] = number
        shortcuts[(item.brand, item.shortcut)] = number
        result.rows[item.key] = number
        result.phrases.append(item)
    return result


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _too_many_rows() -> str:
    return f"表格太长：一个文件最多 {MAX_ROWS} 条话术，请拆成几个文件分别导入"


def _delimiter(text: str) -> str:
    first = next((line for line in text.split("\n") if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_phrase_csv(source: Path | str | bytes, filename: str | None = None) -> PhraseTableResult:
    """Read phrases from a Qianniu-style CSV: a path (``Path`` or ``str``) or the file's bytes.

    Never raises for a bad or unreadable file: every problem is in the result's ``errors``.
    """
    if isinstance(source, bytes):
        name, data = filename or "<csv>", source
    else:
        path = Path(source)
        name = filename or path.name
        try:
            data = read_limited(path, MAX_TEXT_FILE_BYTES)
        except FileTooLarge as exc:
            return PhraseTableResult(errors=[FormatError(name, None, None, str(exc))])
        except OSError as exc:
            return PhraseTableResult(
                errors=[FormatError(name, None, None, f"无法读取文件：{exc.strerror or exc}")]
            )
    if len(data) > MAX_TEXT_FILE_BYTES:
        return PhraseTableResult(
            errors=[FormatError(name, None, None, file_too_large(len(data), MAX_TEXT_FILE_BYTES))]
        )
    try:
        text, _ = decode_text(data)
    except UnicodeDecodeError:
        return PhraseTableResult(
            errors=[
                FormatError(name, None, None, "无法识别文件编码：请另存为“CSV UTF-8（逗号分隔）”或 GBK 编码")
            ]
        )
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        return PhraseTableResult(errors=[FormatError(name, None, None, "不是文本文件（含有 NUL 字符）")])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        return PhraseTableResult(errors=[FormatError(name, None, None, f"CSV 格式有误：{exc}")])
    return _read_rows(_numbered(records), name)


def _numbered(records: list[list[str]]) -> Iterator[tuple[int, Sequence[Any]]]:
    return ((number, record) for number, record in enumerate(records, start=1))


def _guard(text: str) -> str:
    return "'" + text if _FORMULA.match(text) else text


def _row(item: PhraseItem) -> list[str]:
    values = {
        "scene": item.scene,
        "shortcut": item.shortcut,
        "text": item.text,
        "brand": item.brand or "",
        "tags": "，".join(item.tags),
        "intent": item.intent,
        "key": item.key,
    }
    return [values[f] for f in COLUMNS.values()]


def dumps_phrase_csv(items: Iterable[PhraseItem]) -> bytes:
    """The CSV file bytes for ``items``: UTF-8 with BOM, Excel line ends, all columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(COLUMNS))
    for item in items:
        writer.writerow([_guard(cell) for cell in _row(item)])
    return out.getvalue().encode("utf-8-sig")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def dump_phrase_csv(items: Iterable[PhraseItem], path: Path | str) -> None:
    """Write ``items`` as a Qianniu-style CSV (UTF-8 with BOM, atomically)."""
    _write_atomically(Path(path), dumps_phrase_csv(items))


# ---------------------------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------------------------


def parse_phrase_xlsx(source: Path | str | bytes, filename: str | None = None) -> PhraseTableResult:
    """Read phrases from the first worksheet of an .xlsx file (a path or the file's bytes).

    Never raises for a bad file: every problem is in the result's ``errors``.
    """
    if isinstance(source, bytes):
        name, data = filename or "<xlsx>", source
    else:
        path = Path(source)
        name = filename or path.name
        try:
            data = read_limited(path, MAX_XLSX_FILE_BYTES)
        except FileTooLarge as exc:
            return PhraseTableResult(errors=[FormatError(name, None, None, str(exc))])
        except OSError as exc:
            return PhraseTableResult(
                errors=[FormatError(name, None, None, f"无法读取文件：{exc.strerror or exc}")]
            )

    def fail(message: str) -> PhraseTableResult:
        return PhraseTableResult(errors=[FormatError(name, None, None, message)])

    if data[:8] == _OLE_MAGIC:
        return fail("这是旧版 Excel 97-2003（.xls）文件：请在 Excel 里“另存为” .xlsx 后再导入")
    problem = xlsx_problem(data)
    if problem:
        return fail(problem)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as exc:
        # (BadZipFile, zlib.error, XML ParseError, KeyError ...); the promise is "errors, no raise".
        return fail(f"不是有效的 xlsx 文件（{type(exc).__name__}）：{exc}")
    try:
        if not workbook.worksheets:
            return fail("工作簿里没有工作表")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # declared dimensions can lie (A1:XFD1048576)
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(
            sheet.iter_rows(max_col=MAX_TABLE_COLUMNS, values_only=True), start=1
        ):
            if number > MAX_ROWS + _HEADER_ROWS:  # even an empty row: openpyxl pads up to it
                return PhraseTableResult(
                    errors=[FormatError(name, number, None, _too_many_rows(), sheet=sheet.title)]
                )
            if any(v is not None and v != "" for v in values):
                rows.append((number, list(values)))
        for number, values in rows:
            for index, value in enumerate(values):
                if isinstance(value, str) and value in _EXCEL_ERRORS:
                    return PhraseTableResult(
                        errors=[
                            FormatError(
                                name,
                                number,
                                get_column_letter(index + 1),
                                f"单元格是 Excel 的错误值 {value}（公式出错）",
                                sheet=sheet.title,
                            )
                        ]
                    )
        return _read_rows(rows, name, sheet=sheet.title)
    except Exception as exc:
        return fail(f"无法读取 xlsx 文件（{type(exc).__name__}）：{exc}")
    finally:
        workbook.close()


def dump_phrase_xlsx(items: Iterable[PhraseItem], path: Path | str) -> None:
    """Write ``items`` as an .xlsx workbook (one sheet, Qianniu columns first, atomically)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items:
        row = [ILLEGAL_CHARACTERS_RE.sub("", value) for value in _row(item)]
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # never a formula, even when the text starts with "="
    for index, width in enumerate((10, 12, 60, 10, 20, 16, 20), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    _write_atomically(Path(path), buffer.getvalue())


# ---------------------------------------------------------------------------------------------
# espanso
# ---------------------------------------------------------------------------------------------


def dumps_espanso(items: Iterable[PhraseItem], *, brand: str | None = None) -> str:
    """An espanso match file: ``matches:`` with ``trigger: ":<shortcut>"`` and ``replace``.

    With ``brand``, only shared phrases and that brand's are written, a brand phrase replacing a
    shared one with the same shortcut (what an agent of that brand sees). Without it every phrase
    is written; raises ValueError when two phrases would get the same trigger (export per brand).
    Placeholders such as ``{顾客昵称}`` are written as they are (espanso leaves single braces alone).
    """
    chosen: dict[str, PhraseItem] = {}
    candidates = [item for item in items if brand is None or item.brand in (None, brand)]
    for item in sorted(candidates, key=lambda i: i.brand is not None):  # brand overrides shared
        previous = chosen.get(item.shortcut)
        if previous is not None and (brand is None or previous.brand == item.brand):
            raise ValueError(
                f"快捷编码 {item.shortcut} 同时属于 {previous.key} 和 {item.key}，请按品牌分别导出"
            )
        chosen[item.shortcut] = item
    winners = {id(item) for item in chosen.values()}
    ordered = [item for item in candidates if id(item) in winners]  # keep the caller's order
    matches = [{"trigger": f":{item.shortcut}", "replace": item.text} for item in ordered]
    return yaml.dump(
        {"matches": matches}, Dumper=_PackDumper, allow_unicode=True, sort_keys=False, width=1000, indent=2
    )


def dump_espanso(items: Iterable[PhraseItem], path: Path | str, *, brand: str | None = None) -> None:
    """Write :func:`dumps_espanso` to ``path`` (UTF-8, atomically)."""
    _write_atomically(Path(path), dumps_espanso(items, brand=brand).encode("utf-8"))
