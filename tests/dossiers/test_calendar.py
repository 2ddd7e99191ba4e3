"""Working-day calendar: package holidays, Tết 2026, province overrides, and properties of add_working_days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from station_client.domain.calendar import CalendarOverride, WorkCalendar, shipped_overrides

CAL = WorkCalendar.default()
TET_2026 = [date(2026, 2, d) for d in range(16, 21)]


def test_tet_2026_is_off_and_skipped() -> None:
    assert all(not CAL.is_working_day(d) for d in TET_2026)
    # Friday 13 Feb + 1 working day: the whole Tết week (and both weekends) is skipped.
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_package_holidays_and_swaps() -> None:
    assert not CAL.is_working_day(date(2026, 4, 27))  # Hùng Kings observed (26 April is a Sunday)
    assert not CAL.is_working_day(date(2026, 9, 2))
    assert not CAL.is_working_day(date(2026, 11, 24))  # Vietnam Cultural Day, from 2026
    assert CAL.is_working_day(date(2026, 8, 22))  # Saturday worked in exchange for Monday 31 August
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert CAL.day_name(date(2026, 2, 17))


def test_years_load_lazily() -> None:
    cal = WorkCalendar.default(years=[2026])
    assert not cal.is_working_day(date(2027, 2, 8))  # Tết 2027 (Monday), loaded on demand


def test_shipped_overrides_match_the_statutory_tet() -> None:
    days = {o.day for o in shipped_overrides() if o.type == "day_off"}
    assert set(TET_2026) <= days


def test_override_day_off_and_working_saturday() -> None:
    cal = WorkCalendar.default(overrides=[
        CalendarOverride(date(2026, 3, 10), "day_off", "Nghỉ bù"),
        CalendarOverride(date(2026, 3, 14), "working_day", "Làm bù"),
    ])
    assert not cal.is_working_day(date(2026, 3, 10))  # a Tuesday
    assert cal.is_working_day(date(2026, 3, 14))  # a Saturday
    # Mon 9 + 3 working days: Wed 11, Thu 12, Fri 13 (Tue 10 off) ...
    assert cal.add_working_days(date(2026, 3, 9), 3) == date(2026, 3, 13)
    # ... and + 4 lands on the worked Saturday.
    assert cal.add_working_days(date(2026, 3, 9), 4) == date(2026, 3, 14)


def test_override_beats_package_holiday() -> None:
    cal = WorkCalendar.default(overrides=[CalendarOverride(date(2026, 9, 2), "working_day")])
    assert cal.is_working_day(date(2026, 9, 2))


def test_plain_calendar_without_package() -> None:
    cal = WorkCalendar({date(2026, 1, 1)}, set(), set())
    assert cal.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 2)
    assert cal.add_working_days(date(2026, 1, 3), 0) == date(2026, 1, 5)
    assert cal.add_working_days(date(2026, 1, 5), -1) == date(2026, 1, 2)


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=150, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=60))
def test_result_is_never_a_day_off(start: date, n: int) -> None:
    due = CAL.add_working_days(start, n)
    assert CAL.is_working_day(due)
    assert due.weekday() < 5 or due in CAL.extra_working_days
    assert due not in CAL.holidays or due in CAL.extra_working_days
    assert CAL.working_days_between(start, due) == n


@settings(max_examples=150, deadline=None)
@given(start=days, n=st.integers(min_value=0, max_value=40), m=st.integers(min_value=0, max_value=40),
       shift=st.integers(min_value=0, max_value=30))
def test_adding_working_days_is_monotonic(start: date, n: int, m: int, shift: int) -> None:
    lo, hi = sorted((n, m))
    assert CAL.add_working_days(start, lo) <= CAL.add_working_days(start, hi)
    later = start + timedelta(days=shift)
    assert CAL.add_working_days(start, n) <= CAL.add_working_days(later, n)
    # Strictly increasing, except that 0 days from a day off already means the next working day (= 1 day).
    if hi > lo and (lo > 0 or CAL.is_working_day(start)):
        assert CAL.add_working_days(start, lo) < CAL.add_working_days(start, hi)


@settings(max_examples=100, deadline=None)
@given(start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 2, 20)),
       n=st.integers(min_value=1, max_value=30))
def test_tet_2026_never_counted(start: date, n: int) -> None:
    due = CAL.add_working_days(start, n)
    counted = [d for d in (start + timedelta(days=i) for i in range(1, (due - start).days + 1))
               if CAL.is_working_day(d)]
    assert len(counted) == n
    assert not set(counted) & set(TET_2026)
