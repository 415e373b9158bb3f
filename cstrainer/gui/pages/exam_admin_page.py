"""The 试卷管理 page for trainers and managers: exam definitions, the review queue, item analysis
and the attempts at each exam, one tab each.

- 试卷: the definition form writes a content-pack exam item (``services.exams.save_exam``), which
  the service validates against the bank (a draw rule the bank cannot satisfy is refused with
  the reason). Each draw rule shows how many active questions match it, counted on a snapshot
  of the bank with the domain's own rule matching, so the trainer sees a shortage before saving.
- 复核: answers whose automatic score waits for a trainer. The answer is shown with the key-point
  words the grader found highlighted (green) and banned wording (red), the missed key points
  listed; the score is prefilled with the automatic one and can be confirmed or overridden.
- 题目分析: facility, discrimination and option counts per question; flagged rows stand out.
- 考试记录: every finished attempt, including how often the person left the exam window.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from cstrainer.domain.accounts import Permission
from cstrainer.domain.papers import DEFAULT_POINTS, DrawRule
from cstrainer.domain.questions import CATEGORIES, TYPE_LABELS, QuestionType
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import ERROR_STYLE, set_message
from cstrainer.gui.pages.exam_admin_page_view import (
    AttemptsTabView,
    ExamAdminPageView,
    ExamsTabView,
    ReviewTabView,
    StatsTabView,
    fit_columns,
)
from cstrainer.gui.pages.question_editor import DIFFICULTY_LABELS, QuestionEditorDialog, open_editor
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QColor,
    QComboBox,
    QCoreApplication,
    QDateTime,
    QDateTimeEdit,
    QListWidgetItem,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSpinBox,
    Qt,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy, local_time
from cstrainer.gui.tasks import Task
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.errors import ServiceError, ValidationFailed
from cstrainer.services.exams import STATUS_LABELS, SUBMIT_REASONS, AttemptResult, ExamSummary, ReviewItem
from cstrainer.services.questions import QuestionSummary
from cstrainer.services.users import BrandInfo, TeamInfo, UserInfo

T = TypeVar("T")

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
SEARCH_DELAY_MS = 300
HIT_BACKGROUND = "#c8e6c9"
BANNED_BACKGROUND = "#ffcdd2"
FLAG_BACKGROUND = "#fff3c4"
OK_COLOUR = "#2e7d32"
BAD_COLOUR = "#c62828"
LETTERS = "ABCDEFGH"
ANY = "\x00any"  # combo data for "不限" in draw rules
NO_LIMIT = 10**9  # how many bank rows to fetch for the snapshot (the service pages at 500)


def _t(text: str) -> str:
    return QCoreApplication.translate("ExamAdminPage", text)


# --- data loaded on the database thread -------------------------------------------------------------


@dataclass(frozen=True)
class ExamAdminData:
    exams: list[ExamSummary]
    teams: list[TeamInfo] = field(default_factory=list)
    users: list[UserInfo] = field(default_factory=list)
    brands: list[BrandInfo] = field(default_factory=list)
    categories: list[str] = field(default_factory=lambda: list(CATEGORIES))
    bank: list[QuestionSummary] = field(default_factory=list)


def load_admin_data(services: Services, actor: Actor) -> ExamAdminData:
    users = services.users.list(actor, include_inactive=False) if actor.can(Permission.VIEW_USERS) else []
    return ExamAdminData(
        exams=services.exams.list_exams(actor),
        teams=services.users.teams(),
        users=users,
        brands=services.users.brands(),
        categories=services.questions.categories(),
        bank=services.questions.search(actor, limit=NO_LIMIT),
    )


@dataclass(frozen=True)
class StatRow:
    key: str
    stem: str
    type: QuestionType | None
    n: int
    facility: float
    discrimination: float | None
    options: str
    flags: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def option_distribution(counts: Mapping[int, int], n_options: int) -> str:
    """{0: 12, 1: 3, 2: 1} with 4 options -> "A 12 · B 3 · C 1 · D 0"."""
    n = max(n_options, max(counts, default=-1) + 1)
    return " · ".join(f"{LETTERS[i] if i < len(LETTERS) else i + 1} {counts.get(i, 0)}" for i in range(n))


def load_item_stats(services: Services, actor: Actor, exam_key: str | None) -> list[StatRow]:
    stats: Any = services.exams.item_stats(actor, exam_key)
    if isinstance(stats, Mapping):
        stats = list(stats.values())
    summaries = {s.key: s for s in services.questions.search(actor, include_retired=True, limit=NO_LIMIT)}
    rows = []
    for st in stats:
        key = str(getattr(st, "question_key", None) or getattr(st, "key", ""))
        summary = summaries.get(key)
        qtype = summary.type if summary else None
        options = ""
        if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            n_options = len(services.questions.get(actor, key).options)
            options = option_distribution(getattr(st, "option_counts", {}) or {}, n_options)
        flags = tuple(getattr(st, "flag_labels", ()) or (str(f) for f in getattr(st, "flags", ())))
        rows.append(
            StatRow(
                key=key,
                stem=summary.stem if summary else "",
                type=qtype,
                n=int(getattr(st, "n", 0)),
                facility=float(getattr(st, "facility", 0.0)),
                discrimination=getattr(st, "discrimination", None),
                options=options,
                flags=flags,
            )
        )
    return rows


# --- reviewing: highlights ------------------------------------------------------------------------

BANNED_LINE_RE = re.compile(r"^\s+“([^”]+)”：(.+)$")


@dataclass(frozen=True)
class KeyPointHit:
    index: int
    hit: bool
    spans: tuple[tuple[int, int, str], ...]  # (start, end, word) in the answer


def _span(value: Any, text: str) -> tuple[int, int, str] | None:
    """A span as the grader stores it - ``[start, end]`` or ``{"start", "end", "word"}`` - with its
    word (cut from ``text`` when the span does not carry it)."""
    if isinstance(value, Mapping):
        start, end, word = value.get("start"), value.get("end"), value.get("word")
    elif isinstance(value, list | tuple) and len(value) >= 2:
        start, end, word = value[0], value[1], None
    else:
        return None
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
        return None
    return start, end, str(word) if word else text[start:end]


def key_point_hits(detail: Mapping[str, Any], text: str = "") -> dict[int, KeyPointHit]:
    """The grader's key-point results by key-point index (``detail["matched"]``)."""
    out: dict[int, KeyPointHit] = {}
    position = 0
    for m in detail.get("matched") or []:
        if not isinstance(m, Mapping):
            continue
        if m.get("kind", "key_point") != "key_point":
            continue
        index = m.get("index")
        index = position if not isinstance(index, int) else index
        position += 1
        hit = bool(m.get("correct", m.get("hit")))
        spans = tuple(sp for sp in (_span(v, text) for v in m.get("spans") or []) if sp is not None)
        out[index] = KeyPointHit(index, hit, spans)
    return out


