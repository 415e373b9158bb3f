"""Releases of the team phrase library: ordering, the diff between two releases, the quiz.

Pure (no I/O, no database, no Qt). A release is the *whole* team library at one moment
(:class:`PhraseRelease`); it never changes once published. Releases are ordered by
``(date, version numbers)`` (:meth:`ReleaseStamp.sort_key`), which is what "an older release
is refused" compares.

:func:`diff_releases` matches phrases by key and reports the added, removed and changed ones; a
changed text comes with jieba-token operations (:class:`TokenOp`) so the UI and the CLI can
highlight the words that changed rather than whole sentences. :func:`make_quiz` turns a diff into
a short multiple-choice quiz for agents who open the app after a release.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from cstrainer.domain.phrases import PhraseItem

__all__ = [
    "PHRASE_FIELDS",
    "PhraseChange",
    "PhraseRelease",
    "QuizQuestion",
    "ReleaseDiff",
    "ReleaseStamp",
    "TokenOp",
    "diff_releases",
    "make_quiz",
    "token_ops",
]

#: The fields compared by :func:`diff_releases`, in display order.
PHRASE_FIELDS: tuple[str, ...] = ("brand", "scene", "intent", "shortcut", "text", "tags")


@dataclass(frozen=True)
class ReleaseStamp:
    """Identity of a release: ``version`` (text such as ``2026.11.2``) and publication ``date``."""

    version: str
    date: date

    def sort_key(self) -> tuple[_dt.date, tuple[int, ...], str]:
        """Order: date, then the numbers in the version (``2026.11.10`` after ``2026.11.9``)."""
        return (self.date, tuple(int(n) for n in re.findall(r"\d+", self.version)), self.version)

    def is_older_than(self, other: ReleaseStamp) -> bool:
        """True when this release comes strictly before ``other``."""
        return self.sort_key() < other.sort_key()


@dataclass(frozen=True)
class PhraseRelease:
    """One published release of the team library (immutable)."""

    version: str
    date: date
    author: str
    notes: str
    items: tuple[PhraseItem, ...]

    @property
    def stamp(self) -> ReleaseStamp:
        return ReleaseStamp(self.version, self.date)


# ---------------------------------------------------------------------------------------------
# Diff
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenOp:
    """One step of a token-level text diff: ``equal``, ``insert``, ``delete`` or ``replace``,
    with the old and the new token text (one side empty for insert/delete)."""

    op: Literal["equal", "insert", "delete", "replace"]
    old: str
    new: str

    def to_json(self) -> dict[str, str]:
        return {"op": self.op, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class PhraseChange:
    """A phrase present in both releases whose fields differ. ``text_ops`` is empty when the
    text did not change."""

    key: str
    old: PhraseItem
    new: PhraseItem
    fields: tuple[str, ...]
    text_ops: tuple[TokenOp, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "fields": list(self.fields),
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "text_ops": [op.to_json() for op in self.text_ops],
        }


@dataclass(frozen=True)
class ReleaseDiff:
    """What changed between two releases: ``added`` (new order), ``removed`` (old order) and
    ``changed`` (new order)."""

    added: tuple[PhraseItem, ...] = ()
    removed: tuple[PhraseItem, ...] = ()
    changed: tuple[PhraseChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (``json.dumps(diff.to_json(), ensure_ascii=False)``)."""
        return {
            "added": [item.to_dict() for item in self.added],
            "removed": [item.to_dict() for item in self.removed],
            "changed": [change.to_json() for change in self.changed],
        }


Tokenize = Callable[[str], list[str]]


def _default_tokenize(text: str) -> list[str]:
    from cstrainer.text.segment import words  # lazy: jieba loads its dictionary on first use

    return words(text)


def token_ops(old: str, new: str, tokenize: Tokenize | None = None) -> list[TokenOp]:
    """Token-level diff of two texts (jieba words by default), adjacent-run merged by difflib.

    Joining the ``old`` sides gives ``old`` back and joining the ``new`` sides gives ``new``.
    """
    split = tokenize or _default_tokenize
    a, b = split(old), split(new)
    if "".join(a) != old or "".join(b) != new:  # a tokenizer that drops characters: fall back
        a, b = list(old), list(new)
    ops: list[TokenOp] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        ops.append(TokenOp(tag, "".join(a[i1:i2]), "".join(b[j1:j2])))  # type: ignore[arg-type]
    return ops


def _by_key(items: Sequence[PhraseItem], which: str) -> dict[str, PhraseItem]:
    out: dict[str, PhraseItem] = {}
    for item in items:
        if item.key in out:
            raise ValueError(f"duplicate phrase key {item.key!r} in the {which} release")
        out[item.key] = item
    return out


def diff_releases(
    old: Sequence[PhraseItem], new: Sequence[PhraseItem], *, tokenize: Tokenize | None = None
) -> ReleaseDiff:
    """Compare two releases' items by key.

    A phrase whose fields are all equal is not reported; tag order does not count as a change.
    ``tokenize`` (default: jieba words) splits texts for :attr:`PhraseChange.text_ops`. Raises
    ValueError when a release holds the same key twice.
    """
    old_map, new_map = _by_key(old, "old"), _by_key(new, "new")
    added = tuple(item for item in new if item.key not in old_map)
    removed = tuple(item for item in old if item.key not in new_map)
    changed: list[PhraseChange] = []
    for item in new:
        before = old_map.get(item.key)
        if before is None:
            continue
        fields = tuple(
            name
            for name in PHRASE_FIELDS
            if (
                sorted(getattr(before, name)) != sorted(getattr(item, name))
                if name == "tags"
                else getattr(before, name) != getattr(item, name)
            )
        )
        if fields:
            ops = tuple(token_ops(before.text, item.text, tokenize)) if "text" in fields else ()
            changed.append(PhraseChange(item.key, before, item, fields, ops))
    return ReleaseDiff(added, removed, tuple(changed))


