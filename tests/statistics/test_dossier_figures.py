"""Dossier figures of October 2026 from a hand-built set, every expected figure counted by hand below.

October 2026 has no public holiday; 1 October is a Thursday. 7 working days from Monday 5 October run over
6, 7, 8, 9, 12, 13, 14: due Wednesday 14 October 17:00.
"""

from __future__ import annotations

from decimal import Decimal

from station_client.domain.statistics import Period
from station_client.store import Store
from station_client.store.statistics import dossier_rows, station_stats

from .conftest import PERMANENT, REMOVAL, at, dossier


def _build(store: Store) -> dict[str, dict]:
    d: dict[str, dict] = {}
    # Resolved in October, against the 14 October 17:00 appointment.
    d["early"] = dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 13, 16)))
    d["on_time"] = dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)),
                           ("result_ready", at(2026, 10, 14, 17, 30)))  # after closing on the due day: on time
    d["late"] = dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)),
                        ("result_ready", at(2026, 10, 15, 7, 30)))  # first thing the next morning: late
    # Paused 6 → 9 October: working days 7, 8, 9 are added, due Monday 19 October; ready on the 19th.
    d["paused"] = dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 6, 8)),
                          ("request_supplement", at(2026, 10, 6, 10)), ("receive_supplement", at(2026, 10, 9, 14)),
                          ("result_ready", at(2026, 10, 19, 16)))
    # Received 28 September (due 7 October), resolved 8 October: resolved late in October, not received in it.
    d["before"] = dossier(store, at(2026, 9, 28), ("start", at(2026, 9, 28, 10)), ("result_ready", at(2026, 10, 8, 9)))
    # Received 30 September 23:59 (clock starts 1 October 07:30, due 12 October), still processing: overdue.
    d["late_evening"] = dossier(store, at(2026, 9, 30, 23, 59), ("start", at(2026, 10, 1, 8)))
    # Received 1 October (due 12 October), transferred to another agency and not back: overdue at the close.
    d["overdue"] = dossier(store, at(2026, 10, 1), ("start", at(2026, 10, 1, 10)),
                           ("transfer", at(2026, 10, 2, 9)))
    # Received 28 October, due 6 November: pending, not yet due.
    d["not_due"] = dossier(store, at(2026, 10, 28))
    # Received 26 October (due 4 November), ready 3 November: pending at October's close, early in November.
    d["after"] = dossier(store, at(2026, 10, 26), ("start", at(2026, 10, 26, 10)), ("result_ready", at(2026, 11, 3, 9)))
    # Incomplete at the counter on 20 October: its clock is stopped at the close.
    d["waiting"] = dossier(store, at(2026, 10, 20), complete=False, supplement_items=["Giấy tờ chỗ ở hợp pháp"])
    # Online, refused the next day: received, online, refused, never pending.
    d["refused"] = dossier(store, at(2026, 10, 7), ("refuse", at(2026, 10, 8, 9)), procedure=REMOVAL,
                           channel="online")
    # Saturday 31 October 10:00: received in October (its clock starts on Monday 2 November).
    d["saturday"] = dossier(store, at(2026, 10, 31, 10))
    # Sunday 1 November 00:00: November's, not October's.
    d["november"] = dossier(store, at(2026, 11, 1, 0, 0))
    return d


def test_october_figures_counted_by_hand(store: Store) -> None:
    d = _build(store)
    # The appointments the figures rest on (the hand count above).
    assert d["early"]["due_at"] == at(2026, 10, 14, 17).isoformat()
    assert d["paused"]["due_at"] == at(2026, 10, 19, 17).isoformat()
    assert d["before"]["due_at"] == at(2026, 10, 7, 17).isoformat()
    assert d["late_evening"]["due_at"] == at(2026, 10, 12, 17).isoformat()
    assert d["overdue"]["due_at"] == at(2026, 10, 12, 17).isoformat()
    assert d["not_due"]["due_at"] == at(2026, 11, 6, 17).isoformat()
    assert d["after"]["due_at"] == at(2026, 11, 4, 17).isoformat()
    # The workflow's own outcome agrees with the figures' classification.
    assert [d[k]["outcome"] for k in ("early", "on_time", "late", "paused", "before")] == \
        ["early", "on_time", "late", "on_time", "late"]

    s = station_stats(store.conn, Period.parse("2026-10")).dossiers
    t = s.total
    # early, on_time, late, paused, overdue, not_due, after, waiting, refused, saturday = 10
    assert t.received == 10
    assert (t.received_in_person, t.received_online, t.received_post) == (9, 1, 0)
    assert t.refused == 1
    assert (t.resolved.early, t.resolved.on_time, t.resolved.late) == (1, 2, 2)  # early; on_time, paused; late, before
    assert t.resolved.on_time_rate == Decimal("60.0")  # (1 + 2) / 5
    # Not due: not_due, after, saturday; overdue: late_evening, overdue; paused: waiting.
    assert (t.pending.not_due, t.pending.overdue, t.pending.paused) == (3, 2, 1)
    assert s.by_procedure[REMOVAL].received == s.by_procedure[REMOVAL].received_online == 1
    assert s.by_procedure[PERMANENT].received == 9
    assert list(s.by_field) == ["Đăng ký, quản lý cư trú"] and s.by_field["Đăng ký, quản lý cư trú"].received == 10
    assert s.procedure_names[PERMANENT] == "Đăng ký thường trú"


