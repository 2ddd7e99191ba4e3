"""Qt models over big store tables: rows fetched lazily, in windows, off the GUI thread; change sets refresh them.

``WindowedModel`` never loads a table. It knows the list's shape (max ``n`` and the few deleted ``n``), asks a
reader thread for a window of ``PAGE`` rows when the view paints one it does not have, shows "…" meanwhile, and
keeps at most ``MAX_PAGES`` windows. A change set for its kind reloads the shape and drops the cache; the view
keeps its scroll position.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ..store import ChangeSet
from ..store.lists import ListShape, fetch_window, list_shape
from .context import AppContext
from .style import CHIP_ROLE, CHIPS

Index = QModelIndex | QPersistentModelIndex
PLACEHOLDER = "…"


@dataclass(frozen=True)
class Column:
    key: str
    title: Callable[[], str]
    format: Callable[[Any], str] = lambda v: "" if v is None else str(v)
    # The cell's status chip (a key of ``style.CHIPS``: "overdue", "synced", …) from its row, or None.
    chip: Callable[[Any], str | None] | None = None


def row_value(row: Any, key: str) -> Any:
    """A field of a list row: a dict, a sqlite3.Row or a dataclass (a search hit)."""
    if isinstance(row, dict):
        return row.get(key)
    try:
        return row[key]
    except (KeyError, IndexError, TypeError):
        return getattr(row, key, None)


def sync_chip(row: Any) -> str | None:
    """The chip of a record's sync state ("synced", "pending", "conflict", "rejected")."""
    value = row_value(row, "sync_state")
    return value if value in CHIPS else None


def due_chip(row: Any) -> str | None:
    """The chip of a deadline a list row carries as ``_due_state`` ("overdue", "due_today")."""
    value = row_value(row, "_due_state")
    return value if value in CHIPS else None


class WindowedModel(QAbstractTableModel):
    PAGE = 200
    MAX_PAGES = 50
    loaded = Signal()  # the shape arrived (first time or after a change)

    def __init__(self, context: AppContext, table: str, kind: str, columns: Sequence[Column]):
        super().__init__()
        self.context = context
        self.table = table
        self.kind = kind
        self.columns = list(columns)
        self.shape = ListShape(0)
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._loading: set[int] = set()
        self._stale: set[int] = set()  # cached windows shown until their fresh copy arrives (no flicker)
        self._generation = 0  # bumped on every refresh: windows asked before it are dropped
        context.changed.connect(self._changed)
        self.refresh()

    # -------------------------------------------------------------- Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.shape.rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title()
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole,
                                               Qt.ItemDataRole.ToolTipRole, CHIP_ROLE):
            return None
        row = self.row_at(index.row())
        if row is None:
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.UserRole:
            return row["id"]
        col = self.columns[index.column()]
        if role == CHIP_ROLE:
            return col.chip(row) if col.chip is not None else None
        return col.format(row[col.key])  # ToolTipRole too: the whole text of a cell the column elides

    # ----------------------------------------------------------------- rows
    def row_at(self, row: int) -> Any | None:
        """The cached row, or None after asking for its window."""
        page = row // self.PAGE
        rows = self._pages.get(page)
        if rows is None:
            self._request(page)
            return None
        offset = row - page * self.PAGE
        if page in self._stale or offset >= len(rows):
            self._request(page)
        self._pages.move_to_end(page)
        return rows[offset] if offset < len(rows) else None

    def record_id(self, row: int) -> str | None:
        r = self.row_at(row)
        return None if r is None else str(r["id"])

    def _request(self, page: int) -> None:
        if page in self._loading:
            return
        self._loading.add(page)
        generation, shape = self._generation, self.shape
        start_n = shape.n_of_row(page * self.PAGE)
        table, size = self.table, self.PAGE
        self.context.tasks.run(lambda conn: fetch_window(conn, table, start_n, size),
                               lambda rows: self._arrived(generation, page, rows),
                               lambda exc: self._loading.discard(page), on="read")

    def _arrived(self, generation: int, page: int, rows: list[Any]) -> None:
        self._loading.discard(page)
        if generation != self._generation:
            return
        self._stale.discard(page)
        self._pages[page] = [dict(r) for r in rows]
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * self.PAGE
        last = min(first + len(rows), self.shape.rows) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    # -------------------------------------------------------------- refresh
    def refresh(self) -> None:
        self._generation += 1
        generation, table = self._generation, self.table
        self.context.tasks.run(lambda conn: list_shape(conn, table), lambda s: self._shaped(generation, s),
                               on="read")

    def _shaped(self, generation: int, shape: ListShape) -> None:
        if generation != self._generation:
            return
        old = self.shape
        self._loading.clear()
        if shape.deleted == old.deleted and shape.max_n >= old.max_n:
            # Rows kept their places: show what is cached while each visible window is read again.
            self._stale = set(self._pages)
            if shape.rows > old.rows:  # appended: the common case (a save, a pulled page)
                self.beginInsertRows(QModelIndex(), old.rows, shape.rows - 1)
                self.shape = shape
                self.endInsertRows()
            else:
                self.shape = shape
            if shape.rows:
                self.dataChanged.emit(self.index(0, 0), self.index(shape.rows - 1, len(self.columns) - 1))
        else:
            self._generation += 1  # windows asked under the old shape map rows to other records
            self.beginResetModel()
            self._pages.clear()
            self._stale.clear()
            self.shape = shape
            self.endResetModel()
        self.loaded.emit()

    def _changed(self, changes: ChangeSet) -> None:
        if self.kind in changes.kinds:
            self.refresh()


class ListModel(QAbstractTableModel):
    """A short list already in memory (search hits, members): rows are objects or dicts."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Any] = ()):
        super().__init__()
        self.columns = list(columns)
        self.rows = list(rows)

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title()
        return None

    def _get(self, row: Any, key: str) -> Any:
        return row.get(key) if isinstance(row, dict) else getattr(row, key, None)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return self._get(row, "id")
        if role == CHIP_ROLE:
            col = self.columns[index.column()]
            return col.chip(row) if col.chip is not None else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):  # tip: the whole of an elided cell
            col = self.columns[index.column()]
            return col.format(self._get(row, col.key))
        return None

    def record_id(self, row: int) -> str | None:
        return self._get(self.rows[row], "id") if 0 <= row < len(self.rows) else None
