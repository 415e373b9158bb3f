"""The 报表 page: dashboards drawn with QtCharts over :class:`cstrainer.services.analytics.AnalyticsService`.

Everybody sees the page; what it shows depends on the role, and the service decides again on every
call. Agents and trainees see their own profile, their own scenario and question figures, their
weak points and - once they opted in - their team's leaderboard. Trainers see their team (all
teams when they belong to none); managers everyone. Trainers and managers can turn a weak point
into a 薄弱点通关 assignment with one click (:meth:`AssignmentService.assign`).

Every query runs on the database thread (:mod:`cstrainer.gui.tasks`); a tab loads when it is
shown and again when the period, team or person changes, and says "正在加载…" meanwhile. An
answer that arrives after the filters changed again is dropped (each tab counts its requests).
Reports are written by :mod:`cstrainer.services.reports` in the background with a progress dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cstrainer.domain.accounts import Permission, Role, may_view_person
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.dashboard_page_view import (
    SCENARIO_CHART_ROWS,
    DashboardPageView,
    ExportDialogView,
    stretch_column,
)
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QDate,
    QSortFilterProxyModel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy
from cstrainer.gui.tasks import Task, run_with_progress
from cstrainer.gui.widgets.charts import (
    PALETTE,
    ChartPanel,
    Trend,
    set_bars,
    set_histogram,
    set_radar,
    set_trend,
)
from cstrainer.services import Services, reports
from cstrainer.services.actor import Actor
from cstrainer.services.analytics import (
    LEADERBOARD_METRICS,
    AgentProfile,
    LeaderboardRow,
    QuestionStat,
    ScenarioStat,
    TeamOverview,
    WeakItem,
    WeakPoints,
)
from cstrainer.services.errors import PermissionDenied, ServiceError
from cstrainer.services.users import TeamInfo, UserInfo
from cstrainer.storage.models import DIMENSION_COLUMNS

ALL = -1  # "全部" in the team and person pickers
STUDENT_ROLES = (Role.TRAINEE, Role.AGENT)
#: (id, label) of the period picker
PERIODS: tuple[tuple[str, str], ...] = (
    ("today", QT_TRANSLATE_NOOP("DashboardPage", "今天")),
    ("week", QT_TRANSLATE_NOOP("DashboardPage", "本周")),
    ("month", QT_TRANSLATE_NOOP("DashboardPage", "本月")),
    ("30d", QT_TRANSLATE_NOOP("DashboardPage", "近 30 天")),
    ("custom", QT_TRANSLATE_NOOP("DashboardPage", "自定义")),
)
DEFAULT_PERIOD = "30d"
LEADERBOARD_CHART_ROWS = 10
DRILL_DUE_DAYS = 7
DRILL_QUESTIONS = 20
DRILL_MIN_SCORE = 80
XLSX_FILTER = QT_TRANSLATE_NOOP("DashboardPage", "Excel 工作簿 (*.xlsx)")
PDF_FILTER = QT_TRANSLATE_NOOP("DashboardPage", "PDF 文件 (*.pdf)")
LOADING = QT_TRANSLATE_NOOP("DashboardPage", "正在加载…")


def _t(text: str) -> str:
    return QCoreApplication.translate("DashboardPage", text)


def pct(value: float | None, digits: int = 0) -> str:
    """0..1 as a percentage, "—" when there is nothing to divide."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


# --- periods ----------------------------------------------------------------------------------------


def to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the computer's zone, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)


def period_days(
    kind: str, today: date, first: date | None = None, last: date | None = None
) -> tuple[date, date]:
    """The first and last calendar day (both included) of a period of the picker."""
    if kind == "today":
        return today, today
    if kind == "week":
        return today - timedelta(days=today.weekday()), today
    if kind == "month":
        return today.replace(day=1), today
    if kind == "30d":
        return today - timedelta(days=29), today
    if kind == "custom":
        a, b = first or today, last or today
        return (a, b) if a <= b else (b, a)
    raise ValueError(f"unknown period {kind!r}")


def period_range(
    kind: str, today: date, first: date | None = None, last: date | None = None
) -> tuple[datetime, datetime]:
    """``(start, end)`` for the services: local midnight of the first day to that after the last."""
    a, b = period_days(kind, today, first, last)
    return local_midnight(a), local_midnight(b + timedelta(days=1))


# --- what the tabs load -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the filter row says; ``team_id`` / ``user_id`` None = all the actor may see."""

    start: datetime
    end: datetime
    team_id: int | None
    user_id: int | None


@dataclass(frozen=True)
class Pickers:
    """The teams and people a trainer or manager may pick (agents: empty)."""

    teams: list[TeamInfo] = field(default_factory=list)
    people: list[UserInfo] = field(default_factory=list)
    opted_in: bool = False


def load_pickers(services: Services, actor: Actor) -> Pickers:
    """On the database thread: the teams and people the actor may look at."""
    opted_in = services.growth.leaderboard_opt_in(actor) if actor.user_id is not None else False
    if not sees_others(actor):
        return Pickers(opted_in=opted_in)
    teams = services.users.teams()
    if not actor.can(Permission.VIEW_ALL_RESULTS) and actor.team_id is not None:
        teams = [t for t in teams if t.id == actor.team_id]
    people = [
        u
        for u in services.users.list(actor, include_inactive=False)
        if u.role in STUDENT_ROLES
        and may_view_person(actor.role, actor.user_id, actor.team_id, u.id, u.team_id)
    ]
    return Pickers(teams, people, opted_in)


