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
  sections of a page. ``install(app)`` makes it Qt's default (``SpacingStyle``: every layout that sets nothing
  takes the page margin and the row gap, whatever the platform's style would give: Fusion 9/6, Windows 11/9 and
  per-control gaps); a layout that needs another value takes it from ``SPACE`` by name, never a bare number.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass

from PySide6.QtCore import QMargins, QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QProxyStyle,
    QStyle,
    QStyledItemDelegate,
    QStyleFactory,
    QStyleOption,
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

_MARGINS = {QStyle.PixelMetric.PM_LayoutLeftMargin, QStyle.PixelMetric.PM_LayoutTopMargin,
            QStyle.PixelMetric.PM_LayoutRightMargin, QStyle.PixelMetric.PM_LayoutBottomMargin}
_GAPS = {QStyle.PixelMetric.PM_LayoutHorizontalSpacing, QStyle.PixelMetric.PM_LayoutVerticalSpacing}


class SpacingStyle(QProxyStyle):
    """The platform's style with the spacing scale as its layout defaults: the same margins and gaps on the
    station's Windows PCs as under Fusion in the tests."""

    def pixelMetric(self, metric: QStyle.PixelMetric, option: QStyleOption | None = None,
                    widget: QWidget | None = None) -> int:
        if metric in _MARGINS:
            return SPACE.page
        if metric in _GAPS:
            return SPACE.row
        return super().pixelMetric(metric, option, widget)


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
    """The spacing scale as the layout defaults and the app-wide style sheet (once; widgets' own sheets still
    apply on top). The style goes first: a style set after the sheet would be wrapped again."""
    if not app.property("spacing_style"):
        base = app.style().name() or "fusion"
        app.setStyle(SpacingStyle(base))
        app.setProperty("spacing_style", True)
        # A style written in Python must not outlive the interpreter: widgets destroyed while it finalizes would
        # call into a half torn-down Python object. The platform's own style takes over at exit.
        atexit.register(lambda: QApplication.instance() is app and app.setStyle(QStyleFactory.create(base)))
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


__all__ = ["CHIPS", "CHIP_ROLE", "PRIMARY", "SPACE", "Chip", "ChipDelegate", "SpacingScale", "SpacingStyle", "contrast",
           "install", "margins", "use_chips"]
