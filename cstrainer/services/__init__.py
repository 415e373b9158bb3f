"""The facade the GUI and the CLI call (like Anki's Collection).

Services own sessions and transactions, check the caller's role on every call, and return plain
dataclasses, never live ORM objects. Nothing here imports Qt.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

# stats_rollup registers the ORM listener that unseals a day's roll-ups when a graded result of
# that day changes: it must be active whichever service makes the change.
from cstrainer.services import stats_rollup  # noqa: F401
from cstrainer.services.actor import SYSTEM, Actor
from cstrainer.services.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationFailed,
)
from cstrainer.storage.database import Database, open_database

if TYPE_CHECKING:
    from cstrainer.services.analytics import AnalyticsService
    from cstrainer.services.assignments import AssignmentService
    from cstrainer.services.audit import AuditService
    from cstrainer.services.auth import AuthService
    from cstrainer.services.compliance import ComplianceService
    from cstrainer.services.content import ContentService
    from cstrainer.services.database_admin import DatabaseService
    from cstrainer.services.exams import ExamService
    from cstrainer.services.growth import GrowthService
    from cstrainer.services.handbook import HandbookService
    from cstrainer.services.handbook_io import HandbookIoService
    from cstrainer.services.handbook_study import HandbookStudyService
    from cstrainer.services.phrase_drills import PhraseDrillService
    from cstrainer.services.phrase_io import PhraseIoService
    from cstrainer.services.phrase_review import PhraseReviewService
    from cstrainer.services.phrases import PhraseService
    from cstrainer.services.questions import QuestionBankService
    from cstrainer.services.roleplay import RolePlayService
    from cstrainer.services.users import UserService

# Service classes by name, for ``from cstrainer.services import ExamService``: each module is
# imported when first asked for, so that starting the app does not import every service (the
# analytics, growth and import/export modules pull in openpyxl, pydantic models ...).
_CLASSES = {
    "AnalyticsService": "analytics",
    "AssignmentService": "assignments",
    "AuditService": "audit",
    "AuthService": "auth",
    "ComplianceService": "compliance",
    "ContentService": "content",
    "DatabaseService": "database_admin",
    "ExamService": "exams",
    "GrowthService": "growth",
    "HandbookService": "handbook",
    "HandbookIoService": "handbook_io",
    "HandbookStudyService": "handbook_study",
    "PhraseDrillService": "phrase_drills",
    "PhraseIoService": "phrase_io",
    "PhraseReviewService": "phrase_review",
    "PhraseService": "phrases",
    "QuestionBankService": "questions",
    "RolePlayService": "roleplay",
    "UserService": "users",
}


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


T = TypeVar("T")

# One lock for creating services: two threads asking for a new service at once get the same
# instance (services keep caches: the phrase index, the question bank). Re-entrant because a
# service is built from others (exams from compliance).
_CREATE_LOCK = threading.RLock()


class _service(Generic[T]):  # used like @cached_property
    """A service built on first use and kept on the instance."""

    def __init__(self, build: Callable[[Services], T]) -> None:
        self.build = build
        self.name = build.__name__

    @overload
    def __get__(self, obj: None, owner: type) -> _service[T]: ...
    @overload
    def __get__(self, obj: Services, owner: type) -> T: ...
    def __get__(self, obj: Services | None, owner: type) -> T | _service[T]:
        if obj is None:
            return self
        with _CREATE_LOCK:
            value = obj.__dict__.get(self.name)
            if value is None:
                value = obj.__dict__[self.name] = self.build(obj)
            return value  # type: ignore[no-any-return]


class Services:
    """Every service over one open database.

    Each service (and its module) is created on first use: the login dialog needs only ``auth``,
    the first page one or two more, and the rest follow as pages are opened.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    @_service
    def auth(self) -> AuthService:
        return __getattr__("AuthService")(self.db)  # type: ignore[no-any-return]

    @_service
    def users(self) -> UserService:
        return __getattr__("UserService")(self.db)  # type: ignore[no-any-return]

    @_service
    def content(self) -> ContentService:
        return __getattr__("ContentService")(self.db)  # type: ignore[no-any-return]

    @_service
    def audit(self) -> AuditService:
        return __getattr__("AuditService")(self.db)  # type: ignore[no-any-return]

    @_service
    def compliance(self) -> ComplianceService:
        return __getattr__("ComplianceService")(self.db)  # type: ignore[no-any-return]

    @_service
    def questions(self) -> QuestionBankService:
        return __getattr__("QuestionBankService")(self.db)  # type: ignore[no-any-return]

    @_service
    def exams(self) -> ExamService:
        return __getattr__("ExamService")(self.db, self.compliance)  # type: ignore[no-any-return]

    @_service
    def roleplay(self) -> RolePlayService:
        return __getattr__("RolePlayService")(self.db, self.compliance)  # type: ignore[no-any-return]

    @_service
    def phrases(self) -> PhraseService:
        return __getattr__("PhraseService")(  # type: ignore[no-any-return]
            self.db, scanner=self.compliance.scanner
        )

    @_service
    def phrase_review(self) -> PhraseReviewService:
        return __getattr__("PhraseReviewService")(self.db, self.phrases)  # type: ignore[no-any-return]

    @_service
    def phrase_drills(self) -> PhraseDrillService:
        return __getattr__("PhraseDrillService")(self.db, self.phrases)  # type: ignore[no-any-return]

    @_service
    def phrase_io(self) -> PhraseIoService:
        return __getattr__("PhraseIoService")(self.db, self.phrases)  # type: ignore[no-any-return]

    @_service
    def handbook_study(self) -> HandbookStudyService:
        return __getattr__("HandbookStudyService")(self.db)  # type: ignore[no-any-return]

    @_service
    def handbook(self) -> HandbookService:
        return __getattr__("HandbookService")(self.db)  # type: ignore[no-any-return]

    @_service
    def handbook_io(self) -> HandbookIoService:
        return __getattr__("HandbookIoService")(self.db, self.handbook)  # type: ignore[no-any-return]

    @_service
    def analytics(self) -> AnalyticsService:
        return __getattr__("AnalyticsService")(self.db)  # type: ignore[no-any-return]

    @_service
    def assignments(self) -> AssignmentService:
        return __getattr__("AssignmentService")(self.db)  # type: ignore[no-any-return]

    @_service
    def growth(self) -> GrowthService:
        return __getattr__("GrowthService")(self.db)  # type: ignore[no-any-return]

    @_service
    def database(self) -> DatabaseService:
        return __getattr__("DatabaseService")(self, self.db)  # type: ignore[no-any-return]

    @classmethod
    def open(cls, url: str | None = None, *, seed: bool = True) -> Services:
        """Open (create or upgrade) the database; a new one is filled with the shipped content."""
        services = cls(open_database(url))
        if seed:
            services.content.seed_if_empty()
            services.compliance.seed_if_empty()
        return services

    def describe(self) -> str:
        return self.db.describe()

    def close(self) -> None:
        self.db.dispose()


__all__ = [  # the service classes come from __getattr__
    "SYSTEM",
    "AccountDisabled",
    "AccountLocked",
    "Actor",
    "AuthenticationFailed",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "ServiceError",
    "Services",
    "ValidationFailed",
    *_CLASSES,
]
