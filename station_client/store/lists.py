"""Read-only queries behind the app's list and detail views (plain sqlite3 on a reader connection, no Qt).

Big lists are windowed by the stable row number ``n``: rows are never removed (a delete sets ``deleted = 1``),
so ``n`` runs 1..max(n) and the i-th live row is found from the short sorted list of deleted ``n`` (a partial
index keeps that list cheap, migration 4). No query here reads a whole table.
"""

from __future__ import annotations

import bisect
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from ..domain.registry import get_kind
from .codec import from_db

LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("n", "id", "full_name", "birth_date", "sex", "personal_id", "permanent_address", "sync_state"),
    "households": ("n", "id", "household_no", "address", "hamlet", "head_id", "sync_state"),
}


@dataclass(frozen=True)
class ListShape:
    """How many rows a list has and where its gaps are."""

    max_n: int
    deleted: list[int] = field(default_factory=list)  # sorted

    @property
    def rows(self) -> int:
        return self.max_n - len(self.deleted)

    def n_of_row(self, row: int) -> int:
        """The ``n`` of the ``row``-th live record (0-based)."""
        n = row + 1
        while True:
            k = bisect.bisect_right(self.deleted, n)
            target = row + 1 + k
            if target == n:
                if k and self.deleted[k - 1] == n:  # landed on a gap: step past it
                    n += 1
                    continue
                return n
            n = target


def list_shape(conn: sqlite3.Connection, table: str) -> ListShape:
    _check(table)
    max_n = conn.execute(f"SELECT coalesce(max(n), 0) FROM {table}").fetchone()[0]
    deleted = [r[0] for r in conn.execute(f"SELECT n FROM {table} WHERE deleted = 1 ORDER BY n")]
    return ListShape(int(max_n), deleted)


def fetch_window(conn: sqlite3.Connection, table: str, start_n: int, limit: int) -> list[sqlite3.Row]:
    """Up to ``limit`` live rows from ``start_n`` on, in ``n`` order, list columns only."""
    cols = ", ".join(_check(table))
    return conn.execute(f"SELECT {cols} FROM {table} WHERE n >= ? AND deleted = 0 ORDER BY n LIMIT ?",
                        (start_n, limit)).fetchall()


def _check(table: str) -> tuple[str, ...]:
    try:
        return LIST_COLUMNS[table]
    except KeyError:
        raise ValueError(f"no list view for {table}") from None


def get_record(conn: sqlite3.Connection, kind_name: str, record_id: str) -> dict[str, Any] | None:
    kind = get_kind(kind_name)
    row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ? AND deleted = 0", (record_id,)).fetchone()
    return from_db(kind, row) if row else None


def household_members(conn: sqlite3.Connection, household_id: str) -> list[dict[str, Any]]:
    """Members with their person's name and ID, current members first."""
    rows = conn.execute(
        "SELECT m.id, m.person_id, m.relationship, m.joined_on, m.left_on, p.full_name, p.birth_date, "
        "p.personal_id FROM household_members m LEFT JOIN persons p ON p.id = m.person_id "
        "WHERE m.household_id = ? AND m.deleted = 0 ORDER BY m.left_on IS NOT NULL, m.relationship != 'head', "
        "p.birth_date", (household_id,)).fetchall()
    return [dict(r) for r in rows]


def memberships_of(conn: sqlite3.Connection, person_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT m.id, m.household_id, m.relationship, m.joined_on, m.left_on, h.household_no, h.address, h.hamlet "
        "FROM household_members m LEFT JOIN households h ON h.id = m.household_id "
        "WHERE m.person_id = ? AND m.deleted = 0 ORDER BY m.joined_on DESC", (person_id,)).fetchall()
    return [dict(r) for r in rows]


def residences_of(conn: sqlite3.Connection, person_id: str) -> list[dict[str, Any]]:
    kind = get_kind("residence")
    rows = conn.execute("SELECT * FROM residences WHERE person_id = ? AND deleted = 0 ORDER BY start_date DESC",
                        (person_id,)).fetchall()
    return [from_db(kind, r) for r in rows]


def person_names(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return {r[0]: r[1] for r in conn.execute(f"SELECT id, full_name FROM persons WHERE id IN ({marks})", ids)}


def search_households(conn: sqlite3.Connection, query: str, limit: int = 100) -> list[dict[str, Any]]:
    """Live households whose number, address or hamlet contain every word typed (diacritics folded).

    A household number typed in full is an index lookup; otherwise every word must appear in the folded
    ``search_addr`` (a scan of one short column, off the GUI thread: ~a quarter-million households at most).
    """
    from ..domain.text import fold_tokens

    tokens = fold_tokens(query)
    if not tokens:
        return []
    cols = ", ".join(LIST_COLUMNS["households"])
    exact = conn.execute(f"SELECT {cols} FROM households WHERE household_no = ? AND deleted = 0 LIMIT ?",
                         (query.strip().upper(), limit)).fetchall()
    where = " AND ".join("search_addr LIKE ?" for _ in tokens)
    rows = conn.execute(f"SELECT {cols} FROM households WHERE {where} AND deleted = 0 ORDER BY n LIMIT ?",
                        (*[f"%{t}%" for t in tokens], limit)).fetchall()
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for r in [*exact, *rows]:
        if r["id"] not in seen:
            seen.add(r["id"])
            out.append(dict(r))
    return out[:limit]


def rejected_records(conn: sqlite3.Connection, limit: int = 200) -> list[dict[str, Any]]:
    """Records the province refused, with its reason (``sync_note``), for the Sync page. Reads each commune kind's
    table for ``sync_state = 'rejected'``; the page asks only when the sync status counts some."""
    from ..domain.registry import KINDS

    out: list[dict[str, Any]] = []
    for kind in KINDS.values():
        if kind.scope != "commune" or len(out) >= limit:
            continue
        label = next((f for f in ("full_name", "title", "address", "household_no") if f in kind.by_name), None)
        label_sql = label if label else "NULL"
        rows = conn.execute(f"SELECT id, {label_sql} AS label, sync_note, updated_at FROM {kind.table} "
                            "WHERE sync_state = 'rejected' AND deleted = 0 LIMIT ?", (limit - len(out),)).fetchall()
        out.extend({"kind": kind.name, "kind_vi": kind.vi, "kind_en": kind.en, "id": r["id"], "label": r["label"],
                    "note": r["sync_note"], "updated_at": r["updated_at"]} for r in rows)
    out.extend(set_aside_records(conn))
    return out


def set_aside_records(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The province's record states this station set aside because they could not be applied (invalid text, a
    malformed entry; ``sync_ops.FEED_SET_ASIDE``), with the reason in both languages, for the same list."""
    import json

    from ..domain.registry import KINDS

    row = conn.execute("SELECT value FROM sync_state WHERE key = 'feed.set_aside'").fetchone()
    try:
        items = json.loads(row[0]) if row else []
    except ValueError:
        items = []
    out: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = KINDS.get(str(item.get("kind")))
        out.append({"kind": item.get("kind"), "kind_vi": kind.vi if kind else str(item.get("kind")),
                    "kind_en": kind.en if kind else str(item.get("kind")), "id": str(item.get("id")), "label": None,
                    "note": f"{item.get('vi')} / {item.get('en')}", "updated_at": item.get("at"), "set_aside": True})
    return out
