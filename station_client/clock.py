"""Wall-clock helpers. Timestamps are for people and audits only: sync never orders by them."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def now_iso() -> str:
    """UTC, millisecond precision, 'Z' suffix: sortable as text."""
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
