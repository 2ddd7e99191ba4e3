"""Issue 16, item 9 (consistent spacing): every margin and gap of every page's layouts comes from the one spacing
scale (``ui/style.py``: ``SPACE``), on the pages, forms and dialogs the app builds, and the scale is Qt's default
whatever the platform's style would give."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLayout,
    QStyle,
    QWidget,
)

from station_client.ui.style import SPACE

from .conftest import logged_in

# Qt's own composite widgets lay out their insides themselves (a spin box's arrows, a dialog button box's row).
QT_INSIDES = ("QDialogButtonBox", "QCalendarWidget", "QAbstractSpinBox", "QComboBox", "QTabBar", "QScrollBar",
              "QMessageBox", "QFileDialog", "QToolBox", "QChartView")


def _ours(layout: QLayout) -> bool:
    widget = layout.parentWidget()
    while widget is not None:
        if any(widget.inherits(name) for name in QT_INSIDES):
            return False
        widget = widget.parentWidget()
    return True


def _gaps(layout: QLayout) -> list[int]:
    if isinstance(layout, (QFormLayout, QGridLayout)):
        return [layout.horizontalSpacing(), layout.verticalSpacing()]
    if isinstance(layout, QBoxLayout):
        return [layout.spacing()]
    return [layout.spacing()]


def _layouts(root: QWidget) -> Iterator[QLayout]:
    """Each widget's layout and the layouts nested in it, from the widgets down (a layout's Python wrapper found
    with ``findChildren`` may be stale; the widget hands out a live one)."""
    for widget in [root, *root.findChildren(QWidget)]:
        todo = [widget.layout()] if widget.layout() is not None else []
        while todo:
            layout = todo.pop()
            yield layout
            for i in range(layout.count()):
                item = layout.itemAt(i)
                if item is not None and item.layout() is not None:
                    todo.append(item.layout())


def off_scale(root: QWidget) -> list[str]:
    """Every layout under ``root`` (its own included) whose margins or gaps are not values of the scale."""
    scale = SPACE.values()
    bad = []
    for layout in _layouts(root):
        if not _ours(layout):
            continue
        m = layout.contentsMargins()
        values = [m.left(), m.top(), m.right(), m.bottom(), *_gaps(layout)]
        if any(v not in scale for v in values):
            owner = layout.parentWidget()
            bad.append(f"{type(owner).__name__}/{owner.objectName()}/{type(layout).__name__}: {values}")
    return bad


def _every_page(app, qtbot) -> Iterator[tuple[str, QWidget]]:  # type: ignore[no-untyped-def]
    """The walk of the wheel test (sections, forms, registers' lists and intakes, statistics' period kinds), the
    detail pages and the dialogs, and the pages of the window's own stack (login, new password, first run...)."""
    from .test_wheel import _all_pages

    yield from _all_pages(app, qtbot)
    w = app.window
    for page in (w.stack.widget(i) for i in range(w.stack.count())):
        yield f"window/{type(page).__name__}", page
    yield "window", w
    for dialog in w.findChildren(QDialog):
        yield f"dialog/{type(dialog).__name__}", dialog


def test_a_layout_that_sets_nothing_takes_the_scale(qapp) -> None:  # type: ignore[no-untyped-def]
    """Whatever the platform's style gives (Fusion 9/6 here, Windows 11/9 and per-control gaps), a page's
    layout takes the page margin and the row gap, a nested one no margin; a value from the scale stays."""
    from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

    from station_client.ui.app import qapplication

    qapplication()
    metric = QStyle.PixelMetric
    assert QApplication.style().pixelMetric(metric.PM_LayoutLeftMargin) not in SPACE.values()  # Fusion's 9
    page = QWidget()
    form = QFormLayout(page)
    row = QHBoxLayout()
    form.addRow(row)
    chosen = QWidget()
    kept = QVBoxLayout(chosen)
    kept.setSpacing(SPACE.section)
    form.addRow(chosen)
    page.ensurePolished()
    chosen.ensurePolished()
    m = form.contentsMargins()
    assert (m.left(), m.top(), m.right(), m.bottom()) == (SPACE.page,) * 4
    assert (form.horizontalSpacing(), form.verticalSpacing()) == (SPACE.row, SPACE.row)
    assert (row.contentsMargins().left(), row.spacing()) == (SPACE.none, SPACE.row)
    assert kept.spacing() == SPACE.section
    page.deleteLater()


def test_every_page_spaces_itself_from_the_scale(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1024, 570)
    seen, bad = 0, {}
    for name, page in _every_page(app, qtbot):
        qtbot.wait(10)
        seen += 1
        found = off_scale(page)
        if found:
            bad[name] = found
    assert bad == {}
    assert seen >= 20


def test_no_page_spaces_itself_with_a_bare_number() -> None:
    """A margin or gap written as a number in a page module is one the scale does not know: each names its
    ``SPACE`` value (``margins(SPACE.none)``, ``setSpacing(SPACE.section)``)."""
    import re
    from pathlib import Path

    import station_client.ui as ui

    call = re.compile(r"\.(setContentsMargins|setSpacing|setHorizontalSpacing|setVerticalSpacing|addSpacing)"
                      r"\(\s*(\d|QMargins\(\s*\d)")
    bare = [f"{path.relative_to(Path(ui.__file__).parent)}:{n}: {line.strip()}"
            for path in sorted(Path(ui.__file__).parent.rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if call.search(line)]
    assert bare == []


def test_a_card_and_a_dialog_line_their_fields_up_with_their_heading(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """The form inside the login card and inside a dialog had a margin of its own on top of theirs: its labels
    stood 9 pixels in from the heading above and its fields 9 pixels short of the button below."""
    from station_client.ui.households.member_dialog import AddMemberDialog

    from .conftest import make_head

    make_head(data_dir)
    app = app_factory()
    login = app.window.login
    qtbot.waitUntil(login.isVisible)
    first_label = login.form.layout_.itemAt(0).widget()
    assert first_label.mapTo(login, first_label.rect().topLeft()).x() == \
        login.heading.mapTo(login, login.heading.rect().topLeft()).x()
    field = login.form.fields["password"].widget
    right = field.mapTo(login, field.rect().topRight()).x()
    assert right == login.button.mapTo(login, login.button.rect().topRight()).x()
    dialog = AddMemberDialog(app.context, "no-household", app.window)
    dialog.show()
    qtbot.waitUntil(dialog.isVisible)
    label = dialog.form.layout_.itemAt(0).widget()
    left = dialog.search.mapTo(dialog, dialog.search.rect().topLeft()).x()
    assert label.mapTo(dialog, label.rect().topLeft()).x() == left
    dialog.reject()


def test_nothing_in_a_scroll_area_touches_its_frame(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """A scrolled page keeps the page margin inside the area's frame: the resident form, once forms lost their
    own margin, had its labels and fields against the frame."""
    from PySide6.QtWidgets import QScrollArea

    app = logged_in(qtbot, app_factory, data_dir)
    flush = set()
    seen = 0
    for name, page in _every_page(app, qtbot):
        for area in page.findChildren(QScrollArea):
            inner = area.widget()
            if inner is None or inner.layout() is None:
                continue
            seen += 1
            m = inner.layout().contentsMargins()
            if min(m.left(), m.top(), m.right(), m.bottom()) < SPACE.page:
                flush.add(f"{name}: {type(inner).__name__}")
    assert flush == set()
    assert seen >= 4
