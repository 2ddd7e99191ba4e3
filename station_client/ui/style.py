"""One look across the app (issue 16, defect 9): the primary action of every form, status chips that read the
same in every list, and colours that pass WCAG AA (4.5:1 for text).

* ``install(app)`` sets the application style sheet. Its one rule marks the *default* button of a page or
  dialog (``QPushButton.setDefault(True)``: "Lưu", "Tiếp nhận", "Đăng nhập") as the primary action, so a
  form needs nothing but the ``setDefault`` it has for Enter.
* ``CHIPS`` is the palette of states a list shows (overdue, due today, synced, waiting to be sent, conflict,
  refused). A column gives its chip state with ``Column(chip=...)`` (``ui/models.py``) and the list paints it
  with ``ChipDelegate`` (``use_chips(view)``), the same pill in the resident, household, dossier and register
  lists.
* ``SPACE`` is the spacing scale: a page's margins, the rows of a form, the buttons of a bar, the gap between the
  sections of a page. ``install(app)`` makes it the default (``SpacingGuard``: a layout that sets nothing takes
  the page margin and the row gap, whatever the platform's style would give: Fusion 9/6, Windows 11/9 and
  per-control gaps); a layout that needs another value takes it from ``SPACE`` by name, never a bare number.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QMargins, QModelIndex, QObject, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFormLayout,
    QGridLayout,
    QLayout,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

CHIP_ROLE = Qt.ItemDataRole.UserRole + 7  # a cell's chip state (a key of CHIPS) or None


@dataclass(frozen=True)
class SpacingScale:
    """Every margin and gap of the app's layouts, in logical pixels (scaled with ``QT_SCALE_FACTOR``)."""

    none: int = 0  # a layout inside a page that already has its margins
    tight: int = 2  # a field and the error under it
    small: int = 4  # the ends of the status bar
    row: int = 6  # between the rows of a form and the widgets of a row (Qt's default gap)
    buttons: int = 8  # between the buttons of a button bar
    page: int = 10  # a page's, a dialog's and a group box's margins (Qt's default margin)
    section: int = 16  # between the sections of a page (group boxes, a list and what follows it)
    card: int = 24  # inside the login and first-run card

    def values(self) -> frozenset[int]:
        return frozenset(vars(self).values())


SPACE = SpacingScale()


def margins(horizontal: int, vertical: int | None = None) -> QMargins:
    """Margins from the scale: ``margins(SPACE.none)``, ``margins(SPACE.small, SPACE.none)``."""
    v = horizontal if vertical is None else vertical
    return QMargins(horizontal, v, horizontal, v)


_POLISH = QEvent.Type.Polish


def on_scale(layout: QLayout, *, nested: bool = False) -> None:
    """Put ``layout`` and the layouts nested in it on the scale: a margin or gap the scale does not know (the
    platform style's default: Fusion's 9 and 6, Windows' 11, 9 and per-control gaps) becomes the scale's (a
    page's margin, or none for a nested layout whose widget has its margins already; the row gap). Values from
    the scale, set by the page, stay."""
    scale = SPACE.values()
    m = layout.contentsMargins()
    sides = [m.left(), m.top(), m.right(), m.bottom()]
    if any(v not in scale for v in sides):
        default = SPACE.none if nested else SPACE.page
        layout.setContentsMargins(*(v if v in scale else default for v in sides))
    if isinstance(layout, (QFormLayout, QGridLayout)):
        if layout.horizontalSpacing() not in scale:
            layout.setHorizontalSpacing(SPACE.row)
        if layout.verticalSpacing() not in scale:
            layout.setVerticalSpacing(SPACE.row)
    elif layout.spacing() not in scale:
        layout.setSpacing(SPACE.row)
    for i in range(layout.count()):
        item = layout.itemAt(i)
        child = item.layout() if item is not None else None
        if child is not None:
            on_scale(child, nested=True)


class SpacingGuard(QObject):
    """The application event filter that puts every widget's layouts on the scale when the widget is first
    polished (before it is shown). An event filter, not a style: a style's ``pixelMetric`` written in Python
    is called with null arguments thousands of times a second, and PySide 6 drops a reference to None on each
    call until the interpreter aborts ("none_dealloc")."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == _POLISH and isinstance(watched, QWidget):
            layout = watched.layout()
            if layout is not None:
                on_scale(layout)
        return False


_guard: SpacingGuard | None = None


@dataclass(frozen=True)
class Chip:
    foreground: str
    background: str


CHIPS: dict[str, Chip] = {
    "overdue": Chip("#8c1d18", "#fde7e4"),
    "due_today": Chip("#6d3a00", "#ffefcc"),
    "synced": Chip("#1b5e20", "#e3f2e5"),
    "pending": Chip("#37474f", "#e8edf2"),
    "conflict": Chip("#5b1a86", "#f1e4f8"),
    "rejected": Chip("#7b1f1f", "#f6dada"),
}
PRIMARY = Chip("#ffffff", "#0b57d0")  # the default button
PRIMARY_HOVER = "#0842a0"
PRIMARY_DISABLED = Chip("#5f6368", "#dfe3e8")

STYLE_SHEET = f"""
QPushButton:default {{
    color: {PRIMARY.foreground}; background: {PRIMARY.background};
    border: 1px solid {PRIMARY_HOVER}; border-radius: 4px; padding: 4px 12px; min-height: 20px;
}}
QPushButton:default:hover, QPushButton:default:focus {{ background: {PRIMARY_HOVER}; }}
QPushButton:default:disabled {{
    color: {PRIMARY_DISABLED.foreground}; background: {PRIMARY_DISABLED.background}; border-color: #c4c9cf;
}}
"""


def _luminance(colour: str) -> float:
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def install(app: QApplication) -> None:
    """The spacing scale on every layout (``SpacingGuard``) and the app-wide style sheet (once; widgets' own
    sheets still apply on top)."""
    global _guard
    if _guard is None:
        _guard = SpacingGuard(app)
        app.installEventFilter(_guard)
    if STYLE_SHEET not in app.styleSheet():
        app.setStyleSheet(app.styleSheet() + STYLE_SHEET)


class ChipDelegate(QStyledItemDelegate):
    """Paints a cell that has a chip state as a rounded pill in the state's colours; other cells as usual."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        state = index.data(CHIP_ROLE)
        chip = CHIPS.get(state) if isinstance(state, str) else None
        if chip is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)  # selection, focus
        metrics = opt.fontMetrics
        rect = QRectF(opt.rect).adjusted(3, 3, -3, -3)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()) - 12)
        pill = QRectF(rect.left(), rect.top(), min(rect.width(), metrics.horizontalAdvance(shown) + 14),
                      rect.height())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(chip.background))
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setPen(QColor(chip.foreground))
        painter.setFont(opt.font)
        painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), shown)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex):  # type: ignore[no-untyped-def]
        size = super().sizeHint(option, index)
        if index.data(CHIP_ROLE):
            size.setWidth(size.width() + 16)
        return size


def use_chips(view: QAbstractItemView) -> ChipDelegate:
    """Paint ``view``'s chip cells as chips (one delegate per view)."""
    delegate = ChipDelegate(view)
    view.setItemDelegate(delegate)
    return delegate


__all__ = ["CHIPS", "CHIP_ROLE", "PRIMARY", "SPACE", "Chip", "ChipDelegate", "SpacingGuard", "SpacingScale", "contrast",
           "install", "margins", "on_scale", "use_chips"]
