"""Crime reports, petitions, mediation cases and administrative violations: intake with register numbers,
status actions, the yearly registers, due/overdue lists and search (period statistics: ``store/statistics.py``).

Reads take a plain ``sqlite3.Connection`` (a reader connection, or ``store.conn``); writes take the ``Store``
and go through its one write path (record + audit + outbox), so every change is audited and synced.

Register numbers (``domain/reports.py``) are ``seq/year/register/station``: the sequence is the highest one
this station has used in that register and year, plus one, read inside the write transaction (``BEGIN
IMMEDIATE``: no two writers can read the same maximum). Deleted rows keep their number, so a number is never
given twice; a station restored from the province gets its records — and so its highest number — back.

Search folds diacritics (``fold``: "nguyen van duc" finds "Nguyễn Văn Đức") on both sides. These registers
hold hundreds of entries a year per station, not a million, so search scans the kind's live rows with a
folding SQL function instead of keeping a full-text index (which the write path would have to maintain).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from ..domain import agency
from ..domain.calendar import WorkCalendar
from ..domain.deadline_rules import RuleSet
from ..domain.deadlines import OfficeHours, default_office_hours
from ..domain.registry import REPORTS, get_kind, get_report
from ..domain.reports import format_register_no
from ..domain.text import fold_tokens
from .codec import from_db
from .store import Store

# Each kind's facts (register letters, open statuses, search columns, intake and actions) are declared in its
# domain module (``domain.registry.REPORTS``); these views of them keep the register's queries short.
KINDS = tuple(REPORTS)
RECEIVED_COLUMN = {name: r.at_field for name, r in REPORTS.items()}  # the column each kind is registered by
OPEN_STATUSES: dict[str, tuple[str, ...]] = {name: r.open_statuses for name, r in REPORTS.items()}


def _table(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"not a report kind: {kind}")
    return get_kind(kind).table


# ----------------------------------------------------------------------------------------- rules and calendar
def rule_set(conn: sqlite3.Connection) -> RuleSet:
    """The deadline rules in force: shipped ones, overlaid by the province's ``deadline_rule`` records."""
    kind = get_kind("deadline_rule")
    rows = conn.execute(f"SELECT * FROM {kind.table} WHERE deleted = 0 AND coalesce(active, 1) = 1").fetchall()
    return RuleSet.load(from_db(kind, r) for r in rows)


def work_calendar(conn: sqlite3.Connection) -> WorkCalendar:
    """The shared working-day calendar (dossiers' store module: shipped and province overrides)."""
    from .dossiers import work_calendar as dossier_calendar

    return dossier_calendar(conn)


def commune_is_remote(conn: sqlite3.Connection, commune_code: str | None) -> bool:
    """Whether the province classifies ``commune_code`` as a remote, mountain or island commune (the 48-hour
    rule). A commune the province has not classified is not remote."""
    if not commune_code:
        return False
    row = conn.execute("SELECT remote FROM commune_classes WHERE commune_code = ? AND deleted = 0 "
                       "ORDER BY server_version DESC LIMIT 1", (commune_code,)).fetchone()
    return bool(row and row[0])


def station_is_remote(conn: sqlite3.Connection) -> bool:
    """The classification of this station's commune: the commune the province enrolled it in, else the one set
    up on the station (setting ``station.commune_code``). A reader connection will do (the intake form shows it)."""
    row = conn.execute("SELECT value FROM sync_state WHERE key = 'station.commune_code' UNION ALL "
                       "SELECT value FROM settings WHERE key = 'station.commune_code'").fetchone()
    return commune_is_remote(conn, row[0] if row else None)


def station_code(store: Store) -> str:
    """One station code for every register and dossier code of this station file (see ``store/dossiers``)."""
    from .dossiers import station_code as dossier_station_code

    return dossier_station_code(store)


# ----------------------------------------------------------------------------------------- writes
def next_register_seq(conn: sqlite3.Connection, kind: str, year: int, station: str) -> int:
    row = conn.execute(f"SELECT max(register_seq) FROM {_table(kind)} WHERE register_year = ? AND station_code = ?",
                       (year, station)).fetchone()
    return int(row[0] or 0) + 1


def create(store: Store, kind: str, values: dict[str, Any], *, officer: str, at: datetime,
           hours: OfficeHours | None = None) -> dict[str, Any]:
    """Take in a new report / petition / case / violation received (recorded) at ``at``: status, deadlines and
    the register number, written in one transaction. Raises ``ValidationError`` (nothing written)."""
    hours = hours or default_office_hours()
    local = hours.local(at)
    with store.transaction() as conn:
        if kind == "crime_report":  # the province's classification of the commune, never a tick on the form
            values = {k: v for k, v in values.items() if k != "remote_override_reason"}
            values["remote_commune"] = station_is_remote(conn)
        fields = get_report(kind).intake(values, local, rule_set(conn), work_calendar(conn), hours=hours)
        station = station_code(store)
        seq = next_register_seq(conn, kind, local.year, station)
        fields |= {"register_year": local.year, "register_seq": seq, "station_code": station,
                   "register_no": format_register_no(get_report(kind).register, local.year, seq, station)}
        return store.create(kind, fields, officer=officer)


