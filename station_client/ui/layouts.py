"""Layout helpers shared by pages that rebuild part of themselves (action buttons, a conflict's rows), button bars
spaced from the scale (``ui/style.py``: ``SPACE``), and the sizing of top-level windows to the screen they open
on."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLayout, QLayoutItem, QTableView, QWidget

from .style import SPACE, margins


def button_bar() -> QHBoxLayout:
    """A row of buttons ("Hủy", "Lưu"), spaced as every button bar of the app (``SPACE.buttons``)."""
    bar = QHBoxLayout()
    bar.setSpacing(SPACE.buttons)
    return bar


def elide_titles(view: QTableView) -> None:
    """A column title too long for its column ends in "…": Qt's default cut a centred title at both ends ("ne /
    descrip" for "Name / description" in the petition intake's parties, in English on a netbook)."""
    view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)


def clear_layout(layout: QLayout) -> None:
    """Take every item out of ``layout``; its widgets are deleted once control returns to the event loop."""
    while layout.count():
        item = layout.takeAt(0)
        if item is not None and item.widget() is not None:
            item.widget().deleteLater()


def fit_to_screen(window: QWidget, preferred: QSize, *, anchor: QWidget | None = None) -> QSize:
    """Resize a top-level ``window`` to ``preferred`` or to the available geometry of its screen (the screen
    less its task bars, less ~40 px for a title bar) when that is smaller. Returns the size set. A print preview
    fixed at 900×1000 hid the bottom of the receipt on a 768-pixel screen (issue 16)."""
    screen = (anchor.screen() if anchor is not None else None) or window.screen() or QGuiApplication.primaryScreen()
    size = QSize(preferred)
    if screen is not None:
        available = screen.availableGeometry()
        size = preferred.boundedTo(QSize(available.width() - 16, available.height() - 40))
    window.resize(size)
    return size


def focus_into(widget: QWidget) -> None:
    """Give the keyboard to ``widget``: its focus proxy if it has one, else the first visible, enabled widget
    of its focus chain that takes Tab; the page itself if none does (its shortcuts then work all the same)."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    focused = widget.window().focusWidget()
    if focused is not None and focused is not widget and widget.isAncestorOf(focused) and focused.isVisible():
        return
    child = widget.nextInFocusChain()
    while child is not None and child is not widget:
        if widget.isAncestorOf(child) and child.isVisible() and child.isEnabled() \
                and child.focusPolicy().value & Qt.FocusPolicy.TabFocus.value:
            child.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        child = child.nextInFocusChain()


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the row is full (Qt's flow layout example): a
    row of action buttons that made a page wider than a 1024-pixel screen wraps instead."""

    def __init__(self, parent: QWidget | None = None, spacing: int = SPACE.buttons):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(margins(SPACE.none))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line > 0:
                x, y, line = area.x(), y + line + self.spacing(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing()
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


class ColumnFitter(QObject):
    """Fits a list's columns to its width, again whenever the list is resized: dates, codes and countdowns as
    wide as their content; names and statuses as wide as their content up to a cap, and narrower still (elided,
    the whole text is the cell's tip) when the list is narrow; the free text takes what is left. At 1024×600 a
    long name pushed the deadline columns ("Hạn", "Còn lại") off the right edge behind a scroll bar."""

    def __init__(self, table: QTableView, keys: Callable[[], list[str]], *, stretch: tuple[str, ...],
                 capped: dict[str, int], floor: int = 60, text_min: int = 110):
        super().__init__(table)
        self.table, self.keys, self.stretch, self.capped = table, keys, stretch, capped
        self.floor, self.text_min = floor, text_min
        self.viewport = table.viewport()
        self.viewport.installEventFilter(self)

    def fit(self) -> None:
        table = self.table
        header = table.horizontalHeader()
        header.setMinimumSectionSize(40)
        natural: dict[int, int] = {}
        capped: dict[int, int] = {}
        stretched = 0
        for col, key in enumerate(self.keys()):
            wanted = max(table.sizeHintForColumn(col), header.sectionSizeHint(col))
            if key in self.stretch:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
                stretched += 1
            elif key in self.capped:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                capped[col] = min(wanted, self.capped[key])
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
                natural[col] = wanted
        room = table.viewport().width() - self.text_min * stretched
        over = sum(natural.values()) + sum(capped.values()) - room
        if over > 0 and capped:  # taken from the capped columns, in proportion to what each can give
            give = {c: max(0, w - self.floor) for c, w in capped.items()}
            total = sum(give.values()) or 1
            capped = {c: w - min(give[c], -(-over * give[c] // total)) for c, w in capped.items()}
        for col, width in (natural | capped).items():
            header.resizeSection(col, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The viewport still gets events while the table is being destroyed: look at the table only when alive.
        if event.type() == QEvent.Type.Resize and watched is self.viewport and shiboken6.isValid(self.table) \
                and self.table.model() is not None and self.table.model().rowCount():
            self.fit()
        return False
