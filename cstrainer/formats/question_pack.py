"""Questions between the content-pack shape (plain dicts, see ``content_pack``) and the domain
:class:`~cstrainer.domain.questions.Question`.

:func:`question_to_pack` gives the dict a pack (and the database's JSON column) holds, in the
order a person would write it and without empty optional fields; :func:`question_from_pack`
reads it back. ``question_from_pack(question_to_pack(q)) == q`` for every question type (the
database-only fields ``version`` and ``retired`` are not part of a pack and come back as their
defaults).

``question_from_pack`` converts without validating: the validated path is
``content_pack.validate_item`` (see :func:`validation_problems`, which every import format uses
so that what it reads would also pass as a pack).

Two conventions the domain has no field for:

* a numeric "any other number" answer (GIFT's ``~#feedback``) is ``NumericAnswer(low=-inf,
  high=inf, weight=...)`` in the domain and ``{other: true, ...}`` in a pack;
* a question without a category has ``category: ""`` in the domain and no ``category`` in the
  dict (a pack requires one, so such a dict does not validate until a category is chosen).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cstrainer.domain.questions import (
    CATEGORIES,
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
)
from cstrainer.formats.pack_errors import format_field

if TYPE_CHECKING:
    from cstrainer.formats.content_pack import PackItem

__all__ = [
    "FIELD_LABELS",
    "any_number",
    "generate_key",
    "is_catch_all",
    "is_slug",
    "pack_problems",
    "question_from_pack",
    "question_to_pack",
    "unique_keys",
    "validation_problems",
]

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def is_slug(text: str) -> bool:
    """Whether ``text`` can be a key (lower-case letters, digits and ``_ . -``)."""
    return bool(_SLUG_RE.match(text))


def any_number(weight: float = 0.0, feedback: str = "") -> NumericAnswer:
    """The numeric answer that accepts any other number (GIFT ``~#feedback``)."""
    return NumericAnswer(low=-math.inf, high=math.inf, weight=weight, feedback=feedback)


def is_catch_all(answer: NumericAnswer) -> bool:
    return answer.value is None and answer.low == -math.inf and answer.high == math.inf


def _num(value: float) -> float | int:
    # 69.0 -> 69: packs (and the JSON column) read better without ".0"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# Domain -> pack
# ---------------------------------------------------------------------------------------------


def _option(option: Option) -> dict[str, Any]:
    out: dict[str, Any] = {"text": option.text}
    if option.correct:
        out["correct"] = True
    if option.weight is not None:
        out["weight"] = _num(option.weight)
    if option.feedback:
        out["feedback"] = option.feedback
    return out


def _key_point(point: KeyPointSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if point.id:
        out["id"] = point.id
    if point.synonyms:
        out["synonyms"] = list(point.synonyms)
    out["weight"] = _num(point.weight)  # written even when 1, as item_to_dict does
    if point.regexes:
        out["regexes"] = list(point.regexes)
    if point.feedback:
        out["feedback"] = point.feedback
    return out


def _numeric_form(answer: NumericAnswer) -> dict[str, Any]:
    if is_catch_all(answer):
        return {"other": True}
    if answer.value is not None:
        return {"value": _num(answer.value), "tolerance": _num(answer.tolerance)}
    return {
        "min": _num(answer.low) if answer.low is not None else None,
        "max": _num(answer.high) if answer.high is not None else None,
    }


def _numeric_fields(answers: tuple[NumericAnswer, ...]) -> dict[str, Any]:
    if (
        len(answers) == 1
        and answers[0].weight == 100
        and not answers[0].feedback
        and not is_catch_all(answers[0])
    ):
        return {"answer": _numeric_form(answers[0])}
    items = []
    for answer in answers:
        item = _numeric_form(answer)
        if answer.weight != 100:
            item["weight"] = _num(answer.weight)
        if answer.feedback:
            item["feedback"] = answer.feedback
        items.append(item)
    return {"answers": items}


def _accepted(answer: AcceptedAnswer) -> dict[str, Any]:
    out: dict[str, Any] = {"text": answer.text}
    if answer.weight != 100:
        out["weight"] = _num(answer.weight)
    if answer.feedback:
        out["feedback"] = answer.feedback
    return out


def question_to_pack(q: Question) -> dict[str, Any]:
    """The content-pack dict of ``q`` (validate it with ``content_pack.validate_item``)."""
    out: dict[str, Any] = {"key": q.key, "type": q.type.value}
    if q.title:
        out["title"] = q.title
    if q.brand:
        out["brand"] = q.brand
    if q.category:
        out["category"] = q.category
    out["difficulty"] = q.difficulty
    if q.stem_format and q.stem_format != "plain":
        out["stem_format"] = q.stem_format
    out["stem"] = q.stem
    t = q.type
    if t in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        out["options"] = [_option(o) for o in q.options]
        if t is QuestionType.MULTIPLE and q.partial_credit:
            out["partial_credit"] = True
    elif t is QuestionType.TRUEFALSE:
        if q.answer is not None:
            out["answer"] = q.answer
        if q.true_feedback:
            out["true_feedback"] = q.true_feedback
        if q.false_feedback:
            out["false_feedback"] = q.false_feedback
    elif t is QuestionType.FILL:
        out["blanks"] = [list(alternatives) for alternatives in q.blanks]
    elif t is QuestionType.NUMERIC:
        out.update(_numeric_fields(q.numeric))
    elif t is QuestionType.MATCHING:
        out["pairs"] = [({"left": p.left} if p.left else {}) | {"right": p.right} for p in q.pairs]
    elif t in (QuestionType.SHORT, QuestionType.REPLY, QuestionType.ESSAY) and (
        q.key_points or t is QuestionType.REPLY or (t is QuestionType.SHORT and not q.accepted)
    ):
        out["key_points"] = [_key_point(p) for p in q.key_points]
    if t is QuestionType.SHORT and q.accepted:
        out["accepted"] = [_accepted(a) for a in q.accepted]
    if q.explanation:
        out["explanation"] = q.explanation
    if q.handbook:
        out["handbook"] = q.handbook
    if q.products:
        out["products"] = list(q.products)
    if q.author:
        out["author"] = q.author
    if q.tags:
        out["tags"] = list(q.tags)
    return out


# ---------------------------------------------------------------------------------------------
# Pack -> domain
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _float(value: Any, default: float) -> float:
    return default if value is None else float(value)


def _numeric_answer(raw: Mapping[str, Any], weight: float = 100.0) -> NumericAnswer:
    feedback = _text(raw.get("feedback"))
    if raw.get("other"):
        return any_number(weight, feedback)
    if raw.get("value") is not None:
        return NumericAnswer(
            value=float(raw["value"]),
            tolerance=_float(raw.get("tolerance"), 0.0),
            weight=weight,
            feedback=feedback,
        )
    return NumericAnswer(
        low=_float(raw.get("min"), -math.inf),
        high=_float(raw.get("max"), math.inf),
        weight=weight,
        feedback=feedback,
    )


def _key_points(raw: Iterable[Mapping[str, Any]] | None) -> tuple[KeyPointSpec, ...]:
    return tuple(
        KeyPointSpec(
            synonyms=tuple(_text(s) for s in point.get("synonyms") or ()),
            weight=_float(point.get("weight"), 1.0),
            regexes=tuple(_text(r) for r in point.get("regexes") or ()),
            feedback=_text(point.get("feedback")),
            id=_text(point.get("id")),
        )
        for point in raw or ()
    )


def question_from_pack(item: Mapping[str, Any] | PackItem) -> Question:
    """The domain question of a pack item (a dict as written in a pack or stored in the
    database, or a validated item model)."""
    if isinstance(item, Mapping):
        data: Mapping[str, Any] = item
    else:  # a validated model; the pack models (pydantic) load only when one is used
        from cstrainer.formats.content_pack import item_to_dict

        data = item_to_dict(item)
    qtype = QuestionType(data["type"])
    numeric: tuple[NumericAnswer, ...] = ()
    if data.get("answer") is not None and qtype is QuestionType.NUMERIC:
        numeric = (_numeric_answer(data["answer"]),)
    elif data.get("answers"):
        numeric = tuple(_numeric_answer(a, _float(a.get("weight"), 100.0)) for a in data["answers"])
    answer = data.get("answer") if qtype is QuestionType.TRUEFALSE else None
    return Question(
        key=_text(data.get("key")),
        type=qtype,
        stem=_text(data.get("stem")),
        title=_text(data.get("title")),
        stem_format=_text(data.get("stem_format")) or "plain",
        options=tuple(
            Option(
                text=_text(o.get("text")),
                correct=bool(o.get("correct", False)),
                weight=None if o.get("weight") is None else float(o["weight"]),
                feedback=_text(o.get("feedback")),
            )
            for o in data.get("options") or ()
        ),
        partial_credit=bool(data.get("partial_credit", False)),
        answer=None if answer is None else bool(answer),
        true_feedback=_text(data.get("true_feedback")),
        false_feedback=_text(data.get("false_feedback")),
        blanks=tuple(tuple(_text(a) for a in group) for group in data.get("blanks") or ()),
        numeric=numeric,
        accepted=tuple(
            AcceptedAnswer(
                text=_text(a.get("text")),
                weight=_float(a.get("weight"), 100.0),
                feedback=_text(a.get("feedback")),
            )
            for a in data.get("accepted") or ()
        ),
        key_points=_key_points(data.get("key_points")),
        pairs=tuple(MatchPair(_text(p.get("left")), _text(p.get("right"))) for p in data.get("pairs") or ()),
        explanation=_text(data.get("explanation")),
        category=_text(data.get("category")),
        brand=data.get("brand") or None,
        difficulty=int(data.get("difficulty") or 1),
        tags=tuple(_text(t) for t in data.get("tags") or ()),
        handbook=data.get("handbook") or None,
        products=tuple(_text(p) for p in data.get("products") or ()),
        author=_text(data.get("author")),
    )


# ---------------------------------------------------------------------------------------------
# Helpers for the import formats
# ---------------------------------------------------------------------------------------------

#: Chinese names of the pack fields, for messages about a question read from a table or text.
FIELD_LABELS: dict[str, str] = {
    "key": "编号",
    "type": "题型",
    "title": "标题",
    "brand": "品牌",
    "category": "分类",
    "difficulty": "难度",
    "stem_format": "题干格式",
    "stem": "题干",
    "options": "选项",
    "partial_credit": "部分得分",
    "answer": "答案",
    "answers": "答案",
    "true_feedback": "答“对”时的反馈",
    "false_feedback": "答“错”时的反馈",
    "blanks": "填空答案",
    "accepted": "可接受的答案",
    "key_points": "要点",
    "pairs": "配对",
    "explanation": "解析",
    "handbook": "关联手册",
    "products": "关联产品",
    "author": "作者",
    "tags": "标签",
}


def pack_problems(q: Question, *, check_brand: bool = True) -> list[tuple[tuple[str | int, ...], str]]:
    """``(field path, message)`` for everything that would stop ``q`` from being saved as a pack
    item.

    A missing category is not reported (an import may set it for all questions afterwards);
    with ``check_brand=False`` a brand written as a name (not a key) is not either, for a caller
    that resolves brand names itself.
    """
    data = question_to_pack(q)
    data.setdefault("category", CATEGORIES[0])
    if not check_brand and data.get("brand") and not is_slug(str(data["brand"])):
        data["brand"] = "brand"
    from cstrainer.formats.content_pack import validate_item

    _, problems = validate_item("questions", data)
    return [(tuple(path), message) for path, message, _ in problems]


def validation_problems(q: Question, *, check_brand: bool = True) -> list[tuple[str, str]]:
    """:func:`pack_problems` with the field named for a person: ``("选项（options[1].text）",
    "重复的选项：甲")``."""
    out = []
    for path, message in pack_problems(q, check_brand=check_brand):
        name = format_field(path)
        label = FIELD_LABELS.get(str(path[0])) if path else None
        out.append((f"{label}（{name}）" if label and label != name else name, message))
    return out


def generate_key(qtype: QuestionType | str, stem: str, texts: Iterable[str] = ()) -> str:
    """A stable key for a question that has none: ``q-`` and 10 hex digits of a SHA-1 over the
    type, the stem and the option (or answer) texts, so re-importing the same file gives the
    same keys, and the many stems like "下列说法正确的是？" do not collide."""
    qtype = QuestionType(qtype)
    parts = [qtype.value, stem.strip(), *(t.strip() for t in texts)]
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"q-{digest[:10]}"


def unique_keys(keys: Iterable[str]) -> list[str]:
    """``keys`` with repeats made unique by ``-2``, ``-3``... (in order of appearance)."""
    seen: set[str] = set()
    out = []
    for key in keys:
        candidate, n = key, 1
        while candidate in seen:
            n += 1
            candidate = f"{key}-{n}"
        seen.add(candidate)
        out.append(candidate)
    return out
