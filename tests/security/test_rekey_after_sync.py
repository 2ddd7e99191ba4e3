"""Issue 13, defect 5, for the province's disables: when a sync takes the province's disable of an officer account,
the running app re-keys at once, not at a head's next login — under any officer at work when the re-key needs no
head (no new recovery key, no head's entry dropped), else it stays due and the officer is told a head must log in;
never under the disabled officer's own session (the window locks). Real province server over HTTP, the app's own
sync worker."""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from province_server.officers import record_id
from station_client.domain import accounts as account_rules
from station_client.paths import db_path
from station_client.store import Store, encrypt, keys
from station_client.store import accounts as acc
from station_client.store import unlock as unlocking
from station_client.store.audit import verify
from station_client.store.connection import forget_key, held_key, open_connection
from station_client.store.errors import WrongKey
from station_client.store.store import forget_session
from station_client.sync.enroll import enroll
from tests.security.rekey_support import GONE, GONE_PW, HEAD, HEAD_PW, LATER, STAYS, STAYS_PW, clean_keys  # noqa: F401
from tests.security.rekey_support import person as _person
from tests.support.server import RunningServer
from tests.sync.conftest import COMMUNE, server, server_records  # noqa: F401
from tests.ui.conftest import type_text

pytestmark = pytest.mark.usefixtures("clean_keys")


def _enrolled_station(data_dir: Path, srv: RunningServer, *, old_recovery_entry: bool = False) -> Path:
    """An encrypted station enrolled with the province (its token sealed with the data key), three accounts,
    closed (the app starts locked)."""
    db = db_path(data_dir)
    db.parent.mkdir(parents=True, exist_ok=True)
    unlocking.setup(db, HEAD, HEAD_PW, HEAD_PW)
    with Store.open(db) as store:
        acc.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
        acc.create_account(store, GONE, "Phạm Thị Lan", "officer", GONE_PW)
        acc.create_account(store, STAYS, "Lê Văn Bình", "officer", STAYS_PW)
        store.create("person", _person("Trần Văn Trước", "022190000001"))
        enroll(store, srv.url, srv.add_station(COMMUNE, "Mạo Khê"))
    unlocking.take_recovery_key(db)
    if old_recovery_entry:  # a recovery entry from before key pairs (format 1): a re-key cannot carry it
        with keys.updating(keys.keys_path(db)) as data:
            data["recovery"] = {k: v for k, v in data["recovery"].items() if k != "pk"}
    forget_key()
    forget_session()
    return db


def _province_disables(srv: RunningServer, username: str, full_name: str) -> None:
    """The province's admin disables the account at the commune's stations (what ``province-server officer
    disable`` writes: an ``officer_account`` record with ``active`` false), through the admin API."""
    fields: dict[str, Any] = {
        "username": username, "full_name": full_name, "role": "officer", "active": False,
        "password_hash": account_rules.hash_password(secrets.token_urlsafe(24)),
        "issued_at": datetime.now(UTC).isoformat(timespec="microseconds"), "note": None}
    srv.admin_put_record("officer_account", record_id(COMMUNE, username), fields, commune_code=COMMUNE)


def _province_audit(srv: RunningServer, record: str) -> list[tuple[str, str]]:
    """The station audit entries the province stored for ``record`` (officer, changes), from its SQLite file."""
    conn = sqlite3.connect(f"file:{srv.db_url[len('sqlite:///'):]}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT officer, changes FROM audit_entries WHERE record_id = ? ORDER BY seq",
                            (record,)).fetchall()
    finally:
        conn.close()


def _log_in(qtbot, w, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    if w.login.username.isEnabled():
        w.login.username.clear()
        type_text(qtbot, w.login.username, username)
    type_text(qtbot, w.login.password, password)
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)


def _started(qtbot, app_factory, username: str, password: str) -> tuple[Any, list[Any]]:  # type: ignore[no-untyped-def]
    """The real app (encrypted, its sync worker on), an officer logged in, and its first sync cycle over."""
    app = app_factory(encrypt=True, start_sync=True)
    w = app.window
    _log_in(qtbot, w, username, password)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace, timeout=10000)
    reports: list[Any] = []
    app.context.sync.cycle_finished.connect(reports.append)
    app.context.sync.sync_now()
    qtbot.waitUntil(lambda: any(r.ok for r in reports), timeout=20000)
    return app, reports


