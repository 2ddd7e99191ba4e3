"""Operations shared by the API and the CLI: stats, reference loads, receipt lookup, scope-denial log."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from sqlalchemy import func, select

from station_client.domain.registry import KINDS

from . import schema
from .db import Database, utcnow
from .errors import ApiError, not_found
from .exchange import PROVINCE, Actor, apply_changes, head_seq, normalize_lookup_code
from .models import ChangeIn, ReferenceIn

log = logging.getLogger("province_server.ops")


def log_denial(db: Database, station_id: str, kind: str, record_id: str, action: str) -> None:
    log.warning(json.dumps({"event": "scope.denied", "station": station_id, "kind": kind, "action": action}))
    with db.write(feed=False) as conn:
        conn.execute(schema.scope_denials.insert().values(station_id=station_id, kind=kind, record_id=record_id,
                                                          action=action, at=utcnow()))


def load_reference(db: Database, kind_name: str, body: ReferenceIn) -> dict[str, Any]:
    kind = KINDS.get(kind_name)
    if kind is None:
        raise ApiError(404, "kind.unknown", f"Loại dữ liệu không tồn tại: {kind_name}.", f"Unknown kind: {kind_name}.")
    if kind.scope != "reference":
        raise ApiError(400, "kind.not_reference", "Chỉ nạp được dữ liệu danh mục (reference).",
                       "Only reference kinds can be loaded this way.")
    changes = [ChangeIn(change_id=f"province-{uuid.uuid4()}", kind=kind_name, id=r.id,
                        op="delete" if r.deleted else "upsert", fields=r.fields) for r in body.records]
    results = apply_changes(db, Actor(PROVINCE, None), changes)
    rejected = [{"id": r.id, **res} for r, res in zip(body.records, results, strict=True)
                if isinstance(res, dict) and res.get("status") == "rejected"]
    return {"kind": kind_name, "loaded": len(results) - len(rejected), "rejected": rejected}


def lookup(db: Database, code: str) -> dict[str, Any]:
    """Receipt lookup: status and appointment only, never personal data."""
    normalized = normalize_lookup_code(code)
    if normalized is None:
        raise ApiError(400, "lookup.check", "Mã tra cứu không đúng (sai ký tự kiểm tra).",
                       "Wrong lookup code (the check value does not match).")
    lk = schema.lookups
    with db.read() as conn:
        row = conn.execute(select(lk.c.status, lk.c.due_at).where(lk.c.code == normalized)).first()
    if row is None:
        raise not_found("Không tìm thấy hồ sơ với mã tra cứu này.", "No dossier with this lookup code.")
    return {"status": row.status, "appointment": row.due_at}


def stats(db: Database) -> dict[str, Any]:
    """Per station: last seen, open conflicts it raised, its commune's record count; totals."""
    st, r, c, d = schema.stations, schema.records, schema.conflicts, schema.scope_denials
    with db.read() as conn:
        stations = conn.execute(select(st.c.id, st.c.name, st.c.commune_code, st.c.status, st.c.last_seen)
                                .order_by(st.c.id)).mappings().all()
        counts = dict(conn.execute(select(r.c.commune_code, func.count()).where(r.c.deleted.is_(False))
                                   .group_by(r.c.commune_code)).all())
        open_by_station = dict(conn.execute(select(c.c.station_id, func.count()).where(c.c.status == "open")
                                            .group_by(c.c.station_id)).all())
        open_by_commune = dict(conn.execute(select(c.c.commune_code, func.count()).where(c.c.status == "open")
                                            .group_by(c.c.commune_code)).all())
        denials = dict(conn.execute(select(d.c.station_id, func.count()).group_by(d.c.station_id)).all())
        total_records = conn.execute(select(func.count()).select_from(r)).scalar_one()
        head = head_seq(conn)
        epoch = db.get_meta(conn, "epoch")
    return {
        "epoch": epoch, "backend": db.backend, "head_seq": head, "records": total_records,
        "reference_records": counts.get("", 0),
        "open_conflicts": sum(open_by_commune.values()),
        "stations": [{"id": s["id"], "name": s["name"], "commune_code": s["commune_code"], "status": s["status"],
                      "last_seen": s["last_seen"], "open_conflicts": open_by_station.get(s["id"], 0),
                      "commune_open_conflicts": open_by_commune.get(s["commune_code"], 0),
                      "commune_records": counts.get(s["commune_code"], 0),
                      "scope_denials": denials.get(s["id"], 0)} for s in stations],
    }
