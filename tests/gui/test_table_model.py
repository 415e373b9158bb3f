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


def test_setting_the_same_rows_again_does_not_reset_the_view(qtbot: Any) -> None:
    # Pages reload when shown; unchanged rows must not make the view measure and repaint again.
    model: RecordTableModel[tuple[str, int]] = RecordTableModel([Column("名称", lambda r: r[0])])
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.set_rows([("甲", 1), ("乙", 2)])
    model.set_rows([("甲", 1), ("乙", 2)])  # equal rows: nothing happens
    assert len(resets) == 1
    model.set_rows([("甲", 1), ("丙", 3)])  # a change: reset as before
    assert len(resets) == 2 and model.record(1) == ("丙", 3)


def test_a_left_page_keeps_its_column_widths_until_its_data_changes(qtbot: Any) -> None:
    from cstrainer.gui.main_window import freeze_columns
    from cstrainer.gui.qt import QHeaderView, QVBoxLayout, QWidget

    # GIVEN a page whose table sizes a column to its contents
    page = QWidget()
    model: RecordTableModel[str] = RecordTableModel(
        [Column("名称", lambda r: r), Column("备注", lambda r: "")]
    )
    view = QTableView()
    view.setModel(filter_proxy(model))
    QVBoxLayout(page).addWidget(view)
    header = view.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    qtbot.addWidget(page)
    model.set_rows(["短", "一个相当长的商品名称用来撑开这一列"])
    page.show()
    qtbot.waitExposed(page)
    width = header.sectionSize(0)
    # WHEN the page is left
    freeze_columns(page)
    # THEN the column keeps its width without measuring the rows again
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive
    assert header.sectionSize(0) == width
    assert header.sectionResizeMode(1) == QHeaderView.ResizeMode.Interactive  # untouched
    # AND when its data changes it fits the contents again
    model.set_rows(["短"])
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.ResizeToContents
    qtbot.waitUntil(lambda: header.sectionSize(0) < width)


def test_cells_sort_by_their_keys_carry_the_record_and_cannot_be_edited(qtbot: Any) -> None:
    from cstrainer.gui.qt import QColor, Qt
    from cstrainer.gui.table_model import RECORD_ROLE

    # GIVEN records whose numbers sort differently from their text, one coloured column
    model: RecordTableModel[tuple[str, int]] = RecordTableModel(
        [
            Column("名称", lambda r: r[0], foreground=lambda r: QColor("red") if r[1] > 9 else None),
            Column("数量", lambda r: str(r[1]), sort_key=lambda r: r[1], align_right=True),
        ]
    )
    model.set_rows([("甲", 10), ("乙", 9), ("丙", 100)])
    proxy = filter_proxy(model)
    # WHEN sorted by the number column
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    # THEN the order is numeric (9, 10, 100), not textual (10, 100, 9)
    assert [proxy.index(r, 1).data() for r in range(3)] == ["9", "10", "100"]
    # (a column without a sort key sorts by its text)
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == sorted(["甲", "乙", "丙"])
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    # AND each row's first cell carries its record, for the pages' selections
    assert proxy.index(0, 0).data(RECORD_ROLE) == ("乙", 9)
    assert model.record(2) == ("丙", 100)
    # AND colour, alignment and flags are as the columns say: nothing is editable
    assert proxy.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is None
    assert proxy.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole)
    flags = proxy.index(0, 0).flags()
    assert flags & Qt.ItemFlag.ItemIsSelectable and not flags & Qt.ItemFlag.ItemIsEditable
    # AND a filter on the text of any column works
    proxy.setFilterFixedString("丙")
    assert proxy.rowCount() == 1
