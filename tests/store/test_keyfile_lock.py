"""``station.keys`` written by two processes at once: every write is a read-modify-write under the key file's
lock (``keys.updating``), so neither process's change is lost to the other's copy of the file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from station_client.store import keys

ROOT = Path(__file__).resolve().parents[2]
N = 2**10  # a fast KDF: the test is about the file, not the cost of a guess

CHILD = r"""
import sys, time
from pathlib import Path
from station_client.store import keys

role, db, folder, key = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), bytes.fromhex(sys.argv[4])

def wait_for(name):
    deadline = time.monotonic() + 30
    while not (folder / name).exists():
        if time.monotonic() > deadline:
            sys.exit(f"{role}: no {name}")
        time.sleep(0.005)

if role == "holder":  # changes the file slowly: reads it, then waits until the other writer is at the door
    with keys.updating(keys.keys_path(db)) as data:
        data["officers"]["alpha"] = keys._wrap(key, "alpha-pass-1", keys._officer_aad("alpha"), n=1024)
        (folder / "holder_in").touch()
        wait_for("other_ready")
        time.sleep(0.3)
elif role == "other":
    wait_for("holder_in")
    (folder / "other_ready").touch()
    keys.add_officer_key(db, key, "beta", "beta-pass-12", n=1024)
elif role == "sitter":  # holds the lock until told to let go
    with keys.locked(keys.keys_path(db)):
        (folder / "sitter_in").touch()
        wait_for("release")
else:  # many small writes, racing the other process's
    (folder / f"ready_{role}").touch()
    wait_for("go")
    for i in range(15):
        keys.add_officer_key(db, key, f"{role}{i}", "pass-word-123", n=1024)
        try:
            keys.unlock_with_password(db, f"{role}{i}", "wrong-pass-999")
        except keys.WrongPassword:
            pass
"""


def _keyfile(tmp_path: Path) -> tuple[Path, bytes]:
    db = tmp_path / "station.db"
    key = keys.new_data_key()
    keys.create(db, key, "truong", "matkhau2025", n=N)
    return db, key


def _start(role: str, db: Path, tmp_path: Path, key: bytes) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, role, str(db), str(tmp_path), key.hex()], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(*paths: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        assert time.monotonic() < deadline, f"never appeared: {[p.name for p in paths if not p.exists()]}"
        time.sleep(0.005)


def _finish(*procs: subprocess.Popen[str]) -> None:
    for p in procs:
        _out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err


def test_a_write_waits_for_the_one_in_progress_and_keeps_its_change(tmp_path: Path) -> None:
    db, key = _keyfile(tmp_path)
    holder = _start("holder", db, tmp_path, key)
    other = _start("other", db, tmp_path, key)
    _finish(holder, other)
    # Without the lock the other process read the file while the holder had it open, and one entry was lost.
    assert keys.officers(db) == ["alpha", "beta", "truong"]
    for name, password in (("alpha", "alpha-pass-1"), ("beta", "beta-pass-12"), ("truong", "matkhau2025")):
        assert keys.unlock_with_password(db, name, password) == key


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db, key = _keyfile(tmp_path)
    procs = [_start(role, db, tmp_path, key) for role in ("p", "q")]
    _wait_for(tmp_path / "ready_p", tmp_path / "ready_q")  # both imported and waiting: they start together
    (tmp_path / "go").touch()
    _finish(*procs)
    data = keys.load(keys.keys_path(db))
    assert sorted(data["officers"]) == sorted(["truong", *(f"{r}{i}" for r in "pq" for i in range(15))])
    # Every wrong password was counted on its own entry (no count lost to the other process's write).
    assert all(data["officers"][f"{r}{i}"].get("failed") == 1 for r in "pq" for i in range(15))


def test_the_lock_is_re_entrant_in_its_thread(tmp_path: Path) -> None:
    db, key = _keyfile(tmp_path)
    with keys.locked(keys.keys_path(db)), keys.locked(keys.keys_path(db)):
        keys.add_officer_key(db, key, "gamma", "gamma-pass-12", n=N)  # updating + save take it again
    assert "gamma" in keys.officers(db)


def test_a_writer_stuck_too_long_is_reported_not_waited_for(tmp_path: Path, monkeypatch) -> None:
    db, key = _keyfile(tmp_path)
    sitter = _start("sitter", db, tmp_path, key)
    try:
        _wait_for(tmp_path / "sitter_in")
        monkeypatch.setattr(keys, "LOCK_TIMEOUT_S", 0.3)
        with pytest.raises(keys.KeyFileError) as err:
            keys.add_officer_key(db, key, "delta", "delta-pass-12", n=N)
        assert "too long" in err.value.en
    finally:
        (tmp_path / "release").touch()
        _finish(sitter)
    keys.add_officer_key(db, key, "delta", "delta-pass-12", n=N)  # free again: the same lock is taken at once
    assert "delta" in keys.officers(db)
