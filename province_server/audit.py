"""Stations' tamper-evident audit trails at the province: accept pushed entries, verify the stored chains.

A station's audit entry carries the hash of the previous one (``station_client/store/audit.py``). A station
pushes its entries in order (``POST /v1/audit``); each one is checked on arrival: its hash must be the hash of
its own content, and it must chain to the last entry stored for that station (its ``prev_hash``). An entry
already stored is accepted again only if it is the same entry (a retry after a lost answer). Anything else —
an altered entry, one that skips or replaces stored history, a station restored from an old backup that now
writes a different history — is refused, logged (station id, seq and the reason; never the entry's content)
and noted in ``audit_refusals``, and nothing after it in the push is stored. Once stored, an entry cannot be
rewritten by its station, so a hand edit at the station made after the push is caught even if the editor
recomputed every later hash.

Entries are stored as the station sent them: the province needs every hashed field to recompute the hashes,
including ``changes`` (field-level before/after values, i.e. personal data the province also holds in the
records). They travel only over TLS, are never logged, and are read only by ``province-server audit verify``.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from station_client.domain.registry import KINDS
from station_client.wire import (
    GENESIS_HASH,
    audit_entry_hash,
    ms_to_at,
    rebuild_audit_fields,
    rebuild_remote_fields,
)

from . import schema
from .db import Database, ready_db, utcnow
from .errors import ApiError
from .models import AuditEntryIn

log = logging.getLogger("province_server.audit")

MAX_ENTRIES = 5000


def _hash_of(e: dict[str, Any]) -> str:
    return audit_entry_hash(e["prev_hash"], e["at"], e["officer"], e["kind"], e["record_id"], e["action"], e["changes"],
                      e["change_id"], e["record_hash"])


REASONS = {
    "audit.hash": ("Mục nhật ký {seq} đã bị sửa (mã băm không khớp nội dung).",
                   "Audit entry {seq} was altered (its hash does not match its content)."),
    "audit.link": ("Mục nhật ký {seq} không nối tiếp mục đã lưu trước đó.",
                   "Audit entry {seq} does not chain to the previous entry stored."),
    "audit.rewritten": ("Mục nhật ký {seq} khác với mục cùng số đã lưu ở tỉnh (lịch sử bị viết lại).",
                        "Audit entry {seq} differs from the entry the province stored with that number "
                        "(history rewritten)."),
}


def _last(conn: Any, station_id: str) -> tuple[int, str]:
    a = schema.audit_entries
    row = conn.execute(select(a.c.seq, a.c.hash).where(a.c.station_id == station_id)
                       .order_by(a.c.seq.desc()).limit(1)).first()
    return (0, GENESIS_HASH) if row is None else (int(row.seq), str(row.hash))


def accept(db: Database, station_id: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Store ``entries`` (in seq order) that extend the station's stored chain. Returns the answer body; raises
    409 ``audit.gap`` (entries are missing before these: resend from ``last_seq``) or 409 with a refusal code."""
    a = schema.audit_entries
    now = utcnow()
    accepted = duplicates = 0
    refusal: tuple[str, int, str] | None = None
    gap = False
    with db.write(feed=False) as conn:
        last_seq, last_hash = _last(conn, station_id)
        seqs = [int(e["seq"]) for e in entries]
        stored = {}
        if seqs and min(seqs) <= last_seq:
            stored = {int(r.seq): str(r.hash) for r in conn.execute(
                select(a.c.seq, a.c.hash).where(a.c.station_id == station_id, a.c.seq >= min(seqs),
                                                a.c.seq <= last_seq))}
        rows: list[dict[str, Any]] = []
        for e in entries:
            seq = int(e["seq"])
            computed = _hash_of(e)
            if seq <= last_seq:
                if stored.get(seq) == e["hash"] and computed == e["hash"]:
                    duplicates += 1
                    continue
                refusal = ("audit.rewritten" if seq in stored else "audit.link", seq, e["hash"])
                break
            if computed != e["hash"]:
                refusal = ("audit.hash", seq, e["hash"])
                break
            if e["prev_hash"] != last_hash:
                if not rows and seq > last_seq + 1:
                    gap = True  # the station is ahead of what we hold (our backup is older, or a lost push)
                else:
                    refusal = ("audit.link", seq, e["hash"])
                break
            rows.append({"station_id": station_id, "received_at": now,
                         **{k: e[k] for k in ("seq", "at", "officer", "kind", "record_id", "action", "changes",
                                              "change_id", "record_hash", "prev_hash", "hash")}})
            last_seq, last_hash = seq, e["hash"]
        if rows:
            conn.execute(a.insert(), rows)
            accepted = len(rows)
        if refusal is not None:
            r = schema.audit_refusals
            code, seq, h = refusal
            known = conn.execute(select(func.count()).select_from(r).where(
                r.c.station_id == station_id, r.c.seq == seq, r.c.entry_hash == h)).scalar_one()
            if not known:
                conn.execute(r.insert().values(station_id=station_id, seq=seq, code=code, entry_hash=h, at=now))
    body: dict[str, Any] = {"accepted": accepted, "duplicates": duplicates, "last_seq": last_seq,
                            "last_hash": last_hash}
    if refusal is not None:
        code, seq, _ = refusal
        log.warning(json.dumps({"event": "audit.refused", "station": station_id, "seq": seq, "code": code}))
        vi, en = REASONS[code]
        err = ApiError(409, code, vi.format(seq=seq), en.format(seq=seq))
        err.details = {"seq": seq, **body}
        raise err
    if gap:
        err = ApiError(409, "audit.gap", "Tỉnh chưa có các mục nhật ký trước đó; gửi lại từ mục đã lưu.",
                       "The province lacks earlier audit entries; resend from the last one it stored.")
        err.details = body
        raise err
    return body


