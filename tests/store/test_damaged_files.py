"""Issue 14, items 5 and 6: a station whose database is missing, empty or damaged is refused with a message
that says how to restore, and nothing is created, renamed or left behind; a damaged backup is never installed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from station_client.domain import accounts as account_rules
from station_client.store import Store, keys
from station_client.store import accounts as account_store
from station_client.store import unlock as unlocking
from station_client.store.backup import backup
from station_client.store.connection import forget_key
from station_client.synthetic import populate

ROOT = Path(__file__).resolve().parents[2]
HEAD, HEAD_PW = "truong", "matkhau2025"


@pytest.fixture(autouse=True)
def _fast_kdf_and_no_held_keys(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(account_rules, "SCRYPT_N", 2**10)
    forget_key()
    yield
    forget_key()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_CLIENT_")}
    env["STATION_CLIENT_NO_KEYRING"] = "1"
    return env


def _cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station_client.cli", "--data-dir", str(home), *args],
                          input=stdin, capture_output=True, text=True, cwd=ROOT, env=_env(),
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def _encrypted_station(home: Path, residents: int = 5) -> Path:
    db = home / "station.db"
    unlocking.setup(db, HEAD, HEAD_PW, HEAD_PW)
    with Store.open(db) as store:
        account_store.create_account(store, HEAD, "Nguyễn Văn Trưởng", "station_head", HEAD_PW)
        populate(store, residents, seed=4, officer=HEAD)
    unlocking.take_recovery_key(db)
    return db


def _listing(folder: Path) -> dict[str, str]:
    """Every file and its content; SQLite's own -wal/-shm housekeeping aside."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_a_key_file_without_its_database_is_refused_and_nothing_is_created_or_renamed(tmp_path, how):
    home = tmp_path / "home"
    db = _encrypted_station(home)
    usb = tmp_path / "usb" / "backup.db"
    backup(db, usb)
    forget_key()
    db.unlink()
    for side in home.glob("station.db-*"):
        side.unlink()
    if how == "empty":
        db.write_bytes(b"")
    before = _listing(home)
    for args in (("export", "residents", str(tmp_path / "out.csv")), ("audit", "verify"),
                 ("import", "residents", str(tmp_path / "in.csv"))):
        (tmp_path / "in.csv").write_text("Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân\n"
                                         "Nguyễn Văn Đức,02/03/1985,Nam,022085000123\n", encoding="utf-8")
        result = _cli(home, *args)
        assert result.returncode == 1, (args, result.stdout)
        assert "station-client restore" in result.stderr and "Traceback" not in result.stderr
        assert "sao lưu" in result.stderr and "backup" in result.stderr
        assert _listing(home) == before  # no new database, the key file not renamed
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(unlocking.DataMissing):
        unlocking.state(db)
    assert _listing(home) == before

    # The way back the message names: restore with an officer's password against the station's key file.
    restored = _cli(home, "--user", HEAD, "--password-stdin", "restore", str(usb), stdin=HEAD_PW + "\n")
    assert restored.returncode == 0, restored.stderr
    assert unlocking.login(db, HEAD, HEAD_PW).username == HEAD
    with Store.open(db) as store:
        assert store.count("person") == 5
    assert not list(home.glob("*.unused-*")) and not list(home.glob("*.restoring*"))


def test_first_setup_still_works_on_an_empty_folder(tmp_path):
    db = tmp_path / "fresh" / "station.db"
    assert unlocking.state(db) == "new"
    _encrypted_station(tmp_path / "fresh")
    forget_key()
    assert unlocking.state(db) == "locked"
    assert keys.keys_path(db).exists()


# ------------------------------------------------------------------------------------------- damaged pages
def _break_persons_page(db: Path, table: str = "persons") -> None:
    """Damage a table's root page the way a bad sector would (its cell count)."""
    with Store.open(db) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[(page - 1) * size + 3] ^= 0xFF
    db.write_bytes(bytes(data))


def _plain_station(home: Path, residents: int = 40) -> Path:
    db = home / "station.db"
    with Store.open(db) as store:
        populate(store, residents, seed=6, officer="cli")
    return db


@pytest.mark.parametrize("table", ["persons", "audit"])  # what the backup's summary reads, and what it does not
def test_a_backup_with_a_flipped_byte_is_refused_and_leaves_nothing_behind(tmp_path, table):
    home = tmp_path / "home"
    db = _plain_station(home)
    good = tmp_path / "good.db"
    backup(db, good)
    broken = tmp_path / "broken.db"
    broken.write_bytes(good.read_bytes())
    _break_persons_page(broken, table)
    before = _listing(home)
    result = _cli(home, "restore", str(broken))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bị hỏng" in result.stderr and "is damaged" in result.stderr
    if table == "audit":  # the summary reads fine: the copy's integrity check is what refuses it
        assert "nothing was restored" in result.stderr
    assert _listing(home) == before  # no .restoring, no .before-restore copy, the data as it was
    assert _cli(home, "restore", str(good)).returncode == 0


def test_an_encrypted_backup_with_a_flipped_byte_is_refused(tmp_path):
    home = tmp_path / "home"
    db = _encrypted_station(home, residents=30)
    usb = tmp_path / "usb.db"
    backup(db, usb)
    data = bytearray(usb.read_bytes())
    data[len(data) // 2] ^= 0x01
    usb.write_bytes(bytes(data))
    before = _listing(home)
    from station_client.store.backup import restore
    from station_client.store.errors import StoreError

    with pytest.raises(StoreError) as info:
        restore(usb, db)
    assert "damaged" in info.value.en
    assert _listing(home) == before


def test_a_damaged_live_database_is_reported_by_every_command_and_never_backed_up(tmp_path):
    home = tmp_path / "home"
    db = _plain_station(home)
    good = tmp_path / "good.db"
    backup(db, good)
    _break_persons_page(db)
    for args in (("audit", "verify"), ("import", "residents", str(tmp_path / "x.csv")), ("backup",
                                                                                        str(tmp_path / "b.db"))):
        (tmp_path / "x.csv").write_text("Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân\n"
                                        "Nguyễn Văn Đức,02/03/1985,Nam,022085000123\n", encoding="utf-8")
        result = _cli(home, *args)
        assert result.returncode == 1, (args, result.stdout)
        assert "Traceback" not in result.stderr
        assert "bị hỏng" in result.stderr and "is damaged" in result.stderr and "station-client restore" in \
            result.stderr, (args, result.stderr)
    assert not (tmp_path / "b.db").exists() and not (tmp_path / "b.db.part").exists()
    exported = _cli(home, "export", "residents", str(tmp_path / "out.csv"))  # what can be read, with a warning
    assert exported.returncode == 1 and "Traceback" not in exported.stderr and "is damaged" in exported.stderr
    # The way back: restoring the good backup over the damaged file, which is kept byte for byte.
    damaged_bytes = db.read_bytes()
    restored = _cli(home, "restore", str(good))
    assert restored.returncode == 0, restored.stderr
    kept = next(home.glob("station.db.before-restore-*.bak"))
    assert kept.read_bytes() == damaged_bytes
    assert _cli(home, "audit", "verify").returncode == 0


def test_the_start_check_is_bounded_in_time(tmp_path):
    from station_client.store.integrity import check

    db = _plain_station(tmp_path / "home", residents=200)
    with Store.open(db) as store:
        cut = check(store.conn, seconds=0)
        assert cut.ok and not cut.finished  # cut short: proves nothing, reports nothing
        full = check(store.conn, seconds=None)
        assert full.ok and full.finished
