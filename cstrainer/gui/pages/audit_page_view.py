"""Layout of the audit log page: filters, the table of entries, paging and the details pane."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class AuditPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        intro = QLabel(
            self.tr(
                "谁在什么时候改了什么：内容修改、话术发布、晋级、人工改分、账号和数据库操作。只有主管能看。"
            )
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)

        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("从")))
        self.since_edit = QDateEdit()
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDisplayFormat("yyyy-MM-dd")
        filters.addWidget(self.since_edit)
        filters.addWidget(QLabel(self.tr("到")))
        self.until_edit = QDateEdit()
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("yyyy-MM-dd")
        filters.addWidget(self.until_edit)
        self.who_edit = QLineEdit()
        self.who_edit.setPlaceholderText(self.tr("操作人登录名"))
        self.who_edit.setClearButtonEnabled(True)
        self.who_edit.setMaximumWidth(140)
        filters.addWidget(self.who_edit)
        self.action_combo = QComboBox()
        self.action_combo.setMinimumContentsLength(12)
        self.action_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        filters.addWidget(self.action_combo)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText(self.tr("对象：题目编号、登录名、版本号…"))
        self.text_edit.setClearButtonEnabled(True)
        filters.addWidget(self.text_edit, 1)
        self.search_button = QPushButton(self.tr("查询"))
        self.search_button.setDefault(True)
        filters.addWidget(self.search_button)
        self.export_button = QPushButton(self.tr("导出 CSV…"))
        filters.addWidget(self.export_button)
        outer.addLayout(filters)

        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText(self.tr("选中一条记录查看详情"))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        outer.addWidget(splitter, 1)

        paging = QHBoxLayout()
        self.count_label = QLabel()
        paging.addWidget(self.count_label)
        paging.addStretch(1)
        self.prev_button = QPushButton(self.tr("上一页"))
        self.next_button = QPushButton(self.tr("下一页"))
        paging.addWidget(self.prev_button)
        paging.addWidget(self.next_button)
        outer.addLayout(paging)
