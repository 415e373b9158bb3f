"""The QtCharts classes the dashboards use, in a module of their own.

Importing QtCharts takes a noticeable part of start-up, and only the dashboard page draws charts:
:mod:`cstrainer.gui.qt` leaves it out and :mod:`cstrainer.gui.widgets.charts` imports it from here.
"""

from __future__ import annotations

from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractSeries,
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

__all__ = [
    "QAbstractAxis",
    "QAbstractSeries",
    "QAreaSeries",
    "QBarCategoryAxis",
    "QBarSeries",
    "QBarSet",
    "QCategoryAxis",
    "QChart",
    "QChartView",
    "QDateTimeAxis",
    "QLineSeries",
    "QPolarChart",
    "QValueAxis",
]
