"""Layout of the role-play chat, after the Qianniu (千牛) workbench.

::

    +-----------------------------------------------------------+-------------------+
    | (avatar) nickname  [persona]   心情 [====]  耐心 [===]     |  商品卡片          |
    |          scenario title · stage        回复计时 [====] 12 s |  name, price,     |
    +-----------------------------------------------------------+  selling points    |
    |  customer bubbles left, agent bubbles right, "typing..."   +-------------------+
    |                                                             |  快捷短语 [search] |
    +-----------------------------------------------------------+  list (double-    |
    |  input box (Enter sends, Shift+Enter new line)     [发送]   |  click inserts)   |
    |  [即时点评] [手册] notes                    [结束对话]       |                   |
    +-----------------------------------------------------------+-------------------+

[手册] opens a third column on the right, the handbook panel (cstrainer/gui/widgets/handbook_panel.py).
"""

from __future__ import annotations

from cstrainer.gui.pages.exam_session_view import OfflineBanner
from cstrainer.gui.qt import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.style import GREY
from cstrainer.gui.style import bold as _bold
from cstrainer.gui.widgets.chat_bubbles import Avatar, ChatTranscript
from cstrainer.gui.widgets.roleplay_meters import LevelMeter, ReplyCountdown

BLUE = "#1677ff"


class ReplyInput(QPlainTextEdit):
    """The input box: Enter sends, Shift+Enter (or Ctrl+Enter) starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            if not mods & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
                self.submitted.emit()
                return
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)


class ProductCard(QFrame):
    """Product name, price range and key selling points."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productCard")
        self.setStyleSheet(
            "QFrame#productCard { background: #ffffff; border: 1px solid #e3e5e8; border-radius: 8px; }"
            " QFrame#productCard QLabel { border: none; background: transparent; }"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(4)
        header = _bold(QLabel(self.tr("商品信息")))
        header.setStyleSheet(f"color: {GREY};")
        lay.addWidget(header)
        self.body = QLabel()
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.body)
        self.body.setText(self.tr("正在读取商品信息…"))


