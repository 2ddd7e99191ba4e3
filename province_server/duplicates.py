"""Duplicate persons: the same personal ID held by two live person records of one commune.

Two stations of a commune can each record the same resident while offline. The province keeps both (each
station's record is real work) and, in the transaction that applies the second, writes a **review item**: a
``duplicate_person`` record (a commune kind only the province writes, station_client/domain/duplicates.py) whose
id is fixed by (commune, personal ID), so every station of the commune pulls it and sees the same item. An
officer merges at a station: the ``person_merge`` record it pushes, and the merged-away person's deletion, close
the item (``merged``); an item whose persons stop sharing the ID without a merge is ``closed``; a new duplicate of
the same ID reopens it. See docs/sync-protocol.md, "Duplicate persons".

This module decides; it never writes a record. ``after_apply`` and ``scan_changes`` return the review items'
changes and the caller applies them as the province (``exchange._flush``, ``ops.scan_duplicates``), so the
exchange imports this module and never the other way round.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Boolean, Connection, String, and_, bindparam, cast, func, literal, null, or_, select, union_all

from . import schema
from .db import ready_db
from .models import ChangeIn
from .rows import AnyOf, fetch

# Review items' changes by commune: what the caller applies as the province, one batch per commune.
ReviewChanges = dict[str, list[ChangeIn]]


class Written(Protocol):
    """What this module reads of a record the exchange has just written (``exchange.RecState``)."""

    kind: str
    id: str
    commune_code: str
    deleted: bool
    fields: dict[str, Any]
    in_db: bool
    db_fields: dict[str, Any] | None  # the live state's fields before the batch (None: absent or deleted)

NAMESPACE = uuid.UUID("5b0d2c1e-8f43-4c55-9a7e-0d1f6c2a9e11")  # fixed: review ids must be the same forever
_NAMESPACE_BYTES = NAMESPACE.bytes
MAX_PID = 64


def review_id(commune: str, personal_id: str) -> str:
    """The review item's id for a personal ID in a commune (the same at every station and after a restore):
    ``str(uuid.uuid5(NAMESPACE, "commune:personal_id"))``, spelled out. It runs for every person a push writes, and
    ``uuid.UUID``'s checks and formatting cost several times the SHA-1 (py-spy: 3 % of a sync's CPU)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{commune}:{personal_id}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _pid(fields: dict[str, Any]) -> str | None:
    pid = fields.get("personal_id")
    return pid if isinstance(pid, str) and 0 < len(pid) <= MAX_PID else None


def indexed_id(kind: str, deleted: bool, fields: dict[str, Any]) -> str | None:
    """What a record's ``person_id`` column holds (migration 0011): a live person's personal ID, the key duplicates
    are found by; None for anything else. Every write of a record sets it (``exchange._flush``)."""
    return _pid(fields) if kind == "person" and not deleted else None


def after_apply(conn: Connection, dirty: Sequence[Written], now: str) -> ReviewChanges:
    """Called by the exchange once a batch's records are written (same transaction): return the changes that open,
    update or close the review items the batch concerns (the exchange applies them). The persons' index is the
    records' own (migration 0011), already in step; one statement per batch reads what it holds."""
    persons = [st for st in dirty if st.kind == "person" and st.commune_code]
    merges = [st for st in dirty if st.kind == "person_merge" and st.commune_code and not st.deleted]
    if not persons and not merges:
        return {}
    touched: dict[str, tuple[str, str]] = {}
    for st in persons:
        # The ID it held before the batch (its item may close) and the one it holds now (its item may open).
        for fields in (st.db_fields, None if st.deleted else st.fields):
            pid = _pid(fields) if fields is not None else None
            if pid is not None:
                touched[review_id(st.commune_code, pid)] = (st.commune_code, pid)
    merged: dict[str, list[tuple[Any, Any]]] = {}
    for st in merges:
        pid = _pid(st.fields)
        rid = st.fields.get("review_id") or (review_id(st.commune_code, pid) if pid else None)
        if not isinstance(rid, str) or pid is None:
            continue
        merged.setdefault(rid, []).append((st.fields.get("kept_id"), st.fields.get("merged_id")))
        touched.setdefault(rid, (st.commune_code, pid))
    return _review(conn, touched, merged, now)


def _review(conn: Connection, touched: dict[str, tuple[str, str]], merged: dict[str, list[tuple[Any, Any]]],
            now: str) -> ReviewChanges:

    live, items = _read_review_state(conn, touched)
    changes: ReviewChanges = {}
    for rid, (commune, pid) in sorted(touched.items()):
        ids = sorted(live.get((commune, pid), []))
        item = items.get(rid)
        if item is None and len(ids) < 2:
            continue
        old: dict[str, Any] = dict(item[1]) if item is not None else {}
        new = dict(old)
        new["personal_id"] = pid
        for kept, gone in merged.get(rid, []):
            new["kept_id"] = kept
            new["merged_ids"] = sorted({*(new.get("merged_ids") or []), gone} - {None})
        if len(ids) >= 2:
            if new.get("status") != "open":
                new["detected_at"] = now  # a new duplicate, or a new one of an ID already reviewed
                new["resolved_at"] = None
            new["status"] = "open"
            new["person_ids"] = ids
        elif new.get("status") == "open" or merged.get(rid):
            new["status"] = "merged" if new.get("merged_ids") else "closed"
            new["resolved_at"] = now
        if item is not None and not item[0] and new == old:
            continue
        changes.setdefault(commune, []).append(ChangeIn(
            change_id=f"province-dup-{uuid.uuid4()}", kind="duplicate_person", id=rid, op="upsert", base_version=0,
            fields=new, resolves=None))
    return changes


