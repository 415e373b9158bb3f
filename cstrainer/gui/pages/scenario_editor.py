"""The scenario editor: metadata, customer turns, key points, branches, a live flow graph,
validation that follows the typing, versioned saving and "试玩" with the unsaved draft.

The editor's working copy is the scenario's pack item dictionary (the YAML shape of
``scripts_library/scenarios``): the forms read and write it, :meth:`ScenarioEditorDialog.build`
turns it into a :class:`~cstrainer.domain.scenario.ScenarioDef` with ``from_dict``, and fields the
forms do not show survive a round trip untouched. Only the selected turn is in the turn form; its
values go back into the list of turn dictionaries when another turn is selected (and before every
build).

A moment after each edit the graph is redrawn (pure, on the UI thread) and the draft is validated
by ``RolePlayService.validate`` on the database thread; a sequence number drops answers overtaken
by a newer edit. Clicking a message selects the turn it names and puts the cursor in the field.
Saving refuses while there are errors, and the version loaded guards against overwriting a
colleague's edit (the service's conflict message is shown as it is).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cstrainer.domain.scenario import ScenarioDef
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import INFO_STYLE
from cstrainer.gui.pages.question_editor_view import SUCCESS_STYLE, RowsTable
from cstrainer.gui.pages.scenario_editor_view import OUTCOME_NAMES, ScenarioEditorView
from cstrainer.gui.qt import (
    QAction,
    QCloseEvent,
    QColor,
    QComboBox,
    QCoreApplication,
    QDialog,
    QKeySequence,
    QListWidgetItem,
    QScrollArea,
    QStyle,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.widgets.conflict_dialog import LOAD_THEIRS, OVERWRITE, ConflictDialog
from cstrainer.gui.widgets.scenario_graph import FlowTurn
from cstrainer.services.errors import EditConflict, InvalidInput, NotFound, ServiceError, ValidationFailed
from cstrainer.services.roleplay import ScenarioRecord
from cstrainer.services.users import BrandInfo

log = logging.getLogger(__name__)

REFRESH_DELAY_MS = 300
STAGES = ("售前", "售中", "售后")
PERSONAS = ("爽快型", "犹豫型", "逗比型", "深沉型", "可爱型", "急躁型", "愤怒型", "砍价型")
DIFFICULTY_LABELS = {1: "1 易", 2: "2 中", 3: "3 难"}
DEFAULT_SUCCESS = ("成交", "退款完成", "退货完成", "换货完成", "已解决")
END = "end:"
LIST_RE = re.compile(r"\s*[、,，;；\n]\s*")
SYNONYM_RE = re.compile(r"\s*[、,，\n]\s*")
REGEX_RE = re.compile(r"\s*[；\n]\s*")
TURN_INDEX_RE = re.compile(r"^turns\[(\d+)\]")
ISSUE_ROLE = Qt.ItemDataRole.UserRole + 1
TURN_ROLE = Qt.ItemDataRole.UserRole + 2
ERROR_COLOUR, WARNING_COLOUR = "#c62828", "#b26a00"


def _t(text: str) -> str:
    return QCoreApplication.translate("ScenarioEditor", text)


# --- pure helpers (no widgets) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """A validation message as the editor lists it (from the service or from reading the form)."""

    severity: str  # "error" | "warning"
    message: str
    turn_id: str | None = None
    field: str | None = None
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def of(cls, issue: Any) -> Issue:
        """From the domain's ScenarioIssue (or anything with the same attributes)."""
        return cls(
            str(getattr(issue, "severity", "error") or "error"),
            str(getattr(issue, "message", issue)),
            getattr(issue, "turn_id", None),
            getattr(issue, "field", None),
            getattr(issue, "line", None),
        )


def split_list(text: str, pattern: re.Pattern[str] = LIST_RE) -> list[str]:
    """ "抱歉、对不起, 不好意思" -> ["抱歉", "对不起", "不好意思"] (no blanks, no repeats)."""
    return list(dict.fromkeys(p for p in (s.strip() for s in pattern.split(text)) if p))


def lines_of(text: str) -> list[str]:
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def fmt_number(value: Any) -> str:
    return f"{float(value):g}" if isinstance(value, int | float) else str(value or "")


def new_scenario_key(now: datetime | None = None) -> str:
    return f"scenario-{(now or datetime.now()):%y%m%d-%H%M%S}"


def unique_id(wanted: str, taken: Sequence[str]) -> str:
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def blank_scenario(key: str, brand: str = "", stage: str = "售前") -> dict[str, Any]:
    """What "新建场景" starts from: one opening turn that ends the conversation either way."""
    return {
        "key": key,
        "title": "",
        "brand": brand,
        "products": [],
        "stage": stage,
        "persona": "爽快型",
        "mood": 60,
        "patience": 60,
        "difficulty": 1,
        "goal": "",
        "reply_time_target_seconds": 20,
        "start": "opening",
        "turns": [
            {
                "id": "opening",
                "wordings": [],
                "key_points": [],
                "on_covered": END + ("成交" if stage == "售前" else "已解决"),
                "on_missed": END + "流失",
            }
        ],
    }


def duplicate_of(data: dict[str, Any], taken_keys: Sequence[str]) -> dict[str, Any]:
    """A copy of a scenario under a new key and title (the trainer edits it, then saves it)."""
    copied = copy.deepcopy(data)
    copied["key"] = unique_id(f"{data.get('key', 'scenario')}-copy", taken_keys)
    copied["title"] = f"{data.get('title', '')}（副本）"
    return copied


def flow_turns(turns: Sequence[dict[str, Any]]) -> list[FlowTurn]:
    out = []
    for turn in turns:
        wordings = turn.get("wordings") or []
        out.append(
            FlowTurn(
                id=str(turn.get("id", "")),
                on_covered=turn.get("on_covered") or None,
                on_missed=turn.get("on_missed") or None,
                on_forbidden=turn.get("on_forbidden") or None,
                caption=str(wordings[0]) if wordings else "",
            )
        )
    return out


