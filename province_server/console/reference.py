"""Reference data edited from the console: holiday overrides, the commune classification (remote, mountain
or island communes: the 48-hour rule) and the lookup base URL; the procedure catalogue and the deadline rules
are in ``reference_catalogue``. Validated by the same domain code the stations use; written by the province
through the ordinary apply (``exchange.apply_changes``), so the stations take it at their next sync. Before a
change is saved, ``preview_*`` says what it will affect.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from station_client.domain import dossiers
from station_client.domain.calendar import (
    OVERRIDE_TYPES,
    CalendarOverride,
    WorkCalendar,
    shipped_overrides,
    validate_override,
)
from station_client.domain.communes import commune_class_id, validate_commune_class
from station_client.domain.procedures import procedure_record_id

from .. import schema
from ..db import Database
from ..exchange import PROVINCE, Actor, apply_changes
from ..models import ChangeIn
from .queries import VN, commune_name


def override_id(day: date) -> str:
    """The station's id for the override of a day (``station_client.store.dossiers.override_record_id``): the
    province's record for a date replaces the shipped one at every station."""
    return procedure_record_id(f"calendar_override:{day.isoformat()}")


@dataclass
class Problem:
    vi: str
    en: str


@dataclass
class Preview:
    problems: list[Problem] = field(default_factory=list)
    # (commune code, commune name, dossiers whose due time moves, an example "old → new")
    moved: list[tuple[str, str, int, str]] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def moved_total(self) -> int:
        return sum(n for _, _, n, _ in self.moved)


# --- holiday overrides -----------------------------------------------------------------------------------

def province_overrides(db: Database) -> tuple[list[CalendarOverride], bool]:
    """(the overrides in force at the province, whether they are the province's own — False: shipped ones)."""
    r = schema.records
    with db.read() as conn:
        rows = [json.loads(f) for (f,) in conn.execute(select(r.c.fields).where(
            r.c.kind == "calendar_override", r.c.deleted.is_(False)))]
    own = []
    for row in rows:
        try:
            own.append(CalendarOverride.from_dict(row))
        except ValueError:
            continue
    if own:
        return sorted(own, key=lambda o: o.day), True
    return sorted(shipped_overrides(), key=lambda o: o.day), False


def _calendar(overrides: list[CalendarOverride]) -> WorkCalendar:
    return WorkCalendar.default(overrides=overrides)


def parse_override(form: dict[str, str]) -> tuple[CalendarOverride | None, list[Problem]]:
    values = {"date": form.get("date", "").strip(), "type": form.get("type", "").strip(),
              "name": form.get("name", "").strip()[:200], "source": form.get("source", "").strip()[:200]}
    problems = [Problem(p.vi, p.en) for p in validate_override(values)]
    if problems:
        return None, problems
    try:
        return CalendarOverride.from_dict(values), []
    except ValueError as exc:
        return None, [Problem("Ngày không hợp lệ.", str(exc))]


def _open_dossiers(db: Database) -> list[tuple[str, dict[str, Any]]]:
    r = schema.records
    out = []
    with db.read() as conn:
        for commune, fields in conn.execute(select(r.c.commune_code, r.c.fields).where(
                r.c.kind == "dossier", r.c.deleted.is_(False))):
            f = json.loads(fields)
            if f.get("status") in dossiers.RUNNING_STATUSES and f.get("received_at") and f.get("duration"):
                out.append((commune, f))
    return out


def preview_override(db: Database, override: CalendarOverride, delete: bool = False) -> Preview:
    """Which open dossiers' due times the change moves, per commune. Each station recomputes the same when the
    override arrives by sync (``station_client.store.dossiers.recompute_due_dates``) and pushes the moved due
    times back, so the province's copies, its statistics and the lookup page follow."""
    preview = Preview()
    current, _own = province_overrides(db)
    others = [o for o in current if o.day != override.day]
    after = others if delete else [*others, override]
    before_cal, after_cal = _calendar(current), _calendar(after)
    if before_cal.is_working_day(override.day) == after_cal.is_working_day(override.day):
        preview.notes.append(Problem("Ngày này vốn đã là " + ("ngày làm việc" if after_cal.is_working_day(
            override.day) else "ngày nghỉ") + ": không hạn nào thay đổi.",
            "That day already is a " + ("working day" if after_cal.is_working_day(override.day) else "day off")
            + ": no deadline moves."))
    now = datetime.now(UTC)
    moved: dict[str, list[str]] = {}
    for commune, f in _open_dossiers(db):
        try:
            old = dossiers.compute_due(f, before_cal, now=now)
            new = dossiers.compute_due(f, after_cal, now=now)
        except (KeyError, ValueError, TypeError):
            continue
        if old != new:
            moved.setdefault(commune, []).append(
                f"{f.get('code') or ''}: {old.astimezone(VN):%d/%m %H:%M} → {new.astimezone(VN):%d/%m %H:%M}")
    preview.moved = [(c, commune_name(c), len(v), v[0]) for c, v in sorted(moved.items())]
    return preview