def _read_review_state(conn: Connection, touched: dict[str, tuple[str, str]]
                       ) -> tuple[dict[tuple[str, str], list[str]], dict[str, tuple[bool, dict[str, Any]]]]:
    """The live persons holding each touched (commune, personal ID), and the review items that exist of them:
    one statement per 500 items (this runs inside the writer lock, where a round trip costs every waiting push),
    the index rows tagged ``p`` and the items' records ``r``."""
    import json

    r = schema.records
    live: dict[tuple[str, str], list[str]] = {}
    items: dict[str, tuple[bool, dict[str, Any]]] = {}
    wanted = sorted(touched)
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        by_commune: dict[str, list[str]] = {}
        for rid in part:
            commune, pid = touched[rid]
            by_commune.setdefault(commune, []).append(pid)
        if len(by_commune) == 1:  # a station's push: one commune, the statement built once
            [(commune, pids)] = by_commune.items()
            result: Any = fetch(conn, "review_state:one_commune", _one_commune_statement,
                                {"commune": commune, "pids": sorted(set(pids)), "rids": part}, generic=True)
        else:
            people = _people().where(or_(*(and_(r.c.commune_code == c, r.c.person_id.in_(sorted(set(pids))))
                                           for c, pids in sorted(by_commune.items()))))
            result = conn.execute(union_all(people, _reviews().where(r.c.id.in_(part))))
        for tag, commune, pid, rid, deleted, fields in result:
            if tag == "p":
                live.setdefault((commune, pid), []).append(rid)
            else:
                items[rid] = (bool(deleted), json.loads(fields))
    return live, items


def _people() -> Any:
    """Live persons with their personal ID (``person_id``: its index, migration 0011)."""
    r = schema.records
    return select(literal("p", String).label("tag"), r.c.commune_code, r.c.person_id, r.c.id,
                  cast(null(), Boolean).label("deleted"), cast(null(), r.c.fields.type).label("fields"))


def _reviews() -> Any:
    r = schema.records
    return select(literal("r", String), cast(null(), String), cast(null(), String), r.c.id, r.c.deleted,
                  r.c.fields).where(r.c.kind == "duplicate_person")


def _one_commune_statement() -> Any:
    """``_read_review_state``'s statement for one commune (parameters ``commune``, ``pids``, ``rids``; ``fetch``
    builds it once: building it per push was a twentieth of the push's CPU)."""
    r = schema.records
    people = _people().where(AnyOf(r.c.person_id, "pids"), r.c.commune_code == bindparam("commune"))
    return union_all(people, _reviews().where(AnyOf(r.c.id, "rids")))


def scan_changes(conn: Connection, now: str) -> ReviewChanges:
    """The review items for every personal ID held twice in a commune that has none yet (after the upgrade that
    brought duplicate detection, or a restore): ``ops.scan_duplicates`` applies them."""
    r = schema.records
    groups = conn.execute(select(r.c.commune_code, r.c.person_id).where(r.c.person_id.is_not(None)).group_by(
        r.c.commune_code, r.c.person_id).having(func.count() > 1)).all()
    return _review(conn, {review_id(c, p): (c, p) for c, p in groups}, {}, now)


def open_items(conn: Connection, commune: str | None = None) -> list[dict[str, Any]]:
    """Open review items (for the admin API and tests)."""
    import json

    r = schema.records
    q = select(r.c.id, r.c.commune_code, r.c.fields).where(r.c.kind == "duplicate_person", r.c.deleted.is_(False))
    if commune is not None:
        q = q.where(r.c.commune_code == commune)
    out = []
    for rid, c, fields in conn.execute(q):
        f = json.loads(fields)
        if f.get("status") == "open":
            out.append({"id": rid, "commune_code": c, **f})
    return out


def _cmd_list(args: Any) -> int:
    import json

    with ready_db(args.db).read() as conn:
        items = open_items(conn, args.commune)
    print(json.dumps(items, ensure_ascii=False, indent=1))
    return 0


def add_cli(add: Any, sub: Any) -> Any:
    """``province-server duplicates list``; returns the group, where ``cli`` adds ``scan`` (it writes, through
    ``ops``, which this module may not import)."""
    dup = sub.add_parser("duplicates", help="persons recorded twice in a commune (same personal ID)").add_subparsers(
        dest="duplicates_cmd", required=True)
    ls = add("list", _cmd_list, "open duplicate-person review items (JSON)", dup)
    ls.add_argument("--commune", default=None)
    return dup
