"""Layout helpers shared by pages that rebuild part of themselves (action buttons, a conflict's rows), and the
sizing of top-level windows to the screen they open on."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


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

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

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
