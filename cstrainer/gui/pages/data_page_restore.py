"""The "恢复数据库" picker: the backups in the backups folder (automatic, manual, before an upgrade,
before a restore), newest first, plus "从其他文件…" for a backup kept elsewhere.

The list is read off the UI thread. Choosing a row (or a file) emits ``chosen(path)`` and closes
the dialog; the data page then asks for confirmation and runs the verified restore.
"""

from __future__ import annotations

from pathlib import Path

from cstrainer import paths
from cstrainer.gui import prompts
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
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
from cstrainer.gui.style import MUTED_STYLE
from cstrainer.gui.tasks import Task, TaskRunner
from cstrainer.services.actor import Actor
from cstrainer.services.backup_schedule import AUTO, MANUAL, PRE_RESTORE, PRE_UPGRADE, BackupInfo
from cstrainer.services.database_admin import DatabaseService

KIND_TEXT = {
    AUTO: QT_TRANSLATE_NOOP("RestorePicker", "自动"),
    MANUAL: QT_TRANSLATE_NOOP("RestorePicker", "手动"),
    PRE_UPGRADE: QT_TRANSLATE_NOOP("RestorePicker", "升级前"),
    PRE_RESTORE: QT_TRANSLATE_NOOP("RestorePicker", "恢复前"),
}
SQLITE_FILTER = QT_TRANSLATE_NOOP("RestorePicker", "SQLite 数据库 (*.sqlite *.db);;所有文件 (*)")
COLUMNS = (
    QT_TRANSLATE_NOOP("RestorePicker", "时间"),
    QT_TRANSLATE_NOOP("RestorePicker", "类型"),
    QT_TRANSLATE_NOOP("RestorePicker", "大小"),
    QT_TRANSLATE_NOOP("RestorePicker", "结构版本"),
    QT_TRANSLATE_NOOP("RestorePicker", "文件"),
)


def _t(text: str) -> str:
    return QCoreApplication.translate("RestorePicker", text)


def human_size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class RestorePicker(QDialog):
    chosen = Signal(object)  # Path

    def __init__(
        self,
        runner: TaskRunner,
        database: DatabaseService,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        current_db: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.database = database
        self.actor = actor
        self.current_db = current_db
        self.backups: list[BackupInfo] = []
        self.load_task: Task | None = None  # tests wait on it
        self.setWindowTitle(self.tr("恢复数据库"))
        self.resize(760, 420)

        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "选择要恢复的备份。恢复前会先校验备份，并把当前数据另存为一份“恢复前”备份；"
                "恢复后会逐表核对行数，与备份完全一致才算成功。"
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.folder_label = QLabel(self.tr("备份文件夹：{folder}").format(folder=paths.backup_dir()))
        self.folder_label.setStyleSheet(MUTED_STYLE)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.folder_label)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([_t(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel(self.tr("正在读取备份列表…"))
        self.empty_label.setStyleSheet(MUTED_STYLE)
        layout.addWidget(self.empty_label)

        self.buttons = QDialogButtonBox()
        self.restore_button = QPushButton(self.tr("恢复所选备份"))
        self.restore_button.setEnabled(False)
        self.other_button = QPushButton(self.tr("从其他文件…"))
        cancel = QPushButton(self.tr("取消"))
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.other_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)

        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self.choose_selected())
        self.restore_button.clicked.connect(self.choose_selected)
        self.other_button.clicked.connect(self.choose_other_file)
        cancel.clicked.connect(self.reject)
        self.reload()

    def reload(self) -> None:
        database, actor = self.database, self.actor
        self.load_task = self.runner.pool(
            lambda: database.backups(actor), on_done=self._show, owner=self, name="list backups"
        )

    def _show(self, backups: list[BackupInfo]) -> None:
        self.backups = backups
        self.table.setRowCount(len(backups))
        for row, b in enumerate(backups):
            cells = [
                b.created.astimezone().strftime("%Y-%m-%d %H:%M"),
                _t(KIND_TEXT.get(b.kind, b.kind)),
                human_size(b.size),
                b.revision or self.tr("无法读取"),
                b.name if self._ours(b) else self.tr("{name}（另一个数据库文件的备份）").format(name=b.name),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                tip = str(b.path) if not b.problem else self.tr("不能用于恢复：{why}").format(why=b.problem)
                item.setToolTip(tip)
                if b.problem:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, col, item)
        if backups:
            self.empty_label.setText(
                self.tr("共 {n} 份备份。灰色的文件无法读取，不能用于恢复。").format(n=len(backups))
                if any(b.problem for b in backups)
                else self.tr("共 {n} 份备份。").format(n=len(backups))
            )
        else:
            self.empty_label.setText(
                self.tr("备份文件夹中还没有备份；可以点“从其他文件…”选择别处的备份文件。")
            )
        first_good = next((i for i, b in enumerate(backups) if not b.problem), None)
        if first_good is not None:
            self.table.selectRow(first_good)

    def _ours(self, b: BackupInfo) -> bool:
        return self.current_db is None or b.database == self.current_db.stem

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    def selected(self) -> BackupInfo | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        b = self.backups[rows.pop()]
        return None if b.problem else b

    def select_path(self, path: Path) -> bool:
        """Select the row of ``path`` (tests, and after a reload); False when it is not listed."""
        for row, b in enumerate(self.backups):
            if b.path == path:
                self.table.selectRow(row)
                return True
        return False

    def choose_selected(self) -> None:
        b = self.selected()
        if b is not None:
            self._choose(b.path)

    def choose_other_file(self) -> None:
        path = prompts.choose_open_file(
            self, self.tr("选择要恢复的备份文件"), paths.backup_dir(), _t(SQLITE_FILTER)
        )
        if path is not None:
            self._choose(path)

    def _choose(self, path: Path) -> None:
        self.chosen.emit(path)
        self.accept()
