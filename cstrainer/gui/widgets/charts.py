"""Reusable QtCharts panels: a trend line over dates, a bar chart, a histogram and a radar.

Every chart sits in a :class:`ChartPanel`, a small stack of the chart view and a message label,
so a page can show "正在加载…" or "暂无数据" in place of an empty plot. The ``set_*`` functions
replace the panel's chart with a freshly built one (a polar radar and a cartesian chart are
different classes; rebuilding is also simpler than mutating axes), and delete the old one.

The charts use the application font (the CJK font the app sets at start-up) for titles, axis
labels and legends, so Chinese labels never fall back to boxes, and they are never animated: a
dashboard opened twice looks the same, and screenshots are deterministic.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from cstrainer.gui.qt import (
    QApplication,
    QBrush,
    QColor,
    QFont,
    QLabel,
    QMargins,
    QPainter,
    QPen,
    QStackedWidget,
    Qt,
    QWidget,
)
from cstrainer.gui.qt_charts import (
    QAreaSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QPolarChart,
    QValueAxis,
)

# A calm palette that stays readable in print (the same order everywhere: exams, role-play ...).
PALETTE = ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f")
GRID = QColor("#e0e0e0")
AXIS_TEXT = QColor("#424242")
EMPTY_TEXT = "暂无数据"
MAX_DATE_TICKS = 7  # "12-06" needs ~45 px


@dataclass(frozen=True)
class Trend:
    """One line of a trend chart: its legend name and (day, value) points."""

    name: str
    points: Sequence[tuple[date, float]]


def _font(scale: float = 1.0, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    return font


def nice_max(value: float, floor: float = 1.0) -> float:
    """A round upper bound for an axis showing values up to ``value`` (1, 2, 5 × 10^n)."""
    value = max(value, floor)
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1.0, 2.0, 5.0, 10.0):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _style_axis(axis: QValueAxis | QBarCategoryAxis | QDateTimeAxis | QCategoryAxis, title: str = "") -> None:
    axis.setLabelsFont(_font(0.9))
    axis.setLabelsColor(AXIS_TEXT)
    axis.setGridLineColor(GRID)
    if title:
        axis.setTitleText(title)
        axis.setTitleFont(_font(0.9))


def _new_chart(title: str, chart: QChart | None = None) -> QChart:
    chart = chart if chart is not None else QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(4, 4, 4, 4))
    if title:
        chart.setTitle(title)
        chart.setTitleFont(_font(1.05, bold=True))
    legend = chart.legend()
    legend.setFont(_font(0.9))
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


class ChartPanel(QStackedWidget):
    """A chart view, or a grey message in its place (loading, no data)."""

    def __init__(self, title: str = "", parent: QWidget | None = None, *, min_height: int = 220) -> None:
        super().__init__(parent)
        self.title = title
        self.view = QChartView()
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(min_height)
        self.view.setChart(_new_chart(title))
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #757575; background: white; border: 1px solid #e0e0e0;")
        self.message.setMinimumHeight(min_height)
        self.addWidget(self.view)
        self.addWidget(self.message)

    def chart(self) -> QChart:
        return self.view.chart()

    def show_message(self, text: str) -> None:
        heading = f"<b>{self.title}</b><br><br>" if self.title else ""
        self.message.setText(f"{heading}{text}")
        self.setCurrentWidget(self.message)

    def showing_message(self) -> bool:
        return self.currentWidget() is self.message

    def set_chart(self, chart: QChart) -> None:
        old = self.view.chart()
        self.view.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()
        self.setCurrentWidget(self.view)


# --- the chart kinds ---------------------------------------------------------------------------------


def date_axis(first: date, last: date) -> QCategoryAxis:
    """An x axis of days ``first``..``last`` (x = days since ``first``): a label on every ``step``-th
    day (at most :data:`MAX_DATE_TICKS`), never a day outside the data, and half a day of room at
    either end so the first and last points are not cut by the plot's edge."""
    span = (last - first).days
    step = max(1, -(-span // (MAX_DATE_TICKS - 1)))
    axis = QCategoryAxis()
    axis.setRange(-0.5, span + 0.5)
    axis.setStartValue(-0.5)
    for k in range(0, span + 1, step):
        day = first + timedelta(days=k)
        axis.append(f"{day.month:02d}-{day.day:02d}", float(k))
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    _style_axis(axis)
    axis.setLabelsFont(_font(0.85))
    axis.setTruncateLabels(False)
    return axis


def set_trend(
    panel: ChartPanel,
    trends: Sequence[Trend],
    *,
    y_title: str = "",
    y_max: float | None = 100.0,
    empty: str = EMPTY_TEXT,
) -> None:
    """Lines over days (one per :class:`Trend`), points marked; a date axis with readable ticks."""
    trends = [t for t in trends if t.points]
    if not trends:
        panel.show_message(empty)
        return
    chart = _new_chart(panel.title)
    days = sorted({d for t in trends for d, _v in t.points})
    top = y_max if y_max is not None else nice_max(max(v for t in trends for _d, v in t.points) * 1.1)
    first, last = days[0], days[-1]
    if first == last:  # one day: give the point some room
        first, last = first - timedelta(days=1), last + timedelta(days=1)
    x_axis = date_axis(first, last)
    y_axis = QValueAxis()
    y_axis.setRange(0, top)
    y_axis.setTickCount(6)
    y_axis.setLabelFormat("%.0f")
    _style_axis(y_axis, y_title)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    for i, trend in enumerate(trends):
        series = QLineSeries()
        series.setName(trend.name)
        color = QColor(PALETTE[i % len(PALETTE)])
        pen = QPen(color)
        pen.setWidthF(2.0)
        series.setPen(pen)
        series.setPointsVisible(True)
        for day, value in sorted(trend.points):
            series.append(float((day - first).days), float(value))
        chart.addSeries(series)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
    chart.legend().setVisible(len(trends) > 1)
    panel.set_chart(chart)


def set_bars(
    panel: ChartPanel,
    values: Sequence[tuple[str, float]],
    *,
    y_title: str = "",
    y_max: float | None = None,
    name: str = "",
    decimals: int = 1,
    color: str = PALETTE[0],
    empty: str = EMPTY_TEXT,
    bar_width: float | None = None,
    integers: bool = False,
) -> None:
    """One bar per category with its value written on it (few categories: narrower bars)."""
    if not values:
        panel.show_message(empty)
        return
    if bar_width is None:
        bar_width = min(0.6, 0.2 + 0.08 * len(values))
    chart = _new_chart(panel.title)
    bar_set = QBarSet(name or panel.title)
    bar_set.setColor(QColor(color))
    bar_set.setBorderColor(QColor(color))
    bar_set.setLabelColor(AXIS_TEXT)
    bar_set.setLabelFont(_font(0.85))
    for _label, value in values:
        bar_set.append(float(value))
    series = QBarSeries()
    series.append(bar_set)
    series.setBarWidth(bar_width)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
    series.setLabelsPrecision(max(decimals + 2, 3))
    series.setLabelsFormat("@value")
    chart.addSeries(series)
    x_axis = QBarCategoryAxis()
    # category labels are rich text: "<15秒" would vanish as an unknown tag
    x_axis.append([html.escape(label) for label, _v in values])
    _style_axis(x_axis)
    x_axis.setGridLineVisible(False)
    # whole labels ("专业知识", not "专业知..."): smaller, and slanted when they still do not fit
    x_axis.setTruncateLabels(False)
    x_axis.setLabelsFont(_font(0.85))
    if len(values) > 6 or sum(len(label) for label, _v in values) > 32:
        x_axis.setLabelsAngle(-30)
    y_axis = QValueAxis()
    highest = max((v for _l, v in values), default=0.0)
    top = y_max if y_max is not None else nice_max(highest * 1.15, 1.0 if integers else 0.1)
    y_axis.setRange(0, top)
    y_axis.setTickCount(6 if not integers or top >= 5 else int(top) + 1)
    y_axis.setLabelFormat("%d" if integers else "%.0f" if top >= 5 else "%.1f")
    _style_axis(y_axis, y_title)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x_axis)
    series.attachAxis(y_axis)
    chart.legend().setVisible(False)
    panel.set_chart(chart)


def set_histogram(
    panel: ChartPanel,
    buckets: Sequence[tuple[str, int]],
    *,
    x_title: str = "",
    y_title: str = "人次",
    empty: str = EMPTY_TEXT,
) -> None:
    """Counts per bucket as adjoining bars (an all-zero histogram shows ``empty``)."""
    if not buckets or not any(count for _l, count in buckets):
        panel.show_message(empty)
        return
    set_bars(
        panel,
        [(label, float(count)) for label, count in buckets],
        y_title=y_title,
        decimals=0,
        color=PALETTE[1],
        bar_width=0.95,
        integers=True,
    )
    axis = panel.chart().axes(Qt.Orientation.Horizontal)
    if axis and x_title:
        axis[0].setTitleText(x_title)
        axis[0].setTitleFont(_font(0.9))


def set_radar(
    panel: ChartPanel,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    max_value: float = 100.0,
    empty: str = EMPTY_TEXT,
) -> None:
    """A radar (spider) chart: one axis per label, one filled polygon per series.

    The first label sits at the top; a polar chart measures angles clockwise from there.
    """
    series = [(name, values) for name, values in series if values and len(values) == len(labels)]
    if len(labels) < 3 or not series:
        panel.show_message(empty)
        return
    chart = QPolarChart()
    _new_chart(panel.title, chart)
    n = len(labels)
    step = 360.0 / n
    angular = QCategoryAxis()
    angular.setRange(0, 360)
    angular.setStartValue(0)
    # QCategoryAxis labels mark the END of each category: the first label goes at 360 (= 0, the top)
    for i in range(1, n):
        angular.append(html.escape(labels[i]), i * step)
    angular.append(html.escape(labels[0]), 360)
    angular.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    _style_axis(angular)
    angular.setLabelsFont(_font(0.95, bold=True))
    radial = QValueAxis()
    radial.setRange(0, max_value)
    radial.setTickCount(6)
    radial.setLabelFormat("%.0f")
    _style_axis(radial)
    radial.setLabelsFont(_font(0.75))
    chart.addAxis(angular, QPolarChart.PolarOrientation.PolarOrientationAngular)
    chart.addAxis(radial, QPolarChart.PolarOrientation.PolarOrientationRadial)
    for i, (name, values) in enumerate(series):
        line = QLineSeries()
        line.setName(name)
        for k, value in enumerate(values):
            line.append(k * step, min(float(value), max_value))
        line.append(360.0, min(float(values[0]), max_value))
        color = QColor(PALETTE[i % len(PALETTE)])
        area = QAreaSeries(line)
        line.setParent(area)  # an area series does not own its line; without a parent it dies here
        area.setName(name)
        pen = QPen(color)
        pen.setWidthF(2.0)
        area.setPen(pen)
        fill = QColor(color)
        fill.setAlpha(60)
        area.setBrush(QBrush(fill))
        area.setPointsVisible(True)
        chart.addSeries(area)
        area.attachAxis(angular)
        area.attachAxis(radial)
    chart.legend().setVisible(len(series) > 1)
    panel.set_chart(chart)


# --- for tests and reports ---------------------------------------------------------------------------


def series_points(panel: ChartPanel) -> list[list[tuple[float, float]]]:
    """The plotted points of every series in ``panel`` (bars: (index, value)); [] for a message."""
    if panel.showing_message():
        return []
    out: list[list[tuple[float, float]]] = []
    for s in panel.chart().series():
        if isinstance(s, QAreaSeries):
            upper = s.upperSeries()
            out.append([(p.x(), p.y()) for p in upper.points()] if upper is not None else [])
        elif isinstance(s, QLineSeries):
            out.append([(p.x(), p.y()) for p in s.points()])
        elif isinstance(s, QBarSeries):
            for bar_set in s.barSets():
                out.append([(float(i), bar_set.at(i)) for i in range(bar_set.count())])
    return out


def category_labels(panel: ChartPanel) -> list[str]:
    """The category axis labels of a bar chart, a radar (from the top, clockwise) or a trend's days."""
    if panel.showing_message():
        return []
    for axis in panel.chart().axes():
        if isinstance(axis, QBarCategoryAxis):
            return [html.unescape(c) for c in axis.categories()]
        if isinstance(axis, QCategoryAxis):
            labels = [html.unescape(c) for c in axis.categoriesLabels()]
            if isinstance(panel.chart(), QPolarChart):
                return labels[-1:] + labels[:-1]  # the first label was appended last (at 360°)
            return labels
    return []
