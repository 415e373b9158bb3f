"""The phrase-release file (YAML) and its distributable zip.

A release file is one YAML document (see ``/work/phrases_contract.md``)::

    schema_version: 1
    kind: phrase_release
    version: 2026.11.2
    date: 2026-11-23
    author: peixun
    notes: |
      ...
    items:
      - {key: ..., brand: qinyu, scene: 迎宾, intent: ..., shortcut: yb1, text: ..., tags: [...]}

Items are validated exactly as ``phrases`` content-pack items (:func:`content_pack.validate_item`);
errors are :class:`~cstrainer.formats.content_pack.PackError` s naming file, line, column and
field, collected all at once.

Teams without a shared database pass a release around as ``<version>.cstrainer-phrases.zip``
holding ``release.yaml`` and ``manifest.json`` (format name and version, the release's version and
date, and the sha256 and size of every other member). :func:`read_release_zip` trusts nothing in
the zip: it refuses unsafe member names, members not listed in the manifest, symlinks, nested
archives, a zip bomb
(member count, total size, compression ratio - checked on the declared sizes *and* while
decompressing, since headers can lie), a checksum or size mismatch, malformed YAML and a release
older than the newest one already imported. It either returns the whole release or raises
:class:`PhraseReleaseError`; it never returns part of one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

from cstrainer.domain.phrase_release import PhraseRelease, ReleaseStamp
from cstrainer.domain.phrases import PhraseItem
from cstrainer.formats.content_pack import (
    PackError,
    Phrase,
    _PackDumper,
    _space_items,
    format_field,
    item_to_dict,
    validate_item,
)
from cstrainer.formats.limits import (
    MAX_ITEMS,
    MAX_TEXT_FILE_BYTES,
    FileTooLarge,
    field_limit,
    file_too_large,
    read_limited,
    too_long,
)
from cstrainer.formats.yaml_lines import PathKey, Position, PositionMap, YamlSyntaxError, load_with_positions

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_FORMAT_VERSION",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_TOTAL_SIZE",
    "RELEASE_KIND",
    "RELEASE_MEMBER",
    "RELEASE_SCHEMA_VERSION",
    "ZIP_SUFFIX",
    "PhraseReleaseError",
    "dump_release",
    "dumps_release",
    "load_release",
    "parse_release",
    "read_release_zip",
    "release_zip_name",
    "write_release_zip",
]

RELEASE_KIND = "phrase_release"
RELEASE_SCHEMA_VERSION = 1
MANIFEST_FORMAT = "cstrainer-phrase-release"
MANIFEST_FORMAT_VERSION = 1
MANIFEST_MEMBER = "manifest.json"
RELEASE_MEMBER = "release.yaml"
ZIP_SUFFIX = ".cstrainer-phrases.zip"

#: Zip-bomb limits: members, total uncompressed bytes, uncompressed/compressed ratio per member.
MAX_MEMBERS = 16
MAX_TOTAL_SIZE = 20 * 1024 * 1024
MAX_RATIO = 200
#: The ratio is only checked above this size (tiny files compress oddly but cannot hurt).
_RATIO_FLOOR = 64 * 1024

#: Nested archives are refused by name and by content (nothing in a release is an archive).
_ARCHIVE_SUFFIXES = (".zip", ".jar", ".xlsx", ".docx", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")
_TOP_LEVEL = ("schema_version", "kind", "version", "date", "author", "notes", "items")
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")

ErrorReason = Literal[
    "malformed", "not_zip", "unsafe_path", "too_large", "tampered", "older", "newer_format", "unreadable"
]


class PhraseReleaseError(Exception):
    """A release file or zip that cannot be used. ``reason`` says why (``malformed``, ``not_zip``,
    ``unsafe_path``, ``too_large``, ``tampered``, ``older``, ``newer_format``, ``unreadable``);
    ``errors`` lists every problem (for a YAML file, one per field with its line); ``str()`` is
    a Chinese message for the trainer."""

    def __init__(self, reason: ErrorReason, message: str, errors: Sequence[PackError] = ()) -> None:
        self.reason: ErrorReason = reason
        self.message = message
        self.errors: list[PackError] = list(errors)
        lines = [message, *(f"  {error}" for error in self.errors)]
        super().__init__("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------------------


def _phrase_item(model: Phrase) -> PhraseItem:
    return PhraseItem.from_dict(item_to_dict(model))


def parse_release(text: str, path: Path | str = "<text>") -> PhraseRelease:
    """Parse release YAML text (``path`` only names it in errors).

    Raises :class:`PhraseReleaseError` (``reason="malformed"``, or ``"newer_format"`` for a
    newer schema) listing every problem with its line. Besides the item checks of a ``phrases``
    pack, keys must be unique, and a shortcut unique within its brand and not clash with a shared
    phrase's.
    """
    file = str(path)
    positions = PositionMap()

    def err(
        at: Sequence[PathKey], message: str, *, key: bool = False, pos: Position | None = None
    ) -> PackError:
        if pos is None:
            pos = positions.key(at) if key else positions.value(at)
        return PackError(
            file, pos.line if pos else None, pos.column if pos else None, format_field(at) or None, message
        )

    def fail(errors: list[PackError]) -> PhraseReleaseError:
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))
        return PhraseReleaseError("malformed", f"{file}：话术发布文件有 {len(errors)} 处错误", errors)

    if len(text) > MAX_TEXT_FILE_BYTES:
        raise PhraseReleaseError("too_large", f"{file}：{file_too_large(len(text), MAX_TEXT_FILE_BYTES)}")
    try:
        data, positions = load_with_positions(text)
    except YamlSyntaxError as exc:
        raise fail([PackError(file, exc.line, exc.column, None, exc.message)]) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:  # constructor edge cases
        raise fail([PackError(file, None, None, None, f"YAML 无法解析：{exc}")]) from None
    if not isinstance(data, dict):
        message = "文件是空的" if data is None else "顶层应为映射（schema_version / kind / version / items）"
        raise fail([err((), message, pos=Position(1, 1))])

    errors: list[PackError] = []
    top = Position(1, 1)
    schema = data.get("schema_version")
    if "schema_version" not in data:
        errors.append(err((), f"缺少 schema_version（当前版本为 {RELEASE_SCHEMA_VERSION}）", pos=top))
    elif isinstance(schema, bool) or not isinstance(schema, int):
        errors.append(err(("schema_version",), "schema_version 应为整数"))
    elif schema > RELEASE_SCHEMA_VERSION:
        raise PhraseReleaseError(
            "newer_format",
            f"{file}：话术发布文件版本 {schema} 比本程序支持的 {RELEASE_SCHEMA_VERSION} 新，请升级程序",
        )
    elif schema < 1:
        errors.append(err(("schema_version",), f"不支持的版本 {schema}"))

    if data.get("kind") != RELEASE_KIND:
        if "kind" not in data:
            errors.append(err((), f"缺少 kind（应为 {RELEASE_KIND}）", pos=top))
        else:
            errors.append(err(("kind",), f"kind 应为 {RELEASE_KIND}，不是 {data.get('kind')!r}"))
    for name in data:
        if name not in _TOP_LEVEL:
            errors.append(err((str(name),), "未知字段（拼写错误？）", key=True))

    version = data.get("version")
    if "version" not in data:
        errors.append(err((), "缺少 version（例如 2026.11.2）", pos=top))
    elif not isinstance(version, str):
        errors.append(err(("version",), "version 应为文本，例如 2026.11.2（两位的版本号请加引号）"))
    elif not _VERSION_RE.match(version):
        errors.append(err(("version",), "version 只能用字母、数字和 . _ -，例如 2026.11.2"))
    released = data.get("date")
    if "date" not in data:
        errors.append(err((), "缺少 date（例如 2026-11-23）", pos=top))
    elif not isinstance(released, date) or hasattr(released, "hour"):
        errors.append(err(("date",), "date 应为日期，例如 2026-11-23"))
    author = data.get("author")
    if "author" not in data:
        errors.append(err((), "缺少 author", pos=top))
    elif not isinstance(author, str) or not author.strip():
        errors.append(err(("author",), "author 应为非空文本"))
    notes = data.get("notes", "")
    if notes is None:
        notes = ""
    elif not isinstance(notes, str):
        errors.append(err(("notes",), "notes 应为文本"))
    for name, value in (("author", author), ("notes", notes)):
        limit = field_limit(RELEASE_KIND, (name,))
        if isinstance(value, str) and len(value) > limit:
            errors.append(err((name,), too_long(len(value), limit)))

    raw_items = data.get("items")
    items: list[PhraseItem] = []
    if "items" not in data:
        errors.append(err((), "缺少 items", pos=top))
    elif not isinstance(raw_items, list):
        errors.append(err(("items",), "items 应为列表"))
    elif len(raw_items) > MAX_ITEMS:
        errors.append(
            err(("items",), f"话术太多：一个发布文件最多 {MAX_ITEMS} 条（现有 {len(raw_items)} 条）")
        )
    else:
        keys: dict[str, int] = {}
        shortcuts: dict[tuple[str | None, str], int] = {}
        for index, raw in enumerate(raw_items):
            model, problems = validate_item("phrases", raw)
            for sub_path, message, is_key in problems:
                errors.append(err(("items", index, *sub_path), message, key=is_key))
            if not isinstance(model, Phrase):
                continue
            item = _phrase_item(model)
            if item.key in keys:
                errors.append(
                    err(
                        ("items", index, "key"), f"重复的 key {item.key!r}（与 items[{keys[item.key]}] 相同）"
                    )
                )
            keys.setdefault(item.key, index)
            clash = shortcuts.get((item.brand, item.shortcut))
            if clash is not None:
                errors.append(
                    err(("items", index, "shortcut"), f"快捷编码 {item.shortcut!r} 与 items[{clash}] 重复")
                )
            shortcuts.setdefault((item.brand, item.shortcut), index)
            items.append(item)
        for (brand, shortcut), index in shortcuts.items():
            shared = shortcuts.get((None, shortcut))
            if brand is not None and shared is not None:
                errors.append(
                    err(
                        ("items", index, "shortcut"),
                        f"快捷编码 {shortcut!r} 与通用话术 items[{shared}] 冲突（该品牌客服两条都能看到）",
                    )
                )
    if errors:
        raise fail(errors)
    assert isinstance(version, str) and isinstance(released, date) and isinstance(author, str)
    assert isinstance(notes, str)
    return PhraseRelease(version, released, author.strip(), notes, tuple(items))


def dumps_release(release: PhraseRelease) -> str:
    """The YAML text of ``release`` (UTF-8 text, items spaced as hand-written packs are).

    Raises :class:`PhraseReleaseError` if the release does not validate (the text is parsed back
    before it is returned, so a written file always reads).
    """
    document: dict[str, Any] = {
        "schema_version": RELEASE_SCHEMA_VERSION,
        "kind": RELEASE_KIND,
        "version": release.version,
        "date": release.date,
        "author": release.author,
        "notes": release.notes,
        "items": [item.to_dict() for item in release.items],
    }
    text = yaml.dump(
        document,
        Dumper=_PackDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    text = _space_items(text)
    parse_release(text, f"<{release.version}>")
    return text


def load_release(path: Path | str) -> PhraseRelease:
    """Read and parse a release YAML file; raise :class:`PhraseReleaseError`."""
    path = Path(path)
    try:
        text = read_limited(path, MAX_TEXT_FILE_BYTES).decode("utf-8-sig")
    except FileTooLarge as exc:
        raise PhraseReleaseError("too_large", f"{path}：{exc}") from None
    except UnicodeDecodeError as exc:
        raise PhraseReleaseError("malformed", f"{path}：文件不是 UTF-8 编码（第 {exc.start} 字节）") from None
    except OSError as exc:
        raise PhraseReleaseError("unreadable", f"{path}：无法读取文件：{exc.strerror or exc}") from None
    return parse_release(text, path)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def dump_release(release: PhraseRelease, path: Path | str) -> None:
    """Write ``release`` as a YAML file (atomically)."""
    _write_atomically(Path(path), dumps_release(release).encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Zip
# ---------------------------------------------------------------------------------------------


def release_zip_name(version: str) -> str:
    """The file name a release is distributed under: ``<version>.cstrainer-phrases.zip``."""
    return f"{version}{ZIP_SUFFIX}"


def write_release_zip(release: PhraseRelease, path: Path | str) -> Path:
    """Write the distributable zip of ``release``; return the file written.

    ``path`` is the zip file, or an existing directory to write :func:`release_zip_name` into.
    The zip is deterministic (fixed member order and timestamps) and written atomically.
    """
    target = Path(path)
    if target.is_dir():
        target = target / release_zip_name(release.version)
    body = dumps_release(release).encode("utf-8")
    manifest = {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_FORMAT_VERSION,
        "version": release.version,
        "date": release.date.isoformat(),
        "files": {RELEASE_MEMBER: {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}},
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    stamp = (max(release.date.year, 1980), release.date.month, release.date.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in ((MANIFEST_MEMBER, manifest_bytes), (RELEASE_MEMBER, body)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data)
    _write_atomically(target, buffer.getvalue())
    return target


@dataclass
class _Refusal(Exception):
    reason: ErrorReason
    message: str


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    mode = info.external_attr >> 16
    if "\\" in name or "\x00" in name:
        raise _Refusal("unsafe_path", f"文件名含反斜杠或非法字符：{name!r}")
    parts = PurePosixPath(name).parts
    if (
        name.startswith("/")
        or (parts and ":" in parts[0])
        or any(part in ("..", ".") for part in name.split("/"))
        or name != name.strip()
        or not name
    ):
        raise _Refusal("unsafe_path", f"不安全的文件路径：{name!r}")
    if info.is_dir():
        raise _Refusal("unsafe_path", f"压缩包里不应有文件夹：{name!r}")
    if name.lower().endswith(_ARCHIVE_SUFFIXES):
        raise _Refusal("unsafe_path", f"压缩包里不能再套压缩包：{name!r}")
    if stat.S_ISLNK(mode):
        raise _Refusal("unsafe_path", f"压缩包里不允许符号链接：{name!r}")
    if info.flag_bits & 0x1:
        raise _Refusal("malformed", f"压缩包里的文件加了密码：{name!r}")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """Read a member, never decompressing more than ``budget`` bytes nor its declared size."""
    limit = min(budget, info.file_size)
    chunks: list[bytes] = []
    total = 0
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(min(65536, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise _Refusal(
                    "too_large", f"{info.filename} 解压后超出声明的大小或上限，已拒绝（疑似压缩炸弹）"
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _parse_manifest(raw: bytes) -> tuple[str, str, dict[str, tuple[str, int]]]:
    try:
        manifest = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _Refusal("malformed", "manifest.json 不是有效的 JSON") from None
    if not isinstance(manifest, dict):
        raise _Refusal("malformed", "manifest.json 顶层应为对象")
    if manifest.get("format") != MANIFEST_FORMAT:
        raise _Refusal("malformed", f"不是话术发布文件（manifest.json 的 format 应为 {MANIFEST_FORMAT}）")
    fmt_version = manifest.get("format_version")
    if isinstance(fmt_version, bool) or not isinstance(fmt_version, int):
        raise _Refusal("malformed", "manifest.json 的 format_version 应为整数")
    if fmt_version > MANIFEST_FORMAT_VERSION:
        raise _Refusal("newer_format", f"发布文件格式版本 {fmt_version} 比本程序支持的新，请升级程序")
    if fmt_version < 1:
        raise _Refusal("malformed", f"不支持的发布文件格式版本 {fmt_version}")
    version, released, files = manifest.get("version"), manifest.get("date"), manifest.get("files")
    if not isinstance(version, str) or not isinstance(released, str):
        raise _Refusal("malformed", "manifest.json 缺少 version 或 date")
    if not isinstance(files, dict) or not files:
        raise _Refusal("malformed", "manifest.json 的 files 应为非空对象")
    listed: dict[str, tuple[str, int]] = {}
    for name, entry in files.items():
        if not isinstance(entry, dict):
            raise _Refusal("malformed", f"manifest.json 中 {name!r} 的条目应为对象")
        digest, size = entry.get("sha256"), entry.get("size")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise _Refusal("malformed", f"manifest.json 中 {name!r} 的 sha256 无效")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise _Refusal("malformed", f"manifest.json 中 {name!r} 的 size 无效")
        listed[name] = (digest, size)
    if RELEASE_MEMBER not in listed:
        raise _Refusal("malformed", f"manifest.json 没有列出 {RELEASE_MEMBER}")
    if MANIFEST_MEMBER in listed:
        raise _Refusal("malformed", "manifest.json 不应列出它自己")
    return version, released, listed


def _read_zip(data: bytes, label: str, newest_known: ReleaseStamp | PhraseRelease | None) -> PhraseRelease:
    if len(data) > MAX_TOTAL_SIZE:
        raise _Refusal("too_large", f"文件超过 {MAX_TOTAL_SIZE // (1024 * 1024)} MB，不是话术发布文件")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise _Refusal("not_zip", "不是有效的 zip 文件（文件损坏或不是话术发布文件）") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _Refusal("too_large", f"压缩包有 {len(infos)} 个文件，超过上限 {MAX_MEMBERS}")
        names: set[str] = set()
        declared_total = 0
        for info in infos:
            _check_name(info)
            if info.filename in names:
                raise _Refusal("unsafe_path", f"压缩包里有重名文件：{info.filename!r}")
            names.add(info.filename)
            declared_total += info.file_size
            if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _Refusal("too_large", f"{info.filename} 压缩比异常，已拒绝（疑似压缩炸弹）")
        if declared_total > MAX_TOTAL_SIZE:
            raise _Refusal(
                "too_large", f"解压后超过 {MAX_TOTAL_SIZE // (1024 * 1024)} MB，已拒绝（疑似压缩炸弹）"
            )
        if MANIFEST_MEMBER not in names:
            raise _Refusal("malformed", "压缩包里没有 manifest.json，不是话术发布文件")
        budget = MAX_TOTAL_SIZE
        manifest_bytes = _read_member(archive, archive.getinfo(MANIFEST_MEMBER), budget)
        budget -= len(manifest_bytes)
        version, released, listed = _parse_manifest(manifest_bytes)
        unlisted = sorted(names - set(listed) - {MANIFEST_MEMBER})
        if unlisted:
            raise _Refusal("unsafe_path", f"压缩包里有清单未列出的文件：{', '.join(unlisted)}")
        missing = sorted(set(listed) - names)
        if missing:
            raise _Refusal("tampered", f"清单列出的文件不在压缩包里：{', '.join(missing)}")
        contents: dict[str, bytes] = {}
        for name, (digest, size) in listed.items():
            body = _read_member(archive, archive.getinfo(name), budget)
            budget -= len(body)
            if len(body) != size or hashlib.sha256(body).hexdigest() != digest:
                raise _Refusal("tampered", f"{name} 的校验和与清单不符，文件可能被改动过，已拒绝导入")
            if body.startswith(_ARCHIVE_MAGIC):
                raise _Refusal("unsafe_path", f"压缩包里不能再套压缩包：{name!r}")
            contents[name] = body
    try:
        text = contents[RELEASE_MEMBER].decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Refusal("malformed", f"{RELEASE_MEMBER} 不是 UTF-8 编码") from None
    release = parse_release(text, f"{label}:{RELEASE_MEMBER}")
    if release.version != version or release.date.isoformat() != released:
        raise _Refusal("tampered", "manifest.json 与 release.yaml 的版本或日期不一致，已拒绝导入")
    if newest_known is not None:
        known = newest_known.stamp if isinstance(newest_known, PhraseRelease) else newest_known
        if release.stamp.is_older_than(known):
            raise _Refusal(
                "older",
                f"该文件是 {release.version}（{release.date.isoformat()}）版，"
                f"比已导入的 {known.version}（{known.date.isoformat()}）旧，不能导入",
            )
    return release


def read_release_zip(
    path: Path | str | bytes, *, newest_known: ReleaseStamp | PhraseRelease | None = None
) -> PhraseRelease:
    """Read and verify a distributable release zip (a path, or the zip's bytes).

    With ``newest_known`` (the newest release already imported), a strictly older release is
    refused; the same version is returned (the caller decides whether it is already there).
    Raises :class:`PhraseReleaseError` for every problem - never another exception type, and
    never after returning part of a release.
    """
    label = "<bytes>" if isinstance(path, bytes) else Path(path).name
    if isinstance(path, bytes):
        data = path
    else:
        try:
            size = os.path.getsize(path)
            if size > MAX_TOTAL_SIZE:
                raise PhraseReleaseError("too_large", f"{label}：文件过大，不是话术发布文件")
            data = Path(path).read_bytes()
        except OSError as exc:
            raise PhraseReleaseError("unreadable", f"{label}：无法读取文件：{exc.strerror or exc}") from None
    try:
        return _read_zip(data, label, newest_known)
    except _Refusal as refusal:
        raise PhraseReleaseError(refusal.reason, f"{label}：{refusal.message}") from None
    except PhraseReleaseError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        KeyError,
        OverflowError,
        TypeError,
        IndexError,
    ) as exc:
        raise PhraseReleaseError(
            "not_zip", f"{label}：压缩包已损坏，无法读取（{type(exc).__name__}）"
        ) from None
