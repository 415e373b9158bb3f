"""The short ways of the question import's reading and checking give exactly what the long ways
give: the size check of pack items (content_pack._size_problems), the xlsx cell reader
(xlsx_questions._FastParser), cell_text, and the texts handed to ``on_texts`` while reading."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from cstrainer.formats import content_pack
from cstrainer.formats.csv_questions import parse_csv
from cstrainer.formats.limits import FIELD_LIMITS, MAX_LIST_ITEMS
from cstrainer.formats.question_pack import question_to_pack
from cstrainer.formats.question_table import cell_text
from cstrainer.formats.xlsx_questions import TEMPLATE_EXAMPLES, dump_xlsx, parse_xlsx
from tests.formats.test_xlsx_perf_trailing_cells import _crafted, _inline

NAMES = ["stem", "text", "key", "tags", "explanation", "options", "synonyms", "x" * 65, "", "category"]


def _random_value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        limit = rng.choice([16, 32, 64, 100, 500, 2000])
        return "字" * rng.choice([0, 1, limit - 1, limit, limit + 1])
    if roll < 0.55:
        return rng.choice([None, 3, 2.5, True])
    if roll < 0.8:
        keys: list[Any] = rng.sample(NAMES, rng.randint(0, 4))
        if rng.random() < 0.2:
            keys.append(rng.choice([7, 1.5, False, None]))  # keys that are not text
        return {k: _random_value(rng, depth + 1) for k in keys}
    return [_random_value(rng, depth + 1) for _ in range(rng.choice([0, 1, 3]))]


def test_size_check_short_way_is_the_long_way_on_random_items() -> None:
    rng = random.Random(9)
    found = 0
    for kind in ("questions", "phrases", "handbook"):
        for _ in range(600):
            raw = _random_value(rng, 0)
            walk = content_pack._size_walk(kind, raw)
            assert content_pack._size_problems(kind, raw) == walk, raw
            found += bool(walk)
    assert found > 100  # both ways were taken


def test_size_check_on_questions_and_long_lists_and_deep_nesting() -> None:
    for q in TEMPLATE_EXAMPLES:
        raw = question_to_pack(q)
        assert (
            content_pack._size_problems("questions", raw) == [] == content_pack._size_walk("questions", raw)
        )
        long_stem = {**raw, "stem": "长" * (FIELD_LIMITS["stem"] + 1)}
        assert (
            content_pack._size_problems("questions", long_stem)
            == content_pack._size_walk("questions", long_stem)
            != []
        )
    many = {"type": "single", "options": [{"text": "甲"}] * (MAX_LIST_ITEMS + 1)}
    assert content_pack._size_problems("questions", many) == content_pack._size_walk("questions", many) != []
    deep: Any = "短"
    for _ in range(200):  # deeper than the short way goes: the long way decides
        deep = [deep]
    assert content_pack._size_problems("questions", {"stem": deep}) == []
    deep_long: Any = "长" * 3000
    for _ in range(200):
        deep_long = {"stem": deep_long}
    assert (
        content_pack._size_problems("questions", deep_long)
        == content_pack._size_walk("questions", deep_long)
        != []
    )


def test_cell_text_of_text_cells() -> None:
    class Sub(str):
        pass

    for value in ["", "甲", "a\r\nb\rc\n", Sub("x\ry"), "\r"]:
        assert cell_text(value) == str(value).replace("\r\n", "\n").replace("\r", "\n")
        assert type(cell_text(value)) is str


# cells the short way reads: lower-case and odd coordinates, empty styled inline strings, an
# inline string with a formula beside it, rich text, no coordinates
ODD_SHEETS = [
    "<row>" + "".join(_inline(t) for t in ("题型", "题干", "选项A", "选项B", "答案")) + "</row>"
    '<row r="2"><c r="a2" t="inlineStr"><is><t>单选</t></is></c><c r="b2" s="1" t="inlineStr"/>'
    '<c r="C2" t="inlineStr"><f>A1</f><is><t>带公式</t></is></c>'
    '<c r="D2" t="inlineStr"><is><t>乙</t><r><t>丁</t></r></is></c><c r="e2" t="inlineStr"><is><t>A</t></is></c></row>'
    '<row r="3"><c t="inlineStr"><is><t>判断</t></is></c><c t="inlineStr"/><c t="inlineStr"><is><t>丙</t></is></c>'
    '<c r="AA3" t="inlineStr"><is><t>远</t></is></c><c r="B03" t="inlineStr"><is><t>零</t></is></c></row>',
]


@pytest.mark.parametrize("index", range(len(ODD_SHEETS)))
def test_the_fast_sheet_reader_reads_odd_cells_like_iter_rows(tmp_path: Path, index: int) -> None:
    from cstrainer.formats import xlsx_questions

    path = _crafted(tmp_path / f"odd{index}.xlsx", ODD_SHEETS[index])
    for data_only in (True, False):
        workbook = load_workbook(path, data_only=data_only, read_only=True)
        fast = xlsx_questions._read_sheet_rows(workbook.worksheets[0])
        slow = xlsx_questions._read_sheet_rows_slow(workbook.worksheets[0])
        workbook.close()
        assert fast == slow
        assert [type(v) for _, r in fast[0] for v in r] == [type(v) for _, r in slow[0] for v in r]


def test_on_texts_gets_every_text_cell_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cstrainer.formats import xlsx_questions

    monkeypatch.setattr(xlsx_questions, "_TEXTS_EVERY", 2)
    questions = [q.with_changes(key=f"k{i}-{j}") for j in range(3) for i, q in enumerate(TEMPLATE_EXAMPLES)]
    path = tmp_path / "q.xlsx"
    dump_xlsx(questions, path)
    batches: list[list[str]] = []
    with_texts = parse_xlsx(path, on_texts=lambda texts: batches.append(list(texts)))
    assert with_texts == parse_xlsx(path) and not with_texts.errors
    assert len(batches) > 3  # a few rows at a time
    workbook = load_workbook(path, data_only=True, read_only=True)
    every = [
        v for row in workbook.worksheets[0].iter_rows(values_only=True) for v in row if isinstance(v, str)
    ]
    workbook.close()
    assert [t for batch in batches for t in batch] == every

    csv_path = tmp_path / "q.csv"
    csv_path.write_text("题型,题干,答案\n判断,运费险谁出？,对\n", encoding="utf-8")
    got: list[str] = []
    assert parse_csv(csv_path, on_texts=got.extend) == parse_csv(csv_path)
    assert got == ["题型", "题干", "答案", "判断", "运费险谁出？", "对"]