def _sync_takes_the_disable(qtbot, app, reports: list[Any]) -> None:  # type: ignore[no-untyped-def]
    reports.clear()
    app.context.sync.sync_now()
    qtbot.waitUntil(lambda: any(GONE in r.applied.disabled for r in reports), timeout=20000)
    assert next(r for r in reports if GONE in r.applied.disabled).applied.rekey_due


def test_a_province_disable_rekeys_at_once_under_an_officer(qtbot, app_factory, data_dir, tmp_path,  # type: ignore[no-untyped-def]
                                                            server) -> None:  # noqa: F811
    db = _enrolled_station(data_dir, server)
    usb = tmp_path / "usb"
    shutil.copytree(db.parent, usb)  # the officer's copy of the data folder, before the province disables them
    app, reports = _started(qtbot, app_factory, STAYS, STAYS_PW)  # an ordinary officer at work, no head
    w = app.window
    before = held_key(db)

    _province_disables(server, GONE, "Phạm Thị Lan")
    _sync_takes_the_disable(qtbot, app, reports)
    # The re-key ran once that cycle was over, without a login: the sync was stopped, the key changed, the sync
    # started again (a new worker, on the new key), and the officer kept working on the same page.
    qtbot.waitUntil(lambda: not unlocking.rekey_due(db) and not app.context.rekey.running, timeout=20000)
    assert held_key(db) != before
    assert w.stack.currentWidget() is w.workspace and app.context.officer.username == STAYS
    assert app.context.sync.scheduler is not None
    assert w.findChild(QMessageBox, "rekey_notice_box") is None
    qtbot.waitUntil(lambda: "mã hóa lại bằng khóa mới" in w.statusBar().currentMessage())

    # Work written after the re-key is saved and reaches the province (the token was sealed again).
    app.tasks.call_write(lambda store: store.create("person", _person(LATER, "022190000002")))
    qtbot.waitUntil(lambda: any(f.get("full_name") == LATER for _v, _d, f in server_records(server).values()),
                    timeout=30000)
    # The province holds the re-key's audit entry too (pushed with the chain, verified on arrival).
    qtbot.waitUntil(lambda: bool(_province_audit(server, "data-key")), timeout=30000)
    assert _province_audit(server, "data-key")[0][0] == "system:rekey"
    assert all(r.audit_refused is None for r in reports)
    app.close()
    forget_key()
    forget_session()

    # The disabled officer's old copy of the key file, with their password, does not open the data as it is now;
    # their copy itself holds only what it held the day it was taken.
    old = keys.unwrap_password(keys.keys_path(usb / "station.db"), GONE, GONE_PW)
    assert old is not None and not encrypt.opens(db, old)
    with pytest.raises(WrongKey):
        open_connection(db, key=old)
    copy = open_connection(usb / "station.db", key=old, readonly=True)
    try:
        assert [r[0] for r in copy.execute("SELECT full_name FROM persons")] == ["Trần Văn Trước"]
    finally:
        copy.close()
    forget_key()

    # The chain records it: the province's disable (``system:sync``), then the program's re-key naming who was
    # logged in and whose entry no longer opens anything new, and why; it verifies.
    assert unlocking.login(db, HEAD, HEAD_PW).username == HEAD
    with Store.open(db) as store:
        assert store.find_one("person", full_name=LATER) is not None
        assert verify(store.conn).ok
        disabled = store.conn.execute("SELECT seq, officer FROM audit WHERE record_id = ? "
                                      "AND changes LIKE '%account.disabled%'", (GONE,)).fetchall()
        assert [d[1] for d in disabled] == ["system:sync"]
        rotated = store.conn.execute("SELECT seq, officer, changes FROM audit WHERE record_id = 'data-key'").fetchall()
        assert len(rotated) == 1 and rotated[0][1] == "system:rekey" and rotated[0][0] > disabled[0][0]
        assert '"logged_in"' in rotated[0][2] and STAYS in rotated[0][2]
        assert '"account.disabled"' in rotated[0][2] and GONE in rotated[0][2]
        assert [(e.username, e.why, e.by) for e in acc.dropped_key_entries(store.conn)] == [
            (GONE, "account.disabled", "system:rekey")]
    forget_key()
    forget_session()
    assert unlocking.login(db, STAYS, STAYS_PW).username == STAYS  # the officer who stays still opens it


