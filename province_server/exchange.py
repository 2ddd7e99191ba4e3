"""The sync exchange: apply a batch of changes (push) and read the feed (pull).

Push evaluates every change in order against the records' state inside one serialized write transaction and
writes the outcome with a handful of bulk statements (a batch of 20 changes costs ~8 statements, not ~120):
validation and merging are plain Python over the rows read at the start, so one bad change is answered as
rejected and never blocks the others. Field-level merge and conflict rules follow docs/sync-protocol.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from station_client import wire as dg
from station_client.domain.kinds import RecordKind
from station_client.domain.problems import Problem
from station_client.domain.registry import KINDS
from station_client.wire import all_finite
from station_client.wire import ascii_json as dumps
from station_client.wire import version_term as digest_term

from . import duplicates, schema
from .db import LATE_HISTORY, Database, hex64_add, utcnow
from .errors import ApiError
from .json_answer import RawJSON
from .models import ChangeIn
from .rows import AnyOf, fetch, insert_rows

log = logging.getLogger("province_server.sync")

PROVINCE = "province"
LOOKUP_KIND = "dossier"
_MASK64 = (1 << 64) - 1


def change_hash(change: ChangeIn) -> str:
    content = {"kind": change.kind, "id": change.id, "op": change.op, "fields": change.fields,
               "resolves": change.resolves}
    return hashlib.sha256(dumps(content).encode()).hexdigest()


def digest_of(items: list[tuple[str, str, int]]) -> tuple[int, str]:
    """The protocol's scheme-1 divergence digest over (kind, id, version) triples (what an old station sends)."""
    total = sum(digest_term(k, i, v) for k, i, v in items) & _MASK64
    return len(items), f"{total:016x}"


def content_digest_of(items: list[tuple[str, str, int, bool, dict[str, Any]]]) -> dict[int, tuple[int, int]]:
    """Scheme 2: per-bucket (count, sum) over (kind, id, version, deleted, fields) (what a station keeps)."""
    out: dict[int, tuple[int, int]] = {}
    for k, i, v, d, f in items:
        b = dg.bucket_of(k, i)
        c, s = out.get(b, (0, 0))
        out[b] = (c + 1, (s + dg.content_term(KINDS[k], i, v, d, f)) & _MASK64)
    return out


def problem_dicts(problems: list[Problem]) -> list[dict[str, str]]:
    return [p.to_dict() for p in problems]


def rejected(code: str, problems: list[Problem] | None = None, vi: str = "", en: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"status": "rejected", "code": code, "problems": problem_dicts(problems or [])}
    if vi or en:
        out["problems"].append({"field": "", "code": code, "vi": vi, "en": en})
    return out


@dataclass(frozen=True)
class Actor:
    """Who writes: a station (scoped to its commune) or the province (anything, no conflict check)."""
    id: str
    commune_code: str | None

    @property
    def is_province(self) -> bool:
        return self.id == PROVINCE


@dataclass
class RecState:
    kind: str
    id: str
    commune_code: str
    version: int
    deleted: bool
    fields: dict[str, Any]
    in_db: bool
    dirty: bool = False
    db_version: int = 0  # the version in the database before this batch (history above it is this batch's)
    # The live state's fields in the database before this batch (None: absent, or deleted there). The same dict
    # as ``fields`` at first: a new version replaces ``fields``, nothing changes a state's dict in place.
    db_fields: dict[str, Any] | None = None


@dataclass
class EpochInfo:
    """The database's epoch and what the server knows of the histories stations may still refer to.

    ``ends[X]``: the last ``seq`` of the current database that epoch X's history shares; a version written after it
    that is not a replay of X is not part of X's history. ``window_open``: re-sent changes that depend on a version
    still on its way are held (``deferred``) rather than judged (docs/sync-protocol.md, "Epoch").
    """
    current: str
    ends: dict[str, int] = field(default_factory=dict)
    window_open: bool = False
    parked: bool = False  # deferred_changes holds rows
    head: int = 0  # the feed's head when read (``epoch_info(with_head=True)``)

    def end_of(self, epoch: str) -> int:
        # An older epoch the server has no record of (restored by a version without this bookkeeping): none of
        # the current history is known to be shared with it, so every version counts as diverged (judged, never
        # fast-forwarded).
        return self.ends.get(epoch, 0)


REPLAY_UNTIL = "replay.until"  # meta keys; see ops.open_replay_window
REPLAY_CLOSED = "replay.closed_at"
REPLAY_ENDS = "replay.ends"


_PARKED = " parked"  # not a meta key (those have no spaces): tags the deferred_changes probe's row
_HEAD = " head"  # likewise: tags the feed head's row


def epoch_info(conn: Connection, with_head: bool = False) -> EpochInfo:
    """One statement (it runs inside the writer lock, where every round trip is paid by every waiting push): the
    meta keys, a row tagged ``_PARKED`` if any change is deferred, and with ``with_head`` the feed's head."""
    meta: dict[str, str] = {key: value for key, value in fetch(conn, f"epoch_info:{with_head}",
                                                                lambda: _epoch_statement(with_head), generic=True)}
    parked = meta.pop(_PARKED, None) is not None
    head = int(meta.pop(_HEAD, None) or 0)
    ends = json.loads(meta.get(REPLAY_ENDS) or "{}")
    until = meta.get(REPLAY_UNTIL)
    window = until is not None and meta.get(REPLAY_CLOSED) is None and utcnow() < until
    return EpochInfo(meta.get("epoch") or "", {str(k): int(v) for k, v in ends.items()}, window, parked, head)


def _epoch_statement(with_head: bool) -> Any:
    """``epoch_info``'s statement (it runs in every push: ``fetch`` builds it once per variant)."""
    m, d = schema.meta, schema.deferred_changes
    keys = select(m.c.key, m.c.value).where(m.c.key.in_(["epoch", REPLAY_ENDS, REPLAY_UNTIL, REPLAY_CLOSED]))
    probe = select(literal(_PARKED, String).label("key"), literal("1", String).label("value")).where(
        exists(select(d.c.change_id)))
    parts = [keys, probe]
    if with_head:
        parts.append(select(literal(_HEAD, String).label("key"),
                            cast(func.coalesce(func.max(schema.history.c.seq), 0), String).label("value")))
    return union_all(*parts)


def deferred(code: str, wait: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"status": "deferred", "code": code}
    if wait is not None:
        out["wait_version"] = wait
    return out


@dataclass
class Batch:
    """What a push will write, collected while the changes are judged."""
    history: list[dict[str, Any]] = field(default_factory=list)
    by_record: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # history, per record
    parked: dict[str, dict[str, Any]] = field(default_factory=dict)  # deferred changes to (re)store, by id
    unparked: set[str] = field(default_factory=set)  # deferred changes judged in this batch
    # The arrival number of each change judged again in this batch that was parked before: deferred again, it
    # keeps its place. A new number would put it behind a later change of the same record from the same station
    # that stayed parked (a streamed exchange answers that one ``stream.held`` without judging it), and the drain,
    # which takes each station's lowest number first, would apply the later change first (bench/soak.py, seed
    # 7201: an officer's newer edit overwritten by the older one it followed).
    parked_n: dict[str, int] = field(default_factory=dict)
    deferred_keys: set[tuple[str, str, str]] = field(default_factory=set)  # (station, kind, id) with a deferral
    # (station, kind, id) whose copy of the record (``orphan``) waits: its later changes wait at the station
    copy_waits: set[tuple[str, str, str]] = field(default_factory=set)
    applied: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    denials: list[dict[str, Any]] = field(default_factory=list)
    digest: dict[str, list[int]] = field(default_factory=dict)  # commune -> [count delta, sum delta]
    # scheme 2: (commune, bucket) -> [count delta, sum delta] of the records' full-state terms
    buckets: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def digest_move(self, kind: RecordKind, st: RecState, old: tuple[int, bool, dict[str, Any]] | None) -> None:
        """Move the commune's digests from the record's ``old`` state (version, deleted, fields; None for a new
        record) to its current one."""
        if not dg.counted(kind):
            return
        if dg.counted_v1(kind):
            d = self.digest.setdefault(st.commune_code, [0, 0])
            if old is None:
                d[0] += 1
            else:
                d[1] -= digest_term(st.kind, st.id, old[0])
            d[1] += digest_term(st.kind, st.id, st.version)
        b = self.buckets.setdefault((st.commune_code, dg.bucket_of(st.kind, st.id)), [0, 0])
        if old is None:
            b[0] += 1
        else:
            b[1] -= dg.content_term(kind, st.id, *old)
        b[1] += dg.content_term(kind, st.id, st.version, st.deleted, st.fields)


@dataclass
class Prepared:
    change: ChangeIn
    kind: RecordKind | None
    values: dict[str, Any]
    hash: str
    answer: dict[str, Any] | None = None  # set when judged without looking at the database


def prepare(change: ChangeIn, actor: Actor) -> Prepared:
    kind = KINDS.get(change.kind)
    h = change_hash(change)
    if kind is None:
        return Prepared(change, None, {}, h, rejected("kind.unknown", vi=f"Loại hồ sơ không tồn tại: {change.kind}.",
                                                      en=f"Unknown record kind: {change.kind}."))
    # Province-only kinds (officer accounts the province issues) are refused like reference data: a station
    # that wrote one would hand its sibling stations of the commune an account it made up.
    if (kind.scope == "reference" or kind.province_only) and not actor.is_province:
        return Prepared(change, kind, {}, h, rejected(
            "kind.reference", vi="Dữ liệu danh mục do tỉnh quản lý; trạm không được sửa.",
            en="Reference data is managed by the province; a station cannot change it."))
    if change.op == "delete" and not change.orphan:
        return Prepared(change, kind, {}, h)
    # An orphan tombstone (a station's copy of a deleted record the province lacks) carries the record's fields.
    # A re-sent change that met a conflict in the lost history brings only what was applied of it then: the
    # fields in conflict stay with the officer's open conflict at the station (docs/sync-protocol.md, "Epoch").
    held = set(change.conflicted or ())
    values, problems = kind.coerce({n: v for n, v in change.fields.items() if n not in held})
    # Only a float, or a list or object (a JSON field), can hold NaN or infinity: the rest need no encoding to tell.
    if not problems and not all_finite([v for v in values.values() if isinstance(v, float | list | dict)]):
        problems = [Problem("", "value.not_finite", "Giá trị số không hợp lệ (NaN/vô cực).",
                            "A number is not finite (NaN or infinity).")]
    if problems:
        return Prepared(change, kind, {}, h, rejected("validation", problems))
    return Prepared(change, kind, values, h)


def _load_states(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], RecState]:
    out: dict[tuple[str, str], RecState] = {}
    r = schema.records
    kinds = sorted({k for k, _ in keys})
    ids = sorted({i for _, i in keys})
    for start in range(0, len(ids), 500):
        # kind IN (...) AND id IN (...): both primary-key columns, so an index scan (id alone is a table scan)
        rows = fetch(conn, "load_states", lambda: select(
            r.c.kind, r.c.id, r.c.commune_code, r.c.version, r.c.deleted, r.c.fields).where(
            AnyOf(r.c.kind, "kinds"), AnyOf(r.c.id, "ids")), {"kinds": kinds, "ids": ids[start:start + 500]},
            generic=True)
        for kind, rid, commune, version, deleted, fields in rows:
            if (kind, rid) in keys:
                values = json.loads(fields)
                out[(kind, rid)] = RecState(kind, rid, commune, version, bool(deleted), values, True,
                                            db_version=version, db_fields=None if deleted else values)
    return out


@dataclass(frozen=True)
class _Version:
    version: int
    changed: str
    deleted: bool
    origin: str


def _others(conn: Connection, st: RecState, base: int, actor: Actor, batch: Batch) -> list[Any]:
    """Versions after ``base`` made by someone else: in the database, and in this batch (a deferred change of
    another station applied on its turn)."""
    out: list[Any] = []
    if st.db_version > base:
        h = schema.history
        out = list(conn.execute(select(h.c.version, h.c.changed, h.c.deleted, h.c.origin)
                                .where(h.c.kind == st.kind, h.c.id == st.id, h.c.version > base,
                                       h.c.origin != actor.id).order_by(h.c.version)).all())
    out += [_Version(r["version"], r["changed"], r["deleted"], r["origin"])
            for r in batch.by_record.get((st.kind, st.id), ()) if r["version"] > base and r["origin"] != actor.id]
    return out


def _deleted_by(conn: Connection, st: RecState, base: int, actor: Actor, batch: Batch) -> bool:
    """Whether one of ``actor``'s own versions after ``base`` deleted the record (in the database, or in this
    batch)."""
    if any(r["version"] > base and r["origin"] == actor.id and r["deleted"]
           for r in batch.by_record.get((st.kind, st.id), ())):
        return True
    if st.db_version <= base:
        return False
    h = schema.history
    return conn.execute(select(h.c.version).where(
        h.c.kind == st.kind, h.c.id == st.id, h.c.version > base, h.c.origin == actor.id,
        h.c.deleted.is_(True)).limit(1)).first() is not None