def apply_action(store: Store, kind: str, record_id: str, action: str, *, officer: str, at: datetime,
                 details: dict[str, Any] | None = None, expected_version: int | None = None,
                 hours: OfficeHours | None = None) -> dict[str, Any]:
    """Run a status action (``domain/<kind>.transition``) and write its changes as one update."""
    from .errors import RecordNotFound

    with store.transaction() as conn:
        record = store.get(kind, record_id)
        if record is None:
            raise RecordNotFound("Không tìm thấy hồ sơ (có thể đã bị xóa).",
                                 "The record was not found (it may have been deleted).")
        changes = get_report(kind).transition(record, action, at, rule_set(conn), work_calendar(conn),
                                              details=details, hours=hours)
        return store.update(kind, record_id, changes, officer=officer, expected_version=expected_version)


def edit(store: Store, kind: str, record_id: str, changes: dict[str, Any], *, officer: str,
         expected_version: int | None = None) -> dict[str, Any]:
    """Correct what was entered at intake. Fields the workflow owns (status, deadlines, register number) are
    changed only by actions, so a correction cannot move a statutory deadline or renumber the register."""
    owned = {"status", "register_no", "register_year", "register_seq", "station_code", "due_at", "rule_key",
             "duration", "received_at", "recorded_at", "urgent", "remote_commune", "classify_due_at",
             "forward_due_at", "resolve_due_at", "decision_due_at", "items_due_at", "resolve_extensions"}
    bad = sorted(set(changes) & owned)
    if bad:
        raise ValueError(f"fields changed only by actions: {bad}")
    return store.update(kind, record_id, changes, officer=officer, expected_version=expected_version)


# ----------------------------------------------------------------------------------------- reads
def get(conn: sqlite3.Connection, kind: str, record_id: str) -> dict[str, Any] | None:
    k = get_kind(kind)
    row = conn.execute(f"SELECT * FROM {_table(kind)} WHERE id = ? AND deleted = 0", (record_id,)).fetchone()
    return from_db(k, row) if row else None


def register(conn: sqlite3.Connection, kind: str, *, year: int | None = None, start: date | None = None,
             end: date | None = None, statuses: Sequence[str] | None = None, limit: int = 500,
             offset: int = 0) -> list[dict[str, Any]]:
    """Entries of a register: a year (by register number) or a period ``[start, end]`` of the received date,
    newest first for a year, in register order for a period (as the printed register reads)."""
    k = get_kind(kind)
    col = RECEIVED_COLUMN[kind]
    where = ["deleted = 0"]
    args: list[Any] = []
    if year is not None:
        where.append("register_year = ?")
        args.append(year)
    if start is not None:
        where.append(f"{col} >= ?")
        args.append(start.isoformat())
    if end is not None:
        where.append(f"{col} < ?")
        args.append((end + timedelta(days=1)).isoformat())
    if statuses:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        args.extend(statuses)
    order = f"{col} ASC, n ASC" if start is not None else f"{col} DESC, n DESC"
    rows = conn.execute(f"SELECT * FROM {k.table} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?",
                        (*args, limit, offset)).fetchall()
    return [from_db(k, r) for r in rows]


def years(conn: sqlite3.Connection, kind: str) -> list[int]:
    rows = conn.execute(f"SELECT DISTINCT register_year FROM {_table(kind)} WHERE deleted = 0 "
                        "ORDER BY register_year DESC").fetchall()
    return [int(r[0]) for r in rows if r[0] is not None]


DueState = Literal["overdue", "due", "upcoming"]


@dataclass(frozen=True)
class DueItem:
    kind: str
    record_id: str
    register_no: str
    title: str  # who/what, for the list line
    status: str
    due_at: str
    state: DueState
    urgent: bool = False
    rule_key: str | None = None


def _title(kind: str, r: dict[str, Any]) -> str:
    return get_report(kind).title(r)


def _state(due: datetime, now: datetime, cal: WorkCalendar, coming_days: int) -> DueState | None:
    if due < now:
        return "overdue"
    if due.date() <= now.date() or due - now <= timedelta(hours=24):
        return "due"  # due today, or an hours clock running out within a day
    if cal.working_days_between(now.date(), due.date()) <= coming_days:
        return "upcoming"
    return None


