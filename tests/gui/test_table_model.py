"""The record table model behind the list pages, under a sort/filter proxy with a selection."""

from __future__ import annotations

from typing import Any

from cstrainer.gui.qt import QItemSelectionModel, QTableView
from cstrainer.gui.table_model import Column, RecordTableModel, filter_proxy

NAMES = {"qinyu": "沁屿"}


def test_refresh_all_repaints_without_breaking_the_selection(qtbot: Any) -> None:
    # GIVEN a sorted, filtered table with a selected row whose brand name is not known yet
    model: RecordTableModel[tuple[str, str]] = RecordTableModel(
        [
            Column("编号", lambda r: r[0]),
            Column("品牌", lambda r: NAMES.get(r[1], r[1])),
        ]
    )
    model.set_rows([(f"q{i:03d}", "qinyu" if i % 2 else "qingkuo") for i in range(200)])
    proxy = filter_proxy(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, view.horizontalHeader().sortIndicatorOrder())
    view.show()
    selection = view.selectionModel()
    selection.select(
        proxy.index(5, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    changed: list[Any] = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row(), b.column())))
    # WHEN the brand names arrive and every cell is refreshed (many times, with repaints)
    NAMES["qingkuo"] = "轻廓"
    for _ in range(20):
        model.refresh_all()
        view.viewport().repaint()
        view.horizontalHeader().repaint()
    # THEN the cells show the names, the selection is intact and one dataChanged covers the table
    assert proxy.data(proxy.index(0, 1)) in {"沁屿", "轻廓"}
    assert selection.hasSelection() and selection.selectedRows()[0].row() == 5
    assert changed[0] == (0, 199, 1)
