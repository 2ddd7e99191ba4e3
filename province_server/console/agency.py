"""The investigation agency's inbox: acknowledge, extend and decide a transferred crime report, written back to
the commune (``station_client.domain.agency`` holds the rules and clocks; this module only reads and writes).

Each step is computed by the stations' own domain code from the report as the province holds it now and written
into the commune's ``crime_report`` record by the province through the ordinary versioned apply, based on the
version the officer saw (``base_version``), so it reaches the commune's stations at their next sync. The form
carries that version: if since then the station changed the report's status, or another officer took a step on
it (an agency field), the save is refused (409) and the officer sees the current state first — never an
overwrite, never a second extension meant as the first. A station edit of another field meanwhile (its note)
is merged by the apply; a station delete is answered ``stale`` by the apply (``exchange._stale_for_province``).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from station_client.domain import agency as ag
from station_client.domain.deadlines import default_office_hours
from station_client.domain.problems import ValidationError

from .. import schema
from ..db import Database
from ..exchange import PROVINCE, Actor, apply_changes
from ..models import ChangeIn

WATCHED = frozenset({"status"}) | ag.AGENCY_FIELDS


class DecisionRefused(Exception):
    def __init__(self, status: int, vi: str, en: str) -> None:
        super().__init__(en)
        self.status = status
        self.vi = vi
        self.en = en


def _calendar(conn: Any) -> Any:
    from ..statistics import _reference

    return _reference(conn)[0]  # the calendar the province's statistics and the stations count with


def act(db: Database, record_id: str, action: str, details: dict[str, Any], seen_version: int, officer: str, *,
        now: datetime | None = None) -> int:
    """Take the agency's ``action`` (acknowledge, extend, decide) on a transferred report, as ``officer``;
    returns the record's new version. ``DecisionRefused`` says why not (400, 404, 409, 422)."""
    if action not in ag.ACTIONS:
        raise DecisionRefused(400, "Thao tác không hợp lệ.", "Unknown action.")
    r, h = schema.records, schema.history
    with db.read() as conn:
        row = conn.execute(select(r.c.version, r.c.fields, r.c.deleted).where(
            r.c.kind == "crime_report", r.c.id == record_id)).first()
        if row is None or row.deleted:
            raise DecisionRefused(404, "Không có tin báo này.", "No such report.")
        fields = json.loads(row.fields)
        since = [json.loads(changed) for (changed,) in conn.execute(select(h.c.changed).where(
            h.c.kind == "crime_report", h.c.id == record_id, h.c.version > seen_version))]
        cal = _calendar(conn)
    if any(name in WATCHED for changed in since for name in changed):
        raise DecisionRefused(409, "Tin báo vừa được cập nhật (trạm hoặc cán bộ khác); xem lại trạng thái hiện tại "
                              "rồi ghi lại.", "The report was updated since you opened it (by the station or "
                              "another officer); check its state and save again.")
    when = now or datetime.now(default_office_hours().tz)
    try:
        changes = ag.agency_transition(fields, action, when, officer, cal, details=details)
    except ValidationError as exc:
        p = exc.problems[0]
        raise DecisionRefused(409 if p.code in ("already", "not_transferred", "exhausted", "not_acknowledged")
                              else 422, p.vi, p.en) from None
    change = ChangeIn(change_id=f"province-{uuid.uuid4()}", kind="crime_report", id=record_id, op="upsert",
                      base_version=seen_version, fields=changes, resolves=None)
    result: Any = apply_changes(db, Actor(PROVINCE, None), [change])[0]
    if isinstance(result, dict) and result.get("status") == "stale":
        raise DecisionRefused(409, "Tin báo vừa được cập nhật; xem lại trạng thái hiện tại rồi ghi lại.",
                              "The report was updated since you opened it; check its state and save again.")
    if isinstance(result, dict) and result.get("status") == "rejected":
        raise DecisionRefused(422, "Hồ sơ không hợp lệ.", json.dumps(result, ensure_ascii=False))
    with db.read() as conn:
        return int(conn.execute(select(r.c.version).where(r.c.kind == "crime_report", r.c.id == record_id))
                   .scalar_one())


def decide(db: Database, record_id: str, decision: str, seen_version: int, officer: str = "agency", *,
           ground: str = "", decision_no: str = "", date: str = "") -> int:
    """Record the decision (prosecute, not prosecute, suspend) with its ground, number and date."""
    return act(db, record_id, "decide", {"decision": decision, "ground": ground, "decision_no": decision_no,
                                         "date": date}, seen_version, officer)