# --- entries riding on the changes (POST /v1/sync "audit") ------------------------------------------------

RIDE_REBUILD = ("Tỉnh không dựng lại được các mục nhật ký {seq}–{until} khớp với mã băm của trạm; gửi đầy đủ.",
                "The province's rebuild of audit entries {seq}–{until} does not match the station's hashes; "
                "send them whole.")


def _stored_hash(conn: Any, station_id: str, seq: int) -> str | None:
    if seq == 0:
        return GENESIS_HASH
    a = schema.audit_entries
    row = conn.execute(select(a.c.hash).where(a.c.station_id == station_id, a.c.seq == seq)).first()
    return None if row is None else str(row.hash)


def _base_state(conn: Any, commune: str, change: dict[str, Any]) -> dict[str, Any] | None:
    """The record's fields at the change's ``base_version`` (its stored version's full state), or None. Only a
    record of the station's own commune: the rebuild must tell a station nothing of another commune's records."""
    h = schema.history
    row = conn.execute(select(h.c.fields, h.c.deleted).where(
        h.c.kind == str(change["kind"]), h.c.id == str(change["id"]), h.c.version == int(change["base_version"]),
        h.c.commune_code == commune)
        .order_by(h.c.seq.desc()).limit(1)).first()
    if row is None or row.deleted:
        return None
    fields = json.loads(row.fields)
    return fields if isinstance(fields, dict) else None


def _rebuild(conn: Any, commune: str, item: list[Any], change: dict[str, Any], at_ms: int, officers: list[str],
             seq: int, prev: str) -> dict[str, Any]:
    """The full entry a compact ``[change step, at step, officer index, extra?]`` stands for, chained to ``prev``.
    Raises (KeyError, IndexError, TypeError, ValueError) when it cannot be rebuilt."""
    extra = item[3] if len(item) > 3 else {}
    idx = item[2]
    if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < len(officers):
        raise IndexError("officer")
    base = _base_state(conn, commune, change) if isinstance(extra, dict) and extra.get("p") else None
    action, changes_json, rec_hash = rebuild_audit_fields(change, extra, base)
    e = {"seq": seq, "at": ms_to_at(at_ms), "officer": officers[idx], "kind": str(change["kind"]),
         "record_id": str(change["id"]), "action": action, "changes": changes_json,
         "change_id": str(change["change_id"]), "record_hash": rec_hash, "prev_hash": prev}
    e["hash"] = _hash_of(e)
    AuditEntryIn.model_validate(e)  # the same bounds as an entry sent whole
    return e


