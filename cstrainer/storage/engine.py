"""The one engine factory.

SQLite: WAL journal (readers never block the single writer, and a crash mid-write leaves the
file consistent), foreign keys on (SQLite leaves them off by default), ``synchronous=NORMAL``
(safe with WAL; only the last transaction can be lost on power failure, never corruption) and a
busy timeout so the GUI's worker thread and a CLI process can share the file.

Pools: SQLAlchemy's default for a SQLite *file* is a QueuePool, which is what we want: the GUI's
single database worker thread reuses one connection, tests and the CLI get their own. For an
in-memory SQLite database we use a StaticPool so every session sees the same memory database.
PostgreSQL uses the default QueuePool with ``pool_pre_ping`` so a restarted server is noticed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

#: libpq settings for PostgreSQL connections: give up connecting after 10 s; notice a vanished
#: server on an idle connection after ~1 min (keepalives) and on a busy one after 30 s.
PG_CONNECT_DEFAULTS: dict[str, Any] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


def normalise_url(url: str | URL) -> URL:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    u = make_url(url) if isinstance(url, str) else url
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def is_sqlite(url: str | URL) -> bool:
    return normalise_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | URL) -> str | None:
    """The file behind a SQLite URL, or None for memory databases and other backends."""
    u = normalise_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    db = u.database
    if not db or db == ":memory:" or db.startswith("file::memory:"):
        return None
    return db


def describe_url(url: str | URL) -> str:
    """A human description for the status bar; never shows the password."""
    u = normalise_url(url)
    if u.get_backend_name() == "sqlite":
        return f"SQLite: {sqlite_path(u) or '内存数据库'}"
    host = u.host or "localhost"
    port = f":{u.port}" if u.port else ""
    return f"PostgreSQL: {u.username + '@' if u.username else ''}{host}{port}/{u.database or ''}"


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Create an engine with the pragmas and pool this app relies on."""
    u = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if u.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if sqlite_path(u) is None:
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
        # An unreachable server must fail within seconds, not after the operating system's TCP
        # timeout (minutes), so that the app can say so and keep answers locally. Settings given
        # in the URL win.
        kwargs["connect_args"] = {k: v for k, v in PG_CONNECT_DEFAULTS.items() if k not in u.query}
    engine = create_engine(u, **kwargs)
    if u.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "memory":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
