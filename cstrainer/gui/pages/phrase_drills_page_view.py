"""Layout of the 话术练习 page: a brand filter, then three tabs - shortcut recall, the typing
drill and the person's history."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE as GREY

PROMPT_STYLE = "background: #f4f8fd; border: 1px solid #c5d7ee; border-radius: 4px; padding: 12px;"
HISTORY_COLUMNS = ("时间", "练习", "内容", "结果", "用时", "字/分", "正确率", "净字/分")
TEAM_COLUMNS = ("姓名", "账号", "回忆次数", "回忆正确率", "待复习", "打字次数", "平均字/分", "最好净字/分")


def _bigger(widget: QWidget, factor: float) -> None:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    widget.setFont(font)


class PhraseDrillsPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("品牌")))
        self.brand_combo = QComboBox()
        self.brand_combo.setMinimumWidth(120)
        top.addWidget(self.brand_combo)
        top.addStretch(1)
        self.stats_label = QLabel()
        self.stats_label.setStyleSheet(GREY)
        top.addWidget(self.stats_label)
        outer.addLayout(top)

        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)

        # --- shortcut recall -------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        row = QHBoxLayout()
        self.recall_progress_label = QLabel()
        row.addWidget(self.recall_progress_label)
        self.recall_progress = QProgressBar()
        self.recall_progress.setTextVisible(False)
        self.recall_progress.setMaximumHeight(10)
        row.addWidget(self.recall_progress, 1)
        self.recall_start_button = QPushButton(self.tr("再来一组"))
        row.addWidget(self.recall_start_button)
        lay.addLayout(row)
        self.recall_prompt_label = QLabel()
        self.recall_prompt_label.setWordWrap(True)
        self.recall_prompt_label.setStyleSheet(PROMPT_STYLE)
        self.recall_prompt_label.setMinimumHeight(90)
        _bigger(self.recall_prompt_label, 1.3)
        lay.addWidget(self.recall_prompt_label)
        row = QHBoxLayout()
        self.recall_answer_edit = QLineEdit()
        self.recall_answer_edit.setPlaceholderText(self.tr("输入快捷编码（如 hy1）或写出话术，回车提交"))
        _bigger(self.recall_answer_edit, 1.2)
        row.addWidget(self.recall_answer_edit, 1)
        self.recall_submit_button = QPushButton(self.tr("提交"))
        self.recall_next_button = QPushButton(self.tr("下一题"))
        row.addWidget(self.recall_submit_button)
        row.addWidget(self.recall_next_button)
        lay.addLayout(row)
        self.recall_result_label = QLabel()
        self.recall_result_label.setWordWrap(True)
        self.recall_result_label.setMinimumHeight(80)
        _bigger(self.recall_result_label, 1.1)
        lay.addWidget(self.recall_result_label)
        lay.addStretch(1)
        hint = QLabel(
            self.tr(
                "答错的话术几分钟后会再次出现；答对的按记忆曲线（FSRS）安排下次复习。"
                "按意图出题时，同一意图下任一种团队说法都算对。"
            )
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(GREY)
        lay.addWidget(hint)
        self.tabs.addTab(page, self.tr("快捷码回忆"))

        # --- typing drill ------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel(self.tr("照着下面的团队话术输入（可以用任何中文输入法，只统计已上屏的文字）：")))
        self.typing_target = QPlainTextEdit()
        self.typing_target.setReadOnly(True)
        self.typing_target.setStyleSheet(PROMPT_STYLE)
        self.typing_target.setMaximumHeight(130)
        _bigger(self.typing_target, 1.25)
        lay.addWidget(self.typing_target)
        self.typing_edit = QPlainTextEdit()
        self.typing_edit.setPlaceholderText(self.tr("在这里输入；输入第一个字时开始计时"))
        self.typing_edit.setMaximumHeight(130)
        _bigger(self.typing_edit, 1.25)
        lay.addWidget(self.typing_edit)
        row = QHBoxLayout()
        self.typing_live_label = QLabel()
        self.typing_live_label.setStyleSheet(GREY)
        row.addWidget(self.typing_live_label, 1)
        self.typing_new_button = QPushButton(self.tr("换一段"))
        self.typing_done_button = QPushButton(self.tr("完成"))
        row.addWidget(self.typing_new_button)
        row.addWidget(self.typing_done_button)
        lay.addLayout(row)
        self.typing_result_label = QLabel()
        self.typing_result_label.setWordWrap(True)
        _bigger(self.typing_result_label, 1.15)
        lay.addWidget(self.typing_result_label)
        lay.addStretch(1)
        hint = QLabel(self.tr("字/分按已上屏的字数计算；净字/分按“错一罚五”：每错一个字扣五个正确字。"))
        hint.setWordWrap(True)
        hint.setStyleSheet(GREY)
        lay.addWidget(hint)
        self.tabs.addTab(page, self.tr("打字练习"))

        # --- history -----------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        self.history_summary = QLabel()
        self.history_summary.setWordWrap(True)
        lay.addWidget(self.history_summary)
        self.history_table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.history_table.setHorizontalHeaderLabels([self.tr(c) for c in HISTORY_COLUMNS])
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.verticalHeader().setVisible(False)
        self.history_table.setAlternatingRowColors(True)
        header = self.history_table.horizontalHeader()
        for column in range(len(HISTORY_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.history_table, 1)
        self.tabs.addTab(page, self.tr("练习记录"))

        # --- the team (trainers and managers; hidden for others) -----------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        self.team_summary = QLabel()
        self.team_summary.setWordWrap(True)
        lay.addWidget(self.team_summary)
        self.team_table = QTableWidget(0, len(TEAM_COLUMNS))
        self.team_table.setHorizontalHeaderLabels([self.tr(c) for c in TEAM_COLUMNS])
        self.team_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.team_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.team_table.verticalHeader().setVisible(False)
        self.team_table.setAlternatingRowColors(True)
        header = self.team_table.horizontalHeader()
        for column in range(len(TEAM_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.team_table, 1)
        self.team_tab_index = self.tabs.addTab(page, self.tr("团队情况"))
