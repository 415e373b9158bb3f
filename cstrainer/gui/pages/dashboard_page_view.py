"""Layout of the 报表 page: the filter row (period, team, person) and six tabs, plus the
导出报表 dialog.

::

    时间 [本周 v] [2026-11-30]–[2026-12-06]  团队 [全部团队 v]  人员 [全部人员 v]   正在加载…  [刷新] [导出报表…]
    +-- 团队概览 | 个人画像 | 场景统计 | 题目统计 | 排行榜 | 薄弱点 ------------------------------------+
    | [人数 12 · 活跃 9] [考试 40 次] [通过率 82%] [任务完成率 64%] [对话模拟 31 场] [平均分 78.4]          |
    | +-- 各维度平均分 ---------+ +-- 回复用时分布 ----------+ +-- 成绩趋势 ---------------+              |
    | |  bars                   | |  histogram               | |  lines                    |              |
    +--------------------------------------------------------------------------------------------------+
"""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import BLUE, MUTED_STYLE, bold
from cstrainer.gui.widgets.charts import ChartPanel

CARD_STYLE = (
    "QFrame#statcard { background: #f7f9fc; border: 1px solid #d6dde8; border-radius: 6px; }"
    " QFrame#statcard QLabel { border: none; background: transparent; }"
)
DATE_FORMAT = "yyyy-MM-dd"
SCENARIO_CHART_ROWS = 8


def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(MUTED_STYLE)
    return label


def table_view(stretch: int | None = 0) -> QTableView:
    """A read-only, sortable table with whole-row selection."""
    view = QTableView()
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    view.verticalHeader().setVisible(False)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setStretchLastSection(stretch is None)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setMinimumSectionSize(60)
    view.setProperty("stretch_column", stretch)
    return view


def stretch_column(view: QTableView) -> None:
    """After a model is set: the chosen column takes the spare width (the others fit their text)."""
    column = view.property("stretch_column")
    if isinstance(column, int) and view.model() is not None and column < view.model().columnCount():
        view.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


