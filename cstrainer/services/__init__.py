"""The facade the GUI and the CLI call (like Anki's Collection).

Services own sessions and transactions, check the caller's role on every call, and return plain
dataclasses, never live ORM objects. Nothing here imports Qt.
"""

from __future__ import annotations

from cstrainer.services.actor import SYSTEM, Actor
from cstrainer.services.analytics import AnalyticsService
from cstrainer.services.assignments import AssignmentService
from cstrainer.services.audit import AuditService
from cstrainer.services.auth import AuthService
from cstrainer.services.compliance import ComplianceService
from cstrainer.services.content import ContentService
from cstrainer.services.database_admin import DatabaseService
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
from cstrainer.storage.database import Database, open_database


class Services:
    """Every service over one open database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.auth = AuthService(db)
        self.users = UserService(db)
        self.content = ContentService(db)
        self.audit = AuditService(db)
        self.compliance = ComplianceService(db)
        self.questions = QuestionBankService(db)
        self.exams = ExamService(db, self.compliance)
        self.roleplay = RolePlayService(db, self.compliance)
        self.phrases = PhraseService(db, scanner=self.compliance.scanner)
        self.phrase_review = PhraseReviewService(db, self.phrases)
        self.phrase_drills = PhraseDrillService(db, self.phrases)
        self.phrase_io = PhraseIoService(db, self.phrases)
        self.handbook_study = HandbookStudyService(db)
        self.handbook = HandbookService(db)
        self.handbook_io = HandbookIoService(db, self.handbook)
        self.analytics = AnalyticsService(db)
        self.assignments = AssignmentService(db)
        self.growth = GrowthService(db)
        self.database = DatabaseService(self, db)

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


__all__ = [
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
]
