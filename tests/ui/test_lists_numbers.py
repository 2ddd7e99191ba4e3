"""Issue 16, defect 5: the procedure list in Vietnamese order with the station's most used first and nothing
chosen, "hơn 200" when the search is capped, fees with a thousands separator, nationality by name, and search
results with the same sync-state column as the full list."""

from __future__ import annotations

from datetime import datetime, timedelta

from station_client.domain import nationalities

from .conftest import logged_in, type_text


def _intake(app, qtbot):  # type: ignore[no-untyped-def]
    ws = app.window.workspace
    ws.show_section("dossiers")
    dossiers = ws.widgets["dossiers"]
    dossiers.new_dossier()
    intake = dossiers.intake
    qtbot.waitUntil(lambda: intake.procedure_box.count() > 3)
    return intake


def test_procedures_in_vietnamese_order_nothing_chosen(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    intake = _intake(app, qtbot)
    box = intake.procedure_box
    assert box.currentIndex() == -1 and intake.procedure() is None
    names = [box.itemText(i) for i in range(box.count())]
    firsts = [n[0] for n in names]
    # Vietnamese alphabet: ... C, D, Đ, E, ... X; raw Unicode put Đ after X.
    assert firsts == sorted(firsts, key=lambda c: "aăâbcdđeêghiklmnoôơpqrstuưvxy".index(c.lower()))
    assert intake.documents.rowCount() == 0  # no checklist until a procedure is chosen
    intake.submit()
    qtbot.waitUntil(lambda: intake.error.isVisible())
    assert "thủ tục" in intake.error.text()


def test_most_used_procedures_first(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from station_client.domain.deadlines import default_office_hours
    from station_client.paths import db_path
    from station_client.store import Store
    from station_client.store import dossiers as sd

    data_dir.mkdir(parents=True, exist_ok=True)
    tz = default_office_hours().tz
    applicant = {"name": "Nguyễn Thị Hồng Nhung", "personal_id": "022190001234", "birth_date": "1990-05-17"}
    with Store.open(db_path(data_dir)) as store:
        sd.ensure_reference_data(store)
        for key, n in (("1.004194", 3), ("1.004222", 1)):  # tạm trú ×3, thường trú ×1
            for _ in range(n):
                sd.create_dossier(store, sd.Intake(procedure_key=key, applicant=applicant, documents=[],
                                                   received_at=datetime.now(tz) - timedelta(days=1)),
                                  officer="seed")
    app = logged_in(qtbot, app_factory, data_dir)
    intake = _intake(app, qtbot)
    box = intake.procedure_box
    assert [box.itemData(i) for i in range(2)] == ["1.004194", "1.004222"]
    assert box.itemText(2) == ""  # the separator before the whole list
    assert box.currentIndex() == -1


def test_fee_reads_with_thousands_separator(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    intake = _intake(app, qtbot)
    intake.select_procedure("1.004194")
    qtbot.waitUntil(lambda: intake.fee.value() > 0)
    assert intake.fee.value() == 15000 and intake.fee.text() == "15.000 đ"
    app.context.set_language("en")
    assert intake.fee.text() == "15.000 đ"  # dong are written so in either language
    app.context.set_language("vi")


def test_nationality_by_name() -> None:
    assert nationalities.name("VN") == "Việt Nam" and nationalities.name("vn", "en") == "Viet Nam"
    assert nationalities.code("Việt Nam") == "VN" and nationalities.code("viet nam") == "VN"
    assert nationalities.code("Hàn Quốc") == "KR" and nationalities.code("") is None
    assert nationalities.name("XX") == "XX" and nationalities.code("Xứ lạ") == "Xứ lạ"


def test_person_form_shows_the_nationality_name(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    residents = app.window.workspace.page("residents")
    residents.new_person()
    field = residents.person.form.fields["nationality"]
    assert field.widget.text() == "Việt Nam" and field.get() == "VN"
    field.widget.setText("Lào")
    assert field.get() == "LA"


def test_capped_search_says_more_than_and_keeps_the_sync_column(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from station_client.domain.identity import make_personal_id
    from station_client.paths import db_path
    from station_client.store import Store
    from station_client.ui.residents import view as rv

    data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(db_path(data_dir)) as store:
        for n, given in enumerate(("An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh")):
            store.create("person", {"full_name": f"Nguyễn Văn {given}", "birth_date": "1990-01-01", "sex": "M",
                                    "personal_id": make_personal_id("022", 1990, "M", 500 + n)}, officer="seed")
    rv_limit = rv.SEARCH_LIMIT
    rv.SEARCH_LIMIT = 5
    try:
        app = logged_in(qtbot, app_factory, data_dir)
        residents = app.window.workspace.page("residents")
        type_text(qtbot, residents.search, "nguyen")
        qtbot.waitUntil(lambda: residents.last_query == "nguyen")
        assert residents.hits_model.rowCount() == 5
        assert residents.count.text().startswith("Tìm thấy hơn 5 người"), residents.count.text()
        keys = [c.key for c in residents.hits_model.columns]
        assert keys == [c.key for c in residents.all_model.columns] and "sync_state" in keys
        col = keys.index("sync_state")
        assert residents.hits_model.data(residents.hits_model.index(0, col))  # worded, e.g. "Chờ gửi"
        residents.search.clear()
        type_text(qtbot, residents.search, "nguyen van cuong")
        qtbot.waitUntil(lambda: residents.last_query == "nguyen van cuong")
        assert residents.count.text() == "Tìm thấy 1 người"
    finally:
        rv.SEARCH_LIMIT = rv_limit
