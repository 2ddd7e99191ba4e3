"""Defects seen in bench/screens.py's shots of every page (issue 16): what an officer would see as wrong."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from .conftest import logged_in


def _defaults(dialog) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.text() for b in dialog.findChildren(QPushButton) if b.isDefault() and b.isVisible()]


def test_dialogs_show_their_own_action_as_the_primary_one_not_cancel(qtbot, app_factory, data_dir,
                                                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The add-member and import dialogs declared no default button, so Qt made the first one, "Hủy (Esc)", the
    default: it was painted as the primary action, and Enter in the import preview cancelled it."""
    from station_client.ui.households.member_dialog import AddMemberDialog

    app = logged_in(qtbot, app_factory, data_dir)
    member = AddMemberDialog(app.context, "no-household", app.window)
    member.show()
    qtbot.waitUntil(member.isVisible)
    assert _defaults(member) == [member.save_button.text()]
    member.reject()
    csv_file = tmp_path / "nk.csv"
    csv_file.write_text("Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Số điện thoại,Nơi thường trú\n"
                        "Vũ Thị Lan,20/10/2001,Nữ,022301000789,,Khu Dốc Đỏ\n", encoding="utf-8-sig")
    app.context.show_section("residents")
    dialog = app.window.workspace.widgets["residents"].import_file(csv_file)
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=5000)
    assert _defaults(dialog) == [dialog.import_button.text()]
    assert not dialog.close_button.isDefault()
    dialog.reject()


