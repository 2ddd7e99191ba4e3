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
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


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
