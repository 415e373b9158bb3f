"""审计日志: the audit log for managers - filter, page through, read the details, export CSV.

Only people holding ``Permission.VIEW_AUDIT_LOG`` (managers) get the page; the service checks the
same permission on every call. Every query and the export run on the database thread.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.audit_page_view import AuditPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QVBoxLayout, QWidget
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, local_time
from cstrainer.services.audit import AuditPage as AuditResult
from cstrainer.services.audit import AuditQuery, AuditRecord, action_label

PAGE_SIZE = 200
DEFAULT_DAYS = 30
CSV_FILTER = QT_TRANSLATE_NOOP("AuditPage", "CSV 文件 (*.csv)")


def _t(text: str) -> str:
    return QCoreApplication.translate("AuditPage", text)


# Groups of actions offered first in the filter (prefixes of the action codes).
ACTION_GROUPS: tuple[tuple[str, str], ...] = (
    (QT_TRANSLATE_NOOP("AuditPage", "账号"), "user."),
    (QT_TRANSLATE_NOOP("AuditPage", "题目"), "question."),
    (QT_TRANSLATE_NOOP("AuditPage", "试卷与考试"), "exam."),
    (QT_TRANSLATE_NOOP("AuditPage", "人工改分"), "exam.review"),
    (QT_TRANSLATE_NOOP("AuditPage", "对话场景"), "scenario."),
    (QT_TRANSLATE_NOOP("AuditPage", "话术"), "phrase"),
    (QT_TRANSLATE_NOOP("AuditPage", "话术版本发布"), "phrase_release"),
    (QT_TRANSLATE_NOOP("AuditPage", "产品手册"), "handbook"),
    (QT_TRANSLATE_NOOP("AuditPage", "违禁词库"), "compliance"),
    (QT_TRANSLATE_NOOP("AuditPage", "晋级"), "growth.promote"),
    (QT_TRANSLATE_NOOP("AuditPage", "任务分配"), "assignment."),
    (QT_TRANSLATE_NOOP("AuditPage", "内容导入"), "content."),
    (QT_TRANSLATE_NOOP("AuditPage", "数据库备份与恢复"), "db."),
)


# Chinese names of the detail fields services write most, shown beside the field's own name.
DETAIL_LABELS: dict[str, str] = {
    "from_version": QT_TRANSLATE_NOOP("AuditPage", "原版本"),
    "version": QT_TRANSLATE_NOOP("AuditPage", "新版本"),
    "changed": QT_TRANSLATE_NOOP("AuditPage", "改动的字段"),
    "note": QT_TRANSLATE_NOOP("AuditPage", "说明"),
    "previous": QT_TRANSLATE_NOOP("AuditPage", "上一版本"),
    "items": QT_TRANSLATE_NOOP("AuditPage", "条数"),
    "count": QT_TRANSLATE_NOOP("AuditPage", "条数"),
    "rollback_of": QT_TRANSLATE_NOOP("AuditPage", "回退到"),
    "from_stage": QT_TRANSLATE_NOOP("AuditPage", "原阶段"),
    "to_stage": QT_TRANSLATE_NOOP("AuditPage", "新阶段"),
    "forced": QT_TRANSLATE_NOOP("AuditPage", "未达标仍晋级"),
    "unmet": QT_TRANSLATE_NOOP("AuditPage", "未达标的条件"),
    "before": QT_TRANSLATE_NOOP("AuditPage", "修改前"),
    "after": QT_TRANSLATE_NOOP("AuditPage", "修改后"),
    "auto": QT_TRANSLATE_NOOP("AuditPage", "自动评分"),
    "role": QT_TRANSLATE_NOOP("AuditPage", "角色"),
    "team": QT_TRANSLATE_NOOP("AuditPage", "小组"),
    "text": QT_TRANSLATE_NOOP("AuditPage", "内容"),
    "justification": QT_TRANSLATE_NOOP("AuditPage", "理由"),
}


def _object(r: AuditRecord) -> str:
    return f"{r.entity_label} {r.entity_key}".strip()


def audit_columns() -> list[Column[AuditRecord]]:
    return [
        Column(_t("时间"), lambda r: local_time(r.at, "%Y-%m-%d %H:%M:%S")),
        Column(_t("操作人"), lambda r: r.actor_login),
        Column(_t("操作"), lambda r: r.action_label, tooltip=lambda r: r.action),
        Column(_t("对象"), _object),
        Column(_t("详情"), lambda r: r.detail_text, tooltip=lambda r: r.detail_text[:500]),
    ]


def details_text(r: AuditRecord) -> str:
    """The whole entry, one field a line, for the details pane."""
    lines = [
        _t("时间：{at}").format(at=local_time(r.at, "%Y-%m-%d %H:%M:%S")),
        _t("操作人：{who}").format(who=r.actor_login),
        _t("操作：{label}（{code}）").format(label=r.action_label, code=r.action),
        _t("对象：{what}").format(what=_object(r) or "-"),
    ]
    if r.detail:
        lines.append(_t("详情："))
        for key, value in r.detail.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            label = DETAIL_LABELS.get(key)
            name = f"{_t(label)}（{key}）" if label else key
            lines.append(f"  {name}: {shown}")
    return "\n".join(lines)


def _day_start(day: date) -> datetime:
    """Local midnight of ``day`` as an aware datetime."""
    return datetime(day.year, day.month, day.day).astimezone()


class AuditPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = AuditPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model: RecordTableModel[AuditRecord] = RecordTableModel(audit_columns(), self)
        self.view.table.setModel(self.model)
        self.page_size = PAGE_SIZE
        self.offset = 0
        self.total = 0
        self.last_export: Path | None = None
        self._known_actions: list[str] = []

        v = self.view
        today = QDate.currentDate()
        v.since_edit.setDate(today.addDays(-DEFAULT_DAYS))
        v.until_edit.setDate(today)
        self._fill_actions([])
        v.search_button.clicked.connect(lambda: self.search())
        v.who_edit.returnPressed.connect(lambda: self.search())
        v.text_edit.returnPressed.connect(lambda: self.search())
        v.prev_button.clicked.connect(lambda: self._turn(-1))
        v.next_button.clicked.connect(lambda: self._turn(+1))
        v.export_button.clicked.connect(self.export_csv)
        v.table.selectionModel().selectionChanged.connect(lambda *_: self._show_details())
        self._update_paging()

    # --- the filters -----------------------------------------------------------------------------

    def _fill_actions(self, actions: list[str]) -> None:
        combo = self.view.action_combo
        current = combo.currentData() or ""
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(_t("全部操作"), "")
        for label, prefix in ACTION_GROUPS:
            combo.addItem(_t(label), prefix)
        if actions:
            combo.insertSeparator(combo.count())
            for code in actions:
                combo.addItem(action_label(code), code)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
        self._known_actions = list(actions)

    def current_query(self) -> AuditQuery:
        """The filters as the widgets show them now (read on the UI thread, before submitting)."""
        v = self.view
        since, until = v.since_edit.date().toPython(), v.until_edit.date().toPython()
        assert isinstance(since, date) and isinstance(until, date)
        if until < since:
            since, until = until, since
        return AuditQuery(
            since=_day_start(since),
            until=_day_start(until + timedelta(days=1)),
            actor_login=v.who_edit.text().strip() or None,
            action=v.action_combo.currentData() or None,
            text=v.text_edit.text().strip() or None,
            limit=self.page_size,
            offset=self.offset,
        )

    # --- loading ---------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.search(keep_offset=True)

    def search(self, *, keep_offset: bool = False) -> None:
        if not keep_offset:
            self.offset = 0
        self.view.search_button.setEnabled(False)
        self.ctx.runner.db(
            self.ctx.services.audit.query,
            self.ctx.actor,
            self.current_query(),
            on_done=self._loaded,
            on_error=self._failed,
            owner=self,
            name="audit.query",
        )

    def _failed(self, exc: BaseException) -> None:
        from cstrainer.gui import errors

        self.view.search_button.setEnabled(True)
        errors.show_error(self, exc)

    def _loaded(self, result: AuditResult) -> None:
        self.view.search_button.setEnabled(True)
        self.total = result.total
        self.model.set_rows(result.records)
        if result.actions != self._known_actions:
            self._fill_actions(result.actions)
        self.view.table.resizeColumnsToContents()
        header = self.view.table.horizontalHeader()
        for column in range(self.model.columnCount() - 1):
            header.resizeSection(column, min(header.sectionSize(column), 260))
        self.view.details.clear()
        self._update_paging()

    def _turn(self, step: int) -> None:
        offset = self.offset + step * self.page_size
        if 0 <= offset < max(self.total, 1):
            self.offset = offset
            self.search(keep_offset=True)

    def _update_paging(self) -> None:
        shown = self.model.rowCount()
        v = self.view
        if self.total == 0:
            v.count_label.setText(_t("没有符合条件的记录"))
        else:
            v.count_label.setText(
                _t("第 {first}-{last} 条，共 {total} 条").format(
                    first=self.offset + 1, last=self.offset + shown, total=self.total
                )
            )
        v.prev_button.setEnabled(self.offset > 0)
        v.next_button.setEnabled(self.offset + shown < self.total)

    # --- details and export ----------------------------------------------------------------------

    def selected_record(self) -> AuditRecord | None:
        rows = self.view.table.selectionModel().selectedRows()
        if not rows:
            return None
        record = self.model.data(rows[0], RECORD_ROLE)
        return record if isinstance(record, AuditRecord) else None

    def _show_details(self) -> None:
        record = self.selected_record()
        self.view.details.setPlainText(details_text(record) if record else "")

    def export_csv(self) -> None:
        name = f"操作日志-{date.today():%Y%m%d}.csv"
        path = prompts.choose_save_file(self, _t("导出操作日志"), Path.home() / name, filters=_t(CSV_FILTER))
        if path is None:
            return
        path = Path(path)
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        query = self.current_query()  # every matching entry, not only this page
        self.view.export_button.setEnabled(False)

        def done(n: int) -> None:
            self.view.export_button.setEnabled(True)
            self.last_export = path
            self.ctx.show_status(_t("已导出 {n} 条操作记录到 {path}").format(n=n, path=str(path)))

        def failed(exc: BaseException) -> None:
            from cstrainer.gui import errors

            self.view.export_button.setEnabled(True)
            errors.show_error(self, exc)

        self.ctx.runner.db(
            self.ctx.services.audit.export_csv,
            self.ctx.actor,
            path,
            query,
            on_done=done,
            on_error=failed,
            owner=self,
            name="audit.export",
        )
