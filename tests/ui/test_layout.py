"""What the screenshots (bench/screens.py) showed wrong, as behaviour: nothing cut off (the lists' columns hold
their headers and content, an elided cell shows its whole text as a tip), forms aligned and where the eye expects
them, Tab reaching every field and nothing hidden, the retention button only when it can do something, and a
window title that names the station once, in the officer's language."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from .conftest import logged_in


def _cut_headers(table) -> list[str]:  # type: ignore[no-untyped-def]
    font = table.horizontalHeader().font()
    font.setBold(True)
    metrics = QFontMetrics(font)
    model = table.model()
    cut = []
    for col in range(model.columnCount() - 1):  # the last column stretches
        title = str(model.headerData(col, Qt.Orientation.Horizontal))
        if metrics.horizontalAdvance(title) + 12 > table.columnWidth(col):
            cut.append(title)
    return cut


def test_resident_columns_fit_their_bold_headers(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    residents = app.window.workspace.page("residents")
    assert _cut_headers(residents.table) == []
    app.context.set_language("en")
    qtbot.waitUntil(lambda: residents.table.model().headerData(0, Qt.Orientation.Horizontal) == "Full name")
    assert _cut_headers(residents.table) == []
    app.context.set_language("vi")


def test_settings_boxes_share_one_label_column(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Each box of Settings is its own form: their fields started at five different x positions. One column
    now, in both languages; the long retention label wraps rather than pushing every field right; the forms'
    buttons keep their natural width."""
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    ws.show_section("settings")
    view = ws.widgets["settings"]
    fields = (view.language, view.idle, view.server, view.interval, view.printer, view.retention_years,
              view.old_pw, view.new_pw, view.acc_user)

    def lefts() -> set[int]:
        return {w.mapTo(view, w.rect().topLeft()).x() for w in fields}

    qtbot.waitUntil(lambda: len(lefts()) == 1)
    assert view.l_retention.width() <= 280 and view.l_retention.wordWrap()
    for button in (view.change_pw, view.retention_button):
        assert button.width() < view.account_box.width() / 2
    app.context.set_language("en")
    qtbot.waitUntil(lambda: view.l_language.text() == "Language")
    qtbot.waitUntil(lambda: len(lefts()) == 1)
    app.context.set_language("vi")


def test_new_household_form_sits_under_its_heading(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """A new household has no members to show: the form and its buttons stay at the top (the spare height went
    between them and the form floated mid-page, its Save button at the window's foot)."""
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1280, 780)
    ws = app.window.workspace
    ws.show_section("households")
    households = ws.widgets["households"]
    households.new_household()
    page = households.page
    qtbot.waitUntil(lambda: page.form.isVisible() and page.heading.text() != "")

    def under_its_heading() -> None:  # the layout runs on a later event loop turn: waited for, not slept
        heading_bottom = page.heading.mapTo(page, page.heading.rect().bottomLeft()).y()
        form_top = page.form.mapTo(page, page.form.rect().topLeft()).y()
        save_top = page.save_button.mapTo(page, page.save_button.rect().topLeft()).y()
        assert form_top - heading_bottom < 30, (heading_bottom, form_top)
        assert save_top < page.height() / 2, (save_top, page.height())

    qtbot.waitUntil(under_its_heading)


def test_resident_list_fits_the_window_with_its_sync_column(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """At 1280 px under X (fonts differ offscreen: 1100 px here) the list was wider than its view: the sync
    column sat half off the right edge behind a horizontal scroll bar. The address column takes what is left."""
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1100, 780)
    residents = app.window.workspace.page("residents")
    table = residents.table
    header = table.horizontalHeader()

    def fits() -> None:  # the layout runs on a later event loop turn: waited for, not slept
        assert table.mapTo(app.window, table.rect().topRight()).x() <= app.window.width()  # laid out anew
        assert header.length() <= table.viewport().width() + 1, (header.length(), table.viewport().width())
        last = table.model().columnCount() - 1
        assert header.sectionSize(last) >= 90 and not table.horizontalScrollBar().isVisible()

    qtbot.waitUntil(fits)


