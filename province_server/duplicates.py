"""Duplicate persons: the same personal ID held by two live person records of one commune.

Two stations of a commune can each record the same resident while offline. The province keeps both (each
station's record is real work) and, in the transaction that applies the second, writes a **review item**: a
``duplicate_person`` record (a commune kind only the province writes, station_client/domain/duplicates.py) whose
id is fixed by (commune, personal ID), so every station of the commune pulls it and sees the same item. An
officer merges at a station: the ``person_merge`` record it pushes, and the merged-away person's deletion, close
the item (``merged``); an item whose persons stop sharing the ID without a merge is ``closed``; a new duplicate of
the same ID reopens it. See docs/sync-protocol.md, "Duplicate persons".
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from . import schema
from .db import Database, ready_db, utcnow
from .models import ChangeIn

if TYPE_CHECKING:
    from .exchange import RecState

NAMESPACE = uuid.UUID("5b0d2c1e-8f43-4c55-9a7e-0d1f6c2a9e11")  # fixed: review ids must be the same forever
MAX_PID = 64


def review_id(commune: str, personal_id: str) -> str:
    """The review item's id for a personal ID in a commune (the same at every station and after a restore)."""
    return str(uuid.uuid5(NAMESPACE, f"{commune}:{personal_id}"))


def _pid(fields: dict[str, Any]) -> str | None:
    pid = fields.get("personal_id")
    return pid if isinstance(pid, str) and 0 < len(pid) <= MAX_PID else None


def after_apply(conn: Connection, dirty: list[RecState], now: str) -> None:
    """Called by the exchange once a batch's records are written (same transaction): keep the person index in
    step, and write or update the review items the batch concerns. A handful of bulk statements per batch."""
    persons = [st for st in dirty if st.kind == "person" and st.commune_code]
    merges = [st for st in dirty if st.kind == "person_merge" and st.commune_code and not st.deleted]
    if not persons and not merges:
        return
    pi = schema.person_ids
    touched: dict[str, tuple[str, str]] = {}
    known = [st.id for st in persons if st.in_db]  # a record new in this batch has no index row yet
    for start in range(0, len(known), 500):
        part = known[start:start + 500]
        for commune, pid in conn.execute(select(pi.c.commune_code, pi.c.personal_id).where(pi.c.id.in_(part))):
            touched[review_id(commune, pid)] = (commune, pid)
        conn.execute(pi.delete().where(pi.c.id.in_(part)))
    rows = []
    for st in persons:
        pid = _pid(st.fields)
        if pid is not None and not st.deleted:
            rows.append({"commune_code": st.commune_code, "personal_id": pid, "id": st.id})
            touched[review_id(st.commune_code, pid)] = (st.commune_code, pid)
    if rows:
        conn.execute(pi.insert(), rows)
    merged: dict[str, list[tuple[Any, Any]]] = {}
    for st in merges:
        pid = _pid(st.fields)
        rid = st.fields.get("review_id") or (review_id(st.commune_code, pid) if pid else None)
        if not isinstance(rid, str) or pid is None:
            continue
        merged.setdefault(rid, []).append((st.fields.get("kept_id"), st.fields.get("merged_id")))
        touched.setdefault(rid, (st.commune_code, pid))
    _review(conn, touched, merged, now)


def _review(conn: Connection, touched: dict[str, tuple[str, str]], merged: dict[str, list[tuple[Any, Any]]],
            now: str) -> int:
    import json

    from .exchange import PROVINCE, Actor, _apply, prepare

    pi, r = schema.person_ids, schema.records
    live: dict[tuple[str, str], list[str]] = {}
    by_commune: dict[str, list[str]] = {}
    for commune, pid in touched.values():
        by_commune.setdefault(commune, []).append(pid)
    for commune, pids in by_commune.items():
        for start in range(0, len(pids), 500):
            for c, p, i in conn.execute(select(pi.c.commune_code, pi.c.personal_id, pi.c.id).where(
                    pi.c.commune_code == commune, pi.c.personal_id.in_(pids[start:start + 500]))):
                live.setdefault((c, p), []).append(i)
    wanted = sorted(touched)  # the review items the batch may open, update or close (one read)
    items: dict[str, tuple[bool, dict[str, Any]]] = {}
    for start in range(0, len(wanted), 500):
        for rid, deleted, fields in conn.execute(select(r.c.id, r.c.deleted, r.c.fields).where(
                r.c.kind == "duplicate_person", r.c.id.in_(wanted[start:start + 500]))):
            items[rid] = (bool(deleted), json.loads(fields))
    changes: dict[str, list[ChangeIn]] = {}
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
    actor = Actor(PROVINCE, None)
    for commune, batch in sorted(changes.items()):
        _apply(conn, actor, [prepare(c, actor) for c in batch], commune)
    return sum(len(b) for b in changes.values())


def scan(db: Database) -> int:
    """List every personal ID held twice in a commune that has no review item yet (after the upgrade that
    brought duplicate detection, or a restore). Returns how many review items were written."""
    pi = schema.person_ids
    with db.write() as conn:
        groups = conn.execute(select(pi.c.commune_code, pi.c.personal_id).group_by(pi.c.commune_code,
                              pi.c.personal_id).having(func.count() > 1)).all()
        touched = {review_id(c, p): (c, p) for c, p in groups}
        return _review(conn, touched, {}, utcnow())


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


def _cmd_scan(args: Any) -> int:
    print(f"{scan(ready_db(args.db))} duplicate-person review item(s) written")
    return 0


def _cmd_list(args: Any) -> int:
    import json

    with ready_db(args.db).read() as conn:
        items = open_items(conn, args.commune)
    print(json.dumps(items, ensure_ascii=False, indent=1))
    return 0


def add_cli(add: Any, sub: Any) -> None:
    dup = sub.add_parser("duplicates", help="persons recorded twice in a commune (same personal ID)").add_subparsers(
        dest="duplicates_cmd", required=True)
    add("scan", _cmd_scan, "write review items for duplicates held before detection existed", dup)
    ls = add("list", _cmd_list, "open duplicate-person review items (JSON)", dup)
    ls.add_argument("--commune", default=None)