def rename_references(turns: list[dict[str, Any]], old: str, new: str) -> None:
    for turn in turns:
        for name in ("on_covered", "on_missed", "on_forbidden"):
            if turn.get(name) == old:
                turn[name] = new


# Which widget a validation message's field points at (checked in this order against the field).
TURN_FIELDS = (
    "impatient_wordings",
    "wordings",
    "key_points",
    "pass_ratio",
    "forbidden",
    "on_covered",
    "on_missed",
    "on_forbidden",
    "id",
)
META_FIELDS = (
    "title",
    "brand",
    "products",
    "competitors",
    "stage",
    "persona",
    "customer_name",
    "mood",
    "patience",
    "difficulty",
    "goal",
    "success",
    "reply_time_target_seconds",
    "max_replies",
    "tags",
    "qc",
    "forbidden",
    "phrases",
    "start",
    "key",
)


def field_name(field: str | None, names: Sequence[str]) -> str | None:
    if not field:
        return None
    for name in names:
        if re.search(rf"(^|[.\[\]]){name}($|[.\[\]])", field):
            return name
    return None


# --- the dialog ------------------------------------------------------------------------------------


class ScenarioEditorDialog(QDialog):
    """Edit the scenario ``key``, or write a new one (``key=None``, optionally from ``initial``)."""

    saved = Signal(str)  # the key; after a successful save

    def __init__(
        self,
        ctx: PageContext,
        key: str | None,
        *,
        initial: dict[str, Any] | None = None,
        brands: Sequence[BrandInfo] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = ScenarioEditorView(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addWidget(self.view)
        self.resize(1240, 760)

        self.key = key
        self.expected_version: int | None = None
        self.record: ScenarioRecord | None = None
        self.conflict_dialog: ConflictDialog | None = None  # the last save conflict shown
        self.base: dict[str, Any] = {}  # the pack item as loaded (fields the form does not show)
        self.turns: list[dict[str, Any]] = []
        self.start_id = ""
        self.current = -1  # index into self.turns of the turn in the turn form
        self.issues: list[Issue] = []  # the last validation, service and form together
        self.form_issues: list[Issue] = []
        self.definition: ScenarioDef | None = None  # the last successful build
        self.chat: QWidget | None = None  # the chat window "试玩" opened
        self.loaded = False
        self._loading = False
        self._dirty = False
        self._busy = False
        self._validating = False
        self._validate_seq = 0

        v = self.view
        for brand in brands:
            v.brand_combo.addItem(brand.name, brand.key)
        for stage in STAGES:
            v.stage_combo.addItem(stage, stage)
        for persona in PERSONAS:
            v.persona_combo.addItem(persona, persona)
        for level, label in DIFFICULTY_LABELS.items():
            v.difficulty_combo.addItem(_t(label), level)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)

        changed = self._changed
        for edit in (
            v.key_edit,
            v.title_edit,
            v.customer_edit,
            v.products_edit,
            v.competitors_edit,
            v.tags_edit,
            v.turn_id_edit,
        ):
            edit.textChanged.connect(lambda _t: changed())
        for plain in (v.goal_edit, v.wordings_edit, v.impatient_edit):
            plain.textChanged.connect(changed)
        for combo in (
            v.brand_combo,
            v.stage_combo,
            v.persona_combo,
            v.difficulty_combo,
            v.covered_combo,
            v.missed_combo,
            v.forbidden_combo,
        ):
            combo.currentIndexChanged.connect(lambda _i: changed())
        for spin in (
            v.mood_spin,
            v.patience_spin,
            v.reply_time_spin,
            v.max_replies_spin,
            v.empathy_spin,
            v.pass_ratio_spin,
        ):
            spin.valueChanged.connect(lambda _v: changed())
        checks = [v.greeting_check, v.closing_check, v.honorific_check, v.banned_check]
        for check in checks + list(v.success_checks.values()):
            check.toggled.connect(lambda _on: changed())
        for table in (
            v.extra_banned_table,
            v.forbidden_table,
            v.phrases_table,
            v.key_points_table,
            v.turn_forbidden_table,
        ):
            table.changed.connect(changed)
        v.turn_id_edit.editingFinished.connect(self._turn_id_edited)
        v.turn_list.currentRowChanged.connect(self._turn_selected)
        v.add_turn_button.clicked.connect(self.add_turn)
        v.remove_turn_button.clicked.connect(self.remove_turn)
        v.up_button.clicked.connect(lambda: self.move_turn(-1))
        v.down_button.clicked.connect(lambda: self.move_turn(1))
        v.start_button.clicked.connect(self.set_start)
        v.issues_list.itemClicked.connect(self._issue_clicked)
        v.issues_list.itemActivated.connect(self._issue_clicked)
        v.graph.turn_clicked.connect(self.select_turn)
        v.fit_button.clicked.connect(v.graph.fit)
        v.zoom_in_button.clicked.connect(lambda: v.graph.zoom(1.2))
        v.zoom_out_button.clicked.connect(lambda: v.graph.zoom(1 / 1.2))
        v.save_button.clicked.connect(self.save)
        save_action = QAction(self)
        save_action.setShortcut(QKeySequence.StandardKey.Save)
        save_action.triggered.connect(self.save)
        self.addAction(save_action)
        v.try_button.clicked.connect(self.try_it)
        v.close_button.clicked.connect(self.reject)

        if key is None:
            data = initial or blank_scenario(new_scenario_key(), brands[0].key if brands else "", "售前")
            self.populate(data)
            self.loaded = True
            self._dirty = initial is not None  # a duplicate is unsaved work already
        else:
            self.view.setEnabled(False)
            self.view.show_message(self.tr("正在载入…"), INFO_STYLE)
            ctx.runner.db(
                ctx.services.roleplay.scenario_record,
                ctx.actor,
                key,
                on_done=self._loaded,
                on_error=self._load_failed,
                owner=self,
            )

    # --- loading ---------------------------------------------------------------------------------

    def _loaded(self, record: ScenarioRecord) -> None:
        self.record = record
        self.expected_version = record.version
        self.view.setEnabled(True)
        self.view.show_message("")
        self.populate(record.definition.to_dict())
        self.loaded = True

    def _load_failed(self, exc: BaseException) -> None:
        self.view.show_message(str(exc) if errors.is_expected(exc) else self.tr("载入场景时出错。"))
        if not errors.is_expected(exc):
            errors.show_error(self, exc)

    def populate(self, data: dict[str, Any]) -> None:
        """Put the pack item ``data`` into the forms (no edits are counted meanwhile)."""
        v = self.view
        self.base = copy.deepcopy(data)
        self._loading = True
        try:
            v.key_edit.setText(str(data.get("key", "")))
            v.key_edit.setReadOnly(self.expected_version is not None)
            v.title_edit.setText(str(data.get("title", "")))
            brand = data.get("brand") or ""
            if brand and v.brand_combo.findData(brand) < 0:
                v.brand_combo.addItem(brand, brand)
            _select(v.brand_combo, brand)
            _select(v.stage_combo, data.get("stage", "售前"))
            _select(v.persona_combo, data.get("persona", PERSONAS[0]))
            v.customer_edit.setText(str(data.get("customer_name") or ""))
            v.products_edit.setText("，".join(data.get("products") or []))
            v.competitors_edit.setText("，".join(data.get("competitors") or []))
            v.tags_edit.setText("、".join(data.get("tags") or []))
            _select(v.difficulty_combo, int(data.get("difficulty", 1)))
            v.mood_spin.setValue(int(data.get("mood", 60)))
            v.patience_spin.setValue(int(data.get("patience", 60)))
            v.goal_edit.setPlainText(str(data.get("goal", "")))
            success = set(data.get("success") or DEFAULT_SUCCESS)
            for outcome, check in v.success_checks.items():
                check.setChecked(outcome in success)
            v.reply_time_spin.setValue(int(data.get("reply_time_target_seconds") or 20))
            v.max_replies_spin.setValue(int(data.get("max_replies") or 0))
            qc = data.get("qc") or {}
            v.greeting_check.setChecked(bool(qc.get("greeting", True)))
            v.closing_check.setChecked(bool(qc.get("closing", True)))
            v.honorific_check.setChecked(bool(qc.get("honorific", True)))
            v.banned_check.setChecked(bool(qc.get("banned", True)))
            v.empathy_spin.setValue(int(qc.get("empathy_below_mood", 40)))
            v.extra_banned_table.set_rows(
                [(str(w.get("word", "")), str(w.get("reason", ""))) for w in qc.get("extra_banned") or []]
            )
            v.forbidden_table.set_rows(_forbidden_rows(data.get("forbidden") or []))
            v.phrases_table.set_rows(
                [(str(p.get("shortcut", "")), str(p.get("text", ""))) for p in data.get("phrases") or []]
            )
            self.turns = copy.deepcopy(list(data.get("turns") or []))
            self.start_id = str(data.get("start") or (self.turns[0].get("id", "") if self.turns else ""))
            self.current = -1
        finally:
            self._loading = False
        self._set_heading()
        self._fill_turn_list()
        start_index = self._index_of(self.start_id)
        self.select_index(start_index if start_index >= 0 else (0 if self.turns else -1))
        self.view.tabs.setCurrentIndex(0)
        self.view.title_edit.setFocus()
        self._dirty = False
        self.refresh()

    def _set_heading(self) -> None:
        v = self.view
        title = v.title_edit.text().strip() or v.key_edit.text().strip()
        if self.expected_version is None:
            v.heading_label.setText(self.tr("新场景：{t}").format(t=title) if title else self.tr("新场景"))
            v.version_label.setText(self.tr("（还没有保存）"))
            self.setWindowTitle(self.tr("新建场景"))
        else:
            v.heading_label.setText(title)
            by = f" · {self.record.updated_by}" if self.record and self.record.updated_by else ""
            v.version_label.setText(self.tr("第 {n} 版").format(n=self.expected_version) + by)
            self.setWindowTitle(self.tr("编辑场景 {key}").format(key=self.key))

    # --- the turn list ---------------------------------------------------------------------------

    def turn_ids(self) -> list[str]:
        return [str(t.get("id", "")) for t in self.turns]

    def _index_of(self, turn_id: str | None) -> int:
        ids = self.turn_ids()
        return ids.index(turn_id) if turn_id in ids else -1

    def _fill_turn_list(self) -> None:
        lw = self.view.turn_list
        blocked = lw.blockSignals(True)
        lw.clear()
        for turn in self.turns:
            item = QListWidgetItem()
            item.setData(TURN_ROLE, turn.get("id", ""))
            lw.addItem(item)
        lw.blockSignals(blocked)
        self._decorate_turn_list()
        if 0 <= self.current < lw.count():
            blocked = lw.blockSignals(True)
            lw.setCurrentRow(self.current)
            lw.blockSignals(blocked)

    def _decorate_turn_list(self) -> None:
        """Texts, start mark and problem colours of the turn list (after every validation)."""
        lw = self.view.turn_list
        by_turn: dict[str, list[Issue]] = {}
        for issue in self.issues:
            if issue.turn_id:
                by_turn.setdefault(issue.turn_id, []).append(issue)
        style = self.style()
        for row, turn in enumerate(self.turns):
            item = lw.item(row)
            if item is None:
                continue
            turn_id = str(turn.get("id", ""))
            item.setData(TURN_ROLE, turn_id)
            start = turn_id == self.start_id
            text = ("▶ " if start else "") + (turn_id or self.tr("（无 id）"))
            found = by_turn.get(turn_id, [])
            wordings = turn.get("wordings") or []
            tips = [str(wordings[0])] if wordings else []
            if any(i.is_error for i in found):
                item.setForeground(QColor(ERROR_COLOUR))
                item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical))
            elif found:
                item.setForeground(QColor(WARNING_COLOUR))
                item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            else:
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
                item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton))
            tips += [i.message for i in found]
            item.setText(text + (self.tr("（开始）") if start else ""))
            item.setToolTip("\n".join(tips))

    def select_turn(self, turn_id: str) -> None:
        """Show ``turn_id`` in the turn form (from the graph, a message, a test)."""
        index = self._index_of(turn_id)
        if index >= 0:
            self.select_index(index)
            self.view.tabs.setCurrentIndex(1)

    def select_index(self, index: int) -> None:
        lw = self.view.turn_list
        if lw.currentRow() != index:
            lw.setCurrentRow(index)  # -> _turn_selected
        else:
            self._turn_selected(index)

    def _turn_selected(self, index: int) -> None:
        if index == self.current and index >= 0:
            return
        self._store_turn()
        self.current = index if 0 <= index < len(self.turns) else -1
        self._load_turn()
        turn_id = self.turns[self.current].get("id") if self.current >= 0 else None
        self.view.graph.select_turn(str(turn_id) if turn_id is not None else None)
        self._update_turn_buttons()

    def _update_turn_buttons(self) -> None:
        v, i, n = self.view, self.current, len(self.turns)
        v.remove_turn_button.setEnabled(i >= 0 and n > 1)
        v.up_button.setEnabled(i > 0)
        v.down_button.setEnabled(0 <= i < n - 1)
        v.start_button.setEnabled(i >= 0 and self.turns[i].get("id") != self.start_id)

    def add_turn(self) -> str:
        """Add an empty turn after the selected one; it is unreachable until a branch points to it."""
        self._store_turn()
        turn_id = unique_id(f"t{len(self.turns) + 1}", self.turn_ids())
        turn = {
            "id": turn_id,
            "wordings": [],
            "key_points": [],
            "on_covered": END + ("成交" if self._stage() == "售前" else "已解决"),
            "on_missed": END + "流失",
        }
        at = self.current + 1 if self.current >= 0 else len(self.turns)
        self.turns.insert(at, turn)
        self.current = -1
        self._fill_turn_list()
        self.select_index(at)
        self.view.tabs.setCurrentIndex(1)
        self.view.turn_id_edit.setFocus()
        self.view.turn_id_edit.selectAll()
        self._changed()
        return turn_id

    def remove_turn(self) -> None:
        if self.current < 0 or len(self.turns) <= 1:
            return
        turn_id = str(self.turns[self.current].get("id", ""))
        pointing = [
            str(t.get("id"))
            for t in self.turns
            if t.get("id") != turn_id
            and turn_id in (t.get("on_covered"), t.get("on_missed"), t.get("on_forbidden"))
        ]
        text = self.tr("删除轮次 {id}？").format(id=turn_id)
        if pointing:
            text += self.tr("\n\n{turns} 的分支指向它，删除后需要重新选择去向。").format(
                turns="、".join(pointing)
            )
        if not prompts.confirm(self, self.tr("删除轮次"), text, ok_text=self.tr("删除")):
            return
        index = self.current
        del self.turns[index]
        if self.start_id == turn_id:
            self.start_id = str(self.turns[0].get("id", ""))
        self.current = -1
        self._fill_turn_list()
        self.select_index(min(index, len(self.turns) - 1))
        self._changed()

    def move_turn(self, step: int) -> None:
        i = self.current
        j = i + step
        if i < 0 or not (0 <= j < len(self.turns)):
            return
        self._store_turn()
        self.turns[i], self.turns[j] = self.turns[j], self.turns[i]
        self.current = j
        self._fill_turn_list()
        self._update_turn_buttons()
        self._changed()

    def set_start(self) -> None:
        if self.current < 0:
            return
        self._store_turn()
        self.start_id = str(self.turns[self.current].get("id", ""))
        self._decorate_turn_list()
        self._update_turn_buttons()
        self._changed()

    # --- the turn form ---------------------------------------------------------------------------

    def _load_turn(self) -> None:
        v = self.view
        self._loading = True
        try:
            turn = self.turns[self.current] if self.current >= 0 else {}
            enabled = self.current >= 0
            for w in (
                v.turn_id_edit,
                v.pass_ratio_spin,
                v.wordings_edit,
                v.impatient_edit,
                v.key_points_table,
                v.turn_forbidden_table,
                v.covered_combo,
                v.missed_combo,
                v.forbidden_combo,
            ):
                w.setEnabled(enabled)
            turn_id = str(turn.get("id", ""))
            v.turn_heading.setText(
                self.tr("轮次 {id}").format(id=turn_id)
                + (self.tr("（开始轮次）") if turn_id == self.start_id else "")
                if enabled
                else self.tr("没有选中轮次")
            )
            v.turn_id_edit.setText(turn_id)
            v.pass_ratio_spin.setValue(float(turn.get("pass_ratio", 0.6) or 0.6))
            v.wordings_edit.setPlainText("\n".join(turn.get("wordings") or []))
            v.impatient_edit.setPlainText("\n".join(turn.get("impatient_wordings") or []))
            v.key_points_table.set_rows(
                [
                    (
                        str(k.get("id", "")),
                        "、".join(k.get("synonyms") or []),
                        "；".join(k.get("regexes") or []),
                        fmt_number(k.get("weight", 1.0)),
                        str(k.get("feedback", "")),
                        str(k.get("better") or ""),
                    )
                    for k in turn.get("key_points") or []
                ]
            )
            v.turn_forbidden_table.set_rows(_forbidden_rows(turn.get("forbidden") or []))
            self._fill_branch_combos(turn)
        finally:
            self._loading = False

    def _fill_branch_combos(self, turn: dict[str, Any]) -> None:
        v = self.view
        own = str(turn.get("id", ""))
        for combo, name in (
            (v.covered_combo, "on_covered"),
            (v.missed_combo, "on_missed"),
            (v.forbidden_combo, "on_forbidden"),
        ):
            blocked = combo.blockSignals(True)
            combo.clear()
            if name == "on_forbidden":
                combo.addItem(self.tr("同“没答到”"), None)
            for turn_id in self.turn_ids():
                label = self.tr("轮次 {id}").format(id=turn_id)
                if turn_id == own:
                    label += self.tr("（重复本轮）")
                combo.addItem(label, turn_id)
            for outcome in OUTCOME_NAMES:
                combo.addItem(self.tr("结局：{o}").format(o=outcome), END + outcome)
            value = turn.get(name) or None
            if value is not None and combo.findData(value) < 0:
                combo.addItem(self.tr("⚠ 不存在：{v}").format(v=value), value)
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0) if value is not None or name == "on_forbidden" else -1)
            combo.blockSignals(blocked)

    def _store_turn(self) -> None:
        """Write the turn form back into ``self.turns[self.current]`` (keeping unknown fields)."""
        if self.current < 0 or self.current >= len(self.turns) or self._loading:
            return
        v = self.view
        turn = self.turns[self.current]
        old_id = str(turn.get("id", ""))
        new_id = v.turn_id_edit.text().strip()
        others = [str(t.get("id", "")) for t in self.turns if t is not turn]
        # An empty or taken id is not applied (a form problem says so): renaming through it would
        # merge the branches of two turns.
        if new_id and new_id != old_id and new_id not in others:
            rename_references(self.turns, old_id, new_id)
            if self.start_id == old_id:
                self.start_id = new_id
            turn["id"] = new_id
        turn["wordings"] = lines_of(v.wordings_edit.toPlainText())
        impatient = lines_of(v.impatient_edit.toPlainText())
        _set_optional(turn, "impatient_wordings", impatient)
        old_points = {str(k.get("id")): k for k in turn.get("key_points") or []}
        points: list[dict[str, Any]] = []
        table = v.key_points_table
        for r in range(table.row_count()):
            cells = [table.text(r, c) for c in range(6)]
            if not any(cells):
                continue
            kp_id = cells[0] or unique_id(f"p{r + 1}", [str(p.get("id")) for p in points])
            point = dict(old_points.get(kp_id, {}))
            point.update(id=kp_id, synonyms=split_list(cells[1], SYNONYM_RE), feedback=cells[4])
            _set_optional(point, "regexes", split_list(cells[2], REGEX_RE))
            point["weight"] = _number(cells[3], 1.0)
            _set_optional(point, "better", cells[5] or None)
            points.append(point)
        turn["key_points"] = points
        _set_optional(turn, "forbidden", _read_forbidden(v.turn_forbidden_table))
        ratio = round(v.pass_ratio_spin.value(), 2)
        if ratio != 0.6 or "pass_ratio" in turn:
            turn["pass_ratio"] = ratio
        for combo, name in (
            (v.covered_combo, "on_covered"),
            (v.missed_combo, "on_missed"),
            (v.forbidden_combo, "on_forbidden"),
        ):
            value = combo.currentData() if combo.currentIndex() >= 0 else turn.get(name)
            _set_optional(turn, name, value)

    def _turn_id_edited(self) -> None:
        """The turn was renamed: branches pointing to it follow, the list and combos show it."""
        if self.current < 0:
            return
        self._store_turn()
        self._decorate_turn_list()
        self._loading = True
        try:
            self._fill_branch_combos(self.turns[self.current])
        finally:
            self._loading = False
        self.refresh()

    # --- the scenario as typed -------------------------------------------------------------------

    def _stage(self) -> str:
        return str(self.view.stage_combo.currentData() or "售前")

    def build_dict(self) -> dict[str, Any]:
        """The pack item dictionary the forms show now."""
        self._store_turn()
        v = self.view
        d = copy.deepcopy(self.base)
        d.update(
            key=v.key_edit.text().strip(),
            title=v.title_edit.text().strip(),
            brand=v.brand_combo.currentData() or "",
            stage=self._stage(),
            persona=v.persona_combo.currentData() or PERSONAS[0],
            mood=v.mood_spin.value(),
            patience=v.patience_spin.value(),
            difficulty=int(v.difficulty_combo.currentData() or 1),
            goal=v.goal_edit.toPlainText().strip(),
            reply_time_target_seconds=v.reply_time_spin.value(),
            start=self.start_id,
            turns=copy.deepcopy(self.turns),
        )
        d["products"] = split_list(v.products_edit.text())
        _set_optional(d, "competitors", split_list(v.competitors_edit.text()))
        _set_optional(d, "tags", split_list(v.tags_edit.text()))
        _set_optional(d, "customer_name", v.customer_edit.text().strip() or None)
        success = [o for o, check in v.success_checks.items() if check.isChecked()]
        _set_optional(d, "success", None if set(success) == set(DEFAULT_SUCCESS) else success)
        _set_optional(d, "max_replies", v.max_replies_spin.value() or None)
        qc: dict[str, Any] = dict(d.get("qc") or {})
        qc.update(
            greeting=v.greeting_check.isChecked(),
            closing=v.closing_check.isChecked(),
            honorific=v.honorific_check.isChecked(),
            banned=v.banned_check.isChecked(),
            empathy_below_mood=v.empathy_spin.value(),
        )
        table = v.extra_banned_table
        extra = [
            {"word": table.text(r, 0), "reason": table.text(r, 1)}
            for r in range(table.row_count())
            if table.text(r, 0) or table.text(r, 1)
        ]
        _set_optional(qc, "extra_banned", extra)
        defaults = {
            "greeting": True,
            "closing": True,
            "honorific": True,
            "banned": True,
            "empathy_below_mood": 40,
        }
        if "qc" in self.base or any(qc.get(k) != val for k, val in defaults.items()) or extra:
            d["qc"] = qc
        _set_optional(d, "forbidden", _read_forbidden(v.forbidden_table))
        table = v.phrases_table
        phrases = [
            {"shortcut": table.text(r, 0), "text": table.text(r, 1)}
            for r in range(table.row_count())
            if table.text(r, 0) or table.text(r, 1)
        ]
        _set_optional(d, "phrases", phrases)
        return d

    def form_problems(self, d: dict[str, Any]) -> list[Issue]:
        """What reading the form itself found (numbers that are not numbers, empty ids)."""
        out: list[Issue] = []
        v = self.view
        for r in range(v.key_points_table.row_count()):
            weight = v.key_points_table.text(r, 3)
            if weight and _number(weight, -1.0) <= 0:
                turn_id = str(self.turns[self.current].get("id", "")) if self.current >= 0 else None
                out.append(
                    Issue(
                        "error",
                        self.tr("第 {n} 个要点的权重应为大于 0 的数字").format(n=r + 1),
                        turn_id,
                        "key_points",
                    )
                )
        if self.current >= 0:
            typed = v.turn_id_edit.text().strip()
            stored = str(self.turns[self.current].get("id", ""))
            if not typed:
                out.append(Issue("error", self.tr("轮次 id 不能为空"), stored, "id"))
            elif typed != stored:
                out.append(
                    Issue("error", self.tr("轮次 id {id} 已被另一轮使用").format(id=typed), stored, "id")
                )
        return out

    def build(self) -> tuple[ScenarioDef | None, list[Issue]]:
        """The draft as a domain definition (None when it cannot be read) plus form problems."""
        d = self.build_dict()
        problems = self.form_problems(d)
        try:
            definition = ScenarioDef.from_dict(d)
        except Exception as exc:  # a half-typed draft the domain cannot read yet
            log.debug("draft not readable", exc_info=True)
            problems.append(Issue("error", self.tr("草稿还不完整：{e}").format(e=exc)))
            definition = None
        return definition, problems

    # --- reacting to edits -----------------------------------------------------------------------

    def _changed(self) -> None:
        if self._loading:
            return
        self._dirty = True
        self._timer.start()

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def validating(self) -> bool:
        return self._validating or self._timer.isActive()

    def refresh(self) -> None:
        """Redraw the graph now and validate the draft (the answer arrives from the db thread)."""
        self._timer.stop()
        definition, problems = self.build()
        self.definition = definition
        self.form_issues = problems
        self._draw_graph()
        self._set_heading()
        if self.ctx.runner.closed:
            return
        self._validate_seq += 1
        seq = self._validate_seq
        if definition is None:
            self._validated(seq, [])
            return
        self._validating = True
        self.view.issues_status.setText(self.tr("正在校验…"))
        self.ctx.runner.db(
            self.ctx.services.roleplay.validate,
            definition,
            on_done=lambda found: self._validated(seq, found),
            on_error=lambda exc: self._validate_failed(seq, exc),
            owner=self,
        )

    def _draw_graph(self) -> None:
        d_turns = self.turns
        success_checks = self.view.success_checks
        success = [o for o, c in success_checks.items() if c.isChecked()]
        issue_turns = {i.turn_id for i in self.issues if i.turn_id}
        selected = self.turns[self.current].get("id") if self.current >= 0 else None
        self.view.graph.set_flow(
            flow_turns(d_turns),
            self.start_id,
            success=success,
            issue_turns=issue_turns,
            selected=str(selected) if selected is not None else None,
        )

    def _validated(self, seq: int, found: Sequence[Any]) -> None:
        if seq != self._validate_seq:
            return  # an older draft's answer
        self._validating = False
        self.issues = self.form_issues + [Issue.of(i) for i in found]
        self._show_issues()
        self._decorate_turn_list()
        self._draw_graph()

    def _validate_failed(self, seq: int, exc: BaseException) -> None:
        if seq != self._validate_seq:
            return
        self._validating = False
        if isinstance(exc, ValidationFailed):
            self._validated(seq, [Issue("error", str(e)) for e in exc.errors])
            return
        self.issues = list(self.form_issues)
        self._show_issues()
        if errors.is_expected(exc):
            self.view.issues_status.setText(str(exc))
        else:
            errors.show_error(self, exc)

    def _show_issues(self) -> None:
        v = self.view
        lw = v.issues_list
        lw.clear()
        style = self.style()
        ordered = sorted(self.issues, key=lambda i: (not i.is_error, self._index_of(i.turn_id)))
        for issue in ordered:
            where = self.tr("轮次 {id}：").format(id=issue.turn_id) if issue.turn_id else ""
            line = self.tr("（第 {n} 行）").format(n=issue.line) if issue.line else ""
            item = QListWidgetItem(where + issue.message + line)
            item.setData(ISSUE_ROLE, issue)
            if issue.is_error:
                item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical))
            else:
                item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            item.setToolTip(item.text())
            lw.addItem(item)
        n_err = sum(1 for i in self.issues if i.is_error)
        n_warn = len(self.issues) - n_err
        if not self.issues:
            text, colour = self.tr("✔ 没有发现问题"), "#2e7d32"
        else:
            text = self.tr("{e} 个错误，{w} 个提醒").format(e=n_err, w=n_warn)
            colour = ERROR_COLOUR if n_err else WARNING_COLOUR
        v.issues_status.setText(
            self.tr("错误必须改完才能保存；提醒可以保留。")
            if n_err
            else self.tr("✔ 没有发现问题")
            if not self.issues
            else ""
        )
        v.summary_label.setText(text)
        v.summary_label.setStyleSheet(f"color: {colour};")

    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.is_error)

    def issue_texts(self) -> list[str]:
        return [self.view.issues_list.item(r).text() for r in range(self.view.issues_list.count())]

    def _issue_clicked(self, item: QListWidgetItem) -> None:
        issue = item.data(ISSUE_ROLE)
        if isinstance(issue, Issue):
            self.jump_to(issue)

    def jump_to(self, issue: Issue) -> QWidget | None:
        """Select the turn an issue names and focus its field; returns the focused widget."""
        v = self.view
        target: QWidget | None = None
        name: str | None
        index = self._index_of(issue.turn_id) if issue.turn_id else -1
        numbered = TURN_INDEX_RE.match(issue.field or "")
        if index < 0 and numbered and int(numbered.group(1)) < len(self.turns):
            index = int(numbered.group(1))  # a turn without a usable id: found by its place
        if index >= 0:
            self.select_index(index)
            v.tabs.setCurrentIndex(1)
            name = field_name(issue.field, TURN_FIELDS) or "wordings"
            target = {
                "impatient_wordings": v.impatient_edit,
                "wordings": v.wordings_edit,
                "key_points": v.key_points_table.table,
                "pass_ratio": v.pass_ratio_spin,
                "forbidden": v.turn_forbidden_table.table,
                "on_covered": v.covered_combo,
                "on_missed": v.missed_combo,
                "on_forbidden": v.forbidden_combo,
                "id": v.turn_id_edit,
            }[name]
        else:
            name = field_name(issue.field, META_FIELDS)
            meta: dict[str, QWidget] = {
                "title": v.title_edit,
                "brand": v.brand_combo,
                "products": v.products_edit,
                "competitors": v.competitors_edit,
                "stage": v.stage_combo,
                "persona": v.persona_combo,
                "customer_name": v.customer_edit,
                "mood": v.mood_spin,
                "patience": v.patience_spin,
                "difficulty": v.difficulty_combo,
                "goal": v.goal_edit,
                "success": next(iter(v.success_checks.values())),
                "reply_time_target_seconds": v.reply_time_spin,
                "max_replies": v.max_replies_spin,
                "tags": v.tags_edit,
                "qc": v.extra_banned_table.table,
                "forbidden": v.forbidden_table.table,
                "phrases": v.phrases_table.table,
                "key": v.key_edit,
            }
            if name == "start" or (name is None and issue.field and "turn" in issue.field):
                target = v.turn_list
            elif name is not None:
                v.tabs.setCurrentIndex(0)
                target = meta[name]
        if target is not None:
            _reveal(target)
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        return target

    # --- saving ----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def save(self) -> None:
        if self._busy or not self.loaded:
            return
        self.refresh()
        self.view.conflict_label.setVisible(False)
        definition, problems = self.definition, self.form_issues
        if definition is None or any(p.is_error for p in problems):
            self.view.show_message(self.tr("还有错误（见左侧“校验”），暂不能保存。"))
            return
        creating = self.expected_version is None
        expected = self.expected_version
        roleplay, actor = self.ctx.services.roleplay, self.ctx.actor
        key = definition.key

        def job() -> ScenarioRecord | list[Any]:
            found = roleplay.validate(definition)
            if any(getattr(i, "severity", "error") == "error" for i in found):
                return list(found)  # refused here, with the fresh list
            if creating:
                try:
                    roleplay.scenario_record(actor, key)
                except NotFound:
                    pass
                else:
                    raise InvalidInput(f"编号 {key} 已被另一个场景使用，请换一个", "key")
            return roleplay.save_scenario(actor, definition, expected)

        self._set_busy(True)
        self.view.show_message(self.tr("正在保存…"), INFO_STYLE)
        self.ctx.runner.db(job, on_done=self._saved, on_error=self._save_failed, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.view.save_button.setEnabled(not busy)
        self.view.close_button.setEnabled(not busy)
        self.view.try_button.setEnabled(not busy)

    def _saved(self, result: ScenarioRecord | list[Any]) -> None:
        self._set_busy(False)
        if isinstance(result, list):
            self.issues = self.form_issues + [Issue.of(i) for i in result]
            self._show_issues()
            self._decorate_turn_list()
            self.view.show_message(
                self.tr("还有 {n} 个错误（见左侧“校验”），没有保存。").format(n=self.error_count())
            )
            return
        creating = self.expected_version is None
        self.record = result
        self.key = result.definition.key
        self.expected_version = result.version
        self.base = result.definition.to_dict()
        self._dirty = False
        self.view.key_edit.setReadOnly(True)
        self._set_heading()
        text = (
            self.tr("已新建场景 {key}。").format(key=self.key)
            if creating
            else self.tr("已保存为第 {n} 版。").format(n=result.version)
        )
        self.view.show_message(text, SUCCESS_STYLE)
        self.ctx.show_status(text)
        self.saved.emit(self.key)

    def _save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, InvalidInput) and exc.field == "version":
            self.view.show_message("")
            self.view.conflict_label.setText(
                self.tr("保存冲突：{reason}\n你的修改还在编辑器里，没有保存。").format(reason=exc)
            )
            self.view.conflict_label.setVisible(True)
            if isinstance(exc, EditConflict) and exc.expected_version is not None:
                self.show_conflict(exc)  # a new scenario's taken key needs no comparison
        elif isinstance(exc, ValidationFailed):
            lines = "\n".join(f"· {e}" for e in exc.errors)
            self.view.show_message(f"{ServiceError.__str__(exc)}\n{lines}")
        elif errors.is_expected(exc):
            self.view.show_message(str(exc))
        else:
            self.view.show_message(self.tr("保存时出错，场景没有保存。"))
            errors.show_error(self, exc)

    def show_conflict(self, conflict: EditConflict) -> ConflictDialog:
        """Mine and theirs side by side; the person decides what happens to the edit."""
        if self.conflict_dialog is not None:
            self.conflict_dialog.deleteLater()
        dialog = ConflictDialog(conflict, self)
        dialog.decided.connect(lambda action: self._conflict_decided(conflict, action))
        self.conflict_dialog = dialog
        dialog.open()
        return dialog

    def _conflict_decided(self, conflict: EditConflict, action: str) -> None:
        latest = conflict.latest
        if not isinstance(latest, ScenarioRecord):
            return  # deleted meanwhile: only "keep editing" was offered
        if action == OVERWRITE:
            # Save the draft in the forms again, now against the stored version.
            self.record, self.expected_version = latest, latest.version
            self._set_heading()
            self.save()
        elif action == LOAD_THEIRS:
            self.view.conflict_label.setVisible(False)
            self._loaded(latest)
            by = conflict.theirs.by if conflict.theirs is not None else ""
            self.view.show_message(
                self.tr("已载入 {by} 保存的最新内容（第 {n} 版），你的修改已放弃。").format(
                    by=by, n=latest.version
                ),
                INFO_STYLE,
            )
        # KEEP_EDITING: nothing saved; the forms and the conflict note stay as they are.

    # --- trying it out ---------------------------------------------------------------------------

    def try_it(self) -> None:
        """Open the chat with the draft as it is now (unsaved edits included; not counted).

        The draft is validated afresh first (the list on screen may be a keystroke old): a draft
        with errors is not played, the messages say why."""
        if self._busy or not self.loaded:
            return
        self.refresh()
        definition = self.definition
        if definition is None or any(p.is_error for p in self.form_issues):
            self.view.show_message(self.tr("草稿还有错误，改好后才能试玩（见左侧“校验”）。"))
            return
        self.view.show_message(self.tr("正在打开试玩…"), INFO_STYLE)
        self._set_busy(True)
        self.ctx.runner.db(
            self.ctx.services.roleplay.validate,
            definition,
            on_done=lambda found: self._try_checked(definition, found),
            on_error=self._try_failed,
            owner=self,
        )

    def _try_checked(self, definition: ScenarioDef, found: Sequence[Any]) -> None:
        self._set_busy(False)
        if any(Issue.of(i).is_error for i in found):
            self.issues = self.form_issues + [Issue.of(i) for i in found]
            self._show_issues()
            self._decorate_turn_list()
            self.view.show_message(self.tr("草稿还有错误，改好后才能试玩（见左侧“校验”）。"))
            return
        from cstrainer.gui.pages.roleplay_chat import open_chat  # the chat page, loaded on first use

        self.chat = open_chat(self.ctx, None, definition, parent=self)
        self.view.show_message(self.tr("已打开试玩窗口：用的是当前草稿，不计成绩。"), SUCCESS_STYLE)

    def _try_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if errors.is_expected(exc):
            self.view.show_message(str(exc))
        else:
            self.view.show_message(self.tr("打开试玩时出错。"))
            errors.show_error(self, exc)

    # --- closing ---------------------------------------------------------------------------------

    def reject(self) -> None:
        if self._busy:
            return
        if self._dirty and not prompts.confirm(
            self,
            self.tr("关闭编辑器"),
            self.tr("有修改还没有保存，确定放弃这些修改吗？"),
            ok_text=self.tr("放弃修改"),
        ):
            return
        self._timer.stop()
        super().reject()

    def discard(self) -> None:
        """Close without asking (the session ends): unsaved edits are dropped."""
        self._dirty = False
        self._busy = False
        self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)