def save_override(db: Database, override: CalendarOverride, delete: bool = False) -> None:
    """Write (or delete) the province's override of a day. The first edit also writes the shipped overrides the
    province had not loaded yet, so its own calendar (statistics) stays the stations' calendar."""
    current, own = province_overrides(db)
    records: list[tuple[str, dict[str, Any] | None]] = []
    if not own:
        records += [(override_id(o.day), _fields(o)) for o in current if o.day != override.day]
    records.append((override_id(override.day), None if delete else _fields(override)))
    changes = [ChangeIn(change_id=f"province-{uuid.uuid4()}", kind="calendar_override", id=rid,
                        op="delete" if fields is None else "upsert", base_version=0, fields=fields or {},
                        resolves=None) for rid, fields in records]
    _apply(db, changes)


def _fields(o: CalendarOverride) -> dict[str, Any]:
    return {"date": o.day.isoformat(), "type": o.type, "name": o.name, "source": o.source}


def _apply(db: Database, changes: list[ChangeIn]) -> None:
    results = apply_changes(db, Actor(PROVINCE, None), changes)
    bad = [r for r in results if isinstance(r, dict) and r.get("status") == "rejected"]
    if bad:
        raise ValueError(json.dumps(bad, ensure_ascii=False))


# --- commune classification --------------------------------------------------------------------------------

def commune_classes(db: Database) -> dict[str, dict[str, Any]]:
    r = schema.records
    with db.read() as conn:
        rows = [json.loads(f) for (f,) in conn.execute(select(r.c.fields).where(
            r.c.kind == "commune_class", r.c.deleted.is_(False)))]
    return {str(x.get("commune_code")): x for x in rows if x.get("commune_code")}


def parse_class(form: dict[str, str]) -> tuple[dict[str, Any] | None, list[Problem]]:
    code = form.get("commune_code", "").strip()
    values = {"commune_code": code, "commune_name": commune_name(code), "remote": form.get("remote") == "1",
              "basis": form.get("basis", "").strip()[:300] or None}
    problems = [Problem(p.vi, p.en) for p in validate_commune_class(values)]
    if not problems and commune_name(code) == code:
        problems.append(Problem(f"Mã xã/phường không tồn tại: {code}.", f"Unknown commune code: {code}."))
    return (None, problems) if problems else (values, [])


def preview_class(db: Database, values: dict[str, Any]) -> Preview:
    preview = Preview()
    current = commune_classes(db).get(values["commune_code"], {})
    was, now_remote = bool(current.get("remote")), bool(values["remote"])
    if was == now_remote:
        preview.notes.append(Problem("Phân loại không đổi: thời hạn chuyển tin báo khẩn giữ nguyên.",
                                     "The classification does not change: urgent transfer periods stay."))
    else:
        hours = (24, 48) if now_remote else (48, 24)
        preview.notes.append(Problem(
            f"Tin báo khẩn cấp tiếp nhận từ nay tại {values['commune_name']}: chuyển trong {hours[1]} giờ "
            f"(thay cho {hours[0]} giờ). Tin báo đã tiếp nhận giữ thời hạn đã tính.",
            f"Urgent reports received from now on at {values['commune_name']}: transfer within {hours[1]} h "
            f"(instead of {hours[0]} h). Reports already received keep their deadline."))
    return preview


def save_class(db: Database, values: dict[str, Any]) -> None:
    _apply(db, [ChangeIn(change_id=f"province-{uuid.uuid4()}", kind="commune_class",
                         id=commune_class_id(values["commune_code"]), op="upsert", base_version=0, fields=values,
                         resolves=None)])


def override_rows(db: Database, year: int | None = None) -> tuple[list[dict[str, Any]], bool]:
    overrides, own = province_overrides(db)
    year = year or datetime.now(VN).year
    rows = [{"date": o.day, "type": o.type, "type_vi": OVERRIDE_TYPES[o.type][0], "type_en": OVERRIDE_TYPES[o.type][1],
             "name": o.name, "source": o.source} for o in overrides if o.day.year in (year, year + 1)]
    return rows, own


# --- public lookup base URL ----------------------------------------------------------------------------------

def preview_lookup_url(db: Database, url: str) -> Preview:
    """What a new lookup base URL affects: receipts printed after each station's next sync; not those printed."""
    from .. import stations

    preview = Preview()
    current = stations.lookup_base_url(db, "")
    active = sum(1 for r in stations.list_stations(db) if r["status"] == "active")
    if current == url:
        preview.notes.append(Problem("Địa chỉ không đổi.", "The address does not change."))
        return preview
    preview.notes.append(Problem(
        f"{active} trạm in địa chỉ {url} trên phiếu hẹn từ lần đồng bộ tiếp theo của trạm. Phiếu đã in giữ địa chỉ "
        f"cũ ({current or 'địa chỉ máy chủ đồng bộ'}): hãy để địa chỉ cũ tiếp tục mở được trang tra cứu.",
        f"{active} station(s) print {url} on receipts from their next sync. Receipts already printed keep the old "
        f"address ({current or 'the sync server address'}): keep it answering the lookup page."))
    return preview
