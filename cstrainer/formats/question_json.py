"""The JSON shape of a question, as ``cstrainer questions import PATH --dry-run --json`` prints
it. Other tools read this output: keys are only ever added, never renamed or removed, and
``tests/formats/test_question_json.py`` pins the shape.

Every question has all of these keys (``null`` / ``[]`` when they do not apply):

``key``             the question's key
``id``              the GIFT ``[id:...]`` it was read with, else null
``type``            single, multiple, truefalse, fill, numeric, short, reply, matching, essay,
                    description
``type_label``      the Chinese name (单选题 ...)
``title``           null when there is none
``stem``            the text; ``stem_format`` says how to read it: plain, markdown, html or
                    moodle (GIFT's auto-format text)
``options``         single / multiple: ``{text, correct, weight, feedback}`` per option;
                    short: the answers accepted as written, each ``correct: true`` (as the
                    GIFT-grammar-PEG.js JSON lists them as choices); [] otherwise. ``weight`` is
                    GIFT's percentage credit: null when not given for an option, always a number
                    for an accepted answer (100 = full credit); ``feedback`` null when empty
``answers``         single / multiple: the texts of the right options; truefalse: ``[true]`` or
                    ``[false]``; fill: one list of accepted alternatives per blank; numeric:
                    ``{value, tolerance, weight, feedback}``, ``{min, max, weight, feedback}`` or
                    ``{other: true, weight, feedback}`` ("any other number") per answer; short:
                    the accepted texts, then the key points as ``{synonyms, weight}``; reply and
                    essay: the key points; matching: the pairs; description: []
``answer``          truefalse: true or false; else null. True/false questions have no options:
                    like the PEG JSON's ``isTrue`` / ``trueFeedback`` / ``falseFeedback``, they
                    carry ``answer``, ``true_feedback`` (shown to whoever answers true) and
                    ``false_feedback``
``true_feedback`` ``false_feedback``   null unless a true/false question has them
``partial_credit``  multiple choice gives partial credit
``pairs``           matching: ``{left, right}`` (an empty left is an extra right-hand choice)
``key_points``      ``{id, synonyms, weight, regexes, feedback}`` (short, reply, essay)
``feedback``        the general feedback (the explanation), null when empty
``category`` ``brand`` ``difficulty`` ``tags`` ``handbook`` ``products`` ``author``
``version`` ``retired`` ``scored`` (false for descriptions) ``needs_review`` (a trainer
confirms the automatic score)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from cstrainer.domain.questions import KeyPointSpec, NumericAnswer, Question, QuestionType
from cstrainer.formats.question_pack import is_catch_all

__all__ = ["JSON_KEYS", "question_to_json", "questions_to_json"]

#: Every key of :func:`question_to_json`, in order.
JSON_KEYS: tuple[str, ...] = (
    "key",
    "id",
    "type",
    "type_label",
    "title",
    "stem",
    "stem_format",
    "options",
    "answers",
    "answer",
    "true_feedback",
    "false_feedback",
    "partial_credit",
    "pairs",
    "key_points",
    "feedback",
    "category",
    "brand",
    "difficulty",
    "tags",
    "handbook",
    "products",
    "author",
    "version",
    "retired",
    "scored",
    "needs_review",
)


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
        return int(value)
    return value


def _or_null(text: str) -> str | None:
    return text or None


def _numeric(answer: NumericAnswer) -> dict[str, Any]:
    if is_catch_all(answer):
        form: dict[str, Any] = {"other": True}
    elif answer.value is not None:
        form = {"value": _num(answer.value), "tolerance": _num(answer.tolerance)}
    else:
        form = {"min": _num(answer.low), "max": _num(answer.high)}
    return form | {"weight": _num(answer.weight), "feedback": _or_null(answer.feedback)}


def _key_point(point: KeyPointSpec) -> dict[str, Any]:
    return {
        "id": _or_null(point.id),
        "synonyms": list(point.synonyms),
        "weight": _num(point.weight),
        "regexes": list(point.regexes),
        "feedback": _or_null(point.feedback),
    }


def _answers(q: Question) -> list[Any]:
    t = q.type
    if t in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return [o.text for o in q.options if o.correct]
    if t is QuestionType.TRUEFALSE:
        return [] if q.answer is None else [q.answer]
    if t is QuestionType.FILL:
        return [list(group) for group in q.blanks]
    if t is QuestionType.NUMERIC:
        return [_numeric(a) for a in q.numeric]
    if t is QuestionType.MATCHING:
        return [{"left": p.left, "right": p.right} for p in q.pairs]
    if t is QuestionType.DESCRIPTION:
        return []
    points = [{"synonyms": list(p.synonyms), "weight": _num(p.weight)} for p in q.key_points]
    accepted: list[Any] = [a.text for a in q.accepted] if t is QuestionType.SHORT else []
    return accepted + points


def question_to_json(q: Question) -> dict[str, Any]:
    """The JSON-ready dict of ``q`` (see the module docstring for every key)."""
    if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        options = [
            {"text": o.text, "correct": o.correct, "weight": _num(o.weight), "feedback": _or_null(o.feedback)}
            for o in q.options
        ]
    elif q.type is QuestionType.SHORT:
        options = [
            {"text": a.text, "correct": True, "weight": _num(a.weight), "feedback": _or_null(a.feedback)}
            for a in q.accepted
        ]
    else:
        options = []
    truefalse = q.type is QuestionType.TRUEFALSE
    gift_id = q.extra.get("gift_id")
    out: dict[str, Any] = {
        "key": q.key,
        "id": None if gift_id is None else str(gift_id),
        "type": q.type.value,
        "type_label": q.type.label,
        "title": _or_null(q.title),
        "stem": q.stem,
        "stem_format": q.stem_format or "plain",
        "options": options,
        "answers": _answers(q),
        "answer": q.answer if truefalse else None,
        "true_feedback": _or_null(q.true_feedback) if truefalse else None,
        "false_feedback": _or_null(q.false_feedback) if truefalse else None,
        "partial_credit": q.partial_credit,
        "pairs": [{"left": p.left, "right": p.right} for p in q.pairs]
        if q.type is QuestionType.MATCHING
        else [],
        "key_points": [_key_point(p) for p in q.key_points],
        "feedback": _or_null(q.explanation),
        "category": _or_null(q.category),
        "brand": q.brand or None,
        "difficulty": q.difficulty,
        "tags": list(q.tags),
        "handbook": q.handbook or None,
        "products": list(q.products),
        "author": _or_null(q.author),
        "version": q.version,
        "retired": q.retired,
        "scored": q.is_scored,
        "needs_review": q.needs_review,
    }
    return out


def questions_to_json(questions: Iterable[Question]) -> list[dict[str, Any]]:
    return [question_to_json(q) for q in questions]
