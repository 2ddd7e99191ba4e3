"""Period statistics the province judges a station by, computed from plain record dicts (no SQL, no Qt).

The definitions are written for the province in ``docs/statistics.md``; this module is their one
implementation. In short:

* A period is a range of **local dates** (Asia/Ho_Chi_Minh) ``[start, end]``; its *close* is 00:00 local of
  the day after ``end``. "In the period" means the local date of a moment lies in ``[start, end]``.
* Timeliness is ``deadlines.classify`` (early / on time / late) of the moment a matter was finished against
  its due time; for dossiers the due time is recomputed by ``deadlines.due_at`` from the receipt, the
  duration and the supplement pauses, so paused time is excluded exactly as the receipt's appointment is.
* Pending figures are a snapshot at the close: received before it, not finished before it. A dossier whose
  clock is stopped (waiting for a supplement) at the close is neither due nor overdue: it is counted apart.
* A rate is ``None`` when its denominator is 0 (shown "—", never 0 % or 100 %).

The store (``store/statistics.py``) fetches only the rows a period can touch; the functions here accept any
superset of them and select precisely, so the selection rules live in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from .calendar import WorkCalendar
from .deadlines import Duration, OfficeHours, Pause, Unit, classify, default_office_hours, due_at

# ----------------------------------------------------------------------------------------- periods
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """Local dates ``start`` to ``end``, both included."""

    start: date
    end: date
    label: str
    # A period that has not ended is counted "as of now": its pending figures are taken at this instant, not at
    # the close (00:00 after ``end``, still to come). None for an ended period. Not part of the period's identity.
    as_of: datetime | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return cls(date(year, month, 1), nxt - timedelta(days=1), f"{year:04d}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        first = cls.month(year, 3 * q - 2)
        return cls(first.start, cls.month(year, 3 * q).end, f"{year:04d}-Q{q}")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-10`` (month), ``2026-Q4`` (quarter), ``2026`` (year) or ``2026-10-01..2026-10-15``; years
        1900–2999 (a period at the calendar's ends would overflow its close, and no record lies there)."""
        period = cls._parse(text.strip())
        if not (period.start.year >= 1900 and period.end.year <= 2999):
            raise ValueError(f"not a period this program knows: {text!r} (years 1900–2999)")
        return period

    @classmethod
    def _parse(cls, text: str) -> Period:
        if m := _MONTH.match(text):
            if not 1 <= int(m.group(2)) <= 12:
                raise ValueError(f"no such month: {text}")
            return cls.month(int(m.group(1)), int(m.group(2)))
        if m := _QUARTER.match(text):
            return cls.quarter(int(m.group(1)), int(m.group(2)))
        if m := _YEAR.match(text):
            return cls.year(int(m.group(1)))
        if m := _RANGE.match(text):
            return cls(date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2)), text)
        raise ValueError(f"not a period: {text!r} (2026-10, 2026-Q4, 2026, 2026-10-01..2026-10-15)")

    @property
    def kind(self) -> str:
        """``month``, ``quarter``, ``year`` or ``range`` (from the label: a range may span exactly a month)."""
        if _MONTH.match(self.label):
            return "month"
        if _QUARTER.match(self.label):
            return "quarter"
        return "year" if _YEAR.match(self.label) else "range"

    def previous(self) -> Period:
        """The period before this one, of the same kind: the month, quarter or year before, or the range of as
        many days ending the day before this one starts (what the dashboard compares with)."""
        y, m = self.start.year, self.start.month
        if self.kind == "month":
            return Period.month(y - (m == 1), 12 if m == 1 else m - 1)
        if self.kind == "quarter":
            q = (m - 1) // 3 + 1
            return Period.quarter(y - (q == 1), 4 if q == 1 else q - 1)
        if self.kind == "year":
            return Period.year(y - 1)
        end = self.start - timedelta(days=1)
        start = end - (self.end - self.start)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")

    def close(self, hours: OfficeHours) -> datetime:
        """00:00 local of the day after ``end``: the moment the pending snapshot is taken (``as_of`` instead for
        a period counted before it ended)."""
        if self.as_of is not None:
            return hours.local(self.as_of)
        return self.end_instant(hours)

    def end_instant(self, hours: OfficeHours) -> datetime:
        """00:00 local of the day after ``end``: the moment the period ends."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=hours.tz)

    def running(self, now: datetime, hours: OfficeHours) -> bool:
        """Not ended at ``now`` (its last day, or a later one, still to come)."""
        return hours.local(now) < self.end_instant(hours)

    def counted_at(self, now: datetime, hours: OfficeHours) -> Period:
        """The period to count at ``now``: itself once ended, else itself "as of now" (figures to date)."""
        if not self.running(now, hours):
            return self
        return replace(self, as_of=hours.local(now))

    def contains(self, moment: datetime | None, hours: OfficeHours) -> bool:
        return moment is not None and self.start <= hours.local(moment).date() <= self.end


# ----------------------------------------------------------------------------------------- figures
def percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` in per cent with one decimal, half up; None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def show_percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value} %"


@dataclass
class Timeliness:
    """Matters finished in the period, by ``deadlines.classify``."""

    early: int = 0
    on_time: int = 0
    late: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def merge(self, other: Timeliness) -> None:
        self.early += other.early
        self.on_time += other.on_time
        self.late += other.late

    @property
    def total(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def on_time_rate(self) -> Decimal | None:
        """(early + on time) / finished: the figure stations are judged by."""
        return percent(self.early + self.on_time, self.total)


@dataclass
class Pending:
    """Matters still running at the period's close."""

    not_due: int = 0
    overdue: int = 0
    paused: int = 0  # clock stopped (dossiers waiting for a supplement): neither due nor overdue

    def merge(self, other: Pending) -> None:
        self.not_due += other.not_due
        self.overdue += other.overdue
        self.paused += other.paused

    @property
    def total(self) -> int:
        return self.not_due + self.overdue + self.paused


