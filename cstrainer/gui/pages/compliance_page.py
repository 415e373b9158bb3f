"""The 违禁词库 page: the banned-wording rules every linter and grader uses, with the reason an
agent sees next to a hit.

Everybody may read the list (agents learn here why a wording is banned, and try their own replies
in 试一试); trainers and managers add, change and delete rules in the editor on the right, and
export / import the whole list as a YAML file. The form is checked by the service as it is typed
(on the database thread, a moment after the last keystroke) and each problem is shown in red under
its field; saving checks again and refuses to overwrite a colleague's newer version.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from cstrainer.domain.accounts import Permission
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import set_message
from cstrainer.gui.pages.compliance_page_view import CompliancePageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QColor,
    QCoreApplication,
    QItemSelectionModel,
    QLabel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTextCharFormat,
    QTextCursor,
    QTextEdit,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREEN, GREY, RED
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, local_time
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.compliance import RULE_LABELS, ComplianceRuleRecord, RuleDraft
from cstrainer.services.errors import InvalidInput, NotFound
from cstrainer.text.banned import BannedHit

ALL = "\x00all"
CHECK_DELAY_MS = 250
SCAN_DELAY_MS = 200
HIT_BACKGROUND = "#ffd6d6"
DEFAULT_CATEGORY = "absolute_terms"
YAML_FILTER = QT_TRANSLATE_NOOP("CompliancePage", "违禁词文件 (*.yaml *.yml);;所有文件 (*)")
SYSTEM_LOGIN = "system"

# The service names a problem by the rule's field; the form shows word and pattern in one line edit.
FIELD_OF_PROBLEM = {
    "word": "text",
    "pattern": "text",
    "rule": "rule",
    "reason": "reason",
    "exceptions": "exceptions",
}


def _t(text: str) -> str:
    return QCoreApplication.translate("CompliancePage", text)


def category_text(rule_id: str, name: str) -> str:
    """How a category shows in the editor's combo: the Chinese name with the id behind it."""
    return name if not name or name == rule_id else f"{name}（{rule_id}）"


def _fold(text: str) -> str:
    return text.casefold()


def matches(record: ComplianceRuleRecord, query: str) -> bool:
    """The search box: a word, pattern, reason or exception containing ``query``."""
    q = _fold(query.strip())
    if not q:
        return True
    fields = (record.word or "", record.pattern or "", record.reason, *record.exceptions)
    return any(q in _fold(f) for f in fields)


@dataclass(frozen=True)
class RulesData:
    rules: list[ComplianceRuleRecord]
    categories: dict[str, str]


def load_rules(services: Services, actor: Actor) -> RulesData:
    """On the database thread: the rules in list order and every category's Chinese name."""
    rules = services.compliance.list_rules(actor)
    return RulesData(rules, services.compliance.categories())


