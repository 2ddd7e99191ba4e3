"""Schema 15: the investigation agency's notice of intake to the procuracy and the reporter (issue 17, item 5;
``domain/agency.py``): the date it was given and whether it was on time against ``agency_notice_due`` (3 working
days from receipt).

Additive: the province writes these fields and they reach the station by sync; older code never reads them."""

from __future__ import annotations

import sqlite3

COLUMNS = ("agency_notice_at", "agency_notice_timeliness")
SQL = [f"ALTER TABLE crime_reports ADD COLUMN {name} TEXT" for name in COLUMNS]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
