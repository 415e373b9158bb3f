"""Moodle's Aiken format: single-choice questions as plain text.

::

    顾客用滚筒洗衣机洗 4kg 衣物，沁屿香氛洗衣液建议用多少？
    A. 约 10ml
    B. 约 30ml
    C. 约 45ml
    ANSWER: B

The stem may take several lines (they are kept as lines); options are a capital letter, then
``.`` or ``)`` (Chinese files often use ``、`` or full-width ``．`` ``）``, which are read too), a
space and the text on one line; ``ANSWER: X`` ends the question (``答案：X`` is read too). Blank
lines between questions are optional. Keys are generated from the stem and options
(``question_pack.generate_key``); Aiken has no category, explanation or feedback.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from cstrainer.domain.questions import Option, Question, QuestionType
from cstrainer.formats.errors import FormatError, ParseResult
from cstrainer.formats.limits import MAX_ITEMS, MAX_TEXT_FILE_BYTES, NUL_MESSAGE, file_too_large, nul_position
from cstrainer.formats.question_pack import generate_key, validation_problems

__all__ = ["dump_aiken", "looks_like_aiken", "parse_aiken"]

# Full-width letters and punctuation count too (Chinese input methods type them).
_OPTION_RE = re.compile(r"^([A-ZＡ-Ｚ])\s*[.)、．）]\s*(.*)$")
_ANSWER_RE = re.compile(r"^(?:ANSWER|ＡＮＳＷＥＲ|答案)\s*[:：]\s*(.*)$", re.IGNORECASE)


def _letter(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


@dataclass
class _Pending:
    start: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)  # (letter, text)


def parse_aiken(text: str, filename: str = "<text>") -> ParseResult:
    """Read Aiken text; returns every question it could read and every problem it found."""
    result = ParseResult()
    if len(text) > MAX_TEXT_FILE_BYTES:
        result.errors.append(
            FormatError(filename, None, None, file_too_large(len(text), MAX_TEXT_FILE_BYTES))
        )
        return result
    nul = nul_position(text.replace("\r\n", "\n").replace("\r", "\n"))
    if nul is not None:
        result.errors.append(FormatError(filename, nul[0], nul[1], NUL_MESSAGE))
        return result
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    current: _Pending | None = None
    lines_of: list[int] = []

    def error(line: int, message: str) -> None:
        result.errors.append(FormatError(filename, line, None, message))

    def missing_answer(line: int) -> None:
        assert current is not None
        error(line, f"缺少 ANSWER: 行（第 {current.start} 行开始的题目）")

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER_RE.match(line)
        option = _OPTION_RE.match(line)
        if answer:
            if current is None or not current.options:
                error(number, "ANSWER: 行前面没有题干和选项")
                current = None
                continue
            letter = _letter(answer.group(1))
            letters = [opt[0] for opt in current.options]
            if len(letter) != 1 or not letter.isalpha():
                error(
                    number,
                    f"答案应为一个选项字母（{letters[0]}–{letters[-1]}），现在是“{answer.group(1).strip()}”",
                )
            elif letter not in letters:
                error(number, f"答案 {letter} 没有对应的选项（只有 {letters[0]}–{letters[-1]}）")
            elif len(current.options) < 2:
                error(number, "单选题至少要有 2 个选项")
            else:
                _finish(result, current, letter)
                lines_of.append(current.start)
                if len(result.questions) > MAX_ITEMS:
                    result.questions.clear()
                    error(number, f"题目太多：一个文件最多 {MAX_ITEMS} 道题，请拆成几个文件分别导入")
                    return result
            current = None
        elif option and current is not None and current.stem:
            letter, body = _letter(option.group(1)), option.group(2).strip()
            expected = chr(ord("A") + len(current.options))
            if letter != expected:
                error(number, f"选项字母应为 {expected}，现在是 {letter}")
            elif not body:
                error(number, f"选项 {letter} 的内容是空的")
            current.options.append((letter, body))
        else:
            if current is not None and current.options:
                missing_answer(number)
                current = None
            if current is None:
                current = _Pending(number)
            current.stem.append(line)
    if current is not None:
        if current.options:
            missing_answer(len(lines))
        else:
            error(current.start, "这几行没有选项和 ANSWER: 行，不是 Aiken 题目")

    for q, start in zip(result.questions, lines_of, strict=True):
        for where, message in validation_problems(q):
            error(start, f"{where}：{message}")
    return result


def _finish(result: ParseResult, pending: _Pending, letter: str) -> None:
    stem = "\n".join(pending.stem)
    options = tuple(Option(text, correct=(opt_letter == letter)) for opt_letter, text in pending.options)
    key = generate_key(QuestionType.SINGLE, stem, [o.text for o in options])
    taken = {q.key for q in result.questions}
    base, n = key, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    result.questions.append(Question(key=key, type=QuestionType.SINGLE, stem=stem, options=options))


def looks_like_aiken(text: str) -> bool:
    """Whether ``text`` has the ``ANSWER: X`` lines of an Aiken file."""
    return any(_ANSWER_RE.match(line.strip()) for line in text.split("\n"))


def dump_aiken(questions: Iterable[Question]) -> str:
    """Aiken text for single-choice questions.

    Raises ValueError (Chinese message) for a question Aiken cannot hold: another type, more
    than 26 options, or text that would not read back (an empty line or an option-like line in
    the stem, a line break in an option).
    """
    chunks = []
    for q in questions:
        if q.type is not QuestionType.SINGLE:
            raise ValueError(f"Aiken 格式只能保存单选题：题目 {q.key} 是{q.type.label}")
        if len(q.options) > 26:
            raise ValueError(f"Aiken 格式最多 26 个选项：题目 {q.key} 有 {len(q.options)} 个")
        stem_lines = [line.strip() for line in q.stem.replace("\r\n", "\n").split("\n")]
        for line in stem_lines:
            if not line or _OPTION_RE.match(line) or _ANSWER_RE.match(line):
                raise ValueError(f"题目 {q.key} 的题干有空行或像选项/答案的行，Aiken 格式存不下")
        lines = list(stem_lines)
        for index, option in enumerate(q.options):
            if "\n" in option.text or "\r" in option.text:
                raise ValueError(f"题目 {q.key} 的选项 {chr(65 + index)} 有换行，Aiken 格式存不下")
            lines.append(f"{chr(65 + index)}. {option.text.strip()}")
        right = [i for i, o in enumerate(q.options) if o.correct]
        if len(right) != 1:
            raise ValueError(f"题目 {q.key} 应恰好有 1 个正确选项")
        lines.append(f"ANSWER: {chr(65 + right[0])}")
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n" if chunks else ""