def test_an_officer_is_told_when_the_rekey_needs_the_head(qtbot, app_factory, data_dir, server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The re-key would have to make a new recovery key (this station's recovery entry is of the old format):
    only a station head may see it, so under an officer it stays due, nothing changes, and the officer is told;
    the head's next login runs it and shows the new recovery key once."""
    db = _enrolled_station(data_dir, server, old_recovery_entry=True)
    app, reports = _started(qtbot, app_factory, STAYS, STAYS_PW)
    w = app.window
    before = held_key(db)
    _province_disables(server, GONE, "Phạm Thị Lan")
    _sync_takes_the_disable(qtbot, app, reports)
    qtbot.waitUntil(lambda: w.findChild(QMessageBox, "rekey_notice_box") is not None, timeout=20000)
    notice = w.findChild(QMessageBox, "rekey_notice_box")
    assert "Trưởng Công an đăng nhập" in notice.text() and "khóa khôi phục mới" in notice.text()
    assert unlocking.rekey_due(db) and held_key(db) == before and not keys.keys_path(db).with_name(
        "station.keys.next").exists()
    assert w.stack.currentWidget() is w.workspace and app.context.sync.scheduler is not None
    notice.done(0)

    w.show_login()  # the head comes in
    _log_in(qtbot, w, HEAD, HEAD_PW)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.recovery_key_page, timeout=20000)
    assert not unlocking.rekey_due(db) and held_key(db) != before
    assert keys.parse_recovery_key(w.recovery_key_page.key_label.text())


def test_the_disabled_officers_own_session_locks_and_never_rekeys(qtbot, app_factory, data_dir,  # type: ignore[no-untyped-def]
                                                                 server) -> None:  # noqa: F811
    """The province disables the officer who is logged in: the window locks (their session does no more work)
    and the re-key does not run in their process; it runs at the next login, here the head's."""
    db = _enrolled_station(data_dir, server)
    app, reports = _started(qtbot, app_factory, GONE, GONE_PW)
    w = app.window
    before = held_key(db)
    _province_disables(server, GONE, "Phạm Thị Lan")
    _sync_takes_the_disable(qtbot, app, reports)
    qtbot.waitUntil(lambda: w.is_locked)
    assert "khóa tài khoản này" in w.login.sub.text()
    assert unlocking.rekey_due(db) and held_key(db) == before and not app.context.rekey.running

    w.show_login()
    _log_in(qtbot, w, HEAD, HEAD_PW)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace, timeout=10000)
    qtbot.waitUntil(lambda: not unlocking.rekey_due(db) and not app.context.rekey.running, timeout=20000)
    assert held_key(db) != before
    app.close()
    with Store.open(db) as store:
        rotated = store.conn.execute("SELECT officer, changes FROM audit WHERE record_id = 'data-key'").fetchall()
        assert len(rotated) == 1 and rotated[0][0] == "system:rekey" and f'"{HEAD}"' in rotated[0][1]


def test_rekey_without_a_head_refuses_to_drop_a_heads_entry(tmp_path: Path) -> None:
    """The store's own guard: run without a head, a re-key that would drop an active head's entry (format 1)
    changes nothing and stays due."""
    db = tmp_path / "station.db"
    unlocking.setup(db, HEAD, HEAD_PW, HEAD_PW)
    with Store.open(db) as store:
        acc.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
        acc.create_account(store, GONE, "Phạm Thị Lan", "officer", GONE_PW)
        acc.set_active(store, GONE, False)
    with keys.updating(keys.keys_path(db)) as data:  # the head's entry as an older version left it
        data["officers"][HEAD] = {k: v for k, v in data["officers"][HEAD].items() if k != "pk"}
    before, content = held_key(db), keys.keys_path(db).read_bytes()
    with pytest.raises(unlocking.RekeyWaitsForHead):
        unlocking.rekey_now(db, head_present=False, by_program=True)
    assert held_key(db) == before and keys.keys_path(db).read_bytes() == content and unlocking.rekey_due(db)
    assert encrypt.opens(db, before)
    assert unlocking.rekey_now(db, head_present=True, by_program=True) is not None  # a head present: it runs


def test_a_headless_sync_says_the_rekey_waits_for_a_head(data_dir, server, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """``station-client --user OFFICER sync`` takes the province's disable too; without the app it leaves the re-key
    due for a head's next login, and says so (and in ``--json``)."""
    import io
    import json

    from station_client import cli

    db = _enrolled_station(data_dir, server)
    _province_disables(server, GONE, "Phạm Thị Lan")
    monkeypatch.setattr("sys.stdin", io.StringIO(STAYS_PW + "\n"))
    args = ["--data-dir", str(data_dir), "--user", STAYS, "--password-stdin", "sync", "--json"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["disabled"] == [GONE] and out["rekey_due"] is True
    assert unlocking.rekey_due(db) and not keys.has_officer_key(db, GONE)
