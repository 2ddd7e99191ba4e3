"""Issue 14, item 1 in the app: importing a CSV shows a preview (nothing written), lists the identity changes of
stored persons, and applies them only when the officer ticks the box."""

from __future__ import annotations

from pathlib import Path

from station_client.paths import db_path
from station_client.store import Store

HEADER = "Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Số điện thoại,Nơi thường trú\n"


def test_preview_then_import_with_identity_changes_only_when_ticked(qtbot, app_factory, data_dir,
                                                                     tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import logged_in

    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        store.create("person", {"full_name": "Nguyễn Văn Đức", "birth_date": "1985-03-02", "sex": "M",
                                "personal_id": "022085000123", "permanent_address": "Số 12 phố Lê Lợi"},
                     officer="setup")
    app = logged_in(qtbot, app_factory, data_dir)
    app.context.show_section("residents")
    view = app.window.workspace.widgets["residents"]
    assert view.import_button.isVisible()
    csv_file = tmp_path / "nk.csv"
    csv_file.write_text(HEADER + "Nguyễn Văn Đực,02/03/1985,Nam,022085000123,0912345678,\n"
                        "Vũ Thị Lan,20/10/2001,Nữ,022301000789,,Khu Dốc Đỏ\n", encoding="utf-8-sig")

    dialog = view.import_file(csv_file)
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=5000)
    assert "Xem trước" in dialog.summary.text() and "Thêm mới 1" in dialog.summary.text()
    assert "Nguyễn Văn Đức → Nguyễn Văn Đực" in dialog.details.toPlainText()
    assert dialog.update_identity.isVisible() and not dialog.update_identity.isChecked()
    with Store.open(db_path(data_dir)) as store:
        assert store.count("person") == 1  # the preview wrote nothing

    dialog.import_button.click()  # without the tick: Lan is added, Đức's row is held
    qtbot.waitUntil(lambda: "Đã nhập" in dialog.summary.text(), timeout=5000)
    with Store.open(db_path(data_dir)) as store:
        assert store.count("person") == 2
        duc = store.find_one("person", personal_id="022085000123")
        assert duc["full_name"] == "Nguyễn Văn Đức" and duc["phone"] is None
        assert duc["permanent_address"] == "Số 12 phố Lê Lợi"  # the blank cell kept it
    dialog.reject()

    again = view.import_file(csv_file)
    qtbot.waitUntil(again.import_button.isEnabled, timeout=5000)
    again.update_identity.setChecked(True)
    again.import_button.click()
    qtbot.waitUntil(lambda: "Đã nhập" in again.summary.text(), timeout=5000)
    with Store.open(db_path(data_dir)) as store:
        duc = store.find_one("person", personal_id="022085000123")
        assert duc["full_name"] == "Nguyễn Văn Đực" and duc["phone"] == "0912345678"
    again.reject()


def test_a_file_that_cannot_be_read_says_so_and_offers_no_import(qtbot, app_factory, data_dir,
                                                                 tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import logged_in

    app = logged_in(qtbot, app_factory, data_dir)
    app.context.show_section("residents")
    view = app.window.workspace.widgets["residents"]
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER, encoding="utf-8")
    dialog = view.import_file(empty)
    qtbot.waitUntil(lambda: "không có dòng dữ liệu" in dialog.summary.text(), timeout=5000)
    assert not dialog.import_button.isEnabled()
    dialog.reject()
