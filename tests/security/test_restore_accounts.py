"""Issue 13, defect 6: restoring an older backup on the same station locked everyone out after a password change
made since the backup, and silently re-enabled a disabled account. The accounts as they are now survive the
restore, the restore says what it changed, and it is audited; on an encrypted station a backup made before a
re-key comes back under the current key (the re-key is not undone)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from station_client.domain import accounts as account_rules
from station_client.store import Store, encrypt, keys
from station_client.store import accounts as acc
from station_client.store import unlock as unlocking
from station_client.store.audit import verify
from station_client.store.backup import backup, restore
from station_client.store.connection import forget_key
from station_client.store.store import forget_session


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(account_rules, "SCRYPT_N", 2**10)
    monkeypatch.setenv("STATION_CLIENT_NO_KEYRING", "1")
    forget_key()
    forget_session()
    yield
    forget_key()
    forget_session()


def _accounts(store: Store) -> None:
    acc.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025")
    acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass")
    acc.create_account(store, "canbo2", "Lê Văn Bình", "officer", "binh2025pass")
    acc.create_account(store, "canbo3", "Võ Thị Cúc", "officer", "cuc2025pass")


def test_restore_keeps_passwords_disabled_accounts_and_lockouts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from station_client import cli

    home = tmp_path / "station"
    db = home / "station.db"
    with Store.open(db) as store:
        _accounts(store)
    saved = tmp_path / "last-week.db"
    backup(db, saved)
    with Store.open(db) as store:  # since the backup: a password change, a reset, a disable, a lockout
        acc.change_password(store, "truong", "matkhau2025", "doimoi2025x")
        acc.log_in(store, "truong", "doimoi2025x")
        acc.reset_password(store, "canbo1", "tamthoi2025")
        acc.set_active(store, "canbo2", False)
        for _ in range(account_rules.MAX_FAILURES):
            with pytest.raises(acc.AuthError):
                acc.verify(store, "canbo3", "wrong-pass9")
        store.log_out()
    monkeypatch.setattr("sys.stdin", io.StringIO("doimoi2025x\n"))
    assert cli.main(["--data-dir", str(home), "--user", "truong", "--password-stdin", "restore", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "Accounts kept as they are now" in out and "truong: password" in out and "canbo2: active" in out
    with Store.open(db) as store:
        assert acc.verify(store, "truong", "doimoi2025x").is_head  # the new password, not the backup's
        with pytest.raises(acc.AuthError):
            acc.verify(store, "truong", "matkhau2025")
        assert acc.verify(store, "canbo1", "tamthoi2025").must_change  # the reset stands, change still forced
        with pytest.raises(acc.AuthError):
            acc.verify(store, "canbo2", "binh2025pass")  # still disabled
        infos = {i.username: i for i in acc.account_infos(store)}
        assert infos["canbo3"].locked and not infos["canbo2"].active
        rows = store.conn.execute(
            "SELECT officer, changes FROM audit WHERE kind = 'station' AND record_id = 'backup'").fetchall()
        assert [r[0] for r in rows] == ["truong"]  # the head who restored, named in the restored chain
        restored = json.loads(rows[0][1])
        assert restored["event"][1] == "backup.restored" and "truong: password" in restored["accounts_kept"][1]
        assert verify(store.conn).ok


def test_a_backup_from_before_a_rekey_comes_back_under_the_current_key(tmp_path: Path) -> None:
    home = tmp_path / "station"
    db = home / "station.db"
    home.mkdir()
    unlocking.setup(db, "truong", "matkhau2025", "matkhau2025")
    with Store.open(db) as store:
        _accounts(store)
        store.create("person", {"full_name": "Trần Văn A", "birth_date": "1990-01-02", "sex": "M",
                                "personal_id": "022090000011"})
    recovery = unlocking.take_recovery_key(db)
    assert recovery
    old_backup = tmp_path / "old.db"
    backup(db, old_backup)
    with Store.open(db) as store:
        acc.set_active(store, "canbo2", False)
    forget_key()
    unlocking.login(db, "truong", "matkhau2025")  # the head's login runs the due re-key
    current = keys.load(keys.keys_path(db))["key_id"]
    assert keys.load(keys.keys_path(old_backup.with_name("old.db")).with_name("old.db.keys"))["key_id"] != current
    # A backup under the old key needs the recovery key (it opens the backup's own key file), as on a new PC.
    info, kept = restore(old_backup, db, key=keys.unwrap_recovery(old_backup.with_name("old.db.keys"), recovery))
    assert kept is not None and info.persons == 1
    assert keys.load(keys.keys_path(db))["key_id"] == current  # the station's key file stayed
    assert "canbo2" not in keys.load(keys.keys_path(db))["officers"]
    old_key = keys.unwrap_password(old_backup.with_name("old.db.keys"), "canbo2", "binh2025pass")
    assert old_key is not None and not encrypt.opens(db, old_key)
    forget_key()
    forget_session()
    with pytest.raises(keys.WrongPassword):
        unlocking.unlock(db, "canbo2", "binh2025pass")
    assert unlocking.login(db, "canbo1", "lan12345pass").username == "canbo1"
    with Store.open(db) as store:
        assert store.count("person") == 1 and verify(store.conn).ok


def test_the_restore_message_names_the_real_flag(tmp_path: Path) -> None:
    from station_client.store.errors import StoreLocked

    home = tmp_path / "a"
    home.mkdir()
    db = home / "station.db"
    unlocking.setup(db, "truong", "matkhau2025", "matkhau2025")
    with Store.open(db) as store:
        _accounts(store)
    saved = tmp_path / "b.db"
    backup(db, saved)
    forget_key()
    with pytest.raises(StoreLocked) as refused:
        restore(saved, tmp_path / "new" / "station.db")
    assert "--recovery-key-stdin" in refused.value.en and "--recovery-key-stdin" in refused.value.vi
