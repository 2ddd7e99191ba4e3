"""The station's side of the divergence digest (scheme 2): per-bucket sums kept incrementally.

Triggers on every commune-kind table note each written record the province knows in ``digest_dirty``
(migrations/common.py ``digest_triggers_v1``); ``refresh`` hashes just those records and moves their terms in
``digest_terms`` and the sums in ``digest_buckets``. A sync therefore hashes only what changed since the last one,
never the whole store. The arithmetic is ``station_client.sync.digest``, shared with the province.
"""

from __future__ import annotations

from typing import Any

from ..domain.registry import KINDS
from ..sync import digest as dg
from .codec import fields_only, from_db
from .store import Store


def refresh(store: Store) -> int:
    """Bring the per-bucket sums up to date with every record written since the last call. Returns how many
    records were looked at."""
    conn = store.conn
    if conn.execute("SELECT 1 FROM digest_dirty LIMIT 1").fetchone() is None:
        return 0
    seen = 0
    with store.transaction():
        sums: dict[int, list[int]] = {}
        for name in [r[0] for r in conn.execute("SELECT DISTINCT kind FROM digest_dirty")]:
            kind = KINDS.get(name)
            rows = conn.execute(
                "SELECT d.record_id AS rid, t.term AS old_term, t.bucket AS old_bucket FROM digest_dirty d "
                "LEFT JOIN digest_terms t ON t.kind = d.kind AND t.record_id = d.record_id WHERE d.kind = ?",
                (name,)).fetchall()
            for row in rows:
                seen += 1
                rid = row["rid"]
                new_term: int | None = None
                if kind is not None and dg.counted(kind):
                    rec = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (rid,)).fetchone()
                    if rec is not None and rec["server_version"] > 0:
                        new_term = dg.content_term(kind, rid, rec["server_version"], bool(rec["deleted"]),
                                                   fields_only(kind, from_db(kind, rec)))
                old_term = int(row["old_term"], 16) if row["old_term"] is not None else None
                if old_term == new_term:
                    continue
                bucket = dg.bucket_of(name, rid)
                s = sums.setdefault(bucket, [0, 0])
                if old_term is not None:
                    s[0] -= 1
                    s[1] -= old_term
                if new_term is None:
                    conn.execute("DELETE FROM digest_terms WHERE kind = ? AND record_id = ?", (name, rid))
                else:
                    s[0] += 1
                    s[1] += new_term
                    conn.execute("INSERT INTO digest_terms(kind, record_id, bucket, term) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT(kind, record_id) DO UPDATE SET term = excluded.term",
                                 (name, rid, bucket, dg.hex64(new_term)))
        for bucket, (dc, ds) in sums.items():
            row = conn.execute("SELECT count, sum FROM digest_buckets WHERE bucket = ?", (bucket,)).fetchone()
            count, value = (row["count"], int(row["sum"], 16)) if row else (0, 0)
            conn.execute("INSERT INTO digest_buckets(bucket, count, sum) VALUES (?, ?, ?) ON CONFLICT(bucket) "
                         "DO UPDATE SET count = excluded.count, sum = excluded.sum",
                         (bucket, count + dc, dg.hex64(value + ds)))
        conn.execute("DELETE FROM digest_dirty")
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
