"""Layout of the people list: filter, action buttons, table."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class UsersPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        top = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("筛选：登录名、姓名、角色、小组、品牌、状态…"))
        self.filter_edit.setClearButtonEnabled(True)
        top.addWidget(self.filter_edit, 1)
        self.count_label = QLabel()
        top.addWidget(self.count_label)
        outer.addLayout(top)

        actions = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新建…"))
        self.edit_button = QPushButton(self.tr("编辑…"))
        self.password_button = QPushButton(self.tr("重设密码…"))
        self.toggle_active_button = QPushButton(self.tr("停用"))
        self.unlock_button = QPushButton(self.tr("解锁"))
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.manage_buttons = [
            self.new_button,
            self.edit_button,
            self.password_button,
            self.toggle_active_button,
            self.unlock_button,
        ]
        for button in self.manage_buttons:
            actions.addWidget(button)
        self.read_only_label = QLabel(self.tr("只读：只有主管可以添加或修改账号。"))
        self.read_only_label.setVisible(False)
        actions.addWidget(self.read_only_label)
        actions.addStretch(1)
        actions.addWidget(self.refresh_button)
        outer.addLayout(actions)

        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        outer.addWidget(self.table, 1)
