"""Content counts, content-pack import/export and database backup/restore (the "数据" tab)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cstrainer import paths, settings
from cstrainer.domain.accounts import Permission
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.db_settings_dialog import DbSettingsDialog
from cstrainer.gui.pages.data_page_restore import RestorePicker
from cstrainer.gui.pages.data_page_view import DataPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import QT_TRANSLATE_NOOP, QCoreApplication, QVBoxLayout, QWidget
from cstrainer.gui.tasks import Task, run_with_progress
from cstrainer.services.backup_schedule import AUTO, list_backups
from cstrainer.services.content import KIND_LABELS, STAT_KEYS, ImportReport
from cstrainer.services.database_admin import RestoreReport

STAT_LABELS: dict[str, str] = {
    "users": QT_TRANSLATE_NOOP("DataPage", "人员"),
    "teams": QT_TRANSLATE_NOOP("DataPage", "小组"),
    "brands": QT_TRANSLATE_NOOP("DataPage", "品牌"),
    "products": QT_TRANSLATE_NOOP("DataPage", "产品"),
    "competitors": QT_TRANSLATE_NOOP("DataPage", "竞品"),
    "handbook_entries": QT_TRANSLATE_NOOP("DataPage", "手册条目"),
    "questions": QT_TRANSLATE_NOOP("DataPage", "题目"),
    "exams": QT_TRANSLATE_NOOP("DataPage", "试卷"),
    "scenarios": QT_TRANSLATE_NOOP("DataPage", "对话场景"),
    "phrases": QT_TRANSLATE_NOOP("DataPage", "话术"),
}
SQLITE_FILTER = QT_TRANSLATE_NOOP("DataPage", "SQLite 数据库 (*.sqlite *.db);;所有文件 (*)")


def _t(text: str) -> str:
    return QCoreApplication.translate("DataPage", text)


def _report_details(report: ImportReport) -> str:
    lines = [QCoreApplication.translate("DataPage", "文件：")] + [f"  {f}" for f in report.files]
    for kind, r in report.kinds.items():
        label = KIND_LABELS.get(kind, kind)
        if r.added:
            lines.append(
                QCoreApplication.translate("DataPage", "{kind} 新增：").format(kind=label)
                + "、".join(r.added[:200])
            )
        if r.updated:
            lines.append(
                QCoreApplication.translate("DataPage", "{kind} 更新：").format(kind=label)
                + "、".join(r.updated[:200])
            )
    return "\n".join(lines)


class DataPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        labels = [(key, _t(STAT_LABELS.get(key, key))) for key in STAT_KEYS]
        self.view = DataPageView(labels, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.stats: dict[str, int] = {}
        self.last_task: Task | None = None  # tests wait on it

        actor, v = ctx.actor, self.view
        v.import_button.setVisible(actor.can(Permission.IMPORT_CONTENT))
        v.export_button.setVisible(actor.can(Permission.EXPORT_CONTENT))
        v.packs_box.setVisible(actor.can(Permission.IMPORT_CONTENT) or actor.can(Permission.EXPORT_CONTENT))
        v.database_box.setVisible(actor.can(Permission.MANAGE_DATABASE))
        v.database_label.setText(self.tr("当前数据库：{db}").format(db=ctx.services.describe()))
        if ctx.services.db.file_path is None:
            # PostgreSQL (or memory): the service refuses; say why up front instead.
            v.backup_button.setEnabled(False)
            v.restore_button.setEnabled(False)
            v.database_note.setText(
                self.tr(
                    "团队数据库（PostgreSQL）请由管理员用 pg_dump / pg_restore 备份与恢复；这里只能备份本机 SQLite 文件。"
                )
            )
        v.import_button.clicked.connect(self.import_pack)
        v.export_button.clicked.connect(self.export_pack)
        v.backup_button.clicked.connect(self.backup)
        v.restore_button.clicked.connect(self.restore)
        v.settings_button.clicked.connect(self.open_settings)
        self.restore_picker: RestorePicker | None = None
        self.settings_dialog: DbSettingsDialog | None = None

    # --- counts ----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()
        if self.ctx.actor.can(Permission.MANAGE_DATABASE):
            self.show_auto_backup_status()

    def reload(self) -> None:
        self.ctx.runner.db(self.ctx.services.content.stats, on_done=self._show_stats, owner=self)

    def _show_stats(self, stats: dict[str, int]) -> None:
        self.stats = stats
        for key, label in self.view.stat_values.items():
            label.setText(str(stats.get(key, 0)))

    # --- content packs ---------------------------------------------------------------------------

    def import_pack(self) -> None:
        folder = prompts.choose_directory(self, self.tr("选择要导入的内容包文件夹"), paths.project_root())
        if folder is None:
            return
        content, actor = self.ctx.services.content, self.ctx.actor

        # Demo packs (accounts with a published password) come in only through the first-start
        # dialog, never by importing a folder that happens to contain one.
        def preview(task: Task, folder: Path) -> ImportReport:
            return content.import_paths(
                actor, [folder], include_demo=False, dry_run=True, progress=lambda text: task.progress(text)
            )

        self.last_task, _ = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在检查内容包…"),
            preview,
            folder,
            title=self.tr("导入内容包"),
            on_done=lambda report: self._confirm_import(folder, report),
        )

    def _confirm_import(self, folder: Path, report: ImportReport) -> None:
        if not report.added and not report.updated:
            prompts.inform(
                self,
                self.tr("导入内容包"),
                self.tr("内容包与数据库中的内容一致，无需导入。\n") + report.summary(),
            )
            return
        question = self.tr("将从 {folder} 导入：\n\n{summary}\n\n确定导入吗？").format(
            folder=folder, summary=report.summary()
        )
        if not prompts.confirm(
            self, self.tr("导入内容包"), question, ok_text=self.tr("导入"), details=_report_details(report)
        ):
            return
        content, actor = self.ctx.services.content, self.ctx.actor

        def run_import(task: Task, folder: Path) -> ImportReport:
            return content.import_paths(
                actor, [folder], include_demo=False, progress=lambda text: task.progress(text)
            )

        self.last_task, _ = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在导入…"),
            run_import,
            folder,
            title=self.tr("导入内容包"),
            on_done=self._imported,
        )

    def _imported(self, report: ImportReport) -> None:
        self.reload()
        self.ctx.show_status(report.summary())
        prompts.inform(self, self.tr("导入内容包"), report.summary(), details=_report_details(report))

    def export_pack(self) -> None:
        folder = prompts.choose_directory(self, self.tr("选择导出到的文件夹"), Path.home())
        if folder is None:
            return
        content, actor = self.ctx.services.content, self.ctx.actor
        self.last_task, _ = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在导出…"),
            lambda _task: content.export(actor, folder),
            title=self.tr("导出内容包"),
            cancellable=False,
            on_done=lambda files: self._exported(folder, files),
        )

    def _exported(self, folder: Path, files: list[Path]) -> None:
        text = self.tr("已导出 {n} 个文件到 {folder}").format(n=len(files), folder=folder)
        self.ctx.show_status(text)
        prompts.inform(self, self.tr("导出内容包"), text, details="\n".join(str(f) for f in files))

    # --- backup and restore ----------------------------------------------------------------------

    def show_auto_backup_status(self) -> None:
        file = self.ctx.services.db.file_path
        if file is None:
            self.view.auto_backup_label.setText(self.tr("自动备份只用于本机数据库（SQLite）。"))
            return
        self.ctx.runner.pool(
            auto_backup_status,
            file,
            on_done=self.view.auto_backup_label.setText,
            owner=self,
            name="backup status",
        )

    def backup(self) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        start = paths.backup_dir() / f"cstrainer-{stamp}.sqlite"
        dest = prompts.choose_save_file(self, self.tr("备份数据库到"), start, _t(SQLITE_FILTER))
        if dest is None:
            return
        database, actor = self.ctx.services.database, self.ctx.actor
        self.last_task, _ = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在备份数据库…"),
            lambda _task: database.backup(actor, dest),
            title=self.tr("备份数据库"),
            cancellable=False,
            on_done=self._backed_up,
        )

    def _backed_up(self, dest: Path) -> None:
        text = self.tr("数据库已备份到 {path}").format(path=dest)
        self.ctx.show_status(text)
        prompts.inform(self, self.tr("备份数据库"), text)

    def restore(self) -> None:
        """Pick a backup from the list (or another file), confirm, restore, verify, log in again."""
        picker = RestorePicker(
            self.ctx.runner,
            self.ctx.services.database,
            self.ctx.actor,
            self,
            current_db=self.ctx.services.db.file_path,
        )
        picker.chosen.connect(self.restore_from)
        picker.finished.connect(picker.deleteLater)
        self.restore_picker = picker
        picker.open()

    def restore_from(self, source: Path) -> None:
        question = self.tr(
            "用备份 {file} 替换当前数据库中的全部数据？\n\n"
            "当前数据会先自动另存一份。恢复完成后需要重新登录，其他正在使用本数据库的电脑也应重新启动程序。"
        ).format(file=source)
        if not prompts.confirm(self, self.tr("恢复数据库"), question, ok_text=self.tr("恢复")):
            return
        database, actor = self.ctx.services.database, self.ctx.actor
        self.last_task, _ = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在恢复并校验数据库…"),
            lambda _task: database.restore(actor, source),
            title=self.tr("恢复数据库"),
            cancellable=False,
            on_done=self._restored,
        )

    def _restored(self, report: RestoreReport) -> None:
        text = (
            self.tr("数据库已从备份 {file} 恢复。").format(file=report.backup.name)
            + "\n\n"
            + report.verification()
        )
        if report.safety:
            text += "\n\n" + self.tr("恢复前的数据已另存为 {path}。").format(path=report.safety)
        prompts.inform(self, self.tr("恢复数据库"), text + "\n\n" + self.tr("请重新登录。"))
        self.ctx.request_relogin(self.tr("数据库已从备份恢复并通过校验，请重新登录。"))

    def open_settings(self) -> None:
        dialog = DbSettingsDialog(self.ctx.runner, self, current=self.ctx.services.db.url)
        dialog.finished.connect(dialog.deleteLater)
        self.settings_dialog = dialog
        dialog.open()


def auto_backup_status(db_file: Path) -> str:
    """One line about the automatic backups of ``db_file`` (runs on the thread pool)."""
    try:
        s = settings.load()
    except settings.SettingsError as exc:
        return str(exc)
    autos = [b for b in list_backups(database=db_file.stem, read_revision=False) if b.kind == AUTO]
    tr = QCoreApplication.translate
    if not s.auto_backup:
        text = tr("DataPage", "自动备份：已关闭（可在“数据库设置”中开启）。")
    else:
        text = tr("DataPage", "自动备份：每天一次，保留最近 {n} 份。").format(n=s.backup_keep)
    if autos:
        when = autos[0].created.astimezone().strftime("%Y-%m-%d %H:%M")
        text += tr("DataPage", "最近一次在 {when}，现有 {n} 份。").format(when=when, n=len(autos))
    else:
        text += tr("DataPage", "还没有自动备份。")
    return text
