"""Moodle's GIFT text format: :func:`parse_gift` and :func:`dump_gift`.

Reading follows Moodle's documentation and, where Moodle is vague, the GIFT-grammar-PEG.js
parser whose test files live in ``shared/conformance/gift-peg`` (``tests/formats/
test_gift_conformance.py`` checks every one of them):

* questions are separated by blank lines; lines starting with ``//`` are comments. A comment
  before a question may carry ``[id:...]`` (the question's key when it is a valid key) and
  ``[tag:...]`` (tags), as Moodle writes them;
* ``$CATEGORY: a/b/c`` sets the category of the questions after it (``Question.category`` when
  the last part that is one of the app's categories, ``extra["gift_category"]`` always);
* ``::title::``, then an optional ``[html]`` / ``[markdown]`` / ``[plain]`` / ``[moodle]``
  prefix (the default is ``moodle``, Moodle's "auto-format" plain text), then the stem;
* escapes ``\\: \\= \\~ \\# \\{ \\} \\\\ \\n``; any other backslash is kept as written;
* text in the ``moodle`` and ``plain`` formats is trimmed and runs of white space (line breaks
  included) become one space; ``html`` and ``markdown`` text keeps its line breaks and spaces
  (only trimmed). ``\\n`` always gives a line break;
* the answer block ``{...}``: ``=right ~wrong``, ``%50%`` weights, ``#feedback`` per answer,
  ``####general feedback`` (-> ``explanation``); ``{T}`` / ``{TRUE}`` / ``{F}`` / ``{FALSE}`` with
  up to two feedbacks (the first is shown to whoever answers true, the second to whoever answers
  false - the PEG parser's reading; Moodle itself shows the first to whoever answers *wrongly*,
  which is the same for ``{FALSE}`` questions but swapped for ``{TRUE}``); ``{#12}``,
  ``{#12:0.5}``, ``{#10..15}`` and ``{#=12 =%50%12:2#... ~#...}`` numbers; ``{=a -> b ...}``
  matching; ``{}`` essays; no block at all: a description. Text after the block makes the
  answers "embedded": the stem gets ``_____`` where the block was.

Mapping to the app's question types: an answer list whose answers are all ``=`` is a short
answer (answers accepted as written); otherwise multiple choice is ``single`` when exactly one
answer is ``=``, and ``multiple`` when none is (the right answers are those with a positive
weight, Moodle's multiple-answer convention) or several are (each ``=`` answer is right).
``partial_credit`` is set when weights are used.

Writing produces GIFT that Moodle imports (multiple-answer questions get Moodle-style weights),
plus, in the comment above each question, what GIFT has no syntax for: the key
(``[id:...]``), tags, and ``[brand:...] [difficulty:...] [handbook:...] [product:...]
[author:...] [type:...] [partial_credit:...] [weights:auto] [key_points:JSON] [blanks:JSON]
[explanation:JSON]`` as needed, so that ``parse_gift(dump_gift(qs))`` gives the same questions
(text white space aside: see above). Fill-in-the-blank questions with one blank are written as
short-answer questions, those with several blanks, reply and key-point questions as essays.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

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
from cstrainer.formats.errors import FormatError, ParseResult
from cstrainer.formats.limits import MAX_ITEMS, MAX_TEXT_FILE_BYTES, NUL_MESSAGE, file_too_large, nul_position
from cstrainer.formats.question_pack import (
    any_number,
    generate_key,
    is_catch_all,
    is_slug,
    question_from_pack,
    question_to_pack,
    validation_problems,
)

__all__ = ["GiftResult", "dump_gift", "looks_like_gift", "parse_gift"]

FORMATS = ("html", "markdown", "plain", "moodle")
_ESCAPES = {"\\": "\\", ":": ":", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", "n": "\n"}
_SPACE = " \t\n"
_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)
_TOLERANCE_RE = re.compile(rf"({_NUMBER}):({_NUMBER})")
_RANGE_RE = re.compile(rf"({_NUMBER})\.\.({_NUMBER})")
_WEIGHT_RE = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)")
_TF_WORDS = {"TRUE": True, "T": True, "FALSE": False, "F": False}
_UNCATEGORISED = "未分类"
_NUMERIC_HINT = "数值题的答案应为数字，例如 {#12}、{#12:0.5}（允许误差 0.5）或 {#10..15}（范围）"


@dataclass
class GiftResult(ParseResult):
    """What :func:`parse_gift` read; ``categories`` lists every ``$CATEGORY`` in order."""

    categories: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading: characters with their escapes resolved
# ---------------------------------------------------------------------------------------------


class _Chars:
    """The characters of one question, escapes resolved: ``esc[i]`` is True for a character
    that came from an escape sequence (or a lone backslash), which is never a control
    character and never trimmed away."""

    def __init__(self, lines: Sequence[tuple[int, str]]) -> None:
        self.ch: list[str] = []
        self.esc: list[bool] = []
        self.pos: list[tuple[int, int]] = []
        for index, (number, line) in enumerate(lines):
            if index:
                self._add("\n", False, number - 1, len(lines[index - 1][1]) + 1)
            i = 0
            while i < len(line):
                c = line[i]
                if c == "\\" and i + 1 < len(line) and line[i + 1] in _ESCAPES:
                    self._add(_ESCAPES[line[i + 1]], True, number, i + 1)
                    i += 2
                    continue
                self._add(c, c == "\\", number, i + 1)
                i += 1
        self.n = len(self.ch)

    def _add(self, c: str, esc: bool, line: int, col: int) -> None:
        self.ch.append(c)
        self.esc.append(esc)
        self.pos.append((line, col))

    def at(self, i: int, c: str) -> bool:
        return i < self.n and not self.esc[i] and self.ch[i] == c

    def find(self, c: str, start: int, end: int | None = None) -> int:
        end = self.n if end is None else end
        for i in range(start, end):
            if not self.esc[i] and self.ch[i] == c:
                return i
        return -1

    def find_seq(self, seq: str, start: int, end: int | None = None) -> int:
        end = self.n if end is None else end
        for i in range(start, end - len(seq) + 1):
            if all(self.at(i + k, c) for k, c in enumerate(seq)):
                return i
        return -1

    def skip_space(self, i: int, end: int | None = None) -> int:
        end = self.n if end is None else end
        while i < end and not self.esc[i] and self.ch[i] in _SPACE:
            i += 1
        return i

    def format_at(self, i: int, end: int) -> tuple[str | None, int]:
        """An explicit ``[html]``-style format at ``i`` (after white space), and where the text
        after it starts."""
        j = self.skip_space(i, end)
        for name in FORMATS:
            tag = f"[{name}]"
            if j + len(tag) <= end and all(self.at(j + k, c) for k, c in enumerate(tag)):
                return name, self.skip_space(j + len(tag), end)
        return None, j

    def raw(self, start: int, end: int) -> str:
        return "".join(self.ch[start:end])

    def text(self, start: int, end: int, fmt: str) -> str:
        """The text between ``start`` and ``end`` as GIFT reads it in format ``fmt``."""
        chars = list(zip(self.ch[start:end], self.esc[start:end], strict=True))
        while chars and not chars[0][1] and chars[0][0].isspace():
            chars.pop(0)
        while chars and not chars[-1][1] and chars[-1][0].isspace():
            chars.pop()
        if fmt in ("html", "markdown"):
            return "".join(c for c, _ in chars)
        out: list[str] = []
        run = 0
        for c, esc in chars:
            if not esc and c.isspace():
                run += 1
                if run == 1:
                    out.append(" " if c in "\n\r" else c)
                else:
                    out[-1] = " "
            else:
                run = 0
                out.append(c)
        return "".join(out)


# ---------------------------------------------------------------------------------------------
# Reading: comments
# ---------------------------------------------------------------------------------------------


def _unescape_meta(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


@dataclass
class _Meta:
    """What the comments before a question said."""

    id: str | None = None
    tags: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    products: list[str] = field(default_factory=list)

    def read(self, line: str, number: int) -> list[str]:
        """Take the ``[name:value]`` parts of a comment line; returns problems (Chinese).

        ``[id:...]``, ``[tag:...]`` and plain values end at the first ``]`` not escaped as
        ``\\]``; a value starting with ``"``, ``[`` or ``{`` is JSON and ends where the JSON does.
        """
        problems: list[str] = []
        pos = 0
        while True:
            match = _META_START.search(line, pos)
            if match is None:
                return problems
            name, start = match.group(1), match.end()
            value: Any
            if name not in ("id", "tag") and line[start : start + 1] in ('"', "[", "{"):
                try:
                    value, end = _JSON.raw_decode(line, start)
                except ValueError:
                    value, end = None, len(line)
                if line[end : end + 1] != "]":
                    problems.append(f"注释里的 [{name}:…] 不是有效的 JSON")
                    pos = start
                    continue
            else:
                plain = _META_PLAIN.match(line, start)
                if plain is None:
                    pos = start
                    continue
                value, end = _unescape_meta(plain.group(1)), plain.end(1)
            pos = end + 1
            self._take(name, value)

    def _take(self, name: str, value: Any) -> None:
        if name == "id":
            self.id = str(value).strip()
        elif name == "tag":
            tag = str(value).strip()
            if tag and tag not in self.tags:
                self.tags.append(tag)
        elif name == "product":
            self.products.append(str(value).strip())
        elif name in _META_NAMES:
            self.values[name] = value


_META_START = re.compile(r"\[([A-Za-z_]+):")
_META_PLAIN = re.compile(r"((?:\\.|[^\\\]])*)\]")
_JSON = json.JSONDecoder()
_META_NAMES = frozenset(
    {
        "brand",
        "difficulty",
        "handbook",
        "author",
        "type",
        "partial_credit",
        "weights",
        "key_points",
        "blanks",
        "explanation",
    }
)


# ---------------------------------------------------------------------------------------------
# Reading: one question
# ---------------------------------------------------------------------------------------------


class _Problem(Exception):
    def __init__(self, message: str, at: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


@dataclass
class _Item:
    """One ``=`` / ``~`` answer of an answer block."""

    symbol: str
    weight: float | None
    start: int  # where its text starts (after the weight and format)
    end: int  # where its text ends (the feedback's '#' or the item's end)
    fmt: str | None
    feedback: str
    at: tuple[int, int]
    arrow: int = -1  # position of an unescaped "->" in its text


def _weight(text: str, at: tuple[int, int]) -> float:
    value = float(text)
    if not -100 <= value <= 100:
        raise _Problem(f"权重 {text}% 超出范围：应在 -100 到 100 之间", at)
    return value


def _feedback(t: _Chars, hash_at: int, end: int, qfmt: str) -> str:
    """The feedback after the ``#`` at ``hash_at`` (up to ``end``)."""
    extra = t.find("#", hash_at + 1, end)
    if extra >= 0:
        raise _Problem("一个答案只能有一个反馈 #（文字里的 # 请写成 \\#）", t.pos[extra])
    fmt, start = t.format_at(hash_at + 1, end)
    return t.text(start, end, fmt or qfmt)


def _items(t: _Chars, start: int, end: int, qfmt: str, numeric: bool = False) -> list[_Item]:
    marks = [i for i in range(start, end) if not t.esc[i] and t.ch[i] in "=~"]
    items: list[_Item] = []
    for index, mark in enumerate(marks):
        item_end = marks[index + 1] if index + 1 < len(marks) else end
        i = t.skip_space(mark + 1, item_end)
        weight = None
        if t.at(i, "%"):
            close = t.find("%", i + 1, item_end)
            if close >= 0 and _WEIGHT_RE.fullmatch(t.raw(i + 1, close).strip()):
                weight = _weight(t.raw(i + 1, close).strip(), t.pos[i])
                i = close + 1
            elif numeric:
                raise _Problem("权重应写成 %数字%，例如 %50%", t.pos[i])
        fmt, i = (None, t.skip_space(i, item_end)) if numeric else t.format_at(i, item_end)
        hash_at = t.find("#", i, item_end)
        text_end = hash_at if hash_at >= 0 else item_end
        feedback = _feedback(t, hash_at, item_end, qfmt) if hash_at >= 0 else ""
        items.append(
            _Item(t.ch[mark], weight, i, text_end, fmt, feedback, t.pos[mark], t.find_seq("->", i, text_end))
        )
    return items