@dataclass(frozen=True)
class BannedHit:
    word: str
    reason: str
    spans: tuple[tuple[int, int], ...]


def banned_hits(detail: Mapping[str, Any], text: str = "") -> list[BannedHit]:
    """Banned wording in the answer: from ``detail["reply"]["banned"]`` (word, start, end, reason),
    else read from the grader's explanation lines and found in ``text``."""
    reply = detail.get("reply")
    listed = reply.get("banned") if isinstance(reply, Mapping) else None
    if isinstance(listed, list):
        by_word: dict[str, BannedHit] = {}
        for b in listed:
            if not isinstance(b, Mapping):
                continue
            span = _span(b, text)
            word = str(b.get("word") or (span[2] if span else ""))
            old = by_word.get(word)
            spans = (old.spans if old else ()) + ((span[0], span[1]),) if span else (old.spans if old else ())
            by_word[word] = BannedHit(word, str(b.get("reason", "")), spans)
        return list(by_word.values())
    out: list[BannedHit] = []
    seen_compliance = False
    for line in detail.get("feedback") or []:
        if not isinstance(line, str):
            continue
        if "违禁" in line:
            seen_compliance = True
            continue
        m = BANNED_LINE_RE.match(line)
        if seen_compliance and m:
            out.append(BannedHit(m.group(1), m.group(2), tuple(find_all(text, m.group(1)))))
    return out


