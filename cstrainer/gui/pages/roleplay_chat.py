"""The role-play chat: one simulated customer (:class:`ChatSessionWidget`), several at once in rush
mode (:class:`RushChatWidget`), and the flow from starting a session to its scorecard
(:class:`ChatFlow`, also in a window of its own for the scenario editor: :func:`open_chat`).

Timing. The reply clock starts when the customer's line appears (after the "typing..." delay) and
stops when the agent sends; that response time goes to ``RolePlayService.reply``, which decides
what it costs (slow replies drain patience). The chat only *shows* the cost coming: after the
target the patience bar drops by :data:`PATIENCE_PER_SECOND` a second, and when it would reach
zero the customer leaves - the chat calls ``give_up`` and the session ends with 流失.

The server unreachable. A reply is written to the offline journal on this PC
(:mod:`cstrainer.services.offline_journal`) before it is sent, and removed when the service has
stored it. If the database cannot be reached the reply stays on screen marked 未发送, a banner says
so (which retry, in how many seconds, 立即重试) and that the customer cannot answer before the
reply is stored; the retries back off like the exam's. The reply clock is stopped meanwhile (the
agent has answered; the outage is not their delay). A resend first checks the stored conversation
(``after_seq``), so a reply whose confirmation was lost is never stored twice. Closing the app or a
crash while offline loses nothing: the journal is replayed at the next login, and when the session
is reopened the reply is shown and sent again.

Threads. Every service call goes through ``ctx.runner.db``; speech runs in ``ctx.runner.pool``
jobs that hand the actual engine calls to one dedicated thread (pyttsx3 engines must be used on the
thread that created them). Widgets are touched only in the callbacks, on the UI thread.
"""

from __future__ import annotations

import contextlib
import html
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cstrainer.domain.phrases import fill_placeholders
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.roleplay_chat_view import ChatView
from cstrainer.gui.pages.roleplay_scorecard import RushScorecardWidget, ScorecardWidget
from cstrainer.gui.qt import (
    QColor,
    QCoreApplication,
    QLabel,
    QListWidgetItem,
    QObject,
    QPushButton,
    QStackedWidget,
    Qt,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    is_valid_qobject,
)
from cstrainer.gui.style import GREEN, GREY, RED
from cstrainer.gui.widgets.chat_bubbles import (
    AGENT_COLOUR,
    BANNED_COLOUR,
    HIT_COLOUR,
    ChatBubble,
    Mark,
    highlight_html,
    persona_colour,
)
from cstrainer.gui.widgets.handbook_panel import HandbookPanel
from cstrainer.services.offline_journal import (
    ROLEPLAY_REPLY,
    AlreadyStored,
    ClaimHold,
    deliver_reply,
    is_connection_error,
    journal_for,
    roleplay_key,
)
from cstrainer.services.roleplay import ProductCard
from cstrainer.speech import Speaker, create_speaker

log = logging.getLogger(__name__)

#: What the service charges for each second over the reply-time target (the contract's rule).
PATIENCE_PER_SECOND = 2.0
TICK_MS = 200
RETRY_MS = (2_000, 5_000, 10_000, 30_000)  # back-off between resends while the server is unreachable
LIBRARY_ROLE = Qt.ItemDataRole.UserRole + 1  # (key, scope) of a phrase-library row
LIBRARY_LIMIT = 30
LIBRARY_COLOUR = "#1f4e79"
OUTCOME_COLOURS = {"流失": RED, "投诉": RED, "差评": RED, "未成交": "#ef6c00"}


def _t(text: str) -> str:
    return QCoreApplication.translate("RolePlayChat", text)


def typing_delay(text: str, scale: float = 1.0) -> float:
    """Seconds the customer "types" before a line appears: 0.6 s + 60 ms a character, at most 3 s."""
    return min(3.0, 0.6 + 0.06 * len(text)) * scale


@dataclass
class ChatOptions:
    """Knobs of a chat; tests make time fast and controllable.

    ``typing_scale`` multiplies the typing delay (0 = lines appear at once); ``feedback`` shows the
    inline feedback under each reply (practice) or not (test); ``clock`` is the monotonic clock the
    reply timer reads; ``speaker_factory`` makes the voice-mode speaker (on the speech thread).
    """

    typing_scale: float = 1.0
    feedback: bool = True
    clock: Callable[[], float] = time.monotonic
    speaker_factory: Callable[[], Speaker] = create_speaker
    seed: int | None = None


# --- product card ------------------------------------------------------------------------------------


def load_products(services: Any, actor: Any, keys: Sequence[str]) -> list[ProductCard]:
    """On the database thread: the product cards of the scenario's products."""
    return services.roleplay.product_cards(actor, list(keys)) if keys else []


def product_html(products: Sequence[ProductCard], keys: Sequence[str]) -> str:
    if not products:
        if not keys:
            return _t("这个场景没有关联商品。")
        return html.escape(_t("商品：{keys}（没有找到商品资料）").format(keys="、".join(keys)))
    parts = []
    for p in products:
        if p.price_min is not None and p.price_max is not None and p.price_max != p.price_min:
            price = f"¥{p.price_min:g} – ¥{p.price_max:g}"
        elif p.price_min is not None:
            price = f"¥{p.price_min:g}"
        else:
            price = ""
        points = "".join(f"<li>{html.escape(s)}</li>" for s in p.selling_points[:4])
        parts.append(
            f"<b>{html.escape(p.name)}</b><br>"
            + (f'<span style="color:#e4393c; font-weight:bold;">{price}</span>' if price else "")
            + (f'<ul style="margin-left:-20px; margin-top:2px;">{points}</ul>' if points else "")
        )
    return "<br>".join(parts)


# --- voice ---------------------------------------------------------------------------------------------


