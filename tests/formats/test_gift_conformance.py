"""The GIFT importer against the 51 conformance pairs of GIFT-grammar-PEG.js.

The pairs live in ``shared/conformance/gift-peg`` beside the repository (never copied into it):
``NAME.gift`` and the parse result another parser expects, ``NAME.json``. Each question of the
JSON is mapped onto what ``Question`` holds and compared field by field. Where the domain model
deliberately stores less than the JSON, the expected value is normalised the same way, and the
reason is written next to it:

* an MC question is ``single`` when exactly one answer is ``=``, otherwise ``multiple``; for a
  multiple-answer question without any ``=`` (Moodle's convention) the right answers are those
  with a positive weight, so ``correct`` is compared with ``weight > 0`` there;
* short answers (``AcceptedAnswer``) and numeric answers (``NumericAnswer``) always hold a
  credit in percent: a missing weight is 100 for a ``=`` answer and 0 for a ``~`` answer;
* ``{#12}`` and ``{#12:0}`` are the same answer (tolerance 0);
* a numeric ``~#feedback`` answer without a number (the JSON's ``"*"``) is "any other number";
* formats of single answers/feedbacks are not kept (the domain has one ``stem_format`` per
  question), only the question's format is compared; the texts themselves are.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.questions import Question, QuestionType
from cstrainer.formats.gift import parse_gift
from cstrainer.formats.question_pack import is_catch_all

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "gift-peg"
CASES = sorted(CONFORMANCE.glob("*.gift")) if CONFORMANCE.is_dir() else []

pytestmark = pytest.mark.skipif(
    not CASES, reason=f"GIFT conformance files not found in {CONFORMANCE} (shared/ beside the repository)"
)

TYPES = {
    "TF": "truefalse",
    "Short": "short",
    "Numerical": "numeric",
    "Matching": "matching",
    "Essay": "essay",
    "Description": "description",
}


def _text(value: dict[str, Any] | None) -> str:
    return "" if value is None else str(value["text"])


def _number(choice: dict[str, Any], weight: float, feedback: str) -> dict[str, Any]:
    if "format" in choice:  # {"format": "moodle", "text": "*"}: any other number
        assert choice["text"] == "*"
        return {"other": True, "weight": weight, "feedback": feedback}
    if choice["type"] == "simple":
        return {"value": float(choice["number"]), "tolerance": 0.0, "weight": weight, "feedback": feedback}
    if choice["type"] == "range":
        return {
            "value": float(choice["number"]),
            "tolerance": float(choice["range"]),
            "weight": weight,
            "feedback": feedback,
        }
    assert choice["type"] == "high-low"
    return {
        "min": float(choice["numberLow"]),
        "max": float(choice["numberHigh"]),
        "weight": weight,
        "feedback": feedback,
    }


def expected_view(e: dict[str, Any], category: str | None) -> dict[str, Any]:
    """What the project's question must hold for the expected JSON question ``e``."""
    view: dict[str, Any] = {
        "title": e["title"] or "",
        "stem": e["stem"]["text"],
        "stem_format": e["stem"]["format"],
        "embedded": e["hasEmbeddedAnswers"],
        "id": e["id"],
        "tags": e["tags"] or [],
        "explanation": _text(e.get("globalFeedback")),
        "gift_category": category,
    }
    kind = e["type"]
    if kind == "MC":
        right = [c["isCorrect"] for c in e["choices"]]
        view["type"] = "single" if sum(right) == 1 else "multiple"
        if view["type"] == "multiple" and not any(right):
            # Moodle's multiple-answer form: the right answers are the ones with positive credit
            right = [(c["weight"] or 0) > 0 for c in e["choices"]]
        view["options"] = [
            {
                "text": c["text"]["text"],
                "correct": ok,
                "weight": c["weight"],
                "feedback": _text(c["feedback"]),
            }
            for c, ok in zip(e["choices"], right, strict=True)
        ]
        view["partial_credit"] = view["type"] == "multiple" and any(
            c["weight"] is not None for c in e["choices"]
        )
        return view
    view["type"] = TYPES[kind]
    if kind == "TF":
        view.update(
            answer=e["isTrue"],
            true_feedback=_text(e["trueFeedback"]),
            false_feedback=_text(e["falseFeedback"]),
        )
    elif kind == "Short":
        # AcceptedAnswer.weight is the credit in percent: no weight written means full credit
        view["accepted"] = [
            {
                "text": c["text"]["text"],
                "weight": 100.0 if c["weight"] is None else float(c["weight"]),
                "feedback": _text(c["feedback"]),
            }
            for c in e["choices"]
        ]
    elif kind == "Numerical":
        choices = e["choices"]
        if isinstance(choices, dict):  # one answer, full credit
            view["numeric"] = [_number(choices, 100.0, "")]
        else:
            view["numeric"] = [
                _number(
                    c["text"],
                    # no weight written: "=" is full credit, "~" none
                    float(c["weight"]) if c["weight"] is not None else (100.0 if c["isCorrect"] else 0.0),
                    _text(c["feedback"]),
                )
                for c in choices
            ]
    elif kind == "Matching":
        view["pairs"] = [{"left": p["subquestion"]["text"], "right": p["subanswer"]} for p in e["matchPairs"]]
    return view


