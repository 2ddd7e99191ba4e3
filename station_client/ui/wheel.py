"""No value changes under a passing mouse wheel (issue 16, defect 1).

One notch over the intake's procedure combo, while the officer scrolled the form, turned "Đăng ký tạm trú" into
"Đăng ký xe": deadline, checklist, fee and receipt changed with no warning. An application-wide event filter
(installed once, by ``install``) makes every combo box, spin box and date/time field anywhere in the app

* take focus by click or Tab only (``Qt.StrongFocus``, not Qt's default ``WheelFocus``), and
* ignore the wheel unless it has focus: the wheel then scrolls the nearest enclosing scroll area instead, as
  it would over any label of the form.

A focused field still takes the wheel (the officer chose it on purpose).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QComboBox, QAbstractSpinBox)  # QSpinBox, QDoubleSpinBox, QDateEdit, QTimeEdit, QDateTimeEdit
_WHEEL = QEvent.Type.Wheel
_POLISH = QEvent.Type.Polish


def guarded(widget: QObject) -> bool:
    return isinstance(widget, GUARDED)


def _enclosing_scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


class WheelGuard(QObject):
    """The application event filter. Cheap for every other event: two integer comparisons."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == _POLISH:
            if guarded(watched) and watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:  # type: ignore[attr-defined]
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # type: ignore[attr-defined]
            return False
        if kind != _WHEEL or not guarded(watched):
            return False
        assert isinstance(watched, QWidget)
        if watched.hasFocus():
            return False
        area = _enclosing_scroll_area(watched)
        if area is not None and isinstance(event, QWheelEvent):
            vertical = abs(event.angleDelta().y()) >= abs(event.angleDelta().x())
            bar = area.verticalScrollBar() if vertical else area.horizontalScrollBar()
            if bar is not None and bar.isVisible():
                QApplication.sendEvent(bar, event)
        return True  # consumed: the guarded widget never sees it


_guard: WheelGuard | None = None


def install(app: QApplication) -> WheelGuard:
    """Install the filter on ``app`` (once; later calls return the same filter)."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
    return _guard