class StatCard(QFrame):
    """A big number with a caption under it (and a grey detail line)."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statcard")
        self.setStyleSheet(CARD_STYLE)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(2)
        self.value_label = bold(QLabel("—"), 1.6)
        self.value_label.setStyleSheet(f"color: {BLUE};")
        self.caption_label = QLabel(caption)
        self.detail_label = _hint()
        lay.addWidget(self.value_label)
        lay.addWidget(self.caption_label)
        lay.addWidget(self.detail_label)

    def set(self, value: str, detail: str = "") -> None:
        self.value_label.setText(value)
        self.detail_label.setText(detail)


class DashboardPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        # --- filters -------------------------------------------------------------------------------
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("时间")))
        self.period_combo = QComboBox()
        top.addWidget(self.period_combo)
        self.from_edit = QDateEdit()
        self.to_edit = QDateEdit()
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(DATE_FORMAT)
        top.addWidget(self.from_edit)
        self.dash_label = QLabel("–")
        top.addWidget(self.dash_label)
        top.addWidget(self.to_edit)
        top.addSpacing(12)
        self.team_label = QLabel(self.tr("团队"))
        top.addWidget(self.team_label)
        self.team_combo = QComboBox()
        self.team_combo.setMinimumWidth(130)
        top.addWidget(self.team_combo)
        self.person_label = QLabel(self.tr("人员"))
        top.addWidget(self.person_label)
        self.person_combo = QComboBox()
        self.person_combo.setMinimumWidth(170)
        self.person_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        top.addWidget(self.person_combo)
        top.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setStyleSheet(MUTED_STYLE)
        top.addWidget(self.status_label)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.export_button = QPushButton(self.tr("导出报表…"))
        self.export_button.setToolTip(self.tr("把日报、周报或月报保存为 Excel（xlsx）或 PDF 文件"))
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        outer.addLayout(top)

        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)

        # --- 团队概览 ------------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        cards = QHBoxLayout()
        self.people_card = StatCard(self.tr("人数（活跃）"))
        self.exams_card = StatCard(self.tr("考试次数"))
        self.pass_card = StatCard(self.tr("考试通过率"))
        self.done_card = StatCard(self.tr("任务完成率"))
        self.sessions_card = StatCard(self.tr("对话模拟场次"))
        self.score_card = StatCard(self.tr("对话模拟平均分"))
        self.cards = (
            self.people_card,
            self.exams_card,
            self.pass_card,
            self.done_card,
            self.sessions_card,
            self.score_card,
        )
        for card in self.cards:
            cards.addWidget(card, 1)
        lay.addLayout(cards)
        charts = QHBoxLayout()
        self.dimension_chart = ChartPanel(self.tr("对话模拟各维度平均分"))
        self.response_chart = ChartPanel(self.tr("平均回复用时分布"))
        self.score_trend_chart = ChartPanel(self.tr("成绩趋势"))
        for chart in (self.dimension_chart, self.response_chart, self.score_trend_chart):
            charts.addWidget(chart, 1)
        lay.addLayout(charts, 1)
        self.overview_hint = _hint()
        lay.addWidget(self.overview_hint)
        self.overview_tab = self.tabs.addTab(page, self.tr("团队概览"))

        # --- 个人画像 ------------------------------------------------------------------------------
        page = QWidget()
        grid = QGridLayout(page)
        self.profile_header = QLabel()
        self.profile_header.setWordWrap(True)
        self.profile_header.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(self.profile_header, 0, 0, 1, 3)
        self.exam_trend_chart = ChartPanel(self.tr("考试成绩趋势"), min_height=200)
        self.roleplay_trend_chart = ChartPanel(self.tr("对话模拟得分趋势"), min_height=200)
        self.radar_chart = ChartPanel(self.tr("对话模拟五维雷达"), min_height=200)
        grid.addWidget(self.exam_trend_chart, 1, 0)
        grid.addWidget(self.roleplay_trend_chart, 1, 1)
        grid.addWidget(self.radar_chart, 1, 2)
        box = QGroupBox(self.tr("薄弱题目类别"))
        box_lay = QVBoxLayout(box)
        self.weak_categories_table = table_view(0)
        box_lay.addWidget(self.weak_categories_table)
        grid.addWidget(box, 2, 0)
        box = QGroupBox(self.tr("错题本主题"))
        box_lay = QVBoxLayout(box)
        self.wrong_topics_table = table_view(0)
        box_lay.addWidget(self.wrong_topics_table)
        grid.addWidget(box, 2, 1)
        box = QGroupBox(self.tr("话术与打字"))
        box_lay = QVBoxLayout(box)
        self.profile_skills = QLabel()
        self.profile_skills.setWordWrap(True)
        self.profile_skills.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        box_lay.addWidget(self.profile_skills, 1)
        grid.addWidget(box, 2, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(2, 2)
        self.profile_tab = self.tabs.addTab(page, self.tr("个人画像"))

        # --- 场景统计 ------------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        self.scenario_hint = _hint()
        lay.addWidget(self.scenario_hint)
        body = QHBoxLayout()
        self.scenario_table = table_view(0)
        body.addWidget(self.scenario_table, 3)
        self.scenario_chart = ChartPanel(
            self.tr("各场景平均分（练得最多的 {n} 个）").format(n=SCENARIO_CHART_ROWS)
        )
        body.addWidget(self.scenario_chart, 2)
        lay.addLayout(body, 1)
        self.scenarios_tab = self.tabs.addTab(page, self.tr("场景统计"))

        # --- 题目统计 ------------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        row = QHBoxLayout()
        self.question_hint = _hint()
        row.addWidget(self.question_hint, 1)
        self.question_search = QLineEdit()
        self.question_search.setClearButtonEnabled(True)
        self.question_search.setPlaceholderText(self.tr("搜索题目或类别…"))
        self.question_search.setMinimumWidth(240)
        row.addWidget(self.question_search)
        lay.addLayout(row)
        self.question_table = table_view(1)
        lay.addWidget(self.question_table, 1)
        self.questions_tab = self.tabs.addTab(page, self.tr("题目统计"))

        # --- 排行榜 --------------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("指标")))
        self.metric_combo = QComboBox()
        self.metric_combo.setMinimumWidth(160)
        row.addWidget(self.metric_combo)
        row.addStretch(1)
        self.opt_in_check = QCheckBox(self.tr("我参加排行榜（同组同事可以看到我的名次）"))
        row.addWidget(self.opt_in_check)
        lay.addLayout(row)
        body = QHBoxLayout()
        self.leaderboard_table = table_view(1)
        body.addWidget(self.leaderboard_table, 2)
        self.leaderboard_chart = ChartPanel(self.tr("排行"))
        body.addWidget(self.leaderboard_chart, 3)
        lay.addLayout(body, 1)
        self.leaderboard_hint = _hint(
            self.tr("排行榜只列出自愿参加的同事；不参加的人不会出现在任何排行榜上。")
        )
        lay.addWidget(self.leaderboard_hint)
        self.leaderboard_tab = self.tabs.addTab(page, self.tr("排行榜"))

        # --- 薄弱点 --------------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        row = QHBoxLayout()
        self.weak_scope_label = QLabel()
        bold(self.weak_scope_label)
        row.addWidget(self.weak_scope_label, 1)
        self.drill_button = QPushButton(self.tr("布置薄弱点通关…"))
        self.drill_button.setToolTip(
            self.tr("把选中的薄弱点（没选时取最薄弱的一项）布置成练习任务，发给当前人员或团队")
        )
        row.addWidget(self.drill_button)
        lay.addLayout(row)
        # categories and QC items side by side, the (long) scenario key points under them, full width
        tables = QGridLayout()
        box = QGroupBox(self.tr("题目类别"))
        box_lay = QVBoxLayout(box)
        self.weak_category_table = table_view(0)
        box_lay.addWidget(self.weak_category_table)
        tables.addWidget(box, 0, 0)
        box = QGroupBox(self.tr("质检项（违禁用语、禁止动作）"))
        box_lay = QVBoxLayout(box)
        self.weak_qc_table = table_view(0)
        box_lay.addWidget(self.weak_qc_table)
        tables.addWidget(box, 0, 1)
        box = QGroupBox(self.tr("场景关键点"))
        box_lay = QVBoxLayout(box)
        self.weak_key_point_table = table_view(0)
        box_lay.addWidget(self.weak_key_point_table)
        tables.addWidget(box, 1, 0, 1, 2)
        tables.setColumnStretch(0, 1)
        tables.setColumnStretch(1, 1)
        lay.addLayout(tables, 1)
        self.weak_hint = _hint(
            self.tr(
                "失分率 = 未做到的次数 ÷ 应做到的次数，按失分次数排列（点列标题可改按失分率）。选中一行再点“布置薄弱点通关”。"
            )
        )
        lay.addWidget(self.weak_hint)
        self.weak_tab = self.tabs.addTab(page, self.tr("薄弱点"))


class ExportDialogView(QDialog):
    """导出报表: whose report, which period, the date it covers and the file type."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导出报表"))
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        scope = QHBoxLayout()
        self.agent_radio = QRadioButton(self.tr("个人"))
        self.team_radio = QRadioButton(self.tr("团队"))
        scope.addWidget(self.agent_radio)
        scope.addWidget(self.team_radio)
        scope.addStretch(1)
        form.addRow(self.tr("报表对象"), scope)
        self.target_combo = QComboBox()
        self.target_combo.setMinimumWidth(220)
        form.addRow(self.tr("人员/团队"), self.target_combo)
        period = QHBoxLayout()
        self.day_radio = QRadioButton(self.tr("日报"))
        self.week_radio = QRadioButton(self.tr("周报"))
        self.month_radio = QRadioButton(self.tr("月报"))
        for radio in (self.day_radio, self.week_radio, self.month_radio):
            period.addWidget(radio)
        period.addStretch(1)
        form.addRow(self.tr("周期"), period)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(DATE_FORMAT)
        form.addRow(self.tr("日期"), self.date_edit)
        self.period_hint = _hint()
        form.addRow("", self.period_hint)
        fmt = QHBoxLayout()
        self.xlsx_radio = QRadioButton(self.tr("Excel（xlsx）"))
        self.pdf_radio = QRadioButton(self.tr("PDF"))
        fmt.addWidget(self.xlsx_radio)
        fmt.addWidget(self.pdf_radio)
        fmt.addStretch(1)
        form.addRow(self.tr("格式"), fmt)
        # radio buttons of one parent are exclusive all together: one group per question
        self.scope_group = QButtonGroup(self)
        self.period_group = QButtonGroup(self)
        self.format_group = QButtonGroup(self)
        for group, radios in (
            (self.scope_group, (self.agent_radio, self.team_radio)),
            (self.period_group, (self.day_radio, self.week_radio, self.month_radio)),
            (self.format_group, (self.xlsx_radio, self.pdf_radio)),
        ):
            for radio in radios:
                group.addButton(radio)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        form.addRow("", self.message_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("导出…"))
        form.addRow(self.buttons)
