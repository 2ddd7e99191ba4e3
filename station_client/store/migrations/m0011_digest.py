"""Schema 11: the divergence digest (scheme 2) kept incrementally.

``digest_terms`` holds the term each synced record currently contributes (its bucket and 64-bit term as hex),
``digest_buckets`` the per-bucket count and sum, and ``digest_dirty`` the records written since the sums were last
brought up to date — filled by triggers, so the sums follow every write without rehashing the whole store. Every
record the province already knows is marked dirty once here; the first digest after the upgrade hashes them."""

from __future__ import annotations

import sqlite3

from .common import digest_triggers_v1

# The commune kinds' tables at this schema version (kind, table). A kind added later adds its triggers in its own
# migration (``common.digest_triggers_v1``).
TABLES = (
    ("person", "persons"), ("household", "households"), ("household_member", "household_members"),
    ("residence", "residences"), ("dossier", "dossiers"), ("crime_report", "crime_reports"),
    ("petition", "petitions"), ("mediation_case", "mediation_cases"), ("admin_violation", "admin_violations"),
    ("stat_report", "stat_reports"), ("officer_account", "officer_accounts"),
)

SQL = [
    "CREATE TABLE digest_terms (kind TEXT NOT NULL, record_id TEXT NOT NULL, bucket INTEGER NOT NULL, "
    "term TEXT NOT NULL, PRIMARY KEY (kind, record_id)) WITHOUT ROWID",
    "CREATE INDEX digest_terms_bucket ON digest_terms(bucket)",
    "CREATE TABLE digest_buckets (bucket INTEGER PRIMARY KEY, count INTEGER NOT NULL, sum TEXT NOT NULL)",
    "CREATE TABLE digest_dirty (kind TEXT NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (kind, record_id)) "
    "WITHOUT ROWID",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
    for kind, table in TABLES:
        for statement in digest_triggers_v1(kind, table):
            conn.execute(statement)
        conn.execute(f"INSERT INTO digest_dirty(kind, record_id) SELECT '{kind}', id FROM {table} "
                     "WHERE server_version > 0")
