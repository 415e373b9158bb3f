"""Layout of the scenario picker: filters, the scenario table, the selected scenario's goal and the
start buttons (normal, voice, rush)."""

from __future__ import annotations

from cstrainer.gui.pages.exams_page_view import stretch_first_column
from cstrainer.gui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFont,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREY

PRIMARY = (
    "QPushButton { background: #1677ff; color: white; border: none; border-radius: 4px;"
    " padding: 6px 18px; font-weight: bold; }"
    " QPushButton:disabled { background: #dadce0; color: #80868b; }"
)

__all__ = ["ScenarioPickerView", "stretch_first_column"]


class ScenarioPickerView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)

        # the main window already shows the page title
        intro = QLabel(self.tr("选择一个场景，和模拟顾客聊一聊：每条回复都会按要点、规范、时效和合规打分。"))
        intro.setStyleSheet(f"color: {GREY};")
        intro.setWordWrap(True)
        outer.addWidget(intro)

        filters = QHBoxLayout()
        self.stage_combo = QComboBox()
        self.brand_combo = QComboBox()
        self.persona_combo = QComboBox()
        self.difficulty_combo = QComboBox()
        for label, combo in (
            (self.tr("阶段"), self.stage_combo),
            (self.tr("品牌"), self.brand_combo),
            (self.tr("顾客类型"), self.persona_combo),
            (self.tr("难度"), self.difficulty_combo),
        ):
            filters.addWidget(QLabel(label))
            combo.setMinimumWidth(90)
            filters.addWidget(combo)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("搜索场景标题或目标"))
        self.search_edit.setClearButtonEnabled(True)
        filters.addWidget(self.search_edit, 1)
        outer.addLayout(filters)

        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        outer.addWidget(self.table, 1)

        self.detail = QFrame()
        self.detail.setObjectName("scenarioDetail")
        self.detail.setStyleSheet(
            "QFrame#scenarioDetail { background: #f8f9fa; border: 1px solid #dadce0; border-radius: 8px; }"
            " QFrame#scenarioDetail QLabel { border: none; background: transparent; }"
        )
        dl = QVBoxLayout(self.detail)
        dl.setContentsMargins(14, 10, 14, 10)
        self.detail_title = QLabel()
        f = QFont(self.detail_title.font())
        f.setBold(True)
        self.detail_title.setFont(f)
        self.detail_title.setWordWrap(True)
        dl.addWidget(self.detail_title)
        self.detail_goal = QLabel()
        self.detail_goal.setWordWrap(True)
        self.detail_goal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dl.addWidget(self.detail_goal)
        self.detail_facts = QLabel()
        self.detail_facts.setStyleSheet(f"color: {GREY};")
        self.detail_facts.setWordWrap(True)
        dl.addWidget(self.detail_facts)
        outer.addWidget(self.detail)

        actions = QHBoxLayout()
        self.start_button = QPushButton(self.tr("开始对话"))
        self.start_button.setStyleSheet(PRIMARY)
        actions.addWidget(self.start_button)
        self.voice_button = QPushButton(self.tr("语音模式"))
        self.voice_button.setToolTip(self.tr("顾客的话会读出来，适合电话客服练习"))
        actions.addWidget(self.voice_button)
        self.rush_button = QPushButton(self.tr("大促模式"))
        self.rush_button.setToolTip(self.tr("3-5 位顾客同时咨询（选中 3-5 个场景，或从列表中随机挑选）"))
        actions.addWidget(self.rush_button)
        self.resume_button = QPushButton()
        self.resume_button.setToolTip(self.tr("上次关闭程序时还没结束的对话，可以接着聊"))
        self.resume_button.setVisible(False)
        actions.addWidget(self.resume_button)
        self.feedback_box = QCheckBox(self.tr("练习模式（每条回复即时点评）"))
        self.feedback_box.setChecked(True)
        actions.addWidget(self.feedback_box)
        actions.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setStyleSheet(f"color: {GREY};")
        actions.addWidget(self.count_label)
        self.refresh_button = QPushButton(self.tr("刷新"))
        actions.addWidget(self.refresh_button)
        outer.addLayout(actions)

        self.empty_label = QLabel(self.tr("还没有对话场景。培训师导入或编写场景后会出现在这里。"))
        self.empty_label.setStyleSheet(f"color: {GREY};")
        self.empty_label.setVisible(False)
        outer.addWidget(self.empty_label)
