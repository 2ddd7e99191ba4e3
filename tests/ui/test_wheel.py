"""Issue 16, defect 1: one wheel notch over the intake's procedure combo, while scrolling the form, changed the
procedure (and the deadline, the checklist, the fee and the receipt). No combo, spin box or date field anywhere
in the app takes the wheel unless it has focus; the wheel scrolls the form instead."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QDateTimeEdit, QWidget

from .conftest import logged_in


def _wheel(widget: QWidget, notches: int = -1) -> None:
    pos = QPointF(widget.rect().center())
    glob = QPointF(widget.mapToGlobal(QPoint(int(pos.x()), int(pos.y()))))
    event = QWheelEvent(pos, glob, QPoint(0, 0), QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _value(widget: QWidget):  # type: ignore[no-untyped-def]
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTime()
    assert isinstance(widget, QAbstractSpinBox)
    return widget.text()


def _guarded(root: QWidget) -> list[QWidget]:
    found = [*root.findChildren(QComboBox), *root.findChildren(QAbstractSpinBox)]
    return [w for w in found if w.isEnabled()]


def _check_unfocused(qtbot, root: QWidget, where: str) -> int:  # type: ignore[no-untyped-def]
    widgets = _guarded(root)
    for w in widgets:
        w.ensurePolished()
        assert w.focusPolicy() == Qt.FocusPolicy.StrongFocus, (where, w.objectName(), w.focusPolicy())
        if w.hasFocus():
            w.clearFocus()
        if isinstance(w, QComboBox) and w.count() > 1 and w.currentIndex() in (-1, w.count() - 1):
            w.setCurrentIndex(0)  # somewhere a notch could move it
        if isinstance(w, QAbstractSpinBox) and not isinstance(w, QDateTimeEdit):
            w.stepBy(1)  # off the minimum
        before = _value(w)
        for notches in (-1, 1, -3):
            _wheel(w, notches)
        assert _value(w) == before, (where, type(w).__name__, w.objectName(), before, _value(w))
    return len(widgets)


def _all_pages(app, qtbot):  # type: ignore[no-untyped-def]
    """Every section and every form the officer can open from it, as (name, widget)."""
    ws = app.window.workspace
    for s in ws.sections:
        ws.show_section(s.id)
        yield s.id, ws.widgets[s.id]
    residents = ws.widgets["residents"]
    ws.show_section("residents")
    residents.new_person()
    yield "residents/new", residents
    residents.person.cancel()
    households = ws.widgets["households"]
    ws.show_section("households")
    households.new_household()
    yield "households/new", households
    households.show_list()
    dossiers = ws.widgets["dossiers"]
    ws.show_section("dossiers")
    dossiers.new_dossier()
    qtbot.waitUntil(lambda: dossiers.intake.procedure_box.count() > 1)
    yield "dossiers/intake", dossiers
    dossiers.show_list()
    reports = ws.widgets["reports"]
    ws.show_section("reports")
    for kind, register in reports.pages.items():
        reports.tabs.setCurrentWidget(register)
        yield f"reports/{kind}", register
        register.new_entry()
        yield f"reports/{kind}/new", register
        register.show_list()
    stats = ws.widgets.get("statistics")
    if stats is not None:
        ws.show_section("statistics")
        for i in range(stats.kind.count()):  # month, quarter, year, custom: each shows other fields
            stats.kind.setCurrentIndex(i)
            yield f"statistics/{i}", stats


def test_no_unfocused_field_takes_the_wheel_anywhere(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1024, 600)
    seen = 0
    for name, page in _all_pages(app, qtbot):
        qtbot.waitUntil(page.isVisible)  # the walk's page is on screen before its fields are tried
        seen += _check_unfocused(qtbot, page, name)
    assert seen >= 15  # the walk reached the forms (procedure, fee, sets, period, dates, …)


def test_wheel_over_the_procedure_scrolls_the_intake_form(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """The defect as filed: scroll the intake form with the wheel over the procedure combo. The procedure stays;
    the form scrolls. Once the officer clicks into the combo, the wheel changes it (a deliberate choice)."""
    from PySide6.QtWidgets import QScrollArea

    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1024, 600)
    ws = app.window.workspace
    ws.show_section("dossiers")
    dossiers = ws.widgets["dossiers"]
    dossiers.new_dossier()
    intake = dossiers.intake
    box = intake.procedure_box
    qtbot.waitUntil(lambda: box.count() > 2)
    box.setCurrentIndex(1)
    chosen = box.currentText()
    scroll = intake.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(0)
    intake.person_search.setFocus()
    _wheel(box, -1)
    assert box.currentText() == chosen
    assert bar.value() > 0  # the form scrolled instead
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    _wheel(box, -1)
    assert box.currentText() != chosen