# --- remote entries rebuilt from the province's history ("Remote entries" in docs/sync-protocol.md) ----------

def _is_remote(item: Any) -> bool:
    return isinstance(item, list) and bool(item) and item[0] == "r"


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("int")
    return v


def _remote_states(conn: Any, commune: str, items: list[Any]) -> dict[int, Any]:
    """The history rows the segment's remote entries name (by feed seq), of the station's scope only (its commune
    and reference data: a rebuild must tell a station nothing of another commune). Malformed items are skipped
    here; the rebuild then fails on them."""
    seqs: list[int] = []
    fs = 0
    for item in items:
        if _is_remote(item) and len(item) > 1 and isinstance(item[1], int) and not isinstance(item[1], bool):
            fs += item[1]
            seqs.append(fs)
    h = schema.history
    out: dict[int, Any] = {}
    for i in range(0, len(seqs), 500):
        for row in conn.execute(select(h.c.seq, h.c.kind, h.c.id, h.c.version, h.c.deleted, h.c.fields)
                                .where(h.c.seq.in_(seqs[i:i + 500]), h.c.commune_code.in_((commune, "")))):
            out[int(row.seq)] = row
    return out


def _state_at(conn: Any, commune: str, kind: str, record_id: str, version: int) -> tuple[dict[str, Any], bool]:
    h = schema.history
    row = conn.execute(select(h.c.fields, h.c.deleted).where(
        h.c.kind == kind, h.c.id == record_id, h.c.version == version, h.c.commune_code.in_((commune, "")))
        .order_by(h.c.seq.desc()).limit(1)).first()
    if row is None:
        raise KeyError("base")
    fields = json.loads(row.fields)
    if not isinstance(fields, dict):
        raise TypeError("base")
    return fields, bool(row.deleted)


def _rebuild_remote(conn: Any, commune: str, item: list[Any], row: Any, at_ms: int, officers: list[str],
                    seq: int, prev: str) -> dict[str, Any]:
    """The full ``remote`` entry ``["r", feed seq step, at step, officer index, versions back?]`` stands for: the
    station applied the history row ``row`` (the state the feed sent it) over nothing (no versions back) or over
    the province's state that many versions before. Raises (KeyError, IndexError, TypeError, ValueError)."""
    if row is None:
        raise KeyError("state")
    if len(item) not in (4, 5):
        raise IndexError("item")
    idx = _int(item[3])
    if not 0 <= idx < len(officers):
        raise IndexError("officer")
    kind = KINDS[str(row.kind)]
    fields = json.loads(row.fields)
    base: dict[str, Any] | None = None
    base_deleted = False
    if len(item) == 5:
        back = _int(item[4])
        if not 0 < back < int(row.version):
            raise ValueError("back")
        base, base_deleted = _state_at(conn, commune, str(row.kind), str(row.id), int(row.version) - back)
    changes_json, rec_hash = rebuild_remote_fields(kind, str(row.id), fields, bool(row.deleted), base, base_deleted)
    e = {"seq": seq, "at": ms_to_at(at_ms), "officer": officers[idx], "kind": kind.name, "record_id": str(row.id),
         "action": "remote", "changes": changes_json, "change_id": None, "record_hash": rec_hash, "prev_hash": prev}
    e["hash"] = _hash_of(e)
    AuditEntryIn.model_validate(e)
    return e