def _classify(symbols: Sequence[str], arrows: Sequence[bool], hint: QuestionType | None) -> QuestionType:
    """Which question an answer list of ``=``/``~`` answers makes."""
    all_right = all(s == "=" for s in symbols)
    if hint is QuestionType.MATCHING or (hint is None and all_right and all(arrows)):
        return QuestionType.MATCHING
    if hint in (QuestionType.SHORT, QuestionType.FILL) or (
        hint not in (QuestionType.SINGLE, QuestionType.MULTIPLE) and all_right
    ):
        return QuestionType.SHORT
    if hint is QuestionType.SINGLE or (hint is None and sum(s == "=" for s in symbols) == 1):
        return QuestionType.SINGLE
    return QuestionType.MULTIPLE


def _number(text: str, at: tuple[int, int]) -> NumericAnswer:
    text = text.strip()
    if _NUMBER_RE.fullmatch(text):
        return NumericAnswer(value=float(text))
    m = _TOLERANCE_RE.fullmatch(text)
    if m:
        tolerance = float(m.group(2))
        if tolerance < 0:
            raise _Problem("允许误差不能是负数", at)
        return NumericAnswer(value=float(m.group(1)), tolerance=tolerance)
    m = _RANGE_RE.fullmatch(text)
    if m:
        low, high = float(m.group(1)), float(m.group(2))
        if low > high:
            raise _Problem(f"数值范围 {text} 的下限大于上限", at)
        return NumericAnswer(low=low, high=high)
    raise _Problem(_NUMERIC_HINT, at)


