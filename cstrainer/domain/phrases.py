"""The phrase library (话术库 / 快捷短语) as plain data, and the drills around single phrases.

Pure functions only (no I/O, no database, no Qt):

* :class:`PhraseItem` - one team phrase, the same fields as a ``phrases`` content-pack item;
* :func:`fill_placeholders` - put the customer's nickname, the product and the order number into
  a phrase when it is inserted into a chat;
* :func:`score_typing` - the typing drill: 字/分, accuracy and the 错一罚五 rule;
* :func:`check_recall` - the shortcut-recall drill: did the agent give the shortcut or the phrase?

The typing drill scores *committed* text (what a Chinese input method finally puts into the box),
never key events: with pinyin input an agent presses many keys per character, and counting them
would measure the input method rather than the agent.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from cstrainer.text.normalize import fold

__all__ = [
    "PENALTY_PER_ERROR",
    "PHRASE_SCENES",
    "PLACEHOLDERS",
    "RECALL_MIN_RATIO",
    "CharOp",
    "PhraseItem",
    "TypingResult",
    "check_recall",
    "fill_placeholders",
    "placeholders_in",
    "score_typing",
]

#: The placeholders a phrase may contain (same list as :data:`cstrainer.formats.content_pack.PLACEHOLDERS`).
PLACEHOLDERS: tuple[str, ...] = ("顾客昵称", "商品名", "订单号")

#: The scenes of the phrase library, in the order of a chat (content packs validate against it).
PhraseScene = Literal[
    "迎宾", "咨询", "推荐", "议价", "催付", "售中改地址", "物流查询", "退换货", "投诉安抚", "送别"
]
PHRASE_SCENES: tuple[str, ...] = get_args(PhraseScene)

_PLACEHOLDER_RE = re.compile(r"\{([^{}\n]*)\}")


@dataclass(frozen=True)
class PhraseItem:
    """One phrase of the team library. ``brand`` None means shared by all brands.

    ``key`` identifies the phrase across releases (a diff matches old and new by key); ``intent``
    groups several wordings of the same reply; ``shortcut`` is the quick code (``hy1``).
    """

    key: str
    brand: str | None
    scene: str
    intent: str
    shortcut: str
    text: str
    tags: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhraseItem:
        """Build from plain data (a content-pack item dict or a validated model's dump)."""
        brand = data.get("brand")
        return cls(
            key=str(data["key"]),
            brand=None if brand in (None, "") else str(brand),
            scene=str(data["scene"]),
            intent=str(data["intent"]),
            shortcut=str(data["shortcut"]),
            text=str(data["text"]),
            tags=tuple(str(t) for t in data.get("tags") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data in pack field order; ``brand`` and ``tags`` left out when empty."""
        out: dict[str, Any] = {"key": self.key}
        if self.brand is not None:
            out["brand"] = self.brand
        out.update(scene=self.scene, intent=self.intent, shortcut=self.shortcut, text=self.text)
        if self.tags:
            out["tags"] = list(self.tags)
        return out


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in ``text`` in order of appearance (``{商品名}`` -> ``商品名``)."""
    return _PLACEHOLDER_RE.findall(text)


def fill_placeholders(text: str, values: Mapping[str, str | None]) -> str:
    """Replace ``{name}`` by ``values[name]``.

    A placeholder without a value (missing, None or empty) and an unknown one stay visible as
    written, so the agent sees what still has to be filled in rather than sending a gap.
    """

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if value else match.group(0)

    return _PLACEHOLDER_RE.sub(replace, text)


# ---------------------------------------------------------------------------------------------
# Typing drill
# ---------------------------------------------------------------------------------------------

#: 错一罚五: each wrong character cancels this many correct ones.
PENALTY_PER_ERROR = 5


@dataclass(frozen=True)
class CharOp:
    """One step of the alignment of the typed text against the target, for highlighting.

    ``op`` is ``equal`` (typed right), ``replace`` (typed other characters), ``delete`` (target
    characters left out) or ``insert`` (extra characters typed); ``expected`` / ``typed`` hold the
    characters of each side (one of them empty for delete/insert).
    """

    op: Literal["equal", "replace", "delete", "insert"]
    expected: str
    typed: str


@dataclass(frozen=True)
class TypingResult:
    """The score of one typing-drill attempt.

    * ``correct`` - target characters typed right;
    * ``wrong`` - characters typed in place of others (substitutions);
    * ``missing`` - target characters left out; ``extra`` - typed characters not in the target;
    * ``errors`` = wrong + missing + extra;
    * ``accuracy`` = correct / (correct + errors), 0..1 (1.0 for an empty target and empty input);
    * ``cpm`` - 字/分: committed characters per minute (gross speed);
    * ``net_correct`` = max(0, correct - 5 × errors) (错一罚五); ``net_cpm`` its speed per minute,
      the figure teams rank agents by.
    """

    target_chars: int
    typed_chars: int
    correct: int
    wrong: int
    missing: int
    extra: int
    seconds: float
    ops: tuple[CharOp, ...] = field(default=(), repr=False)

    @property
    def errors(self) -> int:
        return self.wrong + self.missing + self.extra

    @property
    def accuracy(self) -> float:
        total = self.correct + self.errors
        return 1.0 if total == 0 else self.correct / total

    @property
    def cpm(self) -> float:
        return self.typed_chars * 60.0 / self.seconds if self.seconds > 0 else 0.0

    @property
    def net_correct(self) -> int:
        return max(0, self.correct - PENALTY_PER_ERROR * self.errors)

    @property
    def net_cpm(self) -> float:
        return self.net_correct * 60.0 / self.seconds if self.seconds > 0 else 0.0


def _typing_text(text: str) -> str:
    # NFC so an input method that commits a decomposed character is not punished; Windows line
    # breaks count as one character, as the agent sees them.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def score_typing(target: str, typed: str, seconds: float) -> TypingResult:
    """Score a typing attempt: ``typed`` is the committed text, ``seconds`` the time taken.

    Characters are aligned (``difflib.SequenceMatcher`` over characters, no junk heuristic), so a
    left-out or an extra character costs one error instead of shifting every following character
    into a mismatch. A replaced run of unequal length counts its common length as wrong
    characters and the rest as missing or extra. Raises ValueError for negative or non-finite
    ``seconds``; zero seconds gives zero speeds.
    """
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    target = _typing_text(target)
    typed = _typing_text(typed)
    matcher = difflib.SequenceMatcher(None, target, typed, autojunk=False)
    correct = wrong = missing = extra = 0
    ops: list[CharOp] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        expected, got = target[i1:i2], typed[j1:j2]
        if tag == "equal":
            correct += i2 - i1
        elif tag == "replace":
            common = min(i2 - i1, j2 - j1)
            wrong += common
            missing += (i2 - i1) - common
            extra += (j2 - j1) - common
        elif tag == "delete":
            missing += i2 - i1
        else:
            extra += j2 - j1
        ops.append(CharOp(tag, expected, got))  # type: ignore[arg-type]
    return TypingResult(len(target), len(typed), correct, wrong, missing, extra, float(seconds), tuple(ops))


# ---------------------------------------------------------------------------------------------
# Shortcut recall
# ---------------------------------------------------------------------------------------------

#: How similar a typed phrase must be to the expected text (difflib ratio after normalising).
RECALL_MIN_RATIO = 0.9


def _recall_text(text: str) -> str:
    """Text for comparing wordings: placeholders, spaces and punctuation/emoji dropped, folded."""
    text = _PLACEHOLDER_RE.sub("", text)
    return "".join(ch for ch in fold(text) if unicodedata.category(ch)[0] in "LN")


def check_recall(expected: PhraseItem, answer: str) -> bool:
    """True when ``answer`` is the phrase's shortcut (case and full-width letters ignored) or a
    near-identical wording of its text.

    Near-identical: after dropping placeholders, spaces, punctuation and emoji, the texts are
    equal or their similarity ratio is at least :data:`RECALL_MIN_RATIO` (a slip of one character
    in a long phrase passes; a different phrase does not).
    """
    answer = answer.strip()
    if not answer:
        return False
    if fold(answer).replace(" ", "") == fold(expected.shortcut):
        return True
    want, got = _recall_text(expected.text), _recall_text(answer)
    if not want or not got:
        return False
    if want == got:
        return True
    return difflib.SequenceMatcher(None, want, got, autojunk=False).ratio() >= RECALL_MIN_RATIO
