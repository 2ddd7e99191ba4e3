"""Roles are enforced by the store, not only hidden in the UI: the acting officer is the one who logged in
(``accounts.log_in`` binds them to the station file), never a name the caller passes. An officer's account cannot
take a head-only action through the store API, nor name the head or a ``system:`` actor to do it; the head can;
the program's own paths (``acting_as_system``) and account-less stations keep working."""

from __future__ import annotations

from pathlib import Path

import pytest

from station_client.domain import permissions
from station_client.settings_schema import save_options
from station_client.store import Store
from station_client.store import accounts as acc
from station_client.store import sync_ops as ops
from station_client.store.errors import PermissionDenied, StoreError

_n = iter(range(100, 1000))


def person() -> dict[str, str]:
    return {"full_name": "Trần Văn Hòa", "birth_date": "1985-02-03", "sex": "M",
            "personal_id": f"022085000{next(_n)}"}


PASSWORDS = {"truong": "matkhau2025", "canbo1": "lan12345pass", "pho": "deputy2025x"}


def _station(store: Store) -> None:
    acc.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025", "matkhau2025")
    acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass", "lan12345pass",
                       created_by="truong")
    as_officer(store, "canbo1")


def as_officer(store: Store, username: str) -> None:
    acc.log_in(store, username, PASSWORDS[username])


def _audit_officers(store: Store, since: int = 0) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT officer FROM audit WHERE seq > ? ORDER BY seq", (since,))]


def test_officer_cannot_delete_what_only_the_head_may(store: Store) -> None:
    _station(store)
    rid = store.create("person", person(), officer="canbo1")["id"]  # creating and editing: anyone
    store.update("person", rid, {"occupation": "Giáo viên"}, officer="canbo1")
    audit_rows = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(PermissionDenied) as refused:
        store.delete("person", rid, officer="canbo1")
    assert "Trưởng Công an" in refused.value.vi and "station head" in refused.value.en
    assert store.get("person", rid) is not None  # nothing written: no delete, no audit entry, no outbox change
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows
    for name in ("nobody", "Truong", "truong", *SYSTEM_NAMES):  # naming the head or the program is refused
        with pytest.raises(PermissionDenied):
            store.delete("person", rid, officer=name)
    with pytest.raises(PermissionDenied):
        store.delete("person", rid)  # nobody named: still the logged-in officer
    assert store.get("person", rid) is not None
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows
    as_officer(store, "truong")
    store.delete("person", rid, officer="truong")
    assert store.get("person", rid) is None
    assert _audit_officers(store)[-1] == "truong"


SYSTEM_NAMES = (permissions.SYSTEM_IMPORT, permissions.SYSTEM_SETUP, permissions.SYSTEM_SYNC, "system:anything")


def test_an_officer_cannot_act_as_the_head_or_the_program(store: Store) -> None:
    """Defect 1 of issue 13: logged in as an officer, naming the head or a ``system:`` actor deleted residents,
    moved the station's data elsewhere and made a head account — all blamed on the head."""
    _station(store)
    rid = store.create("person", person())["id"]
    start = store.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    for who in ("truong", *SYSTEM_NAMES):
        with pytest.raises(PermissionDenied):
            store.delete("person", rid, officer=who)
        with pytest.raises(PermissionDenied):
            store.set_setting("sync.server_url", "https://evil.example", officer=who)
        with pytest.raises(PermissionDenied):
            store.update("person", rid, {"occupation": "x"}, officer=who)
        with pytest.raises(PermissionDenied):
            acc.create_account(store, "gia", "Kẻ Giả", "station_head", "giamao2025", created_by=who)
        with pytest.raises(PermissionDenied):
            save_options(store, {"sync.server_url": "https://evil.example"}, officer=who)
    with pytest.raises(PermissionDenied):
        acc.create_account(store, "gia", "Kẻ Giả", "station_head", "giamao2025")
    assert store.get("person", rid) is not None and store.get_setting("sync.server_url") is None
    assert store.conn.execute("SELECT count(*) FROM accounts WHERE username = 'gia'").fetchone()[0] == 0
    assert store.conn.execute("SELECT max(seq) FROM audit").fetchone()[0] == start  # nothing written
    # The store says who acts; what is written names them, not a name anyone passed.
    assert store.actor == "canbo1"
    store.update("person", rid, {"occupation": "Giáo viên"})
    assert store.get("person", rid)["updated_by"] == "canbo1" and _audit_officers(store, start) == ["canbo1"]
    # A wrong password binds nobody new; a log-out leaves nobody to write as.
    with pytest.raises(acc.AuthError):
        acc.log_in(store, "truong", "wrong-password1")
    assert store.session == "canbo1"
    store.log_out()
    with pytest.raises(PermissionDenied) as refused:
        store.update("person", rid, {"occupation": "Nông dân"}, officer="canbo1")
    assert "--user" in refused.value.en
    # The program's own paths are blocks of code, not names.
    with store.acting_as_system("sync"):
        store.update("person", rid, {"occupation": "Nông dân"})
    assert _audit_officers(store)[-1] == "system:sync"


