"""The one place that knows how a duplicate-person review item looks (issue 12, defect 5).

The oracle asks ``Reviews.covers(holder, personal_id, record_ids)``: does ``holder`` ("province" or a station
name) show a duplicate-person review item for these records? The province writes one ``duplicate_person`` record
per (commune, personal ID) held by two live persons, in the ``records`` table, and every station of the commune
pulls it into ``duplicate_persons`` (docs/sync-protocol.md, "Duplicate persons"). An item covers the records when it
names the personal ID or every one of the record ids (open, or merged by an officer).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


def _item_text(personal_id: object, person_ids: object, status: object) -> str:
    ids = person_ids if isinstance(person_ids, list) else json.loads(str(person_ids or "[]"))
    return " ".join([str(personal_id or ""), str(status or ""), *map(str, ids)])


def _province_items(db_url: str) -> list[str]:
    """Each review item's text, as the province holds it."""
    from sqlalchemy import select

    from province_server import schema
    from province_server.db import Database

    db = Database(db_url, pool_size=1)
    r = schema.records
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(select(r.c.fields).where(r.c.kind == "duplicate_person", r.c.deleted.is_(False)))
            out = []
            for (fields,) in rows:
                f = json.loads(fields) if isinstance(fields, str) else dict(fields or {})
                out.append(_item_text(f.get("personal_id"), f.get("person_ids") or [], f.get("status")))
            return out
    finally:
        db.dispose()


def _station_items(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return [_item_text(*row) for row in conn.execute(
            "SELECT personal_id, person_ids, status FROM duplicate_persons WHERE deleted = 0")]
    finally:
        conn.close()


@dataclass
class Reviews:
    items: dict[str, list[str]] = field(default_factory=dict)  # holder -> item texts

    @classmethod
    def read(cls, province_db_url: str, stations: dict[str, Path]) -> Reviews:
        items = {"province": _province_items(province_db_url)}
        for name, db in stations.items():
            items[name] = _station_items(db)
        return cls(items)

    def covers(self, holder: str, personal_id: str, record_ids: list[str]) -> bool:
        texts = self.items.get(holder, [])
        return any(personal_id in text or all(r in text for r in record_ids) for text in texts)
