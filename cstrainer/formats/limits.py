"""Size limits of everything the app imports, defined once.

Imported files come from outside (a trainer's spreadsheet, a GIFT export of another system, a
phrase release passed around on a USB stick); a broken or hostile file must be refused with a
clear message, never hang the app or eat its memory. The limits are generous for real content:
10,000 questions of the shipped bank's kind measure 5.3 MB as CSV, 7.3 MB as GIFT, 8.8 MB as a
YAML pack and 3.0 MB as xlsx (UTF-8: 3 bytes a Chinese character).

* **files**: :data:`MAX_TEXT_FILE_BYTES` for CSV, GIFT, Aiken, YAML packs, release YAML,
  handbook Markdown and the compliance word list; :data:`MAX_XLSX_FILE_BYTES` for an xlsx file
  as stored, :data:`MAX_XLSX_UNPACKED_BYTES` for its members once decompressed (a zip bomb is
  refused before openpyxl sees it) and :data:`MAX_XLSX_MEMBERS` members;
* **rows / items**: :data:`MAX_ROWS` data rows of a table, :data:`MAX_ITEMS` items of a YAML
  pack or release, :data:`MAX_LIST_ITEMS` entries of any list inside one item (options,
  synonyms ...), :data:`MAX_TABLE_COLUMNS` columns read of a worksheet;
* **fields**: :func:`field_limit` gives the longest text a field may hold (:data:`FIELD_LIMITS`,
  else :data:`MAX_FIELD_CHARS`); the item readers check it before validating (the messages say
  which field, how long it is and the limit);
* **YAML**: at most :data:`MAX_YAML_DEPTH` levels of nesting and :data:`MAX_YAML_ALIASES`
  aliases (``*name``), and the data an alias expands to may not exceed :data:`MAX_YAML_NODES`
  values ("billion laughs" is refused, not expanded).

The phrase-release zip keeps its own, tighter limits in :mod:`cstrainer.formats.phrase_release`
(16 members, 20 MB unpacked, ratio 200).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence

__all__ = [
    "FIELD_LIMITS",
    "MAX_FIELD_CHARS",
    "MAX_ITEMS",
    "MAX_LIST_ITEMS",
    "MAX_ROWS",
    "MAX_TABLE_COLUMNS",
    "MAX_TEXT_FILE_BYTES",
    "MAX_XLSX_FILE_BYTES",
    "MAX_XLSX_MEMBERS",
    "MAX_XLSX_UNPACKED_BYTES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "NUL_MESSAGE",
    "FileTooLarge",
    "field_limit",
    "file_too_large",
    "megabytes",
    "nul_position",
    "read_limited",
    "too_long",
    "xlsx_problem",
]

MB = 1024 * 1024

#: CSV, GIFT, Aiken, YAML packs, release YAML, handbook Markdown, compliance YAML (10,000
#: questions with 300-character texts are about 12 MB of YAML, 8 MB of GIFT, 6 MB of CSV).
MAX_TEXT_FILE_BYTES = 16 * MB
#: An .xlsx file as stored on disk.
MAX_XLSX_FILE_BYTES = 20 * MB
#: All members of an .xlsx file together once decompressed (worksheet XML is verbose: a
#: 10,000-row sheet with shared strings is 15-30 MB).
MAX_XLSX_UNPACKED_BYTES = 100 * MB
#: Members of an .xlsx file (a workbook with a few sheets has 10-30).
MAX_XLSX_MEMBERS = 1000

#: Data rows of a question or phrase table (CSV or xlsx), and the highest row number scanned.
MAX_ROWS = 20_000
#: Items of one YAML pack or phrase release.
MAX_ITEMS = 20_000
#: Entries of one list inside an item (options, synonyms, turns, tags ...).
MAX_LIST_ITEMS = 500
#: Columns read of a worksheet (the question table has about 20).
MAX_TABLE_COLUMNS = 64

#: YAML nesting levels (a real pack uses 6-8).
MAX_YAML_DEPTH = 40
#: YAML aliases (``*name``) in one document; the shipped content uses none.
MAX_YAML_ALIASES = 100
#: Values one YAML document may expand to, aliases counted each time they are used.
MAX_YAML_NODES = 2_000_000

#: Longest text (characters) of any field not listed in :data:`FIELD_LIMITS`.
MAX_FIELD_CHARS = 2000
#: Long free texts: handbook bodies, product care texts, release notes, answers to competitors.
MAX_LONG_TEXT_CHARS = 20_000

#: Longest text (characters) per field name; the name is the last mapping key of the field's
#: path (``options[2].text`` is ``text``), looked up as ``"<kind>.<name>"`` first.
FIELD_LIMITS: dict[str, int] = {
    # identifiers (database keys are 64-128 characters)
    "key": 64,
    "login": 64,
    "id": 64,
    "brand": 64,
    "team": 64,
    "handbook": 64,
    "product": 200,
    "our_product": 64,
    "products": 64,
    "competitors": 64,
    "questions": 64,
    "teams": 64,
    "users": 64,
    "brands": 64,
    "shortcut": 32,
    "category": 32,
    "stage": 16,
    "version": 64,
    "author": 100,
    # names and titles
    "name": 100,
    "display_name": 100,
    "title": 200,
    "intent": 100,
    "tags": 100,
    "scene": 32,
    "rival_brand": 100,
    # question texts
    "stem": 2000,
    "text": 500,  # an option, an accepted answer, a suggested phrase
    "left": 500,
    "right": 500,
    "feedback": 2000,
    "explanation": 2000,
    "synonyms": 100,
    "regexes": 500,
    "blanks": 500,
    "wordings": 1000,
    "impatient_wordings": 1000,
    # phrases
    "phrases.text": 1000,
    "phrase_release.text": 1000,
    # long texts
    "body": MAX_LONG_TEXT_CHARS,
    "usage": MAX_LONG_TEXT_CHARS,
    "our_answer": MAX_LONG_TEXT_CHARS,
    "notes": MAX_LONG_TEXT_CHARS,
    "description": MAX_LONG_TEXT_CHARS,
    "voice": MAX_LONG_TEXT_CHARS,
    "a": MAX_LONG_TEXT_CHARS,
    "handling": MAX_LONG_TEXT_CHARS,
}


def field_limit(kind: str, path: Sequence[str | int]) -> int:
    """The longest text the field at ``path`` (inside an item of ``kind``) may hold."""
    name = next((str(p) for p in reversed(path) if isinstance(p, str)), "")
    return FIELD_LIMITS.get(f"{kind}.{name}", FIELD_LIMITS.get(name, MAX_FIELD_CHARS))


def megabytes(size: int) -> str:
    """``20 MB`` / ``1.5 MB``: a size for a message."""
    value = size / MB
    return f"{value:.0f} MB" if value >= 10 or value.is_integer() else f"{value:.1f} MB"


def file_too_large(size: int, limit: int) -> str:
    """The message for a file over ``limit`` bytes."""
    return f"文件太大（{megabytes(size)}），超过上限 {megabytes(limit)}；请拆成几个文件分别导入"


def too_long(length: int, limit: int) -> str:
    """The message for a text over ``limit`` characters."""
    return f"超过 {limit} 字（现有 {length} 字）"


def xlsx_problem(source: str | os.PathLike[str] | bytes) -> str | None:
    """Why an .xlsx file (a path or its bytes) must not be opened, or None.

    Checks the file size, that it is a zip, the member count and the members' declared
    uncompressed sizes (summed), so a zip bomb is refused before openpyxl decompresses anything.
    openpyxl then reads through ``zipfile``, which stops at a member's declared size, so a member
    that lies about its size cannot unpack to more either.
    """
    if isinstance(source, bytes):
        size = len(source)
    else:
        try:
            size = os.path.getsize(source)
        except OSError as exc:
            return f"无法读取文件：{exc.strerror or exc}"
    if size > MAX_XLSX_FILE_BYTES:
        return file_too_large(size, MAX_XLSX_FILE_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return "不是有效的 xlsx 文件（文件已损坏，或者只是把别的文件改了扩展名）"
    if len(infos) > MAX_XLSX_MEMBERS:
        return f"xlsx 文件里有 {len(infos)} 个部件，超过上限 {MAX_XLSX_MEMBERS}，不像是正常的 Excel 文件"
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        return (
            f"xlsx 文件解压后有 {megabytes(unpacked)}，超过上限 {megabytes(MAX_XLSX_UNPACKED_BYTES)}"
            "（疑似压缩炸弹），已拒绝；内容确实这么多时请拆成几个文件"
        )
    return None


class FileTooLarge(Exception):
    """A file over its size limit; ``str()`` is the Chinese message of :func:`file_too_large`."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(file_too_large(size, limit))
        self.size = size
        self.limit = limit


def read_limited(path: str | os.PathLike[str], limit: int = MAX_TEXT_FILE_BYTES) -> bytes:
    """The bytes of ``path``; raises :class:`FileTooLarge` (without reading it) when it has more
    than ``limit`` bytes, ``OSError`` when it cannot be read."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
        if len(data) > limit:
            handle.seek(0, os.SEEK_END)
            raise FileTooLarge(handle.tell(), limit)
    return data


#: What a reader says about a NUL character (PostgreSQL cannot store one; no real text has one).
NUL_MESSAGE = "含有不可见的控制字符 U+0000（文件可能损坏，或不是文本文件）"


def nul_position(text: str) -> tuple[int, int] | None:
    """1-based ``(line, column)`` of the first NUL character of ``text``, or None."""
    index = text.find("\x00")
    if index < 0:
        return None
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1