# ---------------------------------------------------------------------------------------------
# Quiz
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizQuestion:
    """One multiple-choice question about a release.

    ``kind``: ``wording`` (which wording is now the team's) or ``shortcut`` (which shortcut gives
    which phrase). ``answer`` is the index of the right option in ``options``.
    """

    kind: Literal["wording", "shortcut"]
    key: str
    prompt: str
    options: tuple[str, ...]
    answer: int
    explanation: str

    @property
    def correct_option(self) -> str:
        return self.options[self.answer]

    def is_correct(self, choice: int) -> bool:
        """True when the option at index ``choice`` is the right one."""
        return choice == self.answer


def _distractors(pool: Sequence[str], exclude: set[str], count: int, rng: random.Random) -> list[str]:
    candidates = sorted({text for text in pool if text and text not in exclude})
    rng.shuffle(candidates)
    return candidates[:count]


def _question(
    kind: Literal["wording", "shortcut"],
    key: str,
    prompt: str,
    right: str,
    wrong: Sequence[str],
    explanation: str,
    rng: random.Random,
) -> QuizQuestion | None:
    options = [right, *dict.fromkeys(w for w in wrong if w != right)]
    if len(options) < 2:
        return None
    rng.shuffle(options)
    return QuizQuestion(kind, key, prompt, tuple(options), options.index(right), explanation)


def _who(item: PhraseItem) -> str:
    return f"「{item.intent}」（{item.scene}）"


def make_quiz(diff: ReleaseDiff, library: Sequence[PhraseItem], seed: int, n: int = 5) -> list[QuizQuestion]:
    """Up to ``n`` questions about ``diff``; ``library`` is the new release's items (where the
    distractors come from). The same seed gives the same quiz.

    * a changed text: "which wording is now the team's" - the new wording, the old one and a
      distractor (another phrase of the same scene, else any other phrase);
    * an added phrase: the same question with two distractors;
    * a changed shortcut: "which shortcut now gives this phrase" - new, old and another shortcut;
    * an added phrase or a changed text: "which phrase does shortcut X give".

    At most one question per phrase and kind; a question that cannot get two distinct options
    (a library of one phrase) is skipped, so the quiz may be shorter than ``n``.
    """
    rng = random.Random(seed)
    same_scene_texts: dict[str, list[str]] = {}
    for item in library:
        same_scene_texts.setdefault(item.scene, []).append(item.text)
    all_texts = [item.text for item in library]
    all_shortcuts = [item.shortcut for item in library]

    def text_distractors(item: PhraseItem, exclude: set[str], count: int) -> list[str]:
        picked = _distractors(same_scene_texts.get(item.scene, []), exclude, count, rng)
        if len(picked) < count:
            picked += _distractors(all_texts, exclude | set(picked), count - len(picked), rng)
        return picked

    candidates: list[QuizQuestion] = []

    def add(question: QuizQuestion | None) -> None:
        if question is not None:
            candidates.append(question)

    for change in diff.changed:
        old, new = change.old, change.new
        if "text" in change.fields:
            wrong = [old.text, *text_distractors(new, {new.text, old.text}, 1)]
            add(
                _question(
                    "wording",
                    new.key,
                    f"{_who(new)}现在团队统一使用哪一句话术？",
                    new.text,
                    wrong,
                    f"新版话术是“{new.text}”；旧版“{old.text}”已停用。",
                    rng,
                )
            )
        if "shortcut" in change.fields:
            wrong = [old.shortcut, *_distractors(all_shortcuts, {new.shortcut, old.shortcut}, 1, rng)]
            add(
                _question(
                    "shortcut",
                    new.key,
                    f"“{new.text}”现在的快捷编码是哪一个？",
                    new.shortcut,
                    wrong,
                    f"快捷编码由 {old.shortcut} 改为 {new.shortcut}。",
                    rng,
                )
            )
        elif "text" in change.fields:
            wrong = [old.text, *text_distractors(new, {new.text, old.text}, 1)]
            add(
                _question(
                    "shortcut",
                    new.key,
                    f"输入快捷编码 {new.shortcut} 发出的是哪一句？",
                    new.text,
                    wrong,
                    f"{new.shortcut} 现在发出“{new.text}”（旧版是“{old.text}”）。",
                    rng,
                )
            )
    for item in diff.added:
        add(
            _question(
                "wording",
                item.key,
                f"{_who(item)}新增了哪一句团队话术？",
                item.text,
                text_distractors(item, {item.text}, 2),
                f"本次新增：“{item.text}”，快捷编码 {item.shortcut}。",
                rng,
            )
        )
        add(
            _question(
                "shortcut",
                item.key,
                f"输入快捷编码 {item.shortcut} 发出的是哪一句？",
                item.text,
                text_distractors(item, {item.text}, 2),
                f"{item.shortcut} 是本次新增的快捷编码，发出“{item.text}”。",
                rng,
            )
        )
    rng.shuffle(candidates)
    # Prefer covering many phrases over asking two questions about the same one.
    chosen: list[QuizQuestion] = []
    seen: set[str] = set()
    for question in candidates:
        if len(chosen) < n and question.key not in seen:
            chosen.append(question)
            seen.add(question.key)
    for question in candidates:
        if len(chosen) >= n:
            break
        if question not in chosen:
            chosen.append(question)
    return chosen[: max(n, 0)]
