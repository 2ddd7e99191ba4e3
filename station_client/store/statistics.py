"""Period statistics: fetch the rows a period can touch, hand them to ``domain/statistics.py``.

Dossiers are the big table (hundreds of thousands of rows at a large station), so each query is an index
range and selects only the columns the figures need:

* received in the period — ``dossiers_received`` (received_at);
* resolved in the period — ``dossiers_result_ready`` (result_ready_at, received_at; migration 6);
* pending at the close — the open statuses (``dossiers_status_due``) plus those resolved after the close,
  an index-only range on ``dossiers_result_ready`` that reads received_at from the index.

Datetime columns hold office local time (ISO with +07:00), so a text range on them is a local-date range. The
ranges are widened by a day on each side, so a moment stored with another offset is still fetched; the domain
functions then select by the local date exactly. The four registers (crime reports, petitions, mediation,
violations) hold hundreds of rows a year: one pass over their rows received before the close that are still
open or changed since the period started.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain import crime_reports, dossiers, mediation, petitions, violations
from ..domain import statistics as st
from ..domain.deadlines import OfficeHours, default_office_hours
from ..domain.problems import Problem, ValidationError
from ..domain.registry import get_kind
from .codec import from_db
from .dossiers import list_procedures, read_settings, work_calendar
from .reports import rule_set
from .store import Store

DOSSIER_COLUMNS = ("id", "procedure_key", "channel", "status", "received_at", "result_ready_at", "due_at", "duration",
                   "pauses")
_OPEN = ", ".join(f"'{s}'" for s in dossiers.OPEN_STATUSES)


def _bounds(period: st.Period) -> tuple[str, str]:
    """Text bounds a day wider than the period: [start - 1 day, close + 1 day)."""
    return (period.start - timedelta(days=1)).isoformat(), (period.end + timedelta(days=2)).isoformat()


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def dossier_rows(conn: sqlite3.Connection, period: st.Period) -> list[dict[str, Any]]:
    """The dossiers ``period`` can touch (a small superset), with the columns the figures need."""
    lo, hi = _bounds(period)
    cols = ", ".join(DOSSIER_COLUMNS)
    seen: dict[str, dict[str, Any]] = {}
    queries = (
        (f"SELECT {cols} FROM dossiers INDEXED BY dossiers_received WHERE received_at >= ? AND received_at < ? "
         "AND deleted = 0", (lo, hi)),
        # Resolved in the period but received before it (the others came with the first query); the
        # received_at test is answered from the index, so those rows are not read twice.
        (f"SELECT {cols} FROM dossiers INDEXED BY dossiers_result_ready WHERE result_ready_at >= ? "
         "AND result_ready_at < ? AND NOT (received_at >= ? AND received_at < ?) AND deleted = 0",
         (lo, hi, lo, hi)),
        # Pending at the close: still open now (few rows: the status index, never the received_at range,
        # which for a late period is the whole table — ANALYZE can mislead the planner into it) ...
        (f"SELECT {cols} FROM dossiers INDEXED BY dossiers_status_due WHERE status IN ({_OPEN}) "
         "AND received_at < ? AND deleted = 0", (hi,)),
        # ... or resolved after the close.
        (f"SELECT {cols} FROM dossiers WHERE n IN (SELECT n FROM dossiers INDEXED BY dossiers_result_ready "
         "WHERE result_ready_at >= ? AND received_at < ?) AND deleted = 0",
         (period.end.isoformat(), hi)),
    )
    for sql, args in queries:
        for row in _rows(conn.execute(sql, args)):
            seen[row["id"]] = row
    return list(seen.values())


# A crime report transferred and not yet decided by the investigation agency is pending there at a period's
# close, however long untouched: read it as an open record (the province's query does the same).
AWAITING_AGENCY = "(transferred_at IS NOT NULL AND transferred_at != '' AND agency_decision_at IS NULL)"


def _register_rows(conn: sqlite3.Connection, table: str, received: str, events: tuple[str, ...],
                   open_statuses: tuple[str, ...], period: st.Period, also: str = "") -> list[dict[str, Any]]:
    """Rows received before the close that were received, finished or changed from the period's start on,
    or are still open (what a pending snapshot needs), or match ``also``."""
    lo, hi = _bounds(period)
    marks = ", ".join("?" * len(open_statuses))
    touched = " OR ".join(f"{c} >= ?" for c in (received, *events, "updated_at"))
    if also:
        touched += f" OR {also}"
    sql = (f"SELECT * FROM {table} WHERE deleted = 0 AND {received} < ? AND "
           f"(status IN ({marks}) OR {touched})")
    return _rows(conn.execute(sql, (hi, *open_statuses, *([lo] * (len(events) + 2)))))


def _units(conn: sqlite3.Connection) -> dict[str, str]:
    return {r.key: r.duration.unit for r in rule_set(conn).all()}


def station_stats(conn: sqlite3.Connection, period: st.Period, *, hours: OfficeHours | None = None,
                  now: datetime | None = None) -> st.StationStats:
    """All figures of ``period`` for this station."""
    hours = hours or default_office_hours()
    procedures = list_procedures(conn, active_only=False)
    return st.compute(
        period, dossiers=dossier_rows(conn, period),
        crime_reports=_register_rows(conn, "crime_reports", "received_at",
                                     ("transferred_at", "handled_at", "closed_at"), crime_reports.OPEN_STATUSES,
                                     period, AWAITING_AGENCY),
        petitions=_register_rows(conn, "petitions", "received_at", ("classified_at", "resolved_at", "withdrawn_at"),
                                 petitions.OPEN_STATUSES, period),
        mediation=_register_rows(conn, "mediation_cases", "received_at", ("agreement_at", "closed_at"),
                                 mediation.OPEN_STATUSES, period),
        violations=_register_rows(conn, "admin_violations", "recorded_at", ("decision_at", "fine_paid_at", "closed_at"),
                                  violations.OPEN_STATUSES, period),
        cal=work_calendar(conn), units=_units(conn), fields={p.key: p.field for p in procedures},
        names={p.key: p.name for p in procedures}, hours=hours)


# ----------------------------------------------------------------------------------------- dashboard
@dataclass(frozen=True)
class MonthRate:
    period: st.Period
    dossiers: st.Timeliness  # dossiers resolved in the month
    reports: st.Timeliness  # crime reports transferred or handled in the month


def monthly_rates(conn: sqlite3.Connection, last: st.Period, months: int = 12, *,
                  hours: OfficeHours | None = None) -> list[MonthRate]:
    """The on-time figures of the ``months`` months ending with ``last`` (a month), oldest first: dossiers
    resolved and crime reports transferred or handled in each month, by the same domain functions as the period
    figures. One index range over the whole span (``dossiers_result_ready``), each row handed only to the months
    next to its result date: twelve full period queries took 1.3 s warm at a 200,000-dossier station."""
    hours = hours or default_office_hours()
    year, month = last.start.year, last.start.month
    periods = []
    for i in range(months - 1, -1, -1):
        y, m = divmod(year * 12 + month - 1 - i, 12)
        periods.append(st.Period.month(y, m + 1))
    span = st.Period(periods[0].start, periods[-1].end, "span")
    lo, hi = _bounds(span)
    cols = ", ".join(DOSSIER_COLUMNS)
    by_month: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(conn.execute(
            f"SELECT {cols} FROM dossiers INDEXED BY dossiers_result_ready WHERE result_ready_at >= ? "
            "AND result_ready_at < ? AND deleted = 0", (lo, hi))):
        by_month.setdefault(str(row["result_ready_at"])[:7], []).append(row)
    reports = _register_rows(conn, "crime_reports", "received_at", ("transferred_at", "handled_at", "closed_at"),
                             crime_reports.OPEN_STATUSES, span)
    cal = work_calendar(conn)
    out = []
    for p in periods:
        # The month's rows and its neighbours' (a moment stored with another offset may sit a day across).
        first, last_day = (p.start - timedelta(days=1)).isoformat(), (p.end + timedelta(days=1)).isoformat()
        keys = {first[:7], p.start.isoformat()[:7], last_day[:7]}
        rows = [r for k in keys for r in by_month.get(k, ()) if first <= str(r["result_ready_at"])[:10] <= last_day]
        resolved = st.dossier_figures(rows, p, cal, hours=hours).total.resolved
        out.append(MonthRate(p, resolved, st.crime_report_figures(reports, p, hours=hours).handled))
    return out


@dataclass
class OfficerOverdue:
    officer: str
    dossiers: int = 0
    crime_reports: int = 0
    petitions: int = 0
    mediation: int = 0
    violations: int = 0

    @property
    def total(self) -> int:
        return self.dossiers + self.crime_reports + self.petitions + self.mediation + self.violations


# Who answers for an open matter: the officer who received (or recorded) it.
_OVERDUE_SOURCES = (
    ("dossiers", "dossiers", "officer_name", ("received", "processing", "transferred")),
    ("crime_reports", "crime_reports", "received_by", crime_reports.OPEN_STATUSES),
    ("petitions", "petitions", "received_by", petitions.OPEN_STATUSES),
    ("mediation", "mediation_cases", "received_by", mediation.OPEN_STATUSES),
    ("violations", "admin_violations", "recorded_by", violations.OPEN_STATUSES),
)


def overdue_by_officer(conn: sqlite3.Connection, now: datetime, *,
                       hours: OfficeHours | None = None) -> list[OfficerOverdue]:
    """Open matters whose running clock was due before ``now``, by the officer who took them in (most overdue
    first). Index range scans on each table's ``(status, due_at)``; a dossier waiting for a supplement has its
    clock stopped and is left out."""
    local = (hours or default_office_hours()).local(now).replace(microsecond=0).isoformat()
    names = dict(conn.execute("SELECT username, full_name FROM accounts").fetchall())
    by: dict[str, OfficerOverdue] = {}
    for attr, table, officer, statuses in _OVERDUE_SOURCES:
        marks = ", ".join("?" * len(statuses))
        # The receiving officer where the record names one, else the account that last acted on it.
        for who, n in conn.execute(
                f"SELECT coalesce(nullif({officer}, ''), updated_by, ''), count(*) FROM {table} "
                f"WHERE status IN ({marks}) AND due_at IS NOT NULL AND due_at < ? AND deleted = 0 GROUP BY 1",
                (*statuses, local)):
            name = names.get(who, who)
            o = by.setdefault(name, OfficerOverdue(name))
            setattr(o, attr, getattr(o, attr) + n)
    return sorted(by.values(), key=lambda o: (-o.total, o.officer))


# ----------------------------------------------------------------------------------------- period reports
def submit_report(store: Store, stats: st.StationStats, *, officer: str, prepared_by: str = "",
                  approved_by: str = "", note: str = "", at: datetime | None = None) -> dict[str, Any]:
    """Record the period report for the province through the write path (audited, pushed by the next sync)."""
    settings = read_settings(store.conn, "station.")
    hours = default_office_hours()
    at = at or datetime.now(hours.tz)
    p = stats.period
    if p.as_of is not None or p.running(at, hours):
        # Refused, not sent as provisional: the province compares a report with its own count of the ended
        # period, and a report of figures to date would not agree with it (a Q4 report sent on 2 December).
        ends = f"{p.end:%d/%m/%Y}"
        raise ValidationError([Problem(
            "period", "period.running",
            f"Kỳ {p.label} chưa kết thúc (hết ngày {ends}): báo cáo kỳ chỉ gửi được khi kỳ đã kết thúc. "
            "Số liệu đang hiển thị là số liệu tính đến hiện tại.",
            f"Period {p.label} has not ended (it ends with {ends}): its report can be submitted once it has "
            "ended. The figures shown are as of now.")])
    return store.create("stat_report", {
        "period": p.label, "period_start": p.start, "period_end": p.end,
        # The configured name, else the one the province gave at enrollment.
        "station_name": settings.get("station.name") or settings.get("station.station_name") or "",
        "commune_code": settings.get("station.commune_code"),
        "figures": st.flat_figures(stats), "prepared_by": prepared_by, "approved_by": approved_by,
        "submitted_at": at, "submitted_by": officer, "note": note}, officer=officer)


def submitted_reports(conn: sqlite3.Connection, period: st.Period | None = None) -> list[dict[str, Any]]:
    """The reports this station holds (its own and, once synced, the commune's other stations'), newest first."""
    kind = get_kind("stat_report")
    where, args = ("AND period = ?", (period.label,)) if period else ("", ())
    rows = conn.execute(f"SELECT * FROM {kind.table} WHERE deleted = 0 {where} ORDER BY submitted_at DESC",
                        args).fetchall()
    return [from_db(kind, r) for r in rows]


@dataclass(frozen=True)
class Dashboard:
    """What the station head's dashboard shows, read in one go off the GUI thread."""

    current: st.StationStats
    previous: st.StationStats
    months: list[MonthRate]  # the 12 months ending with the period's last month
    overdue: list[OfficerOverdue]  # as of now
    settings: dict[str, str | None]  # station.* (name, commune) for the printed report
    reports: list[dict[str, Any]]  # reports of this period already submitted (newest first), with sync_state


def dashboard(conn: sqlite3.Connection, period: st.Period, now: datetime, *,
              hours: OfficeHours | None = None) -> Dashboard:
    last = st.Period.month(period.end.year, period.end.month)
    hours = hours or default_office_hours()
    current = period.counted_at(now, hours)  # a period not yet ended: figures as of now, pending counted now
    return Dashboard(station_stats(conn, current, hours=hours), station_stats(conn, period.previous(), hours=hours),
                     monthly_rates(conn, last, hours=hours), overdue_by_officer(conn, now, hours=hours),
                     read_settings(conn, "station."), submitted_reports(conn, period))


def report_by_id(conn: sqlite3.Connection, record_id: str) -> dict[str, Any] | None:
    kind = get_kind("stat_report")
    row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ? AND deleted = 0", (record_id,)).fetchone()
    return from_db(kind, row) if row else None