@dataclass
class DossierFigures:
    received: int = 0
    received_in_person: int = 0
    received_online: int = 0
    received_post: int = 0
    refused: int = 0  # of those received in the period, refused (status now)
    resolved: Timeliness = field(default_factory=Timeliness)
    pending: Pending = field(default_factory=Pending)

    def merge(self, other: DossierFigures) -> None:
        self.received += other.received
        self.received_in_person += other.received_in_person
        self.received_online += other.received_online
        self.received_post += other.received_post
        self.refused += other.refused
        self.resolved.merge(other.resolved)
        self.pending.merge(other.pending)


@dataclass
class DossierStats:
    period: Period
    total: DossierFigures
    by_procedure: dict[str, DossierFigures]
    by_field: dict[str, DossierFigures]
    procedure_names: dict[str, str]


# ----------------------------------------------------------------------------------------- helpers
def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _before(moment: datetime | None, close: datetime) -> bool:
    return moment is not None and moment < close


# ----------------------------------------------------------------------------------------- dossiers
@lru_cache(maxsize=512)
def _duration_text(text: str) -> Duration:
    return Duration.from_dict(json.loads(text))


def _duration(value: Any) -> Duration:
    return _duration_text(value) if isinstance(value, str) else Duration.from_dict(value)


def _pauses(value: Any) -> list[Pause]:
    if not value or value == "[]":
        return []
    return [Pause.from_dict(p) for p in _json(value)]


