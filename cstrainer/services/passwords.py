"""Password hashing with argon2id (argon2-cffi's recommended parameters, RFC 9106 low-memory).

``CSTRAINER_ARGON2=cheap`` switches to argon2-cffi's cheapest profile. The test suite sets it so
that hundreds of logins run in seconds; never set it for real use. Hashes carry their own
parameters, so either setting verifies the other's hashes, and a cheap hash is upgraded
(re-hashed) at the next successful login without it.
"""

from __future__ import annotations

import os
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    if os.environ.get("CSTRAINER_ARGON2") == "cheap":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# Verifying against this when the login does not exist keeps the timing of "no such user" and
# "wrong password" alike, so the login dialog does not reveal which logins exist.
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password("not-a-real-password")
