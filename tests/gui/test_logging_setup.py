"""cstrainer.logging_setup (no Qt; tested here because it belongs to the app shell)."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from cstrainer.logging_setup import BACKUP_COUNT, MAX_BYTES, redact, setup_logging


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_cstrainer_handler", False)]


def test_file_in_the_log_dir_rotating(restore_logging: None, tmp_path: Path) -> None:
    path = setup_logging()
    assert path == tmp_path / "home" / "logs" / "cstrainer.log"
    handlers = _ours()
    assert len(handlers) == 1 and isinstance(handlers[0], RotatingFileHandler)
    assert (handlers[0].maxBytes, handlers[0].backupCount) == (MAX_BYTES, BACKUP_COUNT) == (1_000_000, 5)
    assert logging.getLogger().level == logging.INFO
    logging.getLogger("cstrainer.x").debug("not at INFO")
    logging.getLogger("cstrainer.x").info("written")
    text = path.read_text(encoding="utf-8")
    assert "written" in text and "not at INFO" not in text


def test_debug_adds_the_console_and_calling_twice_does_not_duplicate(restore_logging: None) -> None:
    setup_logging(debug=True)
    setup_logging(debug=True)
    kinds = sorted(type(h).__name__ for h in _ours())
    assert kinds == ["RotatingFileHandler", "StreamHandler"]
    assert logging.getLogger().level == logging.DEBUG
    setup_logging(debug=False)
    assert [type(h).__name__ for h in _ours()] == ["RotatingFileHandler"]


def test_redact() -> None:
    assert redact("password=hunter22 user=boss") == "password=*** user=boss"
    assert redact("{'login': 'boss', 'password': 'x y'}") == "{'login': 'boss', 'password': ***}"
    assert redact("新密码：abc12345") == "新密码：***"
    assert redact("登录名：boss") == "登录名：boss"
