"""Issue 14, item 2: a register with household number, head and relationship columns imports households through
the store's write path, and the same file twice adds and changes nothing."""

from __future__ import annotations

from station_client import cli
from station_client.store import Store
from station_client.store.audit import verify

REGISTER = """\
Số hộ,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Quan hệ với chủ hộ,Chủ hộ,Địa chỉ hộ,Thôn/Tổ dân phố
QN-001,Trần Thị Mai,15/08/1992,Nữ,022192000456,Vợ,022085000123,,
QN-001,Nguyễn Văn Đức,02/03/1985,Nam,022085000123,Chủ hộ,022085000123,"Số 12 phố Lê Lợi",Khu Vĩnh Sơn
QN-001,Nguyễn Minh An,01/06/2015,Nam,022215000321,Con,022085000123,,
QN-002,Vũ Thị Lan,20/10/2001,Nữ,022301000789,Chủ hộ,,Khu Dốc Đỏ,
"""


def _counts(store: Store) -> tuple[int, ...]:
    return tuple(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("persons", "households", "household_members", "audit", "outbox"))


def test_households_are_created_linked_and_the_same_file_twice_changes_nothing(tmp_path, capsys):
    home, csv_file = tmp_path / "home", tmp_path / "so_ho.csv"
    csv_file.write_text(REGISTER, encoding="utf-8-sig")
    assert cli.main(["--data-dir", str(home), "import", "residents", str(csv_file)]) == 0, capsys.readouterr()
    assert "hộ mới 2" in capsys.readouterr().out
    with Store.open(home / "station.db") as store:
        first = _counts(store)
        one = store.find_one("household", household_no="QN-001")
        duc = store.find_one("person", personal_id="022085000123")
        mai = store.find_one("person", personal_id="022192000456")
        an = store.find_one("person", personal_id="022215000321")
        assert one["head_id"] == duc["id"] and one["address"] == "Số 12 phố Lê Lợi"
        assert one["hamlet"] == "Khu Vĩnh Sơn"
        assert {p["household_id"] for p in (duc, mai, an)} == {one["id"]}
        members = {m["person_id"]: m["relationship"] for m in store.conn.execute(
            "SELECT person_id, relationship FROM household_members WHERE household_id = ?", (one["id"],))}
        assert members == {duc["id"]: "head", mai["id"]: "spouse", an["id"]: "child"}
        two = store.find_one("household", household_no="QN-002")
        lan = store.find_one("person", personal_id="022301000789")
        assert two["head_id"] == lan["id"] and two["address"] == "Khu Dốc Đỏ"
        # Through the write path: every record audited and queued, and the chain verifies.
        assert first[:3] == (4, 2, 4)
        assert verify(store.conn).ok

    assert cli.main(["--data-dir", str(home), "import", "residents", str(csv_file)]) == 0
    assert "không đổi 4" in capsys.readouterr().out
    with Store.open(home / "station.db") as store:
        assert _counts(store) == first


def test_a_move_to_another_household_is_held_until_update(tmp_path, capsys):
    home, csv_file = tmp_path / "home", tmp_path / "so_ho.csv"
    csv_file.write_text(REGISTER, encoding="utf-8-sig")
    assert cli.main(["--data-dir", str(home), "import", "residents", str(csv_file)]) == 0
    moved = tmp_path / "moved.csv"
    moved.write_text("Số hộ,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Quan hệ với chủ hộ\n"
                     "QN-002,Nguyễn Minh An,01/06/2015,Nam,022215000321,Khác\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["--data-dir", str(home), "import", "residents", str(moved)]) == 1
    assert "QN-001 → QN-002" in capsys.readouterr().err
    assert cli.main(["--data-dir", str(home), "import", "residents", "--update", str(moved)]) == 0
    with Store.open(home / "station.db") as store:
        an = store.find_one("person", personal_id="022215000321")
        two = store.find_one("household", household_no="QN-002")
        assert an["household_id"] == two["id"]
        left = store.conn.execute("SELECT left_on FROM household_members m JOIN households h ON h.id = "
                                  "m.household_id WHERE h.household_no = 'QN-001' AND m.person_id = ?",
                                  (an["id"],)).fetchone()[0]
        assert left is not None


def test_two_heads_for_one_household_are_reported_on_their_lines(tmp_path, capsys):
    home, csv_file = tmp_path / "home", tmp_path / "two.csv"
    csv_file.write_text("Số hộ,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Quan hệ với chủ hộ,Địa chỉ hộ\n"
                        "QN-009,Nguyễn Văn Đức,02/03/1985,Nam,022085000123,Chủ hộ,Số 1\n"
                        "QN-009,Trần Thị Mai,15/08/1992,Nữ,022192000456,Chủ hộ,\n", encoding="utf-8")
    assert cli.main(["--data-dir", str(home), "import", "residents", str(csv_file)]) == 1
    err = capsys.readouterr().err
    assert "Dòng 2" in err and "Dòng 3" in err and "different heads" in err
    with Store.open(home / "station.db") as store:
        assert store.find_one("household", household_no="QN-009")["head_id"] is None
