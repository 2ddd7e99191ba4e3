"""Diacritics-folding search over residents and households.

The store keeps folded copies of the searchable text in ``search_*`` columns (filled by the write path, never
by triggers: folding needs Python, and đ → d is not something SQLite's ``remove_diacritics`` does) and an
external-content FTS5 index over them keyed by the stable row number ``n``.

Ranking, best first: exact ID number; ID number starting with the digits typed (B-tree range); full name
starting with the query (B-tree range on ``search_name``); then every word of the query prefixing a word of
the name, ID numbers or address (FTS5, no ORDER BY so it stops after ``limit`` hits even for "nguyen" at a
million residents).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..domain.text import fold, fold_tokens

MIN_ID_FRAGMENT = 4


def id_tokens(*numbers: str | None) -> str:
    """ID numbers and every suffix of at least 4 digits, so an FTS prefix query finds any part of a number."""
    tokens: list[str] = []
    for number in numbers:
        if not number:
            continue
        n = fold(number).replace(" ", "")
        tokens.extend(n[i:] for i in range(0, max(1, len(n) - MIN_ID_FRAGMENT + 1)))
    return " ".join(dict.fromkeys(tokens))


def person_search_columns(record: dict[str, Any], household_address: str | None) -> dict[str, str]:
    addresses = [record.get("permanent_address"), record.get("current_address"), household_address]
    return {
        "search_name": fold(record.get("full_name") or ""),
        "search_ids": id_tokens(record.get("personal_id"), record.get("old_id"), record.get("passport_no")),
        "search_addr": fold(" ".join(dict.fromkeys(a for a in addresses if a))),
    }


def household_search_addr(record: dict[str, Any]) -> str:
    return fold(" ".join(p for p in (record.get("household_no"), record.get("address"), record.get("hamlet")) if p))


def fts_remove(conn: sqlite3.Connection, n: int, old: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO persons_fts(persons_fts, rowid, search_name, search_ids, search_addr) "
        "VALUES ('delete', ?, ?, ?, ?)",
        (n, old.get("search_name") or "", old.get("search_ids") or "", old.get("search_addr") or ""))


def fts_add(conn: sqlite3.Connection, n: int, cols: dict[str, str]) -> None:
    conn.execute("INSERT INTO persons_fts(rowid, search_name, search_ids, search_addr) VALUES (?, ?, ?, ?)",
                 (n, cols["search_name"], cols["search_ids"], cols["search_addr"]))


def reindex_household_members(conn: sqlite3.Connection, household_id: str, address: str | None) -> None:
    """A household's address changed: refresh the address part of its live members' index entries."""
    rows = conn.execute(
        "SELECT n, full_name, personal_id, old_id, passport_no, permanent_address, current_address, "
        "search_name, search_ids, search_addr FROM persons WHERE household_id = ? AND deleted = 0",
        (household_id,)).fetchall()
    for row in rows:
        cols = person_search_columns(dict(row), address)
        if cols["search_addr"] == row["search_addr"]:
            continue
        fts_remove(conn, row["n"], dict(row))
        conn.execute("UPDATE persons SET search_addr = ? WHERE n = ?", (cols["search_addr"], row["n"]))
        fts_add(conn, row["n"], cols)


@dataclass(frozen=True)
class PersonHit:
    id: str
    n: int
    full_name: str
    birth_date: str | None
    sex: str | None
    personal_id: str | None
    permanent_address: str | None
    match: str  # "id", "id_prefix", "name_prefix", "name_words", "words"
    sync_state: str | None = None  # as the full list shows it (search results dropped that column)


_HIT_COLUMNS = "p.id, p.n, p.full_name, p.birth_date, p.sex, p.personal_id, p.permanent_address, p.sync_state"
_FTS_SAFE = re.compile(r"[^0-9a-z]")


def _hits(rows: Iterable[sqlite3.Row], match: str) -> list[PersonHit]:
    return [PersonHit(r["id"], r["n"], r["full_name"], r["birth_date"], r["sex"], r["personal_id"],
                      r["permanent_address"], match, r["sync_state"]) for r in rows]


def search_persons(conn: sqlite3.Connection, query: str, limit: int = 50) -> list[PersonHit]:
    """Find live persons for what an officer typed: a name with or without diacritics, part of a name,
    part of an ID number, or part of an address."""
    folded = fold(query)
    tokens = fold_tokens(query)
    if not tokens:
        return []
    results: list[PersonHit] = []
    seen: set[str] = set()

    def add(hits: list[PersonHit]) -> None:
        for h in hits:
            if h.id not in seen and len(results) < limit:
                seen.add(h.id)
                results.append(h)

    compact = folded.replace(" ", "").replace(".", "")
    if compact.isdigit():
        add(_hits(conn.execute(
            f"SELECT {_HIT_COLUMNS} FROM persons p WHERE (p.personal_id = ? OR p.old_id = ?) AND p.deleted = 0 "
            "LIMIT ?", (compact, compact, limit)).fetchall(), "id"))
        # The start of an ID number: a B-tree range. FTS finds fragments anywhere in a number too, but a
        # 4-digit prefix like "0220" (province + century) is beyond the prefix index and matches thousands of
        # distinct fragment terms, which FTS would merge before returning its first row.
        if len(results) < limit:
            add(_hits(conn.execute(
                f"SELECT {_HIT_COLUMNS} FROM persons p WHERE p.personal_id > ? AND p.personal_id < ? "
                "AND p.deleted = 0 ORDER BY p.personal_id LIMIT ?", (compact, compact + ":", limit)).fetchall(),
                "id_prefix"))
    else:
        upper = folded + "\uffff"
        add(_hits(conn.execute(
            f"SELECT {_HIT_COLUMNS} FROM persons p WHERE p.search_name >= ? AND p.search_name < ? "
            "AND p.deleted = 0 ORDER BY p.search_name LIMIT ?", (folded, upper, limit)).fetchall(), "name_prefix"))
    words = " AND ".join(f'"{w}"*' for w in (_FTS_SAFE.sub("", t) for t in tokens) if w)
    if words:
        # Words of the name first, then the same words anywhere (ID fragments, addresses). Names hold no digits,
        # so a digits-only query skips the name pass: FTS would still merge the doclists of every ID fragment
        # starting with those digits (most of the commune for "0220") only to filter them all out by column.
        passes = [(words, "words")]
        if not all(t.isdigit() for t in tokens):
            passes.insert(0, (f"search_name : ({words})", "name_words"))
        for match, label in passes:
            if len(results) >= limit:
                break
            add(_hits(conn.execute(
                f"SELECT {_HIT_COLUMNS} FROM persons_fts f JOIN persons p ON p.n = f.rowid "
                "WHERE persons_fts MATCH ? AND p.deleted = 0 LIMIT ?", (match, limit + len(seen))).fetchall(),
                label))
    return results
