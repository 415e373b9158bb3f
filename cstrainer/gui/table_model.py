"""A read-only table model over a list of dataclasses (or any records), column by column.

Views never hold ORM objects or dictionaries: a page loads plain records from a service on the
database thread and hands the list to :meth:`RecordTableModel.set_rows` on the UI thread. Later
pages (question lists, results, phrases) reuse this with their own :class:`Column` lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from cstrainer.gui.qt import (
    QColor,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    QStandardItem,
    QStandardItemModel,
    Qt,
)

T = TypeVar("T")

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


def local_time(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware UTC timestamp from a service, shown in the computer's local time."""
    return dt.astimezone().strftime(fmt) if dt else ""


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its (translated) title and how to get the text, sort key and colour of a cell."""

    title: str
    text: Callable[[T], str]
    sort_key: Callable[[T], Any] | None = None
    foreground: Callable[[T], QColor | None] | None = None
    tooltip: Callable[[T], str] | None = None
    align_right: bool = False


class RecordTableModel(QStandardItemModel, Generic[T]):
    """Rows of records, one item per cell, filled when the rows are set.

    The cells live in Qt's own item model, so painting a table never calls back into Python: a
    view asks about seven roles of every visible cell, and answering them from Python made a page
    with a few hundred rows take 25-50 ms to paint. Filling costs a few microseconds a cell, once
    per change of the rows (:meth:`set_rows`; equal rows change nothing).
    """

    def __init__(self, columns: Sequence[Column[T]], parent: QObject | None = None) -> None:
        super().__init__(0, len(columns), parent)
        self._columns = list(columns)
        self._rows: list[T] = []
        self.setHorizontalHeaderLabels([c.title for c in self._columns])

    # --- data in and out -------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[T]) -> None:
        rows = list(rows)
        if rows == self._rows:
            # Pages reload when shown; when nothing changed, a reset would only make the view
            # measure and repaint every row again (and lose the scroll position).
            return
        self.beginResetModel()
        self.blockSignals(True)  # one reset for the views, not a signal per row
        try:
            self.setRowCount(0)
            self._rows = rows
            columns = self._columns
            for record in rows:
                cells = [self._item(record, column) for column in columns]
                if cells:  # the record rides on the row's first cell (views ask column 0)
                    cells[0].setData(record, RECORD_ROLE)
                self.appendRow(cells)
        finally:
            self.blockSignals(False)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def record(self, row: int) -> T:
        return self._rows[row]

    def find(self, predicate: Callable[[T], bool]) -> int:
        """The row of the first record matching ``predicate``, or -1."""
        return next((i for i, r in enumerate(self._rows) if predicate(r)), -1)

    def refresh_all(self) -> None:
        """Recompute every cell (a lookup the cells show, such as a brand name, has changed).

        One ``dataChanged`` over the whole table, never a bare ``layoutChanged``: without its
        ``layoutAboutToBeChanged`` a sort/filter proxy keeps stale mappings for the selection's
        persistent indexes, and the next paint of the header crashes.
        """
        rows, columns = len(self._rows), len(self._columns)
        if not rows or not columns:
            return
        self.blockSignals(True)
        try:
            for r, record in enumerate(self._rows):
                for c, column in enumerate(self._columns):
                    item = self.item(r, c)
                    if item is not None:
                        self._fill(item, record, column)
        finally:
            self.blockSignals(False)
        self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))

    # --- cells -----------------------------------------------------------------------------------

    @staticmethod
    def _item(record: T, column: Column[T]) -> QStandardItem:
        text = column.text(record)
        item = QStandardItem(text)
        item.setFlags(_FLAGS)
        if column.align_right:
            item.setData(_RIGHT, Qt.ItemDataRole.TextAlignmentRole)
        RecordTableModel._fill(item, record, column, text)
        return item

    @staticmethod
    def _fill(item: QStandardItem, record: Any, column: Column[Any], text: str | None = None) -> None:
        if text is None:
            text = column.text(record)
            item.setData(text, Qt.ItemDataRole.DisplayRole)
        if column.sort_key:  # other columns sort by their text (see filter_proxy)
            key = column.sort_key(record)
            item.setData(key if isinstance(key, int | float | str) else str(key), SORT_ROLE)
        if column.foreground:
            item.setData(column.foreground(record), Qt.ItemDataRole.ForegroundRole)
        if column.tooltip:
            item.setData(column.tooltip(record), Qt.ItemDataRole.ToolTipRole)


_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class _RecordProxy(QSortFilterProxyModel):
    """Sorts a :class:`RecordTableModel` column by its sort key, or by its text when it has none
    (the cells keep a sort key only where it differs from the text)."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        keyed = (
            isinstance(source, RecordTableModel)
            and 0 <= column < len(source._columns)
            and source._columns[column].sort_key is not None
        )
        self.setSortRole(SORT_ROLE if keyed else Qt.ItemDataRole.DisplayRole)
        super().sort(column, order)


def filter_proxy(model: RecordTableModel[Any], parent: QObject | None = None) -> QSortFilterProxyModel:
    """A proxy that sorts by each column's sort key and filters on the text of every column."""
    proxy = _RecordProxy(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy
