"""Residents and households through the real forms: typing, tabbing, Enter; validation; search as you type."""

from __future__ import annotations

from PySide6.QtCore import Qt

from station_client.domain.identity import make_personal_id
from station_client.paths import db_path
from station_client.store import Store

from .conftest import HEAD, logged_in, type_text


def _fill_person(qtbot, page, name: str, birth: str, sex_key: Qt.Key, pid: str) -> None:  # type: ignore[no-untyped-def]
    f = page.form.fields
    type_text(qtbot, f["full_name"].widget, name)
    qtbot.keyClick(f["full_name"].widget, Qt.Key.Key_Tab)
    assert f["birth_date"].widget.hasFocus()
    type_text(qtbot, f["birth_date"].widget, birth)
    qtbot.keyClick(f["birth_date"].widget, Qt.Key.Key_Tab)
    assert f["sex"].widget.hasFocus()
    qtbot.keyClick(f["sex"].widget, sex_key)
    qtbot.keyClick(f["sex"].widget, Qt.Key.Key_Tab)
    assert f["personal_id"].widget.hasFocus()
    type_text(qtbot, f["personal_id"].widget, pid)


def test_household_and_two_residents_through_the_forms(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    households = w.workspace.widgets["households"]
    assert w.workspace.pages.currentWidget() is households
    households.table.setFocus()
    qtbot.keyClick(households.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    page = households.page
    assert households.stack.currentWidget() is page
    f = page.form.fields
    assert f["household_no"].widget.hasFocus()
    type_text(qtbot, f["household_no"].widget, "HK-0042")
    qtbot.keyClick(f["household_no"].widget, Qt.Key.Key_Tab)
    type_text(qtbot, f["address"].widget, "Số 12 đường Nguyễn Văn Cừ")
    qtbot.keyClick(f["address"].widget, Qt.Key.Key_Tab)
    type_text(qtbot, f["hamlet"].widget, "Khu Vĩnh Sơn")
    qtbot.keyClick(f["hamlet"].widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.record is not None and page.add_member.isVisible())
    household_id = page.record["id"]

    residents = w.workspace.widgets.get("residents")
    people = [("Nguyễn Văn Bình", "03/04/1980", Qt.Key.Key_N, make_personal_id("022", 1980, "M", 1234), "head"),
              ("Lê Thị Hạnh", "15/09/1984", Qt.Key.Key_N, make_personal_id("022", 1984, "F", 4321), "spouse")]
    for i, (name, birth, key, pid, rel) in enumerate(people):
        qtbot.mouseClick(page.add_member, Qt.MouseButton.LeftButton)
        residents = w.workspace.widgets["residents"]
        person_page = residents.person
        assert w.workspace.pages.currentWidget() is residents and residents.stack.currentWidget() is person_page
        if i == 1:
            sex = person_page.form.fields["sex"].widget
            key = Qt.Key.Key_Down  # "Nữ" is the second choice
            sex.setCurrentIndex(1)
        _fill_person(qtbot, person_page, name, birth, key, pid)
        person_page.relationship.set_value(rel)
        qtbot.keyClick(person_page.form.fields["personal_id"].widget, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.workspace.pages.currentWidget() is households, timeout=3000)
        qtbot.waitUntil(lambda n=i + 1: len(page.members_model.rows) == n, timeout=3000)

    names = [m["full_name"] for m in page.members_model.rows]
    assert names == ["Nguyễn Văn Bình", "Lê Thị Hạnh"]
    with Store.open(db_path(data_dir)) as store:
        hh = store.get("household", household_id)
        assert hh["head_id"] is not None
        assert store.get("person", hh["head_id"])["full_name"] == "Nguyễn Văn Bình"
        officers = {r[0] for r in store.conn.execute("SELECT DISTINCT officer FROM audit")}
        assert officers == {HEAD[0]}  # every write is attributed to the logged-in officer
        hanh = store.find_one("person", full_name="Lê Thị Hạnh")
        assert hanh["sex"] == "F" and hanh["birth_date"] == "1984-09-15" and hanh["household_id"] == household_id


def test_bad_id_number_shows_message_next_to_the_field(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    residents = w.workspace.widgets["residents"]
    qtbot.keyClick(residents.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    page = residents.person
    assert residents.stack.currentWidget() is page
    _fill_person(qtbot, page, "Trần Văn Cường", "01/02/1990", Qt.Key.Key_N, "123")
    qtbot.keyClick(page.form.fields["personal_id"].widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.form.error_of("personal_id") != "")
    assert "12" in page.form.error_of("personal_id") or "số" in page.form.error_of("personal_id").lower()
    assert page.form.fields["personal_id"].widget.hasFocus()
    assert page.form.error_of("full_name") == ""
    # An unreadable date is reported at its own field without a round trip to the store.
    page.form.fields["birth_date"].widget.setText("31/02/1990")
    qtbot.keyClick(page.form.fields["personal_id"].widget, Qt.Key.Key_Return)
    assert "dd/mm/yyyy" in page.form.error_of("birth_date")
    qtbot.keyClick(page.form.fields["full_name"].widget, Qt.Key.Key_Escape)
    assert residents.stack.currentIndex() == 0
    with Store.open(db_path(data_dir)) as store:
        assert store.count("person") == 0


def test_find_resident_by_typing_nguyen(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from station_client.synthetic import populate

    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 300)
        n_nguyen = store.conn.execute("SELECT count(*) FROM persons WHERE search_name LIKE 'nguyen%'").fetchone()[0]
    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    residents = w.workspace.widgets["residents"]
    assert residents.search.hasFocus()  # Ctrl+2 lands in the search box: type at once
    qtbot.waitUntil(lambda: residents.all_model.rowCount() == 300)
    qtbot.waitUntil(lambda: residents.all_model.row_at(299) is not None)  # the last window arrives lazily
    type_text(qtbot, residents.search, "nguyen")
    qtbot.waitUntil(lambda: residents.last_query == "nguyen", timeout=3000)
    hits = residents.hits_model.rows
    assert len(hits) >= n_nguyen > 0
    assert hits[0].full_name.startswith("Nguyễn")
    assert residents.table.model() is residents.hits_model
    qtbot.keyClick(residents.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: residents.person.record is not None)
    assert residents.person.record["id"] == hits[0].id
    assert residents.person.form.fields["full_name"].widget.text() == hits[0].full_name


def test_stale_search_answers_are_dropped(qtbot, app_factory, data_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from station_client.synthetic import populate
    from station_client.ui.residents import view as residents_view

    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 200)
    real = residents_view.search_persons
    answered: list[str] = []

    def slow_for_short_queries(conn, query, limit):  # type: ignore[no-untyped-def]
        if query == "tr":
            time.sleep(0.4)  # fault: an old, slow answer that arrives after the newer one
        hits = real(conn, query, limit)
        if query != "a":  # the page's warm-up query
            answered.append(query)
        return hits

    monkeypatch.setattr(residents_view, "search_persons", slow_for_short_queries)
    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    residents = w.workspace.widgets["residents"]
    # Record each answer as it reaches the GUI thread (the lambda looks _found up at call time), so the test
    # waits for the late answer's delivery instead of sleeping.
    delivered: list[str] = []
    found = residents._found

    def recording_found(generation, query, hits):  # type: ignore[no-untyped-def]
        delivered.append(query)
        found(generation, query, hits)

    monkeypatch.setattr(residents, "_found", recording_found)
    type_text(qtbot, residents.search, "tr")
    residents._debounce.stop()
    residents._run_search()
    type_text(qtbot, residents.search, "an thi")
    residents._debounce.stop()
    residents._run_search()
    qtbot.waitUntil(lambda: sorted(answered) == ["tr", "tran thi"], timeout=3000)
    qtbot.waitUntil(lambda: {"tr", "tran thi"} <= set(delivered), timeout=3000)  # both reached the GUI
    assert residents.last_query == "tran thi"
    assert residents.hits_model.rows and all("Trần" in h.full_name or "Thị" in h.full_name
                                             for h in residents.hits_model.rows)


def test_add_an_existing_resident_to_a_household(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(data_dir)) as store:
        hh = store.create("household", {"household_no": "HK-7", "address": "Số 3 phố Lê Lợi"}, officer="x")
        pid = make_personal_id("022", 1975, "M", 777)
        person = store.create("person", {"full_name": "Đặng Văn Tám", "birth_date": "1975-05-05", "sex": "M",
                                         "personal_id": pid}, officer="x")
    app = logged_in(qtbot, app_factory, data_dir)
    app.context.open_record("household", hh["id"])
    page = app.window.workspace.widgets["households"].page
    qtbot.waitUntil(lambda: page.record is not None and page.add_existing.isVisible())
    qtbot.mouseClick(page.add_existing, Qt.MouseButton.LeftButton)
    dialog = page.member_dialog
    type_text(qtbot, dialog.search, "dang van tam")
    qtbot.waitUntil(lambda: dialog.results.count() == 1)
    dialog.relationship.set_value("head")
    qtbot.keyClick(dialog.joined, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [m["full_name"] for m in page.members_model.rows] == ["Đặng Văn Tám"])
    with Store.open(db_path(data_dir)) as store:
        assert store.get("household", hh["id"])["head_id"] == person["id"]
        assert store.get("person", person["id"])["household_id"] == hh["id"]


def test_search_households_by_address_without_diacritics(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(data_dir)) as store:
        for no, addr, hamlet in (("HK-1", "Số 5 đường Trần Hưng Đạo", "Khu Vĩnh Sơn"),
                                 ("HK-2", "Số 9 phố Lê Lợi", "Khu Đạm Thủy"),
                                 ("HK-3", "Số 12 đường Trần Hưng Đạo", "Khu Đạm Thủy")):
            store.create("household", {"household_no": no, "address": addr, "hamlet": hamlet}, officer="x")
    app = logged_in(qtbot, app_factory, data_dir)
    qtbot.keyClick(app.window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    view = app.window.workspace.widgets["households"]
    assert view.search.hasFocus()
    type_text(qtbot, view.search, "tran hung dao dam thuy")
    qtbot.waitUntil(lambda: view.table.model() is view.hits_model and len(view.hits_model.rows) == 1)
    assert view.hits_model.rows[0]["household_no"] == "HK-3"
    assert view.count.text() == "Tìm thấy 1 hộ"
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.page.record is not None and view.page.record["household_no"] == "HK-3")
