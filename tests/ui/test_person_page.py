"""The person page's words: an open conflict names the clashing fields as the form labels them
(not the store's field names) and says where to settle it; times show on the office clock; a long loaded value
shows its beginning."""

from __future__ import annotations

from station_client.clock import office_datetime as format_datetime
from station_client.ui.residents.appearances import conflict_note


def test_conflict_note_in_the_officers_words(qapp) -> None:  # type: ignore[no-untyped-def]
    note = "Xung đột với thay đổi ở nơi khác: occupation, phone"
    assert conflict_note(note) == "khác với Công an tỉnh ở: Nghề nghiệp, Số điện thoại; xử lý ở mục Đồng bộ (Ctrl+6)"
    assert conflict_note("Xung đột với thay đổi ở nơi khác: delete_vs_edit") == "xử lý ở mục Đồng bộ (Ctrl+6)"
    assert conflict_note("") == "xử lý ở mục Đồng bộ (Ctrl+6)"


def test_times_on_the_office_clock_whatever_the_pc_zone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert format_datetime("2026-11-18T17:00:00+07:00") == "18/11/2026 17:00"
        assert format_datetime("2026-11-18T10:00:00Z") == "18/11/2026 17:00"
        assert format_datetime("2026-11-18T17:00:00") == "18/11/2026 17:00"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_loaded_long_value_shows_its_beginning(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit

    from station_client.ui.forms import FieldForm

    form = FieldForm()
    qtbot.addWidget(form)
    edit = form.add("permanent_address", lambda: "Nơi thường trú", QLineEdit())
    form.finish()
    form.resize(300, 80)
    form.show()
    address = "Số 146, đường Trần Hưng Đạo, Khu Quang Trung, phường Mạo Khê, tỉnh Quảng Ninh"
    form.show_record({"permanent_address": address})
    assert edit.text() == address and edit.cursorPosition() == 0
    form.set_values({"permanent_address": "Khu Quang Trung"})  # a default: typing goes on after it
    assert edit.cursorPosition() == len("Khu Quang Trung")
