"""The scorecard of a role-play session (and of a rush group): weighted dimensions, the outcome,
答问比, average and slowest response time, every reply with the words that earned points
highlighted and its flags, and each missed point with a better wording.

Works on the domain ``Scorecard`` (:mod:`cstrainer.domain.roleplay_scoring`); the scenario, when
known, turns key point ids into readable labels.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from cstrainer.gui.pages.roleplay_scorecard_view import (
    GREEN,
    GREY,
    RED,
    ScorecardView,
    bold,
    rich_label,
    score_colour,
)
from cstrainer.gui.qt import (
    QCoreApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.widgets.chat_bubbles import BANNED_COLOUR, HIT_COLOUR, Mark, highlight_html

DIMENSIONS = ("专业知识", "服务规范", "沟通技巧", "响应时效", "合规")


def _t(text: str) -> str:
    return QCoreApplication.translate("RolePlayScorecard", text)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def key_point_labels(scenario: Any) -> dict[str, str]:
    """key point id -> a readable label (its first synonym)."""
    labels: dict[str, str] = {}
    for turn in _get(scenario, "turns", ()) or ():
        for kp in turn.key_points:
            labels.setdefault(kp.id, kp.synonyms[0] if kp.synonyms else kp.id)
    return labels


def seconds_text(seconds: float | None) -> str:
    return "—" if seconds is None else _t("{s} 秒").format(s=f"{seconds:.1f}")


def reply_marks(grade: Any, labels: Mapping[str, str]) -> list[Mark]:
    marks = [
        Mark(
            int(_get(b, "start")), int(_get(b, "end")), BANNED_COLOUR, str(_get(b, "reason", "")), strike=True
        )
        for b in _get(grade, "banned", ()) or ()
        if _get(b, "start") is not None and _get(b, "end") is not None
    ]
    for span in _get(grade, "hit_spans", ()) or ():
        start, end = int(span[0]), int(span[1])
        kp = str(span[2]) if len(span) > 2 else ""
        marks.append(Mark(start, end, HIT_COLOUR, labels.get(kp, kp)))
    return marks


def reply_details(grade: Any, labels: Mapping[str, str]) -> str:
    """The grading of one reply as HTML lines."""
    lines = []
    hit = [labels.get(k, k) for k in _get(grade, "key_points_hit", ()) or ()]
    missed = [labels.get(k, k) for k in _get(grade, "key_points_missed", ()) or ()]
    if hit:
        lines.append(f'<span style="color:{GREEN};">✓ {_t("命中")}：{html.escape("、".join(hit))}</span>')
    if missed:
        lines.append(f'<span style="color:#ef6c00;">✗ {_t("漏掉")}：{html.escape("、".join(missed))}</span>')
    for b in _get(grade, "banned", ()) or ():
        lines.append(
            f'<span style="color:{RED};">！{_t("违规词")}“{html.escape(str(_get(b, "word", "")))}”：'
            f"{html.escape(str(_get(b, 'reason', '')))}</span>"
        )
    banned_words = {str(_get(b, "word", "")) for b in _get(grade, "banned", ()) or ()}
    for f in _get(grade, "forbidden", ()) or ():
        word = f if isinstance(f, str) else _get(f, "word", "")
        if word and str(word) in banned_words:  # already listed as a banned word
            continue
        reason = _get(f, "reason", "") if not isinstance(f, str) else f
        lines.append(f'<span style="color:{RED};">！{_t("禁止的做法")}：{html.escape(str(reason))}</span>')
    checks = []
    for name, label in (
        ("greeting", _t("欢迎语")),
        ("closing", _t("结束语")),
        ("honorific", _t("敬语")),
        ("empathy", _t("共情")),
    ):
        value = _get(grade, name)
        if value is True:
            checks.append(f'<span style="color:{GREEN};">{label} ✓</span>')
        elif value is False:
            checks.append(f'<span style="color:{RED};">{label} ✗</span>')
    if checks:
        lines.append(" · ".join(checks))
    flags = list(_get(grade, "flags", ()) or ())
    if flags:
        chips = " ".join(
            f'<span style="background:#fdecea; color:{RED};">&nbsp;{html.escape(f)}&nbsp;</span>'
            for f in flags
        )
        lines.append(chips)
    for e in _get(grade, "explanation", ()) or ():
        lines.append(f'<span style="color:{GREY};">· {html.escape(str(e))}</span>')
    return "<br>".join(lines)


class ScorecardWidget(QWidget):
    back_requested = Signal()
    again_requested = Signal()

    def __init__(
        self,
        scorecard: Any,
        *,
        scenario: Any = None,
        title: str = "",
        buttons: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.scorecard = scorecard
        self.view = ScorecardView(self, buttons=buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.back_button.clicked.connect(self.back_requested.emit)
        self.view.again_button.clicked.connect(self.again_requested.emit)
        self.labels = key_point_labels(scenario) if scenario is not None else {}
        self._fill(title)

    def _fill(self, title: str) -> None:
        c, v = self.scorecard, self.view
        score = int(_get(c, "score", 0) or 0)
        v.title_label.setText(title or _t("对话评分"))
        v.score_label.setText(_t("{score} 分").format(score=score))
        v.score_label.setStyleSheet(f"color: {score_colour(score)};")
        outcome = _get(c, "outcome") or _t("提前结束")
        success = bool(_get(c, "success", False))
        v.outcome_label.setText(outcome)
        v.outcome_label.setStyleSheet(f"color: {GREEN if success else RED};")
        verdict = _t("达成目标") if success else _t("没有达成场景目标")
        cap_reason = _get(c, "cap_reason")
        if cap_reason:  # the outcome capped the score: say so next to it
            verdict = _t("{verdict}。{reason}").format(verdict=verdict, reason=cap_reason)
        v.success_label.setText(verdict)
        v.success_label.setStyleSheet(f"color: {GREEN if success else RED};")

        replies = list(_get(c, "replies", ()) or ())
        ratio = _get(c, "answer_ratio")
        v.facts["ratio"].setText("—" if ratio is None else f"{float(ratio):.2f}")
        v.facts["avg"].setText(seconds_text(_get(c, "avg_seconds")))
        v.facts["slowest"].setText(seconds_text(_get(c, "slowest_seconds")))
        within = _get(c, "within_target")
        v.facts["within"].setText(
            _t("{n} / {m} 条").format(n=within, m=len(replies)) if within is not None else "—"
        )

        dims = dict(_get(c, "dimensions", {}) or {})
        weights = dict(_get(c, "weights", {}) or {})
        names = [d for d in DIMENSIONS if d in dims] + [d for d in dims if d not in DIMENSIONS]
        for row, name in enumerate(names):
            w = weights.get(name)
            v.add_dimension(
                row, name, float(dims[name]), None if w is None else float(w) * (100 if w <= 1 else 1)
            )

        if not replies:
            empty = QLabel(_t("这次对话没有回复。"))
            empty.setStyleSheet(f"color: {GREY};")
            v.replies_layout.addWidget(empty)
        for i, g in enumerate(replies, start=1):
            within_target = _get(g, "within_target")
            seconds = float(_get(g, "seconds", 0.0) or 0.0)
            time_colour = GREEN if within_target else RED
            points, max_points = _get(g, "points"), _get(g, "max_points")
            header = _t("第 {n} 条回复").format(n=i)
            header += f' · <span style="color:{time_colour};">{_t("用时")} {seconds:.1f} {_t("秒")}</span>'
            header += " · " + _t("{n} 字").format(n=_get(g, "length", len(_get(g, "text", ""))))
            if points is not None and max_points:
                header += " · " + _t("得分 {p} / {m}").format(
                    p=f"{float(points):.1f}", m=f"{float(max_points):.1f}"
                )
            text = str(_get(g, "text", ""))
            v.add_reply_card(
                header, highlight_html(text, reply_marks(g, self.labels)), reply_details(g, self.labels)
            )

        missed = list(_get(c, "missed", ()) or ())
        for m in missed:
            label = self.labels.get(str(_get(m, "key_point_id", "")), str(_get(m, "key_point_id", "")))
            text = f"<b>{html.escape(label)}</b>：{html.escape(str(_get(m, 'feedback', '')))}"
            better = _get(m, "better")
            if better:
                text += (
                    f'<br><span style="color:{GREEN};">{_t("可以这样说")}：{html.escape(str(better))}</span>'
                )
            v.missed_layout.addWidget(rich_label(text))
        v.missed_box.setVisible(bool(missed))


class RushScorecardWidget(QWidget):
    """The group scorecard of a rush: replies within target over all customers, then one tab each."""

    back_requested = Signal()

    def __init__(
        self, cards: Sequence[tuple[str, str, Any, Any]], stats: Sequence[Any], parent: QWidget | None = None
    ):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        back = QPushButton(_t("← 返回场景列表"))
        back.clicked.connect(self.back_requested.emit)
        top.addWidget(back)
        top.addStretch(1)
        layout.addLayout(top)
        self.title = bold(QLabel(_t("大促成绩单")), 1.3)
        layout.addWidget(self.title)
        replies = sum(len(_get(c, "replies", ()) or ()) for _n, _t2, c, _s in cards if c is not None)
        within = sum(int(_get(c, "within_target", 0) or 0) for _n, _t2, c, _s in cards if c is not None)
        scores = [int(_get(c, "score", 0) or 0) for _n, _t2, c, _s in cards if c is not None]
        self.summary_label = rich_label()
        self._set_summary(len(cards), replies, within, sum(scores) / len(scores) if scores else None)
        layout.addWidget(self.summary_label)
        self.tabs = QTabWidget()
        self.cards: list[ScorecardWidget] = []
        for name, title, card, scenario in cards:
            if card is None:
                continue
            w = ScorecardWidget(card, scenario=scenario, title=title, buttons=False)
            self.cards.append(w)
            self.tabs.addTab(w, f"{name} · {int(_get(card, 'score', 0) or 0)}")
        layout.addWidget(self.tabs, 1)
        self.within_target = within
        self.replies = replies

    def _set_summary(self, customers: int, replies: int, within: int, average: float | None) -> None:
        colour = GREEN if replies and within / replies >= 0.8 else RED
        text = _t("同时接待 {n} 位顾客，共回复 {r} 条，其中").format(n=customers, r=replies)
        text += f' <b style="color:{colour};">{_t("{w} 条在时限内").format(w=within)}</b>'
        if average is not None:
            text += _t("；平均得分 {s} 分").format(s=f"{average:.0f}")
        self.summary_label.setText(text)

    def set_summary(self, summary: Any) -> None:
        """The service's rush summary (authoritative numbers)."""
        self.within_target = int(summary.within_target)
        self.replies = int(summary.replies)
        self._set_summary(len(summary.session_ids), self.replies, self.within_target, summary.average_score)
