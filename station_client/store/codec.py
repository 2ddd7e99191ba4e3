"""Conversion between record values (JSON-able Python) and SQLite column values, and canonical hashing."""

from __future__ import annotations

import json
from typing import Any

from ..domain.kinds import RecordKind
from ..wire import canonical_json as canonical_json  # the wire's formula, re-exported for the store's modules
from ..wire import record_content_hash

META_COLUMNS = ("id", "created_at", "updated_at", "updated_by", "version", "server_version", "deleted",
                "sync_state", "sync_note")


def to_db(kind: RecordKind, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        f = kind.by_name.get(name)
        if f is not None and value is not None:
            if f.type == "json":
                value = canonical_json(value)
            elif f.type == "bool":
                value = 1 if value else 0
        out[name] = value
    return out


def from_db(kind: RecordKind, row: Any) -> dict[str, Any]:
    """A record dict (kind fields plus metadata) from a ``sqlite3.Row``."""
    keys = row.keys()
    out: dict[str, Any] = {}
    for f in kind.fields:
        value = row[f.name] if f.name in keys else None
        if value is not None:
            if f.type == "json":
                value = json.loads(value)
            elif f.type == "bool":
                value = bool(value)
        out[f.name] = value
    for name in META_COLUMNS:
        if name in keys:
            out[name] = row[name]
    if "deleted" in out:
        out["deleted"] = bool(out["deleted"])
    return out


def fields_only(kind: RecordKind, record: dict[str, Any]) -> dict[str, Any]:
    return {name: record.get(name) for name in kind.field_names}


def record_hash(kind: RecordKind, record_id: str, fields: dict[str, Any], deleted: bool) -> str:
    """Hash of a record's content (not its sync metadata): what the audit chain vouches for."""
    return record_content_hash(kind, record_id, fields, deleted)  # the wire's formula: the province rebuilds it
