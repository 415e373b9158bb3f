"""Layout of the scenario editor: turns and validation on the left, the forms in the middle, the
flow graph on the right, save / try-it at the top.

At 1280x800 the three columns get roughly 230 / 560 / 450 pixels; the forms scroll as a whole.
"""

from __future__ import annotations

from cstrainer.gui.forms import ERROR_STYLE, INFO_STYLE
from cstrainer.gui.pages.question_editor_view import CONFLICT_STYLE, RowsTable, hint
from cstrainer.gui.qt import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSize,
    QSpinBox,
    QSplitter,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.widgets.scenario_graph import ScenarioGraphView, legend_html

OUTCOME_NAMES = ("成交", "未成交", "退款完成", "退货完成", "换货完成", "已解决", "差评", "投诉", "流失")


def _scroll(host: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(host)
    return scroll


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return form


def _plain(height: int, placeholder: str = "") -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setFixedHeight(height)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    return edit


def _percent_spin() -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, 100)
    spin.setMinimumWidth(64)
    return spin


class ScenarioEditorView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        # === top: what is open, save and try =================================================
        top = QHBoxLayout()
        self.heading_label = QLabel()
        font = self.heading_label.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.heading_label.setFont(font)
        self.version_label = QLabel()
        self.version_label.setStyleSheet(INFO_STYLE)
        top.addWidget(self.heading_label)
        top.addWidget(self.version_label)
        top.addStretch(1)
        self.summary_label = QLabel()
        top.addWidget(self.summary_label)
        self.try_button = QPushButton(self.tr("试玩"))
        self.try_button.setToolTip(self.tr("用当前草稿（不必先保存）和模拟顾客聊一次；不计入成绩"))
        self.save_button = QPushButton(self.tr("保存"))
        self.save_button.setDefault(True)
        self.close_button = QPushButton(self.tr("关闭"))
        for button in (self.try_button, self.save_button, self.close_button):
            top.addWidget(button)
        outer.addLayout(top)
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        self.conflict_label.setStyleSheet(CONFLICT_STYLE)
        self.conflict_label.setVisible(False)
        outer.addWidget(self.conflict_label)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setVisible(False)
        outer.addWidget(self.message_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(self.splitter, 1)

        # === left: the turns and the validation messages ======================================
        left = QSplitter(Qt.Orientation.Vertical)
        turns_box = QGroupBox(self.tr("顾客轮次"))
        tl = QVBoxLayout(turns_box)
        tl.setSpacing(4)
        self.turn_list = QListWidget()
        self.turn_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.turn_list.setIconSize(QSize(16, 16))
        tl.addWidget(self.turn_list, 1)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.add_turn_button = QPushButton(self.tr("添加"))
        self.remove_turn_button = QPushButton(self.tr("删除"))
        self.up_button = QPushButton(self.tr("上移"))
        self.down_button = QPushButton(self.tr("下移"))
        self.start_button = QPushButton(self.tr("设为开始轮次"))
        grid.addWidget(self.add_turn_button, 0, 0)
        grid.addWidget(self.remove_turn_button, 0, 1)
        grid.addWidget(self.up_button, 1, 0)
        grid.addWidget(self.down_button, 1, 1)
        grid.addWidget(self.start_button, 2, 0, 1, 2)
        tl.addLayout(grid)
        left.addWidget(turns_box)

        issues_box = QGroupBox(self.tr("校验"))
        il = QVBoxLayout(issues_box)
        il.setSpacing(4)
        self.issues_list = QListWidget()
        self.issues_list.setWordWrap(True)
        self.issues_list.setIconSize(QSize(16, 16))
        self.issues_list.setToolTip(self.tr("点一条消息，跳到出问题的轮次和字段"))
        il.addWidget(self.issues_list, 1)
        self.issues_status = QLabel()
        self.issues_status.setStyleSheet(INFO_STYLE)
        self.issues_status.setWordWrap(True)
        il.addWidget(self.issues_status)
        left.addWidget(issues_box)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 1)
        left.setMinimumWidth(200)
        self.splitter.addWidget(left)

        # === middle: the scenario form and the turn form =====================================
        self.tabs = QTabWidget()
        self.tabs.addTab(_scroll(self._meta_form()), self.tr("场景信息"))
        self.tabs.addTab(_scroll(self._turn_form()), self.tr("轮次内容"))
        self.tabs.setMinimumWidth(460)
        self.splitter.addWidget(self.tabs)

        # === right: the flow graph ===========================================================
        graph_box = QGroupBox(self.tr("流程图"))
        gl = QVBoxLayout(graph_box)
        gl.setSpacing(4)
        self.graph = ScenarioGraphView()
        gl.addWidget(self.graph, 1)
        self.legend_label = QLabel(legend_html())
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setWordWrap(True)
        gl.addWidget(self.legend_label)
        zoom = QHBoxLayout()
        self.fit_button = QPushButton(self.tr("适应窗口"))
        self.zoom_in_button = QPushButton(self.tr("放大"))
        self.zoom_out_button = QPushButton(self.tr("缩小"))
        zoom.addWidget(hint(self.tr("点方框编辑该轮；Ctrl+滚轮缩放")), 1)
        for button in (self.fit_button, self.zoom_in_button, self.zoom_out_button):
            zoom.addWidget(button)
        gl.addLayout(zoom)
        graph_box.setMinimumWidth(300)
        self.splitter.addWidget(graph_box)

        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 4)
        self.splitter.setSizes([230, 560, 450])
        # In a dialog every button is "auto default": Enter in a field would press the one that
        # had focus last (删除, 试玩 ...). Only 保存 answers Enter.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(button is self.save_button)

    # --- the scenario form -----------------------------------------------------------------------

    def _meta_form(self) -> QWidget:
        host = QWidget()
        lay = QVBoxLayout(host)
        lay.setContentsMargins(4, 4, 8, 4)

        basics = QGroupBox(self.tr("基本信息"))
        form = _form()
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText(self.tr("小写字母、数字和 -，如 qinyu-late-parcel"))
        form.addRow(self.tr("编号"), self.key_edit)
        self.title_edit = QLineEdit()
        form.addRow(self.tr("标题"), self.title_edit)
        row = QHBoxLayout()
        self.brand_combo = QComboBox()
        self.stage_combo = QComboBox()
        self.persona_combo = QComboBox()
        row.addWidget(self.brand_combo, 1)
        row.addWidget(QLabel(self.tr("阶段")))
        row.addWidget(self.stage_combo)
        row.addWidget(QLabel(self.tr("顾客类型")))
        row.addWidget(self.persona_combo)
        form.addRow(self.tr("品牌"), row)
        self.customer_edit = QLineEdit()
        self.customer_edit.setPlaceholderText(self.tr("可不填，按顾客类型取默认昵称"))
        form.addRow(self.tr("顾客昵称"), self.customer_edit)
        self.products_edit = QLineEdit()
        self.products_edit.setPlaceholderText(self.tr("商品编号，多个用逗号分隔"))
        form.addRow(self.tr("商品"), self.products_edit)
        self.competitors_edit = QLineEdit()
        self.competitors_edit.setPlaceholderText(self.tr("竞品编号，多个用逗号分隔（可不填）"))
        form.addRow(self.tr("竞品"), self.competitors_edit)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText(self.tr("如 催付、竞品对比、差评威胁"))
        form.addRow(self.tr("标签"), self.tags_edit)
        row = QHBoxLayout()
        self.difficulty_combo = QComboBox()
        self.mood_spin = _percent_spin()
        self.patience_spin = _percent_spin()
        row.addWidget(self.difficulty_combo)
        row.addWidget(QLabel(self.tr("起始情绪")))
        row.addWidget(self.mood_spin)
        row.addWidget(QLabel(self.tr("耐心")))
        row.addWidget(self.patience_spin)
        row.addStretch(1)
        form.addRow(self.tr("难度"), row)
        self.goal_edit = _plain(64, self.tr("成功是什么样：下单、平静接受退货、避免差评……"))
        form.addRow(self.tr("目标"), self.goal_edit)
        success = QGridLayout()
        success.setSpacing(2)
        self.success_checks: dict[str, QCheckBox] = {}
        for i, outcome in enumerate(OUTCOME_NAMES):
            check = QCheckBox(outcome)
            self.success_checks[outcome] = check
            success.addWidget(check, i // 5, i % 5)
        form.addRow(self.tr("成功结局"), success)
        row = QHBoxLayout()
        self.reply_time_spin = QSpinBox()
        self.reply_time_spin.setRange(1, 600)
        self.reply_time_spin.setSuffix(self.tr(" 秒"))
        self.max_replies_spin = QSpinBox()
        self.max_replies_spin.setRange(0, 200)
        self.max_replies_spin.setSpecialValueText(self.tr("自动"))
        self.max_replies_spin.setToolTip(self.tr("“自动”= 轮次数 × 2 + 2"))
        row.addWidget(self.reply_time_spin)
        row.addWidget(QLabel(self.tr("最多回复")))
        row.addWidget(self.max_replies_spin)
        row.addStretch(1)
        form.addRow(self.tr("回复时限"), row)
        basics.setLayout(form)
        lay.addWidget(basics)

        qc = QGroupBox(self.tr("质检规则"))
        ql = QVBoxLayout(qc)
        checks = QHBoxLayout()
        self.greeting_check = QCheckBox(self.tr("首句欢迎语"))
        self.closing_check = QCheckBox(self.tr("结束语"))
        self.honorific_check = QCheckBox(self.tr("称呼“亲/您”"))
        self.banned_check = QCheckBox(self.tr("通用违禁词"))
        for check in (self.greeting_check, self.closing_check, self.honorific_check, self.banned_check):
            checks.addWidget(check)
        checks.addStretch(1)
        ql.addLayout(checks)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("情绪低于")))
        self.empathy_spin = _percent_spin()
        row.addWidget(self.empathy_spin)
        row.addWidget(QLabel(self.tr("时要求共情安抚")))
        row.addStretch(1)
        ql.addLayout(row)
        ql.addWidget(hint(self.tr("本场景额外的违禁说法（用了即算违规）：")))
        self.extra_banned_table = RowsTable(
            [self.tr("词语"), self.tr("原因")],
            stretch_columns=[1],
            max_rows=30,
            add_text=self.tr("添加违禁词"),
        )
        ql.addWidget(self.extra_banned_table)
        lay.addWidget(qc)

        forbidden = QGroupBox(self.tr("全场禁止的做法"))
        fl = QVBoxLayout(forbidden)
        fl.addWidget(
            hint(self.tr("任何一轮回复里出现都算违规，顾客按该轮的“违规”分支走。说法用顿号或逗号分隔。"))
        )
        self.forbidden_table = forbidden_table(self)
        fl.addWidget(self.forbidden_table)
        lay.addWidget(forbidden)

        phrases = QGroupBox(self.tr("推荐话术（聊天侧栏的快捷短语）"))
        pl = QVBoxLayout(phrases)
        self.phrases_table = RowsTable(
            [self.tr("快捷码"), self.tr("话术")],
            stretch_columns=[1],
            max_rows=30,
            add_text=self.tr("添加话术"),
        )
        pl.addWidget(self.phrases_table)
        lay.addWidget(phrases)
        lay.addStretch(1)
        return host

    # --- the turn form ---------------------------------------------------------------------------

    def _turn_form(self) -> QWidget:
        host = QWidget()
        lay = QVBoxLayout(host)
        lay.setContentsMargins(4, 4, 8, 4)
        self.turn_heading = QLabel()
        self.turn_heading.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.turn_heading)
        form = _form()
        row = QHBoxLayout()
        self.turn_id_edit = QLineEdit()
        self.turn_id_edit.setToolTip(self.tr("改名时，指向这一轮的分支会一起改"))
        self.pass_ratio_spin = QDoubleSpinBox()
        self.pass_ratio_spin.setRange(0.05, 1.0)
        self.pass_ratio_spin.setSingleStep(0.05)
        self.pass_ratio_spin.setDecimals(2)
        self.pass_ratio_spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        self.pass_ratio_spin.setToolTip(self.tr("答到的要点权重占比达到它，才算“答到”"))
        row.addWidget(self.turn_id_edit, 1)
        row.addWidget(QLabel(self.tr("通过比例")))
        row.addWidget(self.pass_ratio_spin)
        form.addRow(self.tr("轮次 id"), row)
        self.wordings_edit = _plain(84, self.tr("每行一种说法，模拟顾客随机挑一种"))
        form.addRow(self.tr("顾客说法"), self.wordings_edit)
        self.impatient_edit = _plain(56, self.tr("每行一种；没答到、顾客重复这一轮时说（可不填）"))
        form.addRow(self.tr("不耐烦时"), self.impatient_edit)
        lay.addLayout(form)

        points = QGroupBox(self.tr("要点（客服回复应做到的）"))
        kl = QVBoxLayout(points)
        kl.addWidget(
            hint(
                self.tr(
                    "同义词用顿号或逗号分隔，按分词匹配；正则可不填，多个用 ；分隔。"
                    "权重大的要点分多；反馈和“更好的说法”在成绩单里给客服看。"
                )
            )
        )
        self.key_points_table = RowsTable(
            [
                self.tr("id"),
                self.tr("同义词"),
                self.tr("正则"),
                self.tr("权重"),
                self.tr("没做到时的反馈"),
                self.tr("更好的说法"),
            ],
            stretch_columns=[1, 4, 5],
            max_rows=20,
            add_text=self.tr("添加要点"),
        )
        kl.addWidget(self.key_points_table)
        lay.addWidget(points)

        branches = QGroupBox(self.tr("分支：回复之后去哪"))
        bf = _form()
        self.covered_combo = QComboBox()
        self.missed_combo = QComboBox()
        self.forbidden_combo = QComboBox()
        for combo in (self.covered_combo, self.missed_combo, self.forbidden_combo):
            combo.setMinimumWidth(220)
        bf.addRow(self.tr("答到了 →"), self.covered_combo)
        bf.addRow(self.tr("没答到 →"), self.missed_combo)
        bf.addRow(self.tr("违规 →"), self.forbidden_combo)
        bl = QVBoxLayout(branches)
        bl.addLayout(bf)
        bl.addWidget(hint(self.tr("选本轮自己 = 顾客重复（用不耐烦的说法）；选“结局：…” = 对话结束。")))
        lay.addWidget(branches)

        forbidden = QGroupBox(self.tr("这一轮禁止的做法"))
        fl = QVBoxLayout(forbidden)
        self.turn_forbidden_table = forbidden_table(self)
        fl.addWidget(self.turn_forbidden_table)
        lay.addWidget(forbidden)
        lay.addStretch(1)
        return host

    # --- messages --------------------------------------------------------------------------------

    def show_message(self, text: str, style: str = ERROR_STYLE) -> None:
        self.message_label.setStyleSheet(style)
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))


def forbidden_table(parent: QWidget) -> RowsTable:
    return RowsTable(
        [parent.tr("id"), parent.tr("说法"), parent.tr("正则"), parent.tr("原因")],
        stretch_columns=[1, 3],
        max_rows=20,
        add_text=parent.tr("添加禁止的做法"),
    )
