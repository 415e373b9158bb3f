"""Layouts of the release windows: the trainer's releases / publish / diff window and the agent's
"本次更新" window with its quiz."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMouseEvent,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    Qt,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)


class ReleaseDialogView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs)

        # --- releases --------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        self.release_table = QTableWidget(0, 6)
        self.release_table.setHorizontalHeaderLabels(
            [
                self.tr("版本"),
                self.tr("日期"),
                self.tr("作者"),
                self.tr("条数"),
                self.tr("来源"),
                self.tr("说明"),
            ]
        )
        self.release_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.release_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.release_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.release_table.verticalHeader().setVisible(False)
        header = self.release_table.horizontalHeader()
        for column in range(5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.release_table, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("回退后的新版本号")))
        self.rollback_version_edit = QLineEdit()
        self.rollback_version_edit.setMaximumWidth(160)
        row.addWidget(self.rollback_version_edit)
        self.rollback_button = QPushButton(self.tr("回退到所选版本…"))
        row.addWidget(self.rollback_button)
        row.addStretch(1)
        self.export_button = QPushButton(self.tr("导出所选版本…"))
        self.import_button = QPushButton(self.tr("导入发布包…"))
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        lay.addLayout(row)
        self.tabs.addTab(page, self.tr("版本列表"))

        # --- publish ---------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        form = QFormLayout()
        self.version_edit = QLineEdit()
        self.version_edit.setPlaceholderText(self.tr("例如 2026.12.1"))
        form.addRow(self.tr("版本号"), self.version_edit)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setPlaceholderText(self.tr("这一版改了什么、为什么改（评审会结论）"))
        form.addRow(self.tr("发布说明"), self.notes_edit)
        lay.addLayout(form)
        self.draft_label = QLabel()
        self.draft_label.setWordWrap(True)
        lay.addWidget(self.draft_label)
        self.draft_view = QTextBrowser()
        lay.addWidget(self.draft_view, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.publish_button = QPushButton(self.tr("发布"))
        row.addWidget(self.publish_button)
        lay.addLayout(row)
        self.tabs.addTab(page, self.tr("发布新版本"))

        # --- diff ------------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("从")))
        self.old_combo = QComboBox()
        self.old_combo.setMinimumWidth(160)
        row.addWidget(self.old_combo)
        row.addWidget(QLabel(self.tr("到")))
        self.new_combo = QComboBox()
        self.new_combo.setMinimumWidth(160)
        row.addWidget(self.new_combo)
        self.diff_button = QPushButton(self.tr("对比"))
        row.addWidget(self.diff_button)
        row.addStretch(1)
        self.diff_summary = QLabel()
        row.addWidget(self.diff_summary)
        lay.addLayout(row)
        self.diff_view = QTextBrowser()
        lay.addWidget(self.diff_view, 1)
        self.tabs.addTab(page, self.tr("版本对比"))

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        outer.addWidget(self.status_label)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.button_box.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        outer.addWidget(self.button_box)


class WhatChangedView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        outer.addWidget(self.title_label)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        outer.addWidget(self.notes_label)
        self.tabs = QTabWidget()
        self.diff_view = QTextBrowser()
        self.tabs.addTab(self.diff_view, self.tr("改动"))
        quiz_page = QWidget()
        quiz_lay = QVBoxLayout(quiz_page)
        self.quiz_scroll = QScrollArea()
        self.quiz_scroll.setWidgetResizable(True)
        self.quiz_body = QWidget()
        self.quiz_layout = QVBoxLayout(self.quiz_body)
        self.quiz_scroll.setWidget(self.quiz_body)
        quiz_lay.addWidget(self.quiz_scroll, 1)
        row = QHBoxLayout()
        self.score_label = QLabel()
        self.score_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        row.addWidget(self.score_label)
        row.addStretch(1)
        self.submit_button = QPushButton(self.tr("交卷"))
        row.addWidget(self.submit_button)
        quiz_lay.addLayout(row)
        self.tabs.addTab(quiz_page, self.tr("小测验"))
        outer.addWidget(self.tabs, 1)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = self.button_box.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(self.tr("我知道了"))
        outer.addWidget(self.button_box)


def question_box(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox()
    lay = QVBoxLayout(box)
    heading = QLabel(title)  # a QGroupBox title does not wrap; long prompts would be cut
    heading.setWordWrap(True)
    heading.setStyleSheet("font-weight: bold;")
    lay.addWidget(heading)
    return box, lay


class ClickLabel(QLabel):
    """A wrapping label that checks its radio button when clicked (radio buttons do not wrap)."""

    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit()
        super().mousePressEvent(event)


def option_row(radio: QRadioButton, text: str) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(radio, 0, Qt.AlignmentFlag.AlignTop)
    label = ClickLabel(text)
    label.setWordWrap(True)
    label.clicked.connect(lambda: radio.setChecked(True) if radio.isEnabled() else None)
    row.addWidget(label, 1)
    return row
