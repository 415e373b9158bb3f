"""Layout of the phrase editor: the fields, the text with placeholder buttons, the linter's hits
and the justification a trainer writes to keep a flagged wording."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #c62828;"
HINT_STYLE = "color: #555555;"


class PhraseEditorView(QWidget):
    def __init__(self, placeholders: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        form = QFormLayout()
        self.scope_label = QLabel()
        form.addRow(self.tr("范围"), self.scope_label)
        self.scene_combo = QComboBox()
        form.addRow(self.tr("场景"), self.scene_combo)
        self.intent_edit = QLineEdit()
        self.intent_edit.setPlaceholderText(self.tr("例如：问候、确认尺码、安抚情绪"))
        form.addRow(self.tr("意图"), self.intent_edit)
        self.shortcut_edit = QLineEdit()
        self.shortcut_edit.setPlaceholderText(self.tr("小写字母和数字，例如 hy1"))
        form.addRow(self.tr("快捷码"), self.shortcut_edit)
        self.brand_combo = QComboBox()
        form.addRow(self.tr("品牌"), self.brand_combo)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText(self.tr("用顿号或逗号分隔"))
        form.addRow(self.tr("标签"), self.tags_edit)
        outer.addLayout(form)

        outer.addWidget(QLabel(self.tr("话术内容")))
        self.text_edit = QPlainTextEdit()
        self.text_edit.setMinimumHeight(90)
        outer.addWidget(self.text_edit, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(self.tr("插入占位符：")))
        self.placeholder_buttons: list[QPushButton] = []
        for name in placeholders:
            button = QPushButton("{" + name + "}")
            button.setProperty("placeholder", name)
            self.placeholder_buttons.append(button)
            buttons.addWidget(button)
        buttons.addStretch(1)
        outer.addLayout(buttons)

        self.hits_view = QTextBrowser()  # scrolls when there are many hits
        self.hits_view.setMaximumHeight(150)
        outer.addWidget(self.hits_view)

        self.justification_label = QLabel(self.tr("保留理由（含违规用语时必填，会记入操作日志）"))
        self.justification_edit = QPlainTextEdit()
        self.justification_edit.setFixedHeight(60)
        outer.addWidget(self.justification_label)
        outer.addWidget(self.justification_edit)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        outer.addWidget(self.error_label)

        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.button_box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存"))
        self.button_box.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        outer.addWidget(self.button_box)