def test_dossier_list_columns_hold_their_text(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Fixed widths cut the status ("Chờ bổ sung hồ …") and the countdown ("quá hạn 2 ngày làm …"): every
    column but the procedure's name is as wide as its content now."""
    from datetime import datetime, timedelta

    from station_client.domain.deadlines import default_office_hours
    from station_client.paths import db_path
    from station_client.store import Store
    from station_client.store import dossiers as sd

    data_dir.mkdir(parents=True, exist_ok=True)
    tz = default_office_hours().tz
    applicant = {"name": "Nguyễn Thị Hồng Nhung", "personal_id": "022190001234", "birth_date": "1990-05-17"}
    docs = [{"name": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "form": "original", "count": 1}]
    with Store.open(db_path(data_dir)) as store:
        sd.ensure_reference_data(store)
        for days in (2, 30):
            d = sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=applicant, documents=docs,
                                                   received_at=datetime.now(tz) - timedelta(days=days)),
                                  officer="seed")
        sd.apply_action(store, d["id"], "request_supplement", officer="seed",
                        details={"supplement_items": ["Giấy tờ chứng minh chỗ ở hợp pháp"]})
    app = logged_in(qtbot, app_factory, data_dir)
    app.window.resize(1280, 780)
    dossiers = app.window.workspace.page("dossiers")
    qtbot.waitUntil(lambda: dossiers.model.rowCount() == 2)
    table = dossiers.table

    def nothing_cut() -> None:  # the columns are fitted once the rows are laid out: waited for, not slept
        cut = [c for c in range(dossiers.model.columnCount())
               if c != 2 and table.columnWidth(c) < table.sizeHintForColumn(c)]
        assert cut == [], [(c, table.columnWidth(c), table.sizeHintForColumn(c)) for c in cut]

    qtbot.waitUntil(nothing_cut)


