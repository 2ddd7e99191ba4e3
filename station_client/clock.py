"""Wall-clock helpers. Timestamps are for people and audits only: sync never orders by them.

Two clocks, never mixed: UTC for stored timestamps, and the **office clock** (the office time zone from
configuration, ``calendar_overrides.json`` → ``office_hours.timezone``, Asia/Ho_Chi_Minh) for everything an officer
or the law counts in days: today's list, dossier codes, deadlines, receipts. The PC's own time zone is never used:
a station PC whose clock is set to UTC is seven hours behind the office between 17:00 and 24:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache


def utcnow() -> datetime:
    return datetime.now(UTC)


def now_iso() -> str:
    """UTC, millisecond precision, 'Z' suffix: sortable as text."""
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@cache
def office_zone() -> tzinfo:
    """The office time zone from configuration (read once: ``default_office_hours`` is cached for the process too).
    Cached here as well, so the import below runs once: as a statement run at every call it cost 3.4 of 3.5 µs, and
    the province checks every person's birth date against the office's today (1 % of its CPU, py-spy)."""
    from .domain.deadlines import default_office_hours  # the domain loads the configuration; clock stays a leaf

    return default_office_hours().tz


def office_now() -> datetime:
    """Now on the office clock, aware."""
    return utcnow().astimezone(office_zone())


def office_today() -> date:
    """Today's date at the office, whatever zone the PC is set to.

    Kept with the UTC span of that office day, so most calls compare two instants instead of converting one into
    the zone: the province checks every person it receives against today several times (1.3 % of its CPU under
    load, py-spy). A moment outside the span (the next day, or a clock set back) or another zone computes it
    anew."""
    global _office_day
    now = utcnow()
    zone = office_zone()
    known = _office_day
    if known is not None and known.zone is zone and known.start <= now < known.end:
        return known.day
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    _office_day = _OfficeDay(zone, start, end, day)
    return day


@dataclass(frozen=True)
class _OfficeDay:
    zone: tzinfo
    start: datetime  # the day's first instant (UTC)
    end: datetime  # the next day's first instant (UTC)
    day: date


_office_day: _OfficeDay | None = None


def to_office(moment: datetime) -> datetime:
    """``moment`` on the office clock; a naive moment is taken as office time already (as in the domain)."""
    zone = office_zone()
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


# ------------------------------------------------------------------------ a moment as the office writes it
# The one place these formats are written; screens, receipts, registers and reports use them. Each takes a stored
# ISO text or a datetime (naive: office time already) and gives "" for None or "".
def office_local(value: str | datetime | None) -> datetime | None:
    """``value`` on the office clock, or None."""
    if value is None or value == "":
        return None
    return to_office(datetime.fromisoformat(value) if isinstance(value, str) else value)


def office_datetime(value: str | datetime | None) -> str:
    """``12/02/2026 09:30``: lists and detail pages."""
    t = office_local(value)
    return f"{t:%d/%m/%Y %H:%M}" if t else ""


def office_stamp(value: str | datetime | None) -> str:
    """``09:30 12/02/2026``: printed registers and deadlines."""
    t = office_local(value)
    return f"{t:%H:%M %d/%m/%Y}" if t else ""


def office_words(value: str | datetime | None) -> str:
    """``09 giờ 30 phút, ngày 12/02/2026``: the way receipts and records write a moment."""
    t = office_local(value)
    return f"{t:%H} giờ {t:%M} phút, ngày {t:%d/%m/%Y}" if t else ""
