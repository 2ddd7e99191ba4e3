"""Schema 2: administrative procedure catalogue, calendar overrides, dossiers and the station's dossier counters."""

from __future__ import annotations

import sqlite3

from .common import record_table_v1

SQL = [
    # Reference kinds (province-owned, pulled by stations).
    record_table_v1("procedures", """
        key TEXT, national_code TEXT, name TEXT, name_en TEXT, field TEXT, duration TEXT, alt_durations TEXT,
        fee_in_person INTEGER, fee_online INTEGER, fee_note TEXT, documents TEXT, receipt_form TEXT,
        legal_basis TEXT, refusal_grounds TEXT, note TEXT, active INTEGER,
    """),
    "CREATE INDEX procedures_key ON procedures(key)",
    record_table_v1("calendar_overrides", """
        date TEXT, type TEXT, name TEXT, source TEXT,
    """),
    "CREATE INDEX calendar_overrides_date ON calendar_overrides(date)",
    # Dossiers. due_at is stored in office local time (ISO with +07:00), so its first 10 characters are the
    # local due date: the due-today / overdue lists are index range scans on (status, due_at).
    record_table_v1("dossiers", """
        code TEXT, receipt_no TEXT, lookup_code TEXT, procedure_key TEXT, procedure_name TEXT, receipt_form TEXT,
        applicant_person_id TEXT, applicant_name TEXT, applicant_personal_id TEXT, applicant_birth_date TEXT,
        applicant_permanent_address TEXT, applicant_temporary_address TEXT, applicant_current_address TEXT,
        applicant_phone TEXT, applicant_email TEXT, request_content TEXT, documents TEXT, sets INTEGER,
        channel TEXT, fee INTEGER, result_channel TEXT, result_place TEXT, status TEXT, received_at TEXT,
        duration TEXT, due_at TEXT, pauses TEXT, supplement_items TEXT, supplement_note TEXT, refusal_ground TEXT,
        refusal_reason TEXT, transferred_to TEXT, transferred_at TEXT, result_ready_at TEXT, returned_at TEXT,
        outcome TEXT, officer_name TEXT, print_count INTEGER, note TEXT,
    """),
    "CREATE INDEX dossiers_code ON dossiers(code)",
    "CREATE INDEX dossiers_lookup ON dossiers(lookup_code)",
    "CREATE INDEX dossiers_status_due ON dossiers(status, due_at)",
    "CREATE INDEX dossiers_received ON dossiers(received_at)",
    "CREATE INDEX dossiers_person ON dossiers(applicant_person_id)",
    # Per-station counters behind dossier codes and receipt serials (not synced: each station counts its own,
    # and its station code in the dossier code keeps codes unique across stations).
    "CREATE TABLE dossier_counters (scope TEXT PRIMARY KEY, value INTEGER NOT NULL)",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
