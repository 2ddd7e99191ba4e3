"""Schema 12: the same person recorded twice in one commune — the province's review items
(``duplicate_person``, pulled) and the station's merge records (``person_merge``), domain/duplicates.py. Both are
commune kinds, so they count in the divergence digest (triggers as in schema 11)."""

from __future__ import annotations

import sqlite3

from .common import digest_triggers_v1, record_table_v1

SQL = [
    record_table_v1("duplicate_persons", """
        personal_id TEXT, person_ids TEXT, status TEXT, kept_id TEXT, merged_ids TEXT, detected_at TEXT,
        resolved_at TEXT, note TEXT,
    """),
    "CREATE INDEX duplicate_persons_status ON duplicate_persons(status, personal_id)",
    record_table_v1("person_merges", """
        review_id TEXT, personal_id TEXT, kept_id TEXT, merged_id TEXT, merged_record TEXT, differing TEXT,
        moved_refs TEXT, merged_at TEXT, merged_by TEXT,
    """),
    "CREATE INDEX person_merges_merged ON person_merges(merged_id)",
    "CREATE INDEX person_merges_kept ON person_merges(kept_id)",
    *digest_triggers_v1("duplicate_person", "duplicate_persons"),
    *digest_triggers_v1("person_merge", "person_merges"),
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
