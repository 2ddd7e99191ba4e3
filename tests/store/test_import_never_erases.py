"""Issue 14, items 1 and 3: a CSV import never erases or overwrites without a word, and a file it cannot read
is refused as a whole with a message in both languages, leaving the store as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from station_client import cli
from station_client.residents_csv import import_residents
from station_client.store import Store
from station_client.store.errors import StoreError

HEADER = "Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Số điện thoại,Nơi thường trú,Ghi chú\n"
DUC = "Nguyễn Văn Đức,02/03/1985,Nam,022085000123,0912345678,\"Số 12 phố Lê Lợi, khu Vĩnh Sơn\",ghi chú cũ\n"
MAI = "Trần Thị Mai,15/08/1992,Nữ,022192000456,,Số 4 đường Yên Thọ,\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8-sig")
    return path


def _run(home: Path, *args: str) -> int:
    return cli.main(["--data-dir", str(home), *args])


def _snapshot(store: Store) -> tuple:
    persons = sorted(tuple(sorted(p.items())) for p in store.iter_records("person"))
    counts = tuple(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("audit", "outbox", "households", "household_members"))
    return persons, counts


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert _run(home, "import", "residents", str(_write(tmp_path / "first.csv", HEADER + DUC + MAI))) == 0
    return home


def test_blank_cells_keep_stored_values_and_a_dash_clears_one(home, tmp_path, capsys):
    # Đức's phone changes, his address and note cells are blank: kept. Mai's address is cleared with "-".
    later = _write(tmp_path / "later.csv", HEADER + "Nguyễn Văn Đức,02/03/1985,Nam,022085000123,0988888888,,\n"
                   "Trần Thị Mai,15/08/1992,Nữ,022192000456,,-,\n")
    capsys.readouterr()
    assert _run(home, "import", "residents", str(later)) == 0
    out = capsys.readouterr().out
    assert "cập nhật 2" in out and "2 updated" in out
    with Store.open(home / "station.db") as store:
        duc = store.find_one("person", personal_id="022085000123")
        mai = store.find_one("person", personal_id="022192000456")
    assert duc["phone"] == "0988888888"
    assert duc["permanent_address"] == "Số 12 phố Lê Lợi, khu Vĩnh Sơn" and duc["note"] == "ghi chú cũ"
    assert mai["permanent_address"] is None


def test_a_quoted_dash_is_the_text_dash_not_a_clear(home, tmp_path):
    _write(tmp_path / "q.csv", HEADER + "Nguyễn Văn Đức,02/03/1985,Nam,022085000123,,,'-\n")
    assert _run(home, "import", "residents", str(tmp_path / "q.csv")) == 0
    with Store.open(home / "station.db") as store:
        duc = store.find_one("person", personal_id="022085000123")
    assert duc["note"] == "-" and duc["permanent_address"] == "Số 12 phố Lê Lợi, khu Vĩnh Sơn"


def test_the_same_id_twice_is_reported_on_both_lines_and_neither_wins(home, tmp_path, capsys):
    twice = _write(tmp_path / "twice.csv", HEADER + "Nguyễn Văn Đức,02/03/1985,Nam,022085000123,0911111111,,\n"
                   + MAI + "Nguyễn Văn Đức,02/03/1985,Nam,022 085 000 123,0922222222,,\n")
    capsys.readouterr()
    assert _run(home, "import", "residents", str(twice)) == 1
    err = capsys.readouterr().err.splitlines()
    dup = [line for line in err if "022085000123" in line]
    assert [line.split(":")[0] for line in dup] == ["Dòng 2", "Dòng 4"]
    assert all("(2, 4)" in line and "Line" in line for line in dup)  # both lines named, in both languages
    with Store.open(home / "station.db") as store:
        assert store.find_one("person", personal_id="022085000123")["phone"] == "0912345678"


def test_identity_changes_are_listed_and_applied_only_with_update(home, tmp_path, capsys):
    renamed = _write(tmp_path / "renamed.csv",
                     HEADER + "Nguyễn Văn Đực,02/03/1985,Nam,022085000123,0933333333,,\n" + MAI)
    with Store.open(home / "station.db") as store:
        before = _snapshot(store)
    capsys.readouterr()
    assert _run(home, "import", "residents", str(renamed)) == 1
    captured = capsys.readouterr()
    assert "Nguyễn Văn Đức → Nguyễn Văn Đực" in captured.err and "Họ và tên" in captured.err
    assert "Full name" in captured.err and "--update" in captured.err
    assert "chờ xác nhận 1" in captured.out
    with Store.open(home / "station.db") as store:
        assert _snapshot(store) == before  # the held row wrote nothing, not even its phone
    assert _run(home, "import", "residents", "--update", str(renamed)) == 0
    with Store.open(home / "station.db") as store:
        duc = store.find_one("person", personal_id="022085000123")
    assert duc["full_name"] == "Nguyễn Văn Đực" and duc["phone"] == "0933333333"


def test_preview_reports_without_writing(home, tmp_path):
    renamed = _write(tmp_path / "renamed.csv", HEADER + "Nguyễn Văn Đực,02/03/1985,Nam,022085000123,,,\n"
                     "Vũ Thị Lan,20/10/2001,Nữ,022301000789,,Khu Dốc Đỏ,\n")
    with Store.open(home / "station.db") as store:
        before = _snapshot(store)
        preview = import_residents(store, renamed, officer="cli", dry_run=True)
        assert preview.created == 1 and len(preview.held) == 1 and not preview.applied
        assert preview.held[0].diffs == [("full_name", "Nguyễn Văn Đức", "Nguyễn Văn Đực")]
        assert _snapshot(store) == before
        applied = import_residents(store, renamed, officer="cli", update_identity=True)
        assert applied.created == 1 and applied.updated == 1 and not applied.held


@pytest.mark.parametrize("content, vi, en", [
    (b"", "trống", "empty"),
    (b"\xef\xbb\xbf", "trống", "empty"),
    (HEADER.encode(), "không có dòng dữ liệu", "no data rows"),
    ((HEADER + "\n,,,\n").encode(), "không có dòng dữ liệu", "no data rows"),
    ((HEADER + 'Lê Văn Dài,01/01/1990,Nam,022090000111,,"' + "x" * 10_000_000 + '",\n' + MAI).encode(),
     "dòng 2", "line 2"),
    ((HEADER + 'Lê Văn Ngoặc,01/01/1990,Nam,022090000111,,"không đóng ngoặc,\n' + MAI * 3000).encode(),
     "dấu ngoặc kép", "quotation mark"),
    ("Tên,Tuổi\nA,3\n".encode(), "Tiêu đề cột", "column headers"),
    ("Họ và tên,Full name\nA,B\n".encode(), "lặp lại", "repeated"),
    ("Họ và tên\nNguyễn\n".encode("cp1258", errors="replace"), "UTF-8", "UTF-8"),
])
def test_unreadable_files_are_refused_whole_in_both_languages(home, tmp_path, capsys, content, vi, en):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    with Store.open(home / "station.db") as store:
        before = _snapshot(store)
    capsys.readouterr()
    assert _run(home, "import", "residents", str(bad)) == 1
    err = capsys.readouterr().err
    assert vi in err and en in err and "Traceback" not in err
    assert "Không nhập gì" in err and "Nothing was imported" in err
    with Store.open(home / "station.db") as store:
        assert _snapshot(store) == before


def test_a_long_cell_is_a_row_error_and_the_rest_is_imported(home, tmp_path, capsys):
    long_note = _write(tmp_path / "long.csv", HEADER + "Lê Văn Dài,01/01/1990,Nam,022090000111,,," + "y" * 5000
                       + "\nVũ Thị Lan,20/10/2001,Nữ,022301000789,,Khu Dốc Đỏ,\n")
    capsys.readouterr()
    assert _run(home, "import", "residents", str(long_note)) == 1
    captured = capsys.readouterr()
    assert "Dòng 2" in captured.err and "Line 2" in captured.err and "4000" in captured.err
    assert "Thêm mới 1" in captured.out


def test_library_raises_store_error_for_a_header_only_file(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        with pytest.raises(StoreError) as info:
            import_residents(store, _write(tmp_path / "h.csv", HEADER), officer="cli")
        assert "no data rows" in info.value.en
