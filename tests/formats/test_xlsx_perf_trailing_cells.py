"""parse_xlsx drops the empty cells at the end of each row (openpyxl pads every row to
MAX_TABLE_COLUMNS): the result must be exactly what the untrimmed rows give."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cstrainer.formats.limits import MAX_TABLE_COLUMNS
from cstrainer.formats.question_table import read_rows
from cstrainer.formats.xlsx_questions import _check_cell, _value, parse_xlsx


def _untrimmed(path: Path) -> list[tuple[int, list[object]]]:
    workbook = load_workbook(path, data_only=True, read_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    rows = []
    for number, cells in enumerate(sheet.iter_rows(max_col=MAX_TABLE_COLUMNS), start=1):
        values = [_value(c) for c in cells]
        if any(v is not None and v != "" for v in values):
            rows.append((number, values))
    workbook.close()
    return rows


def test_trimmed_rows_read_like_the_padded_ones(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["题型", "题干", "选项A", "选项B", "答案", "品牌", None, None, "备注"])
    sheet.append(["单选", "运费险谁出？", "顾客", "保险公司", "B"])
    sheet.append(["单选", "没有答案", "甲", "乙", None, None, None, None, "备注里有字"])
    sheet.append(["判断", "七天无理由", None, None, "对", "", "", ""])  # empty strings at the end
    sheet.append(["单选", "品牌不存在", "甲", "乙", "A", "没有的品牌"])
    sheet.append(["单选", "=1/0", "甲", "乙", "A"])
    sheet["B7"] = "=NA()"
    sheet.cell(8, 30, "远处的格")  # a cell far to the right, under no heading
    path = tmp_path / "bank.xlsx"
    workbook.save(path)
    brands = {"qinyu": "qinyu", "沁屿": "qinyu"}
    got = parse_xlsx(path, brands=brands)
    want = read_rows(_untrimmed(path), path.name, sheet="Sheet", brands=brands, check_cell=_check_cell)
    assert got == want
    assert got.errors and got.warnings and got.questions


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _crafted(path: Path, sheet_data: str) -> Path:
    """A hand-written workbook: shared strings (plain and rich), a date style, ``sheet_data``."""
    import zipfile

    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="题目" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{_MAIN}">'
            + "".join(
                f"<si><t>{t}</t></si>"
                for t in ("题型", "题干", "选项A", "选项B", "答案", "单选", "判断", "对")
            )
            + '<si><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 文本 </t></r></si>'
            + "<si><t/></si></sst>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font/></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>"
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


SHEETS = [
    # shared strings, cells without r, rich text, an empty <t/>, numbers, a date, booleans, errors
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
    '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>'
    '<row r="2"><c t="s"><v>5</v></c><c t="s"><v>8</v></c><c><v>1.50</v></c><c s="1"><v>45000</v></c>'
    '<c t="str"><v>A</v></c></row>'
    '<row r="4"><c r="A4" t="s"><v>6</v></c><c r="B4" t="s"><v>9</v></c><c r="E4" t="b"><v>1</v></c></row>'
    '<row r="5"><c r="A5" t="s"><v>6</v></c><c r="B5" t="e"><v>#NAME?</v></c><c r="E5" t="s"><v>7</v></c></row>',
    # inline strings as openpyxl writes them, rich inline text, an empty <is/>, <t/>, a row out of
    # order, a repeated column, a cell beyond the columns read
    "<row>" + "".join(_inline(t) for t in ("题型", "题干", "选项A", "选项B", "答案")) + "</row>"
    '<row r="3">'
    + _inline("单选")
    + _inline("运费险谁出？")
    + _inline("顾客")
    + _inline("保险公司")
    + '<c r="E3" t="inlineStr"><is><r><t>B</t></r></is></c><c r="F3" t="inlineStr"><is/></c>'
    '<c r="G3" t="inlineStr"><is><t/></is></c><c r="BZ3" t="inlineStr"><is><t>远</t></is></c></row>'
    '<row r="2">' + _inline("判断") + "</row>"
    '<row r="6"><c r="A6" t="inlineStr"><is><t>判断</t></is></c><c r="A6" t="inlineStr"><is><t>单选</t></is></c>'
    '<c r="B6" t="inlineStr"><is><t xml:space="preserve">  空格  </t></is></c></row>',
    # a row past the limit
    "<row>" + "".join(_inline(t) for t in ("题型", "题干", "答案")) + "</row>"
    f'<row r="{MAX_TABLE_COLUMNS}">' + _inline("判断") + _inline("甲") + _inline("对") + "</row>"
    '<row r="20011">' + _inline("判断") + "</row>",
]


@pytest.mark.parametrize("index", range(len(SHEETS)))
def test_the_fast_sheet_reader_reads_like_iter_rows(tmp_path: Path, index: int) -> None:
    from cstrainer.formats import xlsx_questions

    path = _crafted(tmp_path / f"crafted{index}.xlsx", SHEETS[index])
    workbook = load_workbook(path, data_only=True, read_only=True)
    fast = xlsx_questions._read_sheet_rows(workbook.worksheets[0])
    slow = xlsx_questions._read_sheet_rows_slow(workbook.worksheets[0])
    workbook.close()
    assert fast == slow
    assert [type(v) for _, row in fast[0] for v in row] == [type(v) for _, row in slow[0] for v in row]


def test_the_fast_sheet_reader_reads_an_export_like_iter_rows(tmp_path: Path) -> None:
    from cstrainer.formats import xlsx_questions
    from cstrainer.formats.xlsx_questions import TEMPLATE_EXAMPLES, dump_xlsx

    path = tmp_path / "export.xlsx"
    dump_xlsx([*TEMPLATE_EXAMPLES, TEMPLATE_EXAMPLES[0].with_changes(stem="=不是公式 \n 换行 ")], path)
    workbook = load_workbook(path, data_only=True, read_only=True)
    fast = xlsx_questions._read_sheet_rows(workbook.worksheets[0])
    slow = xlsx_questions._read_sheet_rows_slow(workbook.worksheets[0])
    workbook.close()
    assert fast == slow and len(fast[0]) == 5
