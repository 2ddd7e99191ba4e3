"""The investigation agency's inbox over HTTP with a real station: a transferred report is acknowledged, extended
and decided at the province, the outcome reaches the station's report and its Today list until the reporter is
told; a station edit of the report's note at the same time merges; a step on a report the station changed since
the officer opened it (its status) is refused, never an overwrite; only the agency role takes steps."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from station_client.clock import office_today
from station_client.domain import agency as ag
from station_client.domain.deadlines import default_office_hours
from station_client.store import reports as sr
from tests.statistics.conftest import TRANSFER, crime_report
from tests.support.server import RunningServer
from tests.sync.conftest import make_station

from .conftest import Console, staff_audit


def _row(page: str, report_id: str) -> str:
    return page.split(f'data-report="{report_id}"')[1].split("</tr>")[0]


def _version(page: str, report_id: str) -> str:
    return _row(page, report_id).split('name="version" value="')[1].split('"')[0]


def _today(store, report_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    now = datetime.now(default_office_hours().tz)
    return [i.rule_key for i in sr.due_items(store.conn, now) if i.record_id == report_id]


@pytest.mark.office_clock
def test_acknowledge_extend_decide_reach_the_station(tmp_path: Path, server: RunningServer,
                                                      console: Console) -> None:
    station = make_station(tmp_path, server, "ha-an", commune="07168")
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        report = crime_report(store, now - timedelta(hours=5), ("transfer", now - timedelta(hours=2), TRANSFER))
        second = crime_report(store, now - timedelta(hours=4), ("transfer", now - timedelta(hours=1), TRANSFER))
    assert station.sync_until_clean().ok

    admin = Console(server)
    admin.login("admin")
    inbox = admin.get("/console/inbox").text
    assert f'data-report="{report["id"]}"' in inbox and 'class="inline acknowledge"' not in inbox  # read only
    for action in ("acknowledge", "decide"):
        assert admin.post(f"/console/inbox/{report['id']}/{action}", {"decision": "prosecute", "version": "1"},
                          page="/console/inbox").status_code == 403

    console.login("agency")
    page = console.get("/console/inbox").text
    assert 'data-stage="waiting"' in _row(page, report["id"])
    # deciding before acknowledging is refused
    early = console.post(f"/console/inbox/{report['id']}/decide", {
        "decision": "prosecute", "ground": "Điều 143", "decision_no": "1", "version": _version(page, report["id"])},
        page="/console/inbox")
    assert early.status_code == 409
    done = console.post(f"/console/inbox/{report['id']}/acknowledge", {"version": _version(page, report["id"])},
                        page="/console/inbox")
    assert done.status_code == 200 and 'id="notice"' in done.text
    row = _row(done.text, report["id"])
    assert 'data-stage="acknowledged"' in row and 'class="decide"' in row and 'class="extend"' in row

    # The station edits the report's note while the officer has the inbox open: the agency's step still lands
    # and both survive (merged, no conflict).
    seen = _version(done.text, report["id"])
    with station.open() as store:
        sr.edit(store, "crime_report", report["id"], {"note": "Người tố giác bổ sung ảnh"}, officer="can_bo_a")
    assert station.sync_until_clean().ok
    ext = console.post(f"/console/inbox/{report['id']}/extend", {
        "ground": "Vụ việc phức tạp, Điều 147 khoản 2", "version": seen}, page="/console/inbox")
    assert ext.status_code == 200, ext.text[-500:]
    assert "Gia hạn 2 tháng" in _row(ext.text, report["id"])
    # a stale form (the version before the extension) cannot extend a second time unseen
    again = console.post(f"/console/inbox/{report['id']}/extend", {"ground": "Lần hai", "version": seen},
                         page="/console/inbox")
    assert again.status_code == 409
    bad = console.post(f"/console/inbox/{report['id']}/decide", {
        "decision": "prosecute", "ground": "", "decision_no": "12/QĐ",
        "version": _version(ext.text, report["id"])}, page="/console/inbox")
    assert bad.status_code == 422  # no legal ground
    # ... and a note the station writes offline while the agency decides arrives after the decision: merged too.
    with station.open() as store:
        sr.edit(store, "crime_report", report["id"], {"note": "Đã hẹn người tố giác"}, officer="can_bo_a")
    today = office_today().isoformat()  # the decision's date on the office calendar, as the console checks it
    decided = console.post(f"/console/inbox/{report['id']}/decide", {
        "decision": "prosecute", "ground": "Điều 143 BLTTHS", "decision_no": "12/QĐ-CSĐT", "date": today,
        "version": _version(ext.text, report["id"])}, page="/console/inbox")
    assert decided.status_code == 200
    row = _row(decided.text, report["id"])
    assert 'data-stage="decided"' in row and "12/QĐ-CSĐT" in row
    # the notice of intake to the procuracy and the reporter, recorded late in the day (after the decision)
    told = console.post(f"/console/inbox/{report['id']}/notify_intake", {
        "date": today, "version": _version(decided.text, report["id"])}, page="/console/inbox")
    assert told.status_code == 200 and 'class="intake-notice"' in _row(told.text, report["id"])
    assert 'class="notify-intake"' not in _row(told.text, report["id"])

    assert station.sync_until_clean().ok
    with station.open() as store:
        r = store.get("crime_report", report["id"])
        assert r["agency_decision"] == "prosecute" and r["agency_decision_no"] == "12/QĐ-CSĐT"
        assert r["agency_extension"] == "complex" and r["agency_officer"] == "agency"
        assert r["agency_decision_timeliness"] in ("early", "on_time")
        assert r["agency_notice_at"] and r["agency_notice_timeliness"] in ("early", "on_time")
        assert r["note"] == "Đã hẹn người tố giác" and r["sync_state"] == "synced"
        assert not store.conn.execute("SELECT count(*) FROM conflicts WHERE record_id = ? AND status = 'open'",
                                      (report["id"],)).fetchone()[0]
        assert _today(store, report["id"]) == [sr.OUTCOME_NOTICE]
        assert ag.agency_state(r, now).stage == "decided"
        sr.apply_action(store, "crime_report", report["id"], "notify", officer="can_bo_a",
                        at=datetime.now(default_office_hours().tz),
                        details={"content": "Cơ quan điều tra đã khởi tố vụ án", "method": "phone"})
        assert _today(store, report["id"]) == []
    assert station.sync_until_clean().ok
    assert "Người tố giác đã được báo" in _row(console.get("/console/inbox").text, report["id"])

    # The station closes the second report while the officer has the inbox open: the officer's step is refused.
    stale = _version(console.get("/console/inbox").text, second["id"])
    with station.open() as store:
        sr.apply_action(store, "crime_report", second["id"], "close", officer="can_bo_a", at=now,
                        details={"close_reason": "Người tố giác rút đơn"})
    assert station.sync_until_clean().ok
    refused = console.post(f"/console/inbox/{second['id']}/acknowledge", {"version": stale}, page="/console/inbox")
    assert refused.status_code == 409 and 'id="error"' in refused.text
    with station.open() as store:
        assert station.sync().ok
        assert not store.get("crime_report", second["id"]).get("agency_received_at")
    outcomes = {(e["action"], e["outcome"]) for e in staff_audit(server) if e["username"] == "agency"}
    assert {("agency.acknowledge", "ok"), ("agency.extend", "ok"), ("agency.decide", "ok"),
            ("agency.decide", "failed"), ("agency.acknowledge", "failed")} <= outcomes
