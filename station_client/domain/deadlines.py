"""Statutory deadlines: when a dossier (or a report) is due, how long is left, and whether it ended on time.

Units (``Duration.unit``), each with the counting rule this module applies:

``working_days``
    Counting starts on the working day after the day of receipt (Civil Code 2015, art. 147: the day of the
    event is not counted) and the dossier is due at the close of office hours of the ``amount``-th working day.
    A dossier received on Monday 09:00 with 3 working days is due on Thursday 17:00.
``half_working_days``
    The same rule with working sessions (morning, afternoon) instead of days: due at the end of the
    ``amount``-th session after the session of receipt. ½ working day received Monday 09:00 → Monday 17:00;
    received Monday 14:00 → Tuesday 11:30.
``calendar_days``
    Counting starts the day after receipt; weekends and holidays count; when the last day is not a working day
    the period ends on the next working day (Civil Code 2015, art. 148 cl. 2; Criminal Procedure Code 2015,
    art. 134). Due at the close of office hours of that day. Received moments are not shifted (a report made
    on a Saturday evening is an event of that Saturday).
``hours``
    Elapsed clock hours from the moment of receipt, day and night (criminal reports: "within 24 hours").
``criminal_days``
    Days under the Criminal Procedure Code 2015, art. 134 cl. 2: counting starts the day after receipt, and the
    period ends at 24:00 of its last day even when that day is a day off (a crime report's 7 days that end
    during Tết end there; unlike the Civil Code rule above, nothing moves to the next working day). Due at
    23:59:59 of the last day; lateness is judged by date.
``criminal_months``
    Months under the same article: the period ends on the same day of the month ``amount`` months later (the
    month's last day where it has no such day) and, only for months, a last day that is a day off moves to the
    next working day. Ends at 24:00 of that day.
``same_session``
    "Immediately" made workable (stay notifications, Luật Cư trú art. 30): within the office session of receipt
    — due at the end of that session, or, received out of hours, of the next session. ``amount`` is 0.

**Received out of hours.** For working days and half working days, a dossier received outside office hours
(after the afternoon closes, before the morning opens, at lunch, on a weekend or holiday) counts as received at
the start of the next working session: after closing on Monday → Tuesday 07:30, so a 3-working-day dossier is
due Friday, not Thursday.

**Pauses (supplement requests).** While a dossier waits for the applicant to supplement it (CT05), the clock
stops. A pause runs from the moment the supplement is requested to the moment it is received; the units it
covered are added to the deadline, counted by the same rule as the deadline itself: the working days (resp.
sessions, calendar days) after the day (session) of the request up to and including the day (session) the
supplement arrived; for ``hours``, the elapsed time. The day of the request counts — the clock was running —
and counting resumes the day after the supplement arrives. An open pause (no end yet) is counted up to ``now``.

**Office hours** are data (``resources/catalogues/calendar_overrides.json``, key ``office_hours``): by default
07:30–11:30 and 13:30–17:00, Asia/Ho_Chi_Minh. Naive datetimes are taken as local time; results are aware
datetimes in that zone.

**Early / on time / late** (``classify``): see its docstring. Plain Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import Any, Literal

from .calendar import OVERRIDES_FILE, WorkCalendar

Unit = Literal["hours", "half_working_days", "working_days", "calendar_days", "criminal_days", "criminal_months",
               "same_session"]
UNITS: dict[str, tuple[str, str]] = {
    "hours": ("giờ", "hours"),
    "half_working_days": ("buổi làm việc", "half working days"),
    "working_days": ("ngày làm việc", "working days"),
    "calendar_days": ("ngày", "calendar days"),
    "criminal_days": ("ngày", "days"),
    "criminal_months": ("tháng", "months"),
    "same_session": ("trong buổi làm việc tiếp nhận", "within the office session of receipt"),
}
# Units whose lateness is judged by the moment, not by the date (see ``classify``).
MOMENT_UNITS = ("hours", "half_working_days", "same_session")
# Units a countdown shows in plain days (weekends and holidays count).
DAY_UNITS = ("calendar_days", "criminal_days", "criminal_months")
Outcome = Literal["early", "on_time", "late"]
OUTCOMES: dict[str, tuple[str, str]] = {
    "early": ("Trước hạn", "Early"),
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Quá hạn", "Late"),
}


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown deadline unit {self.unit!r}")
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount < 0:
            raise ValueError(f"a deadline amount is a whole number ≥ 0, not {self.amount!r}")

    def label(self, language: str = "vi") -> str:
        """``7 ngày làm việc``; a half working day reads ``1/2 ngày làm việc`` on receipts."""
        if self.unit == "half_working_days":
            if self.amount % 2 == 0:
                return Duration(self.amount // 2, "working_days").label(language)
            whole = "1/2" if self.amount == 1 else f"{self.amount / 2:g}"
            if language == "vi":
                whole = whole.replace(".", ",")
            return f"{whole} {'ngày làm việc' if language == 'vi' else 'working day(s)'}"
        vi, en = UNITS[self.unit]
        if self.unit == "same_session":
            return vi if language == "vi" else en
        return f"{self.amount} {vi if language == 'vi' else en}"

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Duration:
        return cls(int(data["amount"]), data["unit"])


@dataclass(frozen=True)
class Pause:
    """The clock stopped from ``start`` (supplement requested) to ``end`` (supplement received; None: still
    waiting)."""

    start: datetime
    end: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat() if self.end else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pause:
        end = data.get("to")
        return cls(datetime.fromisoformat(data["from"]), datetime.fromisoformat(end) if end else None)


@dataclass(frozen=True)
class OfficeHours:
    sessions: tuple[tuple[time, time], ...]
    tz: tzinfo

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValueError("office hours need at least one session")
        ends = [t for s in self.sessions for t in s]
        if ends != sorted(ends) or any(a >= b for a, b in self.sessions):
            raise ValueError("office sessions must be ordered and not overlap")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OfficeHours:
        sessions = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in data["sessions"])
        return cls(sessions, _zone(str(data.get("timezone") or "Asia/Ho_Chi_Minh")))

    @property
    def opens(self) -> time:
        return self.sessions[0][0]

    @property
    def closes(self) -> time:
        return self.sessions[-1][1]

    def at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    def local(self, moment: datetime) -> datetime:
        """``moment`` in office local time (a naive datetime is taken as already local)."""
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)


def _zone(name: str) -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # no tz database (a bare Windows install): Vietnam has had UTC+7 without DST since 1975
        if name == "Asia/Ho_Chi_Minh":
            return timezone(timedelta(hours=7), "ICT")
        raise


@cache
def default_office_hours() -> OfficeHours:
    from ..resources import load_json

    return OfficeHours.from_dict(load_json(*OVERRIDES_FILE)["office_hours"])


# ----------------------------------------------------------------------------------------- sessions
# A session is (date, index into OfficeHours.sessions); only sessions of working days exist.
_Session = tuple[date, int]


def _next_session(s: _Session, cal: WorkCalendar, hours: OfficeHours) -> _Session:
    day, i = s
    if i + 1 < len(hours.sessions):
        return day, i + 1
    return cal.next_working_day(day), 0


def _session_at_or_after(moment: datetime, cal: WorkCalendar, hours: OfficeHours) -> tuple[_Session, bool]:
    """The session ``moment`` falls in (and True), or the next one to start (and False)."""
    day, t = moment.date(), moment.timetz().replace(tzinfo=None)
    if cal.is_working_day(day):
        for i, (start, end) in enumerate(hours.sessions):
            if t < end:
                return (day, i), start <= t
    return (cal.next_working_day(day), 0), False


def effective_receipt(received: datetime, cal: WorkCalendar, hours: OfficeHours | None = None) -> datetime:
    """When the clock starts for working-day units: ``received`` if inside office hours of a working day,
    else the start of the next working session."""
    hours = hours or default_office_hours()
    local = hours.local(received)
    (day, i), inside = _session_at_or_after(local, cal, hours)
    return local if inside else hours.at(day, hours.sessions[i][0])


def _sessions_between(a: datetime, b: datetime, cal: WorkCalendar, hours: OfficeHours) -> int:
    """Working sessions that started in (a, b]: the sessions a pause from ``a`` to ``b`` took off the clock."""
    if b <= a:
        return 0
    count = 0
    s, inside = _session_at_or_after(a, cal, hours)
    if inside:  # that session started at or before ``a``: the first one counted is the next
        s = _next_session(s, cal, hours)
    while hours.at(s[0], hours.sessions[s[1]][0]) <= b:
        count += 1
        s = _next_session(s, cal, hours)
    return count


# ----------------------------------------------------------------------------------------- due times
END_OF_DAY = time(23, 59, 59)  # "24:00 of the last day" as a moment of that day


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day where it has no such day (31/01 + 1 → 28/02)."""
    import calendar as _calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def due_at(received: datetime, duration: Duration, cal: WorkCalendar, *, pauses: Sequence[Pause] = (),
           now: datetime | None = None, hours: OfficeHours | None = None) -> datetime:
    """When a matter received at ``received`` with ``duration`` is due, given the pauses of its clock.

    Counting rules per unit, the out-of-hours rule and the pause rule are in the module docstring. An open
    pause is counted up to ``now`` (required then). The result is an aware datetime in office local time; for
    every unit except ``hours`` it is the close of a working session on a working day.
    """
    hours = hours or default_office_hours()
    received = hours.local(received)
    spans = _closed_pauses(pauses, now, hours)
    if duration.unit == "hours":
        paused = sum((b - a for a, b in spans), timedelta())
        return received + timedelta(hours=duration.amount) + paused
    if duration.unit in ("criminal_days", "criminal_months"):
        extra = sum((b.date() - a.date()).days for a, b in spans)
        if duration.unit == "criminal_days":
            last = received.date() + timedelta(days=duration.amount)
        else:  # only a period in months moves past a day off (art. 134 cl. 2)
            last = cal.next_working_day(add_months(received.date(), duration.amount), include_today=True)
        return datetime.combine(last + timedelta(days=extra), END_OF_DAY, tzinfo=hours.tz)
    if duration.unit == "calendar_days":
        extra = sum((b.date() - a.date()).days for a, b in spans)
        last = cal.next_working_day(received.date() + timedelta(days=duration.amount + extra), include_today=True)
        if hours.at(last, hours.closes) < received:  # "0 days" asked after closing time: the next working day
            last = cal.next_working_day(last)
        return hours.at(last, hours.closes)
    if duration.unit == "working_days":
        start = effective_receipt(received, cal, hours).date()
        extra = sum(max(0, cal.working_days_between(a.date(), b.date())) for a, b in spans)
        return hours.at(cal.add_working_days(start, duration.amount + extra), hours.closes)
    # half working days, and the session of receipt (``same_session``: no session added)
    first = effective_receipt(received, cal, hours)
    s, _ = _session_at_or_after(first, cal, hours)
    extra = sum(_sessions_between(a, b, cal, hours) for a, b in spans)
    amount = 0 if duration.unit == "same_session" else duration.amount
    for _ in range(amount + extra):
        s = _next_session(s, cal, hours)
    return hours.at(s[0], hours.sessions[s[1]][1])


