"""The phrase-release YAML and its distributable zip: round trip and every way to refuse a file."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import stat
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstrainer.domain.phrase_release import PhraseRelease, ReleaseStamp
from cstrainer.domain.phrases import PhraseItem
from cstrainer.formats.phrase_release import (
    MAX_TOTAL_SIZE,
    PhraseReleaseError,
    dumps_release,
    load_release,
    parse_release,
    read_release_zip,
    release_zip_name,
    write_release_zip,
)

ITEMS = (
    PhraseItem(
        "qinyu.yb1", "qinyu", "迎宾", "问候", "yb1", "亲爱的{顾客昵称}，您好呀~ 欢迎光临沁语 🌸", ("问候",)
    ),
    PhraseItem("shared.sb1", None, "送别", "道别", "sb1", "感谢光临，祝您生活愉快！\n有问题随时找我哦"),
)
RELEASE = PhraseRelease("2026.11.2", date(2026, 11, 23), "peixun", "第二版：迎宾语更亲切\n", ITEMS)


def zip_bytes(members: dict[str, bytes], manifest: dict[str, object] | None = None, **extra: bytes) -> bytes:
    """A zip with ``members`` and a manifest listing them (or the given manifest)."""
    if manifest is None:
        manifest = {
            "format": "cstrainer-phrase-release",
            "format_version": 1,
            "version": RELEASE.version,
            "date": RELEASE.date.isoformat(),
            "files": {
                n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in members.items()
            },
        }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in {**members, **extra}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def body() -> bytes:
    return dumps_release(RELEASE).encode("utf-8")


# --- YAML -------------------------------------------------------------------------------------


def test_yaml_round_trip(tmp_path: Path) -> None:
    text = dumps_release(RELEASE)
    assert "kind: phrase_release" in text and "亲爱的" in text
    assert parse_release(text) == RELEASE
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_release(path) == RELEASE


def test_yaml_errors_name_line_and_field() -> None:
    text = """schema_version: 1
kind: phrase_release
version: 2026.11
date: 2026-11-23
author: peixun
items:
  - {key: a.x, scene: 迎宾, intent: 问候, shortcut: yb1, text: 您好}
  - {key: a.x, scene: 不存在, intent: 问候, shortcut: YB1, text: "{顾客}您好"}
  - {key: a.y, scene: 迎宾, intent: 问候, shortcut: yb1, text: 您好}
"""
    with pytest.raises(PhraseReleaseError) as caught:
        parse_release(text, "r.yaml")
    error = caught.value
    assert error.reason == "malformed"
    where = {(e.line, e.field) for e in error.errors}
    assert (3, "version") in where  # 2026.11 is a float: must be quoted
    assert (8, "items[1].scene") in where
    assert (8, "items[1].shortcut") in where
    assert (8, "items[1].text") in where  # unknown placeholder
    assert (9, "items[2].shortcut") in where  # duplicate shortcut
    assert all(e.file == "r.yaml" for e in error.errors)
    assert "r.yaml:3" in str(error)


def test_yaml_duplicate_key_and_brand_shortcut_clash() -> None:
    text = """schema_version: 1
kind: phrase_release
version: "1"
date: 2026-11-23
author: a
items:
  - {key: a.x, scene: 迎宾, intent: 问候, shortcut: yb1, text: 您好}
  - {key: a.x, brand: qinyu, scene: 迎宾, intent: 问候, shortcut: yb1, text: 您好}