def _numeric(t: _Chars, start: int, end: int, qfmt: str) -> tuple[NumericAnswer, ...]:
    i = t.skip_space(start, end)
    if t.at(i, "=") or t.at(i, "~"):
        answers = []
        for item in _items(t, i, end, qfmt, numeric=True):
            weight = item.weight if item.weight is not None else (100.0 if item.symbol == "=" else 0.0)
            spec = t.raw(item.start, item.end).strip()
            if spec:
                answers.append(_with(_number(spec, item.at), weight=weight, feedback=item.feedback))
            else:
                answers.append(any_number(weight, item.feedback))
        return tuple(answers)
    hash_at = t.find("#", i, end)
    spec_end = hash_at if hash_at >= 0 else end
    feedback = _feedback(t, hash_at, end, qfmt) if hash_at >= 0 else ""
    at = t.pos[i] if i < t.n else t.pos[start - 1]
    return (_with(_number(t.raw(i, spec_end), at), feedback=feedback),)


def _with(answer: NumericAnswer, **changes: Any) -> NumericAnswer:
    return replace(answer, **changes)


def _body(t: _Chars, start: int, end: int, qfmt: str, hint: QuestionType | None) -> dict[str, Any]:
    """The fields of a question that the answer block between ``start`` and ``end`` gives."""
    out: dict[str, Any] = {}
    general = t.find_seq("####", start, end)
    main_end = general if general >= 0 else end
    if general >= 0:
        fmt, i = t.format_at(general + 4, end)
        out["explanation"] = t.text(i, end, fmt or qfmt)
    i = t.skip_space(start, main_end)
    if i >= main_end:
        out["type"] = QuestionType.ESSAY
        return out
    if t.at(i, "#"):
        out["type"] = QuestionType.NUMERIC
        out["numeric"] = _numeric(t, i + 1, main_end, qfmt)
        return out
    if t.at(i, "=") or t.at(i, "~"):
        return out | _choices(t, i, main_end, qfmt, hint)
    word_end = i
    while (
        word_end < main_end and not t.esc[word_end] and t.ch[word_end].isascii() and t.ch[word_end].isalpha()
    ):
        word_end += 1
    hashes = [k for k in range(word_end, main_end) if t.at(k, "#")]
    head_end = hashes[0] if hashes else main_end
    if t.raw(i, word_end).upper() in _TF_WORDS and not t.text(word_end, head_end, "plain"):
        if len(hashes) > 2:
            raise _Problem("判断题最多写两个反馈：#答“对”时的反馈 #答“错”时的反馈", t.pos[hashes[2]])
        bounds = [*hashes, main_end]
        feedbacks = []
        for k in range(len(hashes)):
            fmt, s = t.format_at(bounds[k] + 1, bounds[k + 1])
            feedbacks.append(t.text(s, bounds[k + 1], fmt or qfmt))
        feedbacks += ["", ""]
        out.update(
            type=QuestionType.TRUEFALSE,
            answer=_TF_WORDS[t.raw(i, word_end).upper()],
            true_feedback=feedbacks[0],
            false_feedback=feedbacks[1],
        )
        return out
    # {answer} or {answer#feedback}: one short answer without "="
    fmt, s = t.format_at(i, main_end)
    feedback = _feedback(t, hashes[0], main_end, qfmt) if hashes else ""
    out.update(
        type=QuestionType.SHORT,
        accepted=(AcceptedAnswer(t.text(s, head_end, fmt or qfmt), 100.0, feedback),),
    )
    return out


def _choices(t: _Chars, start: int, end: int, qfmt: str, hint: QuestionType | None) -> dict[str, Any]:
    items = _items(t, start, end, qfmt)
    if hint not in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SHORT, QuestionType.FILL):
        hint = None  # an unrelated [type:...] is reported by _apply_meta
    kind = _classify([it.symbol for it in items], [it.arrow >= 0 for it in items], hint)
    if kind is QuestionType.MATCHING:
        pairs = []
        for item in items:
            if item.arrow < 0:
                raise _Problem("匹配题的每一项都要写成 =左侧 -> 右侧", item.at)
            if item.weight is not None or item.feedback:
                raise _Problem("匹配题的配对不能带权重或反馈", item.at)
            right = t.text(item.arrow + 2, item.end, "plain")
            if not right:
                raise _Problem("配对的右侧（-> 后面）是空的", item.at)
            pairs.append(MatchPair(t.text(item.start, item.arrow, item.fmt or qfmt), right))
        return {"type": kind, "pairs": tuple(pairs)}
    texts = [t.text(it.start, it.end, it.fmt or qfmt) for it in items]
    for item, text in zip(items, texts, strict=True):
        if not text:
            raise _Problem("答案内容是空的", item.at)
    if kind is QuestionType.SHORT:
        accepted = tuple(
            AcceptedAnswer(text, it.weight if it.weight is not None else 100.0, it.feedback)
            for it, text in zip(items, texts, strict=True)
        )
        return {"type": kind, "accepted": accepted}
    marked = [it.symbol == "=" for it in items]
    if kind is QuestionType.MULTIPLE and not any(marked):
        marked = [it.weight is not None and it.weight > 0 for it in items]
    if not any(marked):
        raise _Problem(
            "选择题没有正确答案：请用 = 标出正确选项，或给正确选项加正的百分比，如 ~%50%", items[0].at
        )
    options = tuple(
        Option(text, ok, it.weight, it.feedback) for it, text, ok in zip(items, texts, marked, strict=True)
    )
    partial = kind is QuestionType.MULTIPLE and any(it.weight is not None for it in items)
    return {"type": kind, "options": options, "partial_credit": partial}


