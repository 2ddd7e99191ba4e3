"""Every statutory deadline of issue 7, across weekends, Tết, the 30 April / 1 May bridge with its swapped
Saturday, and National Day — computed through the same domain transitions the forms use."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from station_client.domain import crime_reports, petitions, violations
from station_client.domain.calendar import CalendarOverride, WorkCalendar
from station_client.domain.deadline_rules import DEADLINE_RULE, DeadlineRule, RuleSet, rule_record_id
from station_client.domain.problems import ValidationError


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.default()


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.load()


def _report(received: datetime, rules: RuleSet, cal: WorkCalendar, *, urgent: bool, remote: bool = False) -> dict:
    values = {"report_kind": "denunciation", "channel": "in_person", "reporter_name": "Nguyễn Văn An",
              "summary": "Trộm cắp xe máy", "urgent": urgent, "remote_commune": remote,
              "urgency_reason": "caught_in_act" if urgent else None}
    return crime_reports.new_report_fields(values, received, rules, cal)


def _due(record: dict, field: str = "due_at") -> str:
    return datetime.fromisoformat(record[field]).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------------------------------ crime reports
def test_urgent_report_24_hours_runs_through_the_weekend_and_tet(rules: RuleSet, cal: WorkCalendar) -> None:
    # Friday 16:00 → Saturday 16:00: an hours clock does not stop for weekends.
    assert _due(_report(datetime(2026, 2, 13, 16, 0), rules, cal, urgent=True)) == "2026-02-14 16:00"
    # Received on the eve of Tết at night → due the next night, on a public holiday.
    r = _report(datetime(2026, 2, 16, 22, 30), rules, cal, urgent=True)
    assert r["rule_key"] == "crime_report.urgent"
    assert _due(r) == "2026-02-17 22:30"
    assert not cal.is_working_day(date(2026, 2, 17))


def test_urgent_report_48_hours_in_a_remote_commune(rules: RuleSet, cal: WorkCalendar) -> None:
    r = _report(datetime(2026, 2, 14, 10, 0), rules, cal, urgent=True, remote=True)  # a Saturday
    assert r["rule_key"] == "crime_report.urgent_remote"
    assert r["duration"] == {"amount": 48, "unit": "hours"}
    assert _due(r) == "2026-02-16 10:00"
    # The remote flag alone changes nothing for a non-urgent report: 7 days.
    assert _report(datetime(2026, 2, 14, 10, 0), rules, cal, urgent=False, remote=True)["rule_key"] == \
        "crime_report.normal"


def test_other_reports_7_days_end_at_24h_of_the_last_day_even_on_a_day_off(rules: RuleSet, cal: WorkCalendar) -> None:
    """Criminal Procedure Code 2015, art. 134 cl. 2: a period in days ends at 24:00 of its last day; only a period
    in months moves past a day off. (The Civil Code's move to the next working day is wrong for this register.)"""
    # An ordinary week: Monday → the Monday after, at the end of the day.
    assert _due(_report(datetime(2025, 6, 2, 9, 0), rules, cal, urgent=False)) == "2025-06-09 23:59"
    # The 7th day is a Saturday: it stays the last day.
    assert _due(_report(datetime(2025, 6, 7, 20, 0), rules, cal, urgent=False)) == "2025-06-14 23:59"
    # The 7th day is Tết (mùng 4, Friday 20 Feb 2026): it ends there, not on Monday 23 Feb at 17:00.
    r = _report(datetime(2026, 2, 13, 16, 0), rules, cal, urgent=False)
    assert r["duration"] == {"amount": 7, "unit": "criminal_days"}
    assert _due(r) == "2026-02-20 23:59"
    assert not cal.is_working_day(date(2026, 2, 20))
    # Transferred in the evening of the last day: on time (lateness by date); the day after: late.
    r |= {"register_no": "x"}
    evening = crime_reports.transition(r, "transfer", datetime(2026, 2, 20, 21, 0), rules, cal,
                                       details={"transferred_to": "Cơ quan CSĐT"})
    assert evening["outcome"] == "on_time"
    monday = crime_reports.transition(r, "transfer", datetime(2026, 2, 23, 9, 0), rules, cal,
                                      details={"transferred_to": "Cơ quan CSĐT"})
    assert monday["outcome"] == "late"


def test_criminal_procedure_months_end_on_the_same_day_and_move_past_a_day_off(cal: WorkCalendar) -> None:
    from station_client.domain.deadlines import Duration, add_months, due_at

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    # 20/01/2026 + 1 month = Friday 20/02/2026, a Tết holiday → the next working day, Monday 23/02, at 24:00.
    due = due_at(datetime(2026, 1, 20, 10, 0), Duration(1, "criminal_months"), cal)
    assert due.strftime("%Y-%m-%d %H:%M") == "2026-02-23 23:59"
    # Working day: stays.
    due = due_at(datetime(2026, 3, 10, 10, 0), Duration(1, "criminal_months"), cal)
    assert due.strftime("%Y-%m-%d %H:%M") == "2026-04-10 23:59"


def test_transfer_outcome_is_judged_by_the_hour_for_urgent_reports(rules: RuleSet, cal: WorkCalendar) -> None:
    r = _report(datetime(2026, 2, 13, 16, 0), rules, cal, urgent=True) | {"register_no": "x"}
    late = crime_reports.transition(r, "transfer", datetime(2026, 2, 14, 16, 1), rules, cal,
                                    details={"transferred_to": "Cơ quan CSĐT"})
    assert late["status"] == "transferred" and late["outcome"] == "late"
    on_time = crime_reports.transition(r, "transfer", datetime(2026, 2, 14, 15, 59), rules, cal,
                                       details={"transferred_to": "Cơ quan CSĐT"})
    assert on_time["outcome"] == "on_time"


def test_reclassifying_as_urgent_recomputes_from_receipt(rules: RuleSet, cal: WorkCalendar) -> None:
    r = _report(datetime(2025, 6, 2, 9, 0), rules, cal, urgent=False)
    changes = crime_reports.transition(r, "reclassify", datetime(2025, 6, 2, 11, 0), rules, cal,
                                       details={"urgent": True, "urgency_reason": "may_flee"})
    assert changes["rule_key"] == "crime_report.urgent"
    assert datetime.fromisoformat(changes["due_at"]).strftime("%Y-%m-%d %H:%M") == "2025-06-03 09:00"


# ------------------------------------------------------------------------------------------ petitions
def _petition(received: datetime, rules: RuleSet, cal: WorkCalendar, ptype: str = "denunciation") -> dict:
    values = {"petition_type": ptype, "petitioner_name": "Lê Thị Mai", "content": "Tố cáo hành vi lấn chiếm đất",
              "register_no": "x"}
    return petitions.new_petition_fields(values, received, rules, cal)


def test_classify_7_working_days_across_the_april_bridge(rules: RuleSet, cal: WorkCalendar) -> None:
    # Thu 24 Apr 2025: Fri 25 (1), Sat 26 worked in exchange (2), Mon 28 (3), Tue 29 (4); 30 Apr, 1 May
    # holidays, Fri 2 May swapped off; Mon 5 (5), Tue 6 (6), Wed 7 (7).
    p = _petition(datetime(2025, 4, 24, 10, 0), rules, cal)
    assert p["status"] == "received" and p["rule_key"] == "petition.denunciation.classify"
    assert _due(p) == _due(p, "classify_due_at") == "2025-05-07 17:00"


def test_classify_extended_to_10_working_days_once(rules: RuleSet, cal: WorkCalendar) -> None:
    p = _petition(datetime(2025, 4, 24, 10, 0), rules, cal)
    ext = petitions.transition(p, "extend_classification", datetime(2025, 4, 28, 9, 0), rules, cal)
    assert datetime.fromisoformat(ext["due_at"]).date() == date(2025, 5, 12)  # Thu 8 (8), Fri 9 (9), Mon 12 (10)
    with pytest.raises(ValidationError):
        petitions.transition(p | ext, "extend_classification", datetime(2025, 4, 29, 9, 0), rules, cal)


def test_classify_received_after_hours_before_tet_starts_after_tet(rules: RuleSet, cal: WorkCalendar) -> None:
    # Friday 13 Feb 2026 at 18:00 counts from Monday 23 Feb (Tết week off): 7 WD → Wednesday 4 March.
    assert _due(_petition(datetime(2026, 2, 13, 18, 0), rules, cal)) == "2026-03-04 17:00"


def test_forward_within_5_working_days(rules: RuleSet, cal: WorkCalendar) -> None:
    p = _petition(datetime(2025, 4, 24, 10, 0), rules, cal)
    marked = petitions.transition(p, "mark_outside", datetime(2025, 4, 25, 8, 0), rules, cal)
    assert marked["rule_key"] == "petition.denunciation.forward"
    assert _due(marked) == "2025-05-05 17:00"
    done = petitions.transition(p | marked, "forward", datetime(2025, 5, 5, 16, 0), rules, cal,
                                details={"forwarded_to": "Thanh tra tỉnh"})
    assert done["status"] == "forwarded" and done["classify_outcome"] == "on_time" and done["due_at"] is None
    late = petitions.transition(p | marked, "forward", datetime(2025, 5, 6, 8, 0), rules, cal,
                                details={"forwarded_to": "Thanh tra tỉnh"})
    assert late["classify_outcome"] == "late"


def test_resolve_30_days_with_extensions_by_complexity(rules: RuleSet, cal: WorkCalendar) -> None:
    p = _petition(datetime(2025, 7, 28, 9, 0), rules, cal)
    # Accepted on Saturday 2 Aug: day 30 is Mon 1 Sep, National Day (and 2 Sep) → Wednesday 3 Sep.
    acc = petitions.transition(p, "accept", datetime(2025, 8, 2, 10, 0), rules, cal, details={"complexity": "normal"})
    p |= acc
    assert acc["status"] == "accepted" and _due(acc) == _due(acc, "resolve_due_at") == "2025-09-03 17:00"
    assert "extend" not in [a.name for a in petitions.available_actions(p, rules)]
    with pytest.raises(ValidationError):
        petitions.transition(p, "extend", datetime(2025, 8, 20, 9, 0), rules, cal)

    p |= petitions.transition(p, "set_complexity", datetime(2025, 8, 20, 9, 0), rules, cal,
                              details={"complexity": "complex"})
    p |= petitions.transition(p, "extend", datetime(2025, 8, 25, 9, 0), rules, cal)
    assert p["resolve_extensions"] == 1 and _due(p) == "2025-10-01 17:00"  # 60 days
    with pytest.raises(ValidationError):  # complex: one extension only
        petitions.transition(p, "extend", datetime(2025, 9, 25, 9, 0), rules, cal)

    p |= petitions.transition(p, "set_complexity", datetime(2025, 9, 25, 9, 0), rules, cal,
                              details={"complexity": "especially_complex"})
    p |= petitions.transition(p, "extend", datetime(2025, 9, 26, 9, 0), rules, cal)
    assert p["resolve_extensions"] == 2 and _due(p) == "2025-10-31 17:00"  # 90 days
    with pytest.raises(ValidationError):  # especially complex: two extensions only
        petitions.transition(p, "extend", datetime(2025, 10, 20, 9, 0), rules, cal)
    # Lowering the complexity below the extensions already taken is refused.
    with pytest.raises(ValidationError):
        petitions.transition(p, "set_complexity", datetime(2025, 10, 20, 9, 0), rules, cal,
                             details={"complexity": "normal"})
    res = petitions.transition(p, "resolve", datetime(2025, 10, 31, 16, 0), rules, cal,
                               details={"resolution": "Tố cáo đúng một phần"})
    assert res["status"] == "resolved" and res["resolve_outcome"] == "on_time" and res["due_at"] is None


# ------------------------------------------------------------------------------------------ violations
def test_sanction_decision_and_held_items_7_working_days_over_national_day(rules: RuleSet,
                                                                          cal: WorkCalendar) -> None:
    values = {"violator_name": "Phạm Văn Nam", "violation": "Gây rối trật tự công cộng", "register_no": "x",
              "items_held": [{"name": "Xe máy Honda Wave", "quantity": 1}], "held_at": "2025-08-29T20:00:00"}
    v = violations.new_violation_fields(values, datetime(2025, 8, 28, 15, 0), rules, cal)
    # Thu 28 Aug: Fri 29 (1); 1–2 Sep National Day; Wed 3 (2) … Wed 10 (7).
    assert _due(v, "decision_due_at") == "2025-09-10 17:00"
    # Seized Friday evening, after hours: counted from Wednesday 3 Sep 07:30 → Friday 12 Sep.
    assert _due(v, "items_due_at") == "2025-09-12 17:00"
    assert v["due_at"] == v["decision_due_at"]  # the earlier running clock
    decided = violations.transition(v, "decide", datetime(2025, 9, 11, 8, 0), rules, cal,
                                    details={"decision_no": "12/QĐ-XPHC", "sanction": "fine", "fine_amount": 750_000})
    assert decided["decision_outcome"] == "late"
    assert decided["due_at"] == v["items_due_at"]  # only the holding clock still runs
    released = violations.transition(v | decided, "release_items", datetime(2025, 9, 12, 9, 0), rules, cal,
                                     details={"items_outcome": "Trả lại chủ sở hữu"})
    assert released["due_at"] is None


# ------------------------------------------------------------------------------------------ rules as data
def test_province_rule_overrides_the_shipped_one_by_key(rules: RuleSet, cal: WorkCalendar) -> None:
    shipped = rules.get("crime_report.normal").to_record()
    corrected = shipped | {"amount": 5}
    assert DEADLINE_RULE.validate(DEADLINE_RULE.coerce(corrected)[0]) == []
    rs = RuleSet.load([corrected, {"key": "broken"}])  # a row that does not parse is skipped
    assert rs.get("crime_report.normal").duration.amount == 5
    assert rs.get("crime_report.urgent").duration.amount == 24
    r = crime_reports.new_report_fields({"report_kind": "information", "channel": "media", "reporter_agency": "Báo",
                                         "summary": "x"}, datetime(2025, 6, 2, 9, 0), rs, cal)
    assert _due(r) == "2025-06-07 23:59"  # day 5 is Saturday 7 June: the period ends there (CPC art. 134)
    assert rule_record_id("crime_report.normal") == rule_record_id("crime_report.normal")


def test_rule_validation_rejects_mixed_units_and_unknown_values() -> None:
    bad = {"key": "k", "subject": "petition", "amount": 30, "unit": "calendar_days",
           "extension": {"amount": 3, "unit": "working_days"}, "max_extensions": {"weird": 1}}
    codes = {p.code for p in DEADLINE_RULE.validate(bad)}
    assert {"rule.extension_unit", "rule.max_extensions"} <= codes
    assert "rule.unit" in {p.code for p in DEADLINE_RULE.validate(bad | {"unit": "weeks", "extension": None})}


def test_calendar_override_moves_a_working_day_deadline(rules: RuleSet) -> None:
    # The province declares Wednesday 4 June 2025 a day off: a 5-WD forwarding clock moves one day.
    cal = WorkCalendar.default()
    base = rules.get("petition.denunciation.forward").due(datetime(2025, 6, 2, 9, 0), cal)
    cal.apply_overrides([CalendarOverride(date(2025, 6, 4), "day_off", "Nghỉ đột xuất")])
    moved = rules.get("petition.denunciation.forward").due(datetime(2025, 6, 2, 9, 0), cal)
    assert (base.date(), moved.date()) == (date(2025, 6, 9), date(2025, 6, 10))


def test_every_shipped_rule_is_a_valid_record() -> None:
    for rule in RuleSet.load().all():
        clean, problems = DEADLINE_RULE.coerce(rule.to_record())
        assert problems == [] and DEADLINE_RULE.validate(DEADLINE_RULE.empty_record() | clean) == [], rule.key
        assert DeadlineRule.from_dict(clean) == rule