def _divergence(conn: Connection, st: RecState | None, epoch: str, ep: EpochInfo, batch: Batch) -> int | None:
    """The first version of this record that is not part of ``epoch``'s history (written after that history was
    lost, other than as a replay of it), or None: every version the record has is one ``epoch`` has too."""
    if st is None:
        return None
    found = [r["version"] for r in batch.by_record.get((st.kind, st.id), ()) if r["replay_epoch"] != epoch]
    if st.in_db:
        h = schema.history
        first = conn.execute(select(func.min(h.c.version)).where(
            h.c.kind == st.kind, h.c.id == st.id, h.c.seq > ep.end_of(epoch),
            or_(h.c.replay_epoch.is_(None), h.c.replay_epoch != epoch))).scalar()
        if first is not None:
            found.append(int(first))
    return min(found) if found else None


def _open_conflicts(conn: Connection, ids: list[str]) -> dict[str, Any]:
    if not ids:
        return {}
    c = schema.conflicts
    rows = conn.execute(select(c).where(c.c.id.in_(ids))).mappings().all()
    return {row["id"]: row for row in rows}


def _conflict_obj(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "type": row["type"], "kind": row["kind"], "record_id": row["record_id"],
            "fields": json.loads(row["fields"]) if isinstance(row["fields"], str) else row["fields"],
            "server_version": row["server_version"], "origin": row["origin"]}


def apply_changes(db: Database, actor: Actor, changes: list[ChangeIn],
                  new_commune: str | None = None, epoch: str | None = None) -> list[Any]:
    """Judge and apply ``changes`` in order; return one result per change (see the protocol's results table).

    ``new_commune``: the commune of records the province creates (a station's records get its own).
    ``epoch``: the epoch the station sent; if it is not the database's (restored from a backup since), nothing
    is applied and every change is answered ``deferred`` (``epoch.changed``): the station learns of the restore
    first and re-sends its changes tagged with the history they belong to.
    """
    return push_changes(db, actor, changes, new_commune, epoch).results


@dataclass
class Pushed:
    results: list[Any]
    epoch: str  # the database's epoch
    head: int  # the feed's head before the changes (read with ``cursor`` only; else 0)


def push_changes(db: Database, actor: Actor, changes: list[ChangeIn], new_commune: str | None = None,
                 epoch: str | None = None, cursor: int | None = None) -> Pushed:
    """``apply_changes``, also answering the epoch and the feed's head read in the same transaction (a sync
    request needs both and reads nothing else before the apply). ``cursor``: the station's; one ahead of the head
    means the database lost history (restored): ``cursor.ahead`` is raised before anything is applied."""
    prepared = [prepare(c, actor) for c in changes]
    # A station writes records of its own commune only (the scope check refuses the rest after reading them),
    # so its push needs only its commune's lock: pushes of different communes apply side by side (db.write).
    alone = actor.commune_code if not actor.is_province and db.backend == "postgresql" else None
    if alone is not None and prepared:
        try:
            return _apply_locked(db, actor, prepared, new_commune, epoch, cursor, alone)
        except (IntegrityError, OperationalError, CommuneClash) as exc:
            # Another commune's push met this one on a row no commune owns (a reused change id or lookup code)
            # or in a deadlock: nothing of it was written; judged again alone, it sees what the other did.
            log.warning(json.dumps({"event": "write.commune_retry", "station": actor.id,
                                    "error": type(getattr(exc, "orig", exc)).__name__}))
    return _apply_locked(db, actor, prepared, new_commune, epoch, cursor, None)


class CommuneClash(RuntimeError):
    """A commune push met a row another commune's concurrent push wrote (see ``push_changes``)."""


def _apply_locked(db: Database, actor: Actor, prepared: list[Prepared], new_commune: str | None,
                  epoch: str | None, cursor: int | None, commune: str | None) -> Pushed:
    if not prepared and cursor is None:
        return Pushed([], "", 0)
    with (db.write(commune=commune) if prepared else db.read()) as conn:
        ep = epoch_info(conn, with_head=cursor is not None)
        if epoch is not None and epoch != ep.current:
            return Pushed([deferred("epoch.changed") for _ in prepared], ep.current, ep.head)
        if cursor is not None and cursor > ep.head:
            raise cursor_ahead(cursor, ep.head)
        return Pushed(_apply(conn, actor, prepared, new_commune, ep) if prepared else [], ep.current, ep.head)


