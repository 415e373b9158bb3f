"""Layout of the phrase-table import window: the dry-run summary, the details (added, changed,
problems, linter hits), the justification for flagged wordings and the buttons."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


class PhraseImportView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        font = self.summary_label.font()
        font.setBold(True)
        self.summary_label.setFont(font)
        outer.addWidget(self.summary_label)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        outer.addWidget(self.details, 1)
        row = QHBoxLayout()
        self.justification_label = QLabel(self.tr("保留违规用语的理由"))
        self.justification_edit = QLineEdit()
        self.justification_edit.setPlaceholderText(
            self.tr("如确需保留标出的用语，请写明理由（会记入操作日志）")
        )
        row.addWidget(self.justification_label)
        row.addWidget(self.justification_edit, 1)
        outer.addLayout(row)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("color: #c62828;")
        outer.addWidget(self.status_label)
        self.button_box = QDialogButtonBox()
        self.import_button = QPushButton(self.tr("导入"))
        self.button_box.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.button_box.addButton(QDialogButtonBox.StandardButton.Cancel)
        outer.addWidget(self.button_box)