def sees_others(actor: Actor) -> bool:
    return actor.can(Permission.VIEW_TEAM_RESULTS) or actor.can(Permission.VIEW_ALL_RESULTS)


@dataclass(frozen=True)
class WeakData:
    points: WeakPoints
    scope: str
    labels: dict[str, str] = field(default_factory=dict)  # key point key -> "场景标题 · 反馈"


def key_point_labels(services: Services, actor: Actor, items: Sequence[WeakItem]) -> dict[str, str]:
    """On the database thread: readable names of missed key points ("scenario:id" keys), the
    scenario's title and the key point's feedback line instead of the two ids."""
    out: dict[str, str] = {}
    scenarios: dict[str, Any] = {}
    for item in items:
        scenario_key, _, point_id = item.key.partition(":")
        if not point_id:
            continue
        if scenario_key not in scenarios:
            try:
                scenarios[scenario_key] = services.roleplay.get_scenario(actor, scenario_key)
            except Exception:  # deleted since, or no longer readable: keep the ids
                scenarios[scenario_key] = None
        definition = scenarios[scenario_key]
        if definition is None:
            continue
        point = next((kp for turn in definition.turns if (kp := turn.key_point(point_id))), None)
        feedback = (point.feedback if point is not None else "").strip() or point_id
        out[item.key] = f"{definition.title} · {_one_line(feedback, 40)}"
    return out


@dataclass(frozen=True)
class DrillPlan:
    """A 薄弱点通关 assignment, ready for :meth:`AssignmentService.assign`."""

    kind: str
    target: str
    title: str
    scope_kind: str
    scope_value: str
    params: dict[str, Any]
    note: str
    due_at: datetime | None


def drill_plan(
    section: str,
    item: WeakItem,
    *,
    scope_kind: str,
    scope_value: str,
    scope_label: str,
    now: datetime,
) -> DrillPlan:
    """What to assign for one weak point.

    - a question category: practice of :data:`DRILL_QUESTIONS` bank questions of that category;
    - a scenario key point: the scenario again, until it is played at :data:`DRILL_MIN_SCORE` or more;
    - a QC item (banned wording, forbidden move): shortcut recall of the team's standard phrases,
      so that the agent reaches for an approved wording instead.
    """
    due = now + timedelta(days=DRILL_DUE_DAYS)
    note = _t("薄弱点通关（{scope}）：{label}，失分率 {rate}（{m}/{n}）").format(
        scope=scope_label, label=item.label, rate=pct(item.rate), m=item.misses, n=item.total
    )
    if section == "key_points":
        scenario, _, _point = (item.key or item.label).partition(":")
        return DrillPlan(
            "scenario",
            scenario.split(" · ", 1)[0],
            _t("薄弱点通关：{label}（≥{s} 分）").format(label=item.label, s=DRILL_MIN_SCORE),
            scope_kind,
            scope_value,
            {"min_score": DRILL_MIN_SCORE, "times": 1},
            note,
            due,
        )
    if section == "qc_items":
        return DrillPlan(
            "drill",
            "recall",
            _t("薄弱点通关：{label} · 标准话术回想 {n} 题").format(label=item.label, n=DRILL_QUESTIONS),
            scope_kind,
            scope_value,
            {"kind": "recall", "count": DRILL_QUESTIONS},
            note,
            due,
        )
    category = item.key or item.label
    return DrillPlan(
        "drill",
        "practice",
        _t("薄弱点通关：{label} {n} 题").format(label=category, n=DRILL_QUESTIONS),
        scope_kind,
        scope_value,
        {"kind": "practice", "count": DRILL_QUESTIONS, "categories": [category]},
        note,
        due,
    )


# --- table columns ----------------------------------------------------------------------------------


def _scenario_columns() -> list[Column[ScenarioStat]]:
    return [
        Column(_t("场景"), lambda r: r.title, tooltip=lambda r: f"{r.title}（{r.scenario_key}）"),
        Column(_t("阶段"), lambda r: r.stage),
        Column(_t("场次"), lambda r: str(r.sessions), sort_key=lambda r: r.sessions, align_right=True),
        Column(
            _t("平均分"), lambda r: num(r.avg_score), sort_key=lambda r: _key(r.avg_score), align_right=True
        ),
        Column(
            _t("成功率"),
            lambda r: pct(r.success_rate),
            sort_key=lambda r: _key(r.success_rate),
            align_right=True,
        ),
        Column(
            _t("平均回复用时（秒）"),
            lambda r: num(r.avg_reply_seconds),
            sort_key=lambda r: _key(r.avg_reply_seconds),
            align_right=True,
        ),
    ]


def _question_columns() -> list[Column[QuestionStat]]:
    return [
        Column(_t("编号"), lambda r: r.key),
        Column(_t("题目"), lambda r: _one_line(r.stem, 60), tooltip=lambda r: r.stem),
        Column(_t("类别"), lambda r: r.category),
        Column(_t("作答次数"), lambda r: str(r.answered), sort_key=lambda r: r.answered, align_right=True),
        Column(
            _t("得分率"), lambda r: pct(r.facility), sort_key=lambda r: _key(r.facility), align_right=True
        ),
        Column(
            _t("答对率"),
            lambda r: pct(r.correct_rate),
            sort_key=lambda r: _key(r.correct_rate),
            align_right=True,
        ),
    ]


