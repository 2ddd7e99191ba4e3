"""A locked (encrypted) station's login page and window title name the station: its name is kept in clear in
the key file at each login (the database, where the name lives, is unreadable until the password is typed),
and keeping it there leaves the key file's entries as they were. The recovery key's sheet dates as dd/mm/yyyy."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from station_client.clock import office_today
from station_client.paths import db_path
from station_client.store import keys
from station_client.store.connection import forget_key

from .conftest import type_text

STATION = "Công an xã Bình Dương"


@pytest.fixture(autouse=True)
def _no_held_keys():  # type: ignore[no-untyped-def]
    forget_key()
    yield
    forget_key()


@pytest.mark.office_clock
def test_locked_login_page_names_the_station(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = app_factory(encrypt=True)
    w = app.window
    f = w.first_run.form.fields
    f["station_name"].widget.clear()
    type_text(qtbot, f["station_name"].widget, STATION)
    type_text(qtbot, f["commune_code"].widget, "07069")
    assert f["station_name"].widget.text() == STATION  # the officer's own name for it is kept
    type_text(qtbot, f["full_name"].widget, "Trần Thị Hoa")
    type_text(qtbot, f["username"].widget, "hoa")
    type_text(qtbot, f["password"].widget, "matkhau12345")
    type_text(qtbot, f["confirm"].widget, "matkhau12345")
    qtbot.keyClick(f["confirm"].widget, Qt.Key.Key_Return)
    page = w.recovery_key_page
    qtbot.waitUntil(lambda: w.stack.currentWidget() is page)
    sheet = page.recovery_sheet()  # the printed sheet: the station, and the date as dd/mm/yyyy
    today = office_today()  # the office's date (after 17:00 UTC it is already tomorrow in Vietnam)
    assert STATION in sheet and today.strftime("%d/%m/%Y") in sheet and today.isoformat() not in sheet
    page.written.setChecked(True)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    db = db_path(data_dir)
    qtbot.waitUntil(lambda: keys.station_name(db) == STATION)
    entries = json.loads(keys.keys_path(db).read_text(encoding="utf-8"))
    assert set(entries["officers"]) == {"hoa"} and entries["recovery"]
    app.close()

    forget_key()  # the next start: locked, nothing read from the database yet
    app = app_factory(encrypt=True)
    w = app.window
    assert w.stack.currentWidget() is w.login and not app.context.options
    assert w.login.sub.text() == STATION
    assert STATION in w.windowTitle()
    type_text(qtbot, w.login.username, "hoa")
    type_text(qtbot, w.login.password, "matkhau12345")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)  # the key file still opens the data


def test_station_name_kept_clean_and_only_when_changed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "station.db"
    assert keys.set_station_name(db, "x") is False and keys.station_name(db) == ""  # no key file: nothing
    keys.save(keys.keys_path(db), keys.new_keyfile(keys.new_data_key(), keys.new_recovery_key(), n=2 ** 4))
    assert keys.set_station_name(db, "  Công an   phường\nMạo Khê ") is True
    assert keys.station_name(db) == "Công an phường Mạo Khê"
    assert keys.set_station_name(db, "Công an phường Mạo Khê") is False
    keys.set_station_name(db, "A" * 500)  # a name, not a place to store a document
    assert keys.station_name(db) == "A" * keys.STATION_NAME_MAX
