"""Layout of the question editor: the form on the left, the trainee's view on the right.

The form has one section per part of a question (options, true/false, blanks, numeric answer,
accepted answers, key points, matching pairs); the controller shows the sections the chosen type
uses. Every section has its own red message line for inline validation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cstrainer.gui.forms import ERROR_STYLE, INFO_STYLE, message_label
from cstrainer.gui.qt import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

WARNING_STYLE = "color: #b26a00;"
SUCCESS_STYLE = "color: #2e7d32;"
LETTERS = "ABCDEFGH"
CONFLICT_STYLE = "color: #c62828; background: #fdecea; border: 1px solid #f5c2c0; padding: 6px;"


def option_letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


class RowsTable(QWidget):
    """An editable table of text rows with 添加 / 删除 buttons (options, blanks, key points ...).

    ``check_columns`` are shown as check boxes; ``row_labels`` names the rows (A, B, C ...).
    """

    changed = Signal()

    def __init__(
        self,
        headers: Sequence[str],
        *,
        check_columns: Sequence[int] = (),
        stretch_columns: Sequence[int] = (0,),
        row_labels: Callable[[int], str] | None = None,
        max_rows: int = 50,
        add_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.check_columns = set(check_columns)
        self.row_labels = row_labels
        self.max_rows = max_rows
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(list(headers))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setVisible(row_labels is not None)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        for column in range(len(headers)):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column in stretch_columns
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(column, mode)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        lay.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(add_text or self.tr("添加一行"))
        self.remove_button = QPushButton(self.tr("删除选中行"))
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_selected)
        self._fit_height()

    # --- rows ------------------------------------------------------------------------------------

    def row_count(self) -> int:
        return self.table.rowCount()

    def add_row(self, values: Sequence[str | bool] = ()) -> None:
        if self.table.rowCount() >= self.max_rows:
            return
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column in range(self.table.columnCount()):
            value = values[column] if column < len(values) else ""
            item = QTableWidgetItem()
            if column in self.check_columns:
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
                )
                item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            else:
                item.setText(str(value))
            self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self._relabel()
        self._fit_height()
        self.changed.emit()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.table.currentRow() >= 0:
            rows = [self.table.currentRow()]
        for row in rows:
            self.table.removeRow(row)
        if rows:
            self._relabel()
            self._fit_height()
            self.changed.emit()

    def set_row_count(self, n: int) -> None:
        """Add empty rows or drop rows from the end to have exactly ``n``."""
        changed = False
        while self.table.rowCount() < n:
            self.add_row()
            changed = True
        while self.table.rowCount() > n:
            self.table.removeRow(self.table.rowCount() - 1)
            changed = True
        if changed:
            self._relabel()
            self._fit_height()
            self.changed.emit()

    def set_rows(self, rows: Sequence[Sequence[str | bool]]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        self.table.blockSignals(False)
        for values in rows:
            self.add_row(values)
        self._relabel()
        self._fit_height()
        self.changed.emit()

    def text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item else ""

    def checked(self, row: int, column: int) -> bool:
        item = self.table.item(row, column)
        return bool(item and item.checkState() == Qt.CheckState.Checked)

    def set_text(self, row: int, column: int, text: str) -> None:
        item = self.table.item(row, column)
        if item is not None:
            item.setText(text)

    def set_checked(self, row: int, column: int, checked: bool) -> None:
        item = self.table.item(row, column)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _relabel(self) -> None:
        if self.row_labels is not None:
            self.table.setVerticalHeaderLabels([self.row_labels(i) for i in range(self.row_count())])
        self.add_button.setEnabled(self.table.rowCount() < self.max_rows)

    def _fit_height(self) -> None:
        # Show every row without an inner scroll bar (up to ten): the form scrolls as a whole.
        rows = min(max(self.table.rowCount(), 2), 10)
        height = self.table.horizontalHeader().sizeHint().height() + rows * 28 + 6
        self.table.setFixedHeight(height)


def section(title: str) -> tuple[QGroupBox, QVBoxLayout, QLabel]:
    """A titled group with a layout and a (hidden) red message line at its bottom."""
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    lay.setSpacing(4)
    msg = message_label()
    return box, lay, msg


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(INFO_STYLE)
    return label


def number_spin() -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(-1e9, 1e9)
    spin.setDecimals(2)
    spin.setMinimumWidth(110)
    return spin


class QuestionEditorView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(self.splitter, 1)

        # === left: the form, scrolling as a whole ===========================================
        form_host = QWidget()
        form = QVBoxLayout(form_host)
        form.setContentsMargins(0, 0, 8, 0)

        head = QFormLayout()
        head.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        key_row = QHBoxLayout()
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText(self.tr("小写字母、数字和 - _ .，如 qinyu-liquid-dose"))
        self.version_label = QLabel()
        self.version_label.setStyleSheet(INFO_STYLE)
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.version_label)
        head.addRow(self.tr("编号"), key_row)
        self.key_message = message_label()
        head.addRow("", self.key_message)
        self.type_combo = QComboBox()
        head.addRow(self.tr("题型"), self.type_combo)
        form.addLayout(head)

        # --- stem ---
        self.stem_box, stem_lay, self.stem_message = section(self.tr("题干"))
        self.stem_hint = hint("")
        self.stem_edit = QPlainTextEdit()
        self.stem_edit.setFixedHeight(92)
        stem_lay.addWidget(self.stem_hint)
        stem_lay.addWidget(self.stem_edit)
        stem_row = QHBoxLayout()
        self.insert_blank_button = QPushButton(self.tr("插入填空 ____"))
        stem_row.addWidget(self.insert_blank_button)
        stem_row.addStretch(1)
        stem_lay.addLayout(stem_row)
        self.duplicate_label = QLabel()
        self.duplicate_label.setWordWrap(True)
        self.duplicate_label.setStyleSheet(WARNING_STYLE)
        self.duplicate_label.setVisible(False)
        stem_lay.addWidget(self.duplicate_label)
        stem_lay.addWidget(self.stem_message)
        form.addWidget(self.stem_box)

        # --- options (single / multiple) ---
        self.options_box, lay, self.options_message = section(self.tr("选项"))
        self.options_hint = hint("")
        lay.addWidget(self.options_hint)
        self.options_table = RowsTable(
            [self.tr("选项内容"), self.tr("正确"), self.tr("选中后的反馈（可不填）")],
            check_columns=[1],
            stretch_columns=[0, 2],
            row_labels=option_letter,
            max_rows=8,
            add_text=self.tr("添加选项"),
        )
        lay.addWidget(self.options_table)
        self.partial_check = QCheckBox(self.tr("部分得分（选对一部分按比例给分，选错不得分）"))
        lay.addWidget(self.partial_check)
        lay.addWidget(self.options_message)
        form.addWidget(self.options_box)

        # --- true / false ---
        self.truefalse_box, lay, self.truefalse_message = section(self.tr("正确答案"))
        tf_row = QHBoxLayout()
        self.true_radio = QRadioButton(self.tr("对"))
        self.false_radio = QRadioButton(self.tr("错"))
        self.truefalse_group = QButtonGroup(self)
        self.truefalse_group.addButton(self.true_radio)
        self.truefalse_group.addButton(self.false_radio)
        tf_row.addWidget(self.true_radio)
        tf_row.addWidget(self.false_radio)
        tf_row.addStretch(1)
        lay.addLayout(tf_row)
        tf_form = QFormLayout()
        self.true_feedback_edit = QLineEdit()
        self.false_feedback_edit = QLineEdit()
        self.true_feedback_edit.setPlaceholderText(self.tr("可不填"))
        self.false_feedback_edit.setPlaceholderText(self.tr("可不填"))
        tf_form.addRow(self.tr("答“对”时的反馈"), self.true_feedback_edit)
        tf_form.addRow(self.tr("答“错”时的反馈"), self.false_feedback_edit)
        lay.addLayout(tf_form)
        lay.addWidget(self.truefalse_message)
        form.addWidget(self.truefalse_box)

        # --- blanks ---
        self.blanks_box, lay, self.blanks_message = section(self.tr("填空答案"))
        lay.addWidget(
            hint(
                self.tr(
                    "题干中的每个 ____（4 个下划线）是一个空；同一个空的多种正确写法用 / 分隔，如“20/二十”。"
                )
            )
        )
        self.blanks_table = RowsTable(
            [self.tr("可接受的答案（用 / 分隔）")],
            row_labels=lambda i: self.tr("第 {n} 空").format(n=i + 1),
            max_rows=20,
        )
        self.blanks_table.add_button.setVisible(False)
        self.blanks_table.remove_button.setVisible(False)
        lay.addWidget(self.blanks_table)
        lay.addWidget(self.blanks_message)
        form.addWidget(self.blanks_box)

        # --- numeric ---
        self.numeric_box, lay, self.numeric_message = section(self.tr("数值答案"))
        mode_row = QHBoxLayout()
        self.exact_radio = QRadioButton(self.tr("数值 ± 误差"))
        self.range_radio = QRadioButton(self.tr("范围"))
        self.numeric_group = QButtonGroup(self)
        self.numeric_group.addButton(self.exact_radio)
        self.numeric_group.addButton(self.range_radio)
        mode_row.addWidget(self.exact_radio)
        mode_row.addWidget(self.range_radio)
        mode_row.addStretch(1)
        lay.addLayout(mode_row)
        num_row = QHBoxLayout()
        self.value_spin, self.tolerance_spin = number_spin(), number_spin()
        self.tolerance_spin.setMinimum(0)
        self.low_spin, self.high_spin = number_spin(), number_spin()
        self.exact_row = QWidget()
        er = QHBoxLayout(self.exact_row)
        er.setContentsMargins(0, 0, 0, 0)
        er.addWidget(QLabel(self.tr("正确值")))
        er.addWidget(self.value_spin)
        er.addWidget(QLabel(self.tr("允许误差 ±")))
        er.addWidget(self.tolerance_spin)
        er.addStretch(1)
        self.range_row = QWidget()
        rr = QHBoxLayout(self.range_row)
        rr.setContentsMargins(0, 0, 0, 0)
        rr.addWidget(QLabel(self.tr("从")))
        rr.addWidget(self.low_spin)
        rr.addWidget(QLabel(self.tr("到")))
        rr.addWidget(self.high_spin)
        rr.addStretch(1)
        num_row.addWidget(self.exact_row)
        num_row.addWidget(self.range_row)
        lay.addLayout(num_row)
        self.numeric_note = hint("")
        lay.addWidget(self.numeric_note)
        lay.addWidget(self.numeric_message)
        form.addWidget(self.numeric_box)

        # --- accepted answers (short) ---
        self.accepted_box, lay, self.accepted_message = section(self.tr("可接受的答案"))
        lay.addWidget(
            hint(
                self.tr(
                    "每行一个。答案与其中一行一致（忽略空格、标点、全半角）即得分；也可以只用下面的要点评分。"
                )
            )
        )
        self.accepted_edit = QPlainTextEdit()
        self.accepted_edit.setFixedHeight(70)
        lay.addWidget(self.accepted_edit)
        lay.addWidget(self.accepted_message)
        form.addWidget(self.accepted_box)

        # --- key points (short / reply / essay) ---
        self.key_points_box, lay, self.key_points_message = section(self.tr("评分要点"))
        self.key_points_hint = hint("")
        lay.addWidget(self.key_points_hint)
        self.key_points_table = RowsTable(
            [self.tr("同义说法（用 / 分隔）"), self.tr("权重"), self.tr("没答到时的提示")],
            stretch_columns=[0, 2],
            max_rows=20,
            add_text=self.tr("添加要点"),
        )
        lay.addWidget(self.key_points_table)
        lay.addWidget(self.key_points_message)
        form.addWidget(self.key_points_box)

        # --- matching pairs ---
        self.pairs_box, lay, self.pairs_message = section(self.tr("匹配项"))
        lay.addWidget(hint(self.tr("每行一对；考生看到的右侧顺序会被打乱。")))
        self.pairs_table = RowsTable(
            [self.tr("左侧"), self.tr("右侧（正确对应）")],
            stretch_columns=[0, 1],
            max_rows=12,
            add_text=self.tr("添加一对"),
        )
        lay.addWidget(self.pairs_table)
        lay.addWidget(self.pairs_message)
        form.addWidget(self.pairs_box)

        # --- classification and the rest ---
        self.meta_box, lay, self.meta_message = section(self.tr("分类与解析"))
        meta = QFormLayout()
        meta.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        row = QHBoxLayout()
        self.category_combo = QComboBox()
        self.brand_combo = QComboBox()
        self.difficulty_combo = QComboBox()
        row.addWidget(self.category_combo, 2)
        row.addWidget(QLabel(self.tr("品牌")))
        row.addWidget(self.brand_combo, 1)
        row.addWidget(QLabel(self.tr("难度")))
        row.addWidget(self.difficulty_combo)
        meta.addRow(self.tr("分类"), row)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText(self.tr("多个标签用逗号或空格分隔"))
        meta.addRow(self.tr("标签"), self.tags_edit)
        self.explanation_edit = QPlainTextEdit()
        self.explanation_edit.setFixedHeight(70)
        self.explanation_edit.setPlaceholderText(self.tr("交卷后给考生看的解析（可不填）"))
        meta.addRow(self.tr("解析"), self.explanation_edit)
        row2 = QHBoxLayout()
        self.handbook_edit = QLineEdit()
        self.handbook_edit.setPlaceholderText(self.tr("手册条目编号（可不填）"))
        self.author_edit = QLineEdit()
        row2.addWidget(self.handbook_edit, 1)
        row2.addWidget(QLabel(self.tr("作者")))
        row2.addWidget(self.author_edit, 1)
        meta.addRow(self.tr("关联手册"), row2)
        lay.addLayout(meta)
        lay.addWidget(self.meta_message)
        form.addWidget(self.meta_box)
        form.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form_host)
        scroll.setMinimumWidth(520)
        self.form_scroll = scroll
        self.splitter.addWidget(scroll)

        # === right: what the trainee will see ================================================
        preview = QGroupBox(self.tr("预览：考生看到的样子"))
        pv = QVBoxLayout(preview)
        pv.addWidget(hint(self.tr("可以在这里试着作答，不会保存。")))
        self.preview_scroll = QScrollArea()
        self.preview_scroll.setWidgetResizable(True)
        self.preview_scroll.setFrameShape(QFrame.Shape.NoFrame)
        pv.addWidget(self.preview_scroll, 1)
        self.preview_note = QLabel()
        self.preview_note.setWordWrap(True)
        self.preview_note.setStyleSheet(INFO_STYLE)
        self.preview_note.setVisible(False)
        pv.addWidget(self.preview_note)
        preview.setMinimumWidth(340)
        self.splitter.addWidget(preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        # The trainee's widget needs room (matching rows, reply boxes): give the preview ~45 %.
        self.splitter.setSizes([640, 520])

        # === bottom: messages and buttons =====================================================
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        self.conflict_label.setStyleSheet(CONFLICT_STYLE)
        self.conflict_label.setVisible(False)
        outer.addWidget(self.conflict_label)
        bottom = QHBoxLayout()
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        # Always in the layout (empty when there is nothing to say) so the buttons keep their size.
        bottom.addWidget(self.message_label, 1)
        self.save_button = QPushButton(self.tr("保存"))
        self.save_button.setDefault(True)
        self.close_button = QPushButton(self.tr("关闭"))
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        outer.addLayout(bottom)

    # --- messages --------------------------------------------------------------------------------

    def show_message(self, text: str, style: str = ERROR_STYLE) -> None:
        self.message_label.setStyleSheet(style)
        self.message_label.setText(text)

    def set_preview(self, widget: QWidget | None) -> None:
        old = self.preview_scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        if widget is not None:
            self.preview_scroll.setWidget(widget)
