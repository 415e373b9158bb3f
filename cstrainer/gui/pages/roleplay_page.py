"""对话模拟: pick a scenario (by stage, brand, customer type, difficulty) and chat with the simulated
customer - as text, with the customer's lines spoken (voice mode), or with 3-5 customers at once
(rush mode, 大促). The chat and the scorecard live in a :class:`ChatFlow` stacked over the list.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.pages.roleplay_chat import ChatFlow, ChatOptions
from cstrainer.gui.pages.roleplay_page_view import ScenarioPickerView, stretch_first_column
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QColor,
    QCoreApplication,
    QItemSelectionModel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy

log = logging.getLogger(__name__)

ALL = "__all__"
RUSH_MIN, RUSH_MAX, RUSH_DEFAULT = 3, 5, 4
LEAVE_QUESTION = QT_TRANSLATE_NOOP(
    "RolePlayPage", "顾客还在等你回复，确定离开吗？计时不会暂停，等得太久顾客会离开（流失）。"
)


def _t(text: str) -> str:
    return QCoreApplication.translate("RolePlayPage", text)


def stars(n: int) -> str:
    return "★" * max(0, int(n)) + "☆" * max(0, 3 - int(n))


@dataclass(frozen=True)
class PickerData:
    scenarios: list[Any]
    brand_names: dict[str, str]
    active: list[Any]  # my unfinished sessions (not drafts), newest first


def load_picker(services: Any, actor: Any) -> PickerData:
    """On the database thread: the scenarios with my scores, and the brands' display names."""
    scenarios = services.roleplay.list_scenarios(actor)
    names = {b.key: b.name for b in services.users.brands()}
    active = [a for a in services.roleplay.active_sessions(actor) if not a.draft]
    return PickerData(list(scenarios), names, active)


def scenario_columns(brand_names: dict[str, str]) -> list[Column[Any]]:
    def best(s: Any) -> str:
        return "—" if s.my_best_score is None else str(s.my_best_score)

    def best_colour(s: Any) -> QColor | None:
        if s.my_best_score is None:
            return None
        return QColor(
            "#2e7d32" if s.my_best_score >= 80 else ("#ef6c00" if s.my_best_score >= 60 else "#c62828")
        )

    return [
        Column(_t("场景"), lambda s: s.title, tooltip=lambda s: s.goal),
        Column(_t("阶段"), lambda s: s.stage),
        Column(_t("品牌"), lambda s: brand_names.get(s.brand or "", s.brand or "—")),
        Column(_t("顾客类型"), lambda s: s.persona),
        Column(_t("难度"), lambda s: stars(s.difficulty), sort_key=lambda s: s.difficulty),
        Column(
            _t("回复时限"),
            lambda s: _t("{s} 秒").format(s=f"{s.reply_time_target_seconds:g}"),
            align_right=True,
        ),
        Column(
            _t("练习次数"), lambda s: str(s.my_sessions), sort_key=lambda s: s.my_sessions, align_right=True
        ),
        Column(
            _t("我的最好成绩"),
            best,
            sort_key=lambda s: -1 if s.my_best_score is None else s.my_best_score,
            foreground=best_colour,
            align_right=True,
        ),
    ]


