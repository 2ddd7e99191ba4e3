"""Issue 13, defect 5: the data key changes when an account is disabled and when the head says a copy may have
leaked (re-key), so an older copy of the key file with an old password or recovery key opens nothing written
afterwards; the unlock API refuses a disabled account; a kill during the re-key leaves a station that opens."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from station_client.domain import accounts as account_rules
from station_client.store import Store, encrypt, keys
from station_client.store import accounts as acc
from station_client.store import unlock as unlocking
from station_client.store.audit import verify
from station_client.store.connection import forget_key, open_connection
from station_client.store.errors import StoreError, WrongKey
from station_client.store.store import forget_session
from tests.security.rekey_support import GONE, GONE_PW, HEAD, HEAD_PW, STAYS, STAYS_PW, clean_keys  # noqa: F401
from tests.security.rekey_support import LATER as SECRET_NAME
from tests.security.rekey_support import person as _person

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_keys")


def _station(home: Path) -> tuple[Path, str]:
    db = home / "station.db"
    home.mkdir(parents=True)
    unlocking.setup(db, HEAD, HEAD_PW, HEAD_PW)
    with Store.open(db) as store:
        acc.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
        acc.create_account(store, GONE, "Phạm Thị Lan", "officer", GONE_PW)
        acc.create_account(store, STAYS, "Lê Văn Bình", "officer", STAYS_PW)
        store.create("person", _person("Trần Văn Trước", "022190000001"))
    recovery = unlocking.take_recovery_key(db)
    assert recovery
    return db, recovery


def _folder_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_a_disabled_officer_with_last_weeks_copy_reads_nothing_written_after_the_rekey(tmp_path: Path) -> None:
    db, recovery = _station(tmp_path / "station")
    last_week = tmp_path / "usb"
    shutil.copytree(db.parent, last_week)  # the officer's copy of the data folder, key file included
    with Store.open(db) as store:
        acc.set_active(store, GONE, False)
    assert keys.load(keys.keys_path(db)).get("rekey_due") and not keys.has_officer_key(db, GONE)
    forget_key()
    # The unlock API refuses the disabled account: with the current key file (no entry) and with last week's
    # key file put beside the current data (an entry, but the account is disabled).
    with pytest.raises(keys.WrongPassword):
        unlocking.unlock(db, GONE, GONE_PW)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(db, mixed / "station.db")
    shutil.copy(last_week / "station.keys", mixed / "station.keys")
    with pytest.raises(keys.WrongPassword):
        unlocking.unlock(mixed / "station.db", GONE, GONE_PW)
    forget_key()
    # An officer's login leaves the re-key due (it may make a recovery key only the head may see); the head's
    # next login re-keys.
    unlocking.login(db, STAYS, STAYS_PW)
    assert keys.load(keys.keys_path(db)).get("rekey_due")
    forget_key()
    old_key = keys.unwrap_password(keys.keys_path(last_week / "station.db"), GONE, GONE_PW)
    assert old_key is not None and encrypt.opens(db, old_key)  # before the re-key: the old copy opens it
    unlocking.login(db, HEAD, HEAD_PW)
    assert not keys.load(keys.keys_path(db)).get("rekey_due")
    assert unlocking.take_recovery_key(db) is None  # this station's recovery entry was carried over
    with Store.open(db) as store:
        store.create("person", _person(SECRET_NAME, "022190000002"))
        events = [r[0] for r in store.conn.execute(
            "SELECT changes FROM audit WHERE kind IN ('account', 'station') ORDER BY seq")]
        assert any("account.disabled" in e for e in events) and any("data_key.rotated" in e for e in events)
        assert verify(store.conn).ok
    forget_key()
    forget_session()
    # The disabled officer, with last week's key file and their password, gets last week's key: it does not open
    # the current data, nor the current data put into their old folder.
    assert not encrypt.opens(db, old_key)
    with pytest.raises(WrongKey):
        open_connection(db, key=old_key)
    shutil.copy(db, last_week / "station.db")
    for side in ("-wal", "-shm"):
        (last_week / f"station.db{side}").unlink(missing_ok=True)
    with pytest.raises((WrongKey, keys.WrongPassword)):
        unlocking.unlock(last_week / "station.db", GONE, GONE_PW)
    forget_key()
    assert SECRET_NAME.encode() not in _folder_bytes(db.parent)
    # Everyone else still opens it with the password they have; so does the recovery key.
    assert unlocking.login(db, STAYS, STAYS_PW).username == STAYS
    forget_key()
    assert encrypt.opens(db, keys.unwrap_recovery(keys.keys_path(db), recovery))
    # The recovery key with last week's key file gives last week's key only.
    assert not encrypt.opens(db, keys.unwrap_recovery(last_week / "station.keys", recovery))


def test_key_rotate_after_a_leak_changes_the_data_key_and_the_recovery_key(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from station_client import cli

    db, recovery = _station(tmp_path / "station")
    leaked = tmp_path / "leaked.keys"
    shutil.copy(keys.keys_path(db), leaked)
    forget_key()
    forget_session()
    base = ["--data-dir", str(db.parent)]
    monkeypatch.setattr("sys.stdin", io.StringIO(STAYS_PW + "\n"))
    assert cli.main([*base, "--user", STAYS, "--password-stdin", "key", "rotate"]) == 1  # the head's decision
    assert "station head" in capsys.readouterr().err
    forget_key()
    monkeypatch.setattr("sys.stdin", io.StringIO(HEAD_PW + "\n"))
    assert cli.main([*base, "--user", HEAD, "--password-stdin", "key", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "Re-encrypting" in out
    new_recovery = out.strip().splitlines()[-1]
    forget_key()
    old = keys.unwrap_password(leaked, HEAD, HEAD_PW)
    assert old is not None and not encrypt.opens(db, old)
    assert not encrypt.opens(db, keys.unwrap_recovery(leaked, recovery))
    with pytest.raises(keys.WrongPassword):
        keys.unwrap_recovery(keys.keys_path(db), recovery)
    assert encrypt.opens(db, keys.unwrap_recovery(keys.keys_path(db), new_recovery))
    assert unlocking.login(db, STAYS, STAYS_PW).username == STAYS


CRASH_CHILD = r"""
import os, signal, sys
from station_client.domain import accounts
accounts.SCRYPT_N = 2**10
from station_client.store import encrypt, keys, unlock
step = sys.argv[2]
def kill(name):
    if name == step:
        os.kill(os.getpid(), signal.SIGKILL)