def _question(lines: list[tuple[int, str]], meta: _Meta) -> tuple[Question, list[str]]:
    """One question from its lines (comments removed). Raises :class:`_Problem`."""
    t = _Chars(lines)
    i = t.skip_space(0)
    title = ""
    if t.at(i, ":") and t.at(i + 1, ":"):
        close = t.find_seq("::", i + 2)
        if close < 0:
            raise _Problem("标题缺少结尾的 ::（标题里的冒号请写成 \\:）", t.pos[i])
        title = t.text(i + 2, close, "plain")
        i = t.skip_space(close + 2)
    hint, warnings = _hint(meta)
    fmt1, i = t.format_at(i, t.n)
    brace = t.find("{", i)
    if brace < 0:
        stray = t.find("}", i)
        if stray >= 0:
            raise _Problem("多余的右花括号 }（文字里的 } 请写成 \\}）", t.pos[stray])
        fields: dict[str, Any] = {"type": QuestionType.DESCRIPTION, "stem_format": fmt1 or "moodle"}
        fields["stem"] = t.text(i, t.n, fmt1 or "moodle")
    else:
        close = t.find("}", brace + 1)
        reopen = t.find("{", brace + 1, close if close >= 0 else t.n)
        if close < 0 or reopen >= 0:
            raise _Problem("缺少右花括号 }", t.pos[brace])
        stray = t.find("}", i, brace)
        if stray >= 0:
            raise _Problem("多余的右花括号 }（文字里的 } 请写成 \\}）", t.pos[stray])
        for c, message in (
            ("{", "一道题只能有一个答案块 {…}（文字里的 { 请写成 \\{）"),
            ("}", "多余的右花括号 }（文字里的 } 请写成 \\}）"),
        ):
            extra = t.find(c, close + 1)
            if extra >= 0:
                raise _Problem(message, t.pos[extra])
        qfmt = fmt1 or "moodle"
        stem1 = t.text(i, brace, qfmt)
        fmt2, j = t.format_at(close + 1, t.n)
        stem2 = t.text(j, t.n, fmt2 or qfmt)
        fields = _body(t, brace + 1, close, qfmt, hint)
        fields["stem_format"] = fmt1 or fmt2 or "moodle"
        if stem2:
            fields["stem"] = (stem1 + " " if stem1 else "") + "_____ " + stem2
            fields["extra"] = {"gift_embedded": True}
        else:
            fields["stem"] = stem1
    if not fields["stem"]:
        raise _Problem("缺少题干", t.pos[0])
    explanation = fields.pop("explanation", "")
    q = Question(key="", title=title, explanation=explanation, **fields)
    q, more = _apply_meta(q, meta)
    return q, warnings + more


def _hint(meta: _Meta) -> tuple[QuestionType | None, list[str]]:
    raw = meta.values.get("type")
    if raw is None:
        return None, []
    try:
        return QuestionType(str(raw)), []
    except ValueError:
        return None, [f"注释里的 [type:{raw}] 不是已知题型，已忽略"]


def _apply_meta(q: Question, meta: _Meta) -> tuple[Question, list[str]]:
    warnings: list[str] = []
    values = meta.values
    changes: dict[str, Any] = {"tags": tuple(meta.tags)}
    if values.get("brand"):
        changes["brand"] = str(values["brand"])
    if "difficulty" in values:
        try:
            changes["difficulty"] = int(values["difficulty"])
        except (TypeError, ValueError):
            warnings.append(f"注释里的 [difficulty:{values['difficulty']}] 应为 1-3，已忽略")
    if values.get("handbook"):
        changes["handbook"] = str(values["handbook"])
    if meta.products:
        changes["products"] = tuple(meta.products)
    if values.get("author"):
        changes["author"] = str(values["author"])
    if values.get("explanation") and not q.explanation:
        changes["explanation"] = str(values["explanation"])
    key_points: tuple[KeyPointSpec, ...] = ()
    if values.get("key_points"):
        try:
            key_points = question_from_pack({"type": "essay", "key_points": values["key_points"]}).key_points
        except (AttributeError, TypeError, ValueError):
            warnings.append("注释里的 [key_points:…] 格式不对，已忽略")
    target, _ = _hint(meta)
    qtype = q.type
    if target is not None and target is not qtype:
        if qtype is QuestionType.SHORT and target is QuestionType.FILL:
            changes.update(type=target, blanks=(tuple(a.text for a in q.accepted),), accepted=())
        elif (
            qtype is QuestionType.ESSAY
            and target is QuestionType.FILL
            and isinstance(values.get("blanks"), list)
        ):
            blanks = values["blanks"]
            changes.update(type=target, blanks=tuple(tuple(str(a) for a in group) for group in blanks))
        elif qtype is QuestionType.ESSAY and target in (QuestionType.SHORT, QuestionType.REPLY):
            changes["type"] = target
        else:
            warnings.append(f"注释里的 [type:{target.value}] 与题目内容（{qtype.label}）不符，已忽略")
    if key_points:
        if changes.get("type", qtype) in (QuestionType.SHORT, QuestionType.REPLY, QuestionType.ESSAY):
            changes["key_points"] = key_points
        else:
            warnings.append("只有简答、回复顾客和问答题可以带 [key_points:…]，已忽略")
    if q.type is QuestionType.MULTIPLE and values.get("weights") == "auto":
        changes["options"] = tuple(Option(o.text, o.correct, None, o.feedback) for o in q.options)
        changes["partial_credit"] = False
    if "partial_credit" in values:
        changes["partial_credit"] = str(values["partial_credit"]).lower() in ("true", "1", "yes")
    return q.with_changes(**changes), warnings


