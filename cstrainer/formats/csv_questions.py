"""Questions as CSV, one per row, with the Chinese headings of :mod:`question_table`.

Reading accepts what Excel and WPS write: UTF-8 with or without BOM, UTF-16 ("Unicode text",
tab-separated) and GBK/GB18030 (Excel's "CSV (逗号分隔)" on Chinese Windows); commas, tabs or
semicolons. Row numbers in errors are the spreadsheet's rows (a cell with line breaks is still
one row). Writing uses UTF-8 with a BOM so that Excel opens the file with the right encoding,
and puts an apostrophe before a text starting with ``= + - @`` so that Excel does not take it
for a formula (reading removes it again).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from cstrainer.domain.questions import Question
from cstrainer.formats.errors import FormatError, ParseResult
from cstrainer.formats.limits import MAX_TEXT_FILE_BYTES, FileTooLarge, file_too_large, read_limited
from cstrainer.formats.question_table import fields_for, header_of_field, question_to_row, read_rows

__all__ = ["decode_text", "dump_csv", "dumps_csv", "parse_csv"]

_FORMULA = re.compile(r"^'*[=+\-@]")
_GUARDED = re.compile(r"^'+[=+\-@]")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a file from a Chinese office: ``(text, encoding)``; UTF-8 (with or without BOM),
    UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312). Raises UnicodeDecodeError."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def _delimiter(text: str) -> str:
    first = next((line for line in text.split("\n") if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _unguard(cell: str) -> str:
    return cell[1:] if _GUARDED.match(cell) else cell


def parse_csv(
    source: Path | str | bytes,
    filename: str | None = None,
    *,
    brands: Mapping[str, str] | None = None,
    on_texts: Callable[[Iterable[str]], None] | None = None,
) -> ParseResult:
    """Read questions from a CSV file (a ``Path``, or a ``str`` path of an existing file), from
    its bytes, or from its text (a ``str`` that is not a file name). ``on_texts``: as for
    :func:`cstrainer.formats.xlsx_questions.parse_xlsx`."""
    if isinstance(source, str) and "\n" not in source and os.path.isfile(source):
        source = Path(source)
    if isinstance(source, Path):
        name = filename or source.name
        try:
            data = read_limited(source, MAX_TEXT_FILE_BYTES)
        except FileTooLarge as exc:
            return ParseResult(errors=[FormatError(name, None, None, str(exc))])
        except OSError as exc:
            return ParseResult(errors=[FormatError(name, None, None, f"无法读取文件：{exc.strerror or exc}")])
    elif isinstance(source, bytes):
        name, data = filename or "<csv>", source
    else:
        name, data = filename or "<csv>", b""
    size = len(source) if isinstance(source, str) else len(data)
    if size > MAX_TEXT_FILE_BYTES:
        return ParseResult(errors=[FormatError(name, None, None, file_too_large(size, MAX_TEXT_FILE_BYTES))])
    if isinstance(source, str):
        text = source
    else:
        try:
            text, _ = decode_text(data)
        except UnicodeDecodeError:
            return ParseResult(
                errors=[FormatError(name, None, None, "无法识别文件编码：请另存为“CSV UTF-8（逗号分隔）”")]
            )
    text = text.lstrip("\ufeff")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        return ParseResult(errors=[FormatError(name, None, None, f"CSV 格式有误：{exc}")])
    if on_texts is not None:
        on_texts(cell for record in records for cell in record)
    rows = ((number, [_unguard(cell) for cell in record]) for number, record in enumerate(records, start=1))
    return read_rows(rows, name, brands=brands)


def _guard(text: str) -> str:
    return "'" + text if _FORMULA.match(text) and not _PLAIN_NUMBER.match(text) else text


def dumps_csv(questions: Iterable[Question]) -> str:
    """CSV text for ``questions`` (headings in the first row, Excel line ends)."""
    questions = list(questions)
    fields = fields_for(questions)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header_of_field(f) for f in fields])
    for q in questions:
        row = question_to_row(q)
        writer.writerow([_guard(row.get(f, "")) for f in fields])
    return out.getvalue()


def dump_csv(questions: Iterable[Question], path: Path | str) -> None:
    """Write ``questions`` as a UTF-8 CSV with BOM (atomically)."""
    path = Path(path)
    text = dumps_csv(questions)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)
