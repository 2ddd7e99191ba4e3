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
from datetime import datetime, timedelta
from typing import Any

from ..domain import crime_reports, dossiers, mediation, petitions, violations
from ..domain import statistics as st
from ..domain.deadlines import OfficeHours, default_office_hours
from .dossiers import list_procedures, work_calendar
from .reports import rule_set

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


def _register_rows(conn: sqlite3.Connection, table: str, received: str, events: tuple[str, ...],
                   open_statuses: tuple[str, ...], period: st.Period) -> list[dict[str, Any]]:
    """Rows received before the close that were received, finished or changed from the period's start on,
    or are still open (what a pending snapshot needs)."""
    lo, hi = _bounds(period)
    marks = ", ".join("?" * len(open_statuses))
    touched = " OR ".join(f"{c} >= ?" for c in (received, *events, "updated_at"))
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
    units = _units(conn)
    d = st.dossier_figures(dossier_rows(conn, period), period, work_calendar(conn),
                           fields={p.key: p.field for p in procedures}, names={p.key: p.name for p in procedures},
                           hours=hours)
    cr = st.crime_report_figures(
        _register_rows(conn, "crime_reports", "received_at", ("transferred_at", "handled_at", "closed_at"),
                       crime_reports.OPEN_STATUSES, period), period, hours=hours)
    pe = st.petition_figures(
        _register_rows(conn, "petitions", "received_at", ("classified_at", "resolved_at", "withdrawn_at"),
                       petitions.OPEN_STATUSES, period), period, units, hours=hours)
    me = st.mediation_figures(
        _register_rows(conn, "mediation_cases", "received_at", ("agreement_at", "closed_at"),
                       mediation.OPEN_STATUSES, period), period, hours=hours)
    vi = st.violation_figures(
        _register_rows(conn, "admin_violations", "recorded_at", ("decision_at", "fine_paid_at", "closed_at"),
                       violations.OPEN_STATUSES, period), period, units, hours=hours)
    return st.StationStats(period, d, cr, pe, me, vi)