def _closed_pauses(pauses: Iterable[Pause], now: datetime | None,
                   hours: OfficeHours) -> list[tuple[datetime, datetime]]:
    spans = []
    for p in pauses:
        end = p.end if p.end is not None else now
        if end is None:
            raise ValueError("an open pause needs 'now' to be counted")
        a, b = hours.local(p.start), hours.local(end)
        if b > a:
            spans.append((a, b))
    return spans


def is_paused(pauses: Sequence[Pause]) -> bool:
    return any(p.end is None for p in pauses)


# ----------------------------------------------------------------------------------------- outcomes
def classify(done_at: datetime, due_at: datetime, unit: Unit = "working_days", *,
             hours: OfficeHours | None = None) -> Outcome:
    """Early, on time or late — the figures the province judges a station by.

    * ``late``: finished after the deadline. For day units (working days, calendar days) a period ends at the
      end of its last day (Civil Code 2015, art. 148), so a result finished at 17:30 on the due day is not
      late — lateness is judged by date (so are criminal-procedure days and months). For ``hours``,
      ``half_working_days`` and ``same_session`` it is judged by the moment.
    * ``early``: finished on a day before the due day (the one-stop statistics' "trước hạn").
    * ``on_time``: finished on the due day, not late ("đúng hạn").

    Both times are compared in office local time (naive ones are taken as local).
    """
    hours = hours or default_office_hours()
    done, due = hours.local(done_at), hours.local(due_at)
    if unit in MOMENT_UNITS:
        if done > due:
            return "late"
    elif done.date() > due.date():
        return "late"
    return "early" if done.date() < due.date() else "on_time"