def find_all(text: str, word: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    while word:
        i = text.find(word, start)
        if i < 0:
            break
        spans.append((i, i + len(word)))
        start = i + len(word)
    return spans


def highlight_html(text: str, hits: Sequence[tuple[int, int]], banned: Sequence[tuple[int, int]] = ()) -> str:
    """``text`` as HTML with key-point hits (green) and banned wording (red) marked."""
    marks = [0] * len(text)
    for start, end in hits:
        for i in range(max(0, start), min(len(text), end)):
            marks[i] = 1
    for start, end in banned:
        for i in range(max(0, start), min(len(text), end)):
            marks[i] = 2
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = html.escape(text[i:j]).replace("\n", "<br>")
        if marks[i] == 1:
            out.append(f'<span style="background-color:{HIT_BACKGROUND};">{chunk}</span>')
        elif marks[i] == 2:
            out.append(
                f'<span style="background-color:{BANNED_BACKGROUND}; color:{BAD_COLOUR};">'
                f"<u>{chunk}</u></span>"
            )
        else:
            out.append(chunk)
        i = j
    return "".join(out)


def response_text(response: Any) -> str:
    if response is None:
        return ""
    if isinstance(response, str):
        return response
    if isinstance(response, list | tuple):
        return "；".join("" if r is None else str(r) for r in response)
    return str(response)


# --- models -------------------------------------------------------------------------------------------


class HighlightTableModel(RecordTableModel[T], Generic[T]):
    """A record table whose rows can have a background colour (flagged items)."""

    def __init__(
        self,
        columns: Sequence[Column[T]],
        background: Callable[[T], QColor | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(columns, parent)
        self._background = background

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid() and 0 <= index.row() < self.rowCount():
            return self._background(self.record(index.row()))
        return super().data(index, role)


def exam_columns() -> list[Column[ExamSummary]]:
    return [
        Column(_t("试卷"), lambda e: e.title, tooltip=lambda e: f"{e.title}\n{e.key}"),
        Column(_t("用途"), lambda e: e.purpose),
        Column(
            _t("题数"), lambda e: str(e.question_count), sort_key=lambda e: e.question_count, align_right=True
        ),
    ]


def review_columns() -> list[Column[ReviewItem]]:
    return [
        Column(
            _t("交卷时间"),
            lambda r: local_time(r.submitted_at, "%m-%d %H:%M"),
            sort_key=lambda r: r.submitted_at.timestamp() if r.submitted_at else 0.0,
        ),
        Column(_t("考生"), lambda r: r.display_name, tooltip=lambda r: r.login),
        Column(_t("试卷"), lambda r: r.exam_title),
        Column(
            _t("题目"),
            lambda r: _t("第 {n} 题 · {type}").format(n=r.position + 1, type=r.question.type.label),
            sort_key=lambda r: r.position,
        ),
        Column(_t("自动分"), lambda r: f"{r.auto_score:g}/{r.points:g}", sort_key=lambda r: r.auto_score),
    ]


def stat_columns() -> list[Column[StatRow]]:
    return [
        Column(_t("编号"), lambda r: r.key),
        Column(_t("题干"), lambda r: " ".join(r.stem.split()), tooltip=lambda r: r.stem),
        Column(_t("作答人次"), lambda r: str(r.n), sort_key=lambda r: r.n, align_right=True),
        Column(
            _t("通过率"),
            lambda r: f"{r.facility * 100:.0f}%",
            sort_key=lambda r: r.facility,
            align_right=True,
        ),
        Column(
            _t("区分度"),
            lambda r: "—" if r.discrimination is None else f"{r.discrimination:+.2f}",
            sort_key=lambda r: -2.0 if r.discrimination is None else r.discrimination,
            align_right=True,
            foreground=lambda r: QColor(BAD_COLOUR) if (r.discrimination or 0) < 0 else None,
        ),
        Column(_t("选项分布"), lambda r: r.options),
        Column(
            _t("提示"),
            lambda r: "；".join(r.flags),
            foreground=lambda r: QColor("#b26a00") if r.flags else None,
        ),
    ]


def _passed_text(a: AttemptResult) -> str:
    if a.passed is None:
        return _t("待复核")
    return _t("通过") if a.passed else _t("未通过")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def attempt_columns() -> list[Column[AttemptResult]]:
    return [
        Column(_t("姓名"), lambda a: a.display_name),
        Column(_t("登录名"), lambda a: a.login),
        Column(_t("状态"), lambda a: STATUS_LABELS.get(a.status, a.status)),
        Column(
            _t("得分"), lambda a: f"{a.score:g}/{a.max_score:g}", sort_key=lambda a: a.score, align_right=True
        ),
        Column(_t("得分率"), lambda a: f"{a.percent:g}%", sort_key=lambda a: a.percent, align_right=True),
        Column(
            _t("通过"),
            _passed_text,
            foreground=lambda a: None if a.passed is None else QColor(OK_COLOUR if a.passed else BAD_COLOUR),
        ),
        Column(
            _t("离开窗口次数"),
            lambda a: str(a.focus_losses),
            sort_key=lambda a: a.focus_losses,
            align_right=True,
            foreground=lambda a: QColor("#b26a00") if a.focus_losses else None,
        ),
        Column(_t("交卷方式"), lambda a: SUBMIT_REASONS.get(a.submit_reason, a.submit_reason)),
        Column(
            _t("用时"),
            lambda a: _duration(a.used_seconds),
            sort_key=lambda a: a.used_seconds,
            align_right=True,
        ),
        Column(
            _t("交卷时间"),
            lambda a: local_time(a.submitted_at),
            sort_key=lambda a: a.submitted_at.timestamp() if a.submitted_at else 0.0,
        ),
    ]


# --- time helpers ---------------------------------------------------------------------------------


def to_qdatetime(value: Any) -> QDateTime | None:
    """An ISO string or datetime from an exam item as a QDateTime in local time."""
    if value in (None, ""):
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if dt.tzinfo is None:
        dt = dt.astimezone()  # a naive time in a pack is read as the computer's local time
    return QDateTime.fromSecsSinceEpoch(int(dt.timestamp()))


def from_edit(edit: QDateTimeEdit) -> str:
    """The edit's time as an ISO string with the local UTC offset."""
    return (
        datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch()).astimezone().isoformat(timespec="minutes")
    )


def _select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    combo.setCurrentIndex(index if index >= 0 else 0)


def _selected_record(table: Any, proxy: Any) -> Any:
    rows = table.selectionModel().selectedRows()
    return proxy.data(rows[0], RECORD_ROLE) if rows else None


# --- 试卷 ---------------------------------------------------------------------------------------------


class ExamsTab(QObject):
    """The exam list and the definition form."""

    def __init__(self, ctx: PageContext, view: ExamsTabView, page: ExamAdminPage) -> None:
        super().__init__(view)
        self.ctx = ctx
        self.view = view
        self.page = page
        self.data = ExamAdminData(exams=[])
        self.model: RecordTableModel[ExamSummary] = RecordTableModel(exam_columns(), view)
        self.proxy = filter_proxy(self.model, view)
        view.exam_table.setModel(self.proxy)
        fit_columns(view.exam_table, 0)
        view.exam_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.current: dict[str, Any] | None = None  # the item as loaded or last saved
        self.creating = False
        self.last_task: Task | None = None
        self.saved_item: dict[str, Any] | None = None
        self._loading = False
        self._dirty = False
        self._search_seq = 0
        self._search_done = 0
        self._shown_key: str | None = None
        self._select_after_load: str | None = None
        self._bank_by_key: dict[str, QuestionSummary] = {}

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search_bank)

        v = view
        for spin in v.points_spins.values():
            spin.setSpecialValueText(_t("默认"))
        v.exam_table.selectionModel().selectionChanged.connect(lambda *_: self._exam_selected())
        v.new_button.clicked.connect(self.new_exam)
        v.copy_button.clicked.connect(self.copy_exam)
        v.refresh_button.clicked.connect(self.reload)
        v.save_button.clicked.connect(self.save)
        v.revert_button.clicked.connect(self.revert)
        v.fixed_radio.toggled.connect(lambda _on: self._mode_changed())
        v.bank_search.textChanged.connect(lambda _t: self._search_timer.start())
        v.add_question_button.clicked.connect(self.add_chosen)
        v.bank_list.itemDoubleClicked.connect(lambda _i: self.add_chosen())
        v.remove_question_button.clicked.connect(self.remove_chosen)
        v.up_button.clicked.connect(lambda: self.move_chosen(-1))
        v.down_button.clicked.connect(lambda: self.move_chosen(1))
        v.add_rule_button.clicked.connect(lambda: self.add_rule())
        v.remove_rule_button.clicked.connect(self.remove_rule)
        v.focus_unlimited.toggled.connect(lambda on: v.focus_spin.setEnabled(not on))
        v.opens_unlimited.toggled.connect(lambda on: v.opens_edit.setEnabled(not on))
        v.closes_unlimited.toggled.connect(lambda on: v.closes_edit.setEnabled(not on))
        v.user_filter.textChanged.connect(self._filter_users)
        for edit in (v.key_edit, v.title_edit):
            edit.textChanged.connect(lambda _t: self._changed())
        for combo in (v.purpose_combo,):
            combo.currentIndexChanged.connect(lambda _i: self._changed())
        for s in (v.time_spin, v.pass_spin, v.attempts_spin, v.focus_spin):
            s.valueChanged.connect(lambda _v: self._changed())
        for spin in v.points_spins.values():
            spin.valueChanged.connect(lambda _v: self._points_changed())
        for check in (
            v.shuffle_questions_check,
            v.shuffle_options_check,
            v.show_answers_check,
            v.focus_unlimited,
            v.opens_unlimited,
            v.closes_unlimited,
            *v.role_checks.values(),
        ):
            check.toggled.connect(lambda _on: self._changed())
        for dt in (v.opens_edit, v.closes_edit):
            dt.dateTimeChanged.connect(lambda _d: self._changed())
        for lst in (v.team_list, v.user_list):
            lst.itemChanged.connect(lambda _i: self._changed())
        self._set_form_enabled(False)

    # --- loading ---------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        current = self.current.get("key") if self.current else None
        self._select_after_load = select or current
        self.last_task = self.ctx.runner.db(
            load_admin_data, self.ctx.services, self.ctx.actor, on_done=self._loaded, owner=self.view
        )

    def _loaded(self, data: ExamAdminData) -> None:
        self.data = data
        self._bank_by_key = {q.key: q for q in data.bank}
        self.model.set_rows(data.exams)
        self._fill_assignment_lists()
        self.page.exams_loaded(data)
        select, self._select_after_load = self._select_after_load, None
        if select and not self._dirty:
            self.select_exam(select)
        elif not self.current and not self.creating and self.proxy.rowCount():
            self.view.exam_table.selectRow(0)
        self._refresh_rule_rows()
        self._update_chosen_label()
        self.search_bank()

    def _fill_assignment_lists(self) -> None:
        v = self.view
        chosen = self._assigned()
        self._loading, was = True, self._loading
        try:
            v.team_list.clear()
            for team in self.data.teams:
                item = QListWidgetItem(f"{team.name}（{team.key}）")
                item.setData(Qt.ItemDataRole.UserRole, team.key)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if team.key in chosen["teams"] else Qt.CheckState.Unchecked
                )
                v.team_list.addItem(item)
            v.user_list.clear()
            for user in self.data.users:
                item = QListWidgetItem(f"{user.display_name}（{user.login}）")
                item.setData(Qt.ItemDataRole.UserRole, user.login)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if user.login in chosen["users"] else Qt.CheckState.Unchecked
                )
                v.user_list.addItem(item)
        finally:
            self._loading = was
        self._filter_users(v.user_filter.text())

    def _filter_users(self, text: str) -> None:
        text = text.strip().lower()
        for i in range(self.view.user_list.count()):
            item = self.view.user_list.item(i)
            item.setHidden(bool(text) and text not in item.text().lower())

    def select_exam(self, key: str) -> bool:
        row = self.model.find(lambda e: e.key == key)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.exam_table.selectRow(index.row())
        return True

    def _exam_selected(self) -> None:
        record = _selected_record(self.view.exam_table, self.proxy)
        if not isinstance(record, ExamSummary) or record.key == self._shown_key:
            return
        if self._dirty and not prompts.confirm(
            self.view, _t("试卷管理"), _t("当前试卷有未保存的修改，放弃这些修改吗？"), ok_text=_t("放弃修改")
        ):
            if self._shown_key:
                self.view.exam_table.selectionModel().blockSignals(True)
                self.select_exam(self._shown_key)
                self.view.exam_table.selectionModel().blockSignals(False)
            return
        self.open_exam(record.key)

    def open_exam(self, key: str) -> None:
        self._shown_key = key
        self.last_task = self.ctx.runner.db(
            self.ctx.services.exams.get_exam, self.ctx.actor, key, on_done=self._exam_loaded, owner=self.view
        )

    def _exam_loaded(self, item: dict[str, Any]) -> None:
        self.creating = False
        self.current = item
        self.populate(item)

    def new_exam(self) -> None:
        if not self._may_discard():
            return
        stamp = datetime.now().strftime("%y%m%d-%H%M")
        item: dict[str, Any] = {
            "key": f"exam-{stamp}",
            "title": "",
            "purpose": "入职考试",
            "time_limit_minutes": 30,
            "pass_mark": 80,
            "attempts_allowed": 1,
            "shuffle_questions": True,
            "shuffle_options": True,
            "show_answers_after": True,
            "questions": [],
        }
        self._start_new(item)

    def copy_exam(self) -> None:
        if self.current is None or not self._may_discard():
            return
        item = dict(self.build_item())
        item["key"] = f"{item['key']}-copy"
        item["title"] = _t("{title}（副本）").format(title=item.get("title", ""))
        self._start_new(item)

    def _start_new(self, item: dict[str, Any]) -> None:
        self.creating = True
        self.current = None
        self._shown_key = None
        self.view.exam_table.selectionModel().blockSignals(True)
        self.view.exam_table.clearSelection()
        self.view.exam_table.selectionModel().blockSignals(False)
        self.populate(item)
        self._dirty = True
        self.view.title_edit.setFocus()
        self._update_state()

    def _may_discard(self) -> bool:
        return not self._dirty or prompts.confirm(
            self.view, _t("试卷管理"), _t("当前试卷有未保存的修改，放弃这些修改吗？"), ok_text=_t("放弃修改")
        )

    def revert(self) -> None:
        if self.current is not None:
            self.populate(self.current)
        elif self.creating:
            self.creating = False
            self._dirty = False
            self._set_form_enabled(False)
            self._update_state()

    # --- the form ----------------------------------------------------------------------------------

    def _set_form_enabled(self, enabled: bool) -> None:
        self.view.form_scroll.setEnabled(enabled)
        self.view.save_button.setEnabled(enabled)
        self.view.revert_button.setEnabled(enabled)
        self.view.copy_button.setEnabled(enabled and not self.creating)

    def populate(self, item: Mapping[str, Any]) -> None:
        v = self.view
        self._loading = True
        try:
            v.key_edit.setText(str(item.get("key", "")))
            v.key_edit.setReadOnly(not self.creating)
            v.title_edit.setText(str(item.get("title", "")))
            _select(v.purpose_combo, item.get("purpose", "入职考试"))
            v.time_spin.setValue(int(item.get("time_limit_minutes") or 30))
            v.pass_spin.setValue(int(item.get("pass_mark", 60)))
            v.attempts_spin.setValue(int(item.get("attempts_allowed") or 1))
            v.shuffle_questions_check.setChecked(bool(item.get("shuffle_questions", True)))
            v.shuffle_options_check.setChecked(bool(item.get("shuffle_options", True)))
            v.show_answers_check.setChecked(bool(item.get("show_answers_after", True)))
            focus = item.get("max_focus_losses")
            v.focus_unlimited.setChecked(focus is None)
            v.focus_spin.setValue(int(focus or 3))
            v.focus_spin.setEnabled(focus is not None)
            for edit, check, value in (
                (v.opens_edit, v.opens_unlimited, item.get("opens_at")),
                (v.closes_edit, v.closes_unlimited, item.get("closes_at")),
            ):
                qdt = to_qdatetime(value)
                check.setChecked(qdt is None)
                edit.setEnabled(qdt is not None)
                edit.setDateTime(qdt or QDateTime.currentDateTime())
            assign = item.get("assign") or {}
            for value, check in v.role_checks.items():
                check.setChecked(value in (assign.get("roles") or []))
            for lst, wanted in (
                (v.team_list, assign.get("teams") or []),
                (v.user_list, assign.get("users") or []),
            ):
                for i in range(lst.count()):
                    it = lst.item(i)
                    it.setCheckState(
                        Qt.CheckState.Checked
                        if it.data(Qt.ItemDataRole.UserRole) in wanted
                        else Qt.CheckState.Unchecked
                    )
            points = {str(k): v2 for k, v2 in (item.get("points") or {}).items()}
            for qtype, spin in v.points_spins.items():
                value = points.get(qtype.value)
                spin.setValue(float(value) if value is not None else spin.minimum())
            v.chosen_list.clear()
            for key in item.get("questions") or []:
                self._add_chosen_item(str(key))
            v.rules_table.setRowCount(0)
            for rule in item.get("draw") or []:
                self.add_rule(rule)
            draw = bool(item.get("draw"))
            v.draw_radio.setChecked(draw)
            v.fixed_radio.setChecked(not draw)
        finally:
            self._loading = False
        self._mode_changed(initial=True)
        self._refresh_rule_rows()
        self._update_chosen_label()
        self._dirty = False
        set_message(v.message_label, None)
        self._set_form_enabled(True)
        self._update_state()

    def _assigned(self) -> dict[str, list[str]]:
        v = self.view

        def checked(lst: Any) -> list[str]:
            return [
                str(lst.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(lst.count())
                if lst.item(i).checkState() == Qt.CheckState.Checked
            ]

        return {
            "roles": [value for value, check in v.role_checks.items() if check.isChecked()],
            "teams": checked(v.team_list),
            "users": checked(v.user_list),
        }

    def build_item(self) -> dict[str, Any]:
        """The exam as the form shows it, as a content-pack item."""
        v = self.view
        item: dict[str, Any] = {
            "key": v.key_edit.text().strip(),
            "title": v.title_edit.text().strip(),
            "purpose": v.purpose_combo.currentData(),
            "time_limit_minutes": v.time_spin.value(),
            "pass_mark": v.pass_spin.value(),
            "attempts_allowed": v.attempts_spin.value(),
            "shuffle_questions": v.shuffle_questions_check.isChecked(),
            "shuffle_options": v.shuffle_options_check.isChecked(),
            "show_answers_after": v.show_answers_check.isChecked(),
        }
        if v.fixed_radio.isChecked():
            item["questions"] = self.chosen_keys()
        else:
            item["draw"] = self.rules()
        points = {
            qtype.value: spin.value()
            for qtype, spin in v.points_spins.items()
            if spin.value() > spin.minimum()
        }
        if points:
            item["points"] = points
        if not v.focus_unlimited.isChecked():
            item["max_focus_losses"] = v.focus_spin.value()
        if not v.opens_unlimited.isChecked():
            item["opens_at"] = from_edit(v.opens_edit)
        if not v.closes_unlimited.isChecked():
            item["closes_at"] = from_edit(v.closes_edit)
        assign = {k: vals for k, vals in self._assigned().items() if vals}
        if assign:
            item["assign"] = assign
        return item

    def local_problems(self, item: Mapping[str, Any]) -> list[str]:
        problems = []
        key = str(item.get("key", ""))
        if not SLUG_RE.match(key):
            problems.append(_t("编号只能用小写字母、数字和 - _ .，并以字母或数字开头"))
        elif self.creating and any(e.key == key for e in self.data.exams):
            problems.append(_t("编号 {key} 已被另一份试卷使用，请换一个").format(key=key))
        if not item.get("title"):
            problems.append(_t("请填写试卷标题"))
        if "questions" in item and not item["questions"]:
            problems.append(_t("还没有选择题目：从左边的题库列表加入题目"))
        if "draw" in item and not item["draw"]:
            problems.append(_t("还没有抽题规则：点“添加规则”"))
        if item.get("opens_at") and item.get("closes_at") and item["opens_at"] >= item["closes_at"]:
            problems.append(_t("截止时间必须晚于开放时间"))
        return problems

    def _changed(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self._update_state()

    def _points_changed(self) -> None:
        self._update_chosen_label()
        self._changed()

    def _update_state(self) -> None:
        if self.creating:
            text = _t("新试卷，尚未保存")
        elif self.current is not None:
            text = _t("试卷 {key}").format(key=self.current.get("key", ""))
        else:
            text = _t("在左边选择一份试卷，或新建一份")
        if self._dirty:
            text += _t(" · 有未保存的修改")
        self.view.state_label.setText(text)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _mode_changed(self, initial: bool = False) -> None:
        v = self.view
        v.questions_stack.setCurrentIndex(0 if v.fixed_radio.isChecked() else 1)
        if not initial:
            self._changed()

    # --- fixed questions ---------------------------------------------------------------------------

    def search_bank(self) -> None:
        self._search_timer.stop()
        if self.ctx.runner.closed:  # the session ended while the timer ran
            return
        self._search_seq += 1
        seq = self._search_seq
        self.ctx.runner.db(
            self.ctx.services.questions.search,
            self.ctx.actor,
            self.view.bank_search.text().strip(),
            limit=300,
            on_done=lambda rows: self._bank_found(seq, rows),
            owner=self.view,
        )

    @property
    def searching(self) -> bool:
        """A bank search is waiting for its debounce or its answer."""
        return self._search_timer.isActive() or self._search_seq != self._search_done

    def _bank_found(self, seq: int, rows: list[QuestionSummary]) -> None:
        if seq != self._search_seq:
            return
        self._search_done = seq
        lst = self.view.bank_list
        lst.clear()
        for q in rows:
            item = QListWidgetItem(f"{q.key} · {q.type.label} · {' '.join(q.stem.split())}")
            item.setData(Qt.ItemDataRole.UserRole, q.key)
            item.setToolTip(q.stem)
            lst.addItem(item)

    def chosen_keys(self) -> list[str]:
        lst = self.view.chosen_list
        return [str(lst.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(lst.count())]

    def _add_chosen_item(self, key: str) -> None:
        q = self._bank_by_key.get(key)
        if q is None:
            item = QListWidgetItem(_t("{key} · （题库中不存在或已停用）").format(key=key))
            item.setForeground(QColor(BAD_COLOUR))
        else:
            item = QListWidgetItem(f"{key} · {q.type.label} · {' '.join(q.stem.split())}")
            item.setToolTip(q.stem)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.view.chosen_list.addItem(item)

    def add_chosen(self) -> None:
        have = set(self.chosen_keys())
        added = False
        for item in self.view.bank_list.selectedItems():
            key = str(item.data(Qt.ItemDataRole.UserRole))
            if key not in have:
                self._add_chosen_item(key)
                have.add(key)
                added = True
        if added:
            self._update_chosen_label()
            self._changed()

    def add_question_keys(self, keys: Sequence[str]) -> None:
        """Add questions by key (as if picked from the search list)."""
        have = set(self.chosen_keys())
        for key in keys:
            if key not in have:
                self._add_chosen_item(key)
                have.add(key)
        self._update_chosen_label()
        self._changed()

    def remove_chosen(self) -> None:
        lst = self.view.chosen_list
        rows = sorted((lst.row(i) for i in lst.selectedItems()), reverse=True)
        for row in rows:
            lst.takeItem(row)
        if rows:
            self._update_chosen_label()
            self._changed()

    def move_chosen(self, step: int) -> None:
        lst = self.view.chosen_list
        row = lst.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < lst.count():
            return
        item = lst.takeItem(row)
        lst.insertItem(target, item)
        lst.setCurrentRow(target)
        self._changed()

    def _points_for(self, qtype: QuestionType) -> float:
        spin = self.view.points_spins.get(qtype)
        if spin is not None and spin.value() > spin.minimum():
            return spin.value()
        return DEFAULT_POINTS.get(qtype, 1.0)

    def _update_chosen_label(self) -> None:
        keys = self.chosen_keys()
        total = sum(self._points_for(self._bank_by_key[k].type) for k in keys if k in self._bank_by_key)
        self.view.chosen_label.setText(_t("已选 {n} 题，满分 {p:g} 分").format(n=len(keys), p=total))
        for spin_type, spin in self.view.points_spins.items():
            spin.setSpecialValueText(_t("默认（{p:g}）").format(p=DEFAULT_POINTS.get(spin_type, 1.0)))

    # --- draw rules ----------------------------------------------------------------------------------

    def add_rule(self, rule: Mapping[str, Any] | None = None) -> int:
        v = self.view
        table = v.rules_table
        row = table.rowCount()
        table.insertRow(row)
        category = QComboBox()
        for c in self.data.categories or list(CATEGORIES):
            category.addItem(c, c)
        difficulty = QComboBox()
        difficulty.addItem(_t("不限"), ANY)
        for level, label in DIFFICULTY_LABELS.items():
            difficulty.addItem(QCoreApplication.translate("QuestionEditor", label), level)
        qtype = QComboBox()
        qtype.addItem(_t("不限"), ANY)
        for t, label in TYPE_LABELS.items():
            qtype.addItem(label, t.value)
        brand = QComboBox()
        brand.addItem(_t("不限"), ANY)
        for b in self.data.brands:
            brand.addItem(b.name, b.key)
        count = QSpinBox()
        count.setRange(1, 500)
        rule = rule or {}
        _select(category, rule.get("category"))
        _select(difficulty, rule.get("difficulty", ANY) or ANY)
        types = rule.get("types") or []
        _select(qtype, types[0] if types else ANY)
        _select(brand, rule.get("brand") or ANY)
        count.setValue(int(rule.get("count") or 5))
        table.setCellWidget(row, 0, category)
        table.setCellWidget(row, 1, difficulty)
        table.setCellWidget(row, 2, qtype)
        table.setCellWidget(row, 3, brand)
        table.setCellWidget(row, 4, count)
        pool = QTableWidgetItem()
        pool.setFlags(Qt.ItemFlag.ItemIsEnabled)
        pool.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(row, 5, pool)
        for combo in (category, difficulty, qtype, brand):
            combo.currentIndexChanged.connect(lambda _i: self._rules_changed())
        count.valueChanged.connect(lambda _v: self._rules_changed())
        self._rules_changed()
        return row

    def remove_rule(self) -> None:
        table = self.view.rules_table
        rows = sorted({i.row() for i in table.selectedIndexes()}, reverse=True) or (
            [table.currentRow()] if table.currentRow() >= 0 else []
        )
        for row in rows:
            table.removeRow(row)
        if rows:
            self._rules_changed()

    def _rule_widgets(self, row: int) -> tuple[QComboBox, QComboBox, QComboBox, QComboBox, QSpinBox]:
        table = self.view.rules_table
        return (
            cast(QComboBox, table.cellWidget(row, 0)),
            cast(QComboBox, table.cellWidget(row, 1)),
            cast(QComboBox, table.cellWidget(row, 2)),
            cast(QComboBox, table.cellWidget(row, 3)),
            cast(QSpinBox, table.cellWidget(row, 4)),
        )

    def rules(self) -> list[dict[str, Any]]:
        out = []
        for row in range(self.view.rules_table.rowCount()):
            category, difficulty, qtype, brand, count = self._rule_widgets(row)
            rule: dict[str, Any] = {"category": category.currentData(), "count": count.value()}
            if difficulty.currentData() != ANY:
                rule["difficulty"] = difficulty.currentData()
            if qtype.currentData() != ANY:
                rule["types"] = [qtype.currentData()]
            if brand.currentData() != ANY:
                rule["brand"] = brand.currentData()
            out.append(rule)
        return out

    def pool_size(self, rule: Mapping[str, Any]) -> int:
        """Active questions in the bank snapshot matching ``rule`` (the domain's own matching)."""
        domain_rule = DrawRule(
            category=rule.get("category"),
            difficulty=rule.get("difficulty"),
            count=int(rule.get("count", 1)),
            types=tuple(QuestionType(t) for t in rule.get("types") or ()),
            brand=rule.get("brand"),
        )
        # A QuestionSummary carries every field DrawRule.matches reads (category, difficulty,
        # type, brand, tags), so the count here is the one the service will check against.
        return sum(1 for q in self.data.bank if not q.retired and domain_rule.matches(cast(Any, q)))

    def _rules_changed(self) -> None:
        self._refresh_rule_rows()
        self._changed()

    def _refresh_rule_rows(self) -> None:
        table = self.view.rules_table
        total = 0
        for row, rule in enumerate(self.rules()):
            pool = self.pool_size(rule)
            item = table.item(row, 5)
            if item is None:
                continue
            item.setText(_t("{n} 题").format(n=pool))
            short = pool < int(rule["count"])
            item.setForeground(QColor(BAD_COLOUR if short else OK_COLOUR))
            item.setToolTip(_t("题库中符合条件的题不够") if short else "")
            total += int(rule["count"])
        self.view.draw_total_label.setText(_t("共抽 {n} 题").format(n=total))

    def pool_text(self, row: int) -> str:
        item = self.view.rules_table.item(row, 5)
        return item.text() if item else ""

    # --- saving --------------------------------------------------------------------------------------

    def save(self) -> None:
        item = self.build_item()
        problems = self.local_problems(item)
        if problems:
            self._show_problems(_t("还不能保存："), problems)
            return
        set_message(self.view.message_label, None)
        self.view.save_button.setEnabled(False)
        self.last_task = self.ctx.runner.db(
            self.ctx.services.exams.save_exam,
            self.ctx.actor,
            item,
            on_done=self._saved,
            on_error=self._save_failed,
            owner=self.view,
        )

    def _show_problems(self, head: str, problems: Sequence[Any]) -> None:
        text = head + "\n" + "\n".join(f"· {p}" for p in problems)
        self.view.message_label.setStyleSheet(ERROR_STYLE)
        set_message(self.view.message_label, text)

    def _saved(self, item: dict[str, Any]) -> None:
        self.view.save_button.setEnabled(True)
        self.saved_item = item
        self.creating = False
        self.current = item
        self._shown_key = item["key"]
        self._dirty = False
        self.view.key_edit.setReadOnly(True)
        text = _t("已保存试卷“{title}”").format(title=item.get("title", ""))
        self.view.message_label.setStyleSheet(f"color: {OK_COLOUR};")
        set_message(self.view.message_label, text)
        self.ctx.show_status(text)
        self._update_state()
        self.reload(select=item["key"])

    def _save_failed(self, exc: BaseException) -> None:
        self.view.save_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self._show_problems(ServiceError.__str__(exc), exc.errors)
        elif errors.is_expected(exc):
            self._show_problems(_t("保存失败："), [str(exc)])
        else:
            errors.show_error(self.view.window(), exc)

    def message(self) -> str:
        return self.view.message_label.text()


# --- 复核 ---------------------------------------------------------------------------------------------


class ReviewTab(QObject):
    def __init__(self, ctx: PageContext, view: ReviewTabView) -> None:
        super().__init__(view)
        self.ctx = ctx
        self.view = view
        self.model: RecordTableModel[ReviewItem] = RecordTableModel(review_columns(), view)
        self.proxy = filter_proxy(self.model, view)
        view.queue_table.setModel(self.proxy)
        fit_columns(view.queue_table, 2)
        view.queue_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.current: ReviewItem | None = None
        self.last_task: Task | None = None
        self.last_result: AttemptResult | None = None
        self._busy = False
        self._select_row_after_load = 0
        view.queue_table.selectionModel().selectionChanged.connect(lambda *_: self._item_selected())
        view.refresh_button.clicked.connect(self.reload)
        view.confirm_button.clicked.connect(self.confirm)
        view.next_button.clicked.connect(self.next_item)
        view.legend_label.setText(
            _t(
                '<span style="background-color:{hit};">&nbsp;答到的要点&nbsp;</span>&nbsp;&nbsp;'
                '<span style="background-color:{bad}; color:{red};"><u>&nbsp;违禁用语&nbsp;</u></span>'
            ).format(hit=HIT_BACKGROUND, bad=BANNED_BACKGROUND, red=BAD_COLOUR)
        )
        self._show(None)

    def reload(self) -> None:
        self.last_task = self.ctx.runner.db(
            self.ctx.services.exams.review_queue, self.ctx.actor, on_done=self._loaded, owner=self.view
        )

    def _loaded(self, items: list[ReviewItem]) -> None:
        keep = self.current.item_id if self.current else None
        self.model.set_rows(items)
        self.view.count_label.setText(_t("待复核 {n} 题").format(n=len(items)))
        row = self.model.find(lambda r: r.item_id == keep) if keep is not None else -1
        if row >= 0:
            self.view.queue_table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        elif self.proxy.rowCount():
            self.view.queue_table.selectRow(min(self._select_row_after_load, self.proxy.rowCount() - 1))
        else:
            self._show(None)

    def _item_selected(self) -> None:
        record = _selected_record(self.view.queue_table, self.proxy)
        self._show(record if isinstance(record, ReviewItem) else None)

    def select_item(self, item_id: int) -> bool:
        row = self.model.find(lambda r: r.item_id == item_id)
        if row < 0:
            return False
        self.view.queue_table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        return True

    def _show(self, item: ReviewItem | None) -> None:
        v = self.view
        self.current = item
        set_message(v.message_label, None)
        if item is None:
            v.panel_stack.setCurrentIndex(0)
            return
        v.panel_stack.setCurrentIndex(1)
        q = item.question
        v.header_label.setText(
            _t("{name}（{login}）· {exam} · 第 {n} 题 · {type} · 满分 {p:g} 分").format(
                name=item.display_name,
                login=item.login,
                exam=item.exam_title,
                n=item.position + 1,
                type=q.type.label,
                p=item.points,
            )
        )
        label = _t("顾客消息：") if q.type is QuestionType.REPLY else ""
        v.stem_label.setText(label + q.stem)
        reference = []
        if q.accepted:
            reference.append(_t("参考答案：") + " / ".join(a.text for a in q.accepted))
        if q.explanation:
            reference.append(_t("解析：") + q.explanation)
        v.reference_label.setText("\n".join(reference))
        v.reference_label.setVisible(bool(reference))

        text = response_text(item.response)
        hits = key_point_hits(item.detail, text)
        hit_spans = [(s, e) for h in hits.values() if h.hit for s, e, _w in h.spans]
        banned = banned_hits(item.detail, text)
        banned_spans = [span for b in banned for span in b.spans]
        if text.strip():
            v.answer_view.setHtml(
                f'<div style="font-size:11pt;">{highlight_html(text, hit_spans, banned_spans)}</div>'
            )
        else:
            v.answer_view.setHtml(f'<span style="color:#757575;">{html.escape(_t("（未作答）"))}</span>')

        lines = []
        for i, kp in enumerate(q.key_points):
            h = hits.get(i)
            name = html.escape(" / ".join(kp.synonyms))
            weight = _t("权重 {w:g}").format(w=kp.weight)
            if h is not None and h.hit:
                words = "、".join(f"“{html.escape(w)}”" for _s, _e, w in h.spans if w)
                lines.append(
                    f'<span style="color:{OK_COLOUR};">✓ {name}</span>'
                    f'<span style="color:#555555;">（{weight}）{_t("答到：") + words if words else ""}</span>'
                )
            else:
                tip = html.escape(kp.feedback) if kp.feedback else ""
                lines.append(
                    f'<span style="color:{BAD_COLOUR};">✗ {_t("缺少")}：{name}</span>'
                    f'<span style="color:#555555;">（{weight}）{tip}</span>'
                )
        v.key_points_label.setText("<br>".join(lines) if lines else _t("这道题没有设置评分要点。"))
        if banned:
            v.banned_label.setText(
                f'<span style="color:{BAD_COLOUR};">'
                + _t("违禁用语：")
                + "；".join(f"“{html.escape(b.word)}”（{html.escape(b.reason)}）" for b in banned)
                + "</span>"
            )
        else:
            v.banned_label.setText(
                f'<span style="color:{OK_COLOUR};">' + _t("没有发现违禁用语。") + "</span>"
            )
        feedback = [str(f) for f in item.detail.get("feedback") or [] if str(f).strip()]
        v.feedback_label.setText(_t("自动评分说明：") + "\n" + "\n".join(feedback) if feedback else "")
        v.feedback_label.setVisible(bool(feedback))

        v.score_spin.setRange(0.0, float(item.points))
        v.score_spin.setValue(round(float(item.auto_score), 2))
        v.max_label.setText(_t("/ {p:g} 分").format(p=item.points))
        v.auto_label.setText(
            _t("自动评分 {s:g} 分；可直接确认，或改成你的判断").format(s=round(item.auto_score, 2))
        )
        v.comment_edit.clear()
        v.confirm_button.setEnabled(not self._busy)

    def highlighted_html(self) -> str:
        return self.view.answer_view.toHtml()

    def confirm(self) -> None:
        item = self.current
        if item is None or self._busy:
            return
        score = self.view.score_spin.value()
        comment = self.view.comment_edit.toPlainText().strip()
        self._busy = True
        self.view.confirm_button.setEnabled(False)
        row = self.view.queue_table.selectionModel().selectedRows()
        self._select_row_after_load = row[0].row() if row else 0
        self.last_task = self.ctx.runner.db(
            self.ctx.services.exams.review,
            self.ctx.actor,
            item.item_id,
            score,
            comment,
            on_done=lambda result: self._reviewed(item, result),
            on_error=self._review_failed,
            owner=self.view,
        )

    def _reviewed(self, item: ReviewItem, result: AttemptResult) -> None:
        self._busy = False
        self.last_result = result
        if result.pending_review:
            text = _t("已评分。{name} 的“{exam}”还有 {n} 题待复核。").format(
                name=item.display_name, exam=item.exam_title, n=result.pending_review
            )
        else:
            verdict = _passed_text(result)
            text = _t("已评分。{name} 的“{exam}”最终得分 {s:g}/{m:g}（{p:g}%），{v}。").format(
                name=item.display_name,
                exam=item.exam_title,
                s=result.score,
                m=result.max_score,
                p=result.percent,
                v=verdict,
            )
        self.ctx.show_status(text)
        self.current = None
        self.reload()

    def _review_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.view.confirm_button.setEnabled(True)
        if errors.is_expected(exc):
            set_message(self.view.message_label, str(exc))
            self.reload()
        else:
            errors.show_error(self.view.window(), exc)

    def next_item(self) -> None:
        table = self.view.queue_table
        rows = table.selectionModel().selectedRows()
        row = rows[0].row() + 1 if rows else 0
        if self.proxy.rowCount():
            table.selectRow(row % self.proxy.rowCount())


# --- 题目分析 and 考试记录 -------------------------------------------------------------------------------


def _fill_exam_combo(combo: QComboBox, exams: Sequence[ExamSummary], *, everything: str | None) -> None:
    kept = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    if everything is not None:
        combo.addItem(everything, None)
    for e in exams:
        combo.addItem(f"{e.title}（{e.purpose}）", e.key)
    index = combo.findData(kept)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)


class StatsTab(QObject):
    def __init__(self, ctx: PageContext, view: StatsTabView, page: ExamAdminPage) -> None:
        super().__init__(view)
        self.ctx = ctx
        self.view = view
        self.page = page
        self.model: HighlightTableModel[StatRow] = HighlightTableModel(
            stat_columns(), lambda r: QColor(FLAG_BACKGROUND) if r.flagged else None, view
        )
        self.proxy = filter_proxy(self.model, view)
        view.table.setModel(self.proxy)
        fit_columns(view.table, 1)
        view.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
        self.last_task: Task | None = None
        view.exam_combo.addItem(_t("全部试卷"), None)
        view.exam_combo.currentIndexChanged.connect(lambda _i: self.reload())
        view.refresh_button.clicked.connect(self.reload)
        view.table.doubleClicked.connect(self._open)

    def set_exams(self, exams: Sequence[ExamSummary]) -> None:
        _fill_exam_combo(self.view.exam_combo, exams, everything=_t("全部试卷"))

    def reload(self) -> None:
        self.last_task = self.ctx.runner.db(
            load_item_stats,
            self.ctx.services,
            self.ctx.actor,
            self.view.exam_combo.currentData(),
            on_done=self._loaded,
            owner=self.view,
        )

    def _loaded(self, rows: list[StatRow]) -> None:
        self.model.set_rows(rows)
        flagged = sum(1 for r in rows if r.flagged)
        self.view.count_label.setText(_t("共 {n} 题，其中 {f} 题需要留意").format(n=len(rows), f=flagged))

    def _open(self, index: QModelIndex) -> None:
        record = self.proxy.data(index, RECORD_ROLE)
        if isinstance(record, StatRow):
            self.page.open_question(record.key)


class AttemptsTab(QObject):
    def __init__(self, ctx: PageContext, view: AttemptsTabView) -> None:
        super().__init__(view)
        self.ctx = ctx
        self.view = view
        self.model: RecordTableModel[AttemptResult] = RecordTableModel(attempt_columns(), view)
        self.proxy = filter_proxy(self.model, view)
        view.table.setModel(self.proxy)
        fit_columns(view.table, 7)
        view.table.sortByColumn(9, Qt.SortOrder.DescendingOrder)
        self.last_task: Task | None = None
        view.exam_combo.currentIndexChanged.connect(lambda _i: self.reload())
        view.refresh_button.clicked.connect(self.reload)

    def set_exams(self, exams: Sequence[ExamSummary]) -> None:
        _fill_exam_combo(self.view.exam_combo, exams, everything=None)

    def reload(self) -> None:
        key = self.view.exam_combo.currentData()
        if not key:
            self.model.set_rows([])
            self.view.summary_label.setText("")
            return
        self.last_task = self.ctx.runner.db(
            self.ctx.services.exams.attempts_for_exam,
            self.ctx.actor,
            key,
            on_done=self._loaded,
            owner=self.view,
        )

    def _loaded(self, attempts: list[AttemptResult]) -> None:
        self.model.set_rows(attempts)
        graded = [a for a in attempts if a.passed is not None]
        passed = sum(1 for a in graded if a.passed)
        average = sum(a.percent for a in graded) / len(graded) if graded else 0.0
        left = sum(1 for a in attempts if a.focus_losses)
        self.view.summary_label.setText(
            _t(
                "共 {n} 次考试；已评分 {g} 次，通过 {p} 次，平均得分率 {avg:.0f}%；{left} 次离开过考试窗口"
            ).format(n=len(attempts), g=len(graded), p=passed, avg=average, left=left)
        )


# --- the page -------------------------------------------------------------------------------------------


class ExamAdminPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = ExamAdminPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.data = ExamAdminData(exams=[])
        self.exams = ExamsTab(ctx, self.view.exams_tab, self)
        self.review = ReviewTab(ctx, self.view.review_tab)
        self.stats = StatsTab(ctx, self.view.stats_tab, self)
        self.attempts = AttemptsTab(ctx, self.view.attempts_tab)
        self.dialog: QWidget | None = None
        self._shown_once = False
        self.view.tabs.currentChanged.connect(lambda _i: self.refresh_tab())

    def page_shown(self) -> None:
        if not self._shown_once:
            self._shown_once = True
            self.exams.reload()
        self.refresh_tab()

    def refresh_tab(self) -> None:
        tab = self.view.tabs.currentWidget()
        v = self.view
        if tab is v.exams_tab and self._shown_once and self.exams.data.exams:
            return  # loaded; the 刷新 button reloads on request
        if tab is v.review_tab:
            self.review.reload()
        elif tab is v.stats_tab:
            self.stats.reload()
        elif tab is v.attempts_tab:
            self.attempts.reload()

    def exams_loaded(self, data: ExamAdminData) -> None:
        self.data = data
        self.stats.set_exams(data.exams)
        self.attempts.set_exams(data.exams)

    def show_tab(self, name: str) -> None:
        tabs = {
            "exams": self.view.exams_tab,
            "review": self.view.review_tab,
            "stats": self.view.stats_tab,
            "attempts": self.view.attempts_tab,
        }
        self.view.tabs.setCurrentWidget(tabs[name])

    def open_question(self, key: str) -> QuestionEditorDialog:
        editor = open_editor(self.ctx, key, self, categories=self.data.categories, brands=self.data.brands)
        self.dialog = editor
        return editor

    def page_closing(self) -> None:
        if isinstance(self.dialog, QuestionEditorDialog):
            self.dialog.discard()

    def can_leave(self) -> bool:
        if not self.exams.dirty:
            return True
        return prompts.confirm(
            self,
            _t("试卷管理"),
            _t("试卷有未保存的修改，离开后这些修改会丢失。确定离开吗？"),
            ok_text=_t("离开"),
        )


__all__ = [
    "ExamAdminPage",
    "banned_hits",
    "highlight_html",
    "key_point_hits",
    "option_distribution",
]
