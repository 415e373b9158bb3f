"""Layout of 练习: the wrong-answer book, one practice question at a time, and the summary."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QFont,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREY
from cstrainer.gui.style import heading as _heading

PRIMARY = (
    "QPushButton { background: #1a73e8; color: white; border: none; border-radius: 4px;"
    " padding: 6px 18px; font-weight: bold; }"
    " QPushButton:disabled { background: #dadce0; color: #80868b; }"
)


class PracticePageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)

        # --- the book -----------------------------------------------------------------------------
        self.book_screen = QWidget()
        book = QVBoxLayout(self.book_screen)
        book.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.book_title = _heading(self.tr("错题本"))
        top.addWidget(self.book_title)
        top.addStretch(1)
        self.refresh_button = QPushButton(self.tr("刷新"))
        top.addWidget(self.refresh_button)
        self.start_button = QPushButton(self.tr("开始练习（10 题）"))
        self.start_button.setStyleSheet(PRIMARY)
        top.addWidget(self.start_button)
        book.addLayout(top)
        self.book_note = QLabel(
            self.tr(
                "考试和练习中答错的题会记到这里。在两个不同的日子各答对一次，题目就会移出错题本。"
                "每组练习先从错题本里选题，再从你得分较低的类别里补题。"
            )
        )
        self.book_note.setWordWrap(True)
        self.book_note.setStyleSheet(f"color: {GREY};")
        book.addWidget(self.book_note)
        self.book_table = QTableView()
        self.book_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.book_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.book_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.book_table.setAlternatingRowColors(True)
        self.book_table.setWordWrap(False)
        self.book_table.setSortingEnabled(True)
        self.book_table.verticalHeader().setVisible(False)
        self.book_table.verticalHeader().setDefaultSectionSize(30)
        book.addWidget(self.book_table, 1)
        self.empty_label = QLabel(self.tr("错题本是空的。继续保持！也可以直接开始练习，巩固得分较低的类别。"))
        self.empty_label.setStyleSheet(f"color: {GREY};")
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(False)
        book.addWidget(self.empty_label)
        self.stack.addWidget(self.book_screen)

        # --- one question -------------------------------------------------------------------------
        self.practice_screen = QWidget()
        run = QVBoxLayout(self.practice_screen)
        run.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.progress_label = _heading("")
        head.addWidget(self.progress_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(10)
        self.progress_bar.setMaximumWidth(260)
        head.addWidget(self.progress_bar)
        head.addStretch(1)
        self.source_label = QLabel()
        self.source_label.setStyleSheet(f"color: {GREY};")
        head.addWidget(self.source_label)
        run.addLayout(head)
        self.question_area = QScrollArea()
        self.question_area.setWidgetResizable(True)
        self.question_area.setFrameShape(QFrame.Shape.StyledPanel)
        self.question_holder = QWidget()
        self.question_layout = QVBoxLayout(self.question_holder)
        self.question_layout.setContentsMargins(16, 14, 16, 14)
        self.question_area.setWidget(self.question_holder)
        run.addWidget(self.question_area, 1)
        self.book_status_label = QLabel()
        self.book_status_label.setWordWrap(True)
        self.book_status_label.setVisible(False)
        run.addWidget(self.book_status_label)
        buttons = QHBoxLayout()
        self.stop_button = QPushButton(self.tr("结束练习"))
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        self.submit_button = QPushButton(self.tr("提交"))
        self.submit_button.setStyleSheet(PRIMARY)
        self.next_button = QPushButton(self.tr("下一题"))
        self.next_button.setStyleSheet(PRIMARY)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.next_button)
        run.addLayout(buttons)
        self.stack.addWidget(self.practice_screen)

        # --- summary ------------------------------------------------------------------------------
        self.summary_screen = QWidget()
        summary = QVBoxLayout(self.summary_screen)
        summary.addStretch(1)
        self.summary_title = _heading(self.tr("练习完成"), 1.6)
        summary.addWidget(self.summary_title)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        summary_font = QFont(self.summary_label.font())
        summary_font.setPointSizeF(summary_font.pointSizeF() * 1.15)
        self.summary_label.setFont(summary_font)
        summary.addWidget(self.summary_label)
        self.summary_wrong_label = QLabel()
        self.summary_wrong_label.setWordWrap(True)
        self.summary_wrong_label.setStyleSheet(f"color: {GREY};")
        summary.addWidget(self.summary_wrong_label)
        again = QHBoxLayout()
        self.again_button = QPushButton(self.tr("再练一组"))
        self.again_button.setStyleSheet(PRIMARY)
        self.back_button = QPushButton(self.tr("返回错题本"))
        again.addWidget(self.again_button)
        again.addWidget(self.back_button)
        again.addStretch(1)
        summary.addLayout(again)
        summary.addStretch(2)
        self.stack.addWidget(self.summary_screen)