def test_tab_leaves_the_dossier_documents_table(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Tab from the documents table goes through each row's form and count, then on to the fee, the result
    channel and "Receive" (Qt's default moved from cell to cell for ever: a keyboard trap at the counter)."""
    from PySide6.QtWidgets import QApplication

    app = logged_in(qtbot, app_factory, data_dir)
    dossiers = app.window.workspace.page("dossiers")
    dossiers.new_dossier()
    intake = dossiers.intake
    qtbot.waitUntil(lambda: intake.procedure_box.count() > 0)
    intake.select_procedure("1.004222")  # nothing is preselected (issue 16): the officer picks one
    qtbot.waitUntil(lambda: intake.documents.rowCount() > 0)
    rows = intake.documents.rowCount()
    intake.documents.setFocus()
    expected = [w for r in range(rows) for w in (intake.documents.cellWidget(r, 1), intake.documents.cellWidget(r, 2))]
    reached = []
    for _ in range(2 * rows + 12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
        if reached[-1] is intake.save_button:
            break
    assert reached[:2 * rows] == expected
    assert intake.fee in reached and intake.result_channel in reached and reached[-1] is intake.save_button


def test_retention_review_needs_a_period(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """0 years keeps everything: the review button is off then (it answered "nothing is due", which read as if
    the station had been checked), and on once the head sets a period."""
    app = logged_in(qtbot, app_factory, data_dir)
    view = app.window.workspace.page("settings")
    assert view.retention_years.value() == 0 and not view.retention_button.isEnabled()
    view.retention_years.setValue(5)
    assert view.retention_button.isEnabled()
    view.retention_years.setValue(0)
    assert not view.retention_button.isEnabled()


def test_window_title_names_the_station_once_in_the_language(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """The platform appends the application's display name to the title: it is the program's name in the
    officer's language, and the title is the station's name (X11 showed the program's name twice, once in
    Vietnamese under English)."""
    from PySide6.QtWidgets import QApplication

    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    assert w.windowTitle() == "Công an phường Mạo Khê"
    assert QApplication.applicationDisplayName() == "Phần mềm Công an xã/phường"
    app.context.set_language("en")
    qtbot.waitUntil(lambda: QApplication.applicationDisplayName() == "Commune Police Station")
    assert w.windowTitle() == "Công an phường Mạo Khê"
    app.context.set_language("vi")
    qtbot.waitUntil(lambda: QApplication.applicationDisplayName() == "Phần mềm Công an xã/phường")


def test_report_details_values_sit_beside_their_labels(qapp) -> None:  # type: ignore[no-untyped-def]
    """The register's detail page: the label column as wide as its longest label (it took 34 % of the page, so
    on a wide window the values sat some 350 px right of "Số thụ lý")."""
    from PySide6.QtGui import QTextDocument

    from station_client.ui.reports.common import record_html

    doc = QTextDocument()
    doc.setHtml(record_html("crime_report", {"register_no": "003/2026/TG/07069", "reporter_name": "Phạm Anh Quý",
                                             "status": "received"}, "vi"))
    doc.setTextWidth(1050)
    block = doc.find("003/2026/TG/07069").block()
    x = doc.documentLayout().blockBoundingRect(block).x()
    label = doc.find("Họ tên người tố giác, báo tin").block()
    label_right = doc.documentLayout().blockBoundingRect(label).right()
    assert x < 1050 * 0.3 and x >= label_right - 5, (x, label_right)


def test_elided_cells_show_their_whole_text_as_a_tip(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Lists elide long cells (an address, a procedure's name): hovering shows the whole text."""
    from station_client.paths import db_path
    from station_client.store import Store
    from station_client.synthetic import populate
    from station_client.ui.models import Column, ListModel

    model = ListModel([Column("address", lambda: "Địa chỉ")], [{"id": "1", "address": "Số 146, đường Trần Hưng Đạo"}])
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "Số 146, đường Trần Hưng Đạo"
    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 3)
    app = logged_in(qtbot, app_factory, data_dir)
    residents = app.window.workspace.page("residents")
    lazy = residents.all_model
    qtbot.waitUntil(lambda: lazy.rowCount() > 0 and lazy.row_at(0) is not None)
    index = lazy.index(0, 4)
    assert lazy.data(index, Qt.ItemDataRole.ToolTipRole) == lazy.data(index) != ""


def test_tab_never_lands_on_a_hidden_widget(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Tabbing round the forms: focus is always on something on screen that shows it (the sections' focus proxy,
    their list's search, took one Tab while hidden under the form; the forms' scroll areas took one with no
    mark of focus)."""
    from PySide6.QtWidgets import QApplication, QScrollArea

    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    for section, start in (("households", lambda v: v.new_household()), ("residents", lambda v: v.new_person()),
                           ("dossiers", lambda v: v.new_dossier()),
                           ("reports", lambda v: v.pages["crime_report"].new_entry())):
        ws.show_section(section)
        view = ws.widgets[section]
        start(view)

        def focus_in_the_form(v=view) -> bool:  # type: ignore[no-untyped-def]  # the form takes focus
            focus = QApplication.focusWidget()
            return focus is not None and focus.isVisible() and v.isAncestorOf(focus)

        qtbot.waitUntil(focus_in_the_form)
        hidden = []
        for _ in range(40):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            focus = QApplication.focusWidget()
            if focus is not None and (not focus.isVisible() or isinstance(focus, QScrollArea)):
                hidden.append(focus.objectName() or type(focus).__name__)
        assert hidden == [], (section, hidden)
        if section in ("households", "residents"):
            view.show_list()
            assert view.focusProxy() is view.search


def test_tab_leaves_the_read_only_lists(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """A list's table is one Tab stop (arrows move in it): Qt's default tabbed from cell to cell, so Tab never
    left a list page's table."""
    from PySide6.QtWidgets import QApplication

    from station_client.paths import db_path
    from station_client.store import Store
    from station_client.synthetic import populate

    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 3)
    app = logged_in(qtbot, app_factory, data_dir)
    residents = app.window.workspace.page("residents")
    table = residents.table
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not table
    settings = app.window.workspace.page("settings")
    assert settings.officers is not None and not settings.officers.table.tabKeyNavigation()
