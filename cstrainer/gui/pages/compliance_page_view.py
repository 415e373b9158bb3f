"""Layout of the 违禁词库 page: the filter row and file buttons, the rule table with the 试一试
box under it, and the rule editor on the right."""

from __future__ import annotations

from cstrainer.gui.forms import message_label
from cstrainer.gui.qt import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE, RED, heading

CONFLICT_STYLE = f"background: #fdecea; border: 1px solid {RED}; padding: 6px;"
READ_ONLY_STYLE = "background: #e8f0fe; border: 1px solid #9ab4e8; padding: 6px; color: #1a3d7c;"


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(MUTED_STYLE)
    return label


def _field(widget: QWidget, hint: QLabel | None = None) -> tuple[QWidget, QLabel]:
    """``widget`` with an optional grey hint and a red message line under it."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(widget)
    if hint is not None:
        lay.addWidget(hint)
    message = message_label()
    lay.addWidget(message)
    return box, message


class CompliancePageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        # --- filter row and the file buttons ---------------------------------------------------------
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("类别")))
        self.category_filter = QComboBox()
        self.category_filter.setMinimumWidth(140)
        top.addWidget(self.category_filter)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("搜索词语、正则、原因或例外…"))
        top.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        top.addWidget(self.count_label)
        top.addSpacing(12)
        self.export_button = QPushButton(self.tr("导出…"))
        self.export_button.setToolTip(self.tr("把整个违禁词库保存为 YAML 文件（可编辑后再导入）"))
        self.import_button = QPushButton(self.tr("导入…"))
        self.import_button.setToolTip(self.tr("用 YAML 文件中的规则替换整个违禁词库（先检查整个文件）"))
        self.refresh_button = QPushButton(self.tr("刷新"))
        for button in (self.export_button, self.import_button, self.refresh_button):
            top.addWidget(button)
        outer.addLayout(top)

        self.read_only_label = QLabel(
            self.tr(
                "只读：违禁词库由培训师维护。客服回复里出现这些说法会被标出，"
                "点一条规则可以看到为什么不能这样说；在下方“试一试”里可以检查自己的回复。"
            )
        )
        self.read_only_label.setWordWrap(True)
        self.read_only_label.setStyleSheet(READ_ONLY_STYLE)
        self.read_only_label.setVisible(False)
        outer.addWidget(self.read_only_label)

        # --- left: the table and 试一试 -------------------------------------------------------------------
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        left_lay.addWidget(self.table, 1)

        self.try_box = QGroupBox(self.tr("试一试：按已保存的规则检查一段回复"))
        try_lay = QHBoxLayout(self.try_box)
        self.try_edit = QPlainTextEdit()
        self.try_edit.setPlaceholderText(
            self.tr("输入或粘贴一段回复，命中的说法会标红。\n例如：亲，这款是全网最低价，加微信再给您优惠～")
        )
        self.try_edit.setFixedHeight(120)
        try_lay.addWidget(self.try_edit, 1)
        self.try_hits = QTextBrowser()
        self.try_hits.setFixedHeight(120)
        self.try_hits.setOpenLinks(False)
        try_lay.addWidget(self.try_hits, 1)
        left_lay.addWidget(self.try_box)

        # --- right: the editor ------------------------------------------------------------------------------
        editor = QWidget()
        ed = QVBoxLayout(editor)
        ed.setContentsMargins(8, 0, 4, 0)
        self.editor_title = heading(self.tr("规则详情"))
        ed.addWidget(self.editor_title)
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.info_label.setStyleSheet(MUTED_STYLE)
        ed.addWidget(self.info_label)

        self.conflict_frame = QFrame()
        self.conflict_frame.setStyleSheet(CONFLICT_STYLE)
        conflict = QHBoxLayout(self.conflict_frame)
        conflict.setContentsMargins(4, 4, 4, 4)
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        self.conflict_label.setStyleSheet(f"color: {RED}; border: none;")
        conflict.addWidget(self.conflict_label, 1)
        self.reload_button = QPushButton(self.tr("重新载入"))
        self.reload_button.setToolTip(self.tr("放弃这里的修改，载入同事保存的最新版本"))
        conflict.addWidget(self.reload_button)
        self.conflict_frame.setVisible(False)
        ed.addWidget(self.conflict_frame)

        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

        kinds = QHBoxLayout()
        self.word_radio = QRadioButton(self.tr("词语"))
        self.pattern_radio = QRadioButton(self.tr("正则表达式"))
        self.word_radio.setChecked(True)
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.word_radio)
        self.kind_group.addButton(self.pattern_radio)
        kinds.addWidget(self.word_radio)
        kinds.addWidget(self.pattern_radio)
        kinds.addStretch(1)
        form.addRow(self.tr("类型"), kinds)

        self.text_edit = QLineEdit()
        self.text_hint = _hint("")
        box, self.text_message = _field(self.text_edit, self.text_hint)
        self.text_label = QLabel(self.tr("词语"))
        form.addRow(self.text_label, box)

        self.category_combo = QComboBox()
        self.category_combo.setEditable(True)
        self.category_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category_combo.setToolTip(self.tr("选择已有类别，或输入新的类别代号（小写英文、数字、下划线）"))
        box, self.category_message = _field(self.category_combo)
        form.addRow(self.tr("类别"), box)

        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setFixedHeight(100)
        self.reason_edit.setPlaceholderText(self.tr("客服在命中处看到的说明：为什么不能这样说、可以怎么说"))
        box, self.reason_message = _field(self.reason_edit)
        form.addRow(self.tr("原因"), box)

        self.exceptions_edit = QPlainTextEdit()
        self.exceptions_edit.setFixedHeight(100)
        self.exceptions_edit.setPlaceholderText(self.tr("每行一个"))
        self.exceptions_hint = _hint(self.tr("包含这个说法、但可以放心使用的更长说法，每行一个。"))
        box, self.exceptions_message = _field(self.exceptions_edit, self.exceptions_hint)
        form.addRow(self.tr("例外"), box)

        self.note_edit = QPlainTextEdit()
        self.note_edit.setFixedHeight(60)
        self.note_edit.setPlaceholderText(self.tr("只给培训师看，例如依据的平台规则条款"))
        self.note_label = QLabel(self.tr("备注"))
        form.addRow(self.note_label, self.note_edit)
        ed.addLayout(form)

        self.general_message = message_label()
        ed.addWidget(self.general_message)

        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新增"))
        self.new_button.setToolTip(self.tr("清空表单，添加一条新规则"))
        self.delete_button = QPushButton(self.tr("删除"))
        self.revert_button = QPushButton(self.tr("撤销修改"))
        self.save_button = QPushButton(self.tr("保存"))
        self.save_button.setDefault(True)
        self.edit_buttons = [self.new_button, self.delete_button, self.revert_button, self.save_button]
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        ed.addLayout(buttons)
        ed.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(editor)
        scroll.setMinimumWidth(360)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([840, 390])
        outer.addWidget(self.splitter, 1)

        bottom = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setStyleSheet(MUTED_STYLE)
        bottom.addStretch(1)
        bottom.addWidget(self.status_label)
        outer.addLayout(bottom)

    def set_columns(self) -> None:
        """Column widths once the model is set: the reason takes the spare room."""
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((80, 104, 240, 96, 60, 84)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
