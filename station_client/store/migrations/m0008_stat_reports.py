"""Schema 8: period reports submitted to the province (``stat_report``, ``domain/stat_reports.py``). A few
rows a month; listed by period, newest submission first. (7 is reserved for the security work.)"""

from __future__ import annotations

import sqlite3

from .common import record_table_v1

SQL = [
    record_table_v1("stat_reports", """
        period TEXT, period_start TEXT, period_end TEXT, station_name TEXT, commune_code TEXT, figures TEXT,
        prepared_by TEXT, approved_by TEXT, submitted_at TEXT, submitted_by TEXT, note TEXT,
    """),
    "CREATE INDEX stat_reports_period ON stat_reports(period, submitted_at)",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