def test_november_sees_the_dossier_resolved_after_october(store: Store) -> None:
    _build(store)
    t = station_stats(store.conn, Period.parse("2026-11")).dossiers.total
    assert t.received == 1  # the one received at 00:00 on 1 November
    assert (t.resolved.early, t.resolved.on_time, t.resolved.late) == (1, 0, 0)  # "after", due 4 Nov, ready 3 Nov
    # At November's close: late_evening, overdue, not_due, saturday, november overdue (all due by 11 Nov);
    # waiting still paused.
    assert (t.pending.not_due, t.pending.overdue, t.pending.paused) == (0, 5, 1)


def test_a_pause_after_the_close_does_not_change_the_snapshot(store: Store) -> None:
    # Received 1 October (due 12 October), supplement requested on 2 November: at October's close the clock was
    # running and the due day had passed — overdue then, although today it is waiting for the applicant.
    dossier(store, at(2026, 10, 1), ("start", at(2026, 10, 1, 10)), ("request_supplement", at(2026, 11, 2, 9)))
    oct_ = station_stats(store.conn, Period.parse("2026-10")).dossiers.total.pending
    nov = station_stats(store.conn, Period.parse("2026-11")).dossiers.total.pending
    assert (oct_.overdue, oct_.paused) == (1, 0)
    assert (nov.overdue, nov.paused) == (0, 1)


def test_no_resolved_dossier_gives_no_rate(store: Store) -> None:
    dossier(store, at(2026, 10, 28))
    s = station_stats(store.conn, Period.parse("2026-10")).dossiers.total
    assert s.resolved.total == 0 and s.resolved.on_time_rate is None


def test_quarter_year_and_range_agree_with_months(store: Store) -> None:
    _build(store)
    months = [station_stats(store.conn, Period.parse(f"2026-{m:02d}")).dossiers.total for m in (10, 11, 12)]
    quarter = station_stats(store.conn, Period.parse("2026-Q4")).dossiers.total
    year = station_stats(store.conn, Period.parse("2026")).dossiers.total
    rng = station_stats(store.conn, Period.parse("2026-10-01..2026-12-31")).dossiers.total
    assert quarter.received == sum(m.received for m in months) == rng.received == 11
    assert quarter.resolved.total == sum(m.resolved.total for m in months) == 6
    assert year.received == 13  # plus the two received in September
    assert (quarter.pending.overdue, quarter.pending.paused) == (months[-1].pending.overdue, 1)


def test_the_query_fetches_only_what_the_period_touches(store: Store) -> None:
    d = _build(store)
    ids = {r["id"] for r in dossier_rows(store.conn, Period.parse("2026-10"))}
    # Everything but the November dossier is relevant to October ("before" was resolved in it).
    assert ids >= {d[k]["id"] for k in d if k != "november"}
    plan = " ".join(r[3] for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM dossiers INDEXED BY dossiers_result_ready "
        "WHERE result_ready_at >= '2026-10-01' AND result_ready_at < '2026-11-02'"))
    assert "dossiers_result_ready" in plan and "SCAN dossiers" not in plan.replace("USING INDEX", "")


def test_stored_appointment_equals_the_recomputed_due(store: Store) -> None:
    # The figures read the appointment the workflow stored; recomputing it from receipt, duration and pauses
    # (deadlines.due_at) must give the same moment, pauses included.
    from station_client.domain.deadlines import default_office_hours
    from station_client.domain.statistics import dossier_due
    from station_client.store.dossiers import work_calendar

    cal, hours = work_calendar(store.conn), default_office_hours()
    for d in _build(store).values():
        if d["status"] in ("supplement_requested", "refused"):
            continue
        stored, _ = dossier_due(d, cal, hours)
        recomputed, _ = dossier_due(d | {"due_at": None}, cal, hours)
        assert stored == recomputed, d["code"]


def test_a_moment_stored_with_another_offset_counts_by_its_local_date() -> None:
    from station_client.domain.calendar import WorkCalendar
    from station_client.domain.statistics import dossier_figures

    base = {"procedure_key": PERMANENT, "channel": "in_person", "status": "received",
            "duration": {"amount": 7, "unit": "working_days"}, "pauses": []}
    records = [base | {"received_at": "2026-09-30T17:30:00+00:00"},  # 1 October 00:30 in Hà Nội
               base | {"received_at": "2026-10-31T17:00:00+00:00"},  # 1 November 00:00
               base | {"received_at": "2026-10-31T16:59:59+00:00"}]  # 31 October 23:59:59
    s = dossier_figures(records, Period.parse("2026-10"), WorkCalendar.default())
    assert s.total.received == 2
    assert s.total.pending.total == 2  # the November one was not yet received at the close