def test_a_disabled_or_reset_officer_cannot_write(store: Store) -> None:
    _station(store)
    rid = store.create("person", person())["id"]
    as_officer(store, "truong")
    acc.reset_password(store, "canbo1", "moimoi2025x")
    as_officer(store, "truong")
    acc.log_in(store, "canbo1", "moimoi2025x")  # a password someone else set: change it before working
    with pytest.raises(PermissionDenied):
        store.update("person", rid, {"occupation": "x"})
    acc.change_password(store, "canbo1", "moimoi2025x", "riengtoi2025")
    store.update("person", rid, {"occupation": "x"})
    as_officer(store, "truong")
    acc.set_active(store, "canbo1", False)
    with Store.open(store.path) as other:  # the officer's own process, still bound to the file
        other._bind_session("canbo1")
        with pytest.raises(PermissionDenied):
            other.update("person", rid, {"occupation": "y"})


def test_a_disabled_head_is_refused_and_other_head_only_actions(store: Store) -> None:
    _station(store)
    as_officer(store, "truong")
    acc.create_account(store, "pho", "Lê Văn Phó", "station_head", "deputy2025x", created_by="truong")
    as_officer(store, "pho")
    as_officer(store, "truong")
    acc.set_active(store, "pho", False, by="truong")
    with pytest.raises(acc.AuthError):
        as_officer(store, "pho")  # a disabled account cannot log in
    as_officer(store, "canbo1")
    rid = store.create("person", person(), officer="canbo1")["id"]
    with pytest.raises(PermissionDenied):
        store.delete("person", rid, officer="pho")
    # Account management, station settings: refused to an officer through the same check.
    with pytest.raises(PermissionDenied):
        acc.create_account(store, "canbo2", "Võ Văn Ba", "officer", "bapass2025", created_by="canbo1")
    with pytest.raises(PermissionDenied):
        acc.reset_password(store, "truong", "newpass2025", by="canbo1")
    with pytest.raises(PermissionDenied):
        acc.set_active(store, "truong", False, by="canbo1")
    with pytest.raises(PermissionDenied):
        save_options(store, {"sync.server_url": "https://evil.example"}, officer="canbo1")
    save_options(store, {"ui.language": "en", "print.printer": "HP"}, officer="canbo1")  # an officer's own
    as_officer(store, "truong")
    save_options(store, {"sync.server_url": "https://tinh.example"}, officer="truong")
    assert store.get_setting("sync.server_url") == "https://tinh.example"
    as_officer(store, "canbo1")
    # A household membership line is an ordinary correction: any officer may delete it.
    hh = store.create("household", {"household_no": "HK1", "address": "Tổ 1"}, officer="canbo1")["id"]
    m = store.create("household_member", {"household_id": hh, "person_id": rid, "relationship": "head"},
                     officer="canbo1")["id"]
    store.delete("household_member", m, officer="canbo1")


def test_conflict_discard_is_head_only(store: Store) -> None:
    _station(store)
    rid = store.create("person", person(), officer="canbo1")["id"]
    store.conn.execute("UPDATE persons SET server_version = 3 WHERE id = ?", (rid,))
    with store.transaction():
        store.conn.execute(
            "INSERT INTO conflicts(id, kind, record_id, change_id, conflict_type, fields, server_version, "
            "server_record, status, detected_at) VALUES ('c1', 'person', ?, NULL, 'edit', '{}', 3, NULL, 'open', "
            "'2026-11-20T00:00:00+00:00')", (rid,))
    with pytest.raises(PermissionDenied):
        ops.resolve_conflict(store, "c1", None, "canbo1", delete=True)
    with pytest.raises(PermissionDenied):
        ops.resolve_conflict(store, "c1", None, "truong", delete=True)  # a name, not a login
    as_officer(store, "truong")
    ops.resolve_conflict(store, "c1", None, "truong", delete=True)
    assert store.get("person", rid) is None


