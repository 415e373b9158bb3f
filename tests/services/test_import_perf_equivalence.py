"""The faster question import (cstrainer/services/questions.py import_file) stores exactly what the
row-by-row import stored: search text, fingerprint, versions, brands, errors; and the preview's
parsed file is reused only for the very same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.questions import KeyPointSpec, MatchPair, Option, Question, QuestionType
from cstrainer.formats.question_io import write_questions
from cstrainer.services import questions as module
from cstrainer.services.errors import ValidationFailed
from cstrainer.services.questions import question_from_row, search_text_of, stem_fingerprint
from cstrainer.storage.models import Question as QuestionRow
from cstrainer.storage.models import QuestionVersion
from tests.services.exam_fixtures import QUESTIONS, make_bank

TRICKY = [
    "顾客说：“运费险怎么赔？”\n第二行：ＡＢＣ全角 123，七天无理由",
    "café 退货 ñ 试试 カタカナ 한국어 e\u0301 组合",
    "  前后空格  ",
    "沁屿香氛洗衣液 2L 装 ¥69.9 / 瓶",
    "柔顺剂和洗衣液能一起用吗",
]


def _questions() -> list[Question]:
    out = []
    for i, text in enumerate(TRICKY):
        out.append(
            Question(
                key=f"perf-{i}",
                type=QuestionType.SINGLE,
                stem=f"{text}（{i}）",
                options=(Option(TRICKY[(i + 1) % 5], True), Option("直接让顾客自己看详情页")),
                explanation=TRICKY[(i + 2) % 5],
                category="平台规则",
                tags=("运费险", TRICKY[i][:4]),
            )
        )
    out.append(
        Question(
            key="perf-reply",
            type=QuestionType.REPLY,
            stem="顾客：漏液了！",
            key_points=(KeyPointSpec(("抱歉", "不好意思")), KeyPointSpec(("补发", "退款"), weight=2.0)),
            category="服务技巧-售后",
            brand="qinyu",
        )
    )
    out.append(
        Question(
            key="perf-match",
            type=QuestionType.MATCHING,
            stem="把说法和规则连起来",
            pairs=(MatchPair("七天无理由", "不影响二次销售"), MatchPair("运费险", "保险公司赔付")),
            category="平台规则",
        )
    )
    return out


def test_search_text_with_the_import_cache_is_the_same() -> None:
    for q in _questions() + QUESTIONS:
        plain = search_text_of(q)
        token = module._import_terms.set(module._TermCache())
        try:
            cached = search_text_of(q)
            again = search_text_of(q)
        finally:
            module._import_terms.reset(token)
        assert cached == plain == again


@pytest.fixture
def bank(services: Any) -> dict[str, Any]:
    return {"s": services, **make_bank(services)}


def _stored(s: Any) -> dict[str, QuestionRow]:
    with s.db.session() as session:
        rows = session.scalars(select(QuestionRow)).all()
        session.expunge_all()
    return {r.key: r for r in rows}


def test_import_adds_updates_and_bumps_used_versions_like_a_save(
    bank: dict[str, Any], tmp_path: Path
) -> None:
    s, t = bank["s"], bank["peixun"]
    used, unused = QUESTIONS[0], QUESTIONS[1]
    with s.db.session() as session:  # QUESTIONS[0] is on a paper: an edit makes a new version
        row = session.scalar(select(QuestionRow).where(QuestionRow.key == used.key))
        session.add(QuestionVersion(question_id=row.id, version=row.version, data=row.data))
    before = _stored(s)
    changed = [used.with_changes(explanation="新解析 A"), unused.with_changes(explanation="新解析 B")]
    path = tmp_path / "bank.csv"
    write_questions([*changed, QUESTIONS[2], *_questions()], path)
    preview = s.questions.import_file(t, path, dry_run=True)
    report = s.questions.import_file(t, path)
    assert (report.added, report.updated, report.unchanged) == (
        preview.added,
        preview.updated,
        preview.unchanged,
    )
    assert report.updated == [used.key, unused.key] and report.unchanged == [QUESTIONS[2].key]
    assert report.added == [q.key for q in _questions()]
    after = _stored(s)
    assert after[used.key].version == before[used.key].version + 1
    assert after[unused.key].version == before[unused.key].version
    assert after[QUESTIONS[2].key].updated_at == before[QUESTIONS[2].key].updated_at
    assert after["perf-reply"].brand_id is not None
    for key in [*report.added, *report.updated]:
        row = after[key]
        q = question_from_row(row)
        assert row.search_text == search_text_of(q)  # as the row-by-row import indexed it
        assert row.stem_fp == stem_fingerprint(q.stem)[:512]
        assert row.updated_by == t.login and (row.type, row.stem) == (q.type.value, q.stem)
    assert [q.key for q in s.questions.search(t, "运费险")]  # findable at once


def test_an_unknown_brand_still_names_the_question(bank: dict[str, Any], tmp_path: Path) -> None:
    s, t = bank["s"], bank["peixun"]
    path = tmp_path / "rules.csv"
    write_questions(_questions()[:2], path)
    before = _stored(s).keys()
    with pytest.raises(ValidationFailed) as err:
        s.questions.import_file(t, path, defaults={"brand": "nobrand"})
    assert err.value.errors == ["第 1 题（perf-0）：没有品牌 nobrand", "第 2 题（perf-1）：没有品牌 nobrand"]
    assert _stored(s).keys() == before


def test_the_preview_is_reused_only_for_the_same_bytes(
    bank: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cstrainer.formats import question_io

    s, t = bank["s"], bank["peixun"]
    reads: list[Path] = []
    original = question_io.read_questions

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(question_io, "read_questions", counting)
    path = tmp_path / "bank.csv"
    write_questions(_questions()[:3], path)
    s.questions.import_file(t, path, dry_run=True)
    s.questions.import_file(t, path)
    assert len(reads) == 1  # the import took what the preview read

    write_questions(_questions()[:4], path)  # previewed, then changed before the import
    s.questions.import_file(t, path, dry_run=True)
    write_questions([_questions()[4].with_changes(explanation="改过了")], path)
    report = s.questions.import_file(t, path)
    assert len(reads) == 3 and report.added == ["perf-4"]
    assert question_from_row(_stored(s)["perf-4"]).explanation == "改过了"

    s.questions.import_file(t, path, dry_run=True)  # other defaults or brands: applied afresh
    report = s.questions.import_file(t, path, defaults={"category": "企业文化"})
    assert report.unchanged == ["perf-4"] and len(reads) == 4
    s.questions.import_file(t, path, dry_run=True)
    with s.db.session() as session:  # a brand added between the preview and the import
        session.add(module.Brand(key="newbrand", name="新品牌"))
    s.questions.import_file(t, path)
    assert len(reads) == 6  # the brands changed: read again


def test_a_failing_import_does_not_keep_the_preview(bank: dict[str, Any], tmp_path: Path) -> None:
    s, t = bank["s"], bank["peixun"]
    path = tmp_path / "bank.csv"
    write_questions(_questions()[:2], path)
    s.questions.import_file(t, path, dry_run=True)
    with pytest.raises(ValidationFailed):
        s.questions.import_file(t, path, defaults={"brand": "nobrand"})
    assert s.questions._parsed is None


def test_a_key_twice_in_one_file_adds_then_updates_as_before(
    bank: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cstrainer.formats import question_io
    from cstrainer.formats.errors import ParseResult

    s, t = bank["s"], bank["peixun"]
    first, other = _questions()[0], _questions()[1]
    second = first.with_changes(explanation="第二次出现")
    monkeypatch.setattr(
        question_io, "read_questions", lambda *a, **k: ParseResult(questions=[first, other, second, first])
    )
    report = s.questions.import_file(t, tmp_path / "any.yaml")
    assert report.added == [first.key, other.key] and report.updated == [first.key, first.key]
    row = _stored(s)[first.key]
    assert row.version == 1 and question_from_row(row) == first.with_changes(version=1)
    assert row.search_text == search_text_of(first)