"""
    with pytest.raises(PhraseReleaseError) as caught:
        parse_release(text)
    messages = " ".join(e.message for e in caught.value.errors)
    assert "重复的 key" in messages and "通用话术" in messages


@pytest.mark.parametrize(
    "text",
    ["", "- 1\n", "a: [\n", "schema_version: 9\nkind: phrase_release\n", "kind: phrases\nitems: []\n"],
)
def test_yaml_malformed_documents(text: str) -> None:
    with pytest.raises(PhraseReleaseError):
        parse_release(text)


# --- zip --------------------------------------------------------------------------------------


def test_zip_round_trip(tmp_path: Path) -> None:
    written = write_release_zip(RELEASE, tmp_path)
    assert written.name == release_zip_name("2026.11.2") == "2026.11.2.cstrainer-phrases.zip"
    assert read_release_zip(written) == RELEASE
    assert read_release_zip(str(written)) == RELEASE
    assert read_release_zip(written.read_bytes()) == RELEASE
    # deterministic: the same release gives the same bytes
    again = write_release_zip(RELEASE, tmp_path / "again.zip")
    assert again.read_bytes() == written.read_bytes()
    with zipfile.ZipFile(written) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "release.yaml"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "cstrainer-phrase-release" and manifest["version"] == "2026.11.2"


def test_tampered_release_is_refused() -> None:
    original = body()
    tampered = original.replace("欢迎光临".encode(), "欢迎来到".encode())
    manifest = json.loads(
        zipfile.ZipFile(io.BytesIO(zip_bytes({"release.yaml": original}))).read("manifest.json")
    )
    data = zip_bytes({"release.yaml": tampered}, manifest)
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(data)
    assert caught.value.reason == "tampered"
    assert "校验和" in str(caught.value)


def test_manifest_and_release_must_agree() -> None:
    data = zip_bytes({"release.yaml": body()})
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    manifest["version"] = "2099.1.1"
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(zip_bytes({"release.yaml": body()}, manifest))
    assert caught.value.reason == "tampered"


@pytest.mark.parametrize("name", ["../evil.yaml", "/etc/passwd", "a\\..\\b.yaml", "C:/x.yaml", "sub/../x"])
def test_unsafe_paths_are_refused(name: str) -> None:
    data = zip_bytes({"release.yaml": body(), name: b"x"})
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(data)
    assert caught.value.reason == "unsafe_path"


def test_unlisted_member_is_refused() -> None:
    data = zip_bytes({"release.yaml": body()}, None, **{"extra.txt": b"hello"})
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(data)
    assert caught.value.reason == "unsafe_path" and "extra.txt" in str(caught.value)


def test_symlink_member_is_refused() -> None:
    buffer = io.BytesIO()
    members = {"release.yaml": body()}
    manifest = {
        "format": "cstrainer-phrase-release",
        "format_version": 1,
        "version": RELEASE.version,
        "date": RELEASE.date.isoformat(),
        "files": {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in members.items()},
    }
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        info = zipfile.ZipInfo("release.yaml")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, body())
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(buffer.getvalue())
    assert caught.value.reason == "unsafe_path"


def test_zip_bomb_is_refused() -> None:
    # 30 MB of zeros compress to a few KB: refused on the declared size before decompressing
    bomb = b"\0" * (MAX_TOTAL_SIZE + 10 * 1024 * 1024)
    data = zip_bytes({"release.yaml": bomb})
    assert len(data) < 100_000
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(data)
    assert caught.value.reason == "too_large"


def test_high_ratio_member_is_refused() -> None:
    data = zip_bytes({"release.yaml": b"\0" * (2 * 1024 * 1024)})
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(data)
    assert caught.value.reason == "too_large"


def test_too_many_members_are_refused() -> None:
    members = {f"f{i}.txt": b"x" for i in range(40)}
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(zip_bytes({"release.yaml": body(), **members}))
    assert caught.value.reason == "too_large"


def test_older_release_is_refused(tmp_path: Path) -> None:
    path = write_release_zip(RELEASE, tmp_path)
    newer = ReleaseStamp("2026.12.1", date(2026, 12, 7))
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(path, newest_known=newer)
    assert caught.value.reason == "older"
    assert "2026.12.1" in str(caught.value) and "旧" in str(caught.value)
    # the same or an older known release is fine
    assert read_release_zip(path, newest_known=RELEASE) == RELEASE
    assert read_release_zip(path, newest_known=ReleaseStamp("2026.11.1", date(2026, 11, 9))) == RELEASE


def test_malformed_manifest_and_yaml_are_refused() -> None:
    bad_yaml = b"schema_version: 1\nkind: phrase_release\nitems: [\n"
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(zip_bytes({"release.yaml": bad_yaml}))
    assert caught.value.reason == "malformed" and caught.value.errors[0].line is not None
    for manifest in ({}, {"format": "x"}, {"format": "cstrainer-phrase-release", "format_version": 1}):
        with pytest.raises(PhraseReleaseError):
            read_release_zip(zip_bytes({"release.yaml": body()}, manifest))
    newer = {"format": "cstrainer-phrase-release", "format_version": 2}
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(zip_bytes({"release.yaml": body()}, newer))
    assert caught.value.reason == "newer_format"


def test_not_a_zip_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(b"hello")
    assert caught.value.reason == "not_zip"
    with pytest.raises(PhraseReleaseError) as caught:
        read_release_zip(tmp_path / "nope.zip")
    assert caught.value.reason == "unreadable"


# --- fuzz -------------------------------------------------------------------------------------

_VALID = None


def _valid_zip() -> bytes:
    global _VALID
    if _VALID is None:
        _VALID = zip_bytes({"release.yaml": body()})
    return _VALID


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_read_release_zip_raises_only_release_errors(data: st.DataObject) -> None:
    original = _valid_zip()
    mode = data.draw(st.sampled_from(["flip", "truncate", "random"]))
    if mode == "random":
        blob = data.draw(st.binary(max_size=2000))
    elif mode == "truncate":
        blob = original[: data.draw(st.integers(0, len(original)))]
    else:
        blob = bytearray(original)
        for _ in range(data.draw(st.integers(1, 8))):
            index = data.draw(st.integers(0, len(blob) - 1))
            blob[index] = data.draw(st.integers(0, 255))
        blob = bytes(blob)
    try:
        release = read_release_zip(blob)
    except PhraseReleaseError as exc:
        assert str(exc)
    else:
        assert release == RELEASE  # a flip in an unchecked header byte may leave it readable


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
def test_fuzz_parse_release_raises_only_release_errors(text: str) -> None:
    with contextlib.suppress(PhraseReleaseError):
        parse_release("schema_version: 1\nkind: phrase_release\n" + text)
