"""The offline journal: what a person typed that the team database has not confirmed yet.

When the database server cannot be reached, exam answers and role-play replies must not live only
in the window. Before the app sends one to the database it appends it to a small file on this PC
(one JSON object a line, flushed and ``fsync``'d); once the database has confirmed it, a ``done``
line follows. Whatever is still pending after a crash, a forced quit or a closed laptop is sent
again the next time the same person logs in to the same database (:func:`replay_pending`), and by
the exam or the chat when it is reopened.

**Files.** ``<data dir>/offline/<database id>-<user id>.jsonl``, where the database id is a hash of
the database URL without its password (for SQLite: of the file's absolute path). Different
databases and different people on one PC never see each other's entries. A file with nothing
pending is emptied (and deleted at logout); a long one is rewritten (atomically) with only the
pending entries. Entries are ``fsync``'d; acknowledgements are not (replay is idempotent, so an
acknowledgement lost in a power cut only costs a redundant resend).

**Records.** ``{"op": "put", "id", "kind", "key", "data", "at"}`` and ``{"op": "done", "id"}``. The
``key`` names what the entry is about (``exam:<attempt>:<position>``, ``roleplay:<session>``);
a later ``put`` with the same key supersedes an earlier one (the latest answer to a question is
the one that counts), and only the latest ``put`` of a key is pending. A ``done`` for an older entry
does not clear a newer one. Lines that cannot be read (half-written at a crash, edited by hand) are
skipped with a warning in the log, never an error.

**Replay is idempotent.** ``ExamService.save_answer`` overwrites the answer of one question, so
sending the same answer twice stores it once. A role-play reply carries the sequence number of the
customer line it answers (``after_seq``); before sending it again the stored conversation is
checked: if a line already follows that customer line the reply was stored (or the conversation
moved on) and it is not sent a second time.

**Refused entries** (the exam was handed in or closed meanwhile, the role-play ended) cannot be
stored any more. They are not silently dropped: each is copied to ``rejected.jsonl`` in the same
folder with the reason, and logged.

Qt-free: the GUI calls it on the UI thread (writing) and :func:`replay_pending` on the database
thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from cstrainer import paths
from cstrainer.services.errors import ServiceError

log = logging.getLogger(__name__)

EXAM_ANSWER = "exam_answer"
ROLEPLAY_REPLY = "roleplay_reply"
COMPACT_AFTER_LINES = 400  # rewrite the file once it has this many lines
REJECTED_FILENAME = "rejected.jsonl"

__all__ = [
    "EXAM_ANSWER",
    "ROLEPLAY_REPLY",
    "AlreadyStored",
    "Entry",
    "OfflineJournal",
    "ReplayReport",
    "close_all",
    "database_id",
    "deliver_reply",
    "is_connection_error",
    "journal_dir",
    "journal_for",
    "replay_pending",
]


# --- is the database unreachable? ---------------------------------------------------------------------

_SQLITE_UNREACHABLE = ("unable to open database", "disk i/o error", "no such file")


def is_connection_error(exc: BaseException | None) -> bool:
    """True when ``exc`` means the database could not be reached (worth retrying, not a bug).

    SQLAlchemy's ``OperationalError`` / ``InterfaceError`` / ``DisconnectionError`` and any
    ``DBAPIError`` with ``connection_invalidated``; psycopg's ``OperationalError`` without an SQL
    state (no connection at all) or in the connection classes 08 and 57P (server shutting down).
    A SQLite ``OperationalError`` counts only when the file cannot be opened or read ("database is
    locked" is a busy writer, "no such table" a bug). Follows ``__cause__`` (a wrapped error).
    """
    seen = 0
    while exc is not None and seen < 5:
        seen += 1
        if isinstance(exc, sa_exc.DisconnectionError):
            return True
        if isinstance(exc, sa_exc.DBAPIError):
            if exc.connection_invalidated:
                return True
            if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
                return _driver_error_is_connection(exc.orig, default=True)
            return False
        if _driver_error_is_connection(exc, default=False):
            return True
        exc = exc.__cause__
    return False


def _driver_error_is_connection(orig: BaseException | None, *, default: bool) -> bool:
    if orig is None:
        return default
    module = type(orig).__module__ or ""
    if module.startswith("sqlite3"):
        text = str(orig).lower()
        return any(s in text for s in _SQLITE_UNREACHABLE)
    if module.startswith("psycopg"):
        import psycopg

        if isinstance(orig, psycopg.InterfaceError):
            return True
        if isinstance(orig, psycopg.OperationalError):
            state = getattr(orig, "sqlstate", None)
            return state is None or state.startswith(("08", "57P"))
        return False
    if isinstance(orig, ConnectionError | TimeoutError):
        return True
    return default


# --- where the journals live ----------------------------------------------------------------------------


def journal_dir() -> Path:
    folder = paths.data_dir() / "offline"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def database_id(url: str | URL) -> str:
    """A short stable id of a database: a hash of its URL without the password."""
    u = make_url(url) if isinstance(url, str) else url
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        ident = "sqlite:" + str(Path(u.database).expanduser().resolve())
    else:
        ident = u.set(password=None).render_as_string(hide_password=True)
        if u.drivername.startswith("postgres"):
            ident = ident.replace(u.drivername, "postgresql", 1)
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:16]


# --- the journal ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    key: str
    data: dict[str, Any]
    at: str  # ISO time it was typed (UTC)


class OfflineJournal:
    """One person's journal for one database. Use :meth:`open` (one instance per file)."""

    _instances: ClassVar[dict[Path, OfflineJournal]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._latest: dict[str, Entry] = {}  # key -> latest put (pending)
        self._order: dict[str, int] = {}  # key -> line number of that put (replay order)
        self._lines = 0
        self._needs_newline = False
        self._claims: dict[str, int] = {}  # key prefixes an open window sends itself (see claim)
        self._load()

    @classmethod
    def open(cls, path: Path) -> OfflineJournal:
        path = path.resolve()
        with cls._instances_lock:
            journal = cls._instances.get(path)
            if journal is None:
                journal = cls(path)
                cls._instances[path] = journal
            return journal

    @classmethod
    def for_user(cls, url: str | URL, user_id: int, folder: Path | None = None) -> OfflineJournal:
        folder = folder or journal_dir()
        return cls.open(folder / f"{database_id(url)}-{int(user_id)}.jsonl")

    # --- reading ----------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("cannot read the offline journal %s: %s", self.path, exc)
            return
        self._needs_newline = bool(raw) and not raw.endswith(b"\n")
        by_id: dict[str, str] = {}
        for number, line in enumerate(raw.split(b"\n"), start=1):
            if not line.strip():
                continue
            self._lines += 1
            try:
                record = json.loads(line.decode("utf-8"))
                op = record["op"]
                if op == "put":
                    entry = Entry(
                        str(record["id"]),
                        str(record["kind"]),
                        str(record["key"]),
                        dict(record["data"]),
                        str(record.get("at", "")),
                    )
                    self._latest[entry.key] = entry
                    self._order[entry.key] = number
                    by_id[entry.id] = entry.key
                elif op == "done":
                    key = by_id.get(str(record["id"]))
                    latest = self._latest.get(key) if key is not None else None
                    if key is not None and latest is not None and latest.id == str(record["id"]):
                        del self._latest[key]
                        del self._order[key]
                else:
                    raise ValueError(f"unknown op {op!r}")
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
                log.warning(
                    "offline journal %s line %d skipped (unreadable): %s", self.path.name, number, exc
                )

    def pending(self, kind: str | None = None, prefix: str | None = None) -> list[Entry]:
        """Entries not confirmed yet, in the order they were (last) written."""
        with self._lock:
            keys = sorted(self._latest, key=lambda k: self._order[k])
            entries = [self._latest[k] for k in keys]
        return [
            e
            for e in entries
            if (kind is None or e.kind == kind) and (prefix is None or e.key.startswith(prefix))
        ]

    def claim(self, prefix: str) -> None:
        """An open exam or chat sends the entries under ``prefix`` itself: replay skips them."""
        with self._lock:
            self._claims[prefix] = self._claims.get(prefix, 0) + 1

    def release(self, prefix: str) -> None:
        with self._lock:
            count = self._claims.get(prefix, 0) - 1
            if count > 0:
                self._claims[prefix] = count
            else:
                self._claims.pop(prefix, None)

    def claimed(self, key: str) -> bool:
        with self._lock:
            return any(key == p or key.startswith(p + ":") for p in self._claims)

    def __len__(self) -> int:
        return len(self._latest)

    def is_pending(self, entry_id: str) -> bool:
        with self._lock:
            return any(e.id == entry_id for e in self._latest.values())

    # --- writing ----------------------------------------------------------------------------------

    def record(self, kind: str, key: str, data: dict[str, Any]) -> Entry:
        """Write an entry (durably) before it is sent; it supersedes an earlier one with ``key``."""
        entry = Entry(
            uuid.uuid4().hex, kind, key, dict(data), datetime.now(UTC).isoformat(timespec="seconds")
        )
        line = {"op": "put", "id": entry.id, "kind": kind, "key": key, "data": entry.data, "at": entry.at}
        with self._lock:
            self._append([line])
            self._latest[key] = entry
            self._order[key] = self._lines
        return entry

    def acknowledge(self, entry_ids: str | Iterable[str]) -> None:
        """The database confirmed these entries: no longer pending (unknown or superseded ids: no-op)."""
        ids = [entry_ids] if isinstance(entry_ids, str) else list(entry_ids)
        with self._lock:
            current = {e.id: k for k, e in self._latest.items()}
            done = [i for i in ids if i in current]
            if not done:
                return
            for i in done:
                key = current[i]
                del self._latest[key]
                del self._order[key]
            # Acknowledgements are not fsync'd: replay is idempotent, so one lost in a power cut
            # costs a redundant resend, never a duplicate. Only the entries themselves must last.
            if not self._latest:
                self._truncate()
            elif self._lines + len(done) >= COMPACT_AFTER_LINES:
                self._rewrite()
            else:
                self._append([{"op": "done", "id": i} for i in done], durable=False)

    def reject(self, entry: Entry, reason: str) -> None:
        """The database refused the entry for good: keep a copy in ``rejected.jsonl``, then drop it."""
        log.warning("offline entry %s (%s) could not be stored: %s", entry.key, entry.kind, reason)
        record = {
            "id": entry.id,
            "kind": entry.kind,
            "key": entry.key,
            "data": entry.data,
            "at": entry.at,
            "journal": self.path.name,
            "reason": reason,
            "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            _append_durably(self.path.parent / REJECTED_FILENAME, [record], newline_first=False)
        except OSError as exc:
            log.error("cannot write %s: %s", REJECTED_FILENAME, exc)
        self.acknowledge(entry.id)

    def _append(self, records: list[dict[str, Any]], *, durable: bool = True) -> None:
        _append_durably(self.path, records, newline_first=self._needs_newline, durable=durable)
        self._needs_newline = False
        self._lines += len(records)

    def _truncate(self) -> None:
        """Nothing pending: empty the file (kept, so the next entry needs no new directory entry)."""
        try:
            with open(self.path, "w", encoding="utf-8"):
                pass
        except OSError as exc:  # keep going: the done lines are the fallback
            log.warning("cannot empty the offline journal %s: %s", self.path, exc)
        self._lines = 0
        self._needs_newline = False

    def remove_if_empty(self) -> None:
        """Delete the file when nothing is pending (at logout; tidy, not needed for correctness)."""
        with self._lock:
            if not self._latest:
                self.path.unlink(missing_ok=True)
                self._lines = 0

    def _rewrite(self) -> None:
        """Only the pending puts, written to a temporary file and moved into place."""
        tmp = self.path.with_suffix(".tmp")
        entries = sorted(self._latest.values(), key=lambda e: self._order[e.key])
        with open(tmp, "w", encoding="utf-8") as f:
            for e in entries:
                f.write(
                    _dumps(
                        {"op": "put", "id": e.id, "kind": e.kind, "key": e.key, "data": e.data, "at": e.at}
                    )
                )
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        self._lines = len(entries)
        self._order = {e.key: i for i, e in enumerate(entries, start=1)}
        self._needs_newline = False


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_jsonable) + "\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written to the offline journal")


def _append_durably(
    path: Path, records: list[dict[str, Any]], *, newline_first: bool, durable: bool = True
) -> None:
    text = ("\n" if newline_first else "") + "".join(_dumps(r) for r in records)
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        if durable:
            os.fsync(f.fileno())
    if new and durable:
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ClaimHold:
    """One window's claim on a key prefix, released once (explicitly or when the window goes)."""

    def __init__(self, journal: OfflineJournal | None, prefix: str) -> None:
        self.journal = journal
        self.prefix = prefix
        self.held = journal is not None
        if journal is not None:
            journal.claim(prefix)

    def release(self) -> None:
        if self.held and self.journal is not None:
            self.held = False
            self.journal.release(self.prefix)

    def release_from_destroyed(self, *_args: Any) -> None:
        self.release()


def close_all() -> None:
    """Forget the open journals (tests simulate a restart with it; files stay)."""
    with OfflineJournal._instances_lock:
        OfflineJournal._instances.clear()


def journal_for(services: Any, actor: Any) -> OfflineJournal | None:
    """The journal of the person logged in, for the database ``services`` use (None: nobody)."""
    user_id = getattr(actor, "user_id", None)
    if user_id is None:
        return None
    return OfflineJournal.for_user(services.db.url, int(user_id))


# --- keys and entries -----------------------------------------------------------------------------


def exam_key(attempt_id: int, position: int) -> str:
    return f"exam:{int(attempt_id)}:{int(position)}"


def roleplay_key(session_id: int) -> str:
    return f"roleplay:{int(session_id)}"


# --- sending a role-play reply at most once ---------------------------------------------------------


@dataclass(frozen=True)
class AlreadyStored:
    """The reply was stored before (its confirmation was lost) or the conversation moved on.

    ``view`` is the conversation as stored now; ``same`` says whether the line after the customer's
    is this very reply.
    """

    view: Any
    same: bool


def deliver_reply(
    services: Any,
    actor: Any,
    session_id: int,
    text: str,
    seconds: float,
    after_seq: int | None,
    *,
    check: bool,
) -> Any:
    """On the database thread: send a reply unless it was stored already (``check``: a resend).

    Returns the service's ``ReplyView``, or :class:`AlreadyStored` when a line already follows the
    customer line with seq ``after_seq``.
    """
    if check and after_seq is not None:
        view = services.roleplay.view(actor, session_id)
        later = [m for m in view.messages if m.seq > after_seq]
        if later:
            same = later[0].role == "agent" and later[0].text.strip() == text.strip()
            return AlreadyStored(view, same)
    return services.roleplay.reply(actor, session_id, text, seconds)


# --- replay at login ---------------------------------------------------------------------------------------


@dataclass
class ReplayReport:
    sent: int = 0  # stored now
    already: int = 0  # had been stored before
    rejected: list[str] = field(default_factory=list)  # what could not be stored, why (Chinese)
    offline: bool = False  # the database could not be reached: the rest waits
    failed: int = 0  # unexpected errors (logged); those entries wait too

    @property
    def done(self) -> int:
        return self.sent + self.already


def replay_pending(
    services: Any, actor: Any, journal: OfflineJournal | None = None, *, raise_offline: bool = False
) -> ReplayReport:
    """On the database thread: send what the person typed while the database was unreachable.

    In the order it was typed; stops at the first connection error (the rest stays for later;
    ``raise_offline``: the error is raised, so the GUI's task runner notices the outage). Entries an
    open exam or chat has claimed (:meth:`OfflineJournal.claim`) are left to it.
    """
    report = ReplayReport()
    journal = journal or journal_for(services, actor)
    if journal is None:
        return report
    for entry in journal.pending():
        if journal.claimed(entry.key):
            continue
        try:
            _replay_one(services, actor, journal, entry, report)
        except ServiceError as exc:
            report.rejected.append(_describe(entry) + f"：{exc}")
            journal.reject(entry, str(exc))
        except Exception as exc:
            if is_connection_error(exc):
                report.offline = True
                log.info("replaying the offline journal stopped: the database is unreachable (%s)", exc)
                if raise_offline:
                    raise
                break
            report.failed += 1
            log.exception("replaying offline entry %s failed", entry.key)
    if report.done or report.rejected:
        log.info(
            "offline journal replayed: %d sent, %d already stored, %d refused",
            report.sent,
            report.already,
            len(report.rejected),
        )
    return report


def _replay_one(
    services: Any, actor: Any, journal: OfflineJournal, entry: Entry, report: ReplayReport
) -> None:
    d = entry.data
    if entry.kind == EXAM_ANSWER:
        ack = services.exams.save_answer(actor, int(d["attempt_id"]), int(d["position"]), d["response"])
        if ack.submitted:  # the time was up: the service handed the attempt in without it
            reason = "考试时间已到，试卷已自动交卷"
            report.rejected.append(_describe(entry) + "：" + reason)
            journal.reject(entry, reason)
            return
        report.sent += 1
    elif entry.kind == ROLEPLAY_REPLY:
        result = deliver_reply(
            services,
            actor,
            int(d["session_id"]),
            str(d["text"]),
            float(d.get("seconds", 0.0)),
            d.get("after_seq"),
            check=True,
        )
        if isinstance(result, AlreadyStored):
            if not result.same:
                reason = "对话已经继续，这条回复没有再发送"
                report.rejected.append(_describe(entry) + "：" + reason)
                journal.reject(entry, reason)
                return
            report.already += 1
        else:
            report.sent += 1
    else:
        log.warning("offline entry %s of unknown kind %r dropped", entry.key, entry.kind)
        journal.reject(entry, f"unknown kind {entry.kind}")
        return
    journal.acknowledge(entry.id)


def _describe(entry: Entry) -> str:
    d = entry.data
    if entry.kind == EXAM_ANSWER:
        return f"考试记录 {d.get('attempt_id')} 第 {int(d.get('position', 0)) + 1} 题的答案"
    if entry.kind == ROLEPLAY_REPLY:
        return f"对话练习 {d.get('session_id')} 的回复“{str(d.get('text', ''))[:20]}”"
    return entry.key


def ping_database(services: Any) -> bool:
    """On the database thread: one trivial query (raises when the database cannot be reached)."""
    from sqlalchemy import text

    with services.db.session() as s:
        s.execute(text("SELECT 1"))
    return True
