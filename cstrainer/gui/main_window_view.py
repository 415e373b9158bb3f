"""Layout of the main window: navigation on the left, the current page on the right, status bar."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAction,
    QCoreApplication,
    QFont,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSize,
    QVBoxLayout,
    QWidget,
)


class PageStack(QWidget):
    """The page area: shows one page at a time. Pages shown before stay children of it, hidden and
    out of its layout, and come back with :meth:`show_page`.

    Not a QStackedWidget: a stacked layout sizes itself over all its pages (each layout pass asked
    every page ever opened for its height at several widths, and pages with word-wrapped labels and
    tabs measure their text each time), and its page change turns updates off and on again for
    every widget of every page. With 19 pages that was most of the time a page switch took.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._current: QWidget | None = None

    def currentWidget(self) -> QWidget | None:  # named as QStackedWidget's
        return self._current

    def show_page(self, page: QWidget) -> None:
        previous = self._current
        if page is previous:
            return
        if previous is not None:
            self._layout.removeWidget(previous)  # stays a child, hidden
            previous.hide()
        if page.parentWidget() is not self:
            page.setParent(self)
        self._layout.addWidget(page)
        self._current = page
        self._layout.activate()  # the page gets its geometry now, before it is first painted
        page.show()


class MainWindowView:
    """Builds the widgets of ``window``; the controller (:class:`MainWindow`) wires them."""

    def __init__(self, window: QMainWindow) -> None:
        window.resize(1100, 720)
        window.setMinimumSize(800, 540)

        central = QWidget(window)
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(168)
        self.nav.setSpacing(2)
        nav_font = QFont(self.nav.font())
        nav_font.setPointSizeF(nav_font.pointSizeF() * 1.15)
        self.nav.setFont(nav_font)
        self.nav.setStyleSheet(
            "QListWidget#navigation { border: none; border-right: 1px solid palette(mid);"
            " background: palette(window); padding-top: 8px; }"
            "QListWidget#navigation::item { padding: 8px 10px; }"
        )
        outer.addWidget(self.nav)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(16, 12, 16, 8)
        self.title_label = QLabel()
        title_font = QFont(self.title_label.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        right_layout.addWidget(self.title_label)
        # "the team database cannot be reached" (hidden until a job fails for want of a connection)
        self.connection_bar = QFrame()
        self.connection_bar.setObjectName("connectionBar")
        self.connection_bar.setStyleSheet(
            "QFrame#connectionBar { background: #fff3cd; border: 1px solid #f0c36d; border-radius: 4px; }"
            " QFrame#connectionBar QLabel { color: #8a4b00; background: transparent; border: none; }"
        )
        bar_layout = QHBoxLayout(self.connection_bar)
        bar_layout.setContentsMargins(10, 4, 6, 4)
        self.connection_label = QLabel()
        self.connection_label.setWordWrap(True)
        bar_layout.addWidget(self.connection_label, 1)
        self.connection_retry_button = QPushButton(QCoreApplication.translate("MainWindow", "立即重试"))
        bar_layout.addWidget(self.connection_retry_button)
        self.connection_bar.setVisible(False)
        right_layout.addWidget(self.connection_bar)
        self.stack = PageStack()
        right_layout.addWidget(self.stack, 1)
        outer.addWidget(right, 1)
        window.setCentralWidget(central)

        self.user_label = QLabel()
        self.database_label = QLabel()
        # the phrase-release reminder for trainers (hidden until there is one)
        self.reminder_label = QLabel()
        self.reminder_label.setObjectName("releaseReminder")
        self.reminder_label.setStyleSheet(
            "QLabel#releaseReminder { color: #8a4b00; background: #fff3cd; padding: 1px 8px;"
            " border-radius: 3px; }"
        )
        self.reminder_label.setVisible(False)
        status = window.statusBar()
        status.addWidget(self.reminder_label)
        status.addPermanentWidget(self.user_label)
        status.addPermanentWidget(self.database_label)

        menu_bar = window.menuBar()
        account_menu = menu_bar.addMenu(QCoreApplication.translate("MainWindow", "账号(&A)"))
        self.switch_user_action = QAction(
            QCoreApplication.translate("MainWindow", "切换用户 / 退出登录"), window
        )
        self.switch_user_action.setShortcut(QKeySequence("Ctrl+L"))
        account_menu.addAction(self.switch_user_action)
        account_menu.addSeparator()
        self.quit_action = QAction(QCoreApplication.translate("MainWindow", "退出程序"), window)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        account_menu.addAction(self.quit_action)
        help_menu = menu_bar.addMenu(QCoreApplication.translate("MainWindow", "帮助(&H)"))
        self.about_action = QAction(QCoreApplication.translate("MainWindow", "关于客服训练营"), window)
        help_menu.addAction(self.about_action)