class ChatView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(self.splitter)

        # --- the conversation -----------------------------------------------------------------
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(0)

        header = QFrame()
        header.setObjectName("chatHeader")
        header.setStyleSheet(
            "QFrame#chatHeader { background: #ffffff; border: 1px solid #e3e5e8; border-bottom: none;"
            " border-top-left-radius: 8px; border-top-right-radius: 8px; }"
            " QFrame#chatHeader QLabel { border: none; }"
        )
        hl = QHBoxLayout(header)
        hl.setContentsMargins(12, 8, 12, 8)
        hl.setSpacing(10)
        self.avatar = Avatar(size=44)
        hl.addWidget(self.avatar)
        who = QVBoxLayout()
        who.setSpacing(2)
        name_row = QHBoxLayout()
        name_row.setSpacing(6)
        self.name_label = _bold(QLabel(), 1.15)
        name_row.addWidget(self.name_label)
        self.persona_label = QLabel()
        self.persona_label.setObjectName("personaTag")
        name_row.addWidget(self.persona_label)
        self.mode_label = QLabel()
        self.mode_label.setObjectName("modeTag")
        self.mode_label.setStyleSheet(
            "QLabel#modeTag { color: #1677ff; border: 1px solid #91caff; border-radius: 8px;"
            " padding: 0 6px; font-size: 11px; }"
        )
        self.mode_label.setVisible(False)
        name_row.addWidget(self.mode_label)
        name_row.addStretch(1)
        who.addLayout(name_row)
        self.title_label = QLabel()
        self.title_label.setStyleSheet(f"color: {GREY};")
        who.addWidget(self.title_label)
        hl.addLayout(who, 1)
        meters = QVBoxLayout()
        meters.setSpacing(4)
        self.mood_meter = LevelMeter(self.tr("心情"))
        self.patience_meter = LevelMeter(self.tr("耐心"))
        self.countdown = ReplyCountdown()
        for m in (self.mood_meter, self.patience_meter, self.countdown):
            m.setMinimumWidth(250)
            meters.addWidget(m)
        hl.addLayout(meters)
        lv.addWidget(header)

        self.goal_label = QLabel()
        self.goal_label.setObjectName("goalLabel")
        self.goal_label.setWordWrap(True)
        self.goal_label.setStyleSheet(
            "QLabel#goalLabel { background: #f0f7ff; border: 1px solid #e3e5e8; border-bottom: none;"
            " color: #1f3b63; padding: 4px 12px; }"
        )
        lv.addWidget(self.goal_label)

        self.transcript = ChatTranscript()
        self.transcript.setStyleSheet("QScrollArea { border: 1px solid #e3e5e8; }")
        lv.addWidget(self.transcript, 1)

        self.speech_note = QLabel()
        self.speech_note.setObjectName("speechNote")
        self.speech_note.setWordWrap(True)
        self.speech_note.setStyleSheet(
            "QLabel#speechNote { color: #8d6e00; background: #fffbe6; padding: 3px 10px; }"
        )
        self.speech_note.setVisible(False)
        lv.addWidget(self.speech_note)

        # The server cannot be reached: the reply waits on this PC (see ChatSessionWidget).
        self.offline_banner = OfflineBanner()
        lv.addWidget(self.offline_banner)

        input_frame = QFrame()
        input_frame.setObjectName("inputFrame")
        input_frame.setStyleSheet(
            "QFrame#inputFrame { background: #ffffff; border: 1px solid #e3e5e8; border-top: none;"
            " border-bottom-left-radius: 8px; border-bottom-right-radius: 8px; }"
        )
        il = QVBoxLayout(input_frame)
        il.setContentsMargins(10, 6, 10, 8)
        il.setSpacing(4)
        self.input = ReplyInput()
        self.input.setPlaceholderText(self.tr("输入回复，Enter 发送，Shift+Enter 换行"))
        self.input.setFixedHeight(84)
        self.input.setStyleSheet("QPlainTextEdit { border: none; font-size: 14px; }")
        il.addWidget(self.input)
        actions = QHBoxLayout()
        self.feedback_box = QCheckBox(self.tr("即时点评"))
        self.feedback_box.setToolTip(self.tr("练习时在每条回复下显示命中的要点和违规词；测评时关闭"))
        actions.addWidget(self.feedback_box)
        self.handbook_button = QPushButton(self.tr("手册"))
        self.handbook_button.setCheckable(True)
        self.handbook_button.setToolTip(self.tr("在右侧查产品手册（不打断对话，回复计时照常）"))
        self.handbook_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the reply box keeps the focus
        actions.addWidget(self.handbook_button)
        self.status_label = QLabel()
        self.status_label.setStyleSheet(f"color: {GREY};")
        actions.addWidget(self.status_label, 1)
        self.end_button = QPushButton(self.tr("结束对话"))
        actions.addWidget(self.end_button)
        self.send_button = QPushButton(self.tr("发送"))
        self.send_button.setStyleSheet(
            f"QPushButton {{ background: {BLUE}; color: white; border: none; border-radius: 4px;"
            " padding: 6px 22px; font-weight: bold; }"
            " QPushButton:disabled { background: #dadce0; color: #80868b; }"
        )
        actions.addWidget(self.send_button)
        il.addLayout(actions)
        lv.addWidget(input_frame)
        self.splitter.addWidget(left)

        # --- the side panel -------------------------------------------------------------------
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(6, 0, 0, 0)
        rv.setSpacing(8)
        self.product_card = ProductCard()
        self.product_card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        rv.addWidget(self.product_card)
        phrases_title = _bold(QLabel(self.tr("快捷短语")))
        rv.addWidget(phrases_title)
        self.phrase_search = QLineEdit()
        self.phrase_search.setPlaceholderText(self.tr("搜索快捷码或内容"))
        self.phrase_search.setClearButtonEnabled(True)
        rv.addWidget(self.phrase_search)
        self.phrase_list = QListWidget()
        self.phrase_list.setWordWrap(True)
        self.phrase_list.setToolTip(self.tr("双击插入输入框"))
        rv.addWidget(self.phrase_list, 1)
        self.phrase_hint = QLabel(self.tr("双击插入输入框"))
        self.phrase_hint.setStyleSheet(f"color: {GREY}; font-size: 11px;")
        rv.addWidget(self.phrase_hint)
        right.setMinimumWidth(230)
        right.setMaximumWidth(340)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([700, 280])

    def add_side_panel(self, panel: QWidget, width: int = 340) -> None:
        """A third column on the right (the handbook panel), ``width`` wide; the chat gives way."""
        sizes = self.splitter.sizes()
        self.splitter.addWidget(panel)
        self.splitter.setStretchFactor(self.splitter.count() - 1, 0)
        if sizes and sum(sizes) > 0:
            chat = max(300, sizes[0] - width)
            self.splitter.setSizes([chat, *sizes[1:], width])

    def set_persona_tag(self, persona: str, colour: str) -> None:
        self.persona_label.setText(persona)
        self.persona_label.setStyleSheet(
            f"QLabel#personaTag {{ color: white; background: {colour}; border-radius: 8px;"
            " padding: 0 7px; font-size: 11px; }"
        )
