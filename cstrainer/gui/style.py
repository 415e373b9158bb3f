"""The GUI's shared look: the few colours pages use for verdicts and notes, and bold labels.

One place so that "passed" is the same green on the exam result and on the role-play scorecard.
"""

from __future__ import annotations

from cstrainer.gui.qt import QFont, QLabel

GREEN = "#2e7d32"  # passed, covered, within target
ORANGE = "#ef6c00"  # warning, close to a limit
RED = "#c62828"  # failed, missed, over the limit
BLUE = "#1565c0"  # pending, informational
GREY = "#5f6368"  # secondary text
MUTED_STYLE = "color: #555555;"  # style sheet for hint lines under a form or list


def bold(label: QLabel, scale: float = 1.0) -> QLabel:
    """Make ``label`` bold, its font ``scale`` times the normal size; returns it."""
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def heading(text: str, scale: float = 1.1) -> QLabel:
    """A bold section heading."""
    return bold(QLabel(text), scale)
