"""The investigation agency's inbox: the decision on a transferred crime report, written back to the commune.

A decision (prosecute, not prosecute, suspend: ``crime_reports.AGENCY_DECISIONS``) is written into the
commune's own ``crime_report`` record (its ``agency_decision`` field, which the station already shows on the
report) by the province through the ordinary versioned apply, so it reaches the commune's stations at their
next sync. The form carries the record version the officer saw: if the station changed the report's status or
decision since, the save is refused and the officer sees the current state first — never an overwrite. A
station edit of the same field made before it pulled the decision is answered with a conflict by the apply.

Not yet: the acknowledgement and its 3-working-day clock, the legal ground and date of each decision, the
extensions, and the station's notice to give the reporter (issue 17, item 5).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from station_client.domain.crime_reports import AGENCY_DECISIONS

from .. import schema
from ..db import Database
from ..exchange import PROVINCE, Actor, apply_changes
from ..models import ChangeIn

WATCHED = ("status", "agency_decision")


class DecisionRefused(Exception):
    def __init__(self, status: int, vi: str, en: str) -> None:
        super().__init__(en)
        self.status = status
        self.vi = vi
        self.en = en


def decide(db: Database, record_id: str, decision: str, seen_version: int) -> int:
    """Record ``decision`` on a transferred report; returns the record's new version."""
    if decision not in AGENCY_DECISIONS:
        raise DecisionRefused(400, "Kết quả giải quyết không hợp lệ.", "Unknown decision.")
    r, h = schema.records, schema.history
    with db.read() as conn:
        row = conn.execute(select(r.c.version, r.c.fields, r.c.deleted).where(
            r.c.kind == "crime_report", r.c.id == record_id)).first()
        if row is None or row.deleted:
            raise DecisionRefused(404, "Không có tin báo này.", "No such report.")
        fields = json.loads(row.fields)
        since = [json.loads(changed) for (changed,) in conn.execute(select(h.c.changed).where(
            h.c.kind == "crime_report", h.c.id == record_id, h.c.version > seen_version))]
    if any(name in WATCHED for changed in since for name in changed):
        raise DecisionRefused(409, "Trạm vừa cập nhật tin báo này; xem lại trạng thái hiện tại rồi ghi lại.",
                              "The station updated this report since you opened it; check its state and save again.")
    if fields.get("status") != "transferred":
        raise DecisionRefused(409, "Tin báo không còn ở trạng thái đã chuyển cơ quan điều tra.",
                              "The report is no longer in the transferred state.")
    change = ChangeIn(change_id=f"province-{uuid.uuid4()}", kind="crime_report", id=record_id, op="upsert",
                      base_version=int(row.version), fields={"agency_decision": decision}, resolves=None)
    result: Any = apply_changes(db, Actor(PROVINCE, None), [change])[0]
    if isinstance(result, dict) and result.get("status") == "rejected":
        raise DecisionRefused(422, "Hồ sơ không hợp lệ.", json.dumps(result, ensure_ascii=False))
    with db.read() as conn:
        return int(conn.execute(select(r.c.version).where(r.c.kind == "crime_report", r.c.id == record_id))
                   .scalar_one())