# ---------------------------------------------------------------------------------------------
# Reading: the file
# ---------------------------------------------------------------------------------------------


def _blocks(lines: list[str]) -> Iterable[list[tuple[int, str]]]:
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip(" \t"):
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _category_of(path: str) -> str:
    for part in reversed([p.strip() for p in path.split("/")]):
        if part in CATEGORIES:
            return part
    return ""


def parse_gift(text: str, filename: str = "<text>") -> GiftResult:
    """Read GIFT text; returns every question it could read and every problem it found."""
    result = GiftResult()
    if len(text) > MAX_TEXT_FILE_BYTES:
        result.errors.append(
            FormatError(filename, None, None, file_too_large(len(text), MAX_TEXT_FILE_BYTES))
        )
        return result
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    nul = nul_position(text)
    if nul is not None:
        result.errors.append(FormatError(filename, nul[0], nul[1], NUL_MESSAGE))
        return result
    meta = _Meta()
    category, category_path = "", ""
    firsts: list[int] = []  # first line of each question, for errors found after parsing

    def error(message: str, at: tuple[int, int] | None) -> None:
        result.errors.append(FormatError(filename, at[0] if at else None, at[1] if at else None, message))

    def warn(message: str, line: int) -> None:
        result.warnings.append(FormatError(filename, line, None, message))

    for block in _blocks(text.split("\n")):
        content: list[tuple[int, str]] = []
        for number, line in block:
            if line.lstrip(" \t").startswith("//"):
                if not content:
                    for problem in meta.read(line, number):
                        warn(problem, number)
                continue
            content.append((number, line))
        if not content:
            continue  # a comment-only block: its [id:] / [tag:] belong to the next question
        number, first = content[0]
        if first.lstrip(" \t").startswith("$CATEGORY:"):
            category_path = first.lstrip(" \t")[len("$CATEGORY:") :].strip()
            result.categories.append(category_path)
            category = _category_of(category_path)
            if not category and category_path and category_path != _UNCATEGORISED:
                warn(
                    f"分类“{category_path}”不是本程序的分类（{'、'.join(CATEGORIES)}），题目的分类留空",
                    number,
                )
            meta = _Meta()
            content = content[1:]
            if not content:
                continue
        try:
            q, warnings = _question(content, meta)
        except _Problem as problem:
            error(problem.message, problem.at or (content[0][0], 1))
            meta = _Meta()
            continue
        for message in warnings:
            warn(message, content[0][0])
        extra = dict(q.extra)
        if meta.id is not None:
            extra["gift_id"] = meta.id
        if category_path:
            extra["gift_category"] = category_path
        result.questions.append(q.with_changes(category=category, extra=extra))
        firsts.append(content[0][0])
        meta = _Meta()
        if len(result.questions) > MAX_ITEMS:
            result.questions.clear()
            error(f"题目太多：一个文件最多 {MAX_ITEMS} 道题，请拆成几个文件分别导入", (content[0][0], 1))
            return result

    _assign_keys(result, firsts, filename)
    for q, start in zip(result.questions, firsts, strict=True):
        for where, message in validation_problems(q, check_brand=False):
            result.errors.append(FormatError(filename, start, None, f"{where}：{message}"))
    return result


