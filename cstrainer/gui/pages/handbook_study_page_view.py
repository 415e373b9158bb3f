"""Layout of the 手册学习 page: four tabs - today's flashcard review, the person's progress per
product, the team's progress (trainers, managers) and the card list of one document (trainers).

::

    +-- 今日复习 | 学习进度 | 团队进度 | 卡片管理 ---------------------------------------------+
    | 范围 [全部手册            v]                      剩余：待复习 3 · 新卡 12    [刷新]   |
    | [=======-----------------------------------------------------------]  第 2 / 15 张  |
    | +--------------------------------------------------------------------------------+ |
    | | 商品 · 沁屿香氛洗衣液 · 价格                                             [新卡] | |
    | |                                                                                | |
    | |                 沁屿香氛洗衣液 2kg 瓶装日常价多少？                              | |
    | |                 ----------------------------------                             | |
    | |                 答案（翻开后显示）                                               | |
    | +--------------------------------------------------------------------------------+ |
    |                         [ 显示答案（空格） ]                                          |
    |            [忘了 1]  [模糊 2]  [记得 3]  [很熟 4]                                     |
    +-------------------------------------------------------------------------------------+
"""

from __future__ import annotations

from typing import Any

from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    Qt,
    QTableView,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREEN, GREY, MUTED_STYLE, RED, bold

BLUE = "#1677ff"
CARD_STYLE = (
    "QFrame#flashcard { background: #ffffff; border: 1px solid #d6dde8; border-radius: 10px; }"
    " QFrame#flashcard QLabel { border: none; background: transparent; }"
)
#: (label, key, colour) of the four ratings, fsrs Again / Hard / Good / Easy
RATINGS: tuple[tuple[str, str, str], ...] = (
    ("忘了", "1", RED),
    ("模糊", "2", "#ef6c00"),
    ("记得", "3", GREEN),
    ("很熟", "4", "#1565c0"),
)
CARD_TEXT_WIDTH = 760
PROGRESS_COLUMNS = ("类型", "名称", "卡片", "已学", "已掌握", "待复习", "掌握进度")


def _scaled(widget: QWidget, factor: float, *, bold_font: bool = False) -> None:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold_font)
    widget.setFont(font)


def _button_style(colour: str) -> str:
    return (
        f"QPushButton {{ background: {colour}; color: white; border: none; border-radius: 6px;"
        " padding: 8px 18px; font-weight: bold; }"
        " QPushButton:disabled { background: #dadce0; color: #80868b; }"
    )


def _table_view() -> QTableView:
    view = QTableView()
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    view.setWordWrap(True)
    return view


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(MUTED_STYLE)
    return label


class HandbookStudyPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)

        # --- 今日复习 ------------------------------------------------------------------------------
        self.study_tab = QWidget()
        self.study_tab.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        lay = QVBoxLayout(self.study_tab)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("范围")))
        self.scope_combo = QComboBox()
        self.scope_combo.setMinimumWidth(300)
        self.scope_combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # keys 1-4 and space stay with the card
        row.addWidget(self.scope_combo)
        row.addStretch(1)
        self.counts_label = QLabel()
        row.addWidget(self.counts_label)
        self.reload_button = QPushButton(self.tr("刷新"))
        self.reload_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row.addWidget(self.reload_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.session_progress = QProgressBar()
        self.session_progress.setTextVisible(False)
        self.session_progress.setMaximumHeight(8)
        row.addWidget(self.session_progress, 1)
        self.position_label = QLabel()
        self.position_label.setStyleSheet(f"color: {GREY};")
        row.addWidget(self.position_label)
        lay.addLayout(row)

        self.card_stack = QStackedWidget()
        # the card
        self.card_frame = QFrame()
        self.card_frame.setObjectName("flashcard")
        self.card_frame.setStyleSheet(CARD_STYLE)
        cl = QVBoxLayout(self.card_frame)
        cl.setContentsMargins(22, 14, 22, 18)
        cl.setSpacing(10)
        meta = QHBoxLayout()
        self.card_meta_label = QLabel()
        self.card_meta_label.setStyleSheet(f"color: {GREY};")
        meta.addWidget(self.card_meta_label, 1)
        self.card_badge = QLabel()
        self.card_badge.setObjectName("cardBadge")
        meta.addWidget(self.card_badge)
        cl.addLayout(meta)
        cl.addStretch(1)
        # the text in a centred column: a long answer list reads like a page, not a banner
        body = QWidget()
        body.setMaximumWidth(CARD_TEXT_WIDTH)
        bl = QVBoxLayout(body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.setSpacing(10)
        self.front_label = QLabel()
        self.front_label.setWordWrap(True)
        self.front_label.setTextFormat(Qt.TextFormat.PlainText)
        self.front_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _scaled(self.front_label, 1.6, bold_font=True)
        bl.addWidget(self.front_label)
        self.answer_line = QFrame()
        self.answer_line.setFrameShape(QFrame.Shape.HLine)
        self.answer_line.setStyleSheet("color: #e3e5e8;")
        bl.addWidget(self.answer_line)
        self.back_label = QLabel()
        self.back_label.setWordWrap(True)
        self.back_label.setTextFormat(Qt.TextFormat.PlainText)
        self.back_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.back_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.back_label.setStyleSheet("color: #1f3b63;")
        _scaled(self.back_label, 1.25)
        bl.addWidget(self.back_label)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(body, 100)
        centred.addStretch(1)
        cl.addLayout(centred)
        cl.addStretch(2)
        self.card_stack.addWidget(self.card_frame)
        # the end of the session
        self.done_frame = QFrame()
        self.done_frame.setObjectName("flashcard")
        self.done_frame.setStyleSheet(CARD_STYLE)
        dl = QVBoxLayout(self.done_frame)
        dl.setContentsMargins(22, 18, 22, 18)
        dl.addStretch(1)
        self.done_title = QLabel()
        self.done_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_title.setStyleSheet(f"color: {GREEN};")
        _scaled(self.done_title, 1.6, bold_font=True)
        dl.addWidget(self.done_title)
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        self.done_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _scaled(self.done_label, 1.15)
        dl.addWidget(self.done_label)
        self.again_button = QPushButton(self.tr("再来一组"))
        self.again_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        again_row = QHBoxLayout()
        again_row.addStretch(1)
        again_row.addWidget(self.again_button)
        again_row.addStretch(1)
        dl.addLayout(again_row)
        dl.addStretch(2)
        self.card_stack.addWidget(self.done_frame)
        lay.addWidget(self.card_stack, 1)

        row = QHBoxLayout()
        row.addStretch(1)
        self.show_button = QPushButton(self.tr("显示答案（空格）"))
        self.show_button.setStyleSheet(_button_style(BLUE))
        self.show_button.setMinimumWidth(260)
        self.show_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        _scaled(self.show_button, 1.15)
        row.addWidget(self.show_button)
        self.rating_buttons: list[QPushButton] = []
        for label, key, colour in RATINGS:
            button = QPushButton(f"{self.tr(label)}  {key}")
            button.setStyleSheet(_button_style(colour))
            button.setMinimumWidth(110)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            _scaled(button, 1.15)
            self.rating_buttons.append(button)
            row.addWidget(button)
        row.addStretch(1)
        lay.addLayout(row)
        self.study_status = QLabel()
        self.study_status.setStyleSheet(f"color: {RED};")
        self.study_status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.study_status)
        lay.addWidget(
            _hint(
                self.tr(
                    "空格翻开答案，按 1-4 打分：忘了的卡片几分钟后再出现，越熟下次隔得越久（FSRS 记忆曲线）。"
                    "先复习到期的卡片，再学新卡，每天最多 20 张新卡。"
                )
            )
        )
        self.study_index = self.tabs.addTab(self.study_tab, self.tr("今日复习"))

        # --- 学习进度 ------------------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        self.progress_summary = bold(QLabel())
        self.progress_summary.setWordWrap(True)
        lay.addWidget(self.progress_summary)
        self.progress_table = QTableWidget(0, len(PROGRESS_COLUMNS))
        self.progress_table.setHorizontalHeaderLabels([self.tr(c) for c in PROGRESS_COLUMNS])
        self.progress_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.progress_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.progress_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.progress_table.verticalHeader().setVisible(False)
        self.progress_table.setAlternatingRowColors(True)
        header = self.progress_table.horizontalHeader()
        for column in range(len(PROGRESS_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(PROGRESS_COLUMNS) - 1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(len(PROGRESS_COLUMNS) - 1, 220)
        lay.addWidget(self.progress_table, 1)
        self.progress_hint = _hint(
            self.tr("双击一行，只复习这份手册的卡片。“已掌握”：记忆稳定度达到 21 天以上的卡片。")
        )
        lay.addWidget(self.progress_hint)
        self.progress_index = self.tabs.addTab(page, self.tr("学习进度"))

        # --- 团队进度 (trainers and managers) -----------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        self.team_summary = QLabel()
        self.team_summary.setWordWrap(True)
        lay.addWidget(self.team_summary)
        self.team_table = _table_view()
        lay.addWidget(self.team_table, 1)
        self.team_index = self.tabs.addTab(page, self.tr("团队进度"))

        # --- 卡片管理 (trainers) -------------------------------------------------------------------
        page = QWidget()
        lay = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("手册")))
        self.cards_doc_combo = QComboBox()
        self.cards_doc_combo.setMinimumWidth(300)
        row.addWidget(self.cards_doc_combo)
        row.addStretch(1)
        self.add_card_button = QPushButton(self.tr("新增卡片…"))
        self.edit_card_button = QPushButton(self.tr("编辑…"))
        self.retire_card_button = QPushButton(self.tr("停用"))
        for b in (self.add_card_button, self.edit_card_button, self.retire_card_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.cards_table = _table_view()
        lay.addWidget(self.cards_table, 1)
        self.cards_status = QLabel()
        self.cards_status.setWordWrap(True)
        lay.addWidget(self.cards_status)
        lay.addWidget(
            _hint(
                self.tr(
                    "“自动”卡片由手册的价格、规格、成分、尺码、卖点、常见问题等字段生成，修改手册后自动更新；"
                    "培训师卡片可以编辑或停用，停用后不再安排复习。"
                )
            )
        )
        self.cards_index = self.tabs.addTab(page, self.tr("卡片管理"))


class CardEditorView(QDialog):
    """A trainer's card: question and answer. ``card`` is the card edited (None: a new one of the
    document ``doc``)."""

    def __init__(self, title: str, doc_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: Any = None
        self.doc: tuple[str, str] = ("", "")
        self.setWindowTitle(title)
        self.resize(560, 400)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.doc_label = bold(QLabel(doc_title))
        form.addRow(self.tr("手册"), self.doc_label)
        self.front_edit = QPlainTextEdit()
        self.front_edit.setPlaceholderText(self.tr("像培训师提问一样写，例如：这款洗衣液能用于丝绸吗？"))
        self.front_edit.setTabChangesFocus(True)
        form.addRow(self.tr("问题"), self.front_edit)
        self.back_edit = QPlainTextEdit()
        self.back_edit.setPlaceholderText(self.tr("标准答案，客服要记住的要点"))
        self.back_edit.setTabChangesFocus(True)
        form.addRow(self.tr("答案"), self.back_edit)
        lay.addLayout(form, 1)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {RED};")
        lay.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.rejected.connect(self.reject)
        self.front_edit.textChanged.connect(self.error_label.clear)
        self.back_edit.textChanged.connect(self.error_label.clear)
        lay.addWidget(self.buttons)
