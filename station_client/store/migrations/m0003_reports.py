"""Schema 3: crime reports, petitions, mediation cases, administrative violations and deadline rules.

``due_at`` columns hold office local time (ISO with +07:00), so their first 10 characters are the local due
date: the due/overdue lists are range scans on ``(status, due_at)``. Registers list a year by
``(register_year, register_seq)``; register numbers are assigned per ``(register_year, station_code)`` inside
the write transaction (see ``store/reports.py``), which the ``*_register`` indexes make one index probe.
"""

from __future__ import annotations

import sqlite3

from .common import record_table_v1

SQL = [
    # Reference kind: the province's corrections of the shipped deadline rules.
    record_table_v1("deadline_rules", """
        key TEXT, subject TEXT, event TEXT, anchor TEXT, amount INTEGER, unit TEXT, vi TEXT, en TEXT,
        extension TEXT, max_extensions TEXT, legal_basis TEXT, confirmed INTEGER, note TEXT, active INTEGER,
    """),
    "CREATE INDEX deadline_rules_key ON deadline_rules(key)",
    record_table_v1("crime_reports", """
        register_no TEXT, register_year INTEGER, register_seq INTEGER, station_code TEXT, report_kind TEXT,
        channel TEXT, received_at TEXT, received_by TEXT, reporter_anonymous INTEGER, reporter_name TEXT,
        reporter_birth_year INTEGER, reporter_personal_id TEXT, reporter_address TEXT, reporter_phone TEXT,
        reporter_person_id TEXT, reporter_agency TEXT, parties TEXT, occurred_at TEXT, place TEXT, summary TEXT,
        offence TEXT, urgent INTEGER, urgency_reason TEXT, remote_commune INTEGER, rule_key TEXT, duration TEXT,
        due_at TEXT, status TEXT, checked_at TEXT, check_note TEXT, transferred_to TEXT, transferred_at TEXT,
        transfer_doc_no TEXT, outcome TEXT, admin_violation_id TEXT, handled_at TEXT, agency_decision TEXT,
        closed_at TEXT, close_reason TEXT, notices TEXT, note TEXT,
    """),
    "CREATE INDEX crime_reports_register ON crime_reports(register_year, station_code, register_seq)",
    "CREATE INDEX crime_reports_status_due ON crime_reports(status, due_at)",
    "CREATE INDEX crime_reports_received ON crime_reports(received_at)",
    "CREATE INDEX crime_reports_no ON crime_reports(register_no)",
    record_table_v1("petitions", """
        register_no TEXT, register_year INTEGER, register_seq INTEGER, station_code TEXT, petition_type TEXT,
        channel TEXT, received_at TEXT, received_by TEXT, petitioner_name TEXT, petitioner_personal_id TEXT,
        petitioner_address TEXT, petitioner_phone TEXT, petitioner_person_id TEXT, parties TEXT, subject TEXT,
        content TEXT, status TEXT, classify_due_at TEXT, classify_extended INTEGER, classified_at TEXT,
        classify_outcome TEXT, outside_competence INTEGER, forward_due_at TEXT, forwarded_to TEXT,
        forwarded_at TEXT, not_accepted_reason TEXT, accepted_at TEXT, complexity TEXT,
        resolve_extensions INTEGER, resolve_due_at TEXT, resolved_at TEXT, resolution TEXT, resolve_outcome TEXT,
        withdrawn_at TEXT, rule_key TEXT, due_at TEXT, note TEXT,
    """),
    "CREATE INDEX petitions_register ON petitions(register_year, station_code, register_seq)",
    "CREATE INDEX petitions_status_due ON petitions(status, due_at)",
    "CREATE INDEX petitions_received ON petitions(received_at)",
    "CREATE INDEX petitions_no ON petitions(register_no)",
    record_table_v1("mediation_cases", """
        register_no TEXT, register_year INTEGER, register_seq INTEGER, station_code TEXT, trigger_kind TEXT,
        dispute_type TEXT, received_at TEXT, received_by TEXT, referred_by TEXT, parties TEXT, place TEXT,
        summary TEXT, mediators TEXT, sessions TEXT, status TEXT, agreement TEXT, agreement_at TEXT,
        failure_reason TEXT, referred_to TEXT, follow_up_on TEXT, follow_ups TEXT, follow_up_status TEXT,
        closed_at TEXT, due_at TEXT, note TEXT,
    """),
    "CREATE INDEX mediation_cases_register ON mediation_cases(register_year, station_code, register_seq)",
    "CREATE INDEX mediation_cases_status_due ON mediation_cases(status, due_at)",
    "CREATE INDEX mediation_cases_received ON mediation_cases(received_at)",
    "CREATE INDEX mediation_cases_no ON mediation_cases(register_no)",
    record_table_v1("admin_violations", """
        register_no TEXT, register_year INTEGER, register_seq INTEGER, station_code TEXT, record_no TEXT,
        crime_report_id TEXT, violator_type TEXT, violator_name TEXT, violator_birth_year INTEGER,
        violator_personal_id TEXT, violator_address TEXT, violator_person_id TEXT, violation_at TEXT, place TEXT,
        violation TEXT, legal_basis TEXT, recorded_at TEXT, recorded_by TEXT, decision_rule TEXT,
        decision_due_at TEXT, items_held TEXT, held_at TEXT, items_due_at TEXT, items_released_at TEXT,
        items_outcome TEXT, decision_no TEXT, decision_at TEXT, decision_outcome TEXT, sanction TEXT,
        fine_amount INTEGER, additional_measures TEXT, fine_paid_at TEXT, fine_receipt_no TEXT, status TEXT,
        closed_at TEXT, close_reason TEXT, due_at TEXT, note TEXT,
    """),
    "CREATE INDEX admin_violations_register ON admin_violations(register_year, station_code, register_seq)",
    "CREATE INDEX admin_violations_status_due ON admin_violations(status, due_at)",
    "CREATE INDEX admin_violations_received ON admin_violations(recorded_at)",
    "CREATE INDEX admin_violations_no ON admin_violations(register_no)",
    "CREATE INDEX admin_violations_report ON admin_violations(crime_report_id)",
]


def apply(conn: sqlite3.Connection) -> None:
    for statement in SQL:
        conn.execute(statement)