def due_items(conn: sqlite3.Connection, now: datetime, *, kinds: Sequence[str] = KINDS, coming_days: int = 2,
              cal: WorkCalendar | None = None, hours: OfficeHours | None = None,
              limit: int = 300) -> list[DueItem]:
    """Open matters whose running clock is overdue, due within a day, or due within ``coming_days`` working
    days — overdue first, then by due time. Index range scans on ``(status, due_at)``."""
    hours = hours or default_office_hours()
    now = hours.local(now)
    cal = cal or work_calendar(conn)
    # Anything due up to this moment is in range; later ones are not looked at.
    horizon = cal.add_working_days(now.date(), coming_days) + timedelta(days=1)
    items: list[DueItem] = []
    for kind in kinds:
        k = get_kind(kind)
        statuses = OPEN_STATUSES[kind]
        marks = ", ".join("?" * len(statuses))
        rows = conn.execute(
            f"SELECT * FROM {k.table} WHERE status IN ({marks}) AND due_at IS NOT NULL AND due_at < ? "
            "AND deleted = 0 ORDER BY due_at LIMIT ?", (*statuses, horizon.isoformat(), limit)).fetchall()
        for row in rows:
            r = from_db(k, row)
            due = hours.local(datetime.fromisoformat(r["due_at"]))
            state = _state(due, now, cal, coming_days)
            if state is None:
                continue
            items.append(DueItem(kind, r["id"], r.get("register_no") or "", _title(kind, r), r["status"],
                                 due.isoformat(), state, bool(r.get("urgent")), r.get("rule_key")))
    if "crime_report" in kinds:
        items += outcome_notice_items(conn, now, cal=cal, hours=hours, limit=limit)
    rank = {"overdue": 0, "due": 1, "upcoming": 2}
    items.sort(key=lambda i: (rank[i.state], not i.urgent, i.due_at))
    return items[:limit]


OUTCOME_NOTICE = "crime_report.outcome_notice"  # the ``rule_key`` of a Today item "tell the reporter the outcome"


def outcome_notice_items(conn: sqlite3.Connection, now: datetime, *, cal: WorkCalendar | None = None,
                         hours: OfficeHours | None = None, limit: int = 300) -> list[DueItem]:
    """Crime reports the investigation agency decided whose reporter the station has not yet told the outcome
    (``agency.outcome_notice_pending``: no ``notify`` on or after the decision's day), whatever the report's
    status: shown until the notice is recorded, overdue once its 3 days have passed."""
    hours = hours or default_office_hours()
    now = hours.local(now)
    cal = cal or work_calendar(conn)
    k = get_kind("crime_report")
    items = []
    rows = conn.execute("SELECT * FROM crime_reports WHERE outcome_notice_due IS NOT NULL AND deleted = 0 "
                        "ORDER BY outcome_notice_due").fetchall()
    for row in rows:
        r = from_db(k, row)
        if not agency.outcome_notice_pending(r, hours):
            continue
        due = hours.local(datetime.fromisoformat(r["outcome_notice_due"]))
        state = _state(due, now, cal, 2) or "upcoming"
        items.append(DueItem("crime_report", r["id"], r.get("register_no") or "", _title("crime_report", r),
                             r["status"], due.isoformat(), state, bool(r.get("urgent")), OUTCOME_NOTICE))
        if len(items) >= limit:
            break
    return items


@dataclass(frozen=True)
class Hit:
    kind: str
    record_id: str
    register_no: str
    title: str
    status: str
    received: str | None


def _words_sql(value: str | None) -> str:
    """Folded words of ``value``, each preceded by a space: ``LIKE '% word%'`` is then a word-prefix match."""
    return " " + " ".join(fold_tokens(value)) if value else ""


def _search_expr(column: str) -> str:
    if column == "parties":  # the names only: JSON keys ("role", "name") must not match every record
        return ("coalesce((SELECT group_concat(json_extract(value, '$.name'), ' ') "
                "FROM json_each(coalesce(x.parties, '[]'))), '')")
    return f"coalesce(x.{column}, '')"


def search(conn: sqlite3.Connection, query: str, *, kinds: Sequence[str] = KINDS, limit: int = 50) -> list[Hit]:
    """Records whose register number, people, place or content contain every word of ``query``, with or
    without diacritics; newest first within each kind, kinds in the order given."""
    tokens = fold_tokens(query)
    if not tokens:
        return []
    conn.create_function("sc_words", 1, _words_sql, deterministic=True)
    hits: list[Hit] = []
    for kind in kinds:
        k = get_kind(kind)
        hay = " || ' ' || ".join(_search_expr(c) for c in get_report(kind).search_columns)
        # Every word must start a word of the record: "tg" must not match inside "ntgiang".
        cond = " AND ".join("h.t LIKE ?" for _ in tokens)
        col = RECEIVED_COLUMN[kind]
        rows = conn.execute(
            f"SELECT r.* FROM (SELECT x.n, sc_words({hay}) AS t "
            f"FROM {k.table} x WHERE x.deleted = 0) h JOIN {k.table} r ON r.n = h.n WHERE {cond} "
            f"ORDER BY r.{col} DESC LIMIT ?", (*[f"% {t}%" for t in tokens], limit - len(hits))).fetchall()
        for row in rows:
            r = from_db(k, row)
            hits.append(Hit(kind, r["id"], r.get("register_no") or "", _title(kind, r), r["status"], r.get(col)))
        if len(hits) >= limit:
            break
    return hits
