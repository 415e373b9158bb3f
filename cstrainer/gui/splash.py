"""The small window shown while the database opens (it may be created, upgraded or seeded)."""

from __future__ import annotations

from cstrainer.gui.qt import QFont, QFrame, QLabel, QProgressBar, Qt, QVBoxLayout, QWidget


class StartupSplash(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("splash")
        self.setFrameShape(QFrame.Shape.Box)
        self.setStyleSheet("QFrame#splash { background: palette(base); border: 1px solid palette(mid); }")
        self.setFixedSize(420, 170)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        title = QLabel(self.tr("客服训练营"))
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        self.message = QLabel(self.tr("正在启动…"))
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: opening a database gives no measurable progress
        self.bar.setTextVisible(False)
        layout.addWidget(self.bar)

    def set_message(self, text: str) -> None:
        self.message.setText(text)
