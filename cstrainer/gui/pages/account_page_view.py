"""Layout of the "我的账号" page: profile, change-password button, own login history."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class AccountPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        profile = QGroupBox(self.tr("个人资料"))
        form = QFormLayout(profile)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.login_value = self._value()
        self.name_value = self._value()
        self.role_value = self._value()
        self.team_value = self._value()
        self.brands_value = self._value()
        self.status_value = self._value()
        self.last_login_value = self._value()
        form.addRow(self.tr("登录名："), self.login_value)
        form.addRow(self.tr("姓名："), self.name_value)
        form.addRow(self.tr("角色："), self.role_value)
        form.addRow(self.tr("小组："), self.team_value)
        form.addRow(self.tr("负责品牌："), self.brands_value)
        form.addRow(self.tr("账号状态："), self.status_value)
        form.addRow(self.tr("上次登录："), self.last_login_value)

        buttons = QHBoxLayout()
        self.change_password_button = QPushButton(self.tr("修改密码…"))
        buttons.addWidget(self.change_password_button)
        buttons.addStretch(1)
        form.addRow("", self._wrap(buttons))
        outer.addWidget(profile)

        history = QGroupBox(self.tr("我的登录记录（最近 50 次）"))
        history_layout = QVBoxLayout(history)
        self.history_table = QTableView()
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setAlternatingRowColors(True)
        self.history_table.verticalHeader().setVisible(False)
        self.history_table.horizontalHeader().setStretchLastSection(True)
        self.history_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        history_layout.addWidget(self.history_table)
        outer.addWidget(history, 1)

    @staticmethod
    def _value() -> QLabel:
        label = QLabel("—")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        return label

    @staticmethod
    def _wrap(layout: QHBoxLayout) -> QWidget:
        w = QWidget()
        layout.setContentsMargins(0, 0, 0, 0)
        w.setLayout(layout)
        return w
