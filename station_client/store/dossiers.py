"""Dossier queries and writes: the procedure catalogue and calendar as the store holds them, dossier codes,
intake, status actions, print counts, and the due / overdue / coming-due lists.

Reads take a plain ``sqlite3.Connection`` (the app's read-only reader connections, or ``store.conn``); writes
take the ``Store`` and go through its one write path (record + audit + outbox), except the shipped reference
data, which is written as the province's (audit action ``remote``, no outbox — stations never push reference
kinds). Until the shipped catalogue has been loaded, reads fall back to the files in ``resources/``.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..clock import now_iso, office_now, office_today, to_office
from ..domain import dossiers as dom
from ..domain.calendar import CalendarOverride, WorkCalendar, shipped_overrides
from ..domain.deadlines import Duration
from ..domain.kinds import RecordKind
from ..domain.problems import Problem, ValidationError
from ..domain.procedures import Procedure, procedure_record_id, shipped_catalogue
from ..domain.registry import get_kind
from ..domain.text import fold
from ..wire import sha256_hex
from .codec import canonical_json, fields_only, from_db, record_hash, to_db
from .store import Store

REFERENCE_OFFICER = "catalogue"  # who the audit names for shipped reference data
SETTING_PATTERN = "dossier.code_pattern"
SETTING_STATION_CODE = "dossier.station_code"  # set by the province/installer; else generated once per file
SETTING_COMMUNE = "station.commune_code"
SETTING_LOADED = "dossier.reference_loaded"  # hash of the shipped reference data last loaded
_TAG_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone


# ----------------------------------------------------------------------------------------- reference data
def load_reference_records(store: Store, kind_name: str, entries: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """Write reference records as the province's state (``server_version`` 0, ``sync_state`` synced, audit
    ``remote``, nothing queued). A record the province has already sent (``server_version`` > 0) is left
    alone: the province's version wins over what shipped. Returns how many records were written."""
    kind = get_kind(kind_name)
    if kind.scope != "reference":
        raise ValueError(f"{kind_name} is not a reference kind")
    written = 0
    with store.transaction() as conn:
        for record_id, values in entries:
            clean, problems = kind.coerce(values)
            record = kind.empty_record() | clean
            problems += kind.validate(record)
            if problems:
                raise ValidationError(problems)
            row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
            if row is not None and row["server_version"] > 0:
                continue
            written += _write_reference(store, kind, record_id, record, row)
    return written


def _write_reference(store: Store, kind: RecordKind, record_id: str, record: dict[str, Any],
                     row: sqlite3.Row | None) -> int:
    conn = store.conn
    now = now_iso()
    if row is None:
        db_values = to_db(kind, record)
        columns = ["id", *db_values, "created_at", "updated_at", "updated_by", "sync_state"]
        conn.execute(f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     (record_id, *db_values.values(), now, now, REFERENCE_OFFICER, "synced"))
        diff = {f: [None, v] for f, v in record.items() if v is not None}
    else:
        current = fields_only(kind, from_db(kind, row))
        diff = {f: [current[f], record[f]] for f in kind.field_names if current[f] != record[f]}
        if not diff and not row["deleted"]:
            return 0
        db_values = to_db(kind, record)
        assignments = "".join(f"{c} = ?, " for c in db_values)
        conn.execute(f"UPDATE {kind.table} SET {assignments}deleted = 0, version = version + 1, updated_at = ?, "
                     "updated_by = ?, sync_state = 'synced' WHERE id = ?",
                     (*db_values.values(), now, REFERENCE_OFFICER, record_id))
    store.append_audit(kind, record_id, "remote", diff, REFERENCE_OFFICER, now, None,
                       record_hash(kind, record_id, record, False))
    store.note_change(kind.name, record_id)
    return 1


def override_record_id(day: date) -> str:
    """Shipped overrides are keyed by date, so the province's record for the same date replaces them."""
    return procedure_record_id(f"calendar_override:{day.isoformat()}")


