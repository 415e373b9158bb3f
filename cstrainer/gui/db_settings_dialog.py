"""数据库设置: choose the local SQLite file or a team PostgreSQL server, and the automatic backups.

What is chosen is written to the settings file (:mod:`cstrainer.settings`) and takes effect the next
time the app starts; ``--db`` and ``CSTRAINER_DB_URL`` still win over it (the dialog says so when
one of them is set). The team database's password is stored in the settings file together with
the address (owner-only file on Linux/macOS, the user's own profile folder on Windows); the dialog
says so next to the password field. 测试连接 runs on the thread pool and answers in one sentence.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from cstrainer import paths, settings
from cstrainer.gui import prompts
from cstrainer.gui.forms import ERROR_STYLE, INFO_STYLE, password_edit
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QButtonGroup,
    QCheckBox,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    Qt,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREEN
from cstrainer.gui.tasks import Task, TaskRunner
from cstrainer.services.database_admin import ProbeResult, postgres_url, probe_database
from cstrainer.storage.engine import describe_url, normalise_url, sqlite_path

log = logging.getLogger(__name__)

OK_STYLE = f"color: {GREEN};"
SQLITE_FILTER = QT_TRANSLATE_NOOP("DbSettingsDialog", "SQLite 数据库 (*.sqlite *.db);;所有文件 (*)")


class DbSettingsDialog(QDialog):
    """Edits the settings file. ``saved`` (the attribute) holds what was written, once it was."""

    def __init__(
        self, runner: TaskRunner, parent: QWidget | None = None, *, current: URL | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.saved: settings.Settings | None = None
        self.probe_task: Task | None = None  # tests wait on it
        self.setWindowTitle(self.tr("数据库设置"))
        self.setMinimumWidth(560)
        try:
            self.original = settings.load()
            load_problem = ""
        except settings.SettingsError as exc:
            self.original = settings.Settings()
            load_problem = str(exc) + self.tr(" 保存后会用新的设置替换它。")

        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("选择本程序使用的数据库。修改后需要重新启动程序才会生效。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if current is not None:
            now = QLabel(self.tr("本次启动使用的数据库：{db}").format(db=describe_url(current)))
            now.setWordWrap(True)
            now.setStyleSheet(INFO_STYLE)
            now.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(now)
        override = self._override_note()
        self.override_label = QLabel(override)
        self.override_label.setWordWrap(True)
        self.override_label.setStyleSheet(ERROR_STYLE)
        self.override_label.setVisible(bool(override))
        layout.addWidget(self.override_label)
        self.load_problem_label = QLabel(load_problem)
        self.load_problem_label.setWordWrap(True)
        self.load_problem_label.setStyleSheet(ERROR_STYLE)
        self.load_problem_label.setVisible(bool(load_problem))
        layout.addWidget(self.load_problem_label)

        # --- which database ------------------------------------------------------------------------
        self.local_radio = QRadioButton(self.tr("本机数据库（SQLite，单机使用）"))
        self.team_radio = QRadioButton(self.tr("团队数据库（PostgreSQL，多台电脑共用）"))
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.local_radio)
        self.kind_group.addButton(self.team_radio)

        layout.addWidget(self.local_radio)
        self.local_box = QWidget()
        local_form = QFormLayout(self.local_box)
        local_form.setContentsMargins(24, 0, 0, 6)
        file_row = QHBoxLayout()
        self.file_edit = QLineEdit(str(paths.default_db_path()))
        self.browse_button = QPushButton(self.tr("浏览…"))
        self.default_button = QPushButton(self.tr("默认位置"))
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        file_row.addWidget(self.default_button)
        local_form.addRow(self.tr("数据库文件"), file_row)
        layout.addWidget(self.local_box)

        layout.addWidget(self.team_radio)
        self.team_box = QWidget()
        team_form = QFormLayout(self.team_box)
        team_form.setContentsMargins(24, 0, 0, 6)
        host_row = QHBoxLayout()
        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText(self.tr("如 192.168.1.20 或 db.example.com"))
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(5432)
        host_row.addWidget(self.host_edit, 1)
        host_row.addWidget(QLabel(self.tr("端口")))
        host_row.addWidget(self.port_spin)
        team_form.addRow(self.tr("服务器地址"), host_row)
        self.name_edit = QLineEdit("cstrainer")
        team_form.addRow(self.tr("数据库名"), self.name_edit)
        self.user_edit = QLineEdit()
        team_form.addRow(self.tr("用户名"), self.user_edit)
        self.password_edit = password_edit()
        team_form.addRow(self.tr("密码"), self.password_edit)
        self.password_note = QLabel(
            self.tr(
                "密码会和服务器地址一起保存在本机的设置文件 {file} 中（只有当前系统用户能读取）。"
                "公用电脑上请不要保存团队数据库的密码。"
            ).format(file=settings.settings_path())
        )
        self.password_note.setWordWrap(True)
        self.password_note.setStyleSheet(INFO_STYLE)
        team_form.addRow("", self.password_note)
        layout.addWidget(self.team_box)

        test_row = QHBoxLayout()
        self.test_button = QPushButton(self.tr("测试连接"))
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        # Always shown (a hint until a test ran), so the dialog does not jump when a result arrives.
        self.test_message = QLabel()
        self.test_message.setWordWrap(True)
        self._tested = False
        self.test_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.test_message)

        # --- automatic backups --------------------------------------------------------------------
        backups = QGroupBox(self.tr("自动备份（仅本机数据库）"))
        backup_layout = QVBoxLayout(backups)
        keep_row = QHBoxLayout()
        self.auto_check = QCheckBox(self.tr("每天自动备份一次，保留最近"))
        self.keep_spin = QSpinBox()
        self.keep_spin.setRange(1, settings.MAX_BACKUP_KEEP)
        self.keep_spin.setSuffix(self.tr(" 份"))
        keep_row.addWidget(self.auto_check)
        keep_row.addWidget(self.keep_spin)
        keep_row.addStretch(1)
        backup_layout.addLayout(keep_row)
        where = QLabel(
            self.tr("备份保存在 {folder}。手动备份和升级前的备份不会被自动删除。").format(
                folder=paths.backup_dir()
            )
        )
        where.setWordWrap(True)
        where.setStyleSheet(INFO_STYLE)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        backup_layout.addWidget(where)
        layout.addWidget(backups)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        layout.addWidget(self.buttons)

        self._fill(self.original)
        self.local_radio.toggled.connect(self._kind_changed)
        self.auto_check.toggled.connect(self.keep_spin.setEnabled)
        self.browse_button.clicked.connect(self._browse)
        self.default_button.clicked.connect(lambda: self.file_edit.setText(str(paths.default_db_path())))
        self.test_button.clicked.connect(self.test_connection)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._kind_changed()

    # --- state -----------------------------------------------------------------------------------

    @staticmethod
    def _override_note() -> str:
        if os.environ.get("CSTRAINER_DB_URL", "").strip():
            return QCoreApplication.translate(
                "DbSettingsDialog",
                "注意：环境变量 CSTRAINER_DB_URL 已指定数据库，它优先于这里的设置；"
                "要让这里的设置生效，请先去掉该环境变量。",
            )
        return ""

    def _fill(self, s: settings.Settings) -> None:
        self.auto_check.setChecked(s.auto_backup)
        self.keep_spin.setValue(s.backup_keep)
        self.keep_spin.setEnabled(s.auto_backup)
        url = None
        if s.db_url:
            try:
                url = normalise_url(s.db_url)
            except Exception:  # an unparsable saved URL: start from the local database
                log.warning("settings: cannot parse the saved database URL")
        if url is not None and url.get_backend_name() == "postgresql":
            self.team_radio.setChecked(True)
            self.host_edit.setText(url.host or "")
            self.port_spin.setValue(url.port or 5432)
            self.name_edit.setText(url.database or "")
            self.user_edit.setText(url.username or "")
            self.password_edit.setText(url.password or "")
            return
        self.local_radio.setChecked(True)
        file = sqlite_path(url) if url is not None else None
        if file:
            self.file_edit.setText(file)

    def _kind_changed(self) -> None:
        local = self.local_radio.isChecked()
        self.local_box.setEnabled(local)
        self.team_box.setEnabled(not local)
        self._tested = False
        self.test_message.setStyleSheet(INFO_STYLE)
        self.test_message.setText(self.tr("点“测试连接”检查能否连上所选的数据库（不会保存设置）。"))

    def _browse(self) -> None:
        start = Path(self.file_edit.text().strip() or paths.default_db_path())
        chosen = prompts.choose_save_file(
            self,
            self.tr("选择或新建数据库文件"),
            start,
            QCoreApplication.translate("DbSettingsDialog", SQLITE_FILTER),
        )
        if chosen is not None:
            self.file_edit.setText(str(chosen))

    def problems(self) -> str:
        """The first thing that keeps these settings from being saved or tested ('' when none)."""
        if self.local_radio.isChecked():
            if not self.file_edit.text().strip():
                return self.tr("请填写数据库文件的位置，或点“默认位置”。")
            return ""
        if not self.host_edit.text().strip():
            return self.tr("请填写团队数据库的服务器地址。")
        if not self.name_edit.text().strip():
            return self.tr("请填写数据库名。")
        if not self.user_edit.text().strip():
            return self.tr("请填写登录数据库的用户名。")
        return ""

    def chosen_url(self) -> str | None:
        """The URL to save: None for the default local file."""
        if self.local_radio.isChecked():
            file = Path(self.file_edit.text().strip()).expanduser()
            if file == paths.default_db_path():
                return None
            return f"sqlite:///{file}"
        return postgres_url(
            self.host_edit.text().strip(),
            self.port_spin.value(),
            self.name_edit.text().strip(),
            self.user_edit.text().strip(),
            self.password_edit.text(),
        )

    def chosen_settings(self) -> settings.Settings:
        return settings.Settings(
            db_url=self.chosen_url(),
            auto_backup=self.auto_check.isChecked(),
            backup_keep=self.keep_spin.value(),
        )

    # --- testing ---------------------------------------------------------------------------------

    def test_connection(self) -> None:
        problem = self.problems()
        if problem:
            self._show_test(ProbeResult(False, problem))
            return
        url = self.chosen_url() or paths.default_db_url()
        self.test_button.setEnabled(False)
        self.test_message.setStyleSheet(INFO_STYLE)
        self._tested = False
        self.test_message.setText(self.tr("正在连接 {db}…").format(db=describe_url(make_url(url))))
        self.probe_task = self.runner.pool(
            probe_database,
            url,
            on_done=self._show_test,
            on_error=lambda exc: self._show_test(ProbeResult(False, str(exc))),
            owner=self,
            name="probe database",
        )

    def _show_test(self, result: ProbeResult) -> None:
        self.test_button.setEnabled(True)
        self.test_message.setStyleSheet(OK_STYLE if result.ok else ERROR_STYLE)
        self.test_message.setText(result.message)
        self._tested = True

    def test_text(self) -> str:
        """The last test's verdict ('' before a test finished)."""
        return self.test_message.text() if self._tested else ""

    # --- saving ----------------------------------------------------------------------------------

    def accept(self) -> None:
        problem = self.problems()
        if problem:
            self.message.setText(problem)
            self.message.setVisible(True)
            return
        chosen = self.chosen_settings()
        try:
            path = settings.save(chosen)
        except (OSError, settings.SettingsError) as exc:
            self.message.setText(self.tr("无法保存设置：{error}").format(error=exc))
            self.message.setVisible(True)
            return
        self.saved = chosen
        text = self.tr("设置已保存到 {file}。\n\n重新启动程序后生效。").format(file=path)
        if self.override_label.isVisible():
            text += "\n\n" + self.override_label.text()
        prompts.inform(self, self.tr("数据库设置"), text)
        super().accept()