def _assign_keys(result: GiftResult, firsts: list[int], filename: str) -> None:
    """Keys from ``[id:...]`` where that is a valid key, generated (and made unique) otherwise."""
    explicit: dict[str, int] = {}
    keys: list[str | None] = []
    for q, line in zip(result.questions, firsts, strict=True):
        gift_id = q.extra.get("gift_id")
        key = str(gift_id).strip().lower() if gift_id else ""
        if key and is_slug(key):
            if key in explicit:
                result.errors.append(
                    FormatError(
                        filename, line, None, f"编号 [id:{gift_id}] 重复（第 {explicit[key]} 行的题目已使用）"
                    )
                )
            explicit.setdefault(key, line)
            keys.append(key)
        else:
            keys.append(None)
    taken = set(explicit)
    for index, (q, known) in enumerate(zip(result.questions, keys, strict=True)):
        if known is None:
            base = generate_key(q.type, q.stem, [o.text for o in q.options] + [a.text for a in q.accepted])
            known, n = base, 1
            while known in taken:
                n += 1
                known = f"{base}-{n}"
            taken.add(known)
        result.questions[index] = q.with_changes(key=known)


def looks_like_gift(text: str) -> bool:
    """Whether ``text`` reads as GIFT (an answer block, a title or a category)."""
    body = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("//"))
    return bool(
        re.search(r"(?<!\\)\{[^{}]*(?<!\\)\}", body) or re.search(r"^\s*(::|\$CATEGORY:)", body, re.M)
    )


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for c in text:
        if c in "\\:~=#{}":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        else:
            out.append(c)
    return "".join(out)


_NEEDS_FORMAT = re.compile(r"^(\[(html|markdown|plain|moodle)\]|%|//)")


def _text_out(text: str, fmt: str) -> str:
    """``text`` escaped, with an explicit format when the text itself would start like one
    (or like a weight)."""
    escaped = _escape(text)
    return f"[{fmt}]{escaped}" if _NEEDS_FORMAT.match(escaped) else escaped


def _number_out(x: float) -> str:
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return format(Decimal(repr(x)), "f")


def _weight_out(weight: float | None) -> str:
    return "" if weight is None else f"%{_number_out(weight)}%"


def _meta_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("]", "\\]").replace("\n", "\\n")


def _meta_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _meta_text(value: str) -> str:
    safe = value == value.strip() and value[:1] not in ('"', "[", "{") and not any(c < " " for c in value)
    return _meta_value(value) if safe else _meta_json(value)


def _feedback_out(feedback: str, fmt: str) -> str:
    return f"#{_text_out(feedback, fmt)}" if feedback else ""


def _choice_lines(q: Question, fmt: str) -> tuple[list[str], dict[str, str]]:
    """The answer lines of a single/multiple choice question and the comments it needs."""
    meta: dict[str, str] = {}
    options = q.options
    symbols: list[str]
    weights: list[float | None]
    if (
        q.type is QuestionType.MULTIPLE
        and options
        and all(o.weight is None for o in options)
        and any(o.correct for o in options)
    ):
        # Moodle's multiple-answer form: no "=", right answers share 100%, wrong ones cost 100%
        right = sum(o.correct for o in options)
        symbols = ["~"] * len(options)
        weights = [round(100 / right, 5) if o.correct else -100.0 for o in options]
        meta["weights"] = "auto"
        native_partial = False
    elif (
        q.type is QuestionType.MULTIPLE
        and any(o.correct for o in options)
        and all(o.correct == (o.weight is not None and o.weight > 0) for o in options)
    ):
        symbols = ["~"] * len(options)
        weights = [o.weight for o in options]
        native_partial = True
    else:
        symbols = ["=" if o.correct else "~" for o in options]
        weights = [o.weight for o in options]
        native_partial = q.type is QuestionType.MULTIPLE and any(w is not None for w in weights)
    if _classify(symbols, [False] * len(options), None) is not q.type:
        meta["type"] = q.type.value
    if q.partial_credit != native_partial:
        meta["partial_credit"] = "true" if q.partial_credit else "false"
    lines = [
        f"{s}{_weight_out(w)}{_text_out(o.text, fmt)}{_feedback_out(o.feedback, fmt)}"
        for s, w, o in zip(symbols, weights, options, strict=True)
    ]
    return lines, meta


def _numeric_spec(answer: NumericAnswer) -> str:
    if is_catch_all(answer):
        return ""
    if answer.value is not None:
        tolerance = f":{_number_out(answer.tolerance)}" if answer.tolerance else ""
        return _number_out(answer.value) + tolerance
    return f"{_number_out(answer.low if answer.low is not None else -math.inf)}..{_number_out(answer.high if answer.high is not None else math.inf)}"


def _numeric_lines(q: Question, fmt: str) -> list[str]:
    lines = []
    for answer in q.numeric:
        if answer.weight == 100:
            head = "="
        elif answer.weight == 0:
            head = "~"
        else:
            head = f"={_weight_out(answer.weight)}"
        lines.append(f"{head}{_numeric_spec(answer)}{_feedback_out(answer.feedback, fmt)}")
    return lines


