"""Passwords never appear in the log file, the terminal, the audit log or the database file.

The command line runs in-process with ``--debug`` (verbose logging to the file and to stderr)
through every path that handles a password: logging in right and wrong, a manager resetting a
password, a person changing their own, adding an account with a password, and opening a
PostgreSQL URL that carries one. Then every place a password could leak is searched for each
of them.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import pytest

from cstrainer import paths
from cstrainer.cli import main
from cstrainer.logging_setup import redact
from cstrainer.services import SYSTEM, AuthenticationFailed, Services
from cstrainer.services.audit import AuditQuery
from cstrainer.storage.database import open_database

DEMO = "demo1234"
WRONG = "Wrong-Pass-77"
RESET = "Reset-Pass-88"
OWN = "Own-Choice-66"
NEW_USER = "Lily-Secret-99"
PG_SECRET = "PgSecret-55x"
SECRETS = (DEMO, WRONG, RESET, OWN, NEW_USER, PG_SECRET)


def _cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "",
         password: str | None = None) -> tuple[int, str]:  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    if password is None:
        monkeypatch.delenv("CSTRAINER_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("CSTRAINER_PASSWORD", password)
    code = main(["--debug", *argv])
    out, err = capsys.readouterr()
    return code, out + err


def test_passwords_never_leak(
    seeded_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if seeded_url.startswith("postgresql"):
        # the real server, reached through a URL that carries a password (the test server trusts
        # local connections and ignores it, a team server checks it: either way it must not leak)
        from sqlalchemy.engine import make_url

        seeded_url = make_url(seeded_url).set(password=PG_SECRET).render_as_string(hide_password=False)
    db = ["--db", seeded_url]
    terminal = []

    # GIVEN the demo agent logs in with the right password, then with a wrong one
    code, text = _cli(capsys, monkeypatch, *db, "--user", "kefu", "user", "history", "--json", password=DEMO)
    assert code == 0, text
    terminal.append(text)
    code, text = _cli(capsys, monkeypatch, *db, "--user", "kefu", "user", "history", password=WRONG)
    assert code == 1 and "密码" in text
    terminal.append(text)
    # a manager resets the password, the agent chooses an own one, a new account gets one
    code, text = _cli(capsys, monkeypatch, *db, "--user", "zhuguan", "user", "passwd", "kefu", "--password-stdin",
                      stdin=RESET + "\n", password=DEMO)  # fmt: skip
    assert code == 0, text
    terminal.append(text)
    # (the CLI has no prompt for the old password: an own change goes through the service, as the
    # GUI's password dialog does, with the CLI's debug logging still installed)
    s = Services(open_database(seeded_url))
    s.users.set_password(s.auth.login("kefu", RESET), "kefu", OWN, old_password=RESET)
    with pytest.raises(AuthenticationFailed):
        s.auth.login("kefu", RESET, source="gui")
    s.close()
    code, text = _cli(capsys, monkeypatch, *db, "user", "add", "lily", "--name", "李丽", "--role", "客服",
                      "--password-stdin", stdin=NEW_USER + "\n")  # fmt: skip
    assert code == 0, text
    terminal.append(text)
    # a PostgreSQL URL with a password, on the command line and in the environment (unreachable)
    pg = f"postgresql+psycopg://cstrainer:{PG_SECRET}@127.0.0.1:1/cstrainer"
    code, text = _cli(capsys, monkeypatch, "--db", pg, "db", "info")
    assert code == 1 and "无法连接数据库" in text and "cstrainer@127.0.0.1" in text
    terminal.append(text)
    monkeypatch.setenv("CSTRAINER_DB_URL", pg)
    code, text = _cli(capsys, monkeypatch, "db", "info")
    assert code == 1
    terminal.append(text)
    monkeypatch.delenv("CSTRAINER_DB_URL")
    # and a wrong password straight through the service, as the GUI's login dialog calls it
    s = Services(open_database(seeded_url))
    with pytest.raises(AuthenticationFailed):
        s.auth.login("lily", WRONG, source="gui")
    logging.getLogger("cstrainer.test").info("login failed for lily with %r", {"password": WRONG})

    # THEN no password is in the terminal output
    for text in terminal:
        for secret in SECRETS:
            assert secret not in text, (secret, text)
    # ... nor in any log file (the debug log did get written)
    logs = list(paths.log_dir().glob("cstrainer.log*"))
    content = "".join(p.read_text(encoding="utf-8") for p in logs)
    assert "debug=True" in content and "login failed for lily" in content
    for secret in SECRETS:
        assert secret not in content, secret
    # ... nor in the audit log, which did record the password changes
    entries = [r.to_json() for r in s.audit.iter_all(SYSTEM, AuditQuery())]
    assert {"user.password_reset", "user.password_changed", "user.add"} <= {e["action"] for e in entries}
    dump = json.dumps(entries, ensure_ascii=False)
    history = json.dumps([vars(r) for r in s.auth.history(SYSTEM, "kefu")], default=str)
    s.close()
    for secret in SECRETS:
        assert secret not in dump and secret not in history, secret
    # ... nor anywhere in the database file (passwords are stored as argon2 hashes only)
    if seeded_url.startswith("sqlite"):
        file = Path(seeded_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in file.parent.glob(file.name + "*"))
        for secret in SECRETS:
            assert secret.encode() not in raw, secret


def test_redact_scrubs_password_like_pairs() -> None:
    for line in (
        "password=Qwerty-1",
        "password: 'Qwerty-1'",
        '{"new_password": "Qwerty-1"}',
        "密码：Qwerty-1",
        "PWD=Qwerty-1 and more",
    ):
        assert "Qwerty-1" not in redact(line), line
