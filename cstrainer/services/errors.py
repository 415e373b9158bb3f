"""Errors services raise. Each carries a message fit to show the person who caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class ServiceError(Exception):
    """Base class: ``str(error)`` is a complete Chinese sentence for the GUI or CLI."""


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class InvalidInput(ServiceError):
    """What was given cannot be accepted; ``field`` names the input when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ValidationFailed(ServiceError):
    """Several problems at once (an import): ``errors`` lists each with where it is."""

    def __init__(self, message: str, errors: list[Any]) -> None:
        super().__init__(message)
        self.errors = errors

    def __str__(self) -> str:
        lines = [super().__str__()] + [f"  {e}" for e in self.errors]
        return "\n".join(lines)


class AuthenticationFailed(ServiceError):
    def __init__(self, message: str, remaining_attempts: int | None = None) -> None:
        super().__init__(message)
        self.remaining_attempts = remaining_attempts


class AccountLocked(AuthenticationFailed):
    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message, 0)
        self.until = until


class AccountDisabled(AuthenticationFailed):
    pass