def test_system_actors_and_stations_without_accounts(store: Store) -> None:
    rid = store.create("person", person(), officer="t")["id"]
    store.delete("person", rid, officer="t")  # no account yet: nobody to check a role against (tests, bench)
    store.create("person", person())  # nobody named: the setup actor
    assert _audit_officers(store)[-2:] == ["t", "system:setup"]
    with pytest.raises(PermissionDenied):  # even here, nobody passes for the program
        store.create("person", person(), officer=permissions.SYSTEM_IMPORT)
    _station(store)
    rid = store.create("person", person(), officer="canbo1")["id"]
    with store.acting_as_system("import"):  # the program's own paths
        store.delete("person", rid)
    assert store.get("person", rid) is None
    assert _audit_officers(store)[-1] == "system:import"


def test_province_issued_accounts_are_not_written_by_the_station(store: Store) -> None:
    with pytest.raises(StoreError):
        store.create("officer_account", {"username": "x12", "full_name": "X", "role": "station_head",
                                         "password_hash": "scrypt$1$8$1$AA==$AA==",
                                         "issued_at": "2026-11-23T00:00:00+00:00"}, officer="t")


def test_the_table_is_data() -> None:
    assert permissions.head_only_action("delete", "crime_report") is permissions.RECORD_DELETE
    assert permissions.head_only_action("delete", "residence") is None
    assert permissions.head_only_action("update", "crime_report") is None
    assert permissions.head_only_action("setting", fields={"ui.language": "en"}) is None
    assert permissions.head_only_action("accounts.manage") is permissions.MANAGE_ACCOUNTS
    with pytest.raises(ValueError):
        permissions.head_only_action("nonsense")


def test_head_only_settings_and_period_reports_are_refused_in_the_store(store: Store) -> None:
    """Below every UI: ``Store.set_setting`` of a head-only key and a period report (``stat_report``) refuse an
    officer (Vietnamese and English) and change nothing; the head, ``system:`` actors and other keys pass."""
    from station_client.domain.statistics import Period
    from station_client.store.statistics import station_stats, submit_report

    _station(store)
    as_officer(store, "truong")
    store.set_setting("sync.server_url", "https://tinh.example.vn", officer="truong")
    as_officer(store, "canbo1")
    outbox = store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    audit_rows = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    for who in ("canbo1", None, "nobody", "truong"):  # the officer, nobody said, no account, the head's name
        with pytest.raises(PermissionDenied) as refused:
            store.set_setting("sync.server_url", "https://evil.example", officer=who)
        if who in ("canbo1", None):  # the officer's own role; the others are not who is logged in
            assert "Trưởng Công an" in refused.value.vi and "station head" in refused.value.en
    assert store.get_setting("sync.server_url") == "https://tinh.example.vn"
    store.set_setting("sync.server_url", "https://tinh.example.vn", officer="canbo1")  # no change: no decision
    store.set_setting("ui.language", "en", officer="canbo1")  # an officer's own business
    with store.acting_as_system("setup"):
        store.set_setting("station.name", "Công an xã A")
    with pytest.raises(PermissionDenied):
        save_options(store, {"station.name": "Khác"}, officer="canbo1")
    assert store.get_setting("station.name") == "Công an xã A"

    settings_audit = store.conn.execute("SELECT officer, record_id FROM audit WHERE kind = 'setting' "
                                        "ORDER BY seq").fetchall()
    assert [tuple(r) for r in settings_audit] == [("truong", "sync.server_url"), ("canbo1", "ui.language"),
                                                  ("system:setup", "station.name")]  # every change, and who
    audit_rows = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    stats = station_stats(store.conn, Period.month(2026, 10))
    with pytest.raises(PermissionDenied) as refused:
        submit_report(store, stats, officer="canbo1")
    assert "báo cáo thống kê" in refused.value.vi and "period statistics report" in refused.value.en
    with pytest.raises(PermissionDenied):  # the write path itself, not only the helper
        store.create("stat_report", {"period": "2026-10"}, officer="canbo1")
    assert store.count("stat_report") == 0
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == outbox
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_rows
    as_officer(store, "truong")
    rid = submit_report(store, stats, officer="truong")["id"]
    as_officer(store, "canbo1")
    with pytest.raises(PermissionDenied):
        store.update("stat_report", rid, {"note": "sửa"}, officer="canbo1")
    as_officer(store, "truong")
    store.update("stat_report", rid, {"note": "sửa"}, officer="truong")