def _leaderboard_columns(unit: Callable[[float], str]) -> list[Column[LeaderboardRow]]:
    return [
        Column(_t("名次"), lambda r: str(r.rank), sort_key=lambda r: r.rank, align_right=True),
        Column(_t("姓名"), lambda r: r.display_name, tooltip=lambda r: r.login),
        Column(_t("成绩"), lambda r: unit(r.value), sort_key=lambda r: r.value, align_right=True),
        Column(_t("依据次数"), lambda r: str(r.count), sort_key=lambda r: r.count, align_right=True),
    ]


def _weak_columns(title: str, label: Callable[[WeakItem], str] = lambda r: r.label) -> list[Column[WeakItem]]:
    return [
        Column(title, label, tooltip=label),
        Column(_t("失分次数"), lambda r: str(r.misses), sort_key=lambda r: r.misses, align_right=True),
        Column(_t("应做次数"), lambda r: str(r.total), sort_key=lambda r: r.total, align_right=True),
        Column(_t("失分率"), lambda r: pct(r.rate), sort_key=lambda r: r.rate, align_right=True),
    ]


@dataclass(frozen=True)
class CategoryRow:
    category: str
    answered: int
    wrong_rate: float


@dataclass(frozen=True)
class TopicRow:
    category: str
    count: int


def _key(value: float | None) -> float:
    return -1.0 if value is None else value


