"""The question bank service: search, duplicates, bulk changes, import and export."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.questions import Option, Question, QuestionType
from cstrainer.services import SYSTEM
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied, ValidationFailed
from tests.services.exam_fixtures import QUESTIONS, make_bank


@pytest.fixture
def bank(services: Any) -> dict[str, Any]:
    return {"s": services, **make_bank(services)}


def test_full_text_search_uses_words_not_characters(bank: dict[str, Any]) -> None:
    s, trainer = bank["s"], bank["peixun"]
    assert {q.key for q in s.questions.search(trainer, "洗衣液")} == {"t-single", "t-num", "t-reply"}
    assert {q.key for q in s.questions.search(trainer, "七天无理由")} == {"t-tf"}
    assert {q.key for q in s.questions.search(trainer, "拍照 漏液")} == {"t-short"}  # every word must occur
    assert s.questions.search(trainer, "微信")[0].key == "t-multi"  # options are searched too
    assert [q.key for q in s.questions.search(trainer, "", category="平台规则")] == ["t-multi", "t-tf"]
    assert {q.key for q in s.questions.search(trainer, "", type="reply")} == {"t-reply"}


def test_duplicate_stems_are_reported(bank: dict[str, Any]) -> None:
    s = bank["s"]
    copy = QUESTIONS[0].with_changes(key="t-single-copy", stem="沁屿香氛洗衣液2L装的标价是多少?")
    result = s.questions.save(bank["peixun"], copy)
    assert result.created and result.duplicates == ["t-single"]
    assert s.questions.duplicates_of("  沁屿香氛洗衣液 2L 装的标价是多少？ ") == ["t-single", "t-single-copy"]


def test_invalid_question_is_refused(bank: dict[str, Any]) -> None:
    bad = Question(
        key="t-bad",
        type=QuestionType.SINGLE,
        stem="没有正确答案的单选题",
        category="产品知识",
        options=(Option("甲"), Option("乙")),
    )
    with pytest.raises(ValidationFailed):
        bank["s"].questions.save(bank["peixun"], bad)


def test_optimistic_version_check(bank: dict[str, Any]) -> None:
    s = bank["s"]
    q = s.questions.get(SYSTEM, "t-single")
    with pytest.raises(InvalidInput, match="已被"):
        s.questions.save(bank["peixun"], q.with_changes(explanation="x"), expected_version=q.version + 5)


def test_bulk_tag_move_retire(bank: dict[str, Any]) -> None:
    s, t = bank["s"], bank["peixun"]
    assert s.questions.bulk_update(t, ["t-single", "t-num"], add_tags=["价格"]) == 2
    assert {q.key for q in s.questions.search(t, "", tag="价格")} == {"t-single", "t-num"}
    s.questions.bulk_update(t, ["t-num"], category="服务技巧-售前", brand="qinyu")
    moved = s.questions.get(t, "t-num")
    assert (moved.category, moved.brand) == ("服务技巧-售前", "qinyu")
    s.questions.bulk_update(t, ["t-num"], retired=True)
    assert "t-num" not in {q.key for q in s.questions.search(t, "")}
    assert "t-num" in {q.key for q in s.questions.search(t, "", include_retired=True)}
    with pytest.raises(NotFound):
        s.questions.bulk_update(t, ["nope"], add_tags=["x"])


def test_trainee_cannot_edit(bank: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        bank["s"].questions.save(bank["xinren"], QUESTIONS[0].with_changes(stem="改题"))
    with pytest.raises(PermissionDenied):
        bank["s"].questions.bulk_update(bank["xinren"], ["t-single"], retired=True)


GIFT = textwrap.dedent(
    """\
    $CATEGORY: 平台规则

    ::退货::顾客收到商品后几天内可以申请七天无理由退货？{#7}

    ::好评::可以用返现换取好评吗？{F#不可以，好评返现违反平台规则。}
    """
)


def test_import_dry_run_then_real_import(bank: dict[str, Any], tmp_path: Path) -> None:
    s, t = bank["s"], bank["peixun"]
    path = tmp_path / "rules.gift"
    path.write_text(GIFT, encoding="utf-8")
    preview = s.questions.import_file(t, path, dry_run=True)
    assert len(preview.questions) == 2 and len(preview.added) == 2
    assert len(s.questions.search(t, "")) == len(QUESTIONS)  # nothing written
    done = s.questions.import_file(t, path)
    assert len(done.added) == 2
    assert len(s.questions.search(t, "")) == len(QUESTIONS) + 2
    again = s.questions.import_file(t, path, dry_run=True)
    assert len(again.unchanged) == 2


def test_a_bad_file_imports_nothing_and_says_where(bank: dict[str, Any], tmp_path: Path) -> None:
    s, t = bank["s"], bank["peixun"]
    path = tmp_path / "broken.gift"
    path.write_text(GIFT + "\n::坏题::这道题没有右括号 {=对的 ~错的\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        s.questions.import_file(t, path)
    assert "broken.gift" in str(err.value)
    assert len(s.questions.search(t, "")) == len(QUESTIONS)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "gift", "yaml"])
def test_export_and_reimport_round_trip(bank: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    s, t = bank["s"], bank["peixun"]
    path = tmp_path / f"bank.{fmt}"
    assert s.questions.export_file(t, path, format=fmt) == len(QUESTIONS)
    again = s.questions.import_file(t, path, format=fmt, dry_run=True)
    assert sorted(q.key for q in again.questions) == sorted(q.key for q in QUESTIONS)


def test_template_is_written(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from cstrainer.services.questions import QuestionBankService

    path = QuestionBankService.write_template(tmp_path / "模板.xlsx")
    headers = [c.value for c in next(load_workbook(path).worksheets[0].iter_rows(max_row=1))]
    assert {"题型", "题干", "选项A", "答案", "解析", "分类", "品牌", "难度", "标签"} <= set(headers)
