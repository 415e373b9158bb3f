"""Layout of 对话记录: the session list and the progress (per scenario and dimension), and the
session screen: the replayed transcript on the left, scorecard and comments on the right."""

from __future__ import annotations

from cstrainer.gui.pages.exams_page_view import stretch_first_column
from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREY
from cstrainer.gui.style import heading as _heading
from cstrainer.gui.widgets.chat_bubbles import ChatTranscript

__all__ = ["HistoryListView", "SessionReplayView", "stretch_first_column"]


def _table(multi: bool = False) -> QTableView:
    table = QTableView()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setSortingEnabled(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(28)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class HistoryListView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        top = QHBoxLayout()  # the main window already shows the page title
        top.addStretch(1)
        self.person_label = QLabel(self.tr("学员"))
        top.addWidget(self.person_label)
        self.person_combo = QComboBox()
        self.person_combo.setMinimumWidth(160)
        top.addWidget(self.person_combo)
        self.refresh_button = QPushButton(self.tr("刷新"))
        top.addWidget(self.refresh_button)
        outer.addLayout(top)

        self.tabs = QTabWidget()
        sessions = QWidget()
        sl = QVBoxLayout(sessions)
        self.sessions_table = _table()
        sl.addWidget(self.sessions_table, 1)
        actions = QHBoxLayout()
        self.open_button = QPushButton(self.tr("查看与回放"))
        self.open_button.setStyleSheet(
            "QPushButton { background: #1677ff; color: white; border: none; border-radius: 4px;"
            " padding: 6px 18px; font-weight: bold; }"
            " QPushButton:disabled { background: #dadce0; color: #80868b; }"
        )
        actions.addWidget(self.open_button)
        self.empty_label = QLabel(self.tr("还没有对话记录。去“对话模拟”和模拟顾客聊一聊吧。"))
        self.empty_label.setStyleSheet(f"color: {GREY};")
        actions.addWidget(self.empty_label)
        actions.addStretch(1)
        sl.addLayout(actions)
        self.tabs.addTab(sessions, self.tr("对话记录"))

        progress = QWidget()
        pl = QVBoxLayout(progress)
        self.progress_summary = QLabel()
        self.progress_summary.setWordWrap(True)
        pl.addWidget(self.progress_summary)
        self.dimensions_box = QGroupBox(self.tr("各维度平均分"))
        self.dimensions_grid = QGridLayout(self.dimensions_box)
        self.dimensions_grid.setColumnStretch(1, 1)
        self.dimension_bars: dict[str, QProgressBar] = {}
        pl.addWidget(self.dimensions_box)
        pl.addWidget(_heading(self.tr("各场景进度"), 1.0))
        self.progress_table = _table()
        pl.addWidget(self.progress_table, 1)
        self.tabs.addTab(progress, self.tr("学习进度"))
        outer.addWidget(self.tabs, 1)

    def set_dimension(self, row: int, name: str, value: float | None) -> QProgressBar:
        bar = self.dimension_bars.get(name)
        if bar is None:
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setMaximumHeight(18)
            bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.dimensions_grid.addWidget(QLabel(name), row, 0)
            self.dimensions_grid.addWidget(bar, row, 1)
            self.dimension_bars[name] = bar
        v = 0 if value is None else round(value)
        colour = "#2e7d32" if v >= 80 else ("#ef6c00" if v >= 60 else "#c62828")
        bar.setValue(v)
        bar.setFormat("—" if value is None else f"{value:.0f}")
        bar.setStyleSheet(
            "QProgressBar { border: 1px solid #dadce0; border-radius: 4px; background: #ffffff;"
            " text-align: center; }"
            f" QProgressBar::chunk {{ background: {colour}; border-radius: 3px; }}"
        )
        return bar


class SessionReplayView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← 返回对话记录"))
        top.addWidget(self.back_button)
        self.title_label = _heading("", 1.05)
        self.title_label.setWordWrap(True)
        top.addWidget(self.title_label, 1)
        self.regrade_button = QPushButton(self.tr("按当前场景重新评分"))
        self.regrade_button.setToolTip(self.tr("场景修改后，用现在的要点和规则重新给这次对话打分"))
        top.addWidget(self.regrade_button)
        outer.addLayout(top)
        self.info_label = QLabel()
        self.info_label.setStyleSheet(f"color: {GREY};")
        self.info_label.setWordWrap(True)
        outer.addWidget(self.info_label)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        self.play_button = QPushButton(self.tr("▶ 回放"))
        controls.addWidget(self.play_button)
        self.step_button = QPushButton(self.tr("下一句"))
        controls.addWidget(self.step_button)
        self.all_button = QPushButton(self.tr("显示全部"))
        controls.addWidget(self.all_button)
        controls.addWidget(QLabel(self.tr("速度")))
        self.speed_combo = QComboBox()
        for label, speed in (("1×", 1.0), ("2×", 2.0), ("4×", 4.0), ("10×", 10.0)):
            self.speed_combo.addItem(label, speed)
        self.speed_combo.setCurrentIndex(1)
        controls.addWidget(self.speed_combo)
        controls.addStretch(1)
        self.position_label = QLabel()
        self.position_label.setStyleSheet(f"color: {GREY};")
        controls.addWidget(self.position_label)
        ll.addLayout(controls)
        self.transcript = ChatTranscript()
        self.transcript.setStyleSheet("QScrollArea { border: 1px solid #e3e5e8; }")
        ll.addWidget(self.transcript, 1)
        splitter.addWidget(left)

        self.side_tabs = QTabWidget()
        self.scorecard_host = QWidget()
        self.scorecard_layout = QVBoxLayout(self.scorecard_host)
        self.scorecard_layout.setContentsMargins(4, 4, 4, 4)
        self.side_tabs.addTab(self.scorecard_host, self.tr("评分"))
        comments = QWidget()
        cl = QVBoxLayout(comments)
        self.comments_list = QListWidget()
        self.comments_list.setWordWrap(True)
        cl.addWidget(self.comments_list, 1)
        self.comment_box = QGroupBox(self.tr("点评一条回复"))
        form = QVBoxLayout(self.comment_box)
        self.reply_combo = QComboBox()
        form.addWidget(self.reply_combo)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setPlaceholderText(self.tr("写下对这条回复的点评，学员会看到"))
        self.comment_edit.setFixedHeight(80)
        form.addWidget(self.comment_edit)
        self.comment_button = QPushButton(self.tr("添加点评"))
        form.addWidget(self.comment_button, 0, Qt.AlignmentFlag.AlignRight)
        cl.addWidget(self.comment_box)
        self.side_tabs.addTab(comments, self.tr("点评"))
        splitter.addWidget(self.side_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([560, 440])
        outer.addWidget(splitter, 1)
