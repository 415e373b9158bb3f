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
    QAbstractTableModel,
    QColor,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
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


class RecordTableModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[Column[T]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = []

    # --- data in and out -------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[T]) -> None:
        rows = list(rows)
        if rows == self._rows:
            # Pages reload when shown; when nothing changed, a reset would only make the view
            # measure and repaint every row again (and lose the scroll position).
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def record(self, row: int) -> T:
        return self._rows[row]

    def find(self, predicate: Callable[[T], bool]) -> int:
        """The row of the first record matching ``predicate``, or -1."""
        return next((i for i, r in enumerate(self._rows) if predicate(r)), -1)

    # --- QAbstractTableModel ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        record = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == SORT_ROLE:
            key = column.sort_key(record) if column.sort_key else column.text(record)
            return key if isinstance(key, int | float | str) else str(key)
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground:
            return column.foreground(record)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(record)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def refresh_all(self) -> None:
        """Repaint every cell (a lookup the cells show, such as a brand name, has changed).

        This is a ``dataChanged`` over the whole table, never a bare ``layoutChanged``: without
        its ``layoutAboutToBeChanged`` a sort/filter proxy keeps stale mappings for the selection's
        persistent indexes, and the next paint of the header crashes.
        """
        rows, columns = self.rowCount(), self.columnCount()
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def filter_proxy(model: RecordTableModel[Any], parent: QObject | None = None) -> QSortFilterProxyModel:
    """A proxy that sorts by each column's sort key and filters on the text of every column."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy
