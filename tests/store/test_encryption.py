"""The encrypted store on real files: unreadable without the key, wrong keys refused without a change, an old plain
store encrypted in place (records and audit chain intact, crash-safe), backups restored with the recovery key."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from station_client.domain import accounts as account_rules
from station_client.store import Store, encrypt, keys
from station_client.store import accounts as account_store
from station_client.store import unlock as unlocking
from station_client.store.audit import verify
from station_client.store.backup import backup, backup_keys_path, restore
from station_client.store.connection import forget_key
from station_client.store.errors import KeyFileError, NotAStationDatabase, StoreError, StoreLocked, WrongKey
from station_client.store.store import forget_session
from station_client.synthetic import Generator, populate

ROOT = Path(__file__).resolve().parents[2]
HEAD, HEAD_PW = "truong", "matkhau2025"
OFFICER, OFFICER_PW = "canbo1", "lan12345pass"


@pytest.fixture(autouse=True)
def _fast_kdf_and_no_held_keys(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(account_rules, "SCRYPT_N", 2**10)
    forget_key()
    forget_session()
    yield
    forget_key()
    forget_session()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _new_encrypted(db: Path) -> str:
    unlocking.setup(db, HEAD, HEAD_PW, HEAD_PW)
    with Store.open(db) as store:
        account_store.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
    recovery = unlocking.take_recovery_key(db)
    assert recovery is not None
    return recovery


def _plain_with_accounts(db: Path, residents: int = 30) -> None:
    with Store.open(db) as store:
        account_store.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
        account_store.create_account(store, OFFICER, "Lê Thị Cán", "officer", OFFICER_PW)
        populate(store, residents, seed=5, officer=HEAD)  # the first account's creation logged the head in


def test_file_unreadable_without_key_and_holds_no_personal_data(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    _new_encrypted(db)
    values = Generator(3).person()
    values.pop("id")
    name, personal_id = values["full_name"], values["personal_id"]
    assert name.encode() != name.encode("ascii", "ignore") and len(personal_id) == 12
    with Store.open(db) as store:
        store.create("person", values, officer=HEAD)
        reader = store.open_reader()
        assert reader.execute("SELECT count(*) FROM persons WHERE personal_id = ?", (personal_id,)).fetchone()[0] == 1
        reader.close()
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(db).execute("SELECT count(*) FROM sqlite_master").fetchone()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    first_name_word = name.split()[-1].encode()
    for needle in (name.encode(), first_name_word, personal_id.encode(), personal_id[-6:].encode(), b"SQLite format"):
        assert needle not in data
    forget_key()
    with pytest.raises(StoreLocked) as exc:  # no key held: refused with words, not "damaged"
        Store.open(db)
    assert "mã hóa" in exc.value.vi and "encrypted" in exc.value.en


def test_wrong_password_typo_missing_key_file_and_foreign_file_change_nothing(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    recovery = _new_encrypted(db)
    forget_key()
    before = _digest(db)
    with pytest.raises(keys.WrongPassword) as exc:
        unlocking.unlock(db, HEAD, "sai-mat-khau-1")
    assert exc.value.vi == "Tên đăng nhập hoặc mật khẩu không đúng." and exc.value.en == "Wrong username or password."
    typo = recovery[:-1] + ("A" if recovery[-1] != "A" else "B")
    with pytest.raises(keys.WrongPassword, match="typo"):
        unlocking.recover(db, typo, HEAD, "moi12345pass", "moi12345pass")
    other = keys.new_recovery_key()
    with pytest.raises(keys.WrongPassword, match="does not belong"):
        unlocking.recover(db, other, HEAD, "moi12345pass", "moi12345pass")
    with pytest.raises(WrongKey) as wrong:  # a key that is not this file's
        from station_client.store.connection import open_connection

        open_connection(db, key=os.urandom(32))
    assert "không mở được" in wrong.value.vi
    kp = keys.keys_path(db)
    moved = kp.rename(tmp_path / "elsewhere.keys")
    with pytest.raises(KeyFileError) as missing:
        unlocking.state(db)
    assert "thiếu tệp khóa" in missing.value.vi and "missing" in missing.value.en
    kp.write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyFileError, match="damaged"):
        unlocking.unlock(db, HEAD, HEAD_PW)
    moved.replace(kp)
    assert _digest(db) == before
    # Lockout lives in the key file (the database cannot be opened to count): 5 wrong passwords lock the name.
    for _ in range(account_rules.MAX_FAILURES):
        with pytest.raises(keys.WrongPassword):
            unlocking.unlock(db, HEAD, "sai-mat-khau-2")
    with pytest.raises(keys.WrongPassword, match="locked"):
        unlocking.unlock(db, HEAD, HEAD_PW)
    assert _digest(db) == before
    # A damaged encrypted file with the right key: a message, not a crash.
    corrupt = tmp_path / "corrupt" / "station.db"
    corrupt.parent.mkdir()
    corrupt.write_bytes(db.read_bytes()[:4096] + os.urandom(8192))
    (corrupt.parent / "station.keys").write_bytes(kp.read_bytes())
    key = keys.unwrap_recovery(kp, recovery)
    with pytest.raises((WrongKey, NotAStationDatabase)):
        _open_with(corrupt, key)


def _open_with(path: Path, key: bytes) -> None:
    from station_client.store.connection import hold_key

    hold_key(path, key)
    with Store.open(path) as store:
        store.conn.execute("SELECT count(*) FROM persons").fetchone()


def test_plain_store_encrypted_in_place_keeps_records_audit_and_every_login(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "station.db"
    _plain_with_accounts(db)
    with Store.open(db) as store:
        count = store.count("person")
        audit_rows = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        assert verify(store.conn).ok
        account = account_store.verify(store, HEAD, HEAD_PW)
        assert unlocking.encrypt_at_login(store, account, HEAD_PW)  # closes the store
    recovery = unlocking.take_recovery_key(db)
    assert recovery and not encrypt.is_plain_sqlite(db)
    assert not list(home.glob("*.encrypting")) and not list(home.glob("*-wal"))
    forget_key()
    env = {**os.environ, "STATION_CLIENT_USER": OFFICER, "STATION_CLIENT_PASSWORD": OFFICER_PW}
    result = subprocess.run([sys.executable, "-m", "station_client.cli", "--data-dir", str(home), "audit", "verify"],
                            capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert f"{audit_rows} mục" in result.stdout
    # The other officer logged in with the password they had before (a legacy entry, now replaced).
    assert not keys.load(keys.keys_path(db))["officers"][OFFICER].get("legacy")
    assert unlocking.login(db, HEAD, HEAD_PW).username == HEAD
    with Store.open(db) as store:
        assert store.count("person") == count
        assert verify(store.conn).ok


def test_backup_restores_on_a_fresh_machine_with_the_recovery_key(tmp_path: Path) -> None:
    db = tmp_path / "a" / "station.db"
    recovery = _new_encrypted(db)
    with Store.open(db) as store:
        populate(store, 12, seed=2, officer=HEAD)
    usb = tmp_path / "usb" / "backup.db"
    info = backup(db, usb)
    assert info.persons == 12 and backup_keys_path(usb).exists()
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(usb).execute("SELECT count(*) FROM persons").fetchone()
    forget_key()
    fresh = tmp_path / "b" / "station.db"
    with pytest.raises(StoreLocked):  # without the recovery key the backup says what it needs
        restore(usb, fresh)
    key = keys.unwrap_recovery(backup_keys_path(usb), recovery)
    info, kept = restore(usb, fresh, key=key)
    assert info.persons == 12 and kept is None
    forget_key()
    account = unlocking.recover(fresh, recovery, HEAD, "moi12345pass", "moi12345pass")
    assert account.is_head
    forget_key()
    with pytest.raises(keys.WrongPassword):
        unlocking.unlock(fresh, HEAD, HEAD_PW)  # the old password no longer opens it
    assert unlocking.login(fresh, HEAD, "moi12345pass").username == HEAD
    with Store.open(fresh) as store:
        assert store.count("person") == 12 and verify(store.conn).ok


def test_a_plain_backup_restored_into_an_encrypted_station_lands_encrypted(tmp_path: Path) -> None:
    old = tmp_path / "old" / "station.db"
    with Store.open(old) as store:
        populate(store, 7, seed=3, officer="dung")
    plain_backup = tmp_path / "old-backup.db"
    backup(old, plain_backup)
    db = tmp_path / "new" / "station.db"
    _new_encrypted(db)
    info, kept = restore(plain_backup, db)
    assert info.persons == 7 and kept is not None and not encrypt.is_plain_sqlite(kept)
    assert not encrypt.is_plain_sqlite(db) and not list(db.parent.glob("*.restoring*"))
    with Store.open(db) as store:
        assert store.count("person") == 7


def test_headless_commands_need_a_login_and_restore_reads_the_recovery_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    recovery = _new_encrypted(home / "station.db")
    forget_key()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_CLIENT_")}
    env["STATION_CLIENT_NO_KEYRING"] = "1"
    cli = [sys.executable, "-m", "station_client.cli", "--data-dir", str(home)]
    locked = subprocess.run([*cli, "audit", "verify"], capture_output=True, text=True, cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL)
    assert locked.returncode == 1 and "đã được mã hóa" in locked.stderr and "--password-stdin" in locked.stderr
    usb = tmp_path / "usb.db"
    done = subprocess.run([*cli, "--user", HEAD, "--password-stdin", "backup", str(usb)], input=HEAD_PW + "\n",
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    other = [sys.executable, "-m", "station_client.cli", "--data-dir", str(tmp_path / "new")]
    restored = subprocess.run([*other, "restore", "--recovery-key-stdin", str(usb)], input=recovery + "\n",
                              capture_output=True, text=True, cwd=ROOT, env=env)
    assert restored.returncode == 0, restored.stderr
    recovered = subprocess.run([*other, "recover", "--stdin"], input=f"{recovery}\n{HEAD}\nmoi12345pass\n",
                               capture_output=True, text=True, cwd=ROOT, env=env)
    assert recovered.returncode == 0, recovered.stderr


def test_officer_added_or_changed_by_the_head_unlocks_at_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    _new_encrypted(db)
    with Store.open(db) as store:
        account_store.create_account(store, OFFICER, "Lê Thị Cán", "officer", OFFICER_PW, created_by=HEAD)
        account_store.change_password(store, HEAD, HEAD_PW, "doi12345pass", "doi12345pass")
    forget_key()
    assert unlocking.login(db, OFFICER, OFFICER_PW).username == OFFICER
    forget_key()
    with pytest.raises(keys.WrongPassword):
        unlocking.unlock(db, HEAD, HEAD_PW)
    assert unlocking.login(db, HEAD, "doi12345pass").is_head
    with Store.open(db) as store:
        account_store.set_active(store, OFFICER, False, by=HEAD)
    forget_key()
    with pytest.raises(keys.WrongPassword):
        unlocking.unlock(db, OFFICER, OFFICER_PW)


CRASH_CHILD = r"""
import os, signal, sys
from station_client.domain import accounts
accounts.SCRYPT_N = 2**10
from station_client.store import encrypt, unlock
from station_client.store import Store
step = sys.argv[2]
def kill(name):
    if name == step:
        os.kill(os.getpid(), signal.SIGKILL)
