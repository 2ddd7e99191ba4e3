"""The investigation agency's clocks and steps (domain/agency.py): plain Python, no store."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from station_client.domain import agency as ag
from station_client.domain.calendar import WorkCalendar
from station_client.domain.problems import ValidationError

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.default()


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def transferred(when: datetime) -> dict:
    return {"status": "transferred", "transferred_at": (when - timedelta(hours=2)).isoformat(),
            "reporter_name": "Người Tố Giác", "notices": []}


def acknowledged(when: datetime, cal: WorkCalendar) -> dict:
    r = transferred(when)
    return r | ag.agency_transition(r, "acknowledge", when, "canbo", cal)


def test_intake_notice_3_working_days_skips_the_weekend(cal: WorkCalendar) -> None:
    r = acknowledged(at(2026, 10, 8), cal)  # Thursday
    assert r["agency_notice_due"] == "2026-10-13T17:00:00+07:00"  # Fri, Mon, Tue
    assert r["agency_officer"] == "canbo"


def test_intake_notice_3_working_days_skips_tet(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(date(2026, 2, 16))
    r = acknowledged(at(2026, 2, 13), cal)  # the Friday before Tết (16–20 Feb 2026)
    assert r["agency_notice_due"] == "2026-02-25T17:00:00+07:00"  # Mon 23, Tue 24, Wed 25


def test_20_days_ending_on_a_day_off_end_there(cal: WorkCalendar) -> None:
    r = acknowledged(at(2026, 10, 5), cal)  # Monday; +20 days = Sunday 25 October
    assert not cal.is_working_day(date(2026, 10, 25))
    assert datetime.fromisoformat(r["agency_decide_due"]).date() == date(2026, 10, 25)


def test_two_month_extension_moves_past_a_day_off_and_a_third_is_refused(cal: WorkCalendar) -> None:
    r = acknowledged(at(2026, 10, 5), cal)
    with pytest.raises(ValidationError):
        ag.agency_transition(r, "extend", at(2026, 10, 20), "canbo", cal, details={})  # no ground
    r |= ag.agency_transition(r, "extend", at(2026, 10, 20), "canbo", cal,
                              details={"ground": "Điều 147 khoản 2 BLTTHS", "date": "2026-10-20"})
    # 5 December 2026 is a Saturday: a period in months moves to the next working day
    assert r["agency_extension"] == "complex"
    assert datetime.fromisoformat(r["agency_decide_due"]).date() == date(2026, 12, 7)
    assert r["agency_extended_at"].startswith("2026-10-20")
    r |= ag.agency_transition(r, "extend", at(2026, 12, 1), "canbo", cal, details={"ground": "Gia hạn lần 2"})
    assert r["agency_extension"] == "complex_more"
    due = datetime.fromisoformat(r["agency_decide_due"]).date()
    assert due >= date(2027, 2, 5) and cal.is_working_day(due)
    with pytest.raises(ValidationError) as exc:
        ag.agency_transition(r, "extend", at(2026, 12, 20), "canbo", cal, details={"ground": "Lần ba"})
    assert exc.value.problems[0].code == "exhausted"


def test_decide_needs_acknowledgement_ground_number_and_a_known_decision(cal: WorkCalendar) -> None:
    r = transferred(at(2026, 10, 5))
    with pytest.raises(ValidationError):
        ag.agency_transition(r, "decide", at(2026, 10, 6), "canbo", cal,
                             details={"decision": "prosecute", "ground": "x", "decision_no": "1"})
    r = acknowledged(at(2026, 10, 5), cal)
    for details in ({"decision": "maybe", "ground": "x", "decision_no": "1"},
                    {"decision": "prosecute", "decision_no": "1"},
                    {"decision": "prosecute", "ground": "Điều 143"},
                    {"decision": "prosecute", "ground": "Điều 143", "decision_no": "1", "date": "2026-10-30"},
                    {"decision": "prosecute", "ground": "Điều 143", "decision_no": "1", "date": "2026-10-01"}):
        with pytest.raises(ValidationError):
            ag.agency_transition(r, "decide", at(2026, 10, 20), "canbo", cal, details=details)


def test_decision_on_time_late_and_the_outcome_notice(cal: WorkCalendar) -> None:
    r = acknowledged(at(2026, 10, 5), cal)
    on_time = ag.agency_transition(r, "decide", at(2026, 10, 26), "canbo", cal, details={
        "decision": "not_prosecute", "ground": "Điều 157", "decision_no": "12/QĐ", "date": "2026-10-25"})
    assert on_time["agency_decision_timeliness"] == "on_time"  # the due day itself, a Sunday
    late = ag.agency_transition(r, "decide", at(2026, 10, 27), "canbo", cal, details={
        "decision": "prosecute", "ground": "Điều 143", "decision_no": "13/QĐ", "date": "2026-10-26"})
    assert late["agency_decision_timeliness"] == "late"
    r |= late
    assert r["outcome_notice_due"] == "2026-10-29T23:59:59+07:00"
    assert ag.agency_state(r, at(2026, 10, 28)).stage == "decided"
    assert ag.outcome_notice_pending(r)
    assert ag.agency_state(r, at(2026, 10, 30)).overdue
    with pytest.raises(ValidationError):
        ag.agency_transition(r, "decide", at(2026, 10, 28), "canbo", cal, details={
            "decision": "suspend", "ground": "x", "decision_no": "2"})
    r["notices"] = [{"at": at(2026, 10, 20).isoformat(), "content": "Đã tiếp nhận"}]  # before: not the outcome
    assert ag.outcome_notice_pending(r)
    r["notices"].append({"at": at(2026, 10, 28).isoformat(), "content": "Kết quả: khởi tố"})
    assert not ag.outcome_notice_pending(r) and not ag.agency_state(r, at(2026, 10, 30)).overdue


def test_states(cal: WorkCalendar) -> None:
    r = transferred(at(2026, 10, 5))
    assert ag.agency_state(r, at(2026, 10, 6)) == ag.AgencyState("waiting", None, False)
    with pytest.raises(ValidationError):
        ag.agency_transition(r, "acknowledge", at(2026, 10, 5, 6), "canbo", cal)  # before the transfer
    r |= ag.agency_transition(r, "acknowledge", at(2026, 10, 5), "canbo", cal)
    assert ag.agency_state(r, at(2026, 10, 6)).stage == "acknowledged"
    assert ag.agency_state(r, at(2026, 10, 26)).overdue
    with pytest.raises(ValidationError):
        ag.agency_transition(r, "acknowledge", at(2026, 10, 6), "canbo", cal)
    with pytest.raises(ValidationError):
        ag.agency_transition({"status": "received"}, "acknowledge", at(2026, 10, 6), "canbo", cal)


def test_intake_notice_once_after_receipt_with_its_timeliness(cal: WorkCalendar) -> None:
    """Acknowledged Monday 5 October 2026 10:00: the notice is due Thursday 8 October (3 working days)."""
    with pytest.raises(ValidationError) as e:
        ag.agency_transition(transferred(at(2026, 10, 5)), "notify_intake", at(2026, 10, 6), "canbo", cal)
    assert e.value.problems[0].code == "not_acknowledged"
    r = acknowledged(at(2026, 10, 5), cal)
    for day, want in (("2026-10-07", "early"), ("2026-10-08", "on_time"), ("2026-10-09", "late")):
        got = ag.agency_transition(r, "notify_intake", at(2026, 10, 12), "canbo", cal, details={"date": day})
        assert got["agency_notice_timeliness"] == want and got["agency_notice_at"].startswith(day)
    with pytest.raises(ValidationError) as e:  # before the receipt
        ag.agency_transition(r, "notify_intake", at(2026, 10, 12), "canbo", cal, details={"date": "2026-10-04"})
    assert e.value.problems[0].code == "order"
    decided = r | ag.agency_transition(r, "decide", at(2026, 10, 20), "canbo", cal, details={
        "decision": "prosecute", "ground": "Điều 143", "decision_no": "1/QĐ"})
    told = decided | ag.agency_transition(decided, "notify_intake", at(2026, 10, 21), "canbo", cal)
    assert told["agency_notice_timeliness"] == "late"  # recorded after the decision: still counted, late
    with pytest.raises(ValidationError) as e:
        ag.agency_transition(told, "notify_intake", at(2026, 10, 21), "canbo", cal)
    assert e.value.problems[0].code == "already"