def test_the_crime_report_intake_has_no_blank_band_above_its_form(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """The deadline banner stayed on screen empty until the form had a deadline to show: a blank band under the
    heading of the crime-report intake. Every register's intake shows its banner only with a deadline in it."""
    app = logged_in(qtbot, app_factory, data_dir)
    app.context.show_section("reports")
    reports = app.window.workspace.widgets["reports"]
    for kind, register in reports.pages.items():
        reports.tabs.setCurrentWidget(register)
        register.new_entry()
        qtbot.waitUntil(register.intake.isVisible)  # the intake is on screen: its banner shown or not
        banner = register.intake.banner
        assert banner.isVisible() == bool(banner.text()), kind
        register.show_list()


def test_statistics_on_a_netbook_keeps_the_chart_and_the_figures_readable(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """At 1024×600 the chart's plot was ~30 pixels tall (every axis label shown as "…") and, for the running
    quarter, the wide period headers ("Quý IV/2026 (đến nay)") left the indicators' column ~40 pixels: one word
    per line. The chart keeps a plot an officer can read and the indicators a column of their own."""
    from station_client.clock import office_today
    from station_client.domain.statistics import Period

    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1024, 570)
    ws = app.window.workspace
    view = ws.page("statistics")
    ws.show_section("statistics")
    today = office_today()
    for label in ("2026-10", f"{today.year}-Q{(today.month - 1) // 3 + 1}"):
        view.set_period(Period.parse(label))
        qtbot.waitUntil(lambda lb=label: view.data is not None and view.data.current.period.label == lb,
                        timeout=10_000)

        def readable(lb=label) -> None:  # type: ignore[no-untyped-def]  # once laid out: waited for, not slept
            assert view.chart.chart().plotArea().height() >= 90, lb
            indicators = view.compare.horizontalHeader().sectionSize(0)
            assert indicators >= 150, (lb, indicators)
            assert not view.compare.horizontalScrollBar().isVisible(), lb

        qtbot.waitUntil(readable)


def test_no_column_title_loses_both_its_ends(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """A centred column title too long for its column was cut at both ends ("ne / descrip" for "Name /
    description" in the petition intake's parties, in English at 1024×600): every list's titles end in "…"."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QHeaderView

    from .test_spacing import _every_page

    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1024, 570)
    clipped = set()
    seen = 0
    for name, page in _every_page(app, qtbot):
        for header in page.findChildren(QHeaderView):
            if header.orientation() == Qt.Orientation.Horizontal and not header.isHidden():
                seen += 1
                if header.textElideMode() != Qt.TextElideMode.ElideRight:
                    clipped.add(f"{name}: {header.parent().objectName() or type(header.parent()).__name__}")
    assert clipped == set()
    assert seen >= 10


def test_the_whole_recovery_key_shows_inside_its_card_on_a_netbook(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """At 1024×600 the card kept its half of the window (its own minimum of 460 px held it) while the key's label
    asked for more: the key ran past the card's edge and its last characters were cut off — a key copied by hand
    from that screen would not open the data."""
    app = app_factory(encrypt=True)
    w = app.window
    w.resize(1024, 570)
    for name, value in (("station_name", "Công an xã Bình Khê"), ("province_code", "22"),
                        ("commune_code", "07069"), ("full_name", "Phạm Thị Thu Hà"), ("username", "thuha"),
                        ("password", "Binhkhe2026x"), ("confirm", "Binhkhe2026x")):
        w.first_run.form.fields[name].widget.setText(value)
    w.first_run.submit()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.recovery_key_page, timeout=20000)
    page = w.recovery_key_page
    label, card = page.key_label, page.card
    qtbot.waitUntil(lambda: label.isVisible() and card.mapTo(w, card.rect().topRight()).x() <= w.width())

    def key_inside_the_card() -> None:  # once laid out in the narrow window: waited for, not slept
        inside = card.contentsRect()
        left = label.mapTo(card, label.rect().topLeft()).x()
        right = label.mapTo(card, label.rect().topRight()).x()
        assert inside.left() <= left and right <= inside.right(), (left, right, inside)
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()

    qtbot.waitUntil(key_inside_the_card)


def test_dossier_intake_has_no_blank_line_above_the_applicant_form(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """The "Người nộp: nhân khẩu … (đã có trong sổ)" line stood empty between the search and the form of a fresh
    intake: it shows only once a resident from the register is picked."""
    app = logged_in(qtbot, app_factory, data_dir)
    app.context.show_section("dossiers")
    dossiers = app.window.workspace.widgets["dossiers"]
    dossiers.new_dossier()
    intake = dossiers.intake
    qtbot.waitUntil(lambda: intake.procedure_box.count() > 1)
    assert not intake.picked.isVisible()
    intake.fill_from_person({"id": "p1", "full_name": "Trần Khánh Thủy", "personal_id": "022183035183"})
    assert intake.picked.isVisible() and "Trần Khánh Thủy" in intake.picked.text()
    dossiers.show_list()
    dossiers.new_dossier()
    assert not intake.picked.isVisible()


def test_the_residence_dialog_has_no_blank_band_above_its_buttons(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Opened at a fixed 520×380, the dialog's seven rows took the top and its buttons sat ~100 pixels below."""
    from station_client.ui.residents.residence_dialog import ResidenceDialog
    from station_client.ui.style import SPACE

    app = logged_in(qtbot, app_factory, data_dir)
    dialog = ResidenceDialog(app.context, "no-person", None, app.window)
    dialog.show()
    qtbot.waitUntil(dialog.isVisible)
    last = list(dialog.form.fields.values())[-1].widget

    def buttons_under_the_rows() -> None:  # once laid out: the buttons below the last row, close to it
        rows_end = last.mapTo(dialog, last.rect().bottomLeft()).y()
        assert dialog.save_button.mapTo(dialog, dialog.save_button.rect().topLeft()).y() > rows_end
        assert dialog.save_button.geometry().top() - rows_end <= SPACE.section * 2, (rows_end, dialog.height())

    qtbot.waitUntil(buttons_under_the_rows)
    dialog.reject()


def test_on_a_wide_screen_the_household_address_takes_the_free_width(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """At 1920×1080 the address was cut short at a fixed 380 px ("Số 146, đường Trần Hưng Đạo, Khu Quang Trung,
    phường …") while the sync column, last and stretched, took over 1000 px."""
    from station_client.paths import db_path
    from station_client.store import Store

    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        for i in range(3):
            store.create("household", {"household_no": f"QN57132{i}", "hamlet": "Khu Quang Trung",
                                       "address": "Số 146, đường Trần Hưng Đạo, Khu Quang Trung, phường Mạo Khê, "
                                                  "thị xã Đông Triều, tỉnh Quảng Ninh"}, officer="setup")
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1920, 1050)
    app.context.show_section("households")
    view = app.window.workspace.widgets["households"]
    qtbot.waitUntil(lambda: view.model.rowCount() == 3 and view.model.row_at(0) is not None)
    table, keys = view.table, [c.key for c in view.model.columns]
    header = table.horizontalHeader()
    address, sync = keys.index("address"), keys.index("sync_state")

    def address_whole() -> None:  # once the columns are fitted: waited for, not slept
        assert header.sectionSize(address) >= table.sizeHintForColumn(address)  # whole, not "…"
        assert header.sectionSize(sync) < header.sectionSize(address)

    qtbot.waitUntil(address_whole)
    app.window.resize(1024, 570)  # on a netbook the number stays whole ("QN…" once)
    number = keys.index("household_no")

    def number_whole() -> None:  # the table laid out anew inside the narrow window, then fitted
        assert table.mapTo(app.window, table.rect().topRight()).x() <= app.window.width()
        assert header.sectionSize(number) >= table.sizeHintForColumn(number)
        assert header.sectionViewportPosition(sync) + header.sectionSize(sync) <= table.viewport().width()

    qtbot.waitUntil(number_whole)
    vi_title = view.model.headerData(number, Qt.Orientation.Horizontal)
    app.context.set_language("en")  # "Household number" whole ("Household nu…")
    qtbot.waitUntil(lambda: view.model.headerData(number, Qt.Orientation.Horizontal) != vi_title
                    and header.sectionSize(number) >= header.sectionSizeHint(number))
