"""Schema 7 (security, issue 9): officer accounts the province issues, and account state for the head's list.

``officer_accounts`` is the table of the ``officer_account`` record kind (pulled from the province, never
written by the station). ``accounts.must_change`` makes an officer replace a reset or province-issued password
at the next login; ``accounts.issued_at`` is the province issue the local account was last taken from, so a
later re-issue is taken once and an officer's own new password is not overwritten by the old issue again.
"""

from __future__ import annotations

import sqlite3

from .common import record_table_v1

SQL = [
    record_table_v1("officer_accounts", """
        username TEXT, full_name TEXT, role TEXT, password_hash TEXT, active INTEGER, issued_at TEXT, note TEXT,
    """),
    "CREATE INDEX officer_accounts_username ON officer_accounts(username)",
    "ALTER TABLE accounts ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE accounts ADD COLUMN issued_at TEXT",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
