"""The station's side of the divergence digest (scheme 2): per-bucket sums kept incrementally.

Triggers on every commune-kind table note each written record the province knows in ``digest_dirty``
(migrations/common.py ``digest_triggers_v1``); ``refresh`` hashes just those records and moves their terms in
``digest_terms`` and the sums in ``digest_buckets``. A sync therefore hashes only what changed since the last one,
never the whole store. The arithmetic is ``station_client.wire``, shared with the province.
"""

from __future__ import annotations

from typing import Any

from .. import wire as dg
from ..domain.registry import KINDS
from .codec import fields_only, from_db
from .store import Store


def refresh(store: Store, chunk: int = 500) -> int:
    """Bring the per-bucket sums up to date with every record written since the last call. Returns how many
    records were looked at (in chunks: a first sync of a million records is hashed once, in bounded memory)."""
    conn = store.conn
    if conn.execute("SELECT 1 FROM digest_dirty LIMIT 1").fetchone() is None:
        return 0
    seen = 0
    with store.transaction():
        sums: dict[int, list[int]] = {}
        while True:
            keys = conn.execute("SELECT kind, record_id FROM digest_dirty ORDER BY kind, record_id LIMIT ?",
                                (chunk,)).fetchall()
            if not keys:
                break
            by_kind: dict[str, list[str]] = {}
            for name, rid in keys:
                by_kind.setdefault(name, []).append(rid)
            for name, ids in by_kind.items():
                seen += len(ids)
                marks = ", ".join("?" * len(ids))
                old = {r[0]: int(r[1], 16) for r in conn.execute(
                    f"SELECT record_id, term FROM digest_terms WHERE kind = ? AND record_id IN ({marks})",
                    (name, *ids))}
                new: dict[str, int] = {}
                kind = KINDS.get(name)
                if kind is not None and dg.counted(kind):
                    for rec in conn.execute(f"SELECT * FROM {kind.table} WHERE id IN ({marks}) AND server_version > 0",
                                            ids):
                        new[rec["id"]] = dg.content_term(kind, rec["id"], rec["server_version"], bool(rec["deleted"]),
                                                         fields_only(kind, from_db(kind, rec)))
                for rid in ids:
                    before, after = old.get(rid), new.get(rid)
                    if before == after:
                        continue
                    bucket = dg.bucket_of(name, rid)
                    s = sums.setdefault(bucket, [0, 0])
                    if before is not None:
                        s[0] -= 1
                        s[1] -= before
                    if after is None:
                        conn.execute("DELETE FROM digest_terms WHERE kind = ? AND record_id = ?", (name, rid))
                    else:
                        s[0] += 1
                        s[1] += after
                        conn.execute("INSERT INTO digest_terms(kind, record_id, bucket, term) VALUES (?, ?, ?, ?) "
                                     "ON CONFLICT(kind, record_id) DO UPDATE SET term = excluded.term",
                                     (name, rid, bucket, dg.hex64(after)))
                conn.execute(f"DELETE FROM digest_dirty WHERE kind = ? AND record_id IN ({marks})", (name, *ids))
        for bucket, (dc, ds) in sums.items():
            row = conn.execute("SELECT count, sum FROM digest_buckets WHERE bucket = ?", (bucket,)).fetchone()
            count, value = (row["count"], int(row["sum"], 16)) if row else (0, 0)
            conn.execute("INSERT INTO digest_buckets(bucket, count, sum) VALUES (?, ?, ?) ON CONFLICT(bucket) "
                         "DO UPDATE SET count = excluded.count, sum = excluded.sum",
                         (bucket, count + dc, dg.hex64(value + ds)))
    return seen


def bucket_sums(store: Store) -> dict[int, tuple[int, int]]:
    """Per-bucket (count, sum) of the station's synced commune records, up to date; empty buckets left out."""
    refresh(store)
    return {r["bucket"]: (r["count"], int(r["sum"], 16)) for r in
            store.conn.execute("SELECT bucket, count, sum FROM digest_buckets") if r["count"] or int(r["sum"], 16)}


def digest(store: Store) -> dict[str, Any]:
    """The digest a station sends (scheme 2): totals over its buckets, and the fingerprint of the kinds hashed."""
    count, total = dg.total((b, c, s) for b, (c, s) in bucket_sums(store).items())
    return {"scheme": dg.SCHEME, "count": count, "sum": total, "kinds": dg.fingerprint()}


def records_in(store: Store, buckets: set[int]) -> list[tuple[str, str]]:
    """(kind, id) of the synced records the station counts in ``buckets`` (after ``refresh``)."""
    refresh(store)
    out: list[tuple[str, str]] = []
    for b in sorted(buckets):
        out += [(r[0], r[1]) for r in store.conn.execute(
            "SELECT kind, record_id FROM digest_terms WHERE bucket = ?", (b,))]
    return out


def rebuild(store: Store) -> None:
    """Recompute every term from scratch (a tool's remedy; never needed in normal operation)."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM digest_terms")
        conn.execute("DELETE FROM digest_buckets")
        for kind in KINDS.values():
            if dg.counted(kind):
                conn.execute(f"INSERT OR IGNORE INTO digest_dirty(kind, record_id) SELECT ?, id FROM {kind.table} "
                             "WHERE server_version > 0", (kind.name,))
    refresh(store)
