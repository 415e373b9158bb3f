"""The save-conflict dialog: a colleague saved the same question, phrase or scenario first.

It shows the service's :class:`~cstrainer.services.errors.EditConflict` as a table, field by
field: my unsaved version on the left, the stored one (who saved it, when) on the right, the
fields that differ highlighted (and, by default, only those). Three ways out, none of them silent:

- 用我的版本覆盖: only after a confirmation that names whose work is replaced; the editor then
  saves again against the stored version (``OVERWRITE``).
- 放弃我的修改并载入最新: the editor loads the stored version (``LOAD_THEIRS``).
- 继续编辑: nothing is saved, my text stays in the editor (``KEEP_EDITING``).

The dialog only decides; the editor acts on :attr:`ConflictDialog.decided`. It is opened with
``open()`` (window-modal, no nested event loop), so tests can drive it.
"""

from __future__ import annotations

from cstrainer.gui import prompts
from cstrainer.gui.qt import (
    QAbstractItemView,
    QBrush,
    QCheckBox,
    QColor,
    QDialog,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.style import GREY, MUTED_STYLE, RED
from cstrainer.services.errors import EditConflict, when_text

OVERWRITE = "overwrite"
LOAD_THEIRS = "load_theirs"
KEEP_EDITING = "keep_editing"

MESSAGE_STYLE = f"color: {RED}; background: #fdecea; border: 1px solid #f5c2c0; padding: 8px;"
DIFF_BACKGROUND = "#fff4d6"  # a field that differs, on both sides
SAME_COLOUR = GREY


class ConflictDialog(QDialog):
    """Mine and theirs of one :class:`EditConflict`; ``decided`` carries the chosen action."""

    decided = Signal(str)

    def __init__(self, conflict: EditConflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.action: str | None = None
        self.setWindowTitle(self.tr("保存冲突：{what}").format(what=conflict.what))
        self.resize(920, 540)
        lay = QVBoxLayout(self)

        self.message_label = QLabel(str(conflict))
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet(MESSAGE_STYLE)
        lay.addWidget(self.message_label)

        changed = conflict.changed_fields
        self.summary_label = QLabel(
            self.tr("有 {n} 处不同（黄色底）：{fields}").format(n=len(changed), fields="、".join(changed))
            if changed
            else self.tr("两个版本的内容相同。")
        )
        self.summary_label.setWordWrap(True)
        self.only_changes_check = QCheckBox(self.tr("只看不同的字段"))
        self.only_changes_check.setChecked(bool(changed))
        self.only_changes_check.setEnabled(bool(changed))
        row = QHBoxLayout()
        row.addWidget(self.summary_label, 1)
        row.addWidget(self.only_changes_check)
        lay.addLayout(row)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("字段"), self._mine_heading(), self._theirs_heading()])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Wrapped text needs the final column widths: fit the rows again whenever they change.
        header.sectionResized.connect(lambda *_a: self.table.resizeRowsToContents())
        lay.addWidget(self.table, 1)
        self._fill()
        self.only_changes_check.toggled.connect(lambda _on: self._filter())

        hint = QLabel(
            self.tr(
                "左边是你这次的修改（还没有保存），右边是数据库里现在的版本。"
                "想保留双方的改动，可以先“继续编辑”，把对方的改动抄进来再保存。"
            )
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED_STYLE)
        lay.addWidget(hint)

        buttons = QHBoxLayout()
        self.overwrite_button = QPushButton(self.tr("用我的版本覆盖"))
        self.overwrite_button.setStyleSheet(f"color: {RED};")
        self.load_button = QPushButton(self.tr("放弃我的修改并载入最新"))
        self.keep_button = QPushButton(self.tr("继续编辑"))
        self.keep_button.setDefault(True)
        self.keep_button.setAutoDefault(True)
        buttons.addWidget(self.overwrite_button)
        buttons.addWidget(self.load_button)
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        lay.addLayout(buttons)
        # Overwriting needs the stored version to save against; loading needs one to load.
        theirs_exists = conflict.theirs is not None and conflict.latest is not None
        self.overwrite_button.setEnabled(theirs_exists and conflict.mine.version is not None)
        self.load_button.setEnabled(theirs_exists)
        if not theirs_exists:
            self.overwrite_button.setToolTip(self.tr("对方的版本已不存在，无法覆盖；请另存为新的。"))
        self.overwrite_button.clicked.connect(self.overwrite)
        self.load_button.clicked.connect(self.load_theirs)
        self.keep_button.clicked.connect(self.keep_editing)

    # --- the table -----------------------------------------------------------------------------

    def _mine_heading(self) -> str:
        v = self.conflict.mine.version
        if v is None:
            return self.tr("我的版本（新建，未保存）")
        return self.tr("我的版本（在第 {n} 版上修改，未保存）").format(n=v)

    def _theirs_heading(self) -> str:
        theirs = self.conflict.theirs
        if theirs is None:
            return self.tr("最新版本（已删除）")
        return self.tr("最新版本（第 {n} 版 · {by} {at} 保存）").format(
            n=theirs.version, by=theirs.by or self.tr("他人"), at=when_text(theirs.at)
        )

    def field_labels(self) -> list[str]:
        c = self.conflict
        theirs = c.theirs.fields if c.theirs is not None else {}
        return list(dict.fromkeys([*c.mine.fields, *theirs]))

    def _fill(self) -> None:
        c = self.conflict
        theirs = c.theirs.fields if c.theirs is not None else {}
        changed = set(c.changed_fields)
        labels = self.field_labels()
        self.table.setRowCount(len(labels))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, label in enumerate(labels):
            differs = label in changed
            mine_text = c.mine.fields.get(label, "")
            theirs_text = theirs.get(label, "") if c.theirs is not None else ""
            cells = [
                QTableWidgetItem(("● " if differs else "") + label),
                QTableWidgetItem(mine_text or self.tr("（空）")),
                QTableWidgetItem(theirs_text or self.tr("（空）")),
            ]
            for col, item in enumerate(cells):
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                if differs:
                    item.setBackground(QBrush(QColor(DIFF_BACKGROUND)))
                    if col == 0:
                        item.setFont(bold)
                else:
                    item.setForeground(QBrush(QColor(SAME_COLOUR)))
                item.setData(Qt.ItemDataRole.UserRole, differs)
                self.table.setItem(r, col, item)
        self._filter()

    def _filter(self) -> None:
        only = self.only_changes_check.isChecked()
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            differs = bool(item.data(Qt.ItemDataRole.UserRole)) if item is not None else True
            self.table.setRowHidden(r, only and not differs)
        self.table.resizeRowsToContents()

    def visible_fields(self) -> list[str]:
        """The field labels of the rows shown (without the ● mark)."""
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and not self.table.isRowHidden(r):
                out.append(item.text().removeprefix("● "))
        return out

    def highlighted_fields(self) -> list[str]:
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole):
                out.append(item.text().removeprefix("● "))
        return out

    # --- the actions ---------------------------------------------------------------------------

    def overwrite(self) -> None:
        c = self.conflict
        theirs = c.theirs
        if theirs is None:
            return
        changed = "、".join(c.changed_fields) or self.tr("无")
        if not prompts.confirm(
            self,
            self.tr("用我的版本覆盖"),
            self.tr(
                "确定用你的版本覆盖 {by} 在 {at} 保存的第 {n} 版吗？\n"
                "对方在这些字段上的修改会被你的内容替换：{fields}。"
            ).format(
                by=theirs.by or self.tr("他人"), at=when_text(theirs.at), n=theirs.version, fields=changed
            ),
            ok_text=self.tr("覆盖"),
        ):
            return
        self._finish(OVERWRITE)

    def load_theirs(self) -> None:
        self._finish(LOAD_THEIRS)

    def keep_editing(self) -> None:
        self._finish(KEEP_EDITING)

    def reject(self) -> None:  # Esc or the window's close button: nothing saved, keep editing
        if self.action is None:
            self.action = KEEP_EDITING
            self.decided.emit(KEEP_EDITING)
        super().reject()

    def _finish(self, action: str) -> None:
        self.action = action
        self.decided.emit(action)
        if action == KEEP_EDITING:
            super().reject()
        else:
            self.accept()
