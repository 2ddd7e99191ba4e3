"""The one place that knows how a duplicate-person review item looks (issue 12, defect 5).

The oracle asks ``Reviews.covers(holder, personal_id, record_ids)``: does ``holder`` ("province" or a station
name) show a duplicate-person review item for these records? The feature is being built on another branch; until
it lands nothing is found and every personal ID held twice fails the ``duplicates`` condition, as it should.

To turn the real check on at merge time, replace ``_province_items`` / ``_station_items`` with reads of the real
tables or endpoints. Until then they look, generically, for a table whose name mentions "review" or "duplicate"
and count an item as covering the records when one row mentions the personal ID or every record id.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


def _rows_text(rows: list[tuple[object, ...]]) -> list[str]:
    return [" ".join("" if v is None else str(v) for v in row) for row in rows]


def _province_items(db_url: str) -> list[str]:
    """Each review item's text, as the province holds it."""
    from sqlalchemy import inspect, text

    from province_server.db import Database

    db = Database(db_url, pool_size=1)
    engine = db.engine
    try:
        names = [n for n in inspect(engine).get_table_names() if "review" in n.lower() or "duplicate" in n.lower()]
        out: list[str] = []
        with engine.connect() as conn:
            for name in names:
                out += _rows_text([tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}"'))])
        return out
    finally:
        db.dispose()


def _station_items(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if "review" in r[0].lower() or "duplicate" in r[0].lower()]
        out: list[str] = []
        for name in names:
            out += _rows_text(conn.execute(f'SELECT * FROM "{name}"').fetchall())
        return out
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
