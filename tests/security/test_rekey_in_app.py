"""Issue 13, defect 5, in the running app: when the head disables an officer or resets a password, the re-key
runs at once (sync stopped, every connection of the app closed, ``unlock.rekey_now``, store reopened) off the GUI
thread, not at the head's next login; a recovery key it had to make is shown once; the head's officer list says
whose key-file entries the re-keys dropped, when and why. And after a restore (the app's, or
``station-client restore``) the head sees in the app what keeping the accounts as they are now changed."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from station_client.paths import db_path
from station_client.store import Store, encrypt, keys
from station_client.store import accounts as acc
from station_client.store import unlock as unlocking
from station_client.store.audit import verify
from station_client.store.connection import forget_key, held_key, open_connection
from station_client.store.errors import WrongKey
from station_client.store.store import forget_session
from tests.security.rekey_support import GONE, GONE_PW, HEAD, HEAD_PW, LATER, STAYS, STAYS_PW, clean_keys  # noqa: F401
from tests.security.rekey_support import person as _person
from tests.ui.conftest import type_text

pytestmark = pytest.mark.usefixtures("clean_keys")


def _encrypted_station(data_dir: Path, *, old_recovery_entry: bool = False) -> Path:
    db = db_path(data_dir)
    db.parent.mkdir(parents=True, exist_ok=True)
    unlocking.setup(db, HEAD, HEAD_PW, HEAD_PW)
    with Store.open(db) as store:
        acc.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
        acc.create_account(store, GONE, "Phạm Thị Lan", "officer", GONE_PW)
        acc.create_account(store, STAYS, "Lê Văn Bình", "officer", STAYS_PW)
        store.create("person", _person("Trần Văn Trước", "022190000001"))
    unlocking.take_recovery_key(db)
    if old_recovery_entry:  # a recovery entry from before key pairs (format 1): a re-key cannot carry it
        with keys.updating(keys.keys_path(db)) as data:
            data["recovery"] = {k: v for k, v in data["recovery"].items() if k != "pk"}
    forget_key()
    forget_session()
    return db


def _log_in_head(qtbot, app_factory, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("encrypt", True)
    app = app_factory(**kwargs)
    w = app.window
    type_text(qtbot, w.login.username, HEAD)
    type_text(qtbot, w.login.password, HEAD_PW)
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace, timeout=10000)
    return app


def _officers_box(qtbot, app):  # type: ignore[no-untyped-def]
    app.window.workspace.show_section("settings")
    box = app.window.workspace.widgets["settings"].officers
    assert box is not None
    qtbot.waitUntil(lambda: box.table.rowCount() == 3)
    return box


def _select(box, username: str) -> None:  # type: ignore[no-untyped-def]
    box.table.selectRow(next(i for i, info in enumerate(box.infos) if info.username == username))


def test_disabling_an_officer_in_the_app_rekeys_at_once(qtbot, app_factory, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = _encrypted_station(data_dir, old_recovery_entry=True)
    usb = tmp_path / "usb"
    shutil.copytree(db.parent, usb)  # the officer's copy of the data folder, before the disable
    app = _log_in_head(qtbot, app_factory, start_sync=True)  # the sync worker holds a connection of its own
    w = app.window
    assert app.context.sync.scheduler is not None
    box = _officers_box(qtbot, app)
    before = held_key(db)
    _select(box, GONE)
    qtbot.mouseClick(box.toggle_button, Qt.MouseButton.LeftButton)

    # The re-key needed a new recovery key (the old entry could not be carried): shown once, then back to work.
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.recovery_key_page, timeout=15000)
    page = w.recovery_key_page
    new_recovery = page.key_label.text()
    assert keys.parse_recovery_key(new_recovery)
    assert not unlocking.rekey_due(db) and held_key(db) != before
    page.written.setChecked(True)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    assert page.key_label.text() == ""
    qtbot.waitUntil(lambda: "Phạm Thị Lan" in box.status.text() and box.table.isEnabled())
    assert "mã hóa lại bằng khóa mới" in box.status.text() and box.toggle_button.isEnabled()
    assert app.context.sync.scheduler is not None  # a new worker, on the new key

    # The dropped entry is listed for the head: who, when, why.
    qtbot.waitUntil(lambda: box.dropped_table.rowCount() >= 1)
    rows = [[box.dropped_table.item(r, c).text() for c in range(3)] for r in range(box.dropped_table.rowCount())]
    assert any("Phạm Thị Lan (canbo1)" in r[0] and "bị khóa" in r[2] for r in rows)

    # The app goes on working on the re-keyed file: a write, then a read on a reader.
    app.tasks.call_write(lambda store: store.create("person", _person(LATER, "022190000002")))
    got: list[int] = []
    app.tasks.run(lambda conn: conn.execute("SELECT count(*) FROM persons").fetchone()[0], got.append)
    qtbot.waitUntil(lambda: got == [2])
    app.close()
    forget_key()
    forget_session()

    # The officer's old copy of the key file, with their password, does not open the data as it is now.
    old = keys.unwrap_password(keys.keys_path(usb / "station.db"), GONE, GONE_PW)
    assert old is not None and not encrypt.opens(db, old)
    with pytest.raises(WrongKey):
        open_connection(db, key=old)
    # Their old copy itself still opens what it held the day it was taken (nothing takes back copied data:
    # docs/security.md) — and nothing written since.
    copy = open_connection(usb / "station.db", key=old, readonly=True)
    try:
        assert [r[0] for r in copy.execute("SELECT full_name FROM persons")] == ["Trần Văn Trước"]
    finally:
        copy.close()
    forget_key()
    shutil.copy(db, usb / "station.db")  # today's database beside their old key file
    for side in ("-wal", "-shm"):
        (usb / f"station.db{side}").unlink(missing_ok=True)
    with pytest.raises((WrongKey, keys.WrongPassword)):
        unlocking.unlock(usb / "station.db", GONE, GONE_PW)
    forget_key()
    # The head (and the officer who stays) still open it; the new recovery key does, the chain records it all.
    assert unlocking.login(db, HEAD, HEAD_PW).username == HEAD
    with Store.open(db) as store:
        assert store.find_one("person", full_name=LATER) is not None
        assert verify(store.conn).ok
        rotated = store.conn.execute("SELECT officer, changes FROM audit WHERE record_id = 'data-key'").fetchall()
        assert len(rotated) == 1 and rotated[0][0] == HEAD  # the head's re-key, at once
        assert '"account.disabled"' in rotated[0][1] and GONE in rotated[0][1]
        disabled = store.conn.execute("SELECT seq FROM audit WHERE changes LIKE '%account.disabled%' "
                                      "AND record_id = ?", (GONE,)).fetchone()
        assert disabled is not None
    forget_key()
    forget_session()
    assert unlocking.login(db, STAYS, STAYS_PW).username == STAYS
    assert encrypt.opens(db, keys.unwrap_recovery(keys.keys_path(db), new_recovery))


def test_a_password_reset_in_the_app_rekeys_at_once(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    db = _encrypted_station(data_dir)
    old_keys = data_dir.parent / "old.keys"
    shutil.copy(keys.keys_path(db), old_keys)
    app = _log_in_head(qtbot, app_factory)
    box = _officers_box(qtbot, app)
    _select(box, STAYS)
    type_text(qtbot, box.reset_pw, "tam2025reset")
    type_text(qtbot, box.reset_pw2, "tam2025reset")
    qtbot.mouseClick(box.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "mã hóa lại bằng khóa mới:" in box.status.text(), timeout=15000)
    assert app.window.stack.currentWidget() is app.window.workspace  # this station's recovery entry was carried
    assert not unlocking.rekey_due(db)
    old = keys.unwrap_password(old_keys, STAYS, STAYS_PW)
    assert old is not None and not encrypt.opens(db, old)
    qtbot.waitUntil(lambda: box.dropped_table.rowCount() == 1)
    assert "đặt lại" in box.dropped_table.item(0, 2).text()
    app.context.set_language("en")
    try:
        qtbot.waitUntil(lambda: "password reset at" in box.dropped_table.item(0, 2).text())
        assert box.dropped_table.horizontalHeaderItem(2).text() == "Why"
    finally:
        app.context.set_language("vi")


def _restored_station(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plain station restored from last week's backup with ``station-client restore`` by the head; since the
    backup an officer's password was reset and another officer disabled."""
    from station_client import cli
    from station_client.store.backup import backup
    from tests.ui.conftest import make_head

    db = db_path(data_dir)
    make_head(data_dir)
    with Store.open(db) as store:
        acc.create_account(store, GONE, "Phạm Thị Lan", "officer", GONE_PW)
        acc.create_account(store, STAYS, "Lê Văn Bình", "officer", STAYS_PW)
    saved = tmp_path / "last-week.db"
    backup(db, saved)
    with Store.open(db) as store:
        acc.reset_password(store, STAYS, "tam2025reset")
        acc.set_active(store, GONE, False)
    forget_session()
    monkeypatch.setattr("sys.stdin", io.StringIO(HEAD_PW + "\n"))
    assert cli.main(["--data-dir", str(data_dir), "--user", HEAD, "--password-stdin", "restore", str(saved)]) == 0
    forget_session()
    return saved


