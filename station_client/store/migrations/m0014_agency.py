"""Schema 14: the investigation agency's answer on a transferred crime report (issue 17, item 5;
``domain/agency.py``): its receipt, clocks, extension, the decision's ground, number, date and timeliness, and
the station's deadline to tell the reporter the outcome. The decision itself stays ``agency_decision``.

Additive: the province writes these fields and they reach the station by sync; older code never reads them."""

from __future__ import annotations

import sqlite3

COLUMNS = ("agency_received_at", "agency_officer", "agency_notice_due", "agency_decide_due", "agency_extension",
           "agency_extension_ground", "agency_extended_at", "agency_decision_ground", "agency_decision_no",
           "agency_decision_at", "agency_decision_timeliness", "outcome_notice_due")
SQL = [f"ALTER TABLE crime_reports ADD COLUMN {name} TEXT" for name in COLUMNS]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