def _key_points_json(points: Sequence[KeyPointSpec]) -> list[dict[str, Any]]:
    data = question_to_pack(Question(key="k", type=QuestionType.ESSAY, stem="s", key_points=tuple(points)))
    return list(data.get("key_points", []))


def _question_out(q: Question) -> str:
    fmt = q.stem_format if q.stem_format in FORMATS else "plain"
    comments = [f"[id:{_meta_value(q.key)}]", *(f"[tag:{_meta_value(tag)}]" for tag in q.tags)]
    meta: dict[str, str] = {}
    if q.brand:
        meta["brand"] = _meta_text(q.brand)
    if q.difficulty != 1:
        meta["difficulty"] = str(q.difficulty)
    if q.handbook:
        meta["handbook"] = _meta_text(q.handbook)
    products = [f"[product:{_meta_text(p)}]" for p in q.products]
    if q.author:
        meta["author"] = _meta_text(q.author)

    t = q.type
    body: list[str] | None  # None: no answer block (a description)
    inline = False
    if t in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        body, more = _choice_lines(q, fmt)
        meta.update(more)
    elif t is QuestionType.TRUEFALSE:
        word = "TRUE" if q.answer else "FALSE"
        if q.false_feedback:
            word += f"#{_text_out(q.true_feedback, fmt)}#{_text_out(q.false_feedback, fmt)}"
        elif q.true_feedback:
            word += f"#{_text_out(q.true_feedback, fmt)}"
        body, inline = [word], True
    elif t is QuestionType.NUMERIC:
        first = q.numeric[0] if len(q.numeric) == 1 else None
        if first is not None and first.weight == 100 and not first.feedback and not is_catch_all(first):
            body, inline = ["#" + _numeric_spec(first)], True
        else:
            body = ["#", *_numeric_lines(q, fmt)]
    elif t is QuestionType.MATCHING:
        body = []
        for pair in q.pairs:
            if "->" in pair.left:
                raise ValueError(f"题目 {q.key}：GIFT 匹配题的左侧不能含有 ->（{pair.left}）")
            body.append(f"={_text_out(pair.left, fmt)} -> {_escape(pair.right)}")
    elif t is QuestionType.SHORT and q.accepted:
        body = [
            f"={_weight_out(a.weight if a.weight != 100 else None)}{_text_out(a.text, fmt)}"
            f"{_feedback_out(a.feedback, fmt)}"
            for a in q.accepted
        ]
        if _classify(["="] * len(q.accepted), ["->" in a.text for a in q.accepted], None) is not t:
            meta["type"] = t.value
    elif t is QuestionType.FILL and len(q.blanks) == 1:
        body = [f"={_text_out(a, fmt)}" for a in q.blanks[0]]
        meta["type"] = t.value
    elif t is QuestionType.DESCRIPTION:
        body = None
        if q.explanation:
            meta["explanation"] = _meta_json(q.explanation)
    else:  # essay; reply, key-point short answers and many-blank fills are written as essays
        body = []
        if t is not QuestionType.ESSAY:
            meta["type"] = t.value
        if t is QuestionType.FILL:
            meta["blanks"] = _meta_json([list(group) for group in q.blanks])
    if q.key_points and t in (QuestionType.SHORT, QuestionType.REPLY, QuestionType.ESSAY):
        meta["key_points"] = _meta_json(_key_points_json(q.key_points))
    lines = ["// " + " ".join(comments)]
    extra = [f"[{name}:{value}]" for name, value in meta.items()] + products
    if extra:
        lines.append("// " + " ".join(extra))
    title = f"::{_escape(q.title)}::" if q.title else ""
    escaped_stem = _escape(q.stem)
    prefix = "" if fmt == "moodle" and not _NEEDS_FORMAT.match(escaped_stem) else f"[{fmt}]"
    head = f"{title}{prefix}{escaped_stem}"
    if body is None:
        lines.append(head)
        return "\n".join(lines)
    general = (
        f"####{_text_out(q.explanation, fmt)}" if q.explanation and t is not QuestionType.DESCRIPTION else ""
    )
    if inline and not general:
        lines.append(f"{head} {{{body[0]}}}")
    elif not body and not general:
        lines.append(f"{head} {{}}")
    else:
        lines.append(f"{head} {{")
        lines.extend(f"    {line}" for line in body)
        if general:
            lines.append(f"    {general}")
        lines.append("}")
    return "\n".join(lines)


def dump_gift(questions: Iterable[Question]) -> str:
    """GIFT text for ``questions`` (see the module docstring for what is kept how).

    Raises ValueError for the one thing GIFT cannot hold: a matching pair whose left side
    contains ``->``.
    """
    chunks: list[str] = []
    category = ""
    for q in questions:
        if q.category != category:
            chunks.append(f"$CATEGORY: {q.category or _UNCATEGORISED}")
            category = q.category
        chunks.append(_question_out(q))
    return "\n\n".join(chunks) + "\n" if chunks else ""
