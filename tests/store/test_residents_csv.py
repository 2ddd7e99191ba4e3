"""CSV import and export through the CLI, as an officer would run them."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from station_client.store import Store

GOOD_AND_BAD = """\
Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Số điện thoại,Nơi thường trú
Nguyễn Văn Đức,02/03/1985,Nam,022085000123,0912345678,"Số 12 phố Lê Lợi, khu Vĩnh Sơn"
Trần Thị Mai,15/08/1992,Nữ,022192000456,,"Số 4 đường Yên Thọ"
Lê Văn Sai Năm,02/03/1985,Nam,022086000999,,
Phạm Thị Thiếu Số,01/01/1990,Nữ,02219000045,,
Hoàng Văn Ngày,31/02/1990,Nam,022090000111,,
,01/01/1990,Nam,022090000222,,
Vũ Thị Lan,20/10/2001,Nữ,022301000789,0987654321,"Khu Dốc Đỏ"
"""


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station_client.cli", "--data-dir", str(home), *args],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])


def test_import_reports_bad_rows_imports_the_rest_and_reruns_without_duplicates(tmp_path):
    home = tmp_path / "home"
    csv_file = tmp_path / "nhan_khau.csv"
    csv_file.write_text(GOOD_AND_BAD, encoding="utf-8-sig")  # with BOM, as Excel writes it
    first = run_cli(home, "import", "residents", str(csv_file))
    assert first.returncode == 1, first.stderr
    errors = first.stderr.splitlines()
    assert errors[0].startswith("Dòng 4:") and "năm sinh" in errors[0]
    assert errors[1].startswith("Dòng 5:") and "12 chữ số" in errors[1]
    assert errors[2].startswith("Dòng 6:") and "Ngày sinh" in errors[2]
    assert errors[3].startswith("Dòng 7:") and "Họ và tên" in errors[3]
    assert len(errors) == 4
    assert "Thêm mới 3" in first.stdout and "bị từ chối 4" in first.stdout
    second = run_cli(home, "import", "residents", str(csv_file))
    assert "Thêm mới 0" in second.stdout and "không đổi 3" in second.stdout
    with Store.open(home / "station.db") as store:
        assert store.count("person") == 3
        duc = store.find_one("person", personal_id="022085000123")
        assert duc["full_name"] == "Nguyễn Văn Đức" and duc["birth_date"] == "1985-03-02"
        # Imported through the write path: audited and queued for sync.
        assert store.conn.execute("SELECT count(*) FROM audit WHERE officer = 'cli'").fetchone()[0] == 3
        assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 3


def test_import_without_bom_with_semicolons_and_english_headers_updates_changed_rows(tmp_path):
    home = tmp_path / "home"
    first = tmp_path / "a.csv"
    first.write_text("full_name;birth_date;sex;personal_id;phone\n"
                     "Đỗ Minh Khánh;1999-12-01;M;022099000321;0911111111\n", encoding="utf-8")
    assert run_cli(home, "import", "residents", str(first)).returncode == 0
    changed = tmp_path / "b.csv"
    changed.write_text("Full name;Date of birth;Sex;Personal ID number;Phone\n"
                       "Đỗ Minh Khánh;01/12/1999;Nam;022099000321;0922222222\n", encoding="utf-8")
    result = run_cli(home, "import", "residents", str(changed))
    assert result.returncode == 0 and "cập nhật 1" in result.stdout
    with Store.open(home / "station.db") as store:
        assert store.count("person") == 1
        assert store.find_one("person", personal_id="022099000321")["phone"] == "0922222222"


def test_rejects_a_file_that_is_not_utf8_with_a_clear_message(tmp_path):
    bad = tmp_path / "cp1258.csv"
    bad.write_bytes("Họ và tên\nNguyễn\n".encode("cp1258", errors="replace"))
    result = run_cli(tmp_path / "home", "import", "residents", str(bad))
    assert result.returncode == 1 and "UTF-8" in result.stderr and "Traceback" not in result.stderr


def test_export_then_import_round_trips(tmp_path):
    home = tmp_path / "home"
    assert run_cli(home, "generate", "--residents", "40", "--seed", "3").returncode == 0
    out = tmp_path / "out.csv"
    result = run_cli(home, "export", "residents", str(out))
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "Họ và tên" and len(rows) == 41
    other = tmp_path / "other"
    imported = run_cli(other, "import", "residents", str(out))
    assert imported.returncode == 0, imported.stderr
    with Store.open(home / "station.db") as a, Store.open(other / "station.db") as b:
        left = {p["personal_id"]: (p["full_name"], p["birth_date"], p["phone"]) for p in a.iter_records("person")}
        right = {p["personal_id"]: (p["full_name"], p["birth_date"], p["phone"]) for p in b.iter_records("person")}
        assert left == right and len(left) == 40