DueState = Literal["overdue", "due", "upcoming", "later"]


def due_state(today: date, due: datetime, cal: WorkCalendar, *, coming_days: int = 2,
              hours: OfficeHours | None = None) -> DueState:
    """Where an open matter stands on ``today``: ``overdue`` (due day passed), ``due`` (due today),
    ``upcoming`` (due within ``coming_days`` working days), else ``later``."""
    hours = hours or default_office_hours()
    due_day = hours.local(due).date()
    if due_day < today:
        return "overdue"
    if due_day == today:
        return "due"
    return "upcoming" if cal.working_days_between(today, due_day) <= coming_days else "later"


def working_days_left(today: date, due: datetime, cal: WorkCalendar, *, hours: OfficeHours | None = None) -> int:
    """Working days from ``today`` to the due day: 0 = due today, 1 = due the next working day, negative =
    that many working days overdue."""
    hours = hours or default_office_hours()
    due_day = hours.local(due).date()
    left = cal.working_days_between(today, due_day)
    # Due on Friday, asked on Saturday: no working day in between, but it is overdue all the same.
    return min(left, -1) if due_day < today else left


def remaining_text(today: date, due: datetime, cal: WorkCalendar, language: str = "vi") -> str:
    """"còn 3 ngày làm việc" / "đến hạn hôm nay" / "quá hạn 2 ngày làm việc", for lists and the detail view."""
    left = working_days_left(today, due, cal)
    if left == 0:
        return "đến hạn hôm nay" if language == "vi" else "due today"
    if left > 0:
        return f"còn {left} ngày làm việc" if language == "vi" else f"{left} working day(s) left"
    return f"quá hạn {-left} ngày làm việc" if language == "vi" else f"{-left} working day(s) overdue"
