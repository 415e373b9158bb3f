"""Layout of the "数据" tab: content counts, content packs in/out, database backup/restore."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE as GREY


class DataPageView(QWidget):
    def __init__(self, stat_labels: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        """``stat_labels``: (stats key, translated label) in display order."""
        super().__init__(parent)
        outer = QVBoxLayout(self)

        counts = QGroupBox(self.tr("数据库中的内容"))
        grid = QGridLayout(counts)
        self.stat_values: dict[str, QLabel] = {}
        per_column = (len(stat_labels) + 1) // 2
        # Two groups of (label, value) columns with a gap between them; the rest stretches.
        for i, (key, label) in enumerate(stat_labels):
            row, col = i % per_column, (i // per_column) * 3
            name = QLabel(label + self.tr("："))
            value = QLabel("—")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setMinimumWidth(48)
            grid.addWidget(name, row, col)
            grid.addWidget(value, row, col + 1)
            self.stat_values[key] = value
        grid.setColumnMinimumWidth(2, 56)
        grid.setColumnStretch(6, 1)
        outer.addWidget(counts)

        packs = QGroupBox(self.tr("内容包"))
        packs_layout = QVBoxLayout(packs)
        packs_note = QLabel(
            self.tr(
                "内容包是一组可读的 YAML 文件（品牌、产品、题库、对话场景、话术……），"
                "培训师可以用文本编辑器修改和比对。导入前会先预览将要新增和更新的条目；"
                "有任何错误时整包都不会导入。"
            )
        )
        packs_note.setWordWrap(True)
        packs_note.setStyleSheet(GREY)
        packs_layout.addWidget(packs_note)
        row1 = QHBoxLayout()
        self.import_button = QPushButton(self.tr("导入内容包…"))
        self.export_button = QPushButton(self.tr("导出内容包…"))
        row1.addWidget(self.import_button)
        row1.addWidget(self.export_button)
        row1.addStretch(1)
        packs_layout.addLayout(row1)
        self.packs_box = packs
        outer.addWidget(packs)

        database = QGroupBox(self.tr("数据库"))
        db_layout = QVBoxLayout(database)
        self.database_label = QLabel()
        self.database_label.setWordWrap(True)
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        db_layout.addWidget(self.database_label)
        self.database_note = QLabel(
            self.tr("恢复会用备份替换当前的全部数据（替换前会自动另存一份），完成后所有人需要重新登录。")
        )
        self.database_note.setWordWrap(True)
        self.database_note.setStyleSheet(GREY)
        db_layout.addWidget(self.database_note)
        self.auto_backup_label = QLabel()
        self.auto_backup_label.setWordWrap(True)
        self.auto_backup_label.setStyleSheet(GREY)
        self.auto_backup_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        db_layout.addWidget(self.auto_backup_label)
        row2 = QHBoxLayout()
        self.backup_button = QPushButton(self.tr("备份数据库…"))
        self.restore_button = QPushButton(self.tr("恢复数据库…"))
        self.settings_button = QPushButton(self.tr("数据库设置…"))
        row2.addWidget(self.backup_button)
        row2.addWidget(self.restore_button)
        row2.addWidget(self.settings_button)
        row2.addStretch(1)
        db_layout.addLayout(row2)
        self.database_box = database
        outer.addWidget(database)
        outer.addStretch(1)
