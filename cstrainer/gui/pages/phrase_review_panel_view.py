"""Layout of the 评论 / 建议 panel beside the team phrase list: the thread of the selected phrase,
a text box with 发表评论 / 提议新说法, and (trainers) 采纳 / 不采纳."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE as GREY


class PhraseReviewPanelView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 0, 0, 0)
        title = QLabel(self.tr("评论与建议"))
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        outer.addWidget(title)
        self.phrase_label = QLabel()
        self.phrase_label.setWordWrap(True)
        self.phrase_label.setStyleSheet(GREY)
        outer.addWidget(self.phrase_label)
        self.thread_list = QListWidget()
        self.thread_list.setWordWrap(True)
        self.thread_list.setAlternatingRowColors(True)
        self.thread_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.thread_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        outer.addWidget(self.thread_list, 1)
        decide = QHBoxLayout()
        self.accept_button = QPushButton(self.tr("采纳"))
        self.accept_button.setToolTip(self.tr("采纳建议：用建议的说法替换这条话术（仍会检查违规用语）"))
        self.reject_button = QPushButton(self.tr("不采纳"))
        decide.addWidget(self.accept_button)
        decide.addWidget(self.reject_button)
        decide.addStretch(1)
        outer.addLayout(decide)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText(self.tr("写评论，或写出你建议的新说法…"))
        self.text_edit.setMaximumHeight(90)
        outer.addWidget(self.text_edit)
        buttons = QHBoxLayout()
        self.comment_button = QPushButton(self.tr("发表评论"))
        self.propose_button = QPushButton(self.tr("提议新说法"))
        buttons.addWidget(self.comment_button)
        buttons.addWidget(self.propose_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("color: #c62828;")
        outer.addWidget(self.status_label)