def _load_parked(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    d = schema.deferred_changes
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    ids = sorted({i for _, i in keys})
    for start in range(0, len(ids), 500):
        for row in conn.execute(select(d).where(d.c.record_id.in_(ids[start:start + 500]))).mappings():
            if (row["kind"], row["record_id"]) in keys:
                out.setdefault((row["kind"], row["record_id"]), []).append(dict(row))
    return out


def _drain(conn: Connection, key: tuple[str, str], parked: dict[tuple[str, str], list[dict[str, Any]]],
           states: dict[tuple[str, str], RecState], seen: dict[str, Any], conflicts: dict[str, Any], batch: Batch,
           now: str, ep: EpochInfo) -> None:
    """Apply the deferred changes of a record whose turn has come (the version each waits on is now the
    record's), replays of the lost history first, each judged as if its station had sent it now. What each
    did is answered to its station when it sends the change again (as ``duplicate`` or its conflict)."""
    waiting = parked.get(key)
    while waiting:
        st = states.get(key)
        version = st.version if st else 0
        # Each station's changes of the record go in the order it sent them: only its first waiting one may go.
        firsts: dict[str, dict[str, Any]] = {}
        for w in waiting:
            if w["station_id"] not in firsts or w["n"] < firsts[w["station_id"]]["n"]:
                firsts[w["station_id"]] = w
        ready = sorted((w for w in firsts.values() if w["wait_version"] <= version),
                       key=lambda w: (w["wait_version"] != version, -w["replay"], w["n"]))
        if not ready:
            return
        row = ready[0]
        waiting.remove(row)
        batch.unparked.add(row["change_id"])
        batch.parked_n[row["change_id"]] = int(row["n"])
        if row["change_id"] in seen:
            continue
        actor = Actor(row["station_id"], row["commune_code"])
        p = prepare(ChangeIn.model_validate(json.loads(row["body"])), actor)
        if p.change.resolves and p.change.resolves not in conflicts:
            conflicts.update(_open_conflicts(conn, [p.change.resolves]))
        _judge(conn, actor, p, states, seen, conflicts, batch, now, None, ep)
        seen[row["change_id"]] = {"hash": p.hash}  # judged once per batch
        if batch.parked.get(row["change_id"]) is not None:
            return  # deferred again: the rest of this record waits with it


def judge_deferred(conn: Connection) -> int:
    """Judge every deferred change now (the replay window has closed: nothing waits any more), in the order each
    would have applied: record by record, in the order they arrived. Returns how many."""
    d = schema.deferred_changes
    rows = conn.execute(select(d).order_by(d.c.kind, d.c.record_id, d.c.n)).mappings().all()
    judged = 0
    for row in rows:
        if conn.execute(select(d.c.change_id).where(d.c.change_id == row["change_id"])).first() is None:
            continue  # applied on its turn behind one judged before it
        actor = Actor(row["station_id"], row["commune_code"])
        _apply(conn, actor, [prepare(ChangeIn.model_validate(json.loads(row["body"])), actor)], None)
        judged += 1
    return judged


def _apply(conn: Connection, actor: Actor, prepared: list[Prepared], new_commune: str | None,
           ep: EpochInfo | None = None) -> list[Any]:
    ep = ep or epoch_info(conn)
    ac = schema.applied_changes
    ids = [p.change.change_id for p in prepared]
    seen: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        for change_id, hash_, kind, record_id, conflict_id in fetch(conn, "applied_of", lambda: select(
                ac.c.change_id, ac.c.hash, ac.c.kind, ac.c.record_id, ac.c.conflict_id).where(
                AnyOf(ac.c.change_id, "ids")), {"ids": ids[start:start + 500]}, generic=True):
            seen[change_id] = {"change_id": change_id, "hash": hash_, "kind": kind, "record_id": record_id,
                               "conflict_id": conflict_id}
    states = _load_states(conn, {(p.change.kind, p.change.id) for p in prepared})
    wanted = [p.change.resolves for p in prepared if p.change.resolves]
    wanted += [s["conflict_id"] for s in seen.values() if s["conflict_id"]]
    conflicts = _open_conflicts(conn, wanted)
    batch = Batch()
    now = utcnow()
    parked = _load_parked(conn, {(p.change.kind, p.change.id) for p in prepared}) if ep.parked else {}
    results: list[Any] = []
    for p in prepared:
        key = (p.change.kind, p.change.id)
        if ep.parked:
            batch.unparked.add(p.change.change_id)  # judged now: whatever is parked of it is replaced
            for w in parked.get(key, []):
                if w["change_id"] == p.change.change_id:
                    parked[key].remove(w)
                    batch.parked_n[w["change_id"]] = int(w["n"])
                    break
        results.append(_judge(conn, actor, p, states, seen, conflicts, batch, now, new_commune, ep))
        if parked.get(key):
            _drain(conn, key, parked, states, seen, conflicts, batch, now, ep)
    _flush(conn, states, batch, now, ep)
    return results


def _judge(conn: Connection, actor: Actor, p: Prepared, states: dict[tuple[str, str], RecState],
           seen: dict[str, Any], conflicts: dict[str, Any], batch: Batch, now: str,
           new_commune: str | None, ep: EpochInfo) -> Any:
    c = p.change
    prior = seen.get(c.change_id)
    if prior is not None:
        if prior["hash"] != p.hash:
            return rejected("change_id.reused", vi="Mã thay đổi này đã được dùng cho một nội dung khác; không áp dụng.",
                            en="This change id was already used with different content; not applied.")
        if "kind" not in prior:  # a deferred change applied earlier in this batch on its turn
            st = states.get((c.kind, c.id))
            return {"status": "duplicate", "version": st.version if st else 0, "record": st.fields if st else None,
                    "deleted": st.deleted if st else False}
        st = states.get((prior["kind"], prior["record_id"]))
        conflict = conflicts.get(prior["conflict_id"] or "")
        if conflict is not None and conflict["status"] == "open":
            answer = {"status": "conflict", "duplicate": True, "conflict": _conflict_obj(conflict),
                      "version": st.version if st else 0, "record": st.fields if st else None,
                      "deleted": st.deleted if st else True}
            made = _version_of(conn, prior["kind"], prior["record_id"], c.change_id)
            if made is not None:
                answer["change_version"] = made
            return answer
        out = {"status": "duplicate", "version": st.version if st else 0, "record": st.fields if st else None,
               "deleted": st.deleted if st else False}
        made = _version_of(conn, prior["kind"], prior["record_id"], c.change_id)
        if made is not None:
            out["change_version"] = made  # the version this change made (a station replays it with that number)
        return out
    if p.answer is not None:
        return p.answer
    kind = p.kind
    assert kind is not None
    key = (c.kind, c.id)
    st = states.get(key)
    if st is not None and not actor.is_province and st.commune_code != actor.commune_code:
        batch.denials.append({"station_id": actor.id, "kind": c.kind, "record_id": c.id, "action": "write",
                              "at": now})
        log.warning(json.dumps({"event": "scope.denied", "station": actor.id, "kind": c.kind, "action": "write"}))
        return {"status": "forbidden", "code": "scope"}
    resolving = conflicts.get(c.resolves or "")
    if resolving is not None and (resolving["kind"], resolving["record_id"]) != key:
        resolving = None

    base = c.base_version
    if not actor.is_province:
        if (actor.id, c.kind, c.id) in batch.copy_waits:
            # Behind its station's copy of the record, which waits: this change waits at the station with it, not
            # here. Held here, it would be judged when the window closes, before the copy that carries the record's
            # fields arrives: an edit of a record the province lacks, refused as incomplete, and a delete made an
            # empty tombstone (sim seed 9104, PostgreSQL).
            return deferred("record.pending")
        if (actor.id, c.kind, c.id) in batch.deferred_keys:
            # An earlier change of this record from the same station waits: this one waits behind it (order kept).
            return _defer(actor, p, c.replay - 1 if c.replay is not None else c.base_version, batch, now)
        if c.orphan:
            # A copy of a record the station holds but did not change: the province's state wins if it has the
            # record; otherwise it waits while the stations that made it may still re-send its history.
            if st is not None:
                return {"status": "duplicate", "version": st.version, "record": st.fields, "deleted": st.deleted}
            if ep.window_open:
                batch.copy_waits.add((actor.id, c.kind, c.id))
                return deferred("record.pending")
        elif c.base_epoch is not None and c.base_epoch != ep.current:
            # Based on a version of a history the province lost in a restore (docs/sync-protocol.md, "Epoch").
            cur = st.version if st else 0
            want = c.replay - 1 if c.replay is not None else c.base_version
            div = _divergence(conn, st, c.base_epoch, ep, batch)
            if div is None:
                if c.replay is not None and c.replay == cur + 1:
                    return _fast_forward(actor, p, st, states, batch, now, resolving)
                if want > cur and ep.window_open:
                    return _defer(actor, p, want, batch, now)
                base = min(want, cur)
            else:
                # The record went on without the lost history: judge against the last version both share, so a
                # difference is a conflict, never an overwrite.
                base = min(want, div - 1)

    if st is None and actor.is_province and c.base_version:
        # Edited on a version read earlier: the record is gone since (a restore), not to be made anew unseen.
        return {"status": "stale", "version": 0, "record": None, "deleted": True}
    if st is None:
        commune = "" if kind.scope == "reference" else (actor.commune_code or new_commune)
        if commune is None:
            return rejected("commune.required", vi="Cần mã xã/phường để tạo hồ sơ.",
                            en="A commune code is needed to create this record.")
        full = kind.empty_record()
        full.update(p.values)
        deleted = c.op == "delete"
        if not deleted:
            problems = kind.validate(full)
            if problems:
                return rejected("validation", problems)
        st = RecState(c.kind, c.id, commune, 0, deleted, {}, False)
        states[key] = st
        changed = sorted(n for n, v in full.items() if v is not None)
        _new_version(actor, p, st, full, deleted, changed, batch, now, kind)
        _mark_resolved(resolving, c, batch, now)
        return st.version

    others = [] if actor.is_province else _others(conn, st, base, actor, batch)
    # A province edit made on a version its author read (the console, the admin API with ``base_version``): a
    # station change since then to the same fields, or a delete, must not be overwritten unseen. The author is
    # answered ``stale`` with the record as it is now, and edits again on that.
    if actor.is_province and c.base_version and _stale_for_province(
            p, st, _others(conn, st, c.base_version, actor, batch)):
        return {"status": "stale", "version": st.version, "record": st.fields, "deleted": st.deleted}
    other_fields: set[str] = set()
    for o in others:
        other_fields.update(json.loads(o.changed))
    others_deleted = any(o.deleted for o in others)
    origin = others[-1].origin if others else PROVINCE

    # A resolution (``resolves``) is judged like any change against what others did after its base version:
    # the officer decided on the state at base_version, so a later change made elsewhere is a new conflict,
    # never silently overwritten. Its base is the version the officer saw, so the change it resolves (at or
    # before that version) does not clash again.
    if c.op == "delete":
        if others:
            return _conflict(actor, p, st, "delete_vs_edit", {}, origin, batch, now, supersedes=resolving)
        if not st.deleted:
            _new_version(actor, p, st, dict(st.fields), True, [], batch, now, kind)
        else:
            _record_applied(actor, p, batch, now)
            _mark_resolved(resolving, c, batch, now)
            return _no_version(st)
        _mark_resolved(resolving, c, batch, now)
        return _answer(st, bool(others))

    # A station undoes a delete only by an officer's explicit, recorded resolution of a conflict on this record:
    # any other upsert on a deleted record (a station that missed the delete, whatever its base version says) is
    # an edit_vs_delete conflict that keeps the station's values and leaves the record deleted. Province edits
    # apply as given. A resolution made under a history the province since lost in a restore names a conflict
    # the province no longer holds: the officer's recorded decision stands all the same, judged against what
    # others did after the version the officer saw (bench/soak.py seed 5204: a revival the officer chose after
    # the restore was taken for a replay with nothing left to apply, and the record stayed deleted).
    lost_history = c.base_epoch is not None and c.base_epoch != ep.current and not actor.is_province
    lost_resolution = c.resolves is not None and resolving is None and lost_history
    if st.deleted and lost_history and c.resolves is None and not others \
            and _deleted_by(conn, st, base, actor, batch):
        # An edit from a lost history meeting the station's own later delete, and nothing of anyone else's since
        # the version it was based on: its copy of the record (sent ahead of its changes, which it already holds)
        # or its replayed delete. The officer deleted the record after making this edit; there is nothing left to
        # apply and nothing to decide (sim seed 9104: an edit the station made before deleting a record the
        # province lost came back as an edit_vs_delete conflict). An officer's resolution is never swallowed so:
        # it is judged below, and a revival it chose stands (or is undone by the station's own delete behind it).
        _record_applied(actor, p, batch, now)
        return _no_version(st)
    # Only the resolution of a conflict about the record's existence (a delete met an edit) revives it: settling
    # which value a field keeps says nothing of a delete made since (bench/soak.py seed 8602: an officer settled
    # an old field conflict, and a record another station had deleted meanwhile came back). Such a resolution on
    # a deleted record is judged as the edit it is: an edit_vs_delete conflict, for the officer to decide on.
    about_existence = resolving is not None and resolving["type"] in ("edit_vs_delete", "delete_vs_edit")
    restore = st.deleted and (actor.is_province or about_existence or lost_resolution) and not others_deleted
    if st.deleted and not restore and c.base_epoch is not None and c.base_epoch != ep.current \
            and all(st.fields.get(n) == v for n, v in p.values.items()):
        # A replay of an edit from a lost history onto a deleted record that already holds every value it sets
        # (the edit was applied there before the delete, and a station's tombstone copy brought both back): it
        # has nothing left to apply, and it met no delete the officer did not see. Not a conflict.
        _record_applied(actor, p, batch, now)
        _mark_resolved(resolving, c, batch, now)
        return _no_version(st)
    if st.deleted and not restore:
        diff = {n: {"station": v, "server": st.fields.get(n)} for n, v in p.values.items()}
        return _conflict(actor, p, st, "edit_vs_delete", diff, origin, batch, now, supersedes=resolving)
    clash = {
        n: {"station": v, "server": st.fields.get(n)}
        for n, v in p.values.items() if n in other_fields and st.fields.get(n) != v}
    merged = dict(st.fields)
    changed = []
    for n, v in p.values.items():
        if n not in clash and merged.get(n) != v:
            merged[n] = v
            changed.append(n)
    if changed or restore:
        problems = kind.validate(merged)
        if problems:
            return rejected("validation", problems)
        _new_version(actor, p, st, merged, False, sorted(changed), batch, now, kind, record_applied=not clash)
    elif not clash:
        _record_applied(actor, p, batch, now)
    if clash:
        return _conflict(actor, p, st, "edit", clash, origin, batch, now, supersedes=resolving)
    _mark_resolved(resolving, c, batch, now)
    if not (changed or restore):
        return _no_version(st)
    return _answer(st, bool(others))


def _stale_for_province(p: Prepared, st: RecState, since: list[Any]) -> bool:
    """Whether what others wrote after the province author's base version meets this edit: a delete (or the
    author's own delete meeting any change), or a field this edit sets, now holding another value."""
    if not since:
        return False
    if p.change.op == "delete" or any(o.deleted for o in since):
        return True
    touched: set[str] = set()
    for o in since:
        touched.update(json.loads(o.changed))
    return any(n in touched and st.fields.get(n) != v for n, v in p.values.items())


def _version_of(conn: Connection, kind: str, record_id: str, change_id: str) -> int | None:
    """The version ``change_id`` made of the record, if any: among that record's versions (``ix_history_record``),
    as a change applies to the record it names."""
    h = schema.history
    return conn.execute(select(func.max(h.c.version)).where(
        h.c.kind == kind, h.c.id == record_id, h.c.change_id == change_id)).scalar()


def _defer(actor: Actor, p: Prepared, wait: int, batch: Batch, now: str) -> dict[str, Any]:
    """Hold a change that depends on a version still on its way; it is applied when that version arrives (or
    judged when its station sends it again after the replay window closed)."""
    c = p.change
    batch.deferred_keys.add((actor.id, c.kind, c.id))
    batch.parked.pop(c.change_id, None)  # re-parked: behind what was parked before it in this batch
    batch.parked[c.change_id] = {
        "change_id": c.change_id, "station_id": actor.id, "commune_code": actor.commune_code or "",
        "kind": c.kind, "record_id": c.id, "wait_version": wait, "replay": int(c.replay is not None),
        "body": dumps(c.model_dump(exclude_defaults=True)), "at": now}
    return deferred("version.pending", wait)


def _fast_forward(actor: Actor, p: Prepared, st: RecState | None, states: dict[tuple[str, str], RecState],
                  batch: Batch, now: str, resolving: Any) -> Any:
    """A re-sent change whose version in the lost history is exactly the record's next one, on a record that has
    not diverged from that history: applied as it was then, with the same version number (no conflict judgement:
    it was judged when first applied)."""
    c = p.change
    kind = p.kind
    assert kind is not None
    if st is None:
        st = RecState(c.kind, c.id, actor.commune_code or "", 0, False, {}, False)
        states[(c.kind, c.id)] = st
        fields = kind.empty_record()
    else:
        fields = dict(st.fields)
    deleted = c.op == "delete"
    changed = sorted(n for n, v in p.values.items() if fields.get(n) != v)
    fields.update(p.values)
    _new_version(actor, p, st, fields, deleted, changed, batch, now, kind, replay_epoch=c.base_epoch)
    _mark_resolved(resolving, c, batch, now)
    # The state at this version, not "exactly the station's": the station holds the lost history's later state,
    # and versions between its replays (other stations') reach it only through this (its feed skips versions
    # at or below the one acknowledged here).
    return {"status": "applied", "version": st.version, "record": st.fields, "deleted": st.deleted}


def _answer(st: RecState, merged: bool) -> Any:
    if not merged:
        return st.version
    return {"status": "applied", "version": st.version, "record": st.fields, "deleted": st.deleted}


def _no_version(st: RecState) -> dict[str, Any]:
    """The answer to a change that changed nothing (the record already held it): applied, but it made no version
    of its own (``change_version`` null), so that after a restore its station does not replay it as the author
    of the record's current version, which someone else made."""
    return {"status": "applied", "version": st.version, "record": st.fields, "deleted": st.deleted,
            "change_version": None}


def _record_applied(actor: Actor, p: Prepared, batch: Batch, now: str, conflict_id: str | None = None) -> None:
    batch.applied.append({"change_id": p.change.change_id, "station_id": actor.id, "hash": p.hash,
                          "kind": p.change.kind, "record_id": p.change.id, "conflict_id": conflict_id, "at": now})


def _new_version(actor: Actor, p: Prepared, st: RecState, fields: dict[str, Any], deleted: bool,
                 changed: list[str], batch: Batch, now: str, kind: RecordKind, record_applied: bool = True,
                 replay_epoch: str | None = None) -> None:
    old = (st.version, st.deleted, st.fields) if st.in_db or st.version else None
    st.version += 1
    st.fields = fields
    st.deleted = deleted
    st.dirty = True
    row = {"kind": st.kind, "id": st.id, "version": st.version, "deleted": deleted, "fields": dumps(fields),
           "changed": dumps(changed), "origin": actor.id, "change_id": p.change.change_id,
           "commune_code": st.commune_code, "at": now, "replay_epoch": replay_epoch}
    batch.history.append(row)
    batch.by_record.setdefault((st.kind, st.id), []).append(row)
    batch.digest_move(kind, st, old)
    if record_applied:
        _record_applied(actor, p, batch, now)


def _conflict(actor: Actor, p: Prepared, st: RecState, ctype: str, diff: dict[str, Any], origin: str,
              batch: Batch, now: str, supersedes: Any = None) -> dict[str, Any]:
    row = {"id": str(uuid.uuid4()), "kind": st.kind, "record_id": st.id, "commune_code": st.commune_code,
           "type": ctype, "station_id": actor.id, "change_id": p.change.change_id, "fields": dumps(diff),
           "server_version": st.version, "origin": origin, "status": "open", "created_at": now}
    batch.conflicts.append(row)
    if supersedes is not None and supersedes["status"] == "open":
        # A resolution that met a newer change elsewhere: the new conflict replaces the one it resolved (the
        # station marks it the same way), so only one question stays open for the record.
        batch.resolved.append({"cid": supersedes["id"], "resolved_at": now,
                               "resolved_by": "superseded:" + str(row["id"])})
    _record_applied(actor, p, batch, now, conflict_id=str(row["id"]))
    out = {"status": "conflict", "conflict": _conflict_obj(row), "version": st.version, "record": st.fields,
           "deleted": st.deleted}
    mine = [r for r in batch.by_record.get((st.kind, st.id), ()) if r["change_id"] == p.change.change_id]
    if mine:
        out["change_version"] = mine[-1]["version"]  # the version its non-conflicting fields made
    return out


def _mark_resolved(conflict: Any, change: ChangeIn, batch: Batch, now: str) -> None:
    if conflict is not None and conflict["status"] == "open":
        batch.resolved.append({"cid": conflict["id"], "resolved_at": now, "resolved_by": change.change_id})


def _upsert(conn: Connection, table: Any) -> Any:
    """``INSERT ... ON CONFLICT`` of the connection's dialect (the same statement on both)."""
    return (postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table))


