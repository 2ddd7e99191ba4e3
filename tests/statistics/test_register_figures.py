"""Crime reports, petitions, mediation and violations of October 2026: hand-built, counted by hand."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from station_client.domain.statistics import Period
from station_client.store import Store
from station_client.store.statistics import station_stats

from .conftest import TRANSFER, at, crime_report, report

OCTOBER = Period.parse("2026-10")
Step = tuple[str, datetime, dict[str, Any] | None]


def test_crime_reports(store: Store) -> None:
    notice = {"content": "Đã chuyển tin báo đến Cơ quan CSĐT", "method": "phone"}
    # Urgent (24 hours): received 5 Oct 09:00, due 6 Oct 09:00.
    r1 = crime_report(store, at(2026, 10, 5), ("transfer", at(2026, 10, 6, 9), TRANSFER), urgent=True)
    r2 = crime_report(store, at(2026, 10, 5), ("transfer", at(2026, 10, 6, 9, 1), TRANSFER), urgent=True)
    # Urgent, the head's override to the remote rule (48 hours): due 7 Oct 09:00, transferred on the 6th: early.
    r3 = crime_report(store, at(2026, 10, 5),
                      ("override_remote", at(2026, 10, 5, 9, 5), {"remote_commune": True, "reason": "Đảo Cái Chiên"}),
                      ("transfer", at(2026, 10, 6, 15), TRANSFER), urgent=True, report_kind="information")
    # 7 days: received Monday 5 Oct, due Monday 12 Oct at 24:00; transferred 17:30 that day (days judged by date).
    r4 = crime_report(store, at(2026, 10, 5), ("transfer", at(2026, 10, 12, 17, 30), TRANSFER))
    # Received Saturday 10 Oct: the 7th day is Saturday 17, the last day (CPC art. 134); handled on the 16th.
    r5 = crime_report(store, at(2026, 10, 10, 20), ("administrative", at(2026, 10, 16, 9), None),
                      report_kind="prosecution_request", reporter_name=None, reporter_phone=None,
                      reporter_agency="Ban quản lý chợ Mạo Khê")
    # Received 28 Oct (due 4 Nov), reporter told on the 29th: pending, not yet due.
    crime_report(store, at(2026, 10, 28), ("notify", at(2026, 10, 29), notice))
    # Urgent, anonymous, received 30 Oct 09:00: due 31 Oct 09:00, not transferred: overdue at the close.
    crime_report(store, at(2026, 10, 30), urgent=True, reporter_anonymous=True)
    # Received 30 Sept (due 7 Oct), transferred 8 Oct: late in October; reporter told 9 Oct.
    crime_report(store, at(2026, 9, 30, 10), ("transfer", at(2026, 10, 8, 9), TRANSFER),
                 ("notify", at(2026, 10, 9), notice))
    # A notice in November does not count in October.
    crime_report(store, at(2026, 9, 1), ("transfer", at(2026, 9, 2, 9), TRANSFER),
                 ("notify", at(2026, 11, 2), notice))
    assert (r1["due_at"], r3["due_at"], r4["due_at"]) == (
        at(2026, 10, 6).isoformat(), at(2026, 10, 7).isoformat(),
        at(2026, 10, 12, 23, 59).replace(second=59).isoformat())
    assert [r["outcome"] for r in (r1, r2, r3, r4, r5)] == ["on_time", "late", "early", "on_time", "early"]

    s = station_stats(store.conn, OCTOBER).crime_reports
    assert s.received == 7
    assert s.received_by_kind == {"denunciation": 5, "information": 1, "prosecution_request": 1}
    assert (s.urgent, s.anonymous) == (4, 1)
    got = {k: (v.early, v.on_time, v.late) for k, v in s.transferred.items()}
    assert got == {"crime_report.urgent": (0, 1, 1), "crime_report.urgent_remote": (1, 0, 0),
                   "crime_report.normal": (0, 1, 1)}
    assert (s.administrative.early, s.administrative.on_time, s.administrative.late) == (1, 0, 0)
    assert s.handled.total == 6 and s.handled.on_time_rate == Decimal("66.7")  # 4 of 6 within the deadline
    assert (s.pending.not_due, s.pending.overdue) == (1, 1)
    assert s.reporters_notified == 2


def test_petitions(store: Store) -> None:
    def petition(received: datetime, *steps: Step, **values: Any) -> dict[str, Any]:
        base = {"petition_type": "denunciation", "petitioner_name": "Lê Thị Mai", "content": "Tố cáo lấn chiếm"}
        return report(store, "petition", received, *steps, **(base | values))

    # Denunciation received 5 Oct: classification due 14 Oct (7 working days), accepted that day: on time;
    # resolution due 30 days later, 13 Nov: pending, not due, at the close.
    p1 = petition(at(2026, 10, 5), ("accept", at(2026, 10, 14, 10), {"complexity": "normal"}))
    # Complaint received 1 Oct: 10 days end on Sunday 11, so due Monday 12; not accepted on the 13th: late.
    p2 = petition(at(2026, 10, 1), ("not_accept", at(2026, 10, 13), {"not_accepted_reason": "Đã hết thời hiệu"}),
                  petition_type="complaint")
    # Recommendation received 20 Oct, due 30 Oct, not classified: overdue at the close.
    petition(at(2026, 10, 20), petition_type="recommendation")
    # Accepted 3 Sept: resolution due Saturday 3 Oct → Monday 5 Oct; resolved on the 5th: on time in October.
    petition(at(2026, 9, 1), ("accept", at(2026, 9, 3), None), ("resolve", at(2026, 10, 5, 16),
                                                                 {"resolution": "Tố cáo đúng một phần"}))
    # Withdrawn the day after it came.
    petition(at(2026, 10, 8), ("withdraw", at(2026, 10, 9), None))
    assert p1["resolve_due_at"] == at(2026, 11, 13, 17).isoformat()
    assert p2["classify_outcome"] == "late"

    s = station_stats(store.conn, OCTOBER).petitions
    assert s.received == 4 and s.received_by_type == {"complaint": 1, "denunciation": 2, "recommendation": 1}
    assert (s.classified.early, s.classified.on_time, s.classified.late) == (0, 1, 1)
    assert (s.accepted, s.not_accepted, s.forwarded) == (1, 1, 0)
    assert (s.resolved.early, s.resolved.on_time, s.resolved.late) == (0, 1, 0)
    assert s.withdrawn == 1
    assert (s.pending.not_due, s.pending.overdue) == (1, 1)


def test_mediation(store: Store) -> None:
    def case(received: datetime, *steps: Step, **values: Any) -> dict[str, Any]:
        base = {"trigger_kind": "request", "dispute_type": "neighbour", "summary": "Tranh chấp lối đi chung",
                "parties": [{"role": "party", "name": "Phạm Văn An"}, {"role": "party", "name": "Đỗ Thị Bình"}]}
        return report(store, "mediation_case", received, *steps, **(base | values))

    case(at(2026, 10, 2), ("succeed", at(2026, 10, 10), {"agreement": "Mở lối đi rộng 1,5 m"}))
    case(at(2026, 10, 3), ("fail", at(2026, 10, 5), {"failure_reason": "Một bên không đến"}), dispute_type="land")
    case(at(2026, 10, 20))
    case(at(2026, 9, 20), ("succeed", at(2026, 10, 1), {"agreement": "Bồi thường 2 triệu đồng"}))
    s = station_stats(store.conn, OCTOBER).mediation
    assert s.received == 3 and s.received_by_type == {"land": 1, "neighbour": 2}
    assert (s.succeeded, s.failed, s.open_at_close) == (2, 1, 1)
    assert s.success_rate == Decimal("66.7")


def test_violations(store: Store) -> None:
    def violation(recorded: datetime, *steps: Step) -> dict[str, Any]:
        return report(store, "admin_violation", recorded, *steps, violator_name="Hoàng Văn Cường",
                      violation="Gây mất trật tự công cộng")

    fine = {"decision_no": "12/QĐ-XPVPHC", "sanction": "fine", "fine_amount": 1_500_000}
    # Recorded 5 Oct: decision due 14 Oct 17:00 (7 working days); decided 17:30 that day: on time; paid the 20th.
    v1 = violation(at(2026, 10, 5), ("decide", at(2026, 10, 14, 17, 30), fine),
                   ("pay", at(2026, 10, 20), {"fine_receipt_no": "0001234"}))
    # Recorded 1 Oct, due 12 Oct, warning on the 13th: late.
    violation(at(2026, 10, 1), ("decide", at(2026, 10, 13), {"decision_no": "13/QĐ", "sanction": "warning"}))
    violation(at(2026, 10, 26))  # due 4 Nov: pending, not due
    violation(at(2026, 10, 19))  # due 28 Oct: overdue at the close
    violation(at(2026, 10, 6), ("close", at(2026, 10, 7), {"close_reason": "Chuyển cơ quan có thẩm quyền"}))
    assert v1["decision_due_at"] == at(2026, 10, 14, 17).isoformat()

    s = station_stats(store.conn, OCTOBER).violations
    assert s.recorded == 5
    assert (s.decided.early, s.decided.on_time, s.decided.late) == (0, 1, 1)
    assert (s.fines, s.fines_amount, s.warnings, s.fines_paid) == (1, 1_500_000, 1, 1)
    assert s.closed_without_decision == 1
    assert (s.pending.not_due, s.pending.overdue) == (1, 1)
