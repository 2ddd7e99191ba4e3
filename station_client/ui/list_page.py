"""The scaffolding every register section is built on, written once: the list page (a search box that waits for
the officer to stop typing, a count line, a read-only table, the section's buttons around the search) and the
stack that holds it with the section's other pages (intake, detail, form).

The dossiers, residents, households and reports sections each build their list page here; what differs between
them (the columns, how a search runs, how wide a column is) stays in the section."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .layouts import elide_titles
from .style import SPACE, margins, use_chips


def list_table(name: str, model: QAbstractItemModel) -> QTableView:
    """A read-only list of records: whole rows, one at a time, chips for states, no row numbers."""
    table = QTableView()
    elide_titles(table)
    table.setTabKeyNavigation(False)  # a read-only list: arrows move in it, Tab leaves it
    table.setObjectName(name)
    table.setModel(model)
    use_chips(table)  # the sync or due state as the same chip in every list
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    return table


class ListPage(QWidget):
    """Search, count and table of one section. ``on_search`` runs once the officer has paused ``delay_ms``;
    ``leading`` widgets stand left of the search box (filters), ``trailing`` ones right of it (buttons)."""

    def __init__(self, name: str, model: QAbstractItemModel, *, delay_ms: int, on_search: Callable[[], None],
                 leading: Sequence[QWidget] = (), trailing: Sequence[QWidget] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName(f"{name}_search")
        self.search.setClearButtonEnabled(True)
        self.delay = QTimer(self, singleShot=True, interval=delay_ms)
        self.delay.timeout.connect(on_search)
        self.search.textChanged.connect(lambda _t: self.delay.start())
        self.count = QLabel()
        self.table = list_table(f"{name}_table", model)
        top = QHBoxLayout()
        for w in leading:
            top.addWidget(w)
        top.addWidget(self.search, 1)
        for w in trailing:
            top.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.count)
        lay.addWidget(self.table, 1)


def stack_pages(owner: QWidget, pages: Sequence[QWidget]) -> QStackedWidget:
    """The section's pages, one shown at a time, filling ``owner`` edge to edge (the first page is the list)."""
    stack = QStackedWidget()
    for page in pages:
        stack.addWidget(page)
    layout = QVBoxLayout(owner)
    layout.setContentsMargins(margins(SPACE.none))
    layout.addWidget(stack)
    return stack


def section_shortcuts(owner: QWidget, keys: dict[str, Callable[[], object]]) -> None:
    """Shortcuts (``Ctrl+F``, ``Ctrl+N``) that work while the focus is anywhere in the section, not elsewhere."""
    for key, slot in keys.items():
        QShortcut(QKeySequence(key), owner, activated=slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)


def focus_follows_page(owner: QWidget, stack: QStackedWidget, search: QWidget,
                       first_field: Callable[[], QWidget]) -> None:
    """The section's focus goes to the search while the list is shown, to the form's first field while the form
    is: the search kept as proxy under the form took one Tab of the chain to where typing went unseen."""
    owner.setFocusProxy(search)
    stack.currentChanged.connect(
        lambda _i: owner.setFocusProxy(search if stack.currentWidget() is stack.widget(0) else first_field()))
