"""Logging for the app and the command line: a rotating file, and the console with ``--debug``.

The log lives in ``paths.log_dir()/cstrainer.log`` (1 MB, five old files kept) so a trainer can
send it along with a bug report. Passwords are never written: services do not log them, and a
filter scrubs anything that looks like ``password=...`` in case a third-party library does.
No Qt here: the CLI uses the same setup.
"""

from __future__ import annotations

import logging
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from cstrainer import paths

LOG_FILENAME = "cstrainer.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)-7s [%(threadName)s] %(name)s: %(message)s"

# Marks the handlers this module installed, so calling setup_logging again replaces them
# instead of stacking duplicates (tests and the GUI's "restart after restore" call it twice).
_OURS = "_cstrainer_handler"

# key=value, key: value, "key": "value" for the usual names of secrets.
_SECRET_RE = re.compile(
    r"""(?ix)
    (?P<key>["']?(?:password|passwd|pwd|new_password|old_password|密码)["']?\s*[=:：]\s*)
    (?P<value>"[^"]*"|'[^']*'|\S+)
    """
)


def redact(text: str) -> str:
    """``text`` with the values of password-like ``key=value`` pairs replaced by ``***``."""
    return _SECRET_RE.sub(lambda m: f"{m.group('key')}***", text)


class RedactSecretsFilter(logging.Filter):
    """Scrub password-like values from a record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True


def setup_logging(debug: bool = False) -> Path:
    """Install the file handler (and a console handler when ``debug``); returns the log file."""
    log_file = paths.log_dir() / LOG_FILENAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()

    formatter = logging.Formatter(FORMAT)
    secrets = RedactSecretsFilter()

    file_handler = RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    file_handler.setFormatter(formatter)
    file_handler.addFilter(secrets)
    setattr(file_handler, _OURS, True)
    root.addHandler(file_handler)

    if debug:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(formatter)
        console.addFilter(secrets)
        setattr(console, _OURS, True)
        root.addHandler(console)

    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # SQL statements carry parameters (password hashes among them): never below WARNING, even
    # in debug mode. jieba announces its dictionary loading at DEBUG on every start.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.INFO if debug else logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.INFO)
    logging.captureWarnings(True)
    logging.getLogger(__name__).info("logging to %s (debug=%s)", log_file, debug)
    return log_file