class VoicePlayer(QObject):
    """Speaks customer lines without blocking the UI.

    The speaker is created, and every call made, on one dedicated thread; the task runner's pool
    waits for those calls so results and errors come back to the UI thread as usual.
    """

    unavailable = Signal(str)

    def __init__(self, runner: Any, factory: Callable[[], Speaker], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._factory = factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cstrainer-speech")
        self._speaker: Speaker | None = None
        self.available: bool | None = None  # None until the speaker was created
        self.reason: str | None = None
        self._closed = False
        self._on_speech_thread(self._create, on_done=self._created)

    def _on_speech_thread(
        self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None
    ) -> None:
        # Queued on the speech thread here, on the GUI thread, so calls run in the order they were
        # made (the speaker is created before the first line is said); a pool job waits for the
        # result and brings it back to the GUI thread.
        future = self._executor.submit(fn, *args)
        self._runner.pool(future.result, on_done=on_done, on_error=self._failed, owner=self)

    def _create(self) -> tuple[bool, str | None]:
        self._speaker = self._factory()
        return bool(self._speaker.available), self._speaker.unavailable_reason

    def _created(self, result: tuple[bool, str | None]) -> None:
        self.available, self.reason = result
        if not self.available:
            self.unavailable.emit(self.reason or _t("语音不可用"))

    def _failed(self, exc: BaseException) -> None:
        self.available = False
        self.reason = str(exc) or type(exc).__name__
        self.unavailable.emit(self.reason)

    def _speak(self, text: str) -> None:
        if self._speaker is not None and self._speaker.available:
            self._speaker.speak(text)

    def say(self, text: str) -> None:
        if self._closed or self.available is False:
            return
        self._on_speech_thread(self._speak, text)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._speaker is not None:
            with contextlib.suppress(Exception):
                self._speaker.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)


# --- one customer -------------------------------------------------------------------------------------


@dataclass
class _KeyPointText:
    label: str
    feedback: str
    synonyms: tuple[str, ...] = ()


@dataclass
class _Pending:
    role: str
    text: str
    message: Any = None


@dataclass
class _Unsent:
    """A reply the service has not confirmed yet."""

    text: str
    seconds: float
    after_seq: int | None  # the seq of the customer line it answers
    entry_id: str | None  # in the offline journal
    bubble: Any = None


@dataclass
class ChatStats:
    replies: int = 0
    within_target: int = 0
    seconds: list[float] = field(default_factory=list)


