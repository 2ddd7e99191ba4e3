"""Deadlines in each unit across weekends, Tết 2026 and a province override day; pauses; early/on time/late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station_client.domain.calendar import CalendarOverride, WorkCalendar
from station_client.domain.deadlines import (
    Duration,
    Pause,
    classify,
    default_office_hours,
    due_at,
    due_state,
    effective_receipt,
    remaining_text,
    working_days_left,
)

CAL = WorkCalendar.default()
# Province override: Tuesday 10 March 2026 off, Saturday 14 March 2026 worked.
OVR = WorkCalendar.default(overrides=[CalendarOverride(date(2026, 3, 10), "day_off"),
                                      CalendarOverride(date(2026, 3, 14), "working_day")])
TZ = default_office_hours().tz


def at(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


WD, HALF, DAYS, HOURS = "working_days", "half_working_days", "calendar_days", "hours"

CASES = [
    # (calendar, received, duration, due)          -- weekends
    (CAL, at(2026, 3, 5), Duration(3, WD), at(2026, 3, 10, 17)),  # Thu -> Fri, Mon, Tue
    (CAL, at(2026, 3, 6, 14), Duration(1, HALF), at(2026, 3, 9, 11, 30)),  # Fri afternoon -> Mon morning
    (CAL, at(2026, 3, 6), Duration(1, DAYS), at(2026, 3, 9, 17)),  # last day Saturday -> Monday
    (CAL, at(2026, 3, 6, 16), Duration(24, HOURS), at(2026, 3, 7, 16)),  # hours run through the weekend
    #                                                  -- Tết 2026 (16–20 Feb)
    (CAL, at(2026, 2, 12), Duration(7, WD), at(2026, 3, 2, 17)),
    (CAL, at(2026, 2, 13, 14), Duration(1, HALF), at(2026, 2, 23, 11, 30)),
    (CAL, at(2026, 2, 13), Duration(5, DAYS), at(2026, 2, 23, 17)),  # 18 Feb is Tết -> Monday 23
    (CAL, at(2026, 2, 16, 10), Duration(48, HOURS), at(2026, 2, 18, 10)),
    #                                                  -- the override table
    (OVR, at(2026, 3, 9), Duration(1, WD), at(2026, 3, 11, 17)),  # Tue 10 off
    (OVR, at(2026, 3, 13), Duration(1, WD), at(2026, 3, 14, 17)),  # worked Saturday counts
    (OVR, at(2026, 3, 9, 14), Duration(1, HALF), at(2026, 3, 11, 11, 30)),
    (OVR, at(2026, 3, 7), Duration(3, DAYS), at(2026, 3, 11, 17)),  # last day Tue 10 is off -> Wed 11
    (OVR, at(2026, 3, 13, 12), Duration(30, HOURS), at(2026, 3, 14, 18)),
]


@pytest.mark.parametrize(("cal", "received", "duration", "expected"), CASES)
def test_due_at(cal: WorkCalendar, received: datetime, duration: Duration, expected: datetime) -> None:
    assert due_at(received, duration, cal) == expected


def test_out_of_hours_counts_from_next_working_morning() -> None:
    assert effective_receipt(at(2026, 3, 2, 17, 30), CAL) == at(2026, 3, 3, 7, 30)
    assert effective_receipt(at(2026, 3, 7, 10), CAL) == at(2026, 3, 9, 7, 30)  # Saturday
    assert effective_receipt(at(2026, 3, 2, 12), CAL) == at(2026, 3, 2, 13, 30)  # lunch
    assert due_at(at(2026, 3, 2, 16, 59), Duration(3, WD), CAL) == at(2026, 3, 5, 17)
    assert due_at(at(2026, 3, 2, 17, 1), Duration(3, WD), CAL) == at(2026, 3, 6, 17)


def test_naive_and_utc_times_are_local() -> None:
    assert due_at(datetime(2026, 3, 2, 9), Duration(3, WD), CAL) == at(2026, 3, 5, 17)
    # 02:00 UTC is 09:00 in Hà Nội: inside office hours on Monday.
    assert due_at(datetime(2026, 3, 2, 2, tzinfo=UTC), Duration(3, WD), CAL) == at(2026, 3, 5, 17)
    # 11:00 UTC is 18:00 local: after hours, counted from Tuesday.
    assert due_at(datetime(2026, 3, 2, 11, tzinfo=UTC), Duration(3, WD), CAL) == at(2026, 3, 6, 17)


def test_pause_adds_the_days_waited() -> None:
    received = at(2026, 3, 2)  # Monday; 3 WD -> Thursday 5
    pause = Pause(at(2026, 3, 3, 10), at(2026, 3, 5, 15))  # Tue -> Thu: Wed, Thu off the clock
    assert due_at(received, Duration(3, WD), CAL, pauses=[pause]) == at(2026, 3, 9, 17)
    # A pause over Tết only costs the working days it covered.
    tet = Pause(at(2026, 2, 13, 10), at(2026, 2, 23, 9))
    assert due_at(at(2026, 2, 12), Duration(2, WD), CAL, pauses=[tet]) == at(2026, 2, 24, 17)


def test_open_pause_counts_up_to_now() -> None:
    pause = Pause(at(2026, 3, 3, 10))
    with pytest.raises(ValueError):
        due_at(at(2026, 3, 2), Duration(3, WD), CAL, pauses=[pause])
    assert due_at(at(2026, 3, 2), Duration(3, WD), CAL, pauses=[pause], now=at(2026, 3, 4, 8)) == at(2026, 3, 6, 17)


def test_pause_in_each_unit() -> None:
    p = Pause(at(2026, 3, 2, 10), at(2026, 3, 3, 9))  # Mon morning -> Tue morning
    assert due_at(at(2026, 3, 2, 8), Duration(1, HALF), CAL, pauses=[p]) == at(2026, 3, 3, 17)
    assert due_at(at(2026, 3, 2, 8), Duration(2, DAYS), CAL, pauses=[p]) == at(2026, 3, 5, 17)
    assert due_at(at(2026, 3, 2, 8), Duration(24, HOURS), CAL, pauses=[p]) == at(2026, 3, 4, 7)


def test_classify() -> None:
    due = at(2026, 3, 5, 17)
    assert classify(at(2026, 3, 4, 16), due) == "early"
    assert classify(at(2026, 3, 5, 9), due) == "on_time"
    assert classify(at(2026, 3, 5, 18), due) == "on_time"  # a day ends at midnight (Civil Code art. 148)
    assert classify(at(2026, 3, 6, 7, 45), due) == "late"
    assert classify(at(2026, 3, 5, 18), due, "hours") == "late"


def test_remaining() -> None:
    due = at(2026, 2, 23, 17)
    assert working_days_left(date(2026, 2, 13), due, CAL) == 1
    assert working_days_left(date(2026, 2, 23), due, CAL) == 0
    assert working_days_left(date(2026, 2, 28), due, CAL) == -4
    assert working_days_left(date(2026, 3, 7), at(2026, 3, 6, 17), CAL) == -1  # Saturday after a Friday due
    assert due_state(date(2026, 2, 13), due, CAL) == "upcoming"
    assert due_state(date(2026, 2, 23), due, CAL) == "due"
    assert due_state(date(2026, 2, 24), due, CAL) == "overdue"
    assert remaining_text(date(2026, 2, 24), due, CAL) == "quá hạn 1 ngày làm việc"


def test_duration_labels() -> None:
    assert Duration(7, WD).label() == "7 ngày làm việc"
    assert Duration(1, HALF).label() == "1/2 ngày làm việc"
    assert Duration(3, HALF).label() == "1,5 ngày làm việc"
    assert Duration(4, HALF).label("en") == "2 working days"
    with pytest.raises(ValueError):
        Duration(1, "weeks")  # type: ignore[arg-type]


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31))


@settings(max_examples=150, deadline=None)
@given(received=moments, n=st.integers(min_value=0, max_value=20),
       unit=st.sampled_from([WD, HALF, DAYS]))
def test_due_is_never_on_a_day_off_and_after_receipt(received: datetime, n: int, unit: str) -> None:
    due = due_at(received, Duration(n, unit), CAL)  # type: ignore[arg-type]
    assert CAL.is_working_day(due.date())
    assert due.weekday() < 5 or due.date() in CAL.extra_working_days
    assert due >= received.replace(tzinfo=TZ)
    later = due_at(received, Duration(n + 1, unit), CAL)  # type: ignore[arg-type]
    # Strictly later in working units; calendar days that end on a weekend roll onto the same Monday.
    assert later > due if unit != DAYS else later >= due


@settings(max_examples=100, deadline=None)
@given(received=moments, n=st.integers(min_value=1, max_value=10), gap=st.integers(min_value=0, max_value=500),
       wait=st.integers(min_value=0, max_value=20000))
def test_a_pause_never_shortens_the_deadline(received: datetime, n: int, gap: int, wait: int) -> None:
    start = received + timedelta(minutes=gap)
    pause = Pause(start, start + timedelta(minutes=wait))
    plain = due_at(received, Duration(n, WD), CAL)
    assert due_at(received, Duration(n, WD), CAL, pauses=[pause]) >= plain


# ----------------------------------------------------------------------------- "immediately" (same session)
def test_stay_notification_is_due_within_the_office_session_of_receipt() -> None:
    """Stay notification (2.001159) is taken "immediately": kept as data, that is within the office session of
    receipt. Finished 20 minutes later is on time; after the session closes it is late."""
    from station_client.domain.procedures import Procedure, shipped_catalogue

    proc = next(Procedure.from_record(r) for r in shipped_catalogue() if r["key"] == "2.001159")
    assert proc.duration == Duration(0, "same_session")
    assert proc.duration.label("vi") == "trong buổi làm việc tiếp nhận"
    received = at(2026, 3, 9, 9, 40)  # Monday morning session (07:30–11:30)
    due = due_at(received, proc.duration, CAL)
    assert due == at(2026, 3, 9, 11, 30)
    assert classify(received + timedelta(minutes=20), due, "same_session") == "on_time"
    assert classify(at(2026, 3, 9, 14, 0), due, "same_session") == "late"
    # Received at lunch: the afternoon session; on a Saturday evening: Monday morning's.
    assert due_at(at(2026, 3, 9, 12, 10), proc.duration, CAL) == at(2026, 3, 9, 17, 0)
    assert due_at(at(2026, 3, 7, 19, 0), proc.duration, CAL) == at(2026, 3, 9, 11, 30)
