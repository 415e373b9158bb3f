"""Reading and writing question files in any supported format: xlsx, csv, gift, aiken, yaml.

:func:`detect_format` goes by the file extension and, for ``.txt`` or an unknown extension, by
the content (GIFT or Aiken, a zip is xlsx, a content pack is yaml). :func:`read_questions`
returns a :class:`~cstrainer.formats.errors.ParseResult` with every question and every problem;
rejecting a file with errors is the caller's job. :func:`write_questions` writes any format;
``yaml`` is a content pack of kind ``questions`` (every question must then be complete,
including its category).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from cstrainer.domain.questions import Question
from cstrainer.formats.aiken import dump_aiken, looks_like_aiken, parse_aiken
from cstrainer.formats.content_pack import PackValidationError, dump_pack, parse_pack
from cstrainer.formats.csv_questions import decode_text, dump_csv, parse_csv
from cstrainer.formats.errors import FormatError, ParseResult
from cstrainer.formats.gift import dump_gift, looks_like_gift, parse_gift
from cstrainer.formats.limits import MAX_TEXT_FILE_BYTES, FileTooLarge, read_limited
from cstrainer.formats.question_pack import question_from_pack, question_to_pack
from cstrainer.formats.xlsx_questions import dump_xlsx, parse_xlsx

__all__ = ["FORMATS", "FORMAT_LABELS", "detect_format", "read_questions", "write_questions"]

FORMATS: tuple[str, ...] = ("xlsx", "csv", "gift", "aiken", "yaml")
FORMAT_LABELS: dict[str, str] = {
    "xlsx": "Excel 表格（.xlsx）",
    "csv": "CSV 表格（.csv）",
    "gift": "GIFT 文本（Moodle，.gift / .txt）",
    "aiken": "Aiken 文本（单选题，.txt）",
    "yaml": "内容包（.yaml）",
}
_EXTENSIONS: dict[str, str] = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xlsx",  # parse_xlsx explains that .xls must be saved as .xlsx first
    ".csv": "csv",
    ".tsv": "csv",
    ".gift": "gift",
    ".aiken": "aiken",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def _sniff(data: bytes) -> str | None:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "xlsx"
    try:
        text, _ = decode_text(data)
    except UnicodeDecodeError:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    gift, aiken = looks_like_gift(text), looks_like_aiken(text)
    if aiken and not gift:
        return "aiken"
    if gift:
        return "gift"
    if aiken:
        return "aiken"
    lines = [line.strip() for line in text.split("\n") if line.strip() and not line.lstrip().startswith("#")]
    if lines and any(line.startswith(("schema_version:", "kind:")) for line in lines[:5]):
        return "yaml"
    if lines and "题干" in lines[0] and any(d in lines[0] for d in ",\t;"):
        return "csv"
    return None


def detect_format(path: Path | str) -> str:
    """``"xlsx"``, ``"csv"``, ``"gift"``, ``"aiken"`` or ``"yaml"`` for ``path``.

    Raises ValueError (Chinese message) when neither the extension nor the content tells.
    """
    path = Path(path)
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    try:
        with open(path, "rb") as handle:
            data = handle.read(256 * 1024)
    except OSError as exc:
        raise ValueError(f"无法读取文件 {path.name}：{exc.strerror or exc}") from exc
    found = _sniff(data)
    if found is None:
        if path.suffix.lower() == ".txt":
            # GIFT would read any text as descriptions: better to say so than import paragraphs
            raise ValueError(
                f"看不出 {path.name} 是 GIFT 还是 Aiken 格式：GIFT 题目要有 {{…}} 答案块，"
                "Aiken 题目要有 ANSWER: 行"
            )
        raise ValueError(
            f"无法识别 {path.name} 的格式：请用 .xlsx、.csv、.gift、.txt（GIFT/Aiken）或 .yaml 文件"
        )
    return found


def _read_text(path: Path) -> tuple[str | None, FormatError | None]:
    try:
        data = read_limited(path, MAX_TEXT_FILE_BYTES)
    except FileTooLarge as exc:
        return None, FormatError(path.name, None, None, str(exc))
    except OSError as exc:
        return None, FormatError(path.name, None, None, f"无法读取文件：{exc.strerror or exc}")
    try:
        return decode_text(data)[0], None
    except UnicodeDecodeError:
        return None, FormatError(path.name, None, None, "无法识别文件编码：请保存为 UTF-8")


def _read_yaml(text: str, path: Path) -> ParseResult:
    try:
        pack = parse_pack(text, path.name)
    except PackValidationError as exc:
        return ParseResult(
            errors=[
                FormatError(e.file, e.line, e.column, f"{e.field}：{e.message}" if e.field else e.message)
                for e in exc.errors
            ]
        )
    if pack.kind != "questions":
        return ParseResult(
            errors=[FormatError(path.name, None, None, f"这是“{pack.kind}”内容包，不是题目（questions）")]
        )
    return ParseResult(questions=[question_from_pack(item) for item in pack.items])


def read_questions(
    path: Path | str,
    format: str = "auto",
    *,
    brands: Mapping[str, str] | None = None,
    on_texts: Callable[[Iterable[str]], None] | None = None,
) -> ParseResult:
    """Read every question of ``path`` (``format`` one of :data:`FORMATS` or ``"auto"``).

    ``brands`` (brand keys and names -> keys) lets the table formats turn a brand name into its
    key and report unknown brands; without it the brand is kept as written. ``on_texts`` (xlsx
    and CSV only) is given the file's text cells as soon as they are read, before the rows are
    parsed and checked.
    """
    path = Path(path)
    if format == "auto":
        try:
            format = detect_format(path)
        except ValueError as exc:
            return ParseResult(errors=[FormatError(path.name, None, None, str(exc))])
    if format not in FORMATS:
        raise ValueError(f"unknown question format: {format!r}")
    if not path.is_file():
        return ParseResult(errors=[FormatError(path.name, None, None, "文件不存在")])
    if format == "xlsx":
        return parse_xlsx(path, brands=brands, on_texts=on_texts)
    if format == "csv":
        return parse_csv(path, brands=brands, on_texts=on_texts)
    text, error = _read_text(path)
    if error is not None or text is None:
        return ParseResult(errors=[error] if error else [])
    if format == "gift":
        return parse_gift(text, path.name)
    if format == "aiken":
        return parse_aiken(text, path.name)
    return _read_yaml(text, path)


def _write_text(text: str, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_questions(questions: Iterable[Question], path: Path | str, format: str = "auto") -> None:
    """Write ``questions`` to ``path`` in ``format`` (``"auto"``: by the extension).

    Raises ValueError when the format cannot hold a question (Aiken: single choice only) and
    ``content_pack.PackValidationError`` when a question is not complete enough for a pack.
    """
    path = Path(path)
    questions = list(questions)
    if format == "auto":
        format = _EXTENSIONS.get(path.suffix.lower(), "")
        if not format or path.suffix.lower() == ".xls":
            raise ValueError(f"请指明导出格式（{path.name} 的扩展名看不出来）")
    if format not in FORMATS:
        raise ValueError(f"unknown question format: {format!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "xlsx":
        dump_xlsx(questions, path)
    elif format == "csv":
        dump_csv(questions, path)
    elif format == "gift":
        _write_text(dump_gift(questions), path)
    elif format == "aiken":
        _write_text(dump_aiken(questions), path)
    else:
        dump_pack("questions", [question_to_pack(q) for q in questions], path)