encrypt.checkpoint = kill
with Store.open(sys.argv[1]) as store:
    from station_client.store import accounts as a
    account = a.verify(store, "truong", "matkhau2025")
    unlock.encrypt_at_login(store, account, "matkhau2025")
"""


@pytest.mark.parametrize("step", ["locked", "exported", "keys-written", "swapped"])
def test_a_kill_during_encryption_leaves_the_plain_file_or_the_encrypted_one(tmp_path: Path, step: str) -> None:
    db = tmp_path / "station.db"
    _plain_with_accounts(db, residents=8)
    with Store.open(db) as store:
        count = store.count("person")
    result = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(db), step], cwd=ROOT, capture_output=True)
    assert result.returncode == -9
    if encrypt.is_plain_sqlite(db):
        if keys.keys_path(db).exists():  # killed between the key file and the swap: the next login finishes
            assert unlocking.state(db) == "locked"
            unlocking.unlock(db, HEAD, HEAD_PW)
            assert not encrypt.is_plain_sqlite(db)
    else:
        unlocking.unlock(db, HEAD, HEAD_PW)
    with Store.open(db) as store:
        assert store.count("person") == count and verify(store.conn).ok


HOLDER = r"""
import sys, time
from station_client.store import Store
store = Store.open(sys.argv[1])
store.count("person")
print("open", flush=True)
sys.stdin.readline()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the open-elsewhere check reads Linux locks")
def test_a_process_with_the_file_open_blocks_the_upgrade_without_harm(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    _plain_with_accounts(db, residents=3)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # another window / a background sync
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with Store.open(db) as store:
            account = account_store.verify(store, HEAD, HEAD_PW)
            with pytest.raises(StoreError, match="open in another program"):
                unlocking.encrypt_at_login(store, account, HEAD_PW)
        assert encrypt.is_plain_sqlite(db) and not keys.keys_path(db).exists()
        with Store.open(db) as store:
            assert store.count("person") == 3
    finally:
        holder.communicate("\n", timeout=10)


class _FakeKeyring:
    """Stands for a real OS keyring (Credential Manager, Keychain, Secret Service)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, name: str, value: str) -> None:
        self.items[(service, name)] = value

    def get_password(self, service: str, name: str) -> str | None:
        return self.items.get((service, name))

    def delete_password(self, service: str, name: str) -> None:
        del self.items[(service, name)]


def test_unattended_key_lives_only_in_a_real_os_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from station_client.cli import main
    from station_client.commands import keys as key_commands

    home = tmp_path / "home"
    old_recovery = _new_encrypted(home / "station.db")
    forget_key()
    for var in ("STATION_CLIENT_USER", "STATION_CLIENT_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(key_commands, "_keyring", lambda: None)  # no real keyring: refused, nothing written
    monkeypatch.setattr("sys.stdin", io.StringIO(HEAD_PW + "\n"))
    assert main(["--data-dir", str(home), "--user", HEAD, "--password-stdin", "key", "remember"]) == 1
    assert "never saved to a plain file" in capsys.readouterr().err
    # Nothing but the data, its key file and the key file's (empty) lock file, taken by every key-file write.
    assert sorted(p.name for p in home.iterdir()) == ["station.db", "station.keys", "station.keys.lock"]
    assert (home / "station.keys.lock").stat().st_size == 0
    ring = _FakeKeyring()
    monkeypatch.setattr(key_commands, "_keyring", lambda: ring)
    forget_key()
    monkeypatch.setattr("sys.stdin", io.StringIO(HEAD_PW + "\n"))
    assert main(["--data-dir", str(home), "--user", HEAD, "--password-stdin", "key", "remember"]) == 0
    forget_key()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--data-dir", str(home), "audit", "verify"]) == 0  # unattended: the key from the keyring
    assert main(["--data-dir", str(home), "key", "forget"]) == 0 and not ring.items
    forget_key()
    assert main(["--data-dir", str(home), "audit", "verify"]) == 1
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(HEAD_PW + "\n"))  # a new recovery key replaces the old one
    assert main(["--data-dir", str(home), "--user", HEAD, "--password-stdin", "key", "new-recovery"]) == 0
    new = capsys.readouterr().out.strip().splitlines()[-1]
    with pytest.raises(keys.WrongPassword):
        keys.unwrap_recovery(keys.keys_path(home / "station.db"), old_recovery)
    assert len(keys.unwrap_recovery(keys.keys_path(home / "station.db"), new)) == 32