def _flush(conn: Connection, states: dict[tuple[str, str], RecState], batch: Batch, now: str,
           ep: EpochInfo) -> None:
    # Every table's rows in one statement each (rows.insert_rows); a commune push's history rows wait for its
    # end (db.Database.write).
    late = conn.info.get(LATE_HISTORY)
    if late is not None:
        late.extend(batch.history)  # a commune push: inserted at its end, under the sequence lock (db.write)
    elif batch.history:
        insert_rows(conn, schema.history.insert, batch.history, "history")
    # Each written record's last version in this batch: its origin, and its fields already as JSON (the state
    # the record row takes, serialized once for both tables).
    last = {(h["kind"], h["id"]): h for h in batch.history}
    dirty = [st for st in states.values() if st.dirty]
    if dirty:
        # New and changed records in one statement. A new record cannot meet an existing row (its absence was
        # read under the lock that every write of the record holds: the feed lock, or its commune's), so the
        # conflict branch updates exactly the records read from the database; it never moves a record to a lower
        # version.
        def upsert() -> Any:
            r = schema.records
            ins = _upsert(conn, r)
            stmt = ins.on_conflict_do_update(
                index_elements=[r.c.kind, r.c.id],
                set_={"version": ins.excluded.version, "deleted": ins.excluded.deleted,
                      "fields": ins.excluded.fields, "origin": ins.excluded.origin,
                      "updated_at": ins.excluded.updated_at, "person_id": ins.excluded.person_id},
                where=r.c.version < ins.excluded.version)
            # A commune push (not under the one lock): every row must be written. One the guard skipped was made
            # meanwhile by another commune's push with the same id; judged again alone, the push sees it.
            return stmt if late is None else stmt.returning(r.c.version)

        written = insert_rows(conn, upsert, [
            {"kind": st.kind, "id": st.id, "commune_code": st.commune_code, "version": st.version,
             "deleted": st.deleted, "fields": last[(st.kind, st.id)]["fields"],
             "origin": last[(st.kind, st.id)]["origin"], "updated_at": now,
             "person_id": duplicates.indexed_id(st.kind, st.deleted, st.fields)}
            for st in sorted(dirty, key=lambda st: (st.kind, st.id))],
            "records" if late is None else "records+returning")
        if late is not None and written != len(dirty):
            raise CommuneClash(f"{len(dirty) - written} record(s) written meanwhile by another commune's push")
    if batch.applied:
        insert_rows(conn, schema.applied_changes.insert, batch.applied, "applied", later=True)
    if batch.conflicts:
        conn.execute(schema.conflicts.insert(), batch.conflicts)
    if batch.resolved:
        c = schema.conflicts
        conn.execute(c.update().where(c.c.id == bindparam("cid"), c.c.status == "open")
                     .values(status="resolved", resolved_at=bindparam("resolved_at"),
                             resolved_by=bindparam("resolved_by")), batch.resolved)
    if batch.denials:
        conn.execute(schema.scope_denials.insert(), batch.denials)
    gone = sorted(batch.unparked | set(batch.parked))
    d = schema.deferred_changes
    for start in range(0, len(gone), 500):
        conn.execute(d.delete().where(d.c.change_id.in_(gone[start:start + 500])))
    if batch.parked:
        # A change parked for the first time goes behind everything parked, including the changes that keep
        # their place (their numbers were freed by the delete above, so the table's max alone may be lower).
        top = max(int(conn.execute(select(func.coalesce(func.max(d.c.n), 0))).scalar_one()),
                  max(batch.parked_n.values(), default=0))
        conn.execute(d.insert(), [row | {"n": batch.parked_n.get(row["change_id"], top + i)}
                                  for i, row in enumerate(batch.parked.values(), 1)])
    _flush_digests(conn, batch.digest)
    _flush_buckets(conn, batch.buckets)
    _flush_lookups(conn, [st for st in states.values() if st.dirty and st.kind == LOOKUP_KIND], now)
    apply_as_province(conn, duplicates.after_apply(conn, dirty, now), ep)


