"""Schema 1: residents register, audit trail, sync outbox and state, conflicts, search index."""

from __future__ import annotations

import sqlite3

from .common import record_table_v1

SQL = [
    record_table_v1("persons", """
        full_name TEXT, birth_date TEXT, sex TEXT, personal_id TEXT, old_id TEXT, passport_no TEXT,
        nationality TEXT, ethnicity TEXT, religion TEXT, hometown TEXT, birth_place TEXT, occupation TEXT,
        phone TEXT, email TEXT, permanent_address TEXT, current_address TEXT, household_id TEXT, note TEXT,
        search_name TEXT, search_ids TEXT, search_addr TEXT,
    """),
    "CREATE INDEX persons_personal_id ON persons(personal_id)",
    "CREATE INDEX persons_old_id ON persons(old_id)",
    "CREATE INDEX persons_search_name ON persons(search_name)",
    "CREATE INDEX persons_household ON persons(household_id)",
    """CREATE VIRTUAL TABLE persons_fts USING fts5(
        search_name, search_ids, search_addr, content='persons', content_rowid='n',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')""",
    record_table_v1("households", """
        household_no TEXT, head_id TEXT, address TEXT, hamlet TEXT, note TEXT, search_addr TEXT,
    """),
    "CREATE INDEX households_head ON households(head_id)",
    "CREATE INDEX households_search_addr ON households(search_addr)",
    record_table_v1("household_members", """
        household_id TEXT, person_id TEXT, relationship TEXT, joined_on TEXT, left_on TEXT,
    """),
    "CREATE INDEX household_members_household ON household_members(household_id)",
    "CREATE INDEX household_members_person ON household_members(person_id)",
    record_table_v1("residences", """
        person_id TEXT, type TEXT, household_id TEXT, address TEXT, start_date TEXT, end_date TEXT,
        host_name TEXT, reason TEXT, note TEXT,
    """),
    "CREATE INDEX residences_person ON residences(person_id)",
    "CREATE INDEX residences_type_end ON residences(type, end_date)",
    # Audit: one row per write, field-level before/after, hash-chained (prev_hash -> hash) so that a
    # hand-edited row breaks the chain; record_hash is the record's state after the write.
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        officer TEXT NOT NULL,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'remote', 'resolve')),
        changes TEXT NOT NULL,
        change_id TEXT,
        record_hash TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX audit_record ON audit(kind, record_id)",
    # Outbox: what the sync engine ships. A row leaves 'pending' only when the province has answered.
    # sent_at is set (in the same transaction that reads the row) when a push starts, so a later local
    # edit never alters a change that may already be on the wire.
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        change_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
        base_version INTEGER NOT NULL,
        fields TEXT NOT NULL,
        resolves TEXT,
        created_at TEXT NOT NULL,
        officer TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'acked', 'rejected', 'conflict')),
        sent_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        acked_at TEXT,
        acked_epoch TEXT,
        result TEXT
    )""",
    "CREATE INDEX outbox_state ON outbox(state, seq)",
    "CREATE INDEX outbox_record ON outbox(kind, record_id)",
    # Key/value sync state: cursor, epoch, station identity, last success. Written with the data it covers.
    "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT)",
    # Conflicts reported by the province: both values kept until an officer resolves them.
    """CREATE TABLE conflicts (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        change_id TEXT,
        conflict_type TEXT NOT NULL,
        fields TEXT NOT NULL,
        server_version INTEGER NOT NULL,
        server_record TEXT,
        detected_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolving', 'resolved')),
        resolved_at TEXT,
        resolved_by TEXT
    )""",
    "CREATE INDEX conflicts_status ON conflicts(status)",
    # Station settings (not synced): name, codes, preferences.
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