class RuleFilterProxy(QSortFilterProxyModel):
    """Shows the rules of one category (or all) that match the search text."""

    def __init__(self, model: RecordTableModel[ComplianceRuleRecord], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.setSourceModel(model)
        self.category: str | None = None
        self.query = ""

    def set_filter(self, category: str | None, query: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+: invalidateFilter() is deprecated
            self.beginFilterChange()
            self.category, self.query = category, query
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.category, self.query = category, query
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if source_parent.isValid() or not (0 <= source_row < self._model.rowCount()):
            return False
        record = self._model.record(source_row)
        if self.category is not None and record.rule != self.category:
            return False
        return matches(record, self.query)


class CompliancePage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        actor = ctx.actor
        self.can_edit = actor.can(Permission.EDIT_CONTENT)
        self.can_import = self.can_edit and actor.can(Permission.IMPORT_CONTENT)
        self.can_export = actor.can(Permission.EXPORT_CONTENT)
        self.view = CompliancePageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

        self.categories: dict[str, str] = dict(RULE_LABELS)
        self.model: RecordTableModel[ComplianceRuleRecord] = RecordTableModel(self._columns(), self)
        self.proxy = RuleFilterProxy(self.model, self)
        v = self.view
        v.table.setModel(self.proxy)
        v.set_columns()

        self.current: ComplianceRuleRecord | None = None  # the rule in the editor (None: a new one)
        self.baseline = RuleDraft(None, None, DEFAULT_CATEGORY, "")  # the form as loaded
        self.problems: list[tuple[str, str]] = []  # the service's last verdict on the form
        self.touched: set[str] = set()  # fields edited since the form was loaded
        self.hits: list[BannedHit] = []  # 试一试
        self.loading = False
        self.saving = False
        self._filling = False
        self._selecting = False
        self._reselect: int | None = None
        self._refill = False
        self._check_seq = 0
        self._scan_seq = 0
        self._first_show = True

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)
        self._scan_timer = QTimer(self)
        self._scan_timer.setSingleShot(True)
        self._scan_timer.setInterval(SCAN_DELAY_MS)
        self._scan_timer.timeout.connect(self.rescan)

        self._fill_category_combos()
        v.category_filter.currentIndexChanged.connect(lambda _i: self._filter_changed())
        v.search_edit.textChanged.connect(lambda _t: self._filter_changed())
        v.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        v.refresh_button.clicked.connect(lambda: self.reload())
        v.export_button.clicked.connect(self.export_file)
        v.import_button.clicked.connect(self.import_file)
        v.new_button.clicked.connect(self.new_rule)
        v.delete_button.clicked.connect(self.delete_rule)
        v.revert_button.clicked.connect(self.revert)
        v.save_button.clicked.connect(self.save)
        v.reload_button.clicked.connect(self.reload_conflicted)
        v.word_radio.toggled.connect(lambda _on: self._kind_changed())
        v.text_edit.textChanged.connect(lambda _t: self._edited("text"))
        v.category_combo.editTextChanged.connect(lambda _t: self._edited("rule"))
        v.reason_edit.textChanged.connect(lambda: self._edited("reason"))
        v.exceptions_edit.textChanged.connect(lambda: self._edited("exceptions"))
        v.note_edit.textChanged.connect(lambda: self._edited("note"))
        v.try_edit.textChanged.connect(self._scan_timer.start)

        self._set_read_only(not self.can_edit)
        v.import_button.setVisible(self.can_import)
        v.export_button.setVisible(self.can_export)
        self._kind_changed()
        self.fill_form(None)
        self._show_hits([])

    def _columns(self) -> list[Column[ComplianceRuleRecord]]:
        return [
            Column(_t("类别"), lambda r: self.category_name(r.rule), tooltip=lambda r: r.rule),
            Column(
                _t("词语/正则"),
                lambda r: r.label,
                tooltip=lambda r: _t("正则表达式：{p}").format(p=r.pattern) if r.pattern else r.word or "",
            ),
            Column(_t("原因"), lambda r: r.reason, tooltip=lambda r: r.reason),
            Column(_t("例外"), lambda r: "、".join(r.exceptions), tooltip=lambda r: "\n".join(r.exceptions)),
            Column(_t("更新人"), lambda r: self.who(r.updated_by)),
            Column(
                _t("更新时间"),
                lambda r: local_time(r.updated_at, "%Y-%m-%d"),
                tooltip=lambda r: local_time(r.updated_at),
                sort_key=lambda r: r.updated_at.timestamp() if r.updated_at else 0.0,
            ),
        ]

    def category_name(self, rule_id: str) -> str:
        return self.categories.get(rule_id, rule_id)

    def who(self, login: str) -> str:
        return _t("系统") if login == SYSTEM_LOGIN else login

    def _set_read_only(self, read_only: bool) -> None:
        v = self.view
        v.read_only_label.setVisible(read_only)
        for button in v.edit_buttons:
            button.setVisible(not read_only)
        v.text_edit.setReadOnly(read_only)
        for edit in (v.reason_edit, v.exceptions_edit, v.note_edit):
            edit.setReadOnly(read_only)
        for widget in (v.word_radio, v.pattern_radio, v.category_combo):
            widget.setEnabled(not read_only)
        v.form.setRowVisible(v.note_edit, not read_only)  # the note is for trainers
        if read_only:
            v.reason_edit.setPlaceholderText("")
            v.exceptions_edit.setPlaceholderText(_t("（没有例外）"))
            v.exceptions_hint.setText(_t("例外：包含这个说法、但可以放心使用的更长说法，不会被标出。"))

    # --- Page hooks --------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()
        if self._first_show:
            self._first_show = False
        elif self.view.try_edit.toPlainText().strip():
            self.rescan()  # a colleague may have changed the rules meanwhile

    def can_leave(self) -> bool:
        if not self.is_dirty():
            return True
        if not self.confirm_discard():
            return False
        self.fill_form(self.current)
        return True

    def page_closing(self) -> None:
        self._check_timer.stop()
        self._scan_timer.stop()

    # --- loading the list ----------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None, *, refill: bool = False) -> None:
        """Reload the list; select ``select_id`` (default: the rule in the editor). ``refill``
        loads the fresh version into the editor even when the form has unsaved changes."""
        self._reselect = select_id if select_id is not None else (self.current.id if self.current else None)
        self._refill = refill
        self.loading = True
        self.ctx.runner.db(
            load_rules,
            self.ctx.services,
            self.ctx.actor,
            on_done=self._loaded,
            on_error=self._load_failed,
            owner=self,
            name="compliance.load",
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.loading = False
        self._show_error(exc)

    def _loaded(self, data: RulesData) -> None:
        self.loading = False
        self.categories = dict(data.categories)
        self._fill_category_combos()
        self._selecting = True
        try:
            self.model.set_rows(data.rules)
        finally:
            self._selecting = False
        fresh = next((r for r in data.rules if r.id == self._reselect), None)
        dirty = self.is_dirty()
        if fresh is not None:
            self._select_id(fresh.id)
            if self._refill or not dirty:
                self.fill_form(fresh)
        elif not dirty or self._refill:
            # nothing to keep (first show, the rule was deleted, the list was imported): the first rule
            first = self._first_visible()
            if first is not None:
                self._select_id(first.id)
            self.fill_form(first)
        self._refill = False
        self._update_count()
        self._update_buttons()

    def _fill_category_combos(self) -> None:
        v = self.view
        wanted_filter = v.category_filter.currentData()
        rule_id = self.category_id() if v.category_combo.count() else None
        v.category_filter.blockSignals(True)
        v.category_filter.clear()
        v.category_filter.addItem(_t("全部类别"), ALL)
        for key, name in self.categories.items():
            v.category_filter.addItem(name, key)
        index = v.category_filter.findData(wanted_filter) if wanted_filter is not None else 0
        v.category_filter.setCurrentIndex(max(0, index))
        v.category_filter.blockSignals(False)
        filling, self._filling = self._filling, True
        try:
            v.category_combo.clear()
            for key, name in self.categories.items():
                v.category_combo.addItem(category_text(key, name), key)
            if rule_id is not None:
                self.set_category(rule_id)
        finally:
            self._filling = filling

    # --- filtering and selection ---------------------------------------------------------------------------

    def category_filter(self) -> str | None:
        data = self.view.category_filter.currentData()
        return None if data in (None, ALL) else str(data)

    def _filter_changed(self) -> None:
        self._selecting = True  # rows that disappear do not change what is in the editor
        try:
            self.proxy.set_filter(self.category_filter(), self.view.search_edit.text())
        finally:
            self._selecting = False
        if self.current is not None:
            self._select_id(self.current.id)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.view.count_label.setText(
            _t("共 {n} 条").format(n=total)
            if shown == total
            else _t("显示 {shown} / {n} 条").format(shown=shown, n=total)
        )

    def shown_records(self) -> list[ComplianceRuleRecord]:
        """The rules the table shows now, in order."""
        out = []
        for row in range(self.proxy.rowCount()):
            record = self.proxy.data(self.proxy.index(row, 0), RECORD_ROLE)
            if isinstance(record, ComplianceRuleRecord):
                out.append(record)
        return out

    def _first_visible(self) -> ComplianceRuleRecord | None:
        shown = self.shown_records()
        return shown[0] if shown else None

    def selected_record(self) -> ComplianceRuleRecord | None:
        rows = self.view.table.selectionModel().selectedRows()
        if not rows:
            return None
        record = self.proxy.data(rows[0], RECORD_ROLE)
        return record if isinstance(record, ComplianceRuleRecord) else None

    def _select_id(self, rule_id: int | None) -> None:
        """Select the row of ``rule_id`` without loading it (nothing when it is filtered away)."""
        table = self.view.table
        self._selecting = True
        try:
            source_row = self.model.find(lambda r: r.id == rule_id) if rule_id is not None else -1
            index = self.proxy.mapFromSource(self.model.index(source_row, 0)) if source_row >= 0 else None
            if index is None or not index.isValid():
                table.clearSelection()
                return
            table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            table.scrollTo(index)
        finally:
            self._selecting = False

    def select_rule(self, rule_id: int) -> bool:
        """Select a rule as a click would (asks first when the form has unsaved changes)."""
        source_row = self.model.find(lambda r: r.id == rule_id)
        if source_row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        self.view.table.selectRow(index.row())
        return True

    def _selection_changed(self) -> None:
        if self._selecting:
            return
        record = self.selected_record()
        if record is None:
            return  # the row was filtered away or the selection cleared: keep the editor as it is
        if self.current is not None and record.id == self.current.id:
            return
        if self.is_dirty() and not self.confirm_discard():
            self._select_id(self.current.id if self.current else None)  # back to what is edited
            return
        self.fill_form(record)

    def confirm_discard(self) -> bool:
        return prompts.confirm(
            self,
            _t("违禁词库"),
            _t("当前规则有未保存的修改，放弃这些修改吗？"),
            ok_text=_t("放弃修改"),
        )

    # --- the editor ------------------------------------------------------------------------------------------

    def fill_form(self, record: ComplianceRuleRecord | None) -> None:
        """Load ``record`` (None: an empty new rule) into the editor; it becomes the baseline."""
        v = self.view
        self._check_timer.stop()
        self._check_seq += 1  # a check still running is about the old form
        self._filling = True
        try:
            is_pattern = record is not None and record.pattern is not None
            v.pattern_radio.setChecked(is_pattern)
            v.word_radio.setChecked(not is_pattern)
            if record is None:
                v.text_edit.clear()
                self.set_category(self.category_filter() or DEFAULT_CATEGORY)
                for edit in (v.reason_edit, v.exceptions_edit, v.note_edit):
                    edit.clear()
            else:
                v.text_edit.setText(record.pattern if record.pattern is not None else record.word or "")
                self.set_category(record.rule)
                v.reason_edit.setPlainText(record.reason)
                v.exceptions_edit.setPlainText("\n".join(record.exceptions))
                v.note_edit.setPlainText(record.note)
            self._kind_changed()
        finally:
            self._filling = False
        self.current = record
        self.baseline = self.form_draft()
        self.touched.clear()
        self.problems = []
        self._show_problems([], everything=True)
        self.view.conflict_frame.setVisible(False)
        self._update_info()
        self._update_buttons()

    def set_category(self, rule_id: str) -> None:
        combo = self.view.category_combo
        index = combo.findData(rule_id)
        if index < 0:
            combo.addItem(category_text(rule_id, self.category_name(rule_id)), rule_id)
            index = combo.count() - 1
        combo.setCurrentIndex(index)
        combo.setEditText(combo.itemText(index))

    def category_id(self) -> str:
        """The category the editor's combo names: a listed one, or an id typed in."""
        combo = self.view.category_combo
        text = combo.currentText().strip()
        index = combo.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(combo.itemData(index))
        for key, name in self.categories.items():
            if text == name:
                return key
        m = re.fullmatch(r".*[（(]\s*([^（()）]+?)\s*[）)]", text)
        return m.group(1) if m else text

    def form_draft(self) -> RuleDraft:
        v = self.view
        text = v.text_edit.text()
        is_pattern = v.pattern_radio.isChecked()
        return RuleDraft(
            word=None if is_pattern else text,
            pattern=text if is_pattern else None,
            rule=self.category_id(),
            reason=v.reason_edit.toPlainText(),
            exceptions=tuple(v.exceptions_edit.toPlainText().splitlines()),
            note=v.note_edit.toPlainText(),
        )

    def is_dirty(self) -> bool:
        return self.can_edit and self.form_draft().cleaned() != self.baseline.cleaned()

    def _kind_changed(self) -> None:
        v = self.view
        if v.pattern_radio.isChecked():
            v.text_label.setText(_t("正则表达式"))
            v.text_edit.setPlaceholderText(_t("例如：加.{0,2}(微信|vx)"))
            v.text_hint.setText(_t("Python 正则表达式，不区分大小写；命中的整段文字会被标出。"))
        else:
            v.text_label.setText(_t("词语"))
            v.text_edit.setPlaceholderText(_t("例如：最便宜"))
            v.text_hint.setText(_t("回复中出现这个词就会被标出（不区分大小写和全角半角）。"))
        v.text_hint.setVisible(self.can_edit)
        if not self._filling:
            self._edited("text")

    def _edited(self, field: str) -> None:
        if self._filling:
            return
        self.touched.add(field)
        if self.can_edit:
            self._check_timer.start()
        self._update_buttons()

    def _update_info(self) -> None:
        v = self.view
        record = self.current
        if record is None:
            v.editor_title.setText(_t("新增规则"))
            v.info_label.setText(_t("填好后点“保存”，所有电脑在几秒内就会按新规则检查。"))
            return
        v.editor_title.setText(_t("规则详情"))
        when = local_time(record.updated_at)
        v.info_label.setText(
            _t("第 {n} 条 · 第 {v} 版 · {who} 更新于 {when}").format(
                n=record.position, v=record.version, who=self.who(record.updated_by), when=when
            )
        )

    def _update_buttons(self) -> None:
        v = self.view
        dirty = self.is_dirty()
        idle = not self.saving
        v.save_button.setEnabled(self.can_edit and dirty and idle)
        v.revert_button.setEnabled(self.can_edit and dirty and idle)
        v.delete_button.setEnabled(self.can_edit and self.current is not None and idle)
        v.new_button.setEnabled(self.can_edit and idle)
        title = _t("新增规则") if self.current is None else _t("规则详情")
        v.editor_title.setText(title + (_t("（未保存）") if dirty else ""))

    # --- checking as the form is typed ---------------------------------------------------------------------

    def check(self) -> None:
        """Ask the service what is wrong with the form (shown under the touched fields)."""
        if not self.can_edit:
            return
        self._check_seq += 1
        seq = self._check_seq
        draft = self.form_draft()
        rule_id = self.current.id if self.current is not None else None
        self.ctx.runner.db(
            self.ctx.services.compliance.validate,
            draft,
            rule_id=rule_id,
            on_done=lambda problems: self._checked(seq, problems),
            owner=self,
            name="compliance.validate",
        )

    def _checked(self, seq: int, problems: list[tuple[str, str]]) -> None:
        if seq != self._check_seq:
            return
        self.problems = list(problems)
        self._show_problems(self.problems, everything=False)

    def _message_labels(self) -> dict[str, QLabel]:
        v = self.view
        return {
            "text": v.text_message,
            "rule": v.category_message,
            "reason": v.reason_message,
            "exceptions": v.exceptions_message,
        }

    def _show_problems(self, problems: list[tuple[str, str]], *, everything: bool) -> None:
        """Each problem under its field; only under fields already edited unless ``everything``."""
        labels = self._message_labels()
        grouped: dict[str | None, list[str]] = {}
        for field, message in problems:
            key = FIELD_OF_PROBLEM.get(field)
            if key == "text" and not self.view.text_edit.text().strip():
                message = _t("请填写正则表达式") if self.view.pattern_radio.isChecked() else _t("请填写词语")
            if key is not None and not everything and key not in self.touched:
                continue
            grouped.setdefault(key, []).append(message)
        for key, label in labels.items():
            set_message(label, "\n".join(grouped.get(key, [])))
        set_message(self.view.general_message, "\n".join(grouped.get(None, [])))

    def problem_text(self, field: str) -> str:
        """The red message under a field (tests): text, rule, reason or exceptions."""
        label = self._message_labels()[field]
        return "" if label.isHidden() else label.text()

    # --- saving, adding, deleting --------------------------------------------------------------------------

    def save(self) -> None:
        if not self.can_edit or self.saving:
            return
        self._check_timer.stop()
        self._check_seq += 1
        draft = self.form_draft()
        rule_id = self.current.id if self.current is not None else None
        version = self.current.version if self.current is not None else None
        compliance, actor = self.ctx.services.compliance, self.ctx.actor

        def job() -> list[tuple[str, str]] | ComplianceRuleRecord:
            problems = compliance.validate(draft, rule_id=rule_id)
            if problems:
                return problems
            return compliance.save_rule(actor, draft, rule_id=rule_id, expected_version=version)

        self.saving = True
        self._update_buttons()
        self.ctx.runner.db(
            job, on_done=self._saved, on_error=self._save_failed, owner=self, name="compliance.save"
        )

    def _saved(self, result: list[tuple[str, str]] | ComplianceRuleRecord) -> None:
        self.saving = False
        if isinstance(result, list):  # refused: show every problem, change nothing
            self.problems = result
            self._show_problems(result, everything=True)
            self._update_buttons()
            return
        self.fill_form(result)
        self._say(_t("已保存规则“{label}”").format(label=result.label))
        self.reload(select_id=result.id)
        self.rescan()

    def _save_failed(self, exc: BaseException) -> None:
        self.saving = False
        self._update_buttons()
        if isinstance(exc, InvalidInput) and exc.field == "version":
            self._show_conflict(
                str(exc) + _t("。点“重新载入”查看同事保存的版本（这里的修改会放弃）。"), can_reload=True
            )
        elif isinstance(exc, NotFound):
            # a colleague deleted it meanwhile: what is in the form can still be saved as a new rule
            self.current = None
            self.baseline = RuleDraft(None, None, DEFAULT_CATEGORY, "")
            self._update_info()
            self._update_buttons()
            self._show_conflict(str(exc) + _t("。再点“保存”会把表单内容作为新规则添加。"), can_reload=False)
            self.reload()
        elif isinstance(exc, InvalidInput):
            field = exc.field if exc.field in FIELD_OF_PROBLEM else None
            self._show_problems([(field or "", str(exc))], everything=True)
        else:
            errors.show_error(self, exc)

    def _show_conflict(self, text: str, *, can_reload: bool) -> None:
        v = self.view
        v.conflict_label.setText(text)
        v.reload_button.setVisible(can_reload)
        v.conflict_frame.setVisible(True)

    def reload_conflicted(self) -> None:
        """Drop the edits and load the version a colleague saved."""
        self.view.conflict_frame.setVisible(False)
        self.reload(select_id=self.current.id if self.current else None, refill=True)

    def revert(self) -> None:
        self.fill_form(self.current)

    def new_rule(self) -> None:
        if not self.can_edit:
            return
        if self.is_dirty() and not self.confirm_discard():
            return
        self._selecting = True
        try:
            self.view.table.clearSelection()
        finally:
            self._selecting = False
        self.fill_form(None)
        self.view.text_edit.setFocus()

    def delete_rule(self) -> None:
        record = self.current
        if not self.can_edit or record is None:
            return
        if not prompts.confirm(
            self,
            _t("删除规则"),
            _t("删除规则“{label}”（{category}）？\n删除后客服回复里不再标出这个说法。").format(
                label=record.label, category=self.category_name(record.rule)
            ),
            ok_text=_t("删除"),
        ):
            return
        shown = self.shown_records()
        ids = [r.id for r in shown]
        neighbour: int | None = None
        if record.id in ids:
            i = ids.index(record.id)
            rest = ids[i + 1 :] + ids[:i][::-1]
            neighbour = rest[0] if rest else None
        self.ctx.runner.db(
            self.ctx.services.compliance.delete_rule,
            self.ctx.actor,
            record.id,
            on_done=lambda _r: self._deleted(record, neighbour),
            on_error=self._show_error,
            owner=self,
            name="compliance.delete",
        )

    def _deleted(self, record: ComplianceRuleRecord, neighbour: int | None) -> None:
        self._say(_t("已删除规则“{label}”").format(label=record.label))
        self.fill_form(None)
        self.reload(select_id=neighbour, refill=True)
        self.rescan()

    # --- the file ---------------------------------------------------------------------------------------------

    def export_file(self) -> None:
        path = prompts.choose_save_file(
            self, _t("导出违禁词库"), Path.home() / "违禁词库.yaml", filters=_t(YAML_FILTER)
        )
        if path is None:
            return
        path = Path(path)
        if path.suffix.lower() not in (".yaml", ".yml"):
            path = path.with_name(path.name + ".yaml")
        note = _t("（未保存的修改不在文件里）") if self.is_dirty() else ""
        self.ctx.runner.db(
            self.ctx.services.compliance.export_yaml,
            self.ctx.actor,
            path,
            on_done=lambda n: self._say(_t("已导出 {n} 条规则到 {p}").format(n=n, p=str(path)) + note),
            on_error=self._show_error,
            owner=self,
            name="compliance.export",
        )

    def import_file(self) -> None:
        if not self.can_import:
            return
        if self.is_dirty() and not self.confirm_discard():
            return
        path = prompts.choose_open_file(self, _t("导入违禁词库"), filters=_t(YAML_FILTER))
        if path is None:
            return
        path = Path(path)
        if not prompts.confirm(
            self,
            _t("导入违禁词库"),
            _t(
                "导入会用“{name}”里的规则替换整个违禁词库：现有的 {n} 条规则全部删除。\n"
                "文件会先整体检查，有任何错误就不导入。确定导入吗？"
            ).format(name=path.name, n=self.model.rowCount()),
            ok_text=_t("替换整个词库"),
        ):
            return
        self.ctx.runner.db(
            self.ctx.services.compliance.import_yaml,
            self.ctx.actor,
            path,
            on_done=self._imported,
            on_error=self._show_error,
            owner=self,
            name="compliance.import",
        )

    def _imported(self, count: int) -> None:
        self._say(_t("已导入 {n} 条规则，替换了原来的违禁词库").format(n=count))
        self.fill_form(None)
        self.reload(refill=True)
        self.rescan()

    def _show_error(self, exc: BaseException) -> None:
        errors.show_error(self, exc)

    def _say(self, text: str) -> None:
        self.view.status_label.setText(text)
        self.ctx.show_status(text)

    # --- 试一试 ------------------------------------------------------------------------------------------------

    def rescan(self) -> None:
        """Check the 试一试 text against the saved rules (on the database thread)."""
        self._scan_timer.stop()
        self._scan_seq += 1
        seq = self._scan_seq
        text = self.view.try_edit.toPlainText()
        if not text.strip():
            self._show_hits([])
            return
        self.ctx.runner.db(
            self.ctx.services.compliance.scan,
            text,
            on_done=lambda hits: self._scanned(seq, text, hits),
            owner=self,
            name="compliance.scan",
        )

    def _scanned(self, seq: int, text: str, hits: list[BannedHit]) -> None:
        if seq != self._scan_seq or text != self.view.try_edit.toPlainText():
            return  # the text changed meanwhile; its own scan is on the way
        self._show_hits(hits)

    def _show_hits(self, hits: list[BannedHit]) -> None:
        self.hits = list(hits)
        v = self.view
        selections = []
        for hit in self.hits:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(HIT_BACKGROUND))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(RED))
            fmt.setToolTip(hit.reason)
            cursor = QTextCursor(v.try_edit.document())
            cursor.setPosition(hit.start)
            cursor.setPosition(hit.end, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor  # type: ignore[misc]
            sel.format = fmt  # type: ignore[misc]
            selections.append(sel)
        v.try_edit.setExtraSelections(selections)
        v.try_hits.setHtml(self.hits_html())

    def hits_html(self) -> str:
        if not self.view.try_edit.toPlainText().strip():
            return f"<span style='color:{GREY}'>{html.escape(_t('命中的说法和原因会列在这里。'))}</span>"
        if not self.hits:
            return f"<span style='color:{GREEN}'>✓ {html.escape(_t('没有发现违禁用语。'))}</span>"
        rows = "".join(
            f"<li><b style='color:{RED}'>「{html.escape(h.word)}」</b>"
            f"<span style='color:{GREY}'>［{html.escape(self.category_name(h.rule))}］</span>"
            f"{html.escape(h.reason)}</li>"
            for h in self.hits
        )
        head = html.escape(_t("发现 {n} 处违禁用语：").format(n=len(self.hits)))
        return f"{head}<ul style='margin-left:-20px'>{rows}</ul>"

    def highlighted_words(self) -> list[str]:
        """The text under each highlight in 试一试 (what the person sees marked)."""
        return [sel.cursor.selectedText() for sel in self.view.try_edit.extraSelections()]

    def highlight_colour(self, index: int = 0) -> str:
        sel = self.view.try_edit.extraSelections()[index]
        return sel.format.background().color().name()


__all__ = ["CompliancePage", "RuleFilterProxy", "category_text", "load_rules", "matches"]