def ensure_reference_data(store: Store) -> int:
    """Load the shipped procedure catalogue and calendar overrides if this file has not got this version of
    them yet (cheap when it has: one settings read). Call at start-up and before intake."""
    procedures = shipped_catalogue()
    overrides = shipped_overrides()
    fingerprint = sha256_hex(canonical_json([procedures, [(o.day.isoformat(), o.type, o.name, o.source)
                                                          for o in overrides]]))
    if store.get_setting(SETTING_LOADED) == fingerprint:
        return 0
    with store.transaction():
        written = load_reference_records(store, "procedure", ((procedure_record_id(p["key"]), p) for p in procedures))
        written += load_reference_records(store, "calendar_override", (
            (override_record_id(o.day), {"date": o.day, "type": o.type, "name": o.name, "source": o.source})
            for o in overrides))
        store.set_setting(SETTING_LOADED, fingerprint)
    return written


def list_procedures(conn: sqlite3.Connection, *, active_only: bool = True) -> list[Procedure]:
    """The catalogue in the store (or the shipped one before it was loaded), by field then name."""
    kind = get_kind("procedure")
    rows = conn.execute(f"SELECT * FROM {kind.table} WHERE deleted = 0").fetchall()
    records = [from_db(kind, r) for r in rows] if rows else shipped_catalogue()
    out = [Procedure.from_record(r) for r in records]
    if active_only:
        out = [p for p in out if p.active]
    return sorted(out, key=lambda p: (p.field, p.name))


def procedure_usage(conn: sqlite3.Connection) -> dict[str, int]:
    """Dossiers this station has received, per procedure key: the intake's list puts the most used first."""
    table = get_kind("dossier").table
    rows = conn.execute(f"SELECT procedure_key, COUNT(*) FROM {table} WHERE deleted = 0 GROUP BY procedure_key")
    return {str(key): int(n) for key, n in rows if key}


def get_procedure(conn: sqlite3.Connection, key: str) -> Procedure | None:
    return next((p for p in list_procedures(conn, active_only=False) if p.key == key), None)


def calendar_overrides(conn: sqlite3.Connection) -> list[CalendarOverride]:
    kind = get_kind("calendar_override")
    rows = conn.execute(f"SELECT * FROM {kind.table} WHERE deleted = 0 ORDER BY date, n").fetchall()
    if not rows:
        return shipped_overrides()
    return [CalendarOverride.from_dict(from_db(kind, r)) for r in rows]


def work_calendar(conn: sqlite3.Connection) -> WorkCalendar:
    """The working-day calendar with the overrides this station holds (the province's, once synced)."""
    return WorkCalendar.default(overrides=calendar_overrides(conn))


# ----------------------------------------------------------------------------------------- codes
def next_counter(store: Store, scope: str) -> int:
    """The next value of a station-local counter (1, 2, ...). Runs inside the caller's transaction when there
    is one, so a rolled-back intake gives its number back."""
    with store.transaction() as conn:
        row = conn.execute("INSERT INTO dossier_counters(scope, value) VALUES (?, 1) ON CONFLICT(scope) "
                           "DO UPDATE SET value = value + 1 RETURNING value", (scope,)).fetchone()
    return int(row[0])


def station_code(store: Store) -> str:
    """The station part of dossier codes: the configured ``dossier.station_code``, else the commune code plus
    a tag made once for this station file. The tag is what keeps two machines of one commune apart offline."""
    configured = store.get_setting(SETTING_STATION_CODE)
    if configured:
        return configured
    tag = "".join(secrets.choice(_TAG_ALPHABET) for _ in range(4))
    commune = (store.get_setting(SETTING_COMMUNE) or "").strip()
    code = f"{commune}.{tag}" if commune else tag
    store.set_setting(SETTING_STATION_CODE, code)
    return code


def allocate_codes(store: Store, day: date) -> tuple[str, str]:
    """A new dossier code (configurable pattern) and receipt serial ``N/PTN`` (counted per year)."""
    pattern = store.get_setting(SETTING_PATTERN) or dom.DEFAULT_CODE_PATTERN
    station = station_code(store)
    counter = next_counter(store, "code:" + dom.code_scope(pattern, station, day))
    serial = next_counter(store, f"receipt:{day.year}")
    return dom.render_code(pattern, station, day, counter), f"{serial}/PTN"