def apply_as_province(conn: Connection, changes: dict[str, list[ChangeIn]], ep: EpochInfo | None = None) -> int:
    """Apply records the province writes itself (duplicate-person review items), one batch per commune, in the
    caller's transaction. Their own flush finds no person in them, so this does not recurse further.

    ``ep``: the epoch information the caller's batch read in this transaction (read again if None). Its
    ``parked`` flag may be stale by this batch's own parking, which changes nothing here: only a station's
    change is ever deferred, and stations cannot write the province's review items."""
    actor = Actor(PROVINCE, None)
    for commune, batch in sorted(changes.items()):
        _apply(conn, actor, [prepare(c, actor) for c in batch], commune, ep)
    return sum(len(b) for b in changes.values())


def _flush_digests(conn: Connection, deltas: dict[str, list[int]]) -> None:
    """Add the batch's per-commune deltas: one upsert (the sum is added mod 2^64 by the database)."""
    if not deltas:
        return

    def upsert() -> Any:
        d = schema.digests
        ins = _upsert(conn, d)
        return ins.on_conflict_do_update(
            index_elements=[d.c.commune_code],
            set_={"count": d.c.count + ins.excluded.count, "sum": hex64_add(d.c.sum, ins.excluded.sum)})

    insert_rows(conn, upsert, [{"commune_code": commune, "count": dcount, "sum": dg.hex64(dsum)}
                               for commune, (dcount, dsum) in sorted(deltas.items())], "digests", later=True)


