"""The flow of a role-play scenario drawn as a graph: one box per customer turn, one pill per outcome.

Arrows are coloured by branch kind: covered (the reply made the expected moves) green, missed
orange, forbidden (a wrong promise, a banned word) red. The layout is a simple layered one, top
down (the editor's graph pane is tall and narrow): a turn's row is its breadth-first depth from
the start turn, outcomes sit in the last row. Arrows that go back up or sideways (an escalation to
an earlier turn) curve round the right-hand side; a turn that repeats itself gets a small loop on
its right.

Problems the trainer must see at a glance are marked on the boxes themselves: a turn that cannot
be reached from the start is grey and dashed ("走不到"), a turn from which no outcome can be
reached is red and dashed ("无结局"), and a branch to a turn that does not exist ends in a red
"?" box. The analysis (:func:`analyse_flow`) is plain Python so it can be tested without a view;
the editor's validation list comes from the domain's ``validate_scenario`` and may say more.

Clicking a box emits :attr:`ScenarioGraphView.turn_clicked` with the turn id.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cstrainer.gui.qt import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPointF,
    QPolygonF,
    QRectF,
    QResizeEvent,
    Qt,
    QWheelEvent,
    QWidget,
    Signal,
)

OUTCOME_PREFIX = "end:"
BRANCH_KINDS = ("on_covered", "on_missed", "on_forbidden")
BRANCH_COLOURS = {"on_covered": "#2e7d32", "on_missed": "#ef6c00", "on_forbidden": "#c62828"}
SUCCESS_FILL, FAILURE_FILL = "#e8f5e9", "#fdecea"
NODE_W, NODE_H = 156.0, 56.0
OUTCOME_W, OUTCOME_H = 104.0, 34.0
H_GAP, V_GAP = 30.0, 58.0
MIN_AUTO_SCALE = 0.55  # fitting a big flow never shrinks it below this (scroll instead)
# Where on a box's side each kind of arrow attaches, so parallel arrows do not overlap.
ATTACH = {"on_covered": -14.0, "on_missed": 0.0, "on_forbidden": 14.0}
DATA_KIND, DATA_ID = 0, 1  # QGraphicsItem.data keys: "turn" / "outcome" / "unknown", and the id


@dataclass(frozen=True)
class FlowTurn:
    """What the graph needs of a turn: its id, a line of text and where its branches go."""

    id: str
    on_covered: str | None = None
    on_missed: str | None = None
    on_forbidden: str | None = None  # None: the same as on_missed (no arrow of its own)
    caption: str = ""  # the first wording, shortened

    def branches(self) -> list[tuple[str, str]]:
        return [(kind, t) for kind in BRANCH_KINDS if (t := getattr(self, kind))]


@dataclass
class FlowAnalysis:
    depth: dict[str, int] = field(default_factory=dict)  # reachable turns only
    unreachable: set[str] = field(default_factory=set)
    dead_ends: set[str] = field(default_factory=set)  # no end: outcome reachable from here
    unknown_targets: set[str] = field(default_factory=set)
    outcomes: list[str] = field(default_factory=list)  # in order of first use


def is_terminal(target: str) -> bool:
    return target.startswith(OUTCOME_PREFIX)


def analyse_flow(turns: Sequence[FlowTurn], start: str) -> FlowAnalysis:
    """Depths by breadth-first search from ``start``, unreachable turns, dead ends, unknown targets."""
    ids = {t.id for t in turns}
    by_id = {t.id: t for t in turns}
    out = FlowAnalysis()
    for turn in turns:
        for _kind, target in turn.branches():
            if is_terminal(target):
                outcome = target.removeprefix(OUTCOME_PREFIX)
                if outcome not in out.outcomes:
                    out.outcomes.append(outcome)
            elif target not in ids:
                out.unknown_targets.add(target)
    if start in ids:
        out.depth[start] = 0
        queue = deque([start])
        while queue:
            current = by_id[queue.popleft()]
            for _kind, target in current.branches():
                if target in ids and target not in out.depth:
                    out.depth[target] = out.depth[current.id] + 1
                    queue.append(target)
    out.unreachable = ids - set(out.depth)
    # Dead ends: walk backwards from every turn that has an end: branch.
    finishing = {t.id for t in turns if any(is_terminal(target) for _k, target in t.branches())}
    parents: dict[str, set[str]] = {}
    for turn in turns:
        for _kind, target in turn.branches():
            parents.setdefault(target, set()).add(turn.id)
    can_finish = set(finishing)
    queue = deque(finishing)
    while queue:
        for parent in parents.get(queue.popleft(), ()):
            if parent not in can_finish:
                can_finish.add(parent)
                queue.append(parent)
    out.dead_ends = ids - can_finish
    return out


def layered_positions(turns: Sequence[FlowTurn], analysis: FlowAnalysis) -> tuple[dict[str, QPointF], int]:
    """Top-left corner of each turn box (rows by depth, each row centred); and the number of rows."""
    rows: dict[int, list[str]] = {}
    for turn in turns:  # file order within a row keeps the picture stable while editing
        if turn.id in analysis.depth and turn.id not in rows.get(analysis.depth[turn.id], []):
            rows.setdefault(analysis.depth[turn.id], []).append(turn.id)
    # Unreachable turns go in the start turn's row, to its right: visible, and obviously apart.
    for turn in turns:
        if turn.id in analysis.unreachable and turn.id not in rows.get(0, []):
            rows.setdefault(0, []).append(turn.id)
    widest = max((len(ids) for ids in rows.values()), default=0)
    positions: dict[str, QPointF] = {}
    for row, ids in rows.items():
        indent = (widest - len(ids)) * (NODE_W + H_GAP) / 2
        for i, turn_id in enumerate(ids):
            positions[turn_id] = QPointF(indent + i * (NODE_W + H_GAP), row * (NODE_H + V_GAP))
    return positions, (max(rows) + 1) if rows else 0


class _Box(QGraphicsRectItem):
    """A rounded box (turn, outcome or unknown target)."""

    def __init__(self, rect: QRectF, radius: float) -> None:
        super().__init__(rect)
        self.radius = radius

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:  # type: ignore[override]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.pen())
        painter.setBrush(self.brush())
        painter.drawRoundedRect(self.rect(), self.radius, self.radius)


class ScenarioGraphView(QGraphicsView):
    """Shows a scenario's flow; call :meth:`set_flow` whenever the draft changes."""

    turn_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QBrush(QColor("#fafafa")))
        self.analysis = FlowAnalysis()
        self.turn_items: dict[str, QGraphicsRectItem] = {}
        self.outcome_items: dict[str, QGraphicsRectItem] = {}
        self.unknown_items: dict[str, QGraphicsRectItem] = {}
        self.edge_items: list[tuple[str, str, str, QGraphicsPathItem]] = []  # (from, kind, to, item)
        self.marks: dict[str, set[str]] = {}  # turn id -> {"start", "unreachable", "dead_end", "issue"}
        self.selected_turn: str | None = None
        self._success: set[str] = set()
        self._press_pos: QPointF | None = None
        self.auto_fit = True  # until the person zooms: keep the whole width in view

    # --- building the picture --------------------------------------------------------------------

    def set_flow(
        self,
        turns: Sequence[FlowTurn],
        start: str,
        *,
        success: Iterable[str] = (),
        issue_turns: Iterable[str] = (),
        selected: str | None = None,
    ) -> None:
        """Redraw: ``issue_turns`` (turns the validation blames) get a warning sign."""
        scene = self.scene()
        scene.clear()
        self.turn_items, self.outcome_items, self.unknown_items = {}, {}, {}
        self.edge_items = []
        self._success = set(success)
        self.selected_turn = selected
        self.analysis = analysis = analyse_flow(turns, start)
        positions, n_rows = layered_positions(turns, analysis)
        issues = set(issue_turns)
        self.marks = {}
        for turn in turns:
            marks: set[str] = set()
            if turn.id == start:
                marks.add("start")
            if turn.id in analysis.unreachable:
                marks.add("unreachable")
            if turn.id in analysis.dead_ends:
                marks.add("dead_end")
            if turn.id in issues:
                marks.add("issue")
            self.marks[turn.id] = marks
            if turn.id not in self.turn_items:  # a duplicate id is drawn once
                self.turn_items[turn.id] = self._turn_box(turn, positions[turn.id], marks)

        # Outcomes (and unknown targets) in the row under the last turn row, centred.
        ends = [(o, False) for o in analysis.outcomes] + [(t, True) for t in sorted(analysis.unknown_targets)]
        turn_width = max((p.x() + NODE_W for p in positions.values()), default=NODE_W)
        ends_width = len(ends) * (OUTCOME_W + H_GAP) - H_GAP
        x = (turn_width - ends_width) / 2
        y = n_rows * (NODE_H + V_GAP) + 10
        for name, unknown in ends:
            if unknown:
                self.unknown_items[name] = self._unknown_box(name, QPointF(x, y))
            else:
                self.outcome_items[name] = self._outcome_box(name, QPointF(x, y))
            x += OUTCOME_W + H_GAP

        drawn: set[str] = set()
        for turn in turns:
            if turn.id in drawn:
                continue
            drawn.add(turn.id)
            for kind, target in turn.branches():
                self._edge(turn.id, kind, target)
        self._legend_margin()
        if self.auto_fit:
            self._fit_width()

    def _turn_box(self, turn: FlowTurn, top_left: QPointF, marks: set[str]) -> QGraphicsRectItem:
        box = _Box(QRectF(0, 0, NODE_W, NODE_H), 8)
        box.setPos(top_left)
        fill, border, style = "#ffffff", "#546e7a", Qt.PenStyle.SolidLine
        if "unreachable" in marks:
            fill, border, style = "#eeeeee", "#9e9e9e", Qt.PenStyle.DashLine
        elif "dead_end" in marks:
            fill, border, style = "#fff3f0", "#c62828", Qt.PenStyle.DashLine
        selected = turn.id == self.selected_turn
        pen = QPen(QColor("#1565c0") if selected else QColor(border), 3.0 if selected else 1.5, style)
        box.setPen(pen)
        box.setBrush(QBrush(QColor(fill)))
        box.setData(DATA_KIND, "turn")
        box.setData(DATA_ID, turn.id)
        box.setCursor(Qt.CursorShape.PointingHandCursor)
        tips = [turn.id]
        title = QGraphicsSimpleTextItem(self._elide(turn.id, NODE_W - 16, bold=True), box)
        bold = QFont(title.font())
        bold.setBold(True)
        title.setFont(bold)
        title.setPos(8, 5)
        caption = QGraphicsSimpleTextItem(self._elide(turn.caption or "（还没有说法）", NODE_W - 16), box)
        caption.setBrush(QBrush(QColor("#555555")))
        caption.setPos(8, 23)
        badges = []
        if "start" in marks:
            badges.append(("▶ 开始", "#2e7d32"))
        if "unreachable" in marks:
            badges.append(("走不到", "#757575"))
            tips.append("从开始轮次走不到这一轮")
        if "dead_end" in marks:
            badges.append(("无结局", "#c62828"))
            tips.append("从这一轮走不到任何结局")
        if "issue" in marks and not ({"unreachable", "dead_end"} & marks):
            badges.append(("⚠ 待修改", "#b26a00"))
            tips.append("校验发现问题，见左侧列表")
        bx = 8.0
        for text, colour in badges:
            badge = QGraphicsSimpleTextItem(text, box)
            small = QFont(badge.font())
            small.setPointSizeF(max(small.pointSizeF() - 1.5, 7.0))
            small.setBold(True)
            badge.setFont(small)
            badge.setBrush(QBrush(QColor(colour)))
            badge.setPos(bx, NODE_H - 17)
            bx += badge.boundingRect().width() + 8
        box.setToolTip("\n".join(tips + ([turn.caption] if turn.caption else [])))
        self.scene().addItem(box)
        return box

    def _pill(self, text: str, top_left: QPointF, fill: str, border: str, kind: str, key: str) -> _Box:
        box = _Box(QRectF(0, 0, OUTCOME_W, OUTCOME_H), OUTCOME_H / 2)
        box.setPos(top_left)
        box.setPen(QPen(QColor(border), 1.5))
        box.setBrush(QBrush(QColor(fill)))
        box.setData(DATA_KIND, kind)
        box.setData(DATA_ID, key)
        label = QGraphicsSimpleTextItem(self._elide(text, OUTCOME_W - 12), box)
        r = label.boundingRect()
        label.setPos((OUTCOME_W - r.width()) / 2, (OUTCOME_H - r.height()) / 2)
        self.scene().addItem(box)
        return box

    def _outcome_box(self, outcome: str, top_left: QPointF) -> _Box:
        success = outcome in self._success
        box = self._pill(
            f"结局：{outcome}",
            top_left,
            SUCCESS_FILL if success else FAILURE_FILL,
            "#2e7d32" if success else "#b71c1c",
            "outcome",
            outcome,
        )
        box.setToolTip("成功结局" if success else "未成功的结局")
        return box

    def _unknown_box(self, target: str, top_left: QPointF) -> _Box:
        box = self._pill(f"? {target}", top_left, "#ffffff", "#c62828", "unknown", target)
        box.setPen(QPen(QColor("#c62828"), 1.5, Qt.PenStyle.DashLine))
        box.setToolTip(f"没有 id 为 {target} 的轮次")
        return box

    def _target_item(self, target: str) -> QGraphicsRectItem | None:
        if is_terminal(target):
            return self.outcome_items.get(target.removeprefix(OUTCOME_PREFIX))
        return self.turn_items.get(target) or self.unknown_items.get(target)

    def _edge(self, source: str, kind: str, target: str) -> None:
        src = self.turn_items[source]
        dst = self._target_item(target)
        if dst is None:
            return
        colour = QColor(BRANCH_COLOURS[kind])
        offset = ATTACH[kind]
        s_rect = src.sceneBoundingRect()
        d_rect = dst.sceneBoundingRect()
        path = QPainterPath()
        if dst is src:  # the customer repeats: a loop on the right of the box
            y0 = s_rect.center().y() + offset
            start, end = QPointF(s_rect.right(), y0 - 8), QPointF(s_rect.right(), y0 + 8)
            c1, c2 = QPointF(s_rect.right() + 30, y0 - 26), QPointF(s_rect.right() + 30, y0 + 26)
        elif d_rect.top() > s_rect.bottom():  # downwards
            start = QPointF(s_rect.center().x() + offset * 2.5, s_rect.bottom())
            end = QPointF(d_rect.center().x() + offset * 1.5, d_rect.top())
            dy = (end.y() - start.y()) / 2
            c1, c2 = QPointF(start.x(), start.y() + dy), QPointF(end.x(), end.y() - dy)
        elif abs(d_rect.center().y() - s_rect.center().y()) < 1:  # same row: side to side
            forwards = d_rect.left() > s_rect.right()
            start = QPointF(s_rect.right() if forwards else s_rect.left(), s_rect.center().y() + offset)
            end = QPointF(d_rect.left() if forwards else d_rect.right(), d_rect.center().y() + offset)
            dx = (end.x() - start.x()) / 2
            c1, c2 = QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y())
        else:  # upwards: round the right-hand side
            start = QPointF(s_rect.right(), s_rect.center().y() + offset)
            end = QPointF(d_rect.right(), d_rect.center().y() + offset)
            bulge = max(start.x(), end.x()) + 36 + abs(offset) * 1.5
            c1, c2 = QPointF(bulge, start.y()), QPointF(bulge, end.y())
        path.moveTo(start)
        path.cubicTo(c1, c2, end)
        tangent_from = c2
        blocking = [
            box.sceneBoundingRect()
            for box in self.turn_items.values()
            if box is not src and box is not dst and path.intersects(box.sceneBoundingRect())
        ]
        if blocking and d_rect.top() > s_rect.bottom():
            # A long arrow would pass behind other boxes: go round them through the gap beside.
            left = min(r.left() for r in blocking) - 12 - abs(offset) * 0.8
            right = max(r.right() for r in blocking) + 12 + abs(offset) * 0.8
            middle = (start.x() + end.x()) / 2
            wx = left if abs(middle - left) <= abs(right - middle) else right
            top = min(r.top() for r in blocking) - 8
            bottom = max(r.bottom() for r in blocking) + 8
            path = QPainterPath()
            path.moveTo(start)
            path.cubicTo(
                QPointF(start.x(), top), QPointF(wx, start.y() + (top - start.y()) / 2), QPointF(wx, top)
            )
            path.lineTo(QPointF(wx, bottom))
            tangent_from = QPointF(end.x(), bottom + (end.y() - bottom) / 2)
            path.cubicTo(QPointF(wx, bottom + (end.y() - bottom) / 2), tangent_from, end)
        item = QGraphicsPathItem(path)
        pen = QPen(colour, 1.8)
        if kind == "on_forbidden":
            pen.setStyle(Qt.PenStyle.DashLine)
        item.setPen(pen)
        item.setZValue(-1)
        item.setData(DATA_KIND, kind)
        item.setToolTip(f"{source} → {target}（{KIND_LABELS[kind]}）")
        self.scene().addItem(item)
        head = QGraphicsPolygonItem(_arrow_head(tangent_from, end), item)
        head.setBrush(QBrush(colour))
        head.setPen(QPen(colour, 1))
        self.edge_items.append((source, kind, target, item))

    def _legend_margin(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-16, -16, 16, 16)
        self.scene().setSceneRect(rect)

    def _elide(self, text: str, width: float, *, bold: bool = False) -> str:
        font = QFont(self.font())
        font.setBold(bold)
        return QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, width)

    # --- interaction -----------------------------------------------------------------------------

    def select_turn(self, turn_id: str | None) -> None:
        """Highlight ``turn_id``'s box (without redrawing the rest)."""
        for key, box in self.turn_items.items():
            pen = box.pen()
            if key == turn_id:
                pen.setColor(QColor("#1565c0"))
                pen.setWidthF(3.0)
            elif key == self.selected_turn:
                marks = self.marks.get(key, set())
                pen.setColor(
                    QColor(
                        "#9e9e9e"
                        if "unreachable" in marks
                        else "#c62828"
                        if "dead_end" in marks
                        else "#546e7a"
                    )
                )
                pen.setWidthF(1.5)
            box.setPen(pen)
        self.selected_turn = turn_id
        shown = self.turn_items.get(turn_id or "")
        if shown is not None:
            self.ensureVisible(shown, 40, 40)

    def turn_at(self, pos: QPointF) -> str | None:
        """The turn whose box is under the viewport position ``pos``."""
        for item in self.items(pos.toPoint()):
            node: QGraphicsItem | None = item
            while node is not None:
                if node.data(DATA_KIND) == "turn":
                    return str(node.data(DATA_ID))
                node = node.parentItem()
        return None

    def viewport_point_of(self, turn_id: str) -> QPointF:
        """Where ``turn_id``'s box is on the viewport (tests click there)."""
        box = self.turn_items[turn_id]
        return QPointF(self.mapFromScene(box.sceneBoundingRect().center()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press_pos = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        press, self._press_pos = self._press_pos, None
        if press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        moved = event.position() - press
        if abs(moved.x()) + abs(moved.y()) > 6:  # that was a drag to pan, not a click
            return
        turn_id = self.turn_at(event.position())
        if turn_id is not None:
            self.turn_clicked.emit(turn_id)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self.zoom(factor)
            return
        super().wheelEvent(event)

    def zoom(self, factor: float) -> None:
        self.auto_fit = False
        scale = self.transform().m11() * factor
        if 0.25 <= scale <= 3.0:
            self.scale(factor, factor)

    def fit(self) -> None:
        """Show the whole flow (never enlarged beyond 100 %), and keep fitting it after edits."""
        self.auto_fit = True
        self.resetTransform()
        rect = self.scene().sceneRect()
        view = self.viewport().rect()
        if rect.width() > view.width() or rect.height() > view.height():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def _fit_width(self) -> None:
        """Scale so the flow's width fits (down to MIN_AUTO_SCALE); taller flows scroll."""
        width = self.scene().sceneRect().width()
        available = self.viewport().width() - 4
        scale = 1.0 if width <= 0 or available <= 0 else max(min(1.0, available / width), MIN_AUTO_SCALE)
        self.resetTransform()
        self.scale(scale, scale)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.auto_fit:
            self._fit_width()


KIND_LABELS = {"on_covered": "答到", "on_missed": "没答到", "on_forbidden": "违规"}


def _arrow_head(tail: QPointF, tip: QPointF, size: float = 9.0) -> QPolygonF:
    dx, dy = tip.x() - tail.x(), tip.y() - tail.y()
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    left = QPointF(tip.x() - ux * size - uy * size * 0.5, tip.y() - uy * size + ux * size * 0.5)
    right = QPointF(tip.x() - ux * size + uy * size * 0.5, tip.y() - uy * size - ux * size * 0.5)
    return QPolygonF([tip, left, right])


def legend_html() -> str:
    """A one-line legend for the arrow colours and the box marks (rich text)."""
    parts = [f'<span style="color:{BRANCH_COLOURS[k]}">━━▶ {KIND_LABELS[k]}</span>' for k in BRANCH_KINDS]
    parts.append('<span style="color:#757575">虚线灰框 = 走不到</span>')
    parts.append('<span style="color:#c62828">虚线红框 = 无结局</span>')
    return "&nbsp;&nbsp;".join(parts)


__all__ = [
    "BRANCH_COLOURS",
    "FlowAnalysis",
    "FlowTurn",
    "ScenarioGraphView",
    "analyse_flow",
    "legend_html",
]
