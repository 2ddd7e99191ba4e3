"""The agency's fields at the station: the store refuses a station write of them (they arrive by sync only), a
close may carry the agency's decision, and a decided report is on the Today list until the reporter is told."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from station_client.domain import agency as ag
from station_client.domain.calendar import WorkCalendar
from station_client.domain.problems import ValidationError
from station_client.store import Store
from station_client.store import reports as R
from station_client.store.codec import to_db
from station_client.store.errors import PermissionDenied

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER = "canbo1"


def _transferred(store: Store) -> dict:
    r = R.create(store, "crime_report", {
        "report_kind": "denunciation", "channel": "in_person", "reporter_name": "Nguyễn Văn Đức",
        "reporter_phone": "0912345678", "summary": "Mất trộm xe máy tại chợ Mạo Khê"},
        officer=OFFICER, at=datetime(2026, 10, 1, 9, tzinfo=TZ))
    return R.apply_action(store, "crime_report", r["id"], "transfer", officer=OFFICER,
                          at=datetime(2026, 10, 1, 15, tzinfo=TZ),
                          details={"transferred_to": "Cơ quan CSĐT Công an tỉnh Quảng Ninh"})


def _as_synced(store: Store, record_id: str, changes: dict) -> None:
    """What a pulled province change does to the row (sync writes it directly, not through the officer's path)."""
    from station_client.domain.registry import get_kind

    values = to_db(get_kind("crime_report"), changes)
    with store.transaction():
        store.conn.execute(f"UPDATE crime_reports SET {', '.join(f'{c} = ?' for c in values)} WHERE id = ?",
                           (*values.values(), record_id))


def test_a_station_cannot_write_agency_fields(store: Store) -> None:
    r = _transferred(store)
    for changes in ({"agency_decision": "prosecute"}, {"agency_received_at": "2026-10-02T09:00:00+07:00"},
                    {"outcome_notice_due": "2026-10-09T23:59:59+07:00", "note": "x"}):
        with pytest.raises(PermissionDenied):
            store.update("crime_report", r["id"], changes, officer=OFFICER)
    with pytest.raises(PermissionDenied):
        store.create("crime_report", {"agency_decision": "prosecute"}, officer=OFFICER)
    # a close cannot set a decision the agency did not record
    with pytest.raises(ValidationError):
        R.apply_action(store, "crime_report", r["id"], "close", officer=OFFICER, at=datetime(2026, 10, 20, tzinfo=TZ),
                       details={"close_reason": "Có kết quả", "agency_decision": "suspend"})
    assert store.get("crime_report", r["id"])["agency_decision"] is None
    # an ordinary edit still works; saving the agency fields unchanged is no write of them
    store.update("crime_report", r["id"], {"note": "Đã gọi điện", "agency_decision": None}, officer=OFFICER)


def test_decided_report_on_today_until_the_reporter_is_told(store: Store) -> None:
    cal = WorkCalendar.default()
    r = _transferred(store)
    r |= ag.agency_transition(r, "acknowledge", datetime(2026, 10, 2, 9, tzinfo=TZ), "cqdt", cal)
    decided = ag.agency_transition(r, "decide", datetime(2026, 10, 12, 9, tzinfo=TZ), "cqdt", cal, details={
        "decision": "prosecute", "ground": "Điều 143 BLTTHS", "decision_no": "05/QĐ-CSĐT"})
    _as_synced(store, r["id"], {k: v for k, v in r.items() if k in ag.AGENCY_FIELDS} | decided)
    now = datetime(2026, 10, 13, 9, tzinfo=TZ)
    items = [i for i in R.due_items(store.conn, now) if i.record_id == r["id"]]
    assert [(i.rule_key, i.state) for i in items] == [(R.OUTCOME_NOTICE, "upcoming")]
    late = [i for i in R.due_items(store.conn, datetime(2026, 10, 16, 9, tzinfo=TZ)) if i.record_id == r["id"]]
    assert late[0].state == "overdue"
    # the station's close carries the agency's decision as it is
    R.apply_action(store, "crime_report", r["id"], "close", officer=OFFICER, at=now,
                   details={"close_reason": "Cơ quan điều tra đã khởi tố", "agency_decision": "prosecute"})
    assert [i for i in R.due_items(store.conn, now) if i.record_id == r["id"]]  # still to tell the reporter
    R.apply_action(store, "crime_report", r["id"], "notify", officer=OFFICER, at=now,
                   details={"content": "Cơ quan điều tra đã khởi tố vụ án", "method": "phone"})
    assert not [i for i in R.due_items(store.conn, now) if i.record_id == r["id"]]
