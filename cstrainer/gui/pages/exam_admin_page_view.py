"""Layout of the 试卷管理 page: four tabs - exam definitions, review queue, item statistics, attempts."""

from __future__ import annotations

from cstrainer.domain.questions import TYPE_LABELS, QuestionType
from cstrainer.gui.forms import INFO_STYLE, message_label
from cstrainer.gui.qt import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    Qt,
    QTableView,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

ROLE_CHOICES = (("trainee", "新人"), ("agent", "客服"), ("trainer", "培训师/质检"), ("manager", "主管"))


def table_view(*, multi: bool = False) -> QTableView:
    table = QTableView()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multi
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setHighlightSections(False)
    return table


def fit_columns(table: QTableView, stretch: int) -> None:
    header = table.horizontalHeader()
    for column in range(header.count()):
        header.setSectionResizeMode(
            column,
            QHeaderView.ResizeMode.Stretch if column == stretch else QHeaderView.ResizeMode.ResizeToContents,
        )


def grey(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(INFO_STYLE)
    return label


def scrolling(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(widget)
    return scroll


def datetime_edit() -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setMinimumWidth(150)
    return edit


# --- 试卷 ---------------------------------------------------------------------------------------------


class ExamsTabView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter)

        # left: the exams
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.exam_table = table_view()
        ll.addWidget(self.exam_table, 1)
        row = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新建试卷"))
        self.copy_button = QPushButton(self.tr("复制为新试卷"))
        self.refresh_button = QPushButton(self.tr("刷新"))
        row.addWidget(self.new_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        ll.addLayout(row)
        left.setMinimumWidth(260)
        splitter.addWidget(left)

        # right: the definition form
        form_host = QWidget()
        fl = QVBoxLayout(form_host)
        fl.setContentsMargins(4, 0, 4, 0)

        basics = QGroupBox(self.tr("基本设置"))
        bf = QFormLayout(basics)
        bf.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText(self.tr("小写字母、数字和 - _ .，如 onboarding-entry"))
        bf.addRow(self.tr("编号"), self.key_edit)
        self.title_edit = QLineEdit()
        bf.addRow(self.tr("标题"), self.title_edit)
        self.purpose_combo = QComboBox()
        for purpose in ("入职考试", "上岗检测", "专项"):
            self.purpose_combo.addItem(purpose, purpose)
        nums = QHBoxLayout()
        self.time_spin = QSpinBox()
        self.time_spin.setRange(1, 600)
        self.time_spin.setSuffix(self.tr(" 分钟"))
        self.pass_spin = QSpinBox()
        self.pass_spin.setRange(0, 100)
        self.pass_spin.setSuffix(" %")
        self.attempts_spin = QSpinBox()
        self.attempts_spin.setRange(1, 99)
        self.attempts_spin.setSuffix(self.tr(" 次"))
        nums.addWidget(self.purpose_combo)
        nums.addSpacing(12)
        for label, spin in (
            (self.tr("时长"), self.time_spin),
            (self.tr("及格线"), self.pass_spin),
            (self.tr("可考"), self.attempts_spin),
        ):
            nums.addWidget(QLabel(label))
            nums.addWidget(spin)
        nums.addStretch(1)
        bf.addRow(self.tr("用途"), nums)
        checks = QHBoxLayout()
        self.shuffle_questions_check = QCheckBox(self.tr("打乱题目顺序"))
        self.shuffle_options_check = QCheckBox(self.tr("打乱选项顺序"))
        self.show_answers_check = QCheckBox(self.tr("交卷后显示答案和解析"))
        for check in (self.shuffle_questions_check, self.shuffle_options_check, self.show_answers_check):
            checks.addWidget(check)
        checks.addStretch(1)
        bf.addRow(self.tr("选项"), checks)
        focus = QHBoxLayout()
        self.focus_spin = QSpinBox()
        self.focus_spin.setRange(1, 99)
        self.focus_spin.setSuffix(self.tr(" 次"))
        self.focus_unlimited = QCheckBox(self.tr("不限"))
        focus.addWidget(self.focus_spin)
        focus.addWidget(self.focus_unlimited)
        focus.addWidget(grey(self.tr("超过后自动交卷；离开次数都会记录给培训师看。")), 1)
        bf.addRow(self.tr("离开窗口上限"), focus)
        window = QHBoxLayout()
        self.opens_edit = datetime_edit()
        self.opens_unlimited = QCheckBox(self.tr("不限"))
        self.closes_edit = datetime_edit()
        self.closes_unlimited = QCheckBox(self.tr("不限"))
        window.addWidget(self.opens_edit)
        window.addWidget(self.opens_unlimited)
        window.addSpacing(8)
        window.addWidget(QLabel(self.tr("至")))
        window.addWidget(self.closes_edit)
        window.addWidget(self.closes_unlimited)
        window.addStretch(1)
        bf.addRow(self.tr("开放时间"), window)
        fl.addWidget(basics)

        assign = QGroupBox(self.tr("参加人员（都不选 = 所有人都可以参加）"))
        al = QGridLayout(assign)
        roles = QHBoxLayout()
        self.role_checks: dict[str, QCheckBox] = {}
        for value, label in ROLE_CHOICES:
            check = QCheckBox(label)
            self.role_checks[value] = check
            roles.addWidget(check)
        roles.addStretch(1)
        al.addWidget(QLabel(self.tr("角色")), 0, 0)
        al.addLayout(roles, 0, 1, 1, 3)
        al.addWidget(QLabel(self.tr("小组")), 1, 0, Qt.AlignmentFlag.AlignTop)
        self.team_list = QListWidget()
        self.team_list.setFixedHeight(96)
        al.addWidget(self.team_list, 1, 1)
        al.addWidget(QLabel(self.tr("人员")), 1, 2, Qt.AlignmentFlag.AlignTop)
        users_box = QVBoxLayout()
        self.user_filter = QLineEdit()
        self.user_filter.setPlaceholderText(self.tr("筛选姓名或登录名"))
        self.user_list = QListWidget()
        self.user_list.setFixedHeight(72)
        users_box.addWidget(self.user_filter)
        users_box.addWidget(self.user_list)
        al.addLayout(users_box, 1, 3)
        al.setColumnStretch(1, 1)
        al.setColumnStretch(3, 1)
        fl.addWidget(assign)

        points = QGroupBox(self.tr("每题分值（“默认”= 按题型的默认分值）"))
        pg = QGridLayout(points)
        self.points_spins: dict[QuestionType, QDoubleSpinBox] = {}
        for i, (qtype, label) in enumerate(TYPE_LABELS.items()):
            if qtype is QuestionType.DESCRIPTION:
                continue
            points_spin = QDoubleSpinBox()
            points_spin.setRange(-0.5, 100)
            points_spin.setSingleStep(0.5)
            points_spin.setDecimals(1)
            points_spin.setMinimumWidth(96)
            self.points_spins[qtype] = points_spin
            row_i, col = divmod(i, 3)
            pg.addWidget(QLabel(label), row_i, col * 2)
            pg.addWidget(points_spin, row_i, col * 2 + 1)
        pg.setColumnStretch(6, 1)
        fl.addWidget(points)

        questions = QGroupBox(self.tr("题目"))
        ql = QVBoxLayout(questions)
        mode = QHBoxLayout()
        self.fixed_radio = QRadioButton(self.tr("固定题目（每人同一套题）"))
        self.draw_radio = QRadioButton(self.tr("按规则随机抽题"))
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.fixed_radio)
        self.mode_group.addButton(self.draw_radio)
        mode.addWidget(self.fixed_radio)
        mode.addWidget(self.draw_radio)
        mode.addStretch(1)
        ql.addLayout(mode)
        self.questions_stack = QStackedWidget()

        fixed = QWidget()
        fxl = QGridLayout(fixed)
        fxl.setContentsMargins(0, 0, 0, 0)
        self.bank_search = QLineEdit()
        self.bank_search.setClearButtonEnabled(True)
        self.bank_search.setPlaceholderText(self.tr("在题库中搜索（题干、标签、编号）…"))
        self.bank_list = QListWidget()
        self.bank_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_question_button = QPushButton(self.tr("加入 →"))
        self.chosen_list = QListWidget()
        self.chosen_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        side = QVBoxLayout()
        self.up_button = QPushButton(self.tr("上移"))
        self.down_button = QPushButton(self.tr("下移"))
        self.remove_question_button = QPushButton(self.tr("移除"))
        side.addWidget(self.up_button)
        side.addWidget(self.down_button)
        side.addWidget(self.remove_question_button)
        side.addStretch(1)
        fxl.addWidget(self.bank_search, 0, 0)
        self.chosen_label = QLabel()
        fxl.addWidget(self.chosen_label, 0, 2)
        fxl.addWidget(self.bank_list, 1, 0)
        mid = QVBoxLayout()
        mid.addStretch(1)
        mid.addWidget(self.add_question_button)
        mid.addStretch(1)
        fxl.addLayout(mid, 1, 1)
        fxl.addWidget(self.chosen_list, 1, 2)
        fxl.addLayout(side, 1, 3)
        fxl.setColumnStretch(0, 1)
        fxl.setColumnStretch(2, 1)
        fixed.setMinimumHeight(220)
        self.questions_stack.addWidget(fixed)

        draw = QWidget()
        dl = QVBoxLayout(draw)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(
            grey(
                self.tr(
                    "每条规则从题库中随机抽题；同一道题不会被两条规则重复抽到。“可抽”是题库中符合条件的在用题目数。"
                )
            )
        )
        self.rules_table = QTableWidget(0, 6)
        self.rules_table.setHorizontalHeaderLabels(
            [
                self.tr("分类"),
                self.tr("难度"),
                self.tr("题型"),
                self.tr("品牌"),
                self.tr("题数"),
                self.tr("可抽"),
            ]
        )
        self.rules_table.verticalHeader().setVisible(False)
        self.rules_table.verticalHeader().setDefaultSectionSize(30)
        self.rules_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.rules_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.rules_table.setMinimumHeight(160)
        dl.addWidget(self.rules_table)
        rrow = QHBoxLayout()
        self.add_rule_button = QPushButton(self.tr("添加规则"))
        self.remove_rule_button = QPushButton(self.tr("删除规则"))
        self.draw_total_label = QLabel()
        rrow.addWidget(self.add_rule_button)
        rrow.addWidget(self.remove_rule_button)
        rrow.addStretch(1)
        rrow.addWidget(self.draw_total_label)
        dl.addLayout(rrow)
        self.questions_stack.addWidget(draw)
        ql.addWidget(self.questions_stack)
        fl.addWidget(questions)
        fl.addStretch(1)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.form_scroll = scrolling(form_host)
        rl.addWidget(self.form_scroll, 1)
        self.message_label = message_label()
        rl.addWidget(self.message_label)
        brow = QHBoxLayout()
        self.state_label = QLabel()
        self.state_label.setStyleSheet(INFO_STYLE)
        brow.addWidget(self.state_label, 1)
        self.revert_button = QPushButton(self.tr("放弃修改"))
        self.save_button = QPushButton(self.tr("保存试卷"))
        self.save_button.setDefault(True)
        brow.addWidget(self.revert_button)
        brow.addWidget(self.save_button)
        rl.addLayout(brow)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 900])