def ride(db: Database, station_id: str, commune: str, segment: dict[str, Any],
         changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The audit segment riding in a sync request (docs/sync-protocol.md, "Audit riding on the changes"): entries
    from ``segment["first"]`` on, each either whole (checked as on ``POST /v1/audit``) or compact, rebuilt from the
    change it names in ``changes`` (this request's), plus its ``at`` and officer. A run of compact entries carries
    no hashes: it is checked as a whole against the next whole entry's ``prev_hash``, or the segment's ``head``.
    A run that does not match is not stored, and the answer's ``audit.full`` asks for it whole (``seq`` to
    ``until``), so a broken entry among them is then named exactly as today. The rebuilt entries are stored like
    pushed ones. Returns the answer's ``audit`` member (never raises for the chain: it is a matter for the province,
    not a reason to refuse the station's records)."""
    try:
        return _ride(db, station_id, commune, segment, changes)
    except ApiError as err:
        return err.body()


def _ride(db: Database, station_id: str, commune: str, segment: dict[str, Any],
          changes: list[dict[str, Any]]) -> dict[str, Any]:
    first = int(segment["first"])
    if len(segment.get("entries") or []) > MAX_ENTRIES:
        raise too_many(len(segment["entries"]))
    with db.read() as conn:
        last_seq, last_hash = _last(conn, station_id)
        prev = _stored_hash(conn, station_id, first - 1) if first - 1 <= last_seq else None
        if prev is None:  # the province lacks entries before these: the station resends from last_seq
            err = ApiError(409, "audit.gap", "Tỉnh chưa có các mục nhật ký trước đó; gửi lại từ mục đã lưu.",
                           "The province lacks earlier audit entries; resend from the last one it stored.")
            err.details = {"accepted": 0, "duplicates": 0, "last_seq": last_seq, "last_hash": last_hash}
            raise err
        full, broken = _rebuilt(conn, commune, segment, changes, prev)
    body = accept(db, station_id, full)  # whole and rebuilt entries alike: the checks and verdicts of today
    if broken is not None:
        vi, en = RIDE_REBUILD
        log.warning(json.dumps({"event": "audit.rebuild", "station": station_id, "seq": broken[0],
                                "until": broken[1]}))
        body |= {"code": "audit.full", "seq": broken[0], "until": broken[1],
                 "vi": vi.format(seq=broken[0], until=broken[1]), "en": en.format(seq=broken[0], until=broken[1])}
    return body


def _rebuilt(conn: Any, commune: str, segment: dict[str, Any], changes: list[dict[str, Any]],
             prev: str) -> tuple[list[dict[str, Any]], tuple[int, int] | None]:
    """The segment's entries, whole, up to the first compact run that does not match the station's hashes, and
    that run (its first and last seq) or None."""
    first = int(segment["first"])
    items: list[Any] = segment.get("entries") or []
    officers: list[str] = segment.get("officers") or []
    full: list[dict[str, Any]] = []
    run_start: int | None = None  # the first seq of the compact run not yet checked
    broken: tuple[int, int] | None = None
    ci, at_ms, fs = -1, 0, 0
    seq = first - 1
    states = _remote_states(conn, commune, items) if any(_is_remote(i) for i in items) else {}
    for item in items:
        seq += 1
        if isinstance(item, dict):
            if run_start is not None:
                if item.get("prev_hash") != prev:
                    broken = (run_start, seq - 1)
                    break
                run_start = None
            full.append(item)
            prev = str(item.get("hash"))
            continue
        try:
            if _is_remote(item):
                fs += _int(item[1])
                at_ms += _int(item[2])
                e = _rebuild_remote(conn, commune, item, states.get(fs), at_ms, officers, seq, prev)
            else:
                ci += item[0]
                at_ms += item[1]
                if ci < 0 or any(isinstance(v, bool) or not isinstance(v, int) for v in item[:2]):
                    raise IndexError("change")
                e = _rebuild(conn, commune, item, changes[ci], at_ms, officers, seq, prev)
        except (KeyError, IndexError, TypeError, ValueError, OverflowError):
            broken = (run_start or seq, len(items) + first - 1)
            break
        full.append(e)
        prev = e["hash"]
        run_start = seq if run_start is None else run_start
    if broken is None and run_start is not None and prev != segment["head"]:
        broken = (run_start, seq)
    if broken is not None:
        full = [e for e in full if int(e["seq"]) < broken[0]]
    return full, broken


@dataclass
class Finding:
    seq: int
    code: str
    vi: str
    en: str


@dataclass
class VerifyReport:
    station_id: str
    entries: int = 0
    last_seq: int = 0
    findings: list[Finding] = field(default_factory=list)  # the stored chain, then refused pushes

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {"station_id": self.station_id, "entries": self.entries, "last_seq": self.last_seq, "ok": self.ok,
                "first_broken": self.findings[0].__dict__ if self.findings else None,
                "findings": [f.__dict__ for f in self.findings]}


def verify(db: Database, station_id: str) -> VerifyReport:
    """Walk the station's stored chain (recompute every hash and link: an edit of the province's own copy shows
    here) and list the pushes refused on arrival. The first finding names the first broken entry."""
    report = VerifyReport(station_id)
    a, r = schema.audit_entries, schema.audit_refusals
    prev = GENESIS_HASH
    with db.read() as conn:
        for row in conn.execute(select(a).where(a.c.station_id == station_id).order_by(a.c.seq)).mappings():
            report.entries += 1
            report.last_seq = int(row["seq"])
            e = dict(row)
            if e["prev_hash"] != prev:
                vi, en = REASONS["audit.link"]
                report.findings.append(Finding(report.last_seq, "audit.link", vi.format(seq=report.last_seq),
                                               en.format(seq=report.last_seq)))
            if _hash_of(e) != e["hash"]:
                vi, en = REASONS["audit.hash"]
                report.findings.append(Finding(report.last_seq, "audit.hash", vi.format(seq=report.last_seq),
                                               en.format(seq=report.last_seq)))
            prev = e["hash"]
        refused = conn.execute(select(r.c.seq, r.c.code).where(r.c.station_id == station_id)
                               .order_by(r.c.seq, r.c.id)).all()
    for ref in refused:
        vi, en = REASONS.get(ref.code, REASONS["audit.link"])
        report.findings.append(Finding(int(ref.seq), ref.code, "Tỉnh đã từ chối: " + vi.format(seq=ref.seq),
                                       "Refused by the province on arrival: " + en.format(seq=ref.seq)))
    return report


def station_exists(db: Database, station_id: str) -> bool:
    st = schema.stations
    with db.read() as conn:
        return conn.execute(select(st.c.id).where(st.c.id == station_id)).first() is not None


def too_many(n: int) -> ApiError:
    return ApiError(413, "batch.too_large", f"Tối đa {MAX_ENTRIES} mục nhật ký mỗi lần gửi.",
                    f"At most {MAX_ENTRIES} audit entries per request.", limit=MAX_ENTRIES)


# --- CLI ---------------------------------------------------------------------------------------------------

def _cmd_verify(args: Any) -> int:
    db = ready_db(args.db)
    if not station_exists(db, args.station):
        print(f"province-server: no station {args.station}", file=sys.stderr)
        return 2
    report = verify(db, args.station)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.ok:
        print(f"Audit trail of {args.station} intact: {report.entries} entries (last {report.last_seq}).")
    else:
        first = report.findings[0]
        print(f"Audit trail of {args.station}: first broken entry {first.seq} ({first.code}): {first.en}")
        for f in report.findings[1:]:
            print(f"  entry {f.seq} ({f.code}): {f.en}")
    return 0 if report.ok else 1


def add_cli(add: Any, sub: Any) -> None:
    audit = sub.add_parser("audit", help="stations' audit trails").add_subparsers(dest="audit_cmd", required=True)
    v = add("verify", _cmd_verify, "verify a station's stored audit chain; names the first broken entry", audit)
    v.add_argument("--station", required=True, help="station id, e.g. 07069-01")
    v.add_argument("--json", action="store_true")
