"""Retention of closed cases: a dry run lists closed crime reports, petitions and mediation cases past the
period; applying it (the station head only) redacts their personal details through the write path — audited,
queued for the province, the audit chain intact — and leaves open and recent cases alone."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from station_client import cli
from station_client.domain import retention as rules
from station_client.domain.deadlines import default_office_hours
from station_client.paths import db_path
from station_client.settings_schema import save_options
from station_client.store import Store, retention
from station_client.store import accounts as acc
from station_client.store import reports as sr
from station_client.store.audit import verify
from station_client.store.errors import PermissionDenied

TZ = default_office_hours().tz
OLD = datetime(2019, 3, 4, 9, 0, tzinfo=TZ)
PID = "022085000123"


def _cases(store: Store) -> dict[str, str]:
    """An old closed report, petition and mediation case; an old report still open; a recently closed one."""
    ids = {}
    cr = sr.create(store, "crime_report", {
        "report_kind": "denunciation", "channel": "in_person", "reporter_name": "Lê Thị Tố Giác",
        "reporter_personal_id": PID, "reporter_phone": "0912345678", "reporter_address": "Tổ 3, khu Vĩnh Phú",
        "summary": "Lê Thị Tố Giác báo mất trộm xe máy", "parties": [
            {"role": "accused", "name": "Trần Văn Bị Cáo", "birth_year": 1990, "address": "Khu Quang Trung"}]},
        officer="truong", at=OLD)
    sr.apply_action(store, "crime_report", cr["id"], "close", officer="truong", at=OLD + timedelta(days=20),
                    details={"close_reason": "Đã chuyển cơ quan điều tra giải quyết"})
    ids["crime_report"] = cr["id"]
    pt = sr.create(store, "petition", {"petition_type": "denunciation", "channel": "in_person",
                                       "petitioner_name": "Phạm Văn Gửi Đơn", "petitioner_personal_id": PID,
                                       "content": "Tố cáo hàng xóm Nguyễn Văn Lấn lấn chiếm lối đi",
                                       "subject": "Lấn chiếm lối đi"}, officer="truong", at=OLD)
    sr.apply_action(store, "petition", pt["id"], "withdraw", officer="truong", at=OLD + timedelta(days=3))
    ids["petition"] = pt["id"]
    md = sr.create(store, "mediation_case", {"trigger_kind": "request", "dispute_type": "land",
                                             "summary": "Tranh chấp ranh giới giữa hộ Hoàng Văn Một và hộ Vũ Thị Hai",
                                             "parties": [{"role": "party", "name": "Hoàng Văn Một"},
                                                         {"role": "party", "name": "Vũ Thị Hai"}]},
                   officer="truong", at=OLD)
    sr.apply_action(store, "mediation_case", md["id"], "fail", officer="truong", at=OLD + timedelta(days=5),
                    details={"failure_reason": "Hoàng Văn Một không đồng ý"})
    sr.apply_action(store, "mediation_case", md["id"], "close", officer="truong", at=OLD + timedelta(days=6))
    ids["mediation_case"] = md["id"]
    ids["open"] = sr.create(store, "crime_report", {"report_kind": "denunciation", "channel": "phone",
                                                    "reporter_name": "Người Còn Mở", "summary": "Chưa xong"},
                            officer="truong", at=OLD)["id"]
    recent = sr.create(store, "crime_report", {"report_kind": "denunciation", "channel": "phone",
                                               "reporter_name": "Người Mới Đóng", "summary": "Mới kết thúc"},
                       officer="truong", at=datetime.now(TZ) - timedelta(days=40))
    sr.apply_action(store, "crime_report", recent["id"], "close", officer="truong",
                    at=datetime.now(TZ) - timedelta(days=30), details={"close_reason": "Không có dấu hiệu"})
    ids["recent"] = recent["id"]
    return ids


def _station(store: Store) -> None:
    acc.create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025", "matkhau2025")
    acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass", created_by="truong")


def test_retention_redacts_closed_cases_through_the_write_path(store: Store) -> None:
    _station(store)
    ids = _cases(store)
    assert retention.due_cases(store.conn, 0) == []  # no period set: nothing
    acc.log_in(store, "canbo1", "lan12345pass")
    with pytest.raises(PermissionDenied):  # the period is the head's setting
        save_options(store, {rules.SETTING: 5}, officer="canbo1")
    with pytest.raises(PermissionDenied):
        retention.apply(store, officer="canbo1")
    with pytest.raises(PermissionDenied):  # naming the head is not being the head
        retention.apply(store, officer="truong")
    acc.log_in(store, "truong", "matkhau2025")
    save_options(store, {rules.SETTING: 5}, officer="truong")
    due = retention.due_cases(store.conn, retention.configured_years(store))
    assert {d.record_id for d in due} == {ids["crime_report"], ids["petition"], ids["mediation_case"]}
    pending_before = store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    result = retention.apply(store, officer="truong")
    assert len(result.redacted) == 3 and not result.failed

    cr = store.get("crime_report", ids["crime_report"])
    assert cr["reporter_name"] == rules.REDACTED and cr["reporter_personal_id"] is None
    assert cr["reporter_phone"] is None and cr["reporter_address"] is None and cr["summary"] == rules.REDACTED
    assert cr["parties"] == [{"role": "accused", "name": rules.REDACTED}]
    assert cr["status"] == "closed" and cr["register_no"] and cr["close_reason"]  # the register keeps the case
    pt = store.get("petition", ids["petition"])
    assert pt["petitioner_name"] == rules.REDACTED and pt["petitioner_personal_id"] is None
    assert pt["content"] == rules.REDACTED
    md = store.get("mediation_case", ids["mediation_case"])
    assert [p["name"] for p in md["parties"]] == [rules.REDACTED] * 2
    assert md["failure_reason"] == rules.REDACTED and md["summary"] == rules.REDACTED
    assert store.get("crime_report", ids["open"])["reporter_name"] == "Người Còn Mở"
    assert store.get("crime_report", ids["recent"])["reporter_name"] == "Người Mới Đóng"

    # Audited as the head, queued for the province, the chain intact; a second run finds nothing.
    rows = store.conn.execute("SELECT officer, action FROM audit WHERE record_id = ? ORDER BY seq DESC LIMIT 1",
                              (ids["crime_report"],)).fetchall()
    assert [tuple(r) for r in rows] == [("truong", "update")]
    assert store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0] >= pending_before
    assert verify(store.conn).ok
    assert retention.due_cases(store.conn, 5) == []
    # The personal details are gone from the record tables (the audit trail keeps its hashes and diffs, which
    # the province holds as well: redacting history is not the station's to do alone).
    for table in ("crime_reports", "petitions", "mediation_cases"):
        dump = json.dumps([dict(r) for r in store.conn.execute(f"SELECT * FROM {table} WHERE status IN "
                                                               "('closed', 'withdrawn')")], ensure_ascii=False)
        assert PID not in dump and "Tố Giác" not in dump and "Hoàng Văn Một" not in dump


def test_retention_command_dry_run_and_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "station"
    with Store.open(db_path(data_dir)) as store:
        _station(store)
        ids = _cases(store)
    base = ["--data-dir", str(data_dir)]
    assert cli.main([*base, "retention", "--years", "5", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {c["id"] for c in listed["cases"]} == {ids["crime_report"], ids["petition"], ids["mediation_case"]}
    assert "Tố Giác" not in json.dumps(listed, ensure_ascii=False)  # the listing names no one
    assert cli.main([*base, "retention", "--years", "5", "--apply"]) == 1  # no head logged in: refused
    assert "station head" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("matkhau2025\n"))
    assert cli.main([*base, "--user", "truong", "--password-stdin", "retention", "--years", "5", "--apply"]) == 0
    assert "3 vụ việc đã xóa thông tin cá nhân" in capsys.readouterr().out
    with Store.open(db_path(data_dir)) as store:
        assert store.get("crime_report", ids["crime_report"])["reporter_name"] == rules.REDACTED


def test_head_applies_retention_from_settings(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from station_client.ui.settings import SettingsView
    from tests.ui.conftest import logged_in

    with Store.open(db_path(data_dir)) as store:
        _cases(store)
    app = logged_in(qtbot, app_factory, data_dir)  # the head, "truong"
    view = SettingsView(app.context)
    qtbot.addWidget(view)
    assert view.retention_box.isVisibleTo(view)
    view.retention_years.setValue(5)
    view.apply_retention()
    qtbot.waitUntil(lambda: "3" in view.retention_status.text())
    with Store.open(db_path(data_dir)) as store:
        assert retention.configured_years(store) == 0  # applying with a period does not save it by itself
        assert retention.due_cases(store.conn, 5) == []