def _flush_buckets(conn: Connection, deltas: dict[tuple[str, int], list[int]]) -> None:
    """Add the batch's per-bucket deltas: one upsert for all of them (the sum is added mod 2^64 by the
    database)."""
    if not deltas:
        return

    def upsert() -> Any:
        d = schema.digest_buckets
        ins = _upsert(conn, d)
        return ins.on_conflict_do_update(
            index_elements=[d.c.commune_code, d.c.bucket],
            set_={"count": d.c.count + ins.excluded.count, "sum": hex64_add(d.c.sum, ins.excluded.sum)})

    insert_rows(conn, upsert, [{"commune_code": commune, "bucket": b, "count": dc, "sum": dg.hex64(ds)}
                               for (commune, b), (dc, ds) in sorted(deltas.items())], "buckets", later=True)


def normalize_lookup_code(code: str) -> str | None:
    """The canonical form of a receipt lookup code, or None if its check value is wrong (the dossier domain
    module owns the format)."""
    from station_client.domain.dossiers import normalize_lookup_code as normalize

    return normalize(code)


def _flush_lookups(conn: Connection, dossiers: list[RecState], now: str) -> None:
    """Keep the receipt lookup table (code -> status, due date) in step with dossier records."""
    lk = schema.lookups
    for st in dossiers:
        conn.execute(lk.delete().where(lk.c.kind == st.kind, lk.c.record_id == st.id))
        raw = st.fields.get("lookup_code")
        code = normalize_lookup_code(raw) if isinstance(raw, str) else None
        if st.deleted or code is None:
            continue
        conn.execute(lk.delete().where(lk.c.code == code))
        conn.execute(lk.insert().values(code=code, kind=st.kind, record_id=st.id,
                                        commune_code=st.commune_code, status=_text(st.fields.get("status")),
                                        due_at=_text(st.fields.get("due_at")), updated_at=now))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# --- pull ------------------------------------------------------------------------------------------------

@dataclass
class FeedPage:
    entries: list[dict[str, Any]]
    cursor: int
    more: bool
    head: int


def head_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(schema.history.c.seq), 0))).scalar_one())


def head_and_epoch(conn: Connection) -> tuple[int, str | None]:
    """The feed's head and the database's epoch in one statement (the sync endpoint needs both, before and after
    an apply)."""
    m = schema.meta
    [(head, epoch)] = fetch(conn, "head_and_epoch", lambda: select(
        select(func.coalesce(func.max(schema.history.c.seq), 0)).scalar_subquery(),
        select(m.c.value).where(m.c.key == "epoch").scalar_subquery()), generic=True)
    return int(head), epoch


def cursor_ahead(cursor: int, head: int) -> ApiError:
    return ApiError(409, "cursor.ahead",
                    "Máy chủ tỉnh đã được khôi phục từ bản sao lưu; trạm cần gửi lại và đồng bộ lại.",
                    "The province server was restored from a backup; resend and resync.", head=head)