# --- 复核 ---------------------------------------------------------------------------------------------


class ReviewTabView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(splitter)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.queue_table = table_view()
        ll.addWidget(self.queue_table, 1)
        row = QHBoxLayout()
        self.count_label = QLabel()
        self.refresh_button = QPushButton(self.tr("刷新"))
        row.addWidget(self.count_label, 1)
        row.addWidget(self.refresh_button)
        ll.addLayout(row)
        left.setMinimumWidth(300)
        splitter.addWidget(left)

        panel = QWidget()
        pl = QVBoxLayout(panel)
        pl.setContentsMargins(4, 0, 4, 0)
        self.header_label = QLabel()
        self.header_label.setWordWrap(True)
        self.header_label.setStyleSheet("font-weight: bold;")
        pl.addWidget(self.header_label)

        question = QGroupBox(self.tr("题目"))
        qv = QVBoxLayout(question)
        self.stem_label = QLabel()
        self.stem_label.setWordWrap(True)
        self.stem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        qv.addWidget(self.stem_label)
        self.reference_label = QLabel()
        self.reference_label.setWordWrap(True)
        self.reference_label.setStyleSheet(INFO_STYLE)
        qv.addWidget(self.reference_label)
        pl.addWidget(question)

        answer = QGroupBox(self.tr("考生的回答"))
        av = QVBoxLayout(answer)
        self.answer_view = QTextBrowser()
        self.answer_view.setMinimumHeight(64)
        self.answer_view.setMaximumHeight(120)
        av.addWidget(self.answer_view)
        self.legend_label = QLabel()
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        av.addWidget(self.legend_label)
        pl.addWidget(answer)

        points = QGroupBox(self.tr("要点与用语"))
        kv = QVBoxLayout(points)
        self.key_points_label = QLabel()
        self.key_points_label.setWordWrap(True)
        self.key_points_label.setTextFormat(Qt.TextFormat.RichText)
        kv.addWidget(self.key_points_label)
        self.banned_label = QLabel()
        self.banned_label.setWordWrap(True)
        self.banned_label.setTextFormat(Qt.TextFormat.RichText)
        kv.addWidget(self.banned_label)
        self.feedback_label = QLabel()
        self.feedback_label.setWordWrap(True)
        self.feedback_label.setStyleSheet(INFO_STYLE)
        kv.addWidget(self.feedback_label)
        pl.addWidget(points)

        grade = QGroupBox(self.tr("评分"))
        gf = QFormLayout(grade)
        srow = QHBoxLayout()
        self.score_spin = QDoubleSpinBox()
        self.score_spin.setSingleStep(0.5)
        self.score_spin.setDecimals(2)
        self.score_spin.setMinimumWidth(100)
        self.max_label = QLabel()
        self.auto_label = QLabel()
        self.auto_label.setStyleSheet(INFO_STYLE)
        srow.addWidget(self.score_spin)
        srow.addWidget(self.max_label)
        srow.addSpacing(12)
        srow.addWidget(self.auto_label, 1)
        gf.addRow(self.tr("得分"), srow)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setPlaceholderText(self.tr("给考生的评语（可不填），会显示在成绩页"))
        self.comment_edit.setFixedHeight(60)
        gf.addRow(self.tr("评语"), self.comment_edit)
        self.message_label = message_label()
        gf.addRow(self.message_label)
        brow = QHBoxLayout()
        brow.addStretch(1)
        self.next_button = QPushButton(self.tr("跳过，下一题"))
        self.confirm_button = QPushButton(self.tr("确认评分"))
        self.confirm_button.setDefault(True)
        brow.addWidget(self.next_button)
        brow.addWidget(self.confirm_button)
        gf.addRow(brow)
        pl.addStretch(1)
        self.panel = panel
        # The details scroll; the grading box stays in view under them.
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(scrolling(panel), 1)
        dl.addWidget(grade)
        self.empty_label = QLabel(self.tr("没有等待复核的答案。"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet(INFO_STYLE)
        self.panel_stack = QStackedWidget()
        self.panel_stack.addWidget(self.empty_label)
        self.panel_stack.addWidget(detail)
        splitter.addWidget(self.panel_stack)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([420, 780])


# --- 题目分析 ------------------------------------------------------------------------------------------


class StatsTabView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("试卷")))
        self.exam_combo = QComboBox()
        self.exam_combo.setMinimumWidth(320)
        row.addWidget(self.exam_combo)
        self.refresh_button = QPushButton(self.tr("刷新"))
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        self.count_label = QLabel()
        row.addWidget(self.count_label)
        outer.addLayout(row)
        outer.addWidget(
            grey(
                self.tr(
                    "通过率 = 平均得分率；区分度 = 高分组（前 27%）与低分组（后 27%）得分率之差，"
                    "作答不足 10 人次时不计算。标黄的题需要看一看：太难、太容易，或高分者反而答错更多。双击打开题目。"
                )
            )
        )
        self.table = table_view()
        outer.addWidget(self.table, 1)


# --- 考试记录 ------------------------------------------------------------------------------------------


class AttemptsTabView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("试卷")))
        self.exam_combo = QComboBox()
        self.exam_combo.setMinimumWidth(320)
        row.addWidget(self.exam_combo)
        self.refresh_button = QPushButton(self.tr("刷新"))
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        self.summary_label = QLabel()
        row.addWidget(self.summary_label)
        outer.addLayout(row)
        self.table = table_view()
        outer.addWidget(self.table, 1)


class ExamAdminPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.exams_tab = ExamsTabView()
        self.review_tab = ReviewTabView()
        self.stats_tab = StatsTabView()
        self.attempts_tab = AttemptsTabView()
        self.tabs.addTab(self.exams_tab, self.tr("试卷"))
        self.tabs.addTab(self.review_tab, self.tr("复核"))
        self.tabs.addTab(self.stats_tab, self.tr("题目分析"))
        self.tabs.addTab(self.attempts_tab, self.tr("考试记录"))
        outer.addWidget(self.tabs)
