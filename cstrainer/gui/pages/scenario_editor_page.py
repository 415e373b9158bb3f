"""The 场景编辑 page (trainers, managers): find a role-play scenario, open it in the editor, start a
new one from scratch or from a copy of another.

The list is loaded once from ``RolePlayService.list_scenarios`` on the database thread (there are
tens of scenarios, not thousands); the filters and the search box then narrow it on the spot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.pages.scenario_editor import (
    DIFFICULTY_LABELS,
    PERSONAS,
    STAGES,
    ScenarioEditorDialog,
    duplicate_of,
    open_editor,
)
from cstrainer.gui.pages.scenario_editor_page_view import ScenarioEditorPageView
from cstrainer.gui.qt import (
    QComboBox,
    QCoreApplication,
    QItemSelectionModel,
    Qt,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy, local_time
from cstrainer.services import Services
from cstrainer.services.roleplay import ScenarioRecord, ScenarioSummary
from cstrainer.services.users import BrandInfo

ALL = "\x00all"
TITLE_COLUMN = 1


def _t(text: str) -> str:
    return QCoreApplication.translate("ScenarioEditorPage", text)


def scenario_columns(brand_name: Callable[[str | None], str]) -> list[Column[ScenarioSummary]]:
    return [
        Column(_t("编号"), lambda s: s.key),
        Column(_t("标题"), lambda s: s.title, tooltip=lambda s: s.goal),
        Column(_t("品牌"), lambda s: brand_name(s.brand)),
        Column(
            _t("阶段"),
            lambda s: s.stage,
            sort_key=lambda s: STAGES.index(s.stage) if s.stage in STAGES else 9,
        ),
        Column(_t("顾客类型"), lambda s: s.persona),
        Column(
            _t("难度"),
            lambda s: _t(DIFFICULTY_LABELS.get(s.difficulty, str(s.difficulty))),
            sort_key=lambda s: s.difficulty,
        ),
        Column(_t("轮次"), lambda s: str(s.turn_count), sort_key=lambda s: s.turn_count, align_right=True),
        Column(_t("版本"), lambda s: str(s.version), sort_key=lambda s: s.version, align_right=True),
        Column(
            _t("最后修改"),
            lambda s: f"{local_time(s.updated_at)} {s.updated_by}".strip(),
            sort_key=lambda s: s.updated_at.timestamp() if s.updated_at else 0.0,
        ),
    ]


def load_list(services: Services, actor: Any) -> tuple[list[ScenarioSummary], list[BrandInfo]]:
    return services.roleplay.list_scenarios(actor), services.users.brands()


def matches(s: ScenarioSummary, query: str, brand: Any, stage: Any, persona: Any, difficulty: Any) -> bool:
    if brand != ALL and (s.brand or "") != brand:
        return False
    if stage != ALL and s.stage != stage:
        return False
    if persona != ALL and s.persona != persona:
        return False
    if difficulty != ALL and s.difficulty != difficulty:
        return False
    if query:
        haystack = f"{s.key} {s.title} {s.goal}".lower()
        return all(word in haystack for word in query.lower().split())
    return True


class ScenarioEditorPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = ScenarioEditorPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.brands: list[BrandInfo] = []
        self._brand_names: dict[str, str] = {}
        self.all_rows: list[ScenarioSummary] = []
        self.model: RecordTableModel[ScenarioSummary] = RecordTableModel(
            scenario_columns(self.brand_name), self
        )
        self.proxy = filter_proxy(self.model, self)
        self.view.table.setModel(self.proxy)
        self.view.fit_columns(TITLE_COLUMN)
        self.view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.editors: list[ScenarioEditorDialog] = []
        self.dialog: ScenarioEditorDialog | None = None  # the editor opened last (tests reach it here)
        self.loading = False
        self._reselect: str | None = None

        v = self.view
        self._fill_static_filters()
        v.search_edit.textChanged.connect(lambda _t: self.apply_filters())
        for combo in (v.brand_combo, v.stage_combo, v.persona_combo, v.difficulty_combo):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        v.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        v.table.doubleClicked.connect(lambda _i: self.edit_selected())
        v.new_button.clicked.connect(self.new_scenario)
        v.duplicate_button.clicked.connect(self.duplicate_selected)
        v.edit_button.clicked.connect(self.edit_selected)
        v.refresh_button.clicked.connect(lambda: self.reload())
        self._selection_changed()

    # --- filters ---------------------------------------------------------------------------------

    def _fill_static_filters(self) -> None:
        v = self.view
        for combo, values in (
            (v.stage_combo, [(s, s) for s in STAGES]),
            (v.persona_combo, [(p, p) for p in PERSONAS]),
            (v.difficulty_combo, [(_t(label), level) for level, label in DIFFICULTY_LABELS.items()]),
        ):
            combo.addItem(self.tr("全部"), ALL)
            for shown, data in values:
                combo.addItem(shown, data)
        self._fill_brands()

    def _fill_brands(self) -> None:
        combo = self.view.brand_combo
        kept = combo.currentData()
        blocked = combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("全部"), ALL)
        for brand in self.brands:
            combo.addItem(brand.name, brand.key)
        combo.setCurrentIndex(max(combo.findData(kept), 0) if kept is not None else 0)
        combo.blockSignals(blocked)

    def apply_filters(self) -> None:
        v = self.view

        def data(combo: QComboBox) -> Any:
            return combo.currentData()

        query = v.search_edit.text().strip()
        keep = self._reselect or self.selected_key()
        rows = [
            s
            for s in self.all_rows
            if matches(
                s,
                query,
                data(v.brand_combo),
                data(v.stage_combo),
                data(v.persona_combo),
                data(v.difficulty_combo),
            )
        ]
        self.model.set_rows(rows)
        self._reselect = None
        if keep:
            self.select_key(keep)
        self._selection_changed()

    # --- loading ---------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    def reload(self, select: str | None = None) -> None:
        if self.ctx.runner.closed:
            return
        self._reselect = select or self.selected_key()
        self.loading = True
        self.view.busy_label.setText(self.tr("正在载入…"))
        self.ctx.runner.db(
            load_list,
            self.ctx.services,
            self.ctx.actor,
            on_done=self._loaded,
            on_error=self._load_failed,
            owner=self,
        )

    def _loaded(self, result: tuple[list[ScenarioSummary], list[BrandInfo]]) -> None:
        self.loading = False
        self.view.busy_label.setText("")
        self.all_rows, self.brands = result
        self._brand_names = {b.key: b.name for b in self.brands}
        self._fill_brands()
        self.apply_filters()

    def _load_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.view.busy_label.setText("")
        from cstrainer.gui import errors

        errors.show_error(self.window(), exc)

    def brand_name(self, key: str | None) -> str:
        return self._brand_names.get(key or "", key or "")

    # --- selection -------------------------------------------------------------------------------

    def selected(self) -> ScenarioSummary | None:
        rows = self.view.table.selectionModel().selectedRows()
        if not rows:
            return None
        record = self.proxy.data(rows[0], RECORD_ROLE)
        return record if isinstance(record, ScenarioSummary) else None

    def selected_key(self) -> str | None:
        s = self.selected()
        return s.key if s else None

    def listed_keys(self) -> list[str]:
        return [s.key for s in self.model.rows()]

    def select_key(self, key: str) -> None:
        table = self.view.table
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            record = self.proxy.data(index, RECORD_ROLE)
            if isinstance(record, ScenarioSummary) and record.key == key:
                table.selectionModel().select(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                table.scrollTo(index)
                return

    def _selection_changed(self) -> None:
        v = self.view
        chosen = self.selected() is not None
        v.edit_button.setEnabled(chosen)
        v.duplicate_button.setEnabled(chosen)
        v.count_label.setText(
            self.tr("共 {n} 个场景（显示 {m} 个）").format(n=len(self.all_rows), m=self.model.rowCount())
        )

    # --- editing ---------------------------------------------------------------------------------

    def new_scenario(self) -> ScenarioEditorDialog:
        return self._track(open_editor(self.ctx, None, self, brands=self.brands))

    def edit_selected(self) -> ScenarioEditorDialog | None:
        key = self.selected_key()
        return self.edit(key) if key else None

    def edit(self, key: str) -> ScenarioEditorDialog:
        for editor in self.editors:  # already open: bring it forward
            if editor.key == key:
                editor.raise_()
                editor.activateWindow()
                self.dialog = editor
                return editor
        return self._track(open_editor(self.ctx, key, self, brands=self.brands))

    def duplicate_selected(self) -> None:
        """Load the selected scenario and open a copy of it as a new, unsaved scenario."""
        key = self.selected_key()
        if not key:
            return
        self.ctx.runner.db(
            self.ctx.services.roleplay.scenario_record,
            self.ctx.actor,
            key,
            on_done=self._duplicate_loaded,
            owner=self,
        )

    def _duplicate_loaded(self, record: ScenarioRecord) -> None:
        taken = [s.key for s in self.all_rows]
        data = duplicate_of(record.definition.to_dict(), taken)
        self._track(open_editor(self.ctx, None, self, initial=data, brands=self.brands))

    def _track(self, editor: ScenarioEditorDialog) -> ScenarioEditorDialog:
        editor.saved.connect(lambda key: self.reload(select=key))
        editor.finished.connect(lambda _r, e=editor: self.editors.remove(e) if e in self.editors else None)
        self.editors.append(editor)
        self.dialog = editor
        return editor

    def page_closing(self) -> None:
        for editor in list(self.editors):
            editor.discard()

    def open_editors(self) -> Sequence[ScenarioEditorDialog]:
        return list(self.editors)
