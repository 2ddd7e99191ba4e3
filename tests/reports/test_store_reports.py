"""Reports through the store: the write path (record + audit + outbox), register numbers, anonymous
reporters, due lists, search with and without diacritics, province rule corrections, statistics."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from station_client.domain.deadline_rules import RuleSet, rule_record_id
from station_client.domain.problems import ValidationError
from station_client.store import Store
from station_client.store import reports as R
from station_client.store.dossiers import SETTING_STATION_CODE, load_reference_records

OFFICER = "canbo1"


def _report(store: Store, at: datetime, **values: object) -> dict:
    base = {"report_kind": "denunciation", "channel": "in_person", "reporter_name": "Nguyễn Văn Đức",
            "reporter_phone": "0912345678", "summary": "Mất trộm xe máy tại chợ Mạo Khê", "place": "Chợ Mạo Khê"}
    return R.create(store, "crime_report", base | values, officer=OFFICER, at=at)


def test_intake_writes_record_audit_and_outbox_in_one_go(store: Store) -> None:
    r = _report(store, datetime(2025, 6, 2, 9, 0), parties=[
        {"role": "accused", "name": "Trần Văn Hùng", "birth_year": 1990},
        {"role": "victim", "name": "Nguyễn Văn Đức"}])
    assert r["status"] == "received" and r["rule_key"] == "crime_report.normal"
    audit = store.conn.execute("SELECT kind, action FROM audit WHERE record_id = ?", (r["id"],)).fetchall()
    outbox = store.conn.execute("SELECT kind, op FROM outbox WHERE record_id = ?", (r["id"],)).fetchall()
    assert [tuple(a) for a in audit] == [("crime_report", "create")]
    assert [tuple(o) for o in outbox] == [("crime_report", "upsert")]
    R.apply_action(store, "crime_report", r["id"], "start_check", officer=OFFICER, at=datetime(2025, 6, 2, 10, 0))
    done = R.apply_action(store, "crime_report", r["id"], "transfer", officer=OFFICER, at=datetime(2025, 6, 3, 8, 0),
                          details={"transferred_to": "Cơ quan CSĐT Công an tỉnh Quảng Ninh",
                                   "transfer_doc_no": "15/CV-CAP"})
    assert done["status"] == "transferred" and done["outcome"] == "early"
    actions = [a[0] for a in store.conn.execute("SELECT action FROM audit WHERE record_id = ? ORDER BY seq",
                                                (r["id"],))]
    assert actions == ["create", "update", "update"]
    with pytest.raises(ValidationError):  # the workflow refuses a second transfer
        R.apply_action(store, "crime_report", r["id"], "transfer", officer=OFFICER, at=datetime(2025, 6, 3, 9, 0),
                       details={"transferred_to": "X"})


def test_register_numbers_per_year_and_station_never_reused(store: Store, tmp_path: Path) -> None:
    store.set_setting(SETTING_STATION_CODE, "07069.A")
    a = _report(store, datetime(2025, 12, 31, 23, 0))
    b = _report(store, datetime(2025, 12, 31, 23, 30))
    store.delete("crime_report", b["id"], officer=OFFICER)
    c = _report(store, datetime(2025, 12, 31, 23, 45))
    d = _report(store, datetime(2026, 1, 1, 0, 10))
    assert [x["register_no"] for x in (a, b, c, d)] == [
        "001/2025/TG/07069.A", "002/2025/TG/07069.A", "003/2025/TG/07069.A", "001/2026/TG/07069.A"]
    # Each register counts on its own.
    p = R.create(store, "petition", {"petition_type": "complaint", "petitioner_name": "Lê Thị Mai",
                                     "content": "Khiếu nại"}, officer=OFFICER, at=datetime(2026, 1, 2, 9, 0))
    assert p["register_no"] == "001/2026/DT/07069.A"
    # A second station of the same commune, offline, numbers its own reports: no clash.
    with Store.open(tmp_path / "other.db") as other:
        other.set_setting(SETTING_STATION_CODE, "07069.B")
        e = _report(other, datetime(2026, 1, 1, 8, 0))
    assert e["register_no"] == "001/2026/TG/07069.B" != d["register_no"]
    assert [r["register_no"] for r in R.register(store.conn, "crime_report", year=2025)] == [
        "003/2025/TG/07069.A", "001/2025/TG/07069.A"]
    assert R.years(store.conn, "crime_report") == [2026, 2025]


def test_anonymous_reporter_is_accepted_and_never_recorded(store: Store) -> None:
    r = _report(store, datetime(2025, 6, 2, 9, 0), reporter_anonymous=True, reporter_name="Ai đó",
                reporter_phone="0987654321", report_kind="information", channel="phone")
    assert r["reporter_anonymous"] is True
    assert r["reporter_name"] is None and r["reporter_phone"] is None  # dropped at intake, not just hidden
    fields = store.conn.execute("SELECT fields FROM outbox WHERE record_id = ?", (r["id"],)).fetchone()[0]
    assert "Ai đó" not in fields and "0987654321" not in fields
    # Not anonymous and no name: refused with a message next to the field.
    with pytest.raises(ValidationError) as exc:
        _report(store, datetime(2025, 6, 2, 9, 0), reporter_name=None)
    assert "reporter_name" in exc.value.by_field()
    # A record edited later cannot add details the reporter declined to give.
    with pytest.raises(ValidationError):
        R.edit(store, "crime_report", r["id"], {"reporter_name": "Nguyễn Văn B"}, officer=OFFICER)


def test_urgent_report_needs_a_reason(store: Store) -> None:
    with pytest.raises(ValidationError) as exc:
        _report(store, datetime(2025, 6, 2, 9, 0), urgent=True)
    assert "urgency_reason" in exc.value.by_field()


def test_due_items_overdue_first_urgent_first(store: Store) -> None:
    normal = _report(store, datetime(2025, 6, 2, 9, 0))  # due Mon 9 June 17:00
    urgent = _report(store, datetime(2025, 6, 5, 9, 0), urgent=True, urgency_reason="caught_in_act")
    _report(store, datetime(2025, 6, 5, 10, 0), urgent=True, urgency_reason="may_flee")
    far = _report(store, datetime(2025, 6, 6, 9, 0))  # due 13 June: outside the horizon on 5 June
    items = R.due_items(store.conn, datetime(2025, 6, 6, 10, 0))  # Friday
    assert [i.register_no for i in items][:1] == [urgent["register_no"]]
    assert items[0].state == "overdue" and items[0].urgent
    assert {i.record_id: i.state for i in items}[normal["id"]] == "upcoming"  # Monday: 1 working day away
    assert far["id"] not in {i.record_id for i in items}
    R.apply_action(store, "crime_report", urgent["id"], "transfer", officer=OFFICER, at=datetime(2025, 6, 6, 11, 0),
                   details={"transferred_to": "Cơ quan CSĐT"})
    assert urgent["id"] not in {i.record_id for i in R.due_items(store.conn, datetime(2025, 6, 6, 12, 0))}


def test_search_folds_diacritics_over_people_and_content(store: Store) -> None:
    a = _report(store, datetime(2025, 6, 2, 9, 0), parties=[{"role": "accused", "name": "Trần Văn Hùng"}])
    _report(store, datetime(2025, 6, 3, 9, 0), reporter_name="Lê Thị Hoa", summary="Đánh bạc tại thôn Đông")
    v = R.create(store, "admin_violation", {"violator_name": "Phạm Đức Nam", "violation": "Gây rối trật tự"},
                 officer=OFFICER, at=datetime(2025, 6, 4, 9, 0))
    assert [h.record_id for h in R.search(store.conn, "tran van hung")] == [a["id"]]
    assert [h.record_id for h in R.search(store.conn, "TRẦN hùng")] == [a["id"]]
    assert [h.kind for h in R.search(store.conn, "danh bac dong")] == ["crime_report"]
    assert [h.record_id for h in R.search(store.conn, "pham duc")] == [v["id"]]
    assert [h.record_id for h in R.search(store.conn, a["register_no"])] == [a["id"]]
    assert R.search(store.conn, "name") == []  # JSON keys of the parties list are not searchable text
    assert R.search(store.conn, "ung") == []  # words match from their start
    assert len(R.search(store.conn, "mao khe")) == 2  # place of both reports


def test_province_corrected_rule_applies_to_new_reports_only(store: Store) -> None:
    before = _report(store, datetime(2025, 6, 2, 9, 0))
    corrected = RuleSet.load().get("crime_report.normal").to_record() | {"amount": 3}
    load_reference_records(store, "deadline_rule", [(rule_record_id("crime_report.normal"), corrected)])
    after = _report(store, datetime(2025, 6, 2, 9, 0))
    assert before["due_at"].startswith("2025-06-09") and after["due_at"].startswith("2025-06-05")
    assert store.get("crime_report", before["id"])["due_at"] == before["due_at"]


def test_petition_mediation_violation_flows_through_the_store(store: Store) -> None:
    p = R.create(store, "petition", {"petition_type": "denunciation", "petitioner_name": "Lê Thị Mai",
                                     "content": "Tố cáo hành vi lấn chiếm đất công"},
                 officer=OFFICER, at=datetime(2025, 6, 2, 9, 0))
    p = R.apply_action(store, "petition", p["id"], "accept", officer=OFFICER, at=datetime(2025, 6, 4, 9, 0),
                       details={"complexity": "complex"})
    p = R.apply_action(store, "petition", p["id"], "extend", officer=OFFICER, at=datetime(2025, 6, 20, 9, 0))
    assert p["resolve_extensions"] == 1 and p["due_at"].startswith("2025-08-04")  # 4 June + 60 days = 3 Aug (Sun)
    m = R.create(store, "mediation_case", {"trigger_kind": "request", "dispute_type": "land",
                                           "summary": "Tranh chấp lối đi chung",
                                           "parties": [{"role": "party", "name": "Nguyễn Văn A"},
                                                       {"role": "party", "name": "Trần Thị B"}]},
                 officer=OFFICER, at=datetime(2025, 6, 2, 9, 0))
    m = R.apply_action(store, "mediation_case", m["id"], "add_session", officer=OFFICER,
                       at=datetime(2025, 6, 5, 14, 0), details={"summary": "Hai bên trình bày", "place": "Nhà văn hóa"})
    m = R.apply_action(store, "mediation_case", m["id"], "succeed", officer=OFFICER, at=datetime(2025, 6, 9, 15, 0),
                       details={"agreement": "Giữ lối đi rộng 2 m", "follow_up_on": "2025-07-09"})
    assert m["status"] == "succeeded" and m["due_at"].startswith("2025-07-09") and len(m["sessions"]) == 1
    with pytest.raises(ValidationError):  # a case needs at least one party
        R.create(store, "mediation_case", {"trigger_kind": "witnessed", "summary": "x"}, officer=OFFICER,
                 at=datetime(2025, 6, 2, 9, 0))
    v = R.create(store, "admin_violation", {"violator_name": "Phạm Văn Nam", "violation": "Gây rối trật tự"},
                 officer=OFFICER, at=datetime(2025, 6, 2, 9, 0))
    v = R.apply_action(store, "admin_violation", v["id"], "decide", officer=OFFICER, at=datetime(2025, 6, 5, 9, 0),
                       details={"decision_no": "05/QĐ-XPHC", "sanction": "fine", "fine_amount": 500_000})
    v = R.apply_action(store, "admin_violation", v["id"], "pay", officer=OFFICER, at=datetime(2025, 6, 6, 9, 0),
                       details={"fine_receipt_no": "BL 0001"})
    assert v["status"] == "paid" and v["decision_outcome"] == "early" and v["due_at"] is None
    with pytest.raises(ValueError):  # deadlines are moved by actions only
        R.edit(store, "admin_violation", v["id"], {"due_at": "2030-01-01T00:00:00+07:00"}, officer=OFFICER)


def test_crime_report_statistics_for_a_period(store: Store) -> None:
    a = _report(store, datetime(2025, 6, 2, 9, 0), urgent=True, urgency_reason="caught_in_act")
    b = _report(store, datetime(2025, 6, 3, 9, 0))
    _report(store, datetime(2025, 6, 4, 9, 0), reporter_anonymous=True)
    _report(store, datetime(2025, 7, 1, 9, 0))  # outside the period
    R.apply_action(store, "crime_report", a["id"], "transfer", officer=OFFICER, at=datetime(2025, 6, 3, 10, 0),
                   details={"transferred_to": "CQĐT"})  # 25 hours: late
    R.apply_action(store, "crime_report", b["id"], "transfer", officer=OFFICER, at=datetime(2025, 6, 5, 10, 0),
                   details={"transferred_to": "CQĐT"})
    R.apply_action(store, "crime_report", b["id"], "notify", officer=OFFICER, at=datetime(2025, 6, 5, 11, 0),
                   details={"content": "Đã chuyển tin báo đến Cơ quan CSĐT", "method": "phone"})
    # The period figures (one definition: store/statistics.py, docs/statistics.md).
    from decimal import Decimal

    from station_client.domain.statistics import Period
    from station_client.store.statistics import station_stats

    s = station_stats(store.conn, Period.parse("2025-06")).crime_reports
    assert (s.received, s.urgent, s.anonymous, s.reporters_notified) == (3, 1, 1, 1)
    assert {k: (t.early + t.on_time, t.late) for k, t in s.transferred.items()} == \
        {"crime_report.normal": (1, 0), "crime_report.urgent": (0, 1)}
    assert (s.pending.not_due, s.pending.overdue, s.handled.on_time_rate) == (0, 1, Decimal("50.0"))
