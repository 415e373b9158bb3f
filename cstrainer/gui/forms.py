"""Form dialogs whose OK button runs one service call on the database thread.

A :class:`FormDialog` lays out labelled fields, each with an inline message line under it, plus a
general message line above the buttons. Subclasses build their fields in ``__init__`` and override
:meth:`FormDialog.check` (local validation: which field, what is wrong) and
:meth:`FormDialog.make_job` (read the widget values *now* and return a callable for the database
thread). On OK the dialog validates, disables itself, runs the job, and either accepts (emitting
``succeeded`` with the job's result) or shows the service's refusal inline - under the field named
by ``InvalidInput.field`` when there is one. Bugs go to the error dialog.

These dialogs only collect input and call one service, so layout and behaviour share a class;
pages with real controller logic keep a separate ``*_view.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cstrainer.gui import errors
from cstrainer.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services.errors import InvalidInput

ERROR_STYLE = "color: #c62828;"
INFO_STYLE = "color: #555555;"


def message_label(parent: QWidget | None = None) -> QLabel:
    """A wrapped, red, initially hidden line for inline messages."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


def set_message(label: QLabel, text: str | None) -> None:
    label.setText(text or "")
    label.setVisible(bool(text))


def password_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


Problem = tuple[str | None, str]  # (field key or None for the general line, message)


class FormDialog(QDialog):
    succeeded = Signal(object)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None, *, title: str = "") -> None:
        super().__init__(parent)
        self.runner = runner
        self.result_value: Any = None
        self._busy = False
        self._fields: dict[str, QWidget] = {}
        self._field_messages: dict[str, QLabel] = {}
        if title:
            self.setWindowTitle(title)
        self.setMinimumWidth(420)

        self.main_layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setVisible(False)
        self.main_layout.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.main_layout.addLayout(self.form)
        self.message = message_label()
        self.main_layout.addWidget(self.message)
        self.main_layout.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button.setText(self.tr("确定"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.main_layout.addWidget(self.buttons)

    # --- building --------------------------------------------------------------------------------

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def set_intro(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.setVisible(bool(text))

    def add_field(self, key: str, label: str, widget: QWidget, hint: str = "") -> QWidget:
        """Add a labelled field with its own message line (and an optional grey hint)."""
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setWordWrap(True)
            hint_label.setStyleSheet(INFO_STYLE)
            lay.addWidget(hint_label)
        msg = message_label()
        lay.addWidget(msg)
        self.form.addRow(label, box)
        self._fields[key] = widget
        self._field_messages[key] = msg
        return widget

    def field(self, key: str) -> QWidget:
        return self._fields[key]

    # --- messages --------------------------------------------------------------------------------

    def show_problem(self, field: str | None, text: str) -> None:
        if field in self._field_messages:
            set_message(self._field_messages[field], text)
            self._fields[field].setFocus()
        else:
            set_message(self.message, text)

    def clear_problems(self) -> None:
        for label in self._field_messages.values():
            set_message(label, None)
        set_message(self.message, None)

    def field_message(self, key: str) -> str:
        return self._field_messages[key].text()

    def general_message(self) -> str:
        return self.message.text()

    # --- to override -----------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        """Problems found without asking the database (empty: go ahead)."""
        return []

    def make_job(self) -> Callable[[], Any]:
        """Read the fields now and return the call to run on the database thread."""
        raise NotImplementedError

    def on_refused(self, exc: Exception) -> None:
        """A service refused (expected error): show it inline. Override for special cases."""
        self.show_problem(exc.field if isinstance(exc, InvalidInput) else None, str(exc))

    # --- running ---------------------------------------------------------------------------------

    def accept(self) -> None:
        if self._busy:
            return
        self.clear_problems()
        problems = self.check()
        if problems:
            for field, text in reversed(problems):  # reversed: focus ends on the first one
                self.show_problem(field, text)
            return
        job = self.make_job()
        self.set_busy(True)
        self.runner.db(job, on_done=self._done, on_error=self._failed, owner=self)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ok_button.setEnabled(not busy)
        for widget in self._fields.values():
            widget.setEnabled(not busy)

    @property
    def busy(self) -> bool:
        return self._busy

    def handle_result(self, result: Any) -> None:
        """The job succeeded. Default: close the dialog with it; override to ask a follow-up."""
        self.finish(result)

    def finish(self, result: Any) -> None:
        """Close the dialog as accepted, with ``result`` (also emitted as ``succeeded``)."""
        self.result_value = result
        self.succeeded.emit(result)
        QDialog.accept(self)  # not self.accept(): that would validate and submit again

    def _done(self, result: Any) -> None:
        self.set_busy(False)
        self.handle_result(result)

    def _failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        if errors.is_expected(exc) and isinstance(exc, Exception):
            self.on_refused(exc)
        else:
            errors.show_error(self, exc)

    def reject(self) -> None:
        if self._busy:  # the call is under way; closing now would hide its outcome
            return
        super().reject()