def test_headless_restore_and_report_submit_need_the_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from station_client import cli
    from station_client.store.backup import backup

    home = tmp_path / "station"
    home.mkdir()
    db = home / "station.db"
    with Store.open(db) as store:
        _station(store)
        rid = store.create("person", person(), officer="canbo1")["id"]
    saved = tmp_path / "saved.db"
    backup(db, saved)
    with Store.open(db) as store:
        store.update("person", rid, {"occupation": "Nông dân"}, officer="canbo1")
        store.log_out()
    base = ["--data-dir", str(home)]

    def refused(*argv: str, stdin: str = "") -> str:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        assert cli.main([*base, *argv]) == 1
        return capsys.readouterr().err

    err = refused("--user", "canbo1", "--password-stdin", "restore", str(saved), stdin="lan12345pass\n")
    assert "Chỉ Trưởng Công an" in err and "Only the station head may restore" in err
    assert "--user" in refused("restore", str(saved))  # no login: told how to log in
    err = refused("--user", "canbo1", "--password-stdin", "stats", "--period", "2026-10", "--submit",
                  stdin="lan12345pass\n")
    assert "Chỉ Trưởng Công an" in err and "Only the station head may submit" in err
    assert "--user" in refused("stats", "--period", "2026-10", "--submit", "--officer", "truong")  # a claim only
    assert not list(home.glob("*.before-restore-*"))  # the restore never started
    with Store.open(db) as store:
        assert store.count("stat_report") == 0
        assert store.get("person", rid)["occupation"] == "Nông dân"

    monkeypatch.setattr("sys.stdin", io.StringIO("matkhau2025\n"))
    assert cli.main([*base, "--user", "truong", "--password-stdin", "restore", str(saved)]) == 0
    with Store.open(db) as store:
        assert store.get("person", rid)["occupation"] != "Nông dân"


CSV = ("Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân\n"
       "Nguyễn Văn Đức,02/03/1985,Nam,022085000123\n"
       "Trần Thị Mai,15/08/1992,Nữ,022192000456\n")


def test_cli_writes_are_the_logged_in_officers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """``import residents … --officer <head>`` as an officer is refused; with no login on a station with accounts
    nothing is written; the head's own import is recorded under the head's username (not ``cli``)."""
    import io

    from station_client import cli

    home = tmp_path / "station"
    home.mkdir()
    db = home / "station.db"
    with Store.open(db) as store:
        _station(store)
        store.log_out()
    csv_file = tmp_path / "nhan_khau.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    base = ["--data-dir", str(home)]

    def run(*argv: str, stdin: str = "") -> tuple[int, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main([*base, *argv])
        return code, capsys.readouterr().err

    code, err = run("--user", "canbo1", "--password-stdin", "import", "residents", str(csv_file),
                    "--officer", "truong", stdin="lan12345pass\n")
    assert code == 1 and "logged in" in err
    code, err = run("--user", "canbo1", "--password-stdin", "import", "residents", str(csv_file),
                    "--officer", permissions.SYSTEM_IMPORT, stdin="lan12345pass\n")
    assert code == 1
    code, err = run("import", "residents", str(csv_file), "--officer", "truong")  # no login: a claim only
    assert code == 1 and "--user" in err
    with Store.open(db) as store:
        assert store.count("person") == 0
        assert store.session is None  # the command's login ended with it
    code, err = run("--user", "truong", "--password-stdin", "import", "residents", str(csv_file),
                    stdin="matkhau2025\n")
    assert code == 0, err
    with Store.open(db) as store:
        assert store.count("person") == 2
        officers = {r[0] for r in store.conn.execute("SELECT officer FROM audit WHERE kind = 'person'")}
        assert officers == {"truong"}
        assert {r[0] for r in store.conn.execute("SELECT updated_by FROM persons")} == {"truong"}