# --- small helpers ---------------------------------------------------------------------------------


def _select(combo: QComboBox, data: Any) -> None:
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)


def _set_optional(d: dict[str, Any], name: str, value: Any) -> None:
    """Set ``name`` when ``value`` says something; drop it when empty (optional pack fields)."""
    if value in (None, "", [], {}):
        d.pop(name, None)
    else:
        d[name] = value


def _number(text: str, default: float) -> float:
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        return -1.0


def _forbidden_rows(moves: Sequence[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [
        (
            str(m.get("id", "")),
            "、".join(m.get("synonyms") or []),
            "；".join(m.get("regexes") or []),
            str(m.get("reason", "")),
        )
        for m in moves
    ]


def _read_forbidden(table: RowsTable) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in range(table.row_count()):
        cells = [table.text(r, c) for c in range(4)]
        if not any(cells):
            continue
        move: dict[str, Any] = {
            "id": cells[0] or unique_id(f"f{r + 1}", [str(m["id"]) for m in out]),
            "synonyms": split_list(cells[1], SYNONYM_RE),
            "reason": cells[3],
        }
        _set_optional(move, "regexes", split_list(cells[2], REGEX_RE))
        out.append(move)
    return out


def _reveal(widget: QWidget) -> None:
    """Scroll the form so ``widget`` is in sight."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget, 20, 40)
            return
        parent = parent.parentWidget()


def open_editor(
    ctx: PageContext,
    key: str | None,
    parent: QWidget,
    *,
    initial: dict[str, Any] | None = None,
    brands: Sequence[BrandInfo] = (),
) -> ScenarioEditorDialog:
    """Open the editor window (not modal: the list stays usable) and return it."""
    dialog = ScenarioEditorDialog(ctx, key, initial=initial, brands=brands, parent=parent)
    dialog.setModal(False)
    dialog.show()
    return dialog


__all__ = [
    "Issue",
    "ScenarioEditorDialog",
    "blank_scenario",
    "duplicate_of",
    "flow_turns",
    "open_editor",
    "split_list",
]
