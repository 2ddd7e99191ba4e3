"""Layout helpers shared by pages that rebuild part of themselves (action buttons, a conflict's rows), and the
sizing of top-level windows to the screen they open on."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLayout, QWidget


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