encrypt.checkpoint = kill
unlock.unlock(sys.argv[1], "truong", "matkhau2025")
unlock.rekey_now(sys.argv[1], new_recovery=True)
"""


@pytest.mark.parametrize("step", ["next-written", "rekeyed", "swapped"])
def test_a_kill_during_the_rekey_leaves_a_station_that_opens(tmp_path: Path, step: str) -> None:
    db, _recovery = _station(tmp_path / "station")
    forget_key()
    forget_session()
    env = {**os.environ, "STATION_CLIENT_NO_KEYRING": "1"}
    result = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(db), step], cwd=ROOT, capture_output=True,
                            env=env)
    assert result.returncode == -9, result.stderr
    for user, pw in ((STAYS, STAYS_PW), (HEAD, HEAD_PW)):
        unlocking.login(db, user, pw)
        with Store.open(db) as store:
            assert store.count("person") == 1 and verify(store.conn).ok
        forget_key()
        forget_session()
    assert not encrypt.next_keys_path(db).exists()


def test_rekey_refuses_while_another_program_has_the_file_open(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the open-elsewhere check reads Linux locks")
    db, _recovery = _station(tmp_path / "station")
    holder = subprocess.Popen([sys.executable, "-c", "import sys, sqlcipher3\n"
                               f"c = sqlcipher3.connect({str(db)!r})\n"
                               f"c.execute(\"PRAGMA key = \\\"x'{_held_hex(db)}'\\\"\")\n"
                               "c.execute('SELECT count(*) FROM persons').fetchone()\n"
                               "print('open', flush=True)\nsys.stdin.readline()\n"],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="open in another program"):
            unlocking.rekey_now(db, new_recovery=True)
        assert unlocking.rekey_now(db) is None  # a due re-key at a login waits for another time
    finally:
        holder.communicate("\n", timeout=10)


def _held_hex(db: Path) -> str:
    from station_client.store.connection import held_key

    key = held_key(db)
    assert key is not None
    return key.hex()


def test_the_app_rekeys_at_the_heads_next_login_after_a_disable(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from station_client.paths import db_path
    from tests.ui.conftest import type_text

    db = db_path(data_dir)
    db.parent.mkdir(parents=True, exist_ok=True)
    unlocking.setup(db, HEAD, HEAD_PW, HEAD_PW)
    with Store.open(db) as store:
        acc.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
        acc.create_account(store, GONE, "Phạm Thị Lan", "officer", GONE_PW)
    unlocking.take_recovery_key(db)
    old_keys = data_dir.parent / "old.keys"
    shutil.copy(keys.keys_path(db), old_keys)
    forget_key()
    forget_session()

    def log_in(app) -> None:  # type: ignore[no-untyped-def]
        w = app.window
        type_text(qtbot, w.login.username, HEAD)
        type_text(qtbot, w.login.password, HEAD_PW)
        qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace, timeout=10000)

    app = app_factory(encrypt=True)
    log_in(app)
    app.tasks.call_write(lambda store: acc.set_active(store, GONE, False))
    assert unlocking.rekey_due(db)
    app.close()
    forget_key()
    forget_session()
    app = app_factory(encrypt=True)  # the next start
    log_in(app)
    assert not unlocking.rekey_due(db)
    app.tasks.call_write(lambda store: store.create("person", _person(SECRET_NAME, "022190000003")))
    old = keys.unwrap_password(old_keys, GONE, GONE_PW)
    assert old is not None and not encrypt.opens(db, old)


def test_an_entry_from_before_this_version_is_dropped_by_a_rekey_and_made_again_at_a_login(tmp_path: Path) -> None:
    """A format-1 entry (no key pair: a legacy entry from the upgrade of a plain store) is not carried by a re-key
    — deriving one from the password hash would let an old copy of the database open the new key —; the officer
    gets a fresh entry when they log in while the station is open (the lock screen's 'another officer')."""
    from station_client.store.connection import held_key

    db, _recovery = _station(tmp_path / "station")
    key = held_key(db)
    assert key is not None
    with Store.open(db) as store:
        pw_hash = store.conn.execute("SELECT password_hash FROM accounts WHERE username = ?", (STAYS,)).fetchone()[0]
    with keys.updating(keys.keys_path(db)) as data:
        data["officers"][STAYS] = keys.legacy_entry(key, STAYS, pw_hash)
    unlocking.rekey_now(db, new_recovery=True)
    assert STAYS not in keys.load(keys.keys_path(db))["officers"]
    with Store.open(db) as store:
        event = store.conn.execute("SELECT changes FROM audit WHERE record_id = 'data-key'").fetchone()[0]
        assert STAYS in event
        acc.log_in(store, STAYS, STAYS_PW)  # the station is open: the account check alone
        unlocking.after_login(store, STAYS, STAYS_PW)
    forget_key()
    forget_session()
    assert unlocking.login(db, STAYS, STAYS_PW).username == STAYS


def test_a_province_issue_older_than_the_rekey_gets_no_entry_from_its_hash(tmp_path: Path) -> None:
    """An entry derived from an issued password's hash would let an old copy of the database (which holds the
    hash) open the new key: after a re-key only issues made since get one."""
    from datetime import timedelta

    from station_client.clock import utcnow

    db, _recovery = _station(tmp_path / "station")
    pw_hash = account_rules.hash_password("caplan2026x")
    unlocking.rekey_now(db, new_recovery=True)
    with Store.open(db) as store:
        acc.password_issued(store, "moi1", pw_hash, (utcnow() - timedelta(days=2)).isoformat())
        assert not keys.has_officer_key(db, "moi1")
        acc.password_issued(store, "moi2", pw_hash, (utcnow() + timedelta(seconds=1)).isoformat())
        assert keys.has_officer_key(db, "moi2")


def test_the_heads_list_says_whose_entries_a_rekey_dropped_when_and_why(tmp_path: Path) -> None:
    """A disable and a head's reset make the re-key due with their reason; a format-1 entry the re-key cannot
    carry is listed too. The list is read from the re-key's audit entry, which stays in a verifying chain."""
    from station_client.store.connection import held_key

    db, _recovery = _station(tmp_path / "station")
    key = held_key(db)
    assert key is not None
    with Store.open(db) as store:
        acc.set_active(store, GONE, False)
        acc.reset_password(store, STAYS, "tamthoi2025x", "tamthoi2025x")
        store.conn.execute("INSERT INTO accounts(username, full_name, role, password_hash, created_at, created_by,"
                           " password_changed_at) VALUES ('cu1', 'Vũ Văn Cũ', 'officer', ?, '2026-01-01T00:00:00',"
                           " 'truong', '2026-01-01T00:00:00')", (account_rules.hash_password("cu12345pass"),))
        store.conn.commit()
    assert [r["event"] for r in keys.rekey_reasons(keys.load(keys.keys_path(db)))] == ["account.disabled",
                                                                                      "password.reset"]
    with keys.updating(keys.keys_path(db)) as data:  # an entry from before this version
        data["officers"]["cu1"] = keys.legacy_entry(key, "cu1", account_rules.hash_password("cu12345pass"))
    assert unlocking.rekey_now(db) is not None
    assert "rekey_reasons" not in keys.load(keys.keys_path(db)) and not unlocking.rekey_due(db)
    conn = open_connection(db, readonly=True)
    try:
        listed = {(d.username, d.why): d for d in acc.dropped_key_entries(conn)}
        assert verify(conn).ok
    finally:
        conn.close()
    assert set(listed) == {(GONE, "account.disabled"), (STAYS, "password.reset"), ("cu1", "entry.old_format")}
    gone = listed[(GONE, "account.disabled")]
    assert gone.full_name == "Phạm Thị Lan" and gone.since and gone.since <= gone.at
    assert gone.by == HEAD  # the head logged in (``_station``): the re-key is theirs
