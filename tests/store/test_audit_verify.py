"""Hand edits of the SQLite file (a record, an audit row, a removed entry) are caught by `audit verify`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from station_client.store import Store
from station_client.synthetic import populate

ROOT = Path(__file__).resolve().parents[2]


def run_verify(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station_client.cli", "--data-dir", str(home), "audit", "verify"],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    with Store.open(home / "station.db") as store:
        populate(store, 30, seed=4, officer="dung")
    return home


def hand_edit(home: Path, sql: str) -> None:
    conn = sqlite3.connect(home / "station.db")  # what someone with the file and a SQLite tool can do
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_untouched_store_verifies(home):
    result = run_verify(home)
    assert result.returncode == 0 and "toàn vẹn" in result.stdout


def test_hand_edited_record_is_detected(home):
    hand_edit(home, "UPDATE persons SET full_name = 'Người Khác' WHERE n = 3")
    result = run_verify(home)
    assert result.returncode == 1
    assert "sửa ngoài phần mềm" in result.stdout


def test_hand_edited_audit_row_is_named(home):
    hand_edit(home, "UPDATE audit SET officer = 'ke-gian' WHERE seq = 7")
    result = run_verify(home)
    assert result.returncode == 1
    assert "Mục đầu tiên bị hỏng: Mục nhật ký số 7 đã bị sửa" in result.stdout


def test_removed_audit_row_breaks_the_chain(home):
    hand_edit(home, "DELETE FROM audit WHERE seq = 5")
    result = run_verify(home)
    assert result.returncode == 1 and "trước mục số 6" in result.stdout


def test_english_output(home):
    hand_edit(home, "UPDATE audit SET changes = '{}' WHERE seq = 2")
    result = subprocess.run([sys.executable, "-m", "station_client.cli", "--lang", "en", "--data-dir", str(home),
                             "audit", "verify"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "First broken entry: Audit entry 2 was altered" in result.stdout