# ----------------------------------------------------------------------------------------- writes
@dataclass(frozen=True)
class Intake:
    """What the officer entered at the counter."""

    procedure_key: str
    applicant: dict[str, Any]  # name, personal_id, person_id, birth_date, permanent_address, ... (no prefix)
    documents: Sequence[dict[str, Any]]  # {"name", "form", "count", "note"}
    received_at: datetime
    complete: bool = True
    supplement_items: Sequence[str] = ()
    supplement_note: str | None = None
    channel: str = "in_person"
    result_channel: str = "paper"
    result_place: str | None = None
    request_content: str | None = None
    sets: int = 1
    fee: int | None = None  # None: the procedure's fee for the channel
    duration: Duration | None = None  # one of the procedure's alternatives
    officer_name: str | None = None
    note: str | None = None


def create_dossier(store: Store, intake: Intake, *, officer: str) -> dict[str, Any]:
    """Receive a dossier: codes, due time and the record, in one transaction."""
    import uuid

    ensure_reference_data(store)
    procedure = get_procedure(store.conn, intake.procedure_key)
    if procedure is None:
        raise ValidationError([Problem("procedure_key", "procedure.unknown", "Thủ tục không có trong danh mục.",
                                       "The procedure is not in the catalogue.")])
    cal = work_calendar(store.conn)
    record_id = str(uuid.uuid4())
    with store.transaction():
        code, receipt_no = allocate_codes(store, to_office(intake.received_at).date())
        fields = dom.new_dossier_fields(
            code=code, record_id=record_id, procedure=procedure, applicant=dict(intake.applicant),
            received_at=intake.received_at, cal=cal, documents=intake.documents, complete=intake.complete,
            supplement_items=intake.supplement_items, duration=intake.duration, channel=intake.channel,
            receipt_no=receipt_no, result_channel=intake.result_channel, result_place=intake.result_place,
            request_content=intake.request_content or procedure.name, sets=intake.sets,
            officer_name=intake.officer_name, note=intake.note, supplement_note=intake.supplement_note)
        if intake.fee is not None:
            fields["fee"] = intake.fee
        return store.create("dossier", fields, officer=officer, record_id=record_id)


def apply_action(store: Store, record_id: str, action: str, *, officer: str, at: datetime | None = None,
                 details: dict[str, Any] | None = None, expected_version: int | None = None) -> dict[str, Any]:
    """Move a dossier along its workflow (``domain.dossiers.ACTIONS``) through the write path."""
    with store.transaction():
        record = store.get("dossier", record_id)
        if record is None:
            from .errors import RecordNotFound

            raise RecordNotFound("Không tìm thấy hồ sơ.", "The dossier was not found.")
        changes = dom.transition(record, action, at or office_now(), work_calendar(store.conn),
                                 details=details)
        return store.update("dossier", record_id, changes, officer=officer, expected_version=expected_version)


def mark_printed(store: Store, record_id: str, *, officer: str) -> int:
    """Count a print of the dossier's receipt (audited like any change); returns the new count — above 1 the
    printout says it is a reprint."""
    with store.transaction():
        record = store.get("dossier", record_id)
        if record is None:
            from .errors import RecordNotFound

            raise RecordNotFound("Không tìm thấy hồ sơ.", "The dossier was not found.")
        count = int(record.get("print_count") or 0) + 1
        store.update("dossier", record_id, {"print_count": count}, officer=officer)
    return count


# ----------------------------------------------------------------------------------------- reads
def _dossier(row: sqlite3.Row) -> dict[str, Any]:
    return from_db(get_kind("dossier"), row)


