"""Retention of closed cases: which closed crime reports, petitions and mediation cases are past the station's
retention period, and what their personal details become. No Qt, no SQL.

The record itself stays (its register number, dates, kind, outcome: the station's registers and statistics
still count it); the people in it are redacted — names replaced by a marker, ID numbers, birth years,
addresses, phones and links to residents emptied, free text that may name people replaced. The change goes
through the normal write path (``store/retention.py``), so it is audited and syncs to the province like any
edit. Redacting is the station head's decision (``permissions.RETENTION_PURGE``) and the period is a station
setting (``SETTING``, 0 or unset = keep everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

SETTING = "retention.closed_years"
REDACTED = "[Đã xóa theo thời hạn lưu giữ]"


@dataclass(frozen=True)
class Policy:
    kind: str
    closed_statuses: tuple[str, ...]
    closed_at_fields: tuple[str, ...]  # the first one set is when the case closed
    names: tuple[str, ...]  # text fields that name a person: replaced by REDACTED when set (some are required)
    emptied: tuple[str, ...]  # personal details: emptied
    free_text: tuple[str, ...]  # text that may name people: replaced by REDACTED when set
    lists: tuple[str, ...]  # json lists of people or events: each item reduced (see _reduce)


POLICIES: dict[str, Policy] = {p.kind: p for p in (
    Policy("crime_report", ("closed",), ("closed_at",),
           names=("reporter_name",),
           emptied=("reporter_birth_year", "reporter_personal_id", "reporter_address", "reporter_phone",
                    "reporter_person_id"),
           free_text=("summary", "check_note", "note"),
           lists=("parties", "notices")),
    Policy("petition", ("forwarded", "not_accepted", "resolved", "withdrawn"),
           ("resolved_at", "withdrawn_at", "forwarded_at", "classified_at"),
           names=("petitioner_name",),
           emptied=("petitioner_personal_id", "petitioner_address", "petitioner_phone", "petitioner_person_id"),
           free_text=("content", "subject", "resolution", "note"),
           lists=("parties",)),
    Policy("mediation_case", ("closed",), ("closed_at",),
           names=(),
           emptied=(),
           free_text=("summary", "agreement", "failure_reason", "note"),
           lists=("parties", "sessions", "follow_ups")),
)}

# In a list item: what names a person (kept, as the marker: a party needs a name) and what describes an event
# (kept: when it happened, its kind); everything else in the item goes.
_ITEM_NAMES = ("name",)
_ITEM_KEEP = ("role", "at", "date", "on", "kind", "result", "status", "outcome")


def closed_on(policy: Policy, record: dict[str, Any]) -> date | None:
    if record.get("status") not in policy.closed_statuses:
        return None
    for f in policy.closed_at_fields:
        value = record.get(f)
        if value:
            return datetime.fromisoformat(str(value)).date()
    return None


def cutoff(today: date, years: int) -> date:
    """The day before which a case closed is past the period (29 February counts as 28 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def is_due(kind: str, record: dict[str, Any], today: date, years: int) -> bool:
    policy = POLICIES.get(kind)
    if policy is None or years <= 0:
        return False
    closed = closed_on(policy, record)
    return closed is not None and closed < cutoff(today, years)


def _reduce(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = {k: v for k, v in item.items() if k in _ITEM_KEEP}
    for k in _ITEM_NAMES:
        if item.get(k):
            out[k] = REDACTED
    for k in ("content", "note", "notes", "summary"):
        if item.get(k):
            out[k] = REDACTED
    return out


def redaction(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The changes that redact ``record`` (only fields that would change: an already redacted case gives {})."""
    policy = POLICIES[kind]
    changes: dict[str, Any] = {}
    for f in (*policy.names, *policy.free_text):
        if record.get(f) not in (None, "", REDACTED):
            changes[f] = REDACTED
    for f in policy.emptied:
        if record.get(f) not in (None, ""):
            changes[f] = None
    for f in policy.lists:
        items = record.get(f)
        if isinstance(items, list):
            reduced = [_reduce(i) for i in items]
            if reduced != items:
                changes[f] = reduced
    return changes