def test_the_head_sees_what_a_command_line_restore_kept_of_the_accounts(qtbot, app_factory, data_dir, tmp_path,  # type: ignore[no-untyped-def]
                                                                       monkeypatch) -> None:
    saved = _restored_station(data_dir, tmp_path, monkeypatch)
    app = _log_in_head(qtbot, app_factory, encrypt=False)
    box = _officers_box(qtbot, app)
    qtbot.waitUntil(lambda: box.restored.isVisibleTo(box))
    text = box.restored.text()
    assert saved.name in text and "Lần khôi phục gần nhất" in text
    assert "Phạm Thị Lan (canbo1): đang hoạt động/bị khóa" in text
    assert "Lê Văn Bình (canbo2): mật khẩu" in text and "phải đổi mật khẩu" in text
    app.context.set_language("en")
    try:
        qtbot.waitUntil(lambda: "Accounts kept as they were" in box.restored.text())
        assert "Phạm Thị Lan (canbo1): active/disabled" in box.restored.text()
    finally:
        app.context.set_language("vi")


def test_after_a_restore_in_the_app_the_head_is_told_at_login(qtbot, app_factory, data_dir, tmp_path,  # type: ignore[no-untyped-def]
                                                             monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from station_client.store.backup import BackupInfo

    saved = _restored_station(data_dir, tmp_path, monkeypatch)  # what ``run_app`` does once the window closed
    info = BackupInfo(saved, 0, 0, 0, None, 0)
    app = app_factory(restored=info)
    w = app.window
    # An officer's login says nothing; the head's does, once.
    type_text(qtbot, w.login.username, STAYS)
    type_text(qtbot, w.login.password, "tam2025reset")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.new_password)
    assert w.findChild(QMessageBox, "restore_report_box") is None
    w.show_login()
    type_text(qtbot, w.login.username, HEAD)
    type_text(qtbot, w.login.password, HEAD_PW)
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.findChild(QMessageBox, "restore_report_box") is not None)
    notice = w.findChild(QMessageBox, "restore_report_box")
    assert "Phạm Thị Lan (canbo1)" in notice.text() and saved.name in notice.text()
    assert app.context.restored is None


def test_a_rekey_left_due_runs_when_the_head_logs_in_at_the_lock_screen(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """A disable that did not come through the officer list (the province's, during a sync) leaves the re-key
    due while the station is open: the head's next login at the lock screen runs it."""
    db = _encrypted_station(data_dir)
    app = _log_in_head(qtbot, app_factory)
    w = app.window
    app.tasks.call_write(lambda store: acc.set_active(store, GONE, False))
    assert unlocking.rekey_due(db)
    before = held_key(db)
    w.lock()
    type_text(qtbot, w.login.password, HEAD_PW)
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    qtbot.waitUntil(lambda: not unlocking.rekey_due(db) and not app.context.rekey.running, timeout=15000)
    assert held_key(db) != before
    got: list[int] = []
    app.tasks.run(lambda conn: conn.execute("SELECT count(*) FROM persons").fetchone()[0], got.append)
    qtbot.waitUntil(lambda: got == [1])
