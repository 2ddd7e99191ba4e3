"""Schema 6: statistics. Dossiers resolved in a period are a range on result_ready_at; the pending snapshot at
a period's close reads received_at of those resolved after it from the same index (index-only), so a year's
figures never read the whole table (``store/statistics.py``)."""

from __future__ import annotations

import sqlite3

SQL = [
    "CREATE INDEX dossiers_result_ready ON dossiers(result_ready_at, received_at)",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
