"""Issue 16, defect 9: one look — the primary action of each form stands out, status chips read the same in
every list, and their colours pass WCAG AA."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QPushButton

from station_client.ui.style import CHIP_ROLE, CHIPS, PRIMARY, PRIMARY_DISABLED, ChipDelegate, contrast

from .conftest import logged_in


def test_chip_and_primary_colours_pass_wcag_aa() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    for name, chip in CHIPS.items():
        assert contrast(chip.foreground, chip.background) >= 4.5, name
    assert contrast(PRIMARY.foreground, PRIMARY.background) >= 4.5
    assert contrast(PRIMARY_DISABLED.foreground, PRIMARY_DISABLED.background) >= 4.5


def _visible_defaults(widget) -> list[QPushButton]:  # type: ignore[no-untyped-def]
    return [b for b in widget.findChildren(QPushButton) if b.isDefault() and b.isVisible()]


def test_each_form_has_one_primary_action_styled_as_such(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from .test_wheel import _all_pages

    app = logged_in(qtbot, app_factory, data_dir)
    assert "QPushButton:default" in QApplication.instance().styleSheet()
    forms = 0
    for name, page in _all_pages(app, qtbot):
        if name.endswith("/new") or name == "dossiers/intake":
            qtbot.waitUntil(page.isVisible)  # the form is on screen: its visible buttons are the ones shown
            defaults = _visible_defaults(page)
            assert len(defaults) == 1, (name, [b.text() for b in defaults])
            button = defaults[0]
            colour = button.palette().color(button.backgroundRole()).name()
            forms += 1
            assert colour == PRIMARY.background or button.grab().toImage().pixelColor(
                button.width() // 2, 3).name() == PRIMARY.background, (name, colour)
    assert forms >= 6  # person, household, dossier intake, the four registers' intakes


def test_status_chips_are_the_same_in_every_list(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from .test_fit import _seed_reports

    _seed_reports(data_dir)
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    register = ws.page("reports").pages["crime_report"]
    qtbot.waitUntil(lambda: register.model.rowCount() == 2)
    residents = ws.page("residents")
    households = ws.page("households")
    dossiers = ws.page("dossiers")
    for view in (register.table, residents.table, households.table, dossiers.table):
        assert isinstance(view.itemDelegate(), ChipDelegate)
    keys = [c.key for c in register.model.columns]
    left = keys.index("remaining")
    states = {register.model.data(register.model.index(r, left), CHIP_ROLE) for r in range(2)}
    assert states <= {"due_today", None, "overdue"} and states & {"due_today", None}
    sync_col = [c.key for c in residents.hits_model.columns].index("sync_state")
    residents.hits_model.set_rows([{"id": "x", "full_name": "A", "sync_state": "pending"}])
    assert residents.hits_model.data(residents.hits_model.index(0, sync_col), CHIP_ROLE) == "pending"
    residents.hits_model.set_rows([{"id": "x", "full_name": "A", "sync_state": "bogus"}])
    assert residents.hits_model.data(residents.hits_model.index(0, sync_col), CHIP_ROLE) is None


def test_the_primary_button_shows_its_whole_label(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Bold text in the style sheet was wider than the size hint: "Save and register" showed as "ave and registe"."""
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    ws.show_section("reports")
    register = ws.widgets["reports"].pages["crime_report"]
    register.new_entry()
    button = register.intake.save_button
    qtbot.waitUntil(button.isVisible)
    assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()) + 20
