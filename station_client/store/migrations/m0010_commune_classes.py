"""Schema 10: the province's commune classification (``commune_class``, a reference kind: which communes are
remote, mountain or island communes — the 48-hour transfer rule follows it), and the reason a station head gave
for overriding it on one crime report (``crime_reports.remote_override_reason``)."""

from __future__ import annotations

import sqlite3

from .common import record_table_v1

SQL = [
    record_table_v1("commune_classes", "commune_code TEXT, commune_name TEXT, remote INTEGER, basis TEXT,"),
    "CREATE INDEX commune_classes_code ON commune_classes(commune_code)",
    "ALTER TABLE crime_reports ADD COLUMN remote_override_reason TEXT",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