class _LocalDays:
    """The local date (ISO text) of a stored moment. Records store office local time with its fixed offset
    (``2026-10-05T09:00:00+07:00``), whose first 10 characters are the local date: those are read without
    parsing (a year's figures touch tens of thousands of rows); any other form is parsed and converted."""

    def __init__(self, hours: OfficeHours, period: Period):
        self.hours = hours
        offsets = {datetime.combine(d, time(12), tzinfo=hours.tz).isoformat()[19:] for d in (period.start,
                                                                                             period.end)}
        self.suffix = offsets.pop() if len(offsets) == 1 else None  # a zone with summer time: always parse

    def __call__(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            if self.suffix and value.endswith(self.suffix) and value[10:11] == "T":
                return value[:10]
            value = datetime.fromisoformat(value)
        return self.hours.local(value).date().isoformat()


def dossier_due(record: Mapping[str, Any], cal: WorkCalendar, hours: OfficeHours,
                as_of: datetime | None = None) -> tuple[datetime | None, Unit]:
    """The dossier's due time — ``deadlines.due_at`` of its receipt, duration and supplement pauses — and its
    unit; None for the time when the clock is stopped.

    With ``as_of`` (a period's close) only the pauses that had started before it count, and a pause still
    running at ``as_of`` stops the clock. The appointment stored on the record (``due_at``, which the workflow
    sets to this same value at intake and after each supplement) is used when every pause counts; it is
    recomputed otherwise, or when the record has none.
    """
    duration = _duration(record["duration"])
    pauses = _pauses(record.get("pauses"))
    counted = pauses
    if as_of is not None:
        counted = [p for p in pauses if hours.local(p.start) < as_of]
        if any(p.end is None or hours.local(p.end) >= as_of for p in counted):
            return None, duration.unit
    if any(p.end is None for p in counted):
        return None, duration.unit
    stored = record.get("due_at")
    if stored and len(counted) == len(pauses):
        return _moment(stored), duration.unit
    received = _moment(record["received_at"])
    assert received is not None
    return due_at(received, duration, cal, pauses=counted, hours=hours), duration.unit


def dossier_figures(records: Iterable[Mapping[str, Any]], period: Period, cal: WorkCalendar, *,
                    fields: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None,
                    hours: OfficeHours | None = None) -> DossierStats:
    """Dossier figures of ``period``. ``records`` are dossier dicts (any superset of the ones the period
    touches; deleted ones must be left out); ``fields`` maps a procedure key to its field (lĩnh vực)."""
    hours = hours or default_office_hours()
    close = period.close(hours)
    day = _LocalDays(hours, period)
    first, last = period.start.isoformat(), period.end.isoformat()
    by_proc: dict[str, DossierFigures] = {}
    for r in records:
        received = day(r["received_at"])
        if received is None:
            continue
        key = str(r.get("procedure_key") or "")
        f = by_proc.get(key) or by_proc.setdefault(key, DossierFigures())
        if first <= received <= last:
            f.received += 1
            channel = r.get("channel") or "in_person"
            if channel == "online":
                f.received_online += 1
            elif channel == "post":
                f.received_post += 1
            else:
                f.received_in_person += 1
            if r.get("status") == "refused":
                f.refused += 1
        ready = day(r.get("result_ready_at"))
        if ready is not None and first <= ready <= last:
            due, unit = dossier_due(r, cal, hours)
            if due is not None:
                f.resolved.add(classify(_moment(r["result_ready_at"]), due, unit, hours=hours))  # type: ignore[arg-type]
        # Pending at the close: received on or before the last day, no result by then (local dates).
        if received <= last and (ready is None or ready > last) and r.get("status") != "refused":
            due, _ = dossier_due(r, cal, hours, as_of=close)
            if due is None:
                f.pending.paused += 1
            elif due < close:
                f.pending.overdue += 1
            else:
                f.pending.not_due += 1
    by_proc = {k: v for k, v in by_proc.items() if v.received or v.resolved.total or v.pending.total}
    total = DossierFigures()
    by_field: dict[str, DossierFigures] = {}
    for key, figures in sorted(by_proc.items()):
        total.merge(figures)
        by_field.setdefault((fields or {}).get(key, ""), DossierFigures()).merge(figures)
    return DossierStats(period, total, dict(sorted(by_proc.items())), dict(sorted(by_field.items())),
                        dict(names or {}))


# ----------------------------------------------------------------------------------------- crime reports
@dataclass
class CrimeReportStats:
    period: Period
    received: int = 0
    received_by_kind: dict[str, int] = field(default_factory=dict)
    urgent: int = 0
    anonymous: int = 0
    transferred: dict[str, Timeliness] = field(default_factory=dict)  # by rule key: 24 h, 48 h, 7 days
    administrative: Timeliness = field(default_factory=Timeliness)
    closed_otherwise: int = 0  # closed in the period without transfer or administrative handling
    pending: Pending = field(default_factory=Pending)
    reporters_notified: int = 0
    # The investigation agency's answer (domain/agency.py), counted in the period of each event: reports it
    # acknowledged; reports it decided, on time or late against its (possibly extended) deadline, and by
    # decision; and the station's notice of the outcome to the reporter against its 3 days.
    agency_acknowledged: int = 0
    agency_decided: Timeliness = field(default_factory=Timeliness)
    agency_decisions: dict[str, int] = field(default_factory=dict)
    outcome_notified: Timeliness = field(default_factory=Timeliness)
    # Transferred before the close and not decided by then: still at the agency. ``paused`` = not yet
    # acknowledged at the close (no clock runs); else ``overdue`` when its decision deadline (as it stands now,
    # extensions included) fell before the close, ``not_due`` otherwise.
    agency_pending: Pending = field(default_factory=Pending)
    # The agency's notice of intake to the procuracy and the reporter, dated in the period, against its 3
    # working days (``agency_notice_timeliness`` as recorded).
    agency_intake_notified: Timeliness = field(default_factory=Timeliness)

    @property
    def transferred_total(self) -> Timeliness:
        t = Timeliness()
        for v in self.transferred.values():
            t.merge(v)
        return t

    @property
    def handled(self) -> Timeliness:
        """Transferred or handled administratively: every report whose clock stopped in the period."""
        t = self.transferred_total
        t.merge(self.administrative)
        return t


def _report_outcome(done: datetime, r: Mapping[str, Any], hours: OfficeHours) -> str | None:
    due = _moment(r.get("due_at"))
    if due is None or not r.get("duration"):
        return None
    return classify(done, due, Duration.from_dict(_json(r["duration"])).unit, hours=hours)


def crime_report_figures(records: Iterable[Mapping[str, Any]], period: Period, *,
                         hours: OfficeHours | None = None) -> CrimeReportStats:
    hours = hours or default_office_hours()
    close = period.close(hours)
    s = CrimeReportStats(period)
    for r in records:
        received = _moment(r["received_at"])
        if received is None:
            continue
        if period.contains(received, hours):
            s.received += 1
            kind = str(r.get("report_kind") or "")
            s.received_by_kind[kind] = s.received_by_kind.get(kind, 0) + 1
            s.urgent += bool(r.get("urgent"))
            s.anonymous += bool(r.get("reporter_anonymous"))
        transferred, handled = _moment(r.get("transferred_at")), _moment(r.get("handled_at"))
        closed = _moment(r.get("closed_at"))
        for done, target in ((transferred, "transfer"), (handled, "administrative")):
            if done is not None and period.contains(done, hours):
                outcome = _report_outcome(done, r, hours)
                if outcome is None:
                    continue
                if target == "administrative":
                    s.administrative.add(outcome)
                else:
                    s.transferred.setdefault(str(r.get("rule_key") or ""), Timeliness()).add(outcome)
        if closed is not None and transferred is None and handled is None and period.contains(closed, hours):
            s.closed_otherwise += 1
        finished = [m for m in (transferred, handled, closed) if m is not None]
        if received < close and not any(m < close for m in finished):
            due = _moment(r.get("due_at"))
            if due is not None and due < close:
                s.pending.overdue += 1
            else:
                s.pending.not_due += 1
        if any(period.contains(_moment(n.get("at")), hours) for n in _json(r.get("notices")) or ()):
            s.reporters_notified += 1
        _agency_figures(s, r, period, hours)
    s.received_by_kind = dict(sorted(s.received_by_kind.items()))
    s.transferred = dict(sorted(s.transferred.items()))
    s.agency_decisions = dict(sorted(s.agency_decisions.items()))
    return s


def _agency_figures(s: CrimeReportStats, r: Mapping[str, Any], period: Period, hours: OfficeHours) -> None:
    received = _moment(r.get("agency_received_at"))
    if received is not None and period.contains(received, hours):
        s.agency_acknowledged += 1
    noticed = _moment(r.get("agency_notice_at"))
    if noticed is not None and period.contains(noticed, hours) \
            and r.get("agency_notice_timeliness") in ("early", "on_time", "late"):
        s.agency_intake_notified.add(str(r["agency_notice_timeliness"]))
    decided = _moment(r.get("agency_decision_at"))
    close = period.close(hours)
    transferred = _moment(r.get("transferred_at"))
    if transferred is not None and transferred < close and (decided is None or decided >= close):
        due = _moment(r.get("agency_decide_due"))
        if received is None or received >= close:
            s.agency_pending.paused += 1
        elif due is not None and due < close:
            s.agency_pending.overdue += 1
        else:
            s.agency_pending.not_due += 1
    if decided is None:
        return
    if period.contains(decided, hours):
        outcome = r.get("agency_decision_timeliness")
        if outcome in ("early", "on_time", "late"):
            s.agency_decided.add(str(outcome))
        decision = str(r.get("agency_decision") or "")
        s.agency_decisions[decision] = s.agency_decisions.get(decision, 0) + 1
    # The station's first notice to the reporter on or after the decision's day, against its 3 days.
    day = hours.local(decided).date()
    notices = sorted(m for m in (_moment(n.get("at")) for n in _json(r.get("notices")) or ())
                     if m is not None and hours.local(m).date() >= day)
    due = _moment(r.get("outcome_notice_due"))
    if notices and due is not None and period.contains(notices[0], hours):
        s.outcome_notified.add(classify(notices[0], due, "criminal_days", hours=hours))


# ----------------------------------------------------------------------------------------- petitions
@dataclass
class PetitionStats:
    period: Period
    received: int = 0
    received_by_type: dict[str, int] = field(default_factory=dict)
    classified: Timeliness = field(default_factory=Timeliness)  # accepted, not accepted or forwarded
    accepted: int = 0
    forwarded: int = 0
    not_accepted: int = 0
    resolved: Timeliness = field(default_factory=Timeliness)
    withdrawn: int = 0
    pending: Pending = field(default_factory=Pending)


def _unit(units: Mapping[str, str], key: str) -> Unit:
    return units.get(key, "working_days")  # type: ignore[return-value]


def petition_figures(records: Iterable[Mapping[str, Any]], period: Period, units: Mapping[str, str], *,
                     hours: OfficeHours | None = None) -> PetitionStats:
    """``units`` maps a deadline rule key (``petition.<type>.<event>``) to its unit."""
    hours = hours or default_office_hours()
    close = period.close(hours)
    s = PetitionStats(period)
    for r in records:
        received = _moment(r["received_at"])
        if received is None:
            continue
        ptype = str(r.get("petition_type") or "")
        if period.contains(received, hours):
            s.received += 1
            s.received_by_type[ptype] = s.received_by_type.get(ptype, 0) + 1
        classified = _moment(r.get("classified_at"))
        forwarded = _moment(r.get("forwarded_at"))
        event, due = ("forward", _moment(r.get("forward_due_at"))) if forwarded or r.get("outside_competence") \
            else ("classify", _moment(r.get("classify_due_at")))
        if classified is not None and period.contains(classified, hours):
            status = r.get("status")
            if forwarded is not None:
                s.forwarded += 1
            elif r.get("accepted_at"):
                s.accepted += 1
            elif status == "not_accepted":
                s.not_accepted += 1
            if due is not None:
                s.classified.add(classify(classified, due, _unit(units, f"petition.{ptype}.{event}"), hours=hours))
        resolved, resolve_due = _moment(r.get("resolved_at")), _moment(r.get("resolve_due_at"))
        if resolved is not None and period.contains(resolved, hours) and resolve_due is not None:
            s.resolved.add(classify(resolved, resolve_due, _unit(units, f"petition.{ptype}.resolve"), hours=hours))
        withdrawn = _moment(r.get("withdrawn_at"))
        if withdrawn is not None and period.contains(withdrawn, hours):
            s.withdrawn += 1
        if received >= close or _before(withdrawn, close) or _before(resolved, close):
            continue
        accepted = _moment(r.get("accepted_at"))
        if _before(accepted, close):
            running = resolve_due  # the resolution clock
        elif _before(classified, close):
            continue  # forwarded or not accepted: finished
        else:
            running = due  # the classification (or forwarding) clock
        if running is not None and running < close:
            s.pending.overdue += 1
        else:
            s.pending.not_due += 1
    s.received_by_type = dict(sorted(s.received_by_type.items()))
    return s


# ----------------------------------------------------------------------------------------- mediation
@dataclass
class MediationStats:
    period: Period
    received: int = 0
    received_by_type: dict[str, int] = field(default_factory=dict)
    succeeded: int = 0  # agreement signed in the period
    failed: int = 0  # of those received in the period, failed (status now: no failure time is recorded)
    open_at_close: int = 0

    @property
    def success_rate(self) -> Decimal | None:
        return percent(self.succeeded, self.succeeded + self.failed)


def mediation_figures(records: Iterable[Mapping[str, Any]], period: Period, *,
                      hours: OfficeHours | None = None) -> MediationStats:
    hours = hours or default_office_hours()
    close = period.close(hours)
    s = MediationStats(period)
    for r in records:
        received = _moment(r["received_at"])
        if received is None:
            continue
        failed = bool(r.get("failure_reason")) or r.get("status") == "failed"
        if period.contains(received, hours):
            s.received += 1
            t = str(r.get("dispute_type") or "")
            s.received_by_type[t] = s.received_by_type.get(t, 0) + 1
            s.failed += failed
        agreement = _moment(r.get("agreement_at"))
        if agreement is not None and period.contains(agreement, hours):
            s.succeeded += 1
        if received < close and not _before(agreement, close) and not failed \
                and not _before(_moment(r.get("closed_at")), close):
            s.open_at_close += 1
    s.received_by_type = dict(sorted(s.received_by_type.items()))
    return s


# ----------------------------------------------------------------------------------------- violations
@dataclass
class ViolationStats:
    period: Period
    recorded: int = 0
    decided: Timeliness = field(default_factory=Timeliness)  # sanction decisions against the 7-working-day clock
    warnings: int = 0
    fines: int = 0
    fines_amount: int = 0  # đồng, decisions of the period
    fines_paid: int = 0
    closed_without_decision: int = 0
    pending: Pending = field(default_factory=Pending)  # recorded, no decision yet at the close


def violation_figures(records: Iterable[Mapping[str, Any]], period: Period, units: Mapping[str, str], *,
                      hours: OfficeHours | None = None) -> ViolationStats:
    hours = hours or default_office_hours()
    close = period.close(hours)
    unit = _unit(units, "admin_violation.decision")
    s = ViolationStats(period)
    for r in records:
        recorded = _moment(r.get("recorded_at"))
        if recorded is None:
            continue
        if period.contains(recorded, hours):
            s.recorded += 1
        decided, due = _moment(r.get("decision_at")), _moment(r.get("decision_due_at"))
        if decided is not None and period.contains(decided, hours):
            if due is not None:
                s.decided.add(classify(decided, due, unit, hours=hours))
            if r.get("sanction") == "fine":
                s.fines += 1
                s.fines_amount += int(r.get("fine_amount") or 0)
            elif r.get("sanction") == "warning":
                s.warnings += 1
        if period.contains(_moment(r.get("fine_paid_at")), hours):
            s.fines_paid += 1
        closed = _moment(r.get("closed_at"))
        if closed is not None and decided is None and period.contains(closed, hours):
            s.closed_without_decision += 1
        if recorded < close and not _before(decided, close) and not _before(closed, close):
            if due is not None and due < close:
                s.pending.overdue += 1
            else:
                s.pending.not_due += 1
    return s


# ----------------------------------------------------------------------------------------- all of them
@dataclass
class StationStats:
    period: Period
    dossiers: DossierStats
    crime_reports: CrimeReportStats
    petitions: PetitionStats
    mediation: MediationStats
    violations: ViolationStats


def compute(period: Period, *, dossiers: Iterable[Mapping[str, Any]], crime_reports: Iterable[Mapping[str, Any]],
            petitions: Iterable[Mapping[str, Any]], mediation: Iterable[Mapping[str, Any]],
            violations: Iterable[Mapping[str, Any]], cal: WorkCalendar, units: Mapping[str, str],
            fields: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None,
            hours: OfficeHours | None = None) -> StationStats:
    """Every figure of ``period`` from the records of each kind. The station (``store/statistics.py``, rows of
    its tables) and the province (``province_server/statistics.py``, synced record fields) both call this, so
    a figure means the same on both sides."""
    hours = hours or default_office_hours()
    return StationStats(
        period,
        dossier_figures(dossiers, period, cal, fields=fields, names=names, hours=hours),
        crime_report_figures(crime_reports, period, hours=hours),
        petition_figures(petitions, period, units, hours=hours),
        mediation_figures(mediation, period, hours=hours),
        violation_figures(violations, period, units, hours=hours))


# ----------------------------------------------------------------------------------------- flat figures
Figure = int | str | None


def _timely_flat(prefix: str, t: Timeliness) -> dict[str, Figure]:
    rate = t.on_time_rate
    return {f"{prefix}.early": t.early, f"{prefix}.on_time": t.on_time, f"{prefix}.late": t.late,
            f"{prefix}.on_time_rate": None if rate is None else str(rate)}


def _pending_flat(prefix: str, p: Pending, paused: bool = False) -> dict[str, Figure]:
    out: dict[str, Figure] = {f"{prefix}.not_due": p.not_due, f"{prefix}.overdue": p.overdue}
    if paused:
        out[f"{prefix}.paused"] = p.paused
    return out


def _dossier_flat(prefix: str, f: DossierFigures) -> dict[str, Figure]:
    return {f"{prefix}.received": f.received, f"{prefix}.received_in_person": f.received_in_person,
            f"{prefix}.received_online": f.received_online, f"{prefix}.received_post": f.received_post,
            f"{prefix}.refused": f.refused, f"{prefix}.resolved": f.resolved.total,
            **_timely_flat(f"{prefix}.resolved", f.resolved), **_pending_flat(f"{prefix}.pending", f.pending, True)}


def flat_figures(s: StationStats) -> dict[str, Figure]:
    """Every figure as ``{"dossiers.resolved.late": 2, ...}``: what a period report carries to the province
    (``stat_report.figures``) and what the province compares figure by figure. Rates are text ("60.0") or
    None, so the JSON never holds a float that could round differently on the other side."""
    d, c, p, m, v = s.dossiers, s.crime_reports, s.petitions, s.mediation, s.violations
    out: dict[str, Figure] = _dossier_flat("dossiers", d.total)
    for key, f in d.by_procedure.items():
        out |= _dossier_flat(f"dossiers.procedure.{key}", f)
    out["crime_reports.received"] = c.received
    out |= {f"crime_reports.received.{k}": n for k, n in c.received_by_kind.items()}
    out |= {"crime_reports.urgent": c.urgent, "crime_reports.anonymous": c.anonymous}
    for rule, t in c.transferred.items():
        out |= _timely_flat(f"crime_reports.transferred.{rule}", t)
    out |= _timely_flat("crime_reports.administrative", c.administrative)
    out |= _timely_flat("crime_reports.handled", c.handled)
    out |= {"crime_reports.closed_otherwise": c.closed_otherwise,
            "crime_reports.reporters_notified": c.reporters_notified}
    out |= _pending_flat("crime_reports.pending", c.pending)
    out["crime_reports.transferred"] = c.transferred_total.total
    out["crime_reports.agency.acknowledged"] = c.agency_acknowledged
    out["crime_reports.agency.decided"] = c.agency_decided.total
    out |= _timely_flat("crime_reports.agency.decided", c.agency_decided)
    out |= {f"crime_reports.agency.decision.{k}": n for k, n in c.agency_decisions.items()}
    out["crime_reports.agency.intake_notified"] = c.agency_intake_notified.total
    out |= _timely_flat("crime_reports.agency.intake_notified", c.agency_intake_notified)
    ap = c.agency_pending
    out |= {"crime_reports.agency.pending.waiting": ap.paused, "crime_reports.agency.pending.not_due": ap.not_due,
            "crime_reports.agency.pending.overdue": ap.overdue}
    out["crime_reports.outcome_notified"] = c.outcome_notified.total
    out |= _timely_flat("crime_reports.outcome_notified", c.outcome_notified)
    out["petitions.received"] = p.received
    out |= {f"petitions.received.{k}": n for k, n in p.received_by_type.items()}
    out |= _timely_flat("petitions.classified", p.classified)
    out |= {"petitions.accepted": p.accepted, "petitions.not_accepted": p.not_accepted,
            "petitions.forwarded": p.forwarded, "petitions.withdrawn": p.withdrawn}
    out |= _timely_flat("petitions.resolved", p.resolved)
    out |= _pending_flat("petitions.pending", p.pending)
    rate = m.success_rate
    out |= {"mediation.received": m.received, "mediation.succeeded": m.succeeded, "mediation.failed": m.failed,
            "mediation.success_rate": None if rate is None else str(rate), "mediation.open": m.open_at_close}
    out |= {f"mediation.received.{k}": n for k, n in m.received_by_type.items()}
    out |= {"violations.recorded": v.recorded, "violations.warnings": v.warnings, "violations.fines": v.fines,
            "violations.fines_amount": v.fines_amount, "violations.fines_paid": v.fines_paid,
            "violations.closed_without_decision": v.closed_without_decision}
    out |= _timely_flat("violations.decided", v.decided)
    out |= _pending_flat("violations.pending", v.pending)
    return out


def disagreements(computed: Mapping[str, Figure], submitted: Mapping[str, Any]) -> dict[str, tuple[Figure, Any]]:
    """``{figure: (computed, submitted)}`` for every figure the two sides state differently. A count missing on
    one side is 0 there (a procedure with nothing in the period has no keys), a rate missing is None."""
    out: dict[str, tuple[Figure, Any]] = {}
    for key in sorted(set(computed) | set(submitted)):
        empty = None if key.endswith("_rate") else 0
        mine, theirs = computed.get(key, empty), submitted.get(key, empty)
        if mine != theirs:
            out[key] = (mine, theirs)
    return out
