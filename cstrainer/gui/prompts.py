"""Blocking questions to the person: confirmations, notices, file and folder choosers.

They are gathered here, as plain module functions, for one reason: tests replace them
(``monkeypatch.setattr(prompts, "confirm", lambda *a, **k: True)``) so no modal loop ever blocks
a test. Callers must therefore use ``prompts.confirm(...)``, not ``from ... import confirm``.
"""

from __future__ import annotations

from pathlib import Path

from cstrainer.gui.qt import QCoreApplication, QFileDialog, QMessageBox, Qt, QWidget


def confirm(
    parent: QWidget | None, title: str, text: str, *, ok_text: str | None = None, details: str = ""
) -> bool:
    """Ask a yes/no question; the safe answer (Cancel) is the default button."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    if details:
        box.setDetailedText(details)
    ok = box.addButton(
        ok_text or QCoreApplication.translate("prompts", "确定"), QMessageBox.ButtonRole.AcceptRole
    )
    cancel = box.addButton(QCoreApplication.translate("prompts", "取消"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is ok


def inform(parent: QWidget | None, title: str, text: str, *, details: str = "") -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    if details:
        box.setDetailedText(details)
    box.exec()


def about(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.about(parent, title, text)


def choose_directory(parent: QWidget | None, title: str, start: Path | None = None) -> Path | None:
    folder = QFileDialog.getExistingDirectory(parent, title, str(start or Path.home()))
    return Path(folder) if folder else None


def choose_open_file(
    parent: QWidget | None, title: str, start: Path | None = None, filters: str = ""
) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(start or Path.home()), filters)
    return Path(name) if name else None


def choose_save_file(
    parent: QWidget | None, title: str, start: Path | None = None, filters: str = ""
) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str(start or Path.home()), filters)
    return Path(name) if name else None