def _one_line(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def metric_text(metric: str, value: float) -> str:
    if metric == "exam_avg":
        return f"{value:.1f}%"
    if metric == "sessions":
        return f"{value:.0f}"
    if metric == "typing_best":
        return _t("{v:.0f} 字/分").format(v=value)
    return f"{value:.1f}"


# --- the page ---------------------------------------------------------------------------------------


class DashboardPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        actor = ctx.actor
        self.view = DashboardPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.today: Callable[[], date] = date.today  # tests replace it
        self.sees_others = sees_others(actor)
        self.can_assign = actor.role in (Role.TRAINER, Role.MANAGER)
        self.pickers = Pickers()
        self._first_show = True
        self._generation: dict[int, int] = {}  # tab index -> number of the latest request
        self._in_flight: set[int] = set()  # tabs waiting for an answer
        self._loaded: dict[int, Any] = {}  # tab index -> the (filters, extras) it shows
        self.overview: TeamOverview | None = None
        self.profile: AgentProfile | None = None
        self.weak: WeakData | None = None
        self.leaderboard_error = ""
        self.export_task: Task | None = None

        v = self.view
        # tables
        self.scenario_model: RecordTableModel[ScenarioStat] = RecordTableModel(_scenario_columns(), self)
        self.question_model: RecordTableModel[QuestionStat] = RecordTableModel(_question_columns(), self)
        self.leaderboard_model: RecordTableModel[LeaderboardRow] = RecordTableModel(
            _leaderboard_columns(lambda value: metric_text(self.leaderboard_metric, value)), self
        )
        self.category_model: RecordTableModel[CategoryRow] = RecordTableModel(
            [
                Column(_t("类别"), lambda r: r.category),
                Column(
                    _t("作答"), lambda r: str(r.answered), sort_key=lambda r: r.answered, align_right=True
                ),
                Column(
                    _t("错误率"),
                    lambda r: pct(r.wrong_rate),
                    sort_key=lambda r: r.wrong_rate,
                    align_right=True,
                ),
            ],
            self,
        )
        self.topic_model: RecordTableModel[TopicRow] = RecordTableModel(
            [
                Column(_t("类别"), lambda r: r.category),
                Column(
                    _t("未清除错题"), lambda r: str(r.count), sort_key=lambda r: r.count, align_right=True
                ),
            ],
            self,
        )
        self.weak_models: dict[str, RecordTableModel[WeakItem]] = {
            "categories": RecordTableModel(_weak_columns(_t("类别")), self),
            "key_points": RecordTableModel(_weak_columns(_t("场景 · 关键点"), self.weak_label), self),
            "qc_items": RecordTableModel(_weak_columns(_t("质检项")), self),
        }
        self.weak_tables: dict[str, QTableView] = {
            "categories": v.weak_category_table,
            "key_points": v.weak_key_point_table,
            "qc_items": v.weak_qc_table,
        }
        self.question_proxy = filter_proxy(self.question_model, self)
        self._attach(v.scenario_table, self.scenario_model, sort=(2, Qt.SortOrder.DescendingOrder))
        v.question_table.setModel(self.question_proxy)
        v.question_table.sortByColumn(4, Qt.SortOrder.AscendingOrder)
        stretch_column(v.question_table)
        self._attach(v.leaderboard_table, self.leaderboard_model, sort=(0, Qt.SortOrder.AscendingOrder))
        self._attach(v.weak_categories_table, self.category_model, sort=(2, Qt.SortOrder.DescendingOrder))
        self._attach(v.wrong_topics_table, self.topic_model, sort=(1, Qt.SortOrder.DescendingOrder))
        for section, table in self.weak_tables.items():
            # missed most often first (a rate over two sessions says little)
            self._attach(table, self.weak_models[section], sort=(1, Qt.SortOrder.DescendingOrder))

        # filters
        for key, label in PERIODS:
            v.period_combo.addItem(_t(label), key)
        v.period_combo.setCurrentIndex(v.period_combo.findData(DEFAULT_PERIOD))
        today = self.today()
        v.from_edit.setDate(QDate(today.year, today.month, today.day).addDays(-29))
        v.to_edit.setDate(QDate(today.year, today.month, today.day))
        for key, label in LEADERBOARD_METRICS.items():
            v.metric_combo.addItem(label, key)
        self._show_custom_dates()
        v.team_combo.addItem(_t("全部团队") if self.sees_others else _t("本人"), ALL)
        v.person_combo.addItem(_t("全部人员"), ALL)
        for widget in (v.team_label, v.team_combo, v.person_label, v.person_combo):
            widget.setVisible(self.sees_others)
        v.drill_button.setVisible(self.can_assign)
        v.opt_in_check.setVisible(actor.role in STUDENT_ROLES)
        v.tabs.setTabVisible(v.overview_tab, self.sees_others)
        if not self.sees_others:
            v.tabs.setCurrentIndex(v.profile_tab)

        v.period_combo.currentIndexChanged.connect(lambda _i: self._period_changed())
        v.from_edit.dateChanged.connect(lambda _d: self.filters_changed())
        v.to_edit.dateChanged.connect(lambda _d: self.filters_changed())
        v.team_combo.currentIndexChanged.connect(lambda _i: self._team_changed())
        v.person_combo.currentIndexChanged.connect(lambda _i: self.filters_changed())
        v.metric_combo.currentIndexChanged.connect(lambda _i: self.load_current())
        v.tabs.currentChanged.connect(lambda _i: self.load_current())
        v.refresh_button.clicked.connect(lambda: self.load_current(force=True))
        v.export_button.clicked.connect(self.open_export_dialog)
        v.drill_button.clicked.connect(self.assign_drill)
        v.opt_in_check.toggled.connect(self._opt_in_toggled)
        v.question_search.textChanged.connect(self.question_proxy.setFilterFixedString)
        self._update_status()

    @staticmethod
    def _attach(
        table: QTableView, model: RecordTableModel[Any], *, sort: tuple[int, Qt.SortOrder]
    ) -> QSortFilterProxyModel:
        proxy = filter_proxy(model, model)
        table.setModel(proxy)
        table.sortByColumn(*sort)
        stretch_column(table)
        return proxy

    # --- Page hooks ----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self._first_show:
            self._first_show = False
            self._begin(-2)
            self.ctx.runner.db(
                load_pickers,
                self.ctx.services,
                self.ctx.actor,
                on_done=self._pickers_loaded,
                on_error=self._pickers_failed,
                owner=self,
                name="dashboard.pickers",
            )
        else:
            self.load_current()

    def page_closing(self) -> None:
        if self.export_task is not None:
            self.export_task.cancel()

    @property
    def loading(self) -> bool:
        return bool(self._in_flight)

    # --- filters -------------------------------------------------------------------------------------

    @property
    def period(self) -> str:
        return str(self.view.period_combo.currentData())

    @property
    def leaderboard_metric(self) -> str:
        data = self.view.metric_combo.currentData()
        return str(data) if data else next(iter(LEADERBOARD_METRICS))

    def _combo_id(self, combo: Any) -> int | None:
        data = combo.currentData()
        return None if data in (None, ALL) else int(data)

    def filters(self) -> Filters:
        v = self.view
        first = to_date(v.from_edit.date())
        last = to_date(v.to_edit.date())
        start, end = period_range(self.period, self.today(), first, last)
        if not self.sees_others:
            return Filters(start, end, None, self.ctx.actor.user_id)
        return Filters(start, end, self._combo_id(v.team_combo), self._combo_id(v.person_combo))

    def _period_changed(self) -> None:
        self._show_custom_dates()
        self.filters_changed()

    def _show_custom_dates(self) -> None:
        custom = self.period == "custom"
        for widget in (self.view.from_edit, self.view.dash_label, self.view.to_edit):
            widget.setVisible(custom)

    def _pickers_loaded(self, pickers: Pickers) -> None:
        self._end(-2)
        self.pickers = pickers
        v = self.view
        v.opt_in_check.blockSignals(True)
        v.opt_in_check.setChecked(pickers.opted_in)
        v.opt_in_check.blockSignals(False)
        v.team_combo.blockSignals(True)
        if self.sees_others:
            only_team = (
                not self.ctx.actor.can(Permission.VIEW_ALL_RESULTS) and self.ctx.actor.team_id is not None
            )
            if only_team:
                v.team_combo.clear()
            for team in pickers.teams:
                v.team_combo.addItem(team.name, team.id)
            v.team_combo.setEnabled(v.team_combo.count() > 1)
        v.team_combo.blockSignals(False)
        self._fill_people()
        self.load_current()

    def _pickers_failed(self, exc: BaseException) -> None:
        self._end(-2)
        errors.show_error(self.window(), exc)
        self.load_current()

    def _fill_people(self) -> None:
        combo = self.view.person_combo
        keep = combo.currentData()
        team = self._combo_id(self.view.team_combo)
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(_t("全部人员"), ALL)
        for person in self.pickers.people:
            if team is None or person.team_id == team:
                combo.addItem(f"{person.display_name}（{person.login}）", person.id)
        index = combo.findData(keep)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def _team_changed(self) -> None:
        self._fill_people()
        self.filters_changed()

    def select_person(self, user_id: int | None) -> None:
        """Pick a person in the filter row (None: everybody)."""
        combo = self.view.person_combo
        combo.setCurrentIndex(max(combo.findData(ALL if user_id is None else user_id), 0))

    def select_team(self, team_id: int | None) -> None:
        combo = self.view.team_combo
        combo.setCurrentIndex(max(combo.findData(ALL if team_id is None else team_id), 0))

    def filters_changed(self) -> None:
        self._loaded.clear()
        self.load_current()

    # --- loading -------------------------------------------------------------------------------------

    def _begin(self, tab: int) -> int:
        generation = self._generation.get(tab, 0) + 1
        self._generation[tab] = generation
        self._in_flight.add(tab)
        self._update_status()
        return generation

    def _end(self, tab: int) -> None:
        self._in_flight.discard(tab)
        self._update_status()

    def _update_status(self) -> None:
        self.view.status_label.setText(_t(LOADING) if self._in_flight else "")

    def _current(self, tab: int, generation: int) -> bool:
        """Whether an answer for ``tab`` is the latest one asked for (older ones are dropped)."""
        if self._generation.get(tab) != generation:
            return False
        self._end(tab)
        return True

    def load_current(self, *, force: bool = False) -> None:
        if self._first_show:
            return  # not shown yet: page_shown loads
        v = self.view
        tab = v.tabs.currentIndex()
        filters = self.filters()
        key: Any = (filters, self.leaderboard_metric) if tab == v.leaderboard_tab else filters
        if not force and self._loaded.get(tab) == key:
            return
        self._loaded[tab] = key
        loaders: dict[int, Callable[[Filters, int], None]] = {
            v.overview_tab: self._load_overview,
            v.profile_tab: self._load_profile,
            v.scenarios_tab: self._load_scenarios,
            v.questions_tab: self._load_questions,
            v.leaderboard_tab: self._load_leaderboard,
            v.weak_tab: self._load_weak,
        }
        loader = loaders.get(tab)
        if loader is not None:
            loader(filters, self._begin(tab))

    def _submit(
        self,
        tab: int,
        generation: int,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None],
        **kwargs: Any,
    ) -> None:
        def on_done(result: Any) -> None:
            if self._current(tab, generation):
                done(result)

        def on_error(exc: BaseException) -> None:
            if self._current(tab, generation):
                self._loaded.pop(tab, None)
                self._load_failed(tab, exc)

        self.ctx.runner.db(
            fn, *args, on_done=on_done, on_error=on_error, owner=self, name=f"dashboard.{tab}", **kwargs
        )

    def _load_failed(self, tab: int, exc: BaseException) -> None:
        v = self.view
        if tab == v.leaderboard_tab and isinstance(exc, PermissionDenied):
            self.leaderboard_error = str(exc)
            self.leaderboard_model.set_rows([])
            v.leaderboard_chart.show_message(str(exc))
            return
        if isinstance(exc, ServiceError):
            self.ctx.show_status(str(exc))
        errors.show_error(self.window(), exc)

    # --- 团队概览 ------------------------------------------------------------------------------------

    def _load_overview(self, f: Filters, generation: int) -> None:
        v = self.view
        for panel in (v.dimension_chart, v.response_chart, v.score_trend_chart):
            panel.show_message(_t(LOADING))
        self._submit(
            v.overview_tab,
            generation,
            self.ctx.services.analytics.team_overview,
            self.ctx.actor,
            f.team_id,
            f.start,
            f.end,
            done=self._show_overview,
        )

    def _show_overview(self, o: TeamOverview) -> None:
        self.overview = o
        v = self.view
        v.people_card.set(f"{o.active_people} / {o.people}", _t("本期有练习 / 学员总数"))
        v.exams_card.set(
            str(o.exam_attempts),
            _t("平均得分率 {p}").format(
                p=num(o.exam_avg_percent, 1) + "%" if o.exam_avg_percent is not None else "—"
            ),
        )
        v.pass_card.set(pct(o.exam_pass_rate), _t("已阅卷的考试"))
        v.done_card.set(pct(o.assignments_done_rate), _t("本期布置或到期的任务"))
        v.sessions_card.set(str(o.sessions), _t("成功率 {p}").format(p=pct(o.session_success_rate)))
        v.score_card.set(num(o.session_avg_score), _t("话术练习 {n} 次").format(n=o.drill_attempts))
        set_bars(
            v.dimension_chart,
            [(label, o.dimension_avgs[label]) for label in DIMENSION_COLUMNS if label in o.dimension_avgs],
            y_max=100,
            y_title=_t("平均分"),
            empty=_t("本期没有已评分的对话模拟"),
        )
        set_histogram(
            v.response_chart,
            o.response_time_histogram,
            x_title=_t("每场对话的平均回复用时"),
            y_title=_t("场次"),
            empty=_t("本期没有记录回复用时的对话模拟"),
        )
        set_trend(
            v.score_trend_chart,
            [Trend(_t("对话模拟平均分"), o.score_trend), Trend(_t("考试平均得分率"), o.exam_trend)],
            y_title=_t("分 / %"),
            empty=_t("本期没有考试或对话模拟成绩"),
        )
        v.overview_hint.setText(
            _t("范围：{team}。成绩趋势按天取平均；回复用时按每场对话的平均回复时间分组。").format(
                team=o.team_name
            )
        )

    # --- 个人画像 ------------------------------------------------------------------------------------

    def _load_profile(self, f: Filters, generation: int) -> None:
        v = self.view
        if f.user_id is None:
            self._end(v.profile_tab)
            self.profile = None
            v.profile_header.setText(_t("在上方“人员”中选择一位同事，查看他（她）的个人画像。"))
            for panel in (v.exam_trend_chart, v.roleplay_trend_chart, v.radar_chart):
                panel.show_message(_t("请选择人员"))
            self.category_model.set_rows([])
            self.topic_model.set_rows([])
            v.profile_skills.clear()
            return
        for panel in (v.exam_trend_chart, v.roleplay_trend_chart, v.radar_chart):
            panel.show_message(_t(LOADING))
        self._submit(
            v.profile_tab,
            generation,
            self.ctx.services.analytics.agent_profile,
            self.ctx.actor,
            f.user_id,
            f.start,
            f.end,
            done=self._show_profile,
        )

    def _show_profile(self, p: AgentProfile) -> None:
        self.profile = p
        v = self.view
        team = f" · {p.team}" if p.team else ""
        v.profile_header.setText(
            _t(
                "<b style='font-size:14pt'>{name}</b>（{login}）{team} · 阶段：<b>{stage}</b>"
                "<br>考试 {ea} 次，通过率 {pr}，平均得分率 {ap}；对话模拟 {s} 场，平均分 {sa}"
            ).format(
                name=p.person,
                login=p.login,
                team=team,
                stage=p.stage or "—",
                ea=p.exam_attempts,
                pr=pct(p.exam_pass_rate),
                ap="—" if p.exam_avg_percent is None else f"{p.exam_avg_percent:.1f}%",
                s=p.sessions,
                sa=num(p.session_avg_score),
            )
        )
        set_trend(
            v.exam_trend_chart, [Trend(_t("考试得分率"), p.exam_trend)], y_title="%", empty=_t("本期没有考试")
        )
        set_trend(
            v.roleplay_trend_chart,
            [Trend(_t("对话模拟得分"), p.roleplay_trend)],
            y_title=_t("分"),
            empty=_t("本期没有对话模拟"),
        )
        labels = list(DIMENSION_COLUMNS)
        values = [p.dimension_avgs.get(label, 0.0) for label in labels]
        set_radar(
            v.radar_chart,
            labels,
            [(p.person, values)] if p.dimension_avgs else [],
            empty=_t("本期没有已评分的对话模拟"),
        )
        self.category_model.set_rows([CategoryRow(c, n, r) for c, n, r in p.weak_categories])
        self.topic_model.set_rows([TopicRow(c, n) for c, n in p.wrong_book_topics])
        v.profile_skills.setText(
            _t(
                "打字练习 {tn} 次<br>最好净速度 <b>{best}</b> 字/分<br>平均净速度 {avg} 字/分"
                "<br><br>快捷码回忆 {rn} 次<br>正确率 <b>{acc}</b>"
            ).format(
                tn=p.typing_attempts,
                best=num(p.typing_best_net_cpm, 0),
                avg=num(p.typing_avg_net_cpm, 0),
                rn=p.recall_answers,
                acc=pct(p.recall_accuracy),
            )
        )

    # --- 场景统计 / 题目统计 ----------------------------------------------------------------------------

    def _load_scenarios(self, f: Filters, generation: int) -> None:
        self.view.scenario_hint.setText(_t(LOADING))
        self.view.scenario_chart.show_message(_t(LOADING))
        self._submit(
            self.view.scenarios_tab,
            generation,
            self.ctx.services.analytics.scenario_stats,
            self.ctx.actor,
            f.start,
            f.end,
            team_id=f.team_id,
            user_id=f.user_id,
            done=self._show_scenarios,
        )

    def _show_scenarios(self, rows: list[ScenarioStat]) -> None:
        self.scenario_model.set_rows(rows)
        most_played = [r for r in rows if r.avg_score is not None][:SCENARIO_CHART_ROWS]
        set_bars(
            self.view.scenario_chart,
            [(r.title, float(r.avg_score or 0)) for r in most_played],
            y_max=100,
            y_title=_t("平均分"),
            color=PALETTE[2],
            empty=_t("本期没有已评分的对话模拟"),
        )
        sessions = sum(r.sessions for r in rows)
        self.view.scenario_hint.setText(
            _t("本期 {n} 个场景共 {s} 场已评分的对话模拟（不含草稿）。点列标题排序。").format(
                n=len(rows), s=sessions
            )
            if rows
            else _t("本期没有已评分的对话模拟。")
        )

    def _load_questions(self, f: Filters, generation: int) -> None:
        self.view.question_hint.setText(_t(LOADING))
        self._submit(
            self.view.questions_tab,
            generation,
            self.ctx.services.analytics.question_stats,
            self.ctx.actor,
            f.start,
            f.end,
            team_id=f.team_id,
            user_id=f.user_id,
            done=self._show_questions,
        )

    def _show_questions(self, rows: list[QuestionStat]) -> None:
        self.question_model.set_rows(rows)
        answered = sum(r.answered for r in rows)
        self.view.question_hint.setText(
            _t("本期 {n} 道题共作答 {a} 次；得分率低的题目排在前面。").format(n=len(rows), a=answered)
            if rows
            else _t("本期没有已阅卷的考试作答。")
        )

    # --- 排行榜 --------------------------------------------------------------------------------------

    def _load_leaderboard(self, f: Filters, generation: int) -> None:
        self.view.leaderboard_chart.show_message(_t(LOADING))
        self.leaderboard_error = ""
        self._submit(
            self.view.leaderboard_tab,
            generation,
            self.ctx.services.analytics.leaderboard,
            self.ctx.actor,
            f.team_id,
            f.start,
            f.end,
            self.leaderboard_metric,
            done=self._show_leaderboard,
        )

    def _show_leaderboard(self, rows: list[LeaderboardRow]) -> None:
        v = self.view
        self.leaderboard_model.set_rows(rows)
        metric = self.leaderboard_metric
        top = rows[:LEADERBOARD_CHART_ROWS]
        v.leaderboard_chart.title = _t("{m}（前 {n} 名）").format(
            m=LEADERBOARD_METRICS.get(metric, ""), n=len(top)
        )
        set_bars(
            v.leaderboard_chart,
            [(r.display_name, r.value) for r in top],
            y_max=100 if metric in ("roleplay_avg", "exam_avg") else None,
            y_title=LEADERBOARD_METRICS.get(metric, ""),
            integers=metric == "sessions",
            empty=_t("本期还没有参加排行榜的同事的成绩"),
        )

    def _opt_in_toggled(self, checked: bool) -> None:
        self.ctx.runner.db(
            self.ctx.services.growth.set_leaderboard_opt_in,
            self.ctx.actor,
            checked,
            on_done=lambda _r: self._opt_in_saved(checked),
            owner=self,
            name="dashboard.opt_in",
        )

    def _opt_in_saved(self, checked: bool) -> None:
        self.ctx.show_status(_t("已加入本组排行榜") if checked else _t("已退出排行榜"))
        self._loaded.pop(self.view.leaderboard_tab, None)
        self.load_current()

    # --- 薄弱点 --------------------------------------------------------------------------------------

    def _weak_scope(self, f: Filters) -> str:
        v = self.view
        if f.user_id is not None and self.sees_others:
            return v.person_combo.currentText()
        if not self.sees_others:
            return _t("本人")
        return v.team_combo.currentText()

    def _load_weak(self, f: Filters, generation: int) -> None:
        v = self.view
        scope = self._weak_scope(f)
        v.weak_scope_label.setText(_t("范围：{s} · {l}").format(s=scope, l=_t(LOADING)))
        services, actor = self.ctx.services, self.ctx.actor

        def load() -> WeakData:
            points = services.analytics.weak_points(
                actor, team_id=f.team_id, user_id=f.user_id, start=f.start, end=f.end
            )
            return WeakData(points, scope, key_point_labels(services, actor, points.key_points))

        self._submit(v.weak_tab, generation, load, done=self._show_weak)

    def _show_weak(self, data: WeakData) -> None:
        self.weak = data
        v = self.view
        p = data.points
        for section, rows in (
            ("categories", p.categories),
            ("key_points", p.key_points),
            ("qc_items", p.qc_items),
        ):
            self.weak_models[section].set_rows(rows)
        v.weak_scope_label.setText(_t("范围：{s}").format(s=data.scope))
        v.drill_button.setEnabled(bool(p.categories or p.key_points or p.qc_items))

    def weak_label(self, item: WeakItem) -> str:
        return self.weak.labels.get(item.key, item.label) if self.weak is not None else item.label

    def selected_weak_point(self) -> tuple[str, WeakItem] | None:
        """The weak point selected in one of the three tables, else the top row of the first non-empty
        one (categories, key points, QC items) as sorted on screen (missed most often first)."""
        for section, table in self.weak_tables.items():
            if table.hasFocus() or table.selectionModel().hasSelection():
                rows = table.selectionModel().selectedRows()
                if rows:
                    record = rows[0].data(RECORD_ROLE)
                    if isinstance(record, WeakItem):
                        return section, record
        for section, table in self.weak_tables.items():  # nothing selected: the top row as sorted
            top = table.model().index(0, 0).data(RECORD_ROLE) if table.model().rowCount() else None
            if isinstance(top, WeakItem):
                return section, top
        return None

    def assign_drill(self) -> None:
        """布置薄弱点通关: the selected (or worst) weak point as an assignment for the person or team shown."""
        if not self.can_assign:
            return
        chosen = self.selected_weak_point()
        if chosen is None:
            prompts.inform(self.window(), _t("布置薄弱点通关"), _t("当前范围内没有找到薄弱点。"))
            return
        section, item = chosen
        item = replace(item, label=self.weak_label(item))
        f = self.filters()
        if f.user_id is not None:
            scope_kind, scope_value = "person", str(f.user_id)
        elif f.team_id is not None:
            scope_kind, scope_value = "team", str(f.team_id)
        else:
            prompts.inform(
                self.window(),
                _t("布置薄弱点通关"),
                _t("请先在上方选择一个团队或一位人员，再布置薄弱点通关。"),
            )
            return
        scope_label = self._weak_scope(f)
        plan = drill_plan(
            section,
            item,
            scope_kind=scope_kind,
            scope_value=scope_value,
            scope_label=scope_label,
            now=datetime.now(UTC),
        )
        due = plan.due_at.astimezone().strftime("%Y-%m-%d") if plan.due_at else _t("无")
        if not prompts.confirm(
            self.window(),
            _t("布置薄弱点通关"),
            _t("给“{who}”布置：{title}\n截止日期：{due}\n\n{note}").format(
                who=scope_label, title=plan.title, due=due, note=plan.note
            ),
            ok_text=_t("布置"),
        ):
            return
        self.ctx.runner.db(
            self.ctx.services.assignments.assign,
            self.ctx.actor,
            plan.kind,
            plan.target,
            scope_kind=plan.scope_kind,
            scope_value=plan.scope_value,
            due_at=plan.due_at,
            params=plan.params,
            note=plan.note,
            title=plan.title,
            on_done=lambda _a: self.ctx.show_status(_t("已布置：{t}").format(t=plan.title)),
            owner=self,
            name="dashboard.assign_drill",
        )

    # --- 导出报表 ------------------------------------------------------------------------------------

    def open_export_dialog(self) -> ExportDialog:
        dialog = ExportDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def export_report(self, request: ExportRequest) -> Task:
        """Write the report file in the background (progress dialog); a status line when done."""
        analytics = self.ctx.services.analytics
        actor = self.ctx.actor

        def work(task: Task) -> Path:
            task.progress(_t("正在统计…"))
            data = reports.build_report(analytics, actor, request.scope, request.period, request.day)
            task.progress(_t("正在写入文件…"))
            if request.path.suffix.lower() == ".pdf":
                return reports.write_report_pdf(data, request.path)
            return reports.write_report_xlsx(data, request.path)

        def done(path: Path) -> None:
            self.export_task = None
            self.ctx.show_status(_t("报表已保存：{p}").format(p=path))

        def failed(exc: BaseException) -> None:
            self.export_task = None
            errors.show_error(self.window(), exc)

        task, _dialog = run_with_progress(
            self.ctx.runner,
            self,
            _t("正在生成报表…"),
            work,
            title=_t("导出报表"),
            on_done=done,
            on_error=failed,
            on_cancelled=lambda: setattr(self, "export_task", None),
        )
        self.export_task = task
        return task