def read_feed(conn: Connection, actor: Actor, cursor: int, limit: int, resync: bool,
              head: int | None = None, raw_fields: bool = False) -> FeedPage:
    """Entries with seq > cursor in the actor's scope. ``head`` is read first (or given: read earlier in the same
    transaction) and bounds the page: every seq at or below it is committed (writers are serialized), so the
    returned cursor never passes an unseen entry. ``raw_fields``: each entry's fields as the stored JSON text
    (``json_answer.RawJSON``), for an answer that only encodes them again."""
    if head is None:
        head = head_seq(conn)
    if cursor > head:
        raise cursor_ahead(cursor, head)
    if cursor == head:
        return FeedPage([], cursor, False, head)
    scopes = sorted({actor.commune_code or "", ""})
    params: dict[str, Any] = {"cursor": cursor, "head": head, "origin": actor.id, "lim": limit + 1}
    params |= {f"scope{i}": scope for i, scope in enumerate(scopes)}
    # Prepared: planning it for its values was 0.36 ms of PostgreSQL's CPU per sync (each plan probed the end of
    # the seq index), and its one generic plan is the right one at any cursor (tests/server/test_feed_plan.py).
    rows = fetch(conn, f"feed:{len(scopes)}:{resync}", lambda: _feed_statement(len(scopes), resync), params,
                 generic=True)
    more = len(rows) > limit
    rows = rows[:limit]
    decode: Callable[[str], Any] = RawJSON if raw_fields else json.loads
    entries = [{"seq": seq, "kind": kind, "id": rid, "version": version, "deleted": bool(deleted),
                "fields": decode(fields)} for seq, kind, rid, version, deleted, fields in rows]
    return FeedPage(entries, rows[-1][0] if more else head, more, head)


def _feed_statement(scopes: int, resync: bool) -> Any:
    """The feed page's query for ``scopes`` scopes (parameters ``scope0``.., ``cursor``, ``head``, ``origin``,
    ``lim``; ``fetch`` builds it once: building the union and its subqueries anew took a twentieth of a request's
    CPU)."""
    h = schema.history
    parts = []
    # One range scan of the (commune_code, seq) index per scope (the commune's records, reference data), merged:
    # a single "commune_code IN (...)" query would walk the whole feed since the cursor by seq instead.
    for i in range(scopes):
        q = (select(h.c.seq, h.c.kind, h.c.id, h.c.version, h.c.deleted, h.c.fields)
             .where(h.c.commune_code == bindparam(f"scope{i}"), h.c.seq > bindparam("cursor"),
                    h.c.seq <= bindparam("head")))
        if not resync:
            q = q.where(h.c.origin != bindparam("origin"))
        parts.append(q.order_by(h.c.seq).limit(bindparam("lim")))
    if len(parts) == 1:
        return parts[0]
    merged = union_all(*(p.subquery().select() for p in parts)).subquery()
    return select(merged).order_by(merged.c.seq).limit(bindparam("lim"))


def commune_digest(conn: Connection, commune: str) -> tuple[int, str]:
    d = schema.digests
    row = conn.execute(select(d.c.count, d.c.sum).where(d.c.commune_code == commune)).first()
    return (0, "0" * 16) if row is None else (int(row[0]), str(row[1]))


def commune_buckets(conn: Connection, commune: str) -> dict[int, tuple[int, int]]:
    """Scheme 2: the commune's per-bucket (count, sum), empty buckets left out."""
    d = schema.digest_buckets
    out: dict[int, tuple[int, int]] = {}
    for b, n, h in conn.execute(select(d.c.bucket, d.c.count, d.c.sum).where(d.c.commune_code == commune)):
        if n or int(h, 16):
            out[int(b)] = (int(n), int(h, 16))
    return out


def compare_digest(conn: Connection, commune: str, sent: Any) -> tuple[str, list[list[Any]] | None]:
    """The answer to a station's digest at head: ``match`` / ``mismatch`` (scheme 2 adds the province's
    per-bucket sums, so the station can name the buckets that differ) / ``skipped`` (another version of the
    record kinds: the content cannot be compared)."""
    if sent.scheme is None or sent.scheme == 1:
        count, total = commune_digest(conn, commune)
        return ("match" if (count, total) == (sent.count, sent.sum) else "mismatch"), None
    if sent.kinds != dg.fingerprint():
        return "skipped", None
    buckets = commune_buckets(conn, commune)
    count, total = dg.total((b, c, s) for b, (c, s) in buckets.items())
    if (count, total) == (sent.count, sent.sum):
        return "match", None
    return "mismatch", [[b, c, dg.hex64(s)] for b, (c, s) in sorted(buckets.items())]


def read_buckets(conn: Connection, commune: str, buckets: set[int], after: tuple[str, str] | None,
                 limit: int) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
    """The current state of the commune's records in ``buckets``, in (kind, id) order after ``after``; at most
    ``limit``. Returns (records, the key to continue after, or None at the end). A repair is rare: the commune's
    keys are walked and filtered here rather than keeping a bucket column on every record."""
    r = schema.records
    q = select(r.c.kind, r.c.id).where(r.c.commune_code == commune)
    if after is not None:
        q = q.where(tuple_(r.c.kind, r.c.id) > tuple_(*after))
    keys: list[tuple[str, str]] = []
    last: tuple[str, str] | None = None
    more = False
    for row in conn.execute(q.order_by(r.c.kind, r.c.id)):
        if dg.bucket_of(row.kind, row.id) not in buckets:
            continue
        if len(keys) == limit:
            more = True
            break
        keys.append((row.kind, row.id))
        last = (row.kind, row.id)
    out: list[dict[str, Any]] = []
    for start in range(0, len(keys), 500):
        part = keys[start:start + 500]
        rows = conn.execute(select(r.c.kind, r.c.id, r.c.version, r.c.deleted, r.c.fields)
                            .where(tuple_(r.c.kind, r.c.id).in_(part))).all()
        by_key = {(x.kind, x.id): x for x in rows}
        for key in part:
            x = by_key.get(key)
            if x is not None:
                out.append({"kind": x.kind, "id": x.id, "version": x.version, "deleted": bool(x.deleted),
                            "fields": json.loads(x.fields)})
    return out, (last if more else None)


def record_state(conn: Connection, kind: str, record_id: str) -> dict[str, Any] | None:
    r = schema.records
    row = conn.execute(select(r).where(r.c.kind == kind, r.c.id == record_id)).mappings().first()
    if row is None:
        return None
    return {"kind": row["kind"], "id": row["id"], "commune_code": row["commune_code"], "version": row["version"],
            "deleted": bool(row["deleted"]), "fields": json.loads(row["fields"]), "origin": row["origin"]}