def project_view(q: Question) -> dict[str, Any]:
    """The same fields, read from the project's question."""
    view: dict[str, Any] = {
        "title": q.title,
        "stem": q.stem,
        "stem_format": q.stem_format,
        "embedded": bool(q.extra.get("gift_embedded")),
        "id": q.extra.get("gift_id"),
        "tags": list(q.tags),
        "explanation": q.explanation,
        "gift_category": q.extra.get("gift_category"),
        "type": q.type.value,
    }
    if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        view["options"] = [
            {"text": o.text, "correct": o.correct, "weight": o.weight, "feedback": o.feedback}
            for o in q.options
        ]
        view["partial_credit"] = q.partial_credit
    elif q.type is QuestionType.TRUEFALSE:
        view.update(answer=q.answer, true_feedback=q.true_feedback, false_feedback=q.false_feedback)
    elif q.type is QuestionType.SHORT:
        view["accepted"] = [{"text": a.text, "weight": a.weight, "feedback": a.feedback} for a in q.accepted]
    elif q.type is QuestionType.NUMERIC:
        answers = []
        for n in q.numeric:
            if is_catch_all(n):
                form: dict[str, Any] = {"other": True}
            elif n.value is not None:
                form = {"value": n.value, "tolerance": n.tolerance}
            else:
                assert n.low is not None and n.high is not None
                assert math.isfinite(n.low) and math.isfinite(n.high)
                form = {"min": n.low, "max": n.high}
            answers.append(form | {"weight": n.weight, "feedback": n.feedback})
        view["numeric"] = answers
    elif q.type is QuestionType.MATCHING:
        view["pairs"] = [{"left": p.left, "right": p.right} for p in q.pairs]
    return view


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_conformance_pair(path: Path) -> None:
    # GIVEN a GIFT file and the result an independent parser expects for it
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    # WHEN it is imported
    result = parse_gift(path.read_text(encoding="utf-8"), path.name)
    # THEN it imports without error, with the same categories and the same questions
    assert result.errors == []
    assert result.categories == [e["title"] for e in expected if e["type"] == "Category"]
    views = []
    category = None
    for e in expected:
        if e["type"] == "Category":
            category = e["title"]
        else:
            views.append(expected_view(e, category))
    assert [project_view(q) for q in result.questions] == views


def test_every_pair_is_present() -> None:
    # the README promises 51 pairs; a missing JSON would silently shrink the suite
    assert len(CASES) == 51
    assert all(path.with_suffix(".json").is_file() for path in CASES)