class RolePlayPage(Page):
    def __init__(
        self, ctx: PageContext, parent: QWidget | None = None, *, options: ChatOptions | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.options = options or ChatOptions()
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.picker = ScenarioPickerView()
        self.stack.addWidget(self.picker)
        self.flow = ChatFlow(ctx, options=self.options)
        self.flow.back_requested.connect(self.show_list)
        self.stack.addWidget(self.flow)
        self.scenarios: list[Any] = []
        self.active: list[Any] = []
        self.loaded = False

        v = self.picker
        self.brand_names: dict[str, str] = {}
        self.model: RecordTableModel[Any] = RecordTableModel(scenario_columns(self.brand_names), self)
        self.proxy = filter_proxy(self.model, self)
        v.table.setModel(self.proxy)
        stretch_first_column(v.table)
        v.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        v.table.doubleClicked.connect(lambda _i: self.start_selected("normal"))
        for combo in (v.stage_combo, v.brand_combo, v.persona_combo, v.difficulty_combo):
            combo.currentIndexChanged.connect(lambda _i: self._apply_filters())
        v.search_edit.textChanged.connect(lambda _t2: self._apply_filters())
        v.start_button.clicked.connect(lambda: self.start_selected("normal"))
        v.voice_button.clicked.connect(lambda: self.start_selected("voice"))
        v.rush_button.clicked.connect(self.start_rush)
        v.refresh_button.clicked.connect(self.reload)
        v.resume_button.clicked.connect(self.resume_latest)
        v.feedback_box.toggled.connect(self._feedback_toggled)
        self._selection_changed()

    # --- Page hooks -------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self.stack.currentWidget() is self.picker:
            self.reload()

    def can_leave(self) -> bool:
        if self.stack.currentWidget() is not self.flow or not self.flow.in_conversation:
            return True
        return prompts.confirm(self, _t("离开对话"), _t(LEAVE_QUESTION), ok_text=_t("离开"))

    def page_closing(self) -> None:
        self.flow.close_session()

    # --- the list ---------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.runner.db(
            load_picker,
            self.ctx.services,
            self.ctx.actor,
            on_done=self._show_data,
            owner=self,
            name="roleplay.picker",
        )

    def _show_data(self, data: PickerData) -> None:
        self.brand_names.clear()
        self.brand_names.update(data.brand_names)
        self.active = data.active
        button = self.picker.resume_button
        if data.active:
            button.setText(_t("继续未完成的对话：{title}").format(title=data.active[0].scenario_title))
        button.setVisible(bool(data.active))
        self._show_scenarios(data.scenarios)

    def _show_scenarios(self, scenarios: Sequence[Any]) -> None:
        self.scenarios = list(scenarios)
        v = self.picker
        self._fill_combo(v.stage_combo, sorted({s.stage for s in self.scenarios}, key=_stage_order))
        self._fill_combo(
            v.brand_combo,
            sorted({s.brand for s in self.scenarios if s.brand}),
            labels=lambda k: self.brand_names.get(k, k),
        )
        self._fill_combo(v.persona_combo, sorted({s.persona for s in self.scenarios}))
        self._fill_combo(
            v.difficulty_combo,
            [str(d) for d in sorted({s.difficulty for s in self.scenarios})],
            labels=lambda d: stars(int(d)),
        )
        v.empty_label.setVisible(not self.scenarios)
        self._apply_filters()
        self.loaded = True

    def _fill_combo(self, combo: Any, values: Sequence[str], labels: Any = None) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(_t("全部"), ALL)
        for value in values:
            combo.addItem(labels(value) if labels else value, value)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def filtered(self) -> list[Any]:
        v = self.picker
        stage, brand = v.stage_combo.currentData(), v.brand_combo.currentData()
        persona, difficulty = v.persona_combo.currentData(), v.difficulty_combo.currentData()
        query = v.search_edit.text().strip().lower()
        return [
            s
            for s in self.scenarios
            if (stage in (None, ALL) or s.stage == stage)
            and (brand in (None, ALL) or s.brand == brand)
            and (persona in (None, ALL) or s.persona == persona)
            and (difficulty in (None, ALL) or str(s.difficulty) == difficulty)
            and (not query or query in s.title.lower() or query in s.goal.lower())
        ]

    def _apply_filters(self) -> None:
        keys = {s.key for s in self.selected()}
        rows = self.filtered()
        self.model.set_rows(rows)
        self.picker.count_label.setText(_t("{n} / {m} 个场景").format(n=len(rows), m=len(self.scenarios)))
        if rows:
            self.select_keys(keys or {rows[0].key})
        self._selection_changed()

    def select_keys(self, keys: set[str]) -> None:
        table = self.picker.table
        selection = table.selectionModel()
        selection.clearSelection()
        for row in range(self.proxy.rowCount()):
            record = self.proxy.index(row, 0).data(RECORD_ROLE)
            if record is not None and record.key in keys:
                selection.select(
                    self.proxy.index(row, 0),
                    QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
                )

    def selected(self) -> list[Any]:
        rows = self.picker.table.selectionModel().selectedRows()
        return [r.data(RECORD_ROLE) for r in sorted(rows, key=lambda r: r.row())]

    def _selection_changed(self) -> None:
        v = self.picker
        chosen = self.selected()
        one = chosen[0] if chosen else None
        v.start_button.setEnabled(len(chosen) == 1)
        v.voice_button.setEnabled(len(chosen) == 1)
        v.rush_button.setEnabled(
            len(chosen) <= RUSH_MAX and (len(chosen) >= RUSH_MIN or len(self.filtered()) >= RUSH_MIN)
        )
        v.detail.setVisible(one is not None)
        if one is None:
            return
        if len(chosen) > 1:
            v.detail_title.setText(_t("已选 {n} 个场景（大促模式可同时接待）").format(n=len(chosen)))
            v.detail_goal.setText("；".join(s.title for s in chosen))
            v.detail_facts.setText("")
            return
        v.detail_title.setText(one.title)
        v.detail_goal.setText(_t("目标：{goal}").format(goal=one.goal))
        facts = _t("{stage} · {persona} · 难度 {stars} · {turns} 个顾客回合 · 回复时限 {target} 秒").format(
            stage=one.stage,
            persona=one.persona,
            stars=stars(one.difficulty),
            turns=one.turn_count,
            target=f"{one.reply_time_target_seconds:g}",
        )
        if one.my_best_score is not None:
            facts += _t(" · 我的最好成绩 {best} 分（练习 {n} 次）").format(
                best=one.my_best_score, n=one.my_sessions
            )
        v.detail_facts.setText(facts)

    def _feedback_toggled(self, on: bool) -> None:
        self.options.feedback = on

    # --- starting ---------------------------------------------------------------------------------

    def start_selected(self, mode: str = "normal") -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        self.start(chosen[0].key, mode)

    def start(self, key: str, mode: str = "normal", draft: Any = None) -> ChatFlow:
        self.stack.setCurrentWidget(self.flow)
        self.flow.start(key, mode, draft)
        return self.flow

    def start_rush(self) -> None:
        chosen = self.selected()
        if not RUSH_MIN <= len(chosen) <= RUSH_MAX:
            pool = self.filtered()
            if len(pool) < RUSH_MIN:
                return
            chosen = random.sample(pool, min(RUSH_DEFAULT, len(pool)))
        self.stack.setCurrentWidget(self.flow)
        self.flow.start_rush([s.key for s in chosen])

    def resume_latest(self) -> None:
        """Carry on with my newest unfinished conversation (after the app was closed)."""
        if not self.active:
            return
        self.stack.setCurrentWidget(self.flow)
        self.flow.resume(self.active[0].session_id)

    def show_list(self) -> None:
        self.flow.close_session()
        self.stack.setCurrentWidget(self.picker)
        self.reload()


def _stage_order(stage: str) -> tuple[int, str]:
    order = {"售前": 0, "售中": 1, "售后": 2}
    return (order.get(stage, 9), stage)
