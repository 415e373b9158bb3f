"""Qianniu quick-phrase CSV / xlsx import and export, and the espanso export."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from cstrainer.domain.phrases import PhraseItem
from cstrainer.formats.phrase_table import (
    PhraseTableResult,
    dump_espanso,
    dump_phrase_csv,
    dump_phrase_xlsx,
    dumps_espanso,
    dumps_phrase_csv,
    parse_phrase_csv,
    parse_phrase_xlsx,
)

ITEMS = [
    PhraseItem("qinyu.hy1", "qinyu", "迎宾", "问候", "hy1", "亲爱的{顾客昵称}，您好呀~ 🌸", ("问候", "热情")),
    PhraseItem("shared.sb1", None, "送别", "道别", "sb1", "感谢光临，\n祝您生活愉快！"),
    PhraseItem("shared.yj1", None, "议价", "议价", "yj1", "=亲，价格已经是活动价啦"),  # formula-looking
]


def test_csv_round_trip_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "快捷短语.csv"
    dump_phrase_csv(ITEMS, path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM so Excel picks UTF-8
    assert data.decode("utf-8-sig").startswith("分组,快捷编码,内容,")
    assert "'=亲".encode() in data  # formula guard, removed again on reading
    result = parse_phrase_csv(path)
    assert result.ok, result.errors
    assert result.phrases == ITEMS
    assert parse_phrase_csv(data).phrases == ITEMS
    assert dumps_phrase_csv(ITEMS) == data


def test_gbk_csv_with_only_the_qianniu_columns() -> None:
    # GIVEN a file exported by Qianniu on Chinese Windows (GBK, only 分组/快捷编码/内容)
    text = "分组,快捷编码,内容\r\n迎宾,hy1,亲您好，欢迎光临\r\n\r\n催付,CF1,亲，记得付款哦\r\n"
    result = parse_phrase_csv(text.encode("gbk"), "千牛.csv")
    # THEN scene, shortcut and text are read; intent defaults to the scene, the key is generated
    assert result.ok, result.errors
    first, second = result.phrases
    assert (first.key, first.brand, first.scene, first.intent) == ("shared.hy1", None, "迎宾", "迎宾")
    assert second.shortcut == "cf1"


def test_tab_separated_with_optional_columns_and_tags() -> None:
    text = "快捷编码\t内容\t分组\t品牌\t标签\t意图\t备注\nhy1\t您好\t迎宾\tqinyu\t问候、热情 首句\t问好\tx\n"
    result = parse_phrase_csv(text.encode("utf-8"))
    assert result.ok, result.errors
    (item,) = result.phrases
    assert (item.brand, item.intent, item.tags) == ("qinyu", "问好", ("问候", "热情", "首句"))
    assert [w.header for w in result.warnings] == ["备注"]


def test_csv_errors_name_file_row_and_column() -> None:
    text = (
        "分组,快捷编码,内容\n"
        "迎宾,hy1,您好\n"
        "不存在,hy2,您好\n"  # row 3: bad scene (column A)
        "迎宾,hy 3,您好\n"  # row 4: bad shortcut (column B)
        "迎宾,hy4,\n"  # row 5: empty text (column C)
        "迎宾,hy1,又一个\n"  # row 6: duplicate shortcut
        "迎宾,hy5,{顾客}您好\n"  # row 7: unknown placeholder
    )
    result = parse_phrase_csv(text.encode("utf-8-sig"), "导入.csv")
    assert not result.ok
    where = {(e.line, e.column) for e in result.errors}
    assert {(3, "A"), (4, "B"), (5, "C"), (6, "B"), (7, "C")} <= where
    assert all(e.file == "导入.csv" for e in result.errors)
    assert "导入.csv 第 3 行 A 列（分组）" in str(next(e for e in result.errors if e.line == 3))


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "空"),
        ("内容,备注\n您好,x\n".encode(), "缺少列"),
        (b"\xff\xfe\x00", ""),
        (b"\x81\x30\x81", ""),
    ],
)
def test_bad_csv_files_give_errors_not_exceptions(data: bytes, needle: str) -> None:
    result = parse_phrase_csv(data)
    assert not result.ok
    assert needle in str(result.errors[0])


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    result = parse_phrase_csv(tmp_path / "nope.csv")
    assert not result.ok and "无法读取" in result.errors[0].message


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "快捷短语.xlsx"
    dump_phrase_xlsx(ITEMS, path)
    result = parse_phrase_xlsx(path)
    assert result.ok, result.errors
    assert result.phrases == ITEMS
    assert parse_phrase_xlsx(path.read_bytes()).phrases == ITEMS


def test_xlsx_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "短语"
    sheet.append(["分组", "快捷编码", "内容"])
    sheet.append(["迎宾", 11, "您好"])  # a numeric shortcut typed into Excel is fine
    sheet.append(["迎宾", "hy2", None])
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    result = parse_phrase_xlsx(path)
    assert [item.shortcut for item in result.phrases] == ["11"]
    (error,) = result.errors
    assert (error.sheet, error.line, error.column, error.header) == ("短语", 3, "C", "内容")


def test_bad_xlsx_files(tmp_path: Path) -> None:
    assert not parse_phrase_xlsx(b"not a zip").ok
    assert "xls" in str(parse_phrase_xlsx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).errors[0])
    assert not parse_phrase_xlsx(tmp_path / "missing.xlsx").ok


def test_espanso_export(tmp_path: Path) -> None:
    text = dumps_espanso(ITEMS)
    data = yaml.safe_load(text)
    assert data["matches"][0] == {"trigger": ":hy1", "replace": "亲爱的{顾客昵称}，您好呀~ 🌸"}
    assert {m["trigger"] for m in data["matches"]} == {":hy1", ":sb1", ":yj1"}
    assert data["matches"][1]["replace"] == "感谢光临，\n祝您生活愉快！"
    path = tmp_path / "cstrainer.yml"
    dump_espanso(ITEMS, path)
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == data


def test_espanso_brand_phrase_overrides_shared_one() -> None:
    shared = PhraseItem("shared.hy1", None, "迎宾", "问候", "hy1", "您好")
    other = PhraseItem("mumu.hy1", "mumu", "迎宾", "问候", "hy1", "木木欢迎您")
    items = [shared, ITEMS[0], other]
    data = yaml.safe_load(dumps_espanso(items, brand="qinyu"))
    assert data["matches"] == [{"trigger": ":hy1", "replace": ITEMS[0].text}]
    assert yaml.safe_load(dumps_espanso(items, brand="none"))["matches"][0]["replace"] == "您好"
    with pytest.raises(ValueError):
        dumps_espanso(items)


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=600)
    | st.text(max_size=300).map(lambda t: ("分组,快捷编码,内容\n" + t).encode("utf-8"))
)
def test_fuzz_csv_reader_never_raises(data: bytes) -> None:
    result = parse_phrase_csv(data, "fuzz.csv")
    assert isinstance(result, PhraseTableResult)
    for error in result.errors:
        assert error.file == "fuzz.csv" and str(error)
    if result.ok:
        assert all(isinstance(item, PhraseItem) for item in result.phrases)


_XLSX: bytes | None = None


def _valid_xlsx(tmp: Path) -> bytes:
    global _XLSX
    if _XLSX is None:
        dump_phrase_xlsx(ITEMS, tmp / "v.xlsx")
        _XLSX = (tmp / "v.xlsx").read_bytes()
    return _XLSX


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_fuzz_xlsx_reader_never_raises(flips: list[tuple[float, int]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        blob = bytearray(_valid_xlsx(Path(tmp)))
    for where, value in flips:
        blob[min(int(where * len(blob)), len(blob) - 1)] = value
    result = parse_phrase_xlsx(bytes(blob), "fuzz.xlsx")
    assert isinstance(result, PhraseTableResult)
    assert result.ok or all(error.file == "fuzz.xlsx" for error in result.errors)