class ChatSessionWidget(QWidget):
    """One running role-play session.

    Signals: ``ended(scorecard)`` when the conversation is over and graded; ``scorecard_requested``
    when the agent asks to see the scorecard; ``customer_line(text)`` when a customer line appears
    (rush mode counts unread lines with it).
    """

    ended = Signal(object)
    scorecard_requested = Signal()
    customer_line = Signal(str)
    reload_requested = Signal(object)  # a SessionView: show the conversation as stored (after a resync)

    def __init__(
        self,
        ctx: PageContext,
        session: Any,
        *,
        scenario: Any = None,
        options: ChatOptions | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.session_id: int = session.session_id
        self.options = options or ChatOptions()
        self.scenario = scenario
        self.view = ChatView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

        self.target = float(session.reply_time_target_seconds or 20)
        self.mood = int(session.mood)
        self.patience = int(session.patience)
        self.outcome: str | None = session.outcome
        self.scorecard: Any = None
        self.state = "starting"  # typing | waiting | sending | ending | ended
        self.shown_at: float | None = None
        self.current_turn: str | None = None
        self.stats = ChatStats()
        self.phrases: list[tuple[str, str]] = list(session.phrases)  # the scenario's suggestions
        self.library_hits: list[Any] = []  # PhraseHit from the phrase library for the current query
        self.product_names: list[str] = []
        self._phrase_seq = 0
        self.key_points: dict[tuple[str | None, str], _KeyPointText] = {}
        self._queue: list[_Pending] = []
        self._last_agent_bubble: ChatBubble | None = None
        self.customer_colour = persona_colour(session.persona)
        self.voice: VoicePlayer | None = None
        self.journal = journal_for(ctx.services, ctx.actor)
        # This widget sends its session's reply itself (the main window's replay skips it).
        self._claim = ClaimHold(self.journal, roleplay_key(self.session_id))
        self.destroyed.connect(self._claim.release_from_destroyed)
        self.last_seq: int | None = session.messages[-1].seq if session.messages else None
        self.unsent: _Unsent | None = None
        self.offline = False
        self._give_up_unsent: float | None = None  # the customer left, not stored yet (offline)
        self._retries = 0
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.retry_now)

        self._typing_timer = QTimer(self)
        self._typing_timer.setSingleShot(True)
        self._typing_timer.timeout.connect(self._show_next_line)
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_MS)
        self._tick_timer.timeout.connect(self.tick)

        v = self.view
        v.avatar.set_avatar(session.customer_name or session.persona, self.customer_colour)
        v.name_label.setText(session.customer_name or _t("顾客"))
        v.set_persona_tag(session.persona, self.customer_colour)
        title = session.scenario_title + (_t("（草稿试玩）") if session.draft else "")
        v.title_label.setText(f"{title} · {session.stage}")
        v.goal_label.setText(_t("目标：{goal}").format(goal=session.goal))
        if session.mode in ("voice", "rush"):
            v.mode_label.setText(_t("语音模式") if session.mode == "voice" else _t("大促"))
            v.mode_label.setVisible(True)
        v.mood_meter.set_value(self.mood)
        v.patience_meter.set_value(self.patience)
        v.feedback_box.setChecked(self.options.feedback)
        v.feedback_box.toggled.connect(self._feedback_toggled)
        v.input.submitted.connect(self.send)
        v.send_button.clicked.connect(self.send)
        v.end_button.clicked.connect(self._end_clicked)
        v.phrase_search.textChanged.connect(self._filter_phrases)
        v.phrase_list.itemDoubleClicked.connect(self._insert_phrase)
        self.handbook_panel: HandbookPanel | None = None  # made the first time 手册 is pressed
        v.handbook_button.toggled.connect(self.toggle_handbook)
        self._fill_phrases()
        v.status_label.setText(_t("回复时限 {s} 秒").format(s=f"{self.target:g}"))

        if session.mode == "voice":
            self.voice = VoicePlayer(ctx.runner, self.options.speaker_factory, self)
            self.voice.unavailable.connect(self._speech_unavailable)

        v.offline_banner.retry_button.clicked.connect(self.retry_now)

        self._load_scenario()
        self._load_products()
        recovered = self._recover_from_journal()
        if recovered is None:
            self._replay_stored(session.messages)
        else:
            self._resume_unsent(recovered)
        self._tick_timer.start()
        self._update_controls()

    # --- loading --------------------------------------------------------------------------------------

    def _load_scenario(self) -> None:
        if self.scenario is not None:
            self._index_scenario(self.scenario)
            return
        self.ctx.runner.db(
            self.ctx.services.roleplay.get_scenario,
            self.ctx.actor,
            self.session.scenario_key,
            on_done=self._index_scenario,
            on_error=lambda exc: log.warning("no scenario for feedback labels: %s", exc),
            owner=self,
            name="roleplay.get_scenario",
        )

    def _index_scenario(self, scenario: Any) -> None:
        self.scenario = scenario
        for turn in getattr(scenario, "turns", ()):
            for kp in turn.key_points:
                label = kp.synonyms[0] if kp.synonyms else kp.id
                entry = _KeyPointText(label, kp.feedback, tuple(kp.synonyms))
                self.key_points[(turn.id, kp.id)] = entry
                self.key_points.setdefault((None, kp.id), entry)
        if not self.phrases:
            self.phrases = [(p.shortcut, p.text) for p in getattr(scenario, "phrases", ())]
            self._fill_phrases()

    def _load_products(self) -> None:
        keys = list(self.session.products)
        self.ctx.runner.db(
            load_products,
            self.ctx.services,
            self.ctx.actor,
            keys,
            on_done=lambda products: self._products_loaded(products, keys),
            on_error=lambda exc: self.view.product_card.body.setText(html.escape(str(exc))),
            owner=self,
            name="roleplay.products",
        )

    def _products_loaded(self, products: Sequence[ProductCard], keys: Sequence[str]) -> None:
        self.product_names = [p.name for p in products]
        self.view.product_card.body.setText(product_html(products, keys))

    def _replay_stored(self, messages: Sequence[Any]) -> None:
        """Show what is already stored; the last customer line (if unanswered) "types" in."""
        messages = list(messages)
        last = messages[-1] if messages else None
        pending = last is not None and last.role == "customer" and not self.session.ended
        for m in messages[:-1] if pending else messages:
            self._add_message(m)
        if pending and last is not None:
            self._enqueue_customer(last.text, last)
        elif self.session.ended:
            self._conversation_over(self.session.outcome, None)

    # --- phrases --------------------------------------------------------------------------------------

    # The scenario's suggested phrases stay on top (filtered here as the agent types); below them
    # the team library's matches for the scenario's brand, asked of the service on the database
    # thread at each keystroke. Inserting fills {顾客昵称} and {商品名} and counts the use.

    def _fill_phrases(self) -> None:
        lst = self.view.phrase_list
        lst.clear()
        for shortcut, text in self.phrases:
            item = QListWidgetItem(f"/{shortcut}  {text}" if shortcut else text)
            item.setData(Qt.ItemDataRole.UserRole, text)
            item.setToolTip(text)
            lst.addItem(item)
        if not self.phrases:
            item = QListWidgetItem(_t("这个场景没有推荐短语"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            lst.addItem(item)
        self._filter_local(self.view.phrase_search.text())
        self._add_library_items()

    def _filter_local(self, query: str) -> None:
        q = query.strip().lstrip("/").lower()
        lst = self.view.phrase_list
        for i in range(lst.count()):
            item = lst.item(i)
            if item.data(LIBRARY_ROLE) is None:
                item.setHidden(bool(q) and q not in item.text().lower())

    def _filter_phrases(self, query: str) -> None:
        self._filter_local(query)
        # The library rows belong to the previous query: drop them until the new answer comes.
        self.library_hits = []
        self._remove_library_items()
        q = query.strip().lstrip("/")
        self._phrase_seq += 1
        if not q:
            return
        seq = self._phrase_seq
        brand = getattr(self.scenario, "brand", None)
        self.ctx.runner.db(
            self.ctx.services.phrases.search,
            self.ctx.actor,
            q,
            limit=LIBRARY_LIMIT,
            brand=brand,
            on_done=lambda hits: self._library_found(seq, hits),
            on_error=lambda exc: log.warning("phrase search failed: %s", exc),
            owner=self,
            name="roleplay.phrases",
        )

    def _library_found(self, seq: int, hits: Sequence[Any]) -> None:
        if seq != self._phrase_seq:
            return
        suggested = {text for _shortcut, text in self.phrases}
        self.library_hits = [h for h in hits if h.phrase.text not in suggested]
        self._remove_library_items()
        self._add_library_items()

    def _remove_library_items(self) -> None:
        lst = self.view.phrase_list
        for i in reversed(range(lst.count())):
            if lst.item(i).data(LIBRARY_ROLE) is not None:
                lst.takeItem(i)

    def _add_library_items(self) -> None:
        lst = self.view.phrase_list
        for hit in self.library_hits:
            p = hit.phrase
            label = _t("我的") if p.scope == "personal" else _t("话术库")
            item = QListWidgetItem(f"/{p.shortcut}  {p.text}  [{label}]")
            item.setData(Qt.ItemDataRole.UserRole, p.text)
            item.setData(LIBRARY_ROLE, (p.key, p.scope))
            item.setToolTip(f"{p.scene} · {p.intent}\n{p.text}")
            item.setForeground(QColor(LIBRARY_COLOUR))
            lst.addItem(item)

    def placeholder_values(self) -> dict[str, str]:
        return {
            "顾客昵称": self.session.customer_name or "",
            "商品名": self.product_names[0] if self.product_names else "",
        }

    def _insert_phrase(self, item: QListWidgetItem) -> None:
        text = item.data(Qt.ItemDataRole.UserRole)
        if not text:
            return
        self.view.input.insertPlainText(fill_placeholders(str(text), self.placeholder_values()))
        self.view.input.setFocus()
        source = item.data(LIBRARY_ROLE)
        if source is not None:
            key, scope = source
            self.ctx.runner.db(
                self.ctx.services.phrases.record_use,
                self.ctx.actor,
                key,
                scope=scope,
                on_error=lambda exc: log.warning("phrase use not counted: %s", exc),
                owner=self,
                name="roleplay.phrase_use",
            )

    # --- the handbook panel ----------------------------------------------------------------------------

    def toggle_handbook(self, on: bool) -> None:
        """Show or hide the handbook panel (the scenario's products first). Looking things up
        leaves the timers alone; choosing a hit, Esc or closing gives the focus back to the reply box."""
        panel = self.handbook_panel
        if on:
            if panel is None:
                panel = HandbookPanel(self.ctx, list(self.session.products), focus_back=self.view.input)
                panel.closed.connect(lambda: self.view.handbook_button.setChecked(False))
                self.view.add_side_panel(panel)
                self.handbook_panel = panel
            panel.show()
            panel.search_edit.setFocus()
        elif panel is not None and panel.isVisible():
            panel.hide()
            self.view.input.setFocus()

    # --- the customer's lines -------------------------------------------------------------------------

    def _enqueue_customer(self, text: str, message: Any = None) -> None:
        self._queue.append(_Pending("customer", text, message))
        if not self._typing_timer.isActive():
            self._start_typing()

    def _start_typing(self) -> None:
        if not self._queue:
            return
        pending = self._queue[0]
        self.state = "typing" if self.state not in ("ending", "ended") else self.state
        delay = typing_delay(pending.text, self.options.typing_scale)
        self.view.transcript.typing.start(self.view.name_label.text())
        self.view.countdown.idle(_t("顾客输入中"))
        self._typing_timer.start(int(delay * 1000))
        self._update_controls()

    def _show_next_line(self) -> None:
        self.view.transcript.typing.stop()
        if not self._queue:
            return
        pending = self._queue.pop(0)
        self._add_customer_bubble(pending.text, pending.message)
        if self._queue:
            self._start_typing()
            return
        if self.state == "ending":
            self._show_end()
            return
        self.state = "waiting"
        self.shown_at = self.options.clock()
        self.view.countdown.show_elapsed(0.0, self.target)
        self._update_controls()

    def _add_customer_bubble(self, text: str, message: Any = None) -> ChatBubble:
        when = message.created_at.astimezone() if message is not None else datetime.now()
        bubble = ChatBubble(
            "customer",
            text,
            when.strftime("%H:%M:%S"),
            avatar_text=self.session.customer_name or self.session.persona,
            avatar_colour=self.customer_colour,
            replay=self.voice is not None,
        )
        if self.voice is not None:
            bubble.replay_requested.connect(self.voice.say)
            if self.voice.available is False and bubble.replay_button is not None:
                bubble.replay_button.setEnabled(False)
            self.voice.say(text)
        if message is not None:
            self.current_turn = message.turn_id
        self.view.transcript.add_bubble(bubble)
        self.customer_line.emit(text)
        return bubble

    def _add_message(self, m: Any) -> None:
        if m.role == "customer":
            bubble = ChatBubble(
                "customer",
                m.text,
                m.created_at.astimezone().strftime("%H:%M:%S"),
                avatar_text=self.session.customer_name or self.session.persona,
                avatar_colour=self.customer_colour,
            )
            self.current_turn = m.turn_id
            self.view.transcript.add_bubble(bubble)
        elif m.role == "agent":
            self.view.transcript.add_bubble(self._agent_bubble(m.text, m.created_at.astimezone(), m.seconds))
        else:
            self.view.transcript.add_note(m.text)

    def _agent_bubble(self, text: str, when: datetime, seconds: float) -> ChatBubble:
        me = getattr(self.ctx.actor, "display_name", "") or _t("我")
        return ChatBubble(
            "agent",
            text,
            _t("{time} · 用时 {s} 秒").format(time=when.strftime("%H:%M:%S"), s=f"{seconds:.0f}"),
            avatar_text=me,
            avatar_colour=AGENT_COLOUR,
        )

    # --- the agent's replies --------------------------------------------------------------------------

    def elapsed(self) -> float:
        return 0.0 if self.shown_at is None else max(0.0, self.options.clock() - self.shown_at)

    def silence_limit(self) -> float:
        """Seconds of silence after which the customer's patience has run out."""
        return self.target + max(0, self.patience) / PATIENCE_PER_SECOND

    def send(self) -> None:
        text = self.view.input.toPlainText().strip()
        if not text or self.state != "waiting":
            return
        seconds = round(self.elapsed(), 1)
        self.state = "sending"
        self.shown_at = None
        self.view.input.clear()
        bubble = self._agent_bubble(text, datetime.now(), seconds)
        self._last_agent_bubble = bubble
        self.view.transcript.add_bubble(bubble)
        self.view.countdown.idle(_t("已发送"))
        self.stats.replies += 1
        self.stats.seconds.append(seconds)
        self._update_controls()
        entry_id = self._journal_reply(text, seconds, self.last_seq)
        self.unsent = _Unsent(text, seconds, self.last_seq, entry_id, bubble)
        self._deliver(check=False)

    # --- delivering a reply (the server may be unreachable) -------------------------------------------

    def _journal_reply(self, text: str, seconds: float, after_seq: int | None) -> str | None:
        if self.journal is None:
            return None
        data = {"session_id": self.session_id, "after_seq": after_seq, "text": text, "seconds": seconds}
        try:
            return self.journal.record(ROLEPLAY_REPLY, roleplay_key(self.session_id), data).id
        except (OSError, TypeError, ValueError) as exc:
            log.error("cannot write the reply to the offline journal: %s", exc)
            return None

    def _deliver(self, *, check: bool) -> None:
        """Send the unconfirmed reply; ``check``: it may have been stored already (a resend)."""
        u = self.unsent
        if u is None or self.ctx.runner.closed:
            return
        self.ctx.runner.db(
            deliver_reply,
            self.ctx.services,
            self.ctx.actor,
            self.session_id,
            u.text,
            u.seconds,
            u.after_seq,
            check=check,
            on_done=lambda result: self._delivered(u, result),
            on_error=lambda exc: self._deliver_failed(u, exc),
            owner=self,
            name="roleplay.reply",
        )

    def _delivered(self, u: _Unsent, result: Any) -> None:
        if self.unsent is not u:
            return  # an older try of a reply already settled
        self.unsent = None
        self._back_online()
        if isinstance(result, AlreadyStored):
            self._settle(u, None if result.same else "对话已经继续，这条回复没有再发送")
            log.info(
                "session %s: the reply had been stored already; reloading the conversation", self.session_id
            )
            self.reload_requested.emit(result.view)
            return
        self._settle(u, None)
        self.last_seq = result.customer.seq if result.customer is not None else result.seq
        self._replied(result, u.bubble, u.text)

    def _deliver_failed(self, u: _Unsent, exc: BaseException) -> None:
        if self.unsent is not u:
            return
        if is_connection_error(exc):
            self._went_offline(u)
            return
        # Refused by the service (the session ended meanwhile ...): the text goes back to the box.
        self.unsent = None
        self._settle(u, None)  # not lost: _reply_failed puts the text back into the box
        self._reply_failed(exc, u.bubble, u.text)

    def _settle(self, u: _Unsent, rejected: str | None) -> None:
        """The reply is done with: confirmed (``rejected`` None) or kept aside in rejected.jsonl."""
        if self.journal is None or u.entry_id is None:
            return
        if rejected is None:
            self.journal.acknowledge(u.entry_id)
            return
        for entry in self._journal_entries():
            if entry.id == u.entry_id:
                self.journal.reject(entry, rejected)

    def _journal_entries(self) -> list[Any]:
        if self.journal is None:
            return []
        key = roleplay_key(self.session_id)
        return [e for e in self.journal.pending(ROLEPLAY_REPLY, prefix=key) if e.key == key]

    def _went_offline(self, u: _Unsent | None) -> None:
        if not self.offline:
            log.warning(
                "session %s: the server cannot be reached; the reply waits on this PC", self.session_id
            )
        self.offline = True
        if u is not None and is_valid_qobject(u.bubble):
            u.bubble.time_label.setText(_t("未发送 · 已存本机，恢复连接后自动发送"))
            u.bubble.time_label.setStyleSheet("color: #8a4b00; font-size: 11px;")
        self.view.countdown.idle(_t("等待连接"))
        if not self._retry_timer.isActive():
            delay = RETRY_MS[min(self._retries, len(RETRY_MS) - 1)]
            self._retries += 1
            self._retry_timer.start(delay)
        self._update_offline_banner()

    def _back_online(self) -> None:
        self._retries = 0
        self._retry_timer.stop()
        if self.offline:
            self.offline = False
            self.view.offline_banner.setVisible(False)
            log.info("session %s: the server answers again", self.session_id)

    def retry_now(self) -> None:
        """The retry timer, or 立即重试: send the waiting reply again (checked: no double)."""
        self._retry_timer.stop()
        if self.unsent is not None:
            self._deliver(check=True)
        elif self._give_up_unsent is not None:
            self._send_give_up(self._give_up_unsent)
        if self.offline:
            self._update_offline_banner()

    def offline_banner_text(self) -> str:
        if self._retry_timer.isActive():
            left = max(1, round(self._retry_timer.remainingTime() / 1000))
            text = _t("无法连接服务器，正在重试（第 {n} 次，{s} 秒后）…").format(n=self._retries, s=left)
        else:
            text = _t("无法连接服务器，正在重试（第 {n} 次）…").format(n=max(1, self._retries))
        if self._give_up_unsent is not None and self.unsent is None:
            return text + _t(" 顾客已经离开，恢复连接后记录这次对话的结果。")
        return text + _t(" 你的回复已保存在本机，恢复连接后自动发送；回复保存到服务器之前，顾客无法回答。")

    def _update_offline_banner(self) -> None:
        if self.offline and self.state not in ("ended",):
            self.view.offline_banner.show_text(self.offline_banner_text())
        else:
            self.view.offline_banner.setVisible(False)

    def _recover_from_journal(self) -> Any:
        """A reply typed here that the service never confirmed (a crash or a quit while offline)."""
        if self.journal is None:
            return None
        entries = self._journal_entries()
        if not entries:
            return None
        entry = entries[-1]
        after = entry.data.get("after_seq")
        if self.session.ended or after != self.last_seq:
            # Stored already, or the conversation went on: the login replay (or this check) settles it.
            later = [m for m in self.session.messages if after is not None and m.seq > after]
            if (
                later
                and later[0].role == "agent"
                and later[0].text.strip() == str(entry.data["text"]).strip()
            ):
                self.journal.acknowledge(entry.id)
            else:
                self.journal.reject(entry, "对话已经继续或已结束，这条回复没有再发送")
            return None
        return entry

    def _resume_unsent(self, entry: Any) -> None:
        """Show the stored lines at once, then the reply typed offline, and send it (checked)."""
        for m in self.session.messages:
            self._add_message(m)
        text, seconds = str(entry.data["text"]), float(entry.data.get("seconds", 0.0))
        bubble = self._agent_bubble(text, datetime.now(), seconds)
        self._last_agent_bubble = bubble
        self.view.transcript.add_bubble(bubble)
        self.view.countdown.idle(_t("已发送"))
        self.stats.replies += 1
        self.stats.seconds.append(seconds)
        self.state = "sending"
        self.unsent = _Unsent(text, seconds, entry.data.get("after_seq"), entry.id, bubble)
        self._deliver(check=True)

    def _replied(self, rv: Any, bubble: ChatBubble, text: str) -> None:
        if rv.within_target:
            self.stats.within_target += 1
        self._apply_levels(rv.mood, rv.patience)
        if is_valid_qobject(bubble):
            bubble.set_bubble_html(self._reply_html(text, rv))
            bubble.set_feedback(self._feedback_html(rv), self.view.feedback_box.isChecked())
        if rv.customer is not None:
            self.state = "typing" if not rv.ended else "ending"
            self._enqueue_customer(rv.customer.text, rv.customer)
        if rv.ended:
            self._conversation_over(rv.outcome, rv.scorecard)
        elif rv.customer is None:
            self.state = "waiting"
            self.shown_at = self.options.clock()
        self._update_controls()

    def _reply_failed(self, exc: BaseException, bubble: ChatBubble, text: str) -> None:
        self.stats.replies -= 1
        if self.stats.seconds:
            self.stats.seconds.pop()
        if is_valid_qobject(bubble):
            bubble.time_label.setText(_t("发送失败"))
            bubble.time_label.setStyleSheet(f"color: {RED}; font-size: 11px;")
        self.view.input.setPlainText(text)
        self.state = "waiting"
        self.shown_at = self.options.clock()
        self._update_controls()
        errors.show_error(self.window(), exc)

    def _apply_levels(self, mood: int, patience: int) -> None:
        self.mood, self.patience = int(mood), int(patience)
        self.view.mood_meter.set_value(self.mood)
        self.view.patience_meter.set_value(self.patience)

    def _reply_html(self, text: str, rv: Any) -> str:
        marks = [
            Mark(int(b["start"]), int(b["end"]), BANNED_COLOUR, str(b.get("reason", "")), strike=True)
            for b in (dict(x) for x in rv.banned)
            if b.get("start") is not None and b.get("end") is not None
        ]
        spans = getattr(rv.assessment, "hit_spans", None) or getattr(rv.assessment, "spans", None)
        if spans:
            for span in spans:
                start, end = int(span[0]), int(span[1])
                label = self._kp(span[2]).label if len(span) > 2 else ""
                marks.append(Mark(start, end, HIT_COLOUR, label))
        else:  # find the synonyms of the key points hit
            for kp_id in rv.key_points_hit:
                for word in self._kp(kp_id).synonyms:
                    pos = text.find(word)
                    if pos >= 0:
                        marks.append(Mark(pos, pos + len(word), HIT_COLOUR, self._kp(kp_id).label))
                        break
        return highlight_html(text, marks)

    def _kp(self, kp_id: str) -> _KeyPointText:
        return (
            self.key_points.get((self.current_turn, kp_id))
            or self.key_points.get((None, kp_id))
            or _KeyPointText(kp_id, "")
        )

    def _feedback_html(self, rv: Any) -> str:
        lines = []
        if rv.key_points_hit:
            hits = "、".join(html.escape(self._kp(k).label) for k in rv.key_points_hit)
            lines.append(f'<span style="color:{GREEN};">✓ {_t("命中要点")}：{hits}</span>')
        for k in rv.key_points_missed:
            kp = self._kp(k)
            lines.append(f'<span style="color:#ef6c00;">✗ {html.escape(kp.feedback or kp.label)}</span>')
        for b in rv.banned:
            b = dict(b)
            lines.append(
                f'<span style="color:{RED};">！{_t("违规词")}“{html.escape(str(b.get("word", "")))}”：'
                f"{html.escape(str(b.get('reason', '')))}</span>"
            )
        banned_words = {str(dict(b).get("word", "")) for b in rv.banned}
        for f in rv.forbidden:
            if str(f) in banned_words:  # a banned word is also a forbidden move: say it once
                continue
            lines.append(f'<span style="color:{RED};">！{_t("禁止的做法")}：{html.escape(str(f))}</span>')
        if rv.flags:
            lines.append(
                f'<span style="color:{GREY};">{_t("标记")}：{html.escape("、".join(rv.flags))}</span>'
            )
        delta = []
        if rv.mood_delta:
            delta.append(_t("心情 {d:+d}").format(d=int(rv.mood_delta)))
        if rv.patience_delta:
            delta.append(_t("耐心 {d:+d}").format(d=int(rv.patience_delta)))
        if delta:
            lines.append(f'<span style="color:{GREY};">{" · ".join(delta)}</span>')
        return "<br>".join(lines)

    def _feedback_toggled(self, on: bool) -> None:
        for bubble in self.view.transcript.bubbles:
            bubble.show_feedback(on)

    # --- the clock --------------------------------------------------------------------------------------

    def tick(self) -> None:
        if self.offline:
            self._update_offline_banner()
        if self.state != "waiting" or self.shown_at is None:
            return
        elapsed = self.elapsed()
        self.view.countdown.show_elapsed(elapsed, self.target)
        over = max(0.0, elapsed - self.target)
        self.view.patience_meter.set_value(self.patience - PATIENCE_PER_SECOND * over)
        if elapsed >= self.silence_limit():
            self.give_up(elapsed)

    def give_up(self, seconds: float | None = None) -> None:
        """The agent stayed silent until the customer's patience ran out: the customer leaves."""
        if self.state != "waiting":
            return
        seconds = round(self.elapsed() if seconds is None else seconds, 1)
        self.state = "ending"
        self.shown_at = None
        self._update_controls()
        self._send_give_up(seconds)

    def _send_give_up(self, seconds: float) -> None:
        self.ctx.runner.db(
            self.ctx.services.roleplay.give_up,
            self.ctx.actor,
            self.session_id,
            seconds,
            on_done=self._gave_up,
            on_error=lambda exc: self._give_up_failed(exc, seconds),
            owner=self,
            name="roleplay.give_up",
        )

    def _give_up_failed(self, exc: BaseException, seconds: float) -> None:
        if is_connection_error(exc):
            self._give_up_unsent = seconds
            self._went_offline(None)
            return
        errors.show_error(self.window(), exc)

    def _gave_up(self, view: Any) -> None:
        self._give_up_unsent = None
        self._back_online()
        self._apply_levels(view.mood, 0)
        self.view.transcript.add_note(_t("顾客等得不耐烦，已经离开了。"), RED)
        self._conversation_over(view.outcome or "流失", None)

    # --- the end ----------------------------------------------------------------------------------------

    def _conversation_over(self, outcome: str | None, scorecard: Any) -> None:
        self.outcome = outcome
        self.scorecard = scorecard
        if self._queue or self._typing_timer.isActive():
            self.state = "ending"  # the customer's last line is still being typed
        else:
            self._show_end()

    def _show_end(self) -> None:
        self.state = "ended"
        self.shown_at = None
        self.view.transcript.typing.stop()
        outcome = self.outcome or _t("提前结束")
        colour = OUTCOME_COLOURS.get(outcome, GREEN if self.outcome else "#ef6c00")
        self.view.transcript.add_note(_t("对话结束：{outcome}").format(outcome=outcome), colour)
        self.view.countdown.idle(_t("已结束"))
        self.view.end_button.setText(_t("查看评分"))
        self._update_controls()
        if self.scorecard is not None:
            self.ended.emit(self.scorecard)
        else:
            self._fetch_scorecard()

    def _fetch_scorecard(self) -> None:
        self.ctx.runner.db(
            self.ctx.services.roleplay.finish,
            self.ctx.actor,
            self.session_id,
            on_done=self._graded,
            owner=self,
            name="roleplay.finish",
        )

    def _graded(self, scorecard: Any) -> None:
        self.scorecard = scorecard
        self.ended.emit(scorecard)
        self._update_controls()

    def _end_clicked(self) -> None:
        if self.state == "ended":
            if self.scorecard is not None:
                self.scorecard_requested.emit()
            return
        if not prompts.confirm(
            self, _t("结束对话"), _t("现在结束对话吗？这次对话会按目前的情况评分。"), ok_text=_t("结束")
        ):
            return
        self.end_now()

    def end_now(self) -> None:
        """Close the conversation early (it is graded as it stands)."""
        if self.state in ("ended", "ending"):
            return
        if self.offline or self.unsent is not None:
            prompts.inform(
                self,
                _t("暂时不能结束对话"),
                _t(
                    "现在连不上服务器，暂时不能结束对话。你的回复已保存在本机，恢复连接后会自动发送，之后再结束即可。"
                ),
            )
            return
        previous = self.state
        self._typing_timer.stop()
        self._queue.clear()
        self.state = "ending"
        self._update_controls()
        self.ctx.runner.db(
            self.ctx.services.roleplay.finish,
            self.ctx.actor,
            self.session_id,
            on_done=self._finished_early,
            on_error=lambda exc: self._end_failed(exc, previous),
            owner=self,
            name="roleplay.finish",
        )

    def _end_failed(self, exc: BaseException, previous: str) -> None:
        if not is_connection_error(exc):
            errors.show_error(self.window(), exc)
            return
        self.state = previous if previous != "typing" else "waiting"
        if self.state == "waiting" and self.shown_at is None:
            self.shown_at = self.options.clock()
        self._update_controls()
        prompts.inform(
            self,
            _t("暂时不能结束对话"),
            _t("现在连不上服务器，对话没有结束，也没有评分。恢复连接后请再点“结束对话”。"),
        )

    def _finished_early(self, scorecard: Any) -> None:
        self.scorecard = scorecard
        self.outcome = getattr(scorecard, "outcome", None) or self.outcome
        self._show_end()

    @property
    def is_over(self) -> bool:
        return self.state == "ended"

    def _update_controls(self) -> None:
        v = self.view
        over = self.state in ("ended", "ending")
        v.send_button.setEnabled(self.state == "waiting")
        v.input.setReadOnly(over)
        v.end_button.setEnabled(self.state != "ending" and (not over or self.scorecard is not None))
        if self.state == "ended":
            v.status_label.setText(_t("对话已结束"))

    def _speech_unavailable(self, reason: str) -> None:
        self.view.speech_note.setText(
            _t("{reason}。本次对话不播放语音，文字照常显示。").format(reason=reason)
        )
        self.view.speech_note.setVisible(True)
        for bubble in self.view.transcript.bubbles:
            if bubble.replay_button is not None:
                bubble.replay_button.setEnabled(False)

    def close_session(self) -> None:
        """Stop the timers and speech (leaving the page, logging out); the session stays stored.
        A reply still unconfirmed stays in the offline journal (sent at the next login)."""
        self._tick_timer.stop()
        self._typing_timer.stop()
        self._retry_timer.stop()
        self._claim.release()
        if self.voice is not None:
            self.voice.close()


# --- rush mode --------------------------------------------------------------------------------------


class RushChatWidget(QWidget):
    """3-5 customers at once in tabs; a tab shows a red count of lines not read yet."""

    all_ended = Signal()
    scorecard_requested = Signal()

    def __init__(
        self,
        ctx: PageContext,
        sessions: Sequence[Any],
        *,
        options: ChatOptions | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rush_group: str | None = sessions[0].rush_group if sessions else None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QLabel(
            _t("大促模式：{n} 位顾客同时咨询，切换标签页逐个回复，每位顾客都有自己的计时。").format(
                n=len(sessions)
            )
        )
        top.setStyleSheet("color: #b71c1c; font-weight: bold; padding: 2px 0 6px 0;")
        self.banner = top
        self.results_button = QPushButton(_t("查看大促成绩单"))
        self.results_button.setVisible(False)
        self.results_button.clicked.connect(self.scorecard_requested.emit)
        row = QVBoxLayout()
        row.addWidget(top)
        row.addWidget(self.results_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.chats: list[ChatSessionWidget] = []
        self.unread: list[int] = []
        self._names: list[str] = []
        self._options = options
        for s in sessions:
            chat = ChatSessionWidget(ctx, s, options=options)
            index = self.tabs.addTab(chat, "")
            self.chats.append(chat)
            self.unread.append(0)
            self._names.append(s.customer_name or s.persona)
            self._wire(chat)
            self._render_tab(index)
        self.tabs.currentChanged.connect(self._tab_changed)

    def _wire(self, chat: ChatSessionWidget) -> None:
        chat.customer_line.connect(lambda _text, c=chat: self._line_arrived(c))
        chat.ended.connect(lambda _card, c=chat: self._chat_ended(c))
        chat.scorecard_requested.connect(self.scorecard_requested.emit)
        chat.reload_requested.connect(lambda view, c=chat: self._reload(c, view))

    def _reload(self, old: ChatSessionWidget, view: Any) -> None:
        """Show one customer's conversation as stored (after a reply whose confirmation was lost)."""
        if old not in self.chats:
            return
        i = self.chats.index(old)
        current = self.tabs.currentIndex()
        chat = ChatSessionWidget(self.ctx, view, options=self._options)
        self._wire(chat)
        old.close_session()
        self.tabs.removeTab(i)
        self.tabs.insertTab(i, chat, "")
        self.chats[i] = chat
        old.deleteLater()
        self.tabs.setCurrentIndex(current)
        self._render_tab(i)

    def _line_arrived(self, chat: ChatSessionWidget) -> None:
        i = self.chats.index(chat)
        if self.tabs.currentIndex() != i:
            self.unread[i] += 1
        self._render_tab(i)

    def _tab_changed(self, index: int) -> None:
        if 0 <= index < len(self.unread):
            self.unread[index] = 0
            self._render_tab(index)

    def _render_tab(self, i: int) -> None:
        chat = self.chats[i]
        name = self._names[i]
        if chat.is_over:
            text = _t("{name}（已结束）").format(name=name)
        elif self.unread[i]:
            text = f"{name} ({self.unread[i]})"
        else:
            text = name
        self.tabs.setTabText(i, text)
        bar = self.tabs.tabBar()
        if self.unread[i]:
            bar.setTabTextColor(i, QColor(RED))
        else:
            bar.setTabTextColor(i, QColor(GREY if chat.is_over else "#202124"))

    def _chat_ended(self, chat: ChatSessionWidget) -> None:
        self._render_tab(self.chats.index(chat))
        if all(c.scorecard is not None for c in self.chats):
            self.results_button.setVisible(True)
            self.all_ended.emit()

    @property
    def all_over(self) -> bool:
        return all(c.scorecard is not None for c in self.chats)

    def close_session(self) -> None:
        for c in self.chats:
            c.close_session()


# --- from start to scorecard ------------------------------------------------------------------------


class ChatFlow(QWidget):
    """Starts a session (or a rush), shows the chat, then the scorecard.

    ``back_requested`` asks the owner (the page, or the window) to go back to the scenario list.
    """

    back_requested = Signal()
    started = Signal()
    finished = Signal()

    def __init__(
        self, ctx: PageContext, *, options: ChatOptions | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.options = options or ChatOptions()
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.placeholder = QLabel(_t("正在接入顾客…"))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {GREY};")
        self.stack.addWidget(self.placeholder)
        self.chat: ChatSessionWidget | None = None
        self.rush: RushChatWidget | None = None
        self.scorecard_widget: QWidget | None = None
        self.draft: Any = None

    # --- starting ---------------------------------------------------------------------------------------

    def start(self, key: str, mode: str = "normal", draft: Any = None) -> None:
        self.draft = draft
        self.stack.setCurrentWidget(self.placeholder)
        self.ctx.runner.db(
            self.ctx.services.roleplay.start,
            self.ctx.actor,
            key,
            self.options.seed,
            mode,
            draft,
            on_done=self._started_chat,
            on_error=self._start_failed,
            owner=self,
            name="roleplay.start",
        )

    def resume(self, session_id: int) -> None:
        """Reopen an unfinished session: the stored lines are shown, the last customer line waits."""
        self.draft = None
        self.stack.setCurrentWidget(self.placeholder)
        self.ctx.runner.db(
            self.ctx.services.roleplay.resume,
            self.ctx.actor,
            session_id,
            on_done=self._started_chat,
            on_error=self._start_failed,
            owner=self,
            name="roleplay.resume",
        )

    def start_rush(self, keys: Sequence[str]) -> None:
        self.stack.setCurrentWidget(self.placeholder)
        self.ctx.runner.db(
            self.ctx.services.roleplay.start_rush,
            self.ctx.actor,
            list(keys),
            self.options.seed,
            on_done=self._started_rush,
            on_error=self._start_failed,
            owner=self,
            name="roleplay.start_rush",
        )

    def _start_failed(self, exc: BaseException) -> None:
        errors.show_error(self.window(), exc)
        self.back_requested.emit()

    def _started_chat(self, session: Any) -> None:
        self.show_chat(session)

    def _started_rush(self, sessions: Sequence[Any]) -> None:
        self.show_rush(sessions)

    def show_chat(self, session: Any) -> ChatSessionWidget:
        self._drop()
        chat = ChatSessionWidget(self.ctx, session, scenario=self.draft, options=self.options)
        chat.scorecard_requested.connect(self.show_scorecard)
        chat.reload_requested.connect(self.show_chat)
        self.chat = chat
        self.stack.addWidget(chat)
        self.stack.setCurrentWidget(chat)
        chat.view.input.setFocus()
        self.started.emit()
        return chat

    def show_rush(self, sessions: Sequence[Any]) -> RushChatWidget:
        self._drop()
        rush = RushChatWidget(self.ctx, sessions, options=self.options)
        rush.scorecard_requested.connect(self.show_rush_scorecard)
        self.rush = rush
        self.stack.addWidget(rush)
        self.stack.setCurrentWidget(rush)
        self.started.emit()
        return rush

    # --- scorecards -------------------------------------------------------------------------------------

    def show_scorecard(self) -> ScorecardWidget | None:
        chat = self.chat
        if chat is None or chat.scorecard is None:
            return None
        widget = ScorecardWidget(chat.scorecard, scenario=chat.scenario, title=chat.session.scenario_title)
        widget.back_requested.connect(self.back_requested.emit)
        widget.again_requested.connect(
            lambda: self.start(chat.session.scenario_key, chat.session.mode, self.draft)
        )
        self._set_scorecard(widget)
        return widget

    def show_rush_scorecard(self) -> RushScorecardWidget | None:
        rush = self.rush
        if rush is None:
            return None
        cards = [
            (c.session.customer_name or c.session.persona, c.session.scenario_title, c.scorecard, c.scenario)
            for c in rush.chats
        ]
        widget = RushScorecardWidget(cards, [c.stats for c in rush.chats])
        widget.back_requested.connect(self.back_requested.emit)
        self._set_scorecard(widget)
        if rush.rush_group:
            self.ctx.runner.db(
                self.ctx.services.roleplay.rush_summary,
                self.ctx.actor,
                rush.rush_group,
                on_done=widget.set_summary,
                on_error=lambda exc: log.warning("no rush summary: %s", exc),
                owner=widget,
                name="roleplay.rush_summary",
            )
        return widget

    def _set_scorecard(self, widget: QWidget) -> None:
        if self.scorecard_widget is not None:
            self.stack.removeWidget(self.scorecard_widget)
            self.scorecard_widget.deleteLater()
        self.scorecard_widget = widget
        self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        self.finished.emit()

    # --- leaving ----------------------------------------------------------------------------------------

    @property
    def in_conversation(self) -> bool:
        if self.stack.currentWidget() is self.chat and self.chat is not None:
            return not self.chat.is_over
        if self.stack.currentWidget() is self.rush and self.rush is not None:
            return not self.rush.all_over
        return False

    def _drop(self) -> None:
        for w in (self.chat, self.rush, self.scorecard_widget):
            if w is not None:
                if isinstance(w, ChatSessionWidget | RushChatWidget):
                    w.close_session()
                self.stack.removeWidget(w)
                w.deleteLater()
        self.chat = self.rush = None
        self.scorecard_widget = None

    def close_session(self) -> None:
        for w in (self.chat, self.rush):
            if w is not None:
                w.close_session()


class RolePlayChatWindow(QWidget):
    """The chat in a window of its own (the scenario editor's "try it")."""

    def __init__(
        self, ctx: PageContext, *, options: ChatOptions | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(_t("对话模拟"))
        self.resize(1100, 760)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.flow = ChatFlow(ctx, options=options)
        layout = QVBoxLayout(self)
        layout.addWidget(self.flow)
        self.flow.back_requested.connect(self.close)

    def closeEvent(self, event: Any) -> None:
        self.flow.close_session()
        super().closeEvent(event)


def open_chat(
    ctx: PageContext,
    scenario_key: str | None = None,
    draft: Any = None,
    *,
    mode: str = "normal",
    parent: QWidget | None = None,
    options: ChatOptions | None = None,
) -> RolePlayChatWindow:
    """Open a chat window and start a session: a stored scenario (``scenario_key``) or a trainer's
    unsaved ``draft`` (a ``ScenarioDef``; the session is marked draft and never counts in stats).

    Returns the window (already shown); ``window.flow.chat`` is the chat once the service answered.
    """
    if scenario_key is None and draft is None:
        raise ValueError("open_chat needs a scenario key or a draft")
    key = scenario_key if scenario_key is not None else draft.key
    window = RolePlayChatWindow(ctx, options=options, parent=parent)
    window.show()
    window.flow.start(key, mode, draft)
    return window