# --- 导出报表 dialog --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    scope: tuple[str, str]  # ("agent", login) or ("team", team key | "all")
    period: str  # day | week | month
    day: date
    path: Path


def default_file_name(scope: tuple[str, str], period: str, day: date, suffix: str) -> str:
    kind = {"day": "日报", "week": "周报", "month": "月报"}.get(period, period)
    who = scope[1] if scope[1] != "all" else "全部"
    return f"{kind}_{who}_{day.isoformat()}{suffix}"


class ExportDialog(ExportDialogView):
    """Whose report, which period, the date and the format; then the file name, then the page writes it."""

    def __init__(self, page: DashboardPage) -> None:
        super().__init__(page)
        self.page = page
        actor = page.ctx.actor
        self.request: ExportRequest | None = None
        today = page.today()
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.week_radio.setChecked(True)
        self.xlsx_radio.setChecked(True)
        self.team_radio.setEnabled(page.sees_others)
        if page.sees_others and page.view.person_combo.currentData() in (None, ALL):
            self.team_radio.setChecked(True)
        else:
            self.agent_radio.setChecked(True)
        self.scope_group.buttonToggled.connect(lambda _b, _c: self._fill_targets())
        self.period_group.buttonToggled.connect(lambda _b, _c: self._update_hint())
        self.date_edit.dateChanged.connect(lambda _d: self._update_hint())
        self.buttons.accepted.connect(self.accept_export)
        self.buttons.rejected.connect(self.reject)
        self._actor_login = actor.login
        self._fill_targets()
        self._update_hint()

    @property
    def period(self) -> str:
        return "day" if self.day_radio.isChecked() else "month" if self.month_radio.isChecked() else "week"

    def _fill_targets(self) -> None:
        page, combo = self.page, self.target_combo
        combo.clear()
        if self.team_radio.isChecked():
            if page.ctx.actor.can(Permission.VIEW_ALL_RESULTS) or page.ctx.actor.team_id is None:
                combo.addItem(_t("全部团队"), "all")
            for team in page.pickers.teams:
                combo.addItem(team.name, team.key)
            current = page._combo_id(page.view.team_combo)
            keys = {t.id: t.key for t in page.pickers.teams}
            if current in keys:
                combo.setCurrentIndex(max(combo.findData(keys[current]), 0))
        else:
            if not page.sees_others:
                combo.addItem(
                    f"{page.ctx.actor.display_name}（{page.ctx.actor.login}）", page.ctx.actor.login
                )
            for person in page.pickers.people:
                combo.addItem(f"{person.display_name}（{person.login}）", person.login)
            current = page._combo_id(page.view.person_combo)
            logins = {p.id: p.login for p in page.pickers.people}
            if current in logins:
                combo.setCurrentIndex(max(combo.findData(logins[current]), 0))
        self.ok_button.setEnabled(combo.count() > 0)

    def _update_hint(self) -> None:
        day = to_date(self.date_edit.date())
        first, last = report_days(self.period, day)
        self.period_hint.setText(
            _t("统计 {a} 至 {b}").format(a=first.isoformat(), b=last.isoformat())
            if first != last
            else _t("统计 {a} 当天").format(a=first.isoformat())
        )

    def accept_export(self) -> None:
        target = self.target_combo.currentData()
        if not target:
            return
        scope = ("team" if self.team_radio.isChecked() else "agent", str(target))
        day = to_date(self.date_edit.date())
        pdf = self.pdf_radio.isChecked()
        suffix = ".pdf" if pdf else ".xlsx"
        name = default_file_name(scope, self.period, day, suffix)
        path = prompts.choose_save_file(
            self, _t("保存报表"), Path.home() / name, _t(PDF_FILTER) if pdf else _t(XLSX_FILTER)
        )
        if path is None:
            return
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self.request = ExportRequest(scope, self.period, day, path)
        self.accept()
        self.page.export_report(self.request)


def report_days(period: str, day: date) -> tuple[date, date]:
    """The calendar days a day / week (Monday to Sunday) / month report covers."""
    if period == "day":
        return day, day
    if period == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def sorted_rows(view: QTableView) -> list[Any]:
    """The records of a table in the order shown (tests; copying)."""
    model = view.model()
    return [model.index(r, 0).data(RECORD_ROLE) for r in range(model.rowCount())]


def chart_panels(page: DashboardPage) -> Sequence[ChartPanel]:
    v = page.view
    return (
        v.dimension_chart,
        v.response_chart,
        v.scenario_chart,
        v.score_trend_chart,
        v.exam_trend_chart,
        v.roleplay_trend_chart,
        v.radar_chart,
        v.leaderboard_chart,
    )
