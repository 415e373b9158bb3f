from __future__ import annotations

import pytest

from cstrainer.services import passwords


def test_real_profile_is_argon2id_with_strong_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSTRAINER_ARGON2")
    passwords._hasher.cache_clear()
    try:
        h = passwords.hash_password("Kefu-2026!")
        assert h.startswith("$argon2id$") and "m=65536" in h
        assert passwords.verify_password(h, "Kefu-2026!")
        assert not passwords.verify_password(h, "kefu-2026!")
        assert not passwords.needs_rehash(h)
    finally:
        passwords._hasher.cache_clear()


def test_cheap_test_hashes_are_upgraded_later(monkeypatch: pytest.MonkeyPatch) -> None:
    passwords._hasher.cache_clear()
    cheap = passwords.hash_password("Kefu-2026!")
    monkeypatch.delenv("CSTRAINER_ARGON2")
    passwords._hasher.cache_clear()
    try:
        assert passwords.verify_password(cheap, "Kefu-2026!")
        assert passwords.needs_rehash(cheap)
    finally:
        passwords._hasher.cache_clear()


def test_garbage_hash_never_verifies() -> None:
    assert not passwords.verify_password("not a hash", "x")
    assert not passwords.verify_password(None, "x")
