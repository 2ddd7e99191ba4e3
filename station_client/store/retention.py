"""Retention of closed cases in the station file: list the cases past the period (dry run) and redact them
through the one write path (audited, synced). The rules are in ``domain/retention.py``."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from ..clock import office_today
from ..domain import permissions
from ..domain import retention as rules
from ..domain.problems import ValidationError
from ..domain.registry import get_kind
from .codec import from_db
from .store import Store


@dataclass(frozen=True)
class DueCase:
    kind: str
    record_id: str
    register_no: str | None
    closed_on: date
    fields: tuple[str, ...]  # what would be redacted


@dataclass
class RetentionResult:
    redacted: list[DueCase]
    failed: list[tuple[DueCase, ValidationError]]


def configured_years(store: Store) -> int:
    """The station's retention period in years; 0 (the default) keeps everything."""
    try:
        return max(0, int(store.get_setting(rules.SETTING) or 0))
    except ValueError:
        return 0


def due_cases(conn: sqlite3.Connection, years: int, today: date | None = None) -> list[DueCase]:
    """Closed cases past ``years`` that still hold personal details, oldest first. Reads closed rows only."""
    if years <= 0:
        return []
    today = today or office_today()
    out: list[DueCase] = []
    for kind_name, policy in rules.POLICIES.items():
        kind = get_kind(kind_name)
        marks = ", ".join("?" * len(policy.closed_statuses))
        for row in conn.execute(f"SELECT * FROM {kind.table} WHERE deleted = 0 AND status IN ({marks})",
                                policy.closed_statuses):
            record = from_db(kind, row)
            if not rules.is_due(kind_name, record, today, years):
                continue
            changes = rules.redaction(kind_name, record)
            closed = rules.closed_on(policy, record)
            if changes and closed is not None:
                out.append(DueCase(kind_name, record["id"], record.get("register_no"), closed, tuple(changes)))
    return sorted(out, key=lambda d: (d.closed_on, d.kind, d.register_no or ""))


def apply(store: Store, *, officer: str | None = None, years: int | None = None,
          today: date | None = None) -> RetentionResult:
    """Redact every due case as the logged-in officer (``officer``, if given, must be them; the station head:
    refused otherwise). Each case is its own
    savepoint: a case the current rules find invalid is reported and left as it was, the others go on."""
    store.authorize(permissions.RETENTION_PURGE, officer)
    years = configured_years(store) if years is None else years
    result = RetentionResult([], [])
    with store.transaction():
        for case in due_cases(store.conn, years, today):
            record = store.get(case.kind, case.record_id)
            if record is None:
                continue
            try:
                with store.transaction():
                    store.update(case.kind, case.record_id, rules.redaction(case.kind, record), officer=officer)
            except ValidationError as exc:
                result.failed.append((case, exc))
                continue
            result.redacted.append(case)
    return result
