"""The working-day calendar of a Vietnamese state office.

Monday to Friday are working days. Public holidays come from the ``holidays`` package (Vietnam: New Year,
lunar Tết, Hùng Kings' day, 30 April, 1 May, National Day, and since 2026 Vietnam Cultural Day on 24 November,
with the statutory compensatory days). The government decides swapped days every year (a weekday off worked
back on a Saturday), so on top of the package sits an override table: extra days off and extra working days.
The shipped overrides are ``resources/catalogues/calendar_overrides.json``; the province can change them by
syncing ``calendar_override`` records (a reference kind, defined here), which win over the file.

Precedence, per date: an extra working day is worked (even on a weekend or a package holiday); otherwise an
extra day off, a package holiday or a weekend is off; otherwise the day is worked.

Usage::

    cal = WorkCalendar.default()                 # package holidays (any year, loaded lazily) + shipped overrides
    cal.is_working_day(date(2026, 2, 18))        # False: Tết
    cal.add_working_days(date(2026, 2, 13), 1)   # date(2026, 2, 23): Tết week skipped

This module is plain Python (no Qt); deadlines.py builds due times on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from .kinds import Field, RecordKind, parse_date
from .problems import Problem, required

OverrideType = Literal["day_off", "working_day"]
OVERRIDES_FILE = ("catalogues", "calendar_overrides.json")
WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())
# A calendar with no working day in ten years is a data error, not a reason to loop for ever.
_MAX_SEARCH_DAYS = 3660


@dataclass(frozen=True)
class CalendarOverride:
    day: date
    type: OverrideType
    name: str = ""
    source: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CalendarOverride:
        kind = data.get("type")
        if kind not in ("day_off", "working_day"):
            raise ValueError(f"calendar override type must be day_off or working_day, not {kind!r}")
        day = parse_date(data.get("date"))
        if day is None:
            raise ValueError("calendar override without a date")
        return cls(day, kind, str(data.get("name") or ""), str(data.get("source") or ""))


class WorkCalendar:
    """Which days are worked.

    ``holidays``: public holidays (the statutory list); ``extra_days_off`` and ``extra_working_days``: the
    override table. ``holiday_loader`` (optional) returns the holidays of one year; when given, years not yet
    known are loaded on first use, so a calendar made today still answers for a deadline next January.
    """

    def __init__(self, holidays: Iterable[date] = (), extra_days_off: Iterable[date] = (),
                 extra_working_days: Iterable[date] = (), *, names: dict[date, str] | None = None,
                 holiday_loader: Callable[[int], dict[date, str]] | None = None,
                 loaded_years: Iterable[int] = ()) -> None:
        self.holidays: set[date] = set(holidays)
        self.extra_days_off: set[date] = set(extra_days_off)
        self.extra_working_days: set[date] = set(extra_working_days)
        self.names: dict[date, str] = dict(names or {})
        self._loader = holiday_loader
        self._years: set[int] = set(loaded_years)

    # --------------------------------------------------------------- building
    @classmethod
    def default(cls, years: Iterable[int] | None = None,
                overrides: Iterable[CalendarOverride] | None = None) -> WorkCalendar:
        """Vietnam's holidays from the ``holidays`` package plus ``overrides`` (default: the shipped file).

        ``years`` are loaded at once; any other year is loaded when a date in it is first asked about.
        Pass the overrides the store holds (``store.dossiers.calendar_overrides``) to honour the province's.
        """
        cal = cls(holiday_loader=package_holidays)
        for year in years or ():
            cal._ensure_year(year)
        cal.apply_overrides(shipped_overrides() if overrides is None else overrides)
        return cal

    def apply_overrides(self, overrides: Iterable[CalendarOverride]) -> None:
        """Add an override table. A date listed twice takes the later entry."""
        for o in overrides:
            if o.type == "day_off":
                self.extra_days_off.add(o.day)
                self.extra_working_days.discard(o.day)
            else:
                self.extra_working_days.add(o.day)
                self.extra_days_off.discard(o.day)
            if o.name:
                self.names[o.day] = o.name

    def _ensure_year(self, year: int) -> None:
        if self._loader is None or year in self._years:
            return
        self._years.add(year)
        for day, name in self._loader(year).items():
            self.holidays.add(day)
            self.names.setdefault(day, name)

    # ---------------------------------------------------------------- queries
    def is_working_day(self, d: date) -> bool:
        self._ensure_year(d.year)
        if d in self.extra_working_days:
            return True
        return not (d in self.extra_days_off or d in self.holidays or d.weekday() in WEEKEND)

    def day_name(self, d: date) -> str | None:
        """Why a day is special (holiday or override name), for tooltips and receipts; None for ordinary days."""
        self._ensure_year(d.year)
        return self.names.get(d)

    def next_working_day(self, d: date, *, include_today: bool = False) -> date:
        """The first working day after ``d`` (or ``d`` itself when ``include_today`` and it is worked)."""
        day = d if include_today else d + timedelta(days=1)
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError(f"no working day within ten years after {d}")

    def previous_working_day(self, d: date) -> date:
        day = d - timedelta(days=1)
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(day):
                return day
            day -= timedelta(days=1)
        raise ValueError(f"no working day within ten years before {d}")

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start``; ``start`` itself is never counted (Civil Code 2015,
        art. 147: a period in days starts on the day after the event).

        ``n = 0`` gives ``start`` if it is a working day, else the next working day. Negative ``n`` counts
        backwards (the ``|n|``-th working day before ``start``). The result of ``n != 0`` is always a working
        day, and the function is monotonic in both ``start`` and ``n``.
        """
        if n == 0:
            return self.next_working_day(start, include_today=True)
        day = start
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] — so ``add_working_days(s, n)`` is ``n`` days after ``s``. Negative when
        ``end`` is before ``start``. Used for "N working days left" / "N working days late"."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count


def package_holidays(year: int) -> dict[date, str]:
    """Vietnam's public holidays of one year from the ``holidays`` package (names in Vietnamese)."""
    import holidays as holidays_pkg  # imported here: the package builds its tables on first use

    vn = holidays_pkg.country_holidays("VN", years=year, language="vi")
    return {d: str(name) for d, name in vn.items() if d.year == year}


def shipped_overrides() -> list[CalendarOverride]:
    """The override table shipped in ``resources/catalogues/calendar_overrides.json``."""
    from ..resources import load_json

    return [CalendarOverride.from_dict(o) for o in load_json(*OVERRIDES_FILE)["overrides"]]


# ------------------------------------------------------------------- the reference kind the province syncs
OVERRIDE_TYPES = {"day_off": ("Ngày nghỉ", "Day off"), "working_day": ("Ngày làm việc (làm bù)", "Working day")}


def validate_override(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (required(r, "date", "Ngày", "Date"), required(r, "type", "Loại", "Type")) if p]
    if r.get("type") and r["type"] not in OVERRIDE_TYPES:
        problems.append(Problem("type", "calendar.type", "Loại ngày phải là ngày nghỉ hoặc ngày làm bù.",
                                "The type must be day_off or working_day."))
    return problems


CALENDAR_OVERRIDE = RecordKind(
    name="calendar_override", table="calendar_overrides", vi="Lịch nghỉ, làm bù", en="Calendar override",
    fields=(
        Field("date", "date", "Ngày", "Date"),
        Field("type", "text", "Loại", "Type"),
        Field("name", "text", "Tên", "Name"),
        Field("source", "text", "Căn cứ", "Source"),
    ),
    scope="reference", validator=validate_override,
)

KINDS = (CALENDAR_OVERRIDE,)