def get_by_code(conn: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM dossiers WHERE code = ? AND deleted = 0 LIMIT 1", (code.strip(),)).fetchone()
    return _dossier(row) if row else None


def get_dossier(conn: sqlite3.Connection, record_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM dossiers WHERE id = ? AND deleted = 0", (record_id,)).fetchone()
    return _dossier(row) if row else None


def _day_bounds(day: date) -> tuple[str, str]:
    return day.isoformat(), (day + timedelta(days=1)).isoformat()


def _running(statuses: Sequence[str] = dom.RUNNING_STATUSES) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def due_today(conn: sqlite3.Connection, today: date, limit: int = 500) -> list[dict[str, Any]]:
    """Open dossiers (clock running) due today, and results ready whose appointment is today."""
    lo, hi = _day_bounds(today)
    rows = conn.execute(
        f"SELECT * FROM dossiers WHERE deleted = 0 AND ({_running()} OR status = 'result_ready') "
        "AND due_at >= ? AND due_at < ? ORDER BY due_at LIMIT ?", (lo, hi, limit)).fetchall()
    return [_dossier(r) for r in rows]


def overdue(conn: sqlite3.Connection, today: date, limit: int = 500) -> list[dict[str, Any]]:
    """Open dossiers whose due day has passed (a dossier waiting for a supplement is not overdue)."""
    rows = conn.execute(f"SELECT * FROM dossiers WHERE deleted = 0 AND {_running()} AND due_at < ? "
                        "ORDER BY due_at LIMIT ?", (today.isoformat(), limit)).fetchall()
    return [_dossier(r) for r in rows]


def coming_due(conn: sqlite3.Connection, today: date, cal: WorkCalendar, working_days: int = 2,
               limit: int = 500) -> list[dict[str, Any]]:
    """Open dossiers due after today and within ``working_days`` working days."""
    last = cal.add_working_days(today, working_days)
    rows = conn.execute(f"SELECT * FROM dossiers WHERE deleted = 0 AND {_running()} AND due_at >= ? AND due_at < ? "
                        "ORDER BY due_at LIMIT ?",
                        (_day_bounds(today)[1], _day_bounds(last)[1], limit)).fetchall()
    return [_dossier(r) for r in rows]


def by_status(conn: sqlite3.Connection, status: str, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    if status not in dom.STATUSES:
        raise ValueError(status)
    rows = conn.execute("SELECT * FROM dossiers WHERE deleted = 0 AND status = ? ORDER BY due_at LIMIT ? OFFSET ?",
                        (status, limit, offset)).fetchall()
    return [_dossier(r) for r in rows]


def count_by_status(conn: sqlite3.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT status, count(*) FROM dossiers WHERE deleted = 0 GROUP BY status").fetchall()
    return {r[0]: int(r[1]) for r in rows}


LIST_FILTERS = ("open", "due_today", "overdue", "supplement_requested", "result_ready", "closed", "all")


def list_dossiers(conn: sqlite3.Connection, *, flt: str = "open", text: str = "", today: date | None = None,
                  limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """One page of the dossier list. ``text`` matches the code, lookup code, applicant name (with or without
    diacritics) or personal ID."""
    where = ["deleted = 0"]
    params: list[Any] = []
    today = today or office_today()
    if flt == "open":
        where.append("status IN (" + ", ".join(f"'{s}'" for s in dom.OPEN_STATUSES) + ", 'result_ready')")
    elif flt == "due_today":
        where.append(f"({_running()} OR status = 'result_ready') AND due_at >= ? AND due_at < ?")
        params += _day_bounds(today)
    elif flt == "overdue":
        where.append(f"{_running()} AND due_at < ?")
        params.append(today.isoformat())
    elif flt in ("supplement_requested", "result_ready"):
        where.append("status = ?")
        params.append(flt)
    elif flt == "closed":
        where.append("status IN ('returned', 'refused')")
    elif flt != "all":
        raise ValueError(flt)
    if text.strip():
        # A scan with a folding SQL function: dossier lists are thousands of rows, and the scan stays in SQLite.
        conn.create_function("fold_vi", 1, lambda v: fold(v) if v else "", deterministic=True)
        needle = fold(text)
        compact = needle.replace(" ", "").replace("-", "")
        where.append("(fold_vi(applicant_name) LIKE ? OR lower(code) LIKE ? OR "
                     "replace(lower(lookup_code), '-', '') LIKE ? OR applicant_personal_id LIKE ?)")
        params += [f"%{needle}%", f"%{needle}%", f"%{compact}%", f"%{compact}%"]
    sql = f"SELECT * FROM dossiers WHERE {' AND '.join(where)} ORDER BY received_at DESC, n DESC LIMIT ? OFFSET ?"
    return [_dossier(r) for r in conn.execute(sql, (*params, limit, offset)).fetchall()]


def read_settings(conn: sqlite3.Connection, prefix: str) -> dict[str, str | None]:
    """Station settings whose key starts with ``prefix`` (e.g. ``station.``), for document headers."""
    rows = conn.execute("SELECT key, value FROM settings WHERE key LIKE ? || '%'", (prefix,)).fetchall()
    return {r[0]: r[1] for r in rows}


def get_person(conn: sqlite3.Connection, person_id: str) -> dict[str, Any] | None:
    """A resident picked as the applicant (the intake form fills the applicant's fields from it)."""
    row = conn.execute("SELECT * FROM persons WHERE id = ? AND deleted = 0", (person_id,)).fetchone()
    return from_db(get_kind("person"), row) if row else None


# ----------------------------------------------------------------------------------------- calendar changes
# Reference kinds whose arrival by sync can move the due time of a dossier whose clock is running. Only the
# calendar: a dossier keeps the duration it was given at intake (``new_dossier_fields`` snapshots it, as the
# receipt printed it), so a later edit of the procedure's duration applies to dossiers received after it, and
# the province's console says so in its preview. A holiday, though, is a fact about the days the clock counts:
# an open dossier whose window now spans the new day off is due a working day later (or earlier, for a new
# make-up working day), the same due time the province's preview computes (``compute_due`` on the province's
# calendar) and the one its statistics judge the dossier by.
RECOMPUTE_KINDS = ("calendar_override",)
MOVED_BY = "system:sync"  # the actor of a recomputed due time (``acting_as_system("sync")``)


@dataclass(frozen=True)
class MovedAppointment:
    record_id: str
    code: str
    old: datetime
    new: datetime
    printed: bool  # the receipt with the old appointment was handed out


def recompute_due_dates(store: Store) -> list[MovedAppointment]:
    """Recompute the stored due time of every dossier whose clock runs (``RUNNING_STATUSES``) on the calendar
    the store now holds, and write each one that moved through the write path (audit entry, sync change), as
    the program's sync. Call after the province's calendar records were applied, inside that transaction.

    A dossier waiting for a supplement gets its due time at ``receive_supplement`` (on the calendar then); a
    dossier whose result is ready keeps the appointment it was judged by (``outcome``). One dossier that cannot
    be written (a pending conflict the write path refuses) is left as it is: the rest move, the sync goes on."""
    from .errors import StoreError

    cal = work_calendar(store.conn)
    rows = store.conn.execute(f"SELECT * FROM dossiers WHERE deleted = 0 AND {_running()}").fetchall()
    moved: list[MovedAppointment] = []
    with store.transaction(), store.acting_as_system("sync"):
        for row in rows:
            record = _dossier(row)
            if not record.get("due_at") or not record.get("received_at") or not record.get("duration"):
                continue
            try:
                old = datetime.fromisoformat(str(record["due_at"]))
                new = dom.compute_due(record, cal)
            except (KeyError, TypeError, ValueError):
                continue
            if new == old:
                continue
            try:
                store.update("dossier", record["id"], {"due_at": new.isoformat()})
            except (StoreError, ValidationError):
                continue
            moved.append(MovedAppointment(record["id"], str(record.get("code") or ""), old, new,
                                          int(record.get("print_count") or 0) > 0))
    return moved


def appointment_moves(conn: sqlite3.Connection, record_ids: Sequence[str]) -> dict[str, tuple[datetime, datetime]]:
    """For each of ``record_ids`` whose appointment a calendar change moved (``recompute_due_dates``): the
    appointment before the first such move and the one now. The officer sees it on the dossier ("hẹn trả đã
    dời: old → new") so that a receipt already handed out is not silently wrong: the applicant is told."""
    if not record_ids:
        return {}
    out: dict[str, tuple[datetime, datetime]] = {}
    marks = ", ".join("?" * len(record_ids))
    rows = conn.execute(f"SELECT record_id, changes FROM audit WHERE kind = 'dossier' AND officer = ? "
                        f"AND record_id IN ({marks}) ORDER BY seq", (MOVED_BY, *record_ids)).fetchall()
    import json

    for record_id, changes in rows:
        try:
            old, new = json.loads(changes)["due_at"]
            first = out[record_id][0] if record_id in out else datetime.fromisoformat(old)
            out[record_id] = (first, datetime.fromisoformat(new))
        except (KeyError, TypeError, ValueError):
            continue
    return out
