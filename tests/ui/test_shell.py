"""The shell: first-run setup, login, sections from the registry, lock and unlock, Today providers."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from station_client.ui import sections
from station_client.ui.sections import Section, TodayItem

from .conftest import HEAD, make_head, type_text


def _type(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    type_text(qtbot, widget, text)


def test_first_run_creates_station_head_and_logs_in(qtbot, app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    w = app.window
    assert w.stack.currentWidget() is w.first_run
    f = w.first_run.form.fields
    # Nothing set up in advance: the commune code names the province and the station.
    assert f["commune_code"].widget.text() == f["province_code"].widget.text() == f["station_name"].widget.text() == ""
    _type(qtbot, f["commune_code"].widget, "07069")
    assert f["province_code"].widget.text() == "22"
    assert f["station_name"].widget.text() == "Công an phường Mạo Khê"
    _type(qtbot, f["full_name"].widget, "Trần Thị Hoa")
    qtbot.keyClick(f["full_name"].widget, Qt.Key.Key_Tab)
    assert f["username"].widget.hasFocus()
    _type(qtbot, f["username"].widget, "hoa")
    _type(qtbot, f["password"].widget, "ngan")  # too short
    _type(qtbot, f["confirm"].widget, "ngan")
    qtbot.keyClick(f["confirm"].widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.first_run.form.error_of("password") != "")
    assert "ít nhất 8 ký tự" in w.first_run.form.error_of("password")
    f["password"].widget.clear()
    f["confirm"].widget.clear()
    _type(qtbot, f["password"].widget, "matkhau12345")
    _type(qtbot, f["confirm"].widget, "matkhau12345")
    qtbot.keyClick(f["confirm"].widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    assert app.context.officer.username == "hoa"
    assert app.context.officer.is_head


def test_login_wrong_then_right_password_then_lock_and_unlock(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    make_head(data_dir)
    app = app_factory()
    w = app.window
    assert w.stack.currentWidget() is w.login
    _type(qtbot, w.login.username, HEAD[0])
    _type(qtbot, w.login.password, "wrong-pass-1")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.login.form.error_of("password") != "")
    assert w.login.form.error_of("password") == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert w.stack.currentWidget() is w.login
    _type(qtbot, w.login.password, HEAD[2])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    assert w.officer_label.text() == HEAD[1]

    qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.is_locked
    assert not w.login.username.isEnabled() and w.login.username.text() == HEAD[0]
    _type(qtbot, w.login.password, "not-it-123")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.login.form.error_of("password") != "")
    assert w.is_locked
    _type(qtbot, w.login.password, HEAD[2])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.is_locked)


def test_another_officer_logs_in_at_the_lock_screen(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from station_client.paths import db_path
    from station_client.store import Store
    from station_client.store.accounts import create_account

    make_head(data_dir)
    with Store.open(db_path(data_dir)) as store:
        create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass", "lan12345pass")
    app = app_factory()
    w = app.window
    _type(qtbot, w.login.username, HEAD[0])
    _type(qtbot, w.login.password, HEAD[2])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    w.lock()
    assert w.login.switch_user.isVisible()
    qtbot.mouseClick(w.login.switch_user, Qt.MouseButton.LeftButton)
    assert w.login.username.isEnabled() and w.login.username.text() == ""
    _type(qtbot, w.login.username, "canbo1")
    _type(qtbot, w.login.password, "lan12345pass")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    assert app.context.username == "canbo1" and not app.context.officer.is_head
    assert w.officer_label.text() == "Phạm Thị Lan"


def test_idle_lock(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    make_head(data_dir)
    app = app_factory()
    w = app.window
    _type(qtbot, w.login.username, HEAD[0])
    _type(qtbot, w.login.password, HEAD[2])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    from PySide6.QtWidgets import QDialog

    dialog = QDialog(w)  # e.g. a residence form left open at the counter
    dialog.show()
    w.idle.timer.setInterval(50)  # minutes in real use
    w.idle.timer.start()
    qtbot.waitUntil(lambda: w.is_locked, timeout=2000)
    assert not dialog.isVisible()


def test_registered_section_and_today_provider(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    opened: list[tuple[str, str]] = []

    class Page(QWidget):
        def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
            super().__init__()
            QLabel("trang thử", self)

        def open_record(self, kind: str, record_id: str) -> None:
            opened.append((kind, record_id))

    def provider(conn, today: date) -> list[TodayItem]:  # type: ignore[no-untyped-def]
        assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 0  # a real read-only connection
        return [TodayItem("Trả kết quả hồ sơ A", today.isoformat(), "due", "probe", "probe_kind", "r1"),
                TodayItem("Hồ sơ B quá hạn", "2020-01-02", "overdue", "probe", "probe_kind", "r2")]

    def broken(conn, today: date) -> list[TodayItem]:  # type: ignore[no-untyped-def]
        raise RuntimeError("hỏng")

    sections.register_section(Section("probe", lambda: "Mục thử", Page, order=99, kinds=("probe_kind",),
                                      shortcut="Ctrl+9"))
    sections.register_today_provider("probe", provider)
    sections.register_today_provider("broken", broken)
    try:
        make_head(data_dir)
        app = app_factory()
        w = app.window
        _type(qtbot, w.login.username, HEAD[0])
        _type(qtbot, w.login.password, HEAD[2])
        qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
        titles = [w.workspace.nav.item(i).text() for i in range(w.workspace.nav.count())]
        assert titles[0] == "Hôm nay" and "Mục thử" in titles
        today = w.workspace.widgets["today"]
        qtbot.waitUntil(lambda: today.list.count() == 5)
        texts = [today.list.item(r).text() for r in range(5)]
        assert texts[0] == "Quá hạn (1)" and texts[1] == "    Hồ sơ B quá hạn — 02/01/2020"
        assert texts[2] == "Đến hạn hôm nay (1)" and texts[3].startswith("    Trả kết quả hồ sơ A")
        assert "hỏng" in texts[4]
        assert today.list.currentRow() == 1  # Enter opens the most urgent item
        today.list.itemActivated.emit(today.list.item(1))
        assert opened == [("probe_kind", "r2")]
        assert w.workspace.pages.currentWidget() is w.workspace.widgets["probe"]
        qtbot.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        assert w.workspace.pages.currentWidget() is today
    finally:
        sections._SECTIONS.pop("probe", None)
        sections._TODAY.pop("probe", None)
        sections._TODAY.pop("broken", None)
