"""What the console pages show, read through the server's own modules (SQLAlchemy Core, SQLite or PostgreSQL).

The overview reuses ``statistics.province_table`` (the same figures as ``province-server stats --period``),
``ops.stats``-style tallies of conflicts, ``duplicates.open_items`` and the stations table; the audit page reuses
``audit.verify``; station changes reuse ``stations``. No page reads personal data except where a page says so.
"""

from __future__ import annotations

import bisect
import json
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from station_client.domain import statistics as st
from station_client.domain.units import commune as commune_unit

from .. import schema, stations
from ..db import Database, utcnow

VN = ZoneInfo("Asia/Ho_Chi_Minh")
QUIET_HOURS = 48  # a station not heard from for this long is "quiet"
_tables_lock = threading.Lock()  # guards the per-process caches below


def commune_name(code: str) -> str:
    unit = commune_unit(code) if code and code.isdigit() else None
    return unit.name if unit else code


def local_time(iso: str | None) -> str:
    """An ISO UTC instant as Vietnam time, ``dd/mm/yyyy hh:mm``; empty for None."""
    if not iso:
        return ""
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(VN).strftime("%d/%m/%Y %H:%M")


def current_period(today: date | None = None) -> st.Period:
    today = today or datetime.now(VN).date()
    return st.Period.month(today.year, today.month)


def parse_period(text: str | None) -> st.Period:
    if not text:
        return current_period()
    return st.Period.parse(text.strip())


@dataclass(frozen=True)
class FeedKeys:
    """What a commune's console figures depend on, read once per view: the epoch, the last feed ``seq`` of the
    reference data and of each commune with a live station, and each commune's stations."""
    epoch: str
    reference: int
    communes: dict[str, tuple[int, tuple[str, ...]]]


def feed_keys(db: Database) -> FeedKeys:
    s, h, m = schema.stations, schema.history, schema.meta

    def last_seq(commune: Any) -> Any:  # an index lookup (ix_history_scope_seq), never a scan of the history
        return select(func.coalesce(func.max(h.c.seq), 0)).where(h.c.commune_code == commune).scalar_subquery()

    epoch_of = select(m.c.value).where(m.c.key == "epoch").scalar_subquery()
    with db.read() as conn:
        # One statement, one plan, one round trip (every view reads it; each round trip is a wait on a busy
        # database server): the stations with their commune's last seq as a correlated subquery, and the epoch
        # and the reference data's last seq, each computed once.
        rows = conn.execute(select(s.c.id, s.c.commune_code, s.c.status, last_seq(s.c.commune_code),
                                   last_seq(""), epoch_of).where(s.c.status != "revoked").order_by(s.c.id)).all()
        if not rows:
            return FeedKeys(db.get_meta(conn, "epoch") or "", int(conn.execute(select(last_seq(""))).scalar_one()),
                            {})
    roster: dict[str, list[str]] = {}
    seqs: dict[str, int] = {}
    for sid, commune, status, seq, _, _ in rows:
        roster.setdefault(commune, []).append(f"{sid}:{status}")
        seqs[commune] = int(seq)
    return FeedKeys(rows[0][5] or "", int(rows[0][4]), {c: (seqs[c], tuple(ids)) for c, ids in roster.items()})


_dues: dict[tuple[str, str], tuple[tuple[str, int], list[float]]] = {}


def overdue_now(db: Database, keys: FeedKeys | None = None) -> dict[str, int]:
    """Per commune: open work whose clock runs and whose deadline (``due_at``) has passed now — every kind of
    work. (The period figures' "pending overdue" is a snapshot at the period's close, so for the current period
    it counts what will be late by its end, not what is late today.) Each commune's open deadlines are kept
    while its feed has not moved; what is overdue is counted against the clock at every view."""
    keys = keys or feed_keys(db)
    dues: dict[str, list[float]] = {}
    stale = []
    with _tables_lock:
        for commune, (seq, _) in keys.communes.items():
            kept = _dues.get((db.url, commune))
            if kept is not None and kept[0] == (keys.epoch, seq):
                dues[commune] = kept[1]
            else:
                stale.append(commune)
    for start in range(0, len(stale), 500):
        part = stale[start:start + 500]
        found = _open_dues(db, part)
        with _tables_lock:
            if len(_dues) > MAX_ROWS:
                _dues.clear()
            for commune in part:
                dues[commune] = found.get(commune, [])
                _dues[(db.url, commune)] = ((keys.epoch, keys.communes[commune][0]), dues[commune])
    now = time.time()
    return {c: n for c, d in dues.items() if (n := bisect.bisect_left(d, now))}


def _open_dues(db: Database, communes: list[str]) -> dict[str, list[float]]:
    """The sorted deadlines (POSIX seconds) of each commune's open work whose clock runs."""
    from station_client.domain import dossiers

    from ..statistics import OPEN_STATUSES, _status

    running = dict(OPEN_STATUSES) | {"dossier": dossiers.RUNNING_STATUSES}
    r = schema.records
    statuses = sorted({x for v in running.values() for x in v})
    out: dict[str, list[float]] = {}
    with db.read() as conn:
        rows = conn.execute(select(r.c.commune_code, r.c.kind, r.c.fields).where(
            r.c.commune_code.in_(communes), r.c.kind.in_(list(running)), r.c.deleted.is_(False),
            _status(db.backend).in_(statuses)))
        for commune, kind, fields in rows:
            f = json.loads(fields)
            if f.get("status") not in running[kind] or not f.get("due_at"):
                continue
            try:
                due = datetime.fromisoformat(str(f["due_at"]).replace("Z", "+00:00"))
            except ValueError:
                continue
            out.setdefault(commune, []).append((due if due.tzinfo else due.replace(tzinfo=VN)).timestamp())
    for values in out.values():
        values.sort()
    return out


_rows: dict[tuple[str, str, str], tuple[tuple[Any, ...], dict[str, Any]]] = {}
MAX_ROWS = 20_000  # (database, period, commune) rows kept per process
# (database, period) -> (every commune's key, the whole table): returned as is while no key moved.
_tables: dict[tuple[str, str], tuple[tuple[Any, ...], dict[str, Any]]] = {}
MAX_TABLES = 200


def clear_caches() -> None:
    """Forget every kept row, table and deadline list (the benchmark measures a cold view with it)."""
    with _tables_lock:
        _rows.clear()
        _tables.clear()
        _dues.clear()


def province_table(db: Database, period: st.Period, keys: FeedKeys | None = None) -> dict[str, Any]:
    """``statistics.province_table`` of ``period``, recomputed only for the communes whose data changed.

    A commune's row depends on its records, the province's reference data, its stations and the period — not
    on the time of viewing (pending work is a snapshot at the period's close). So each row is kept with the last
    feed ``seq`` of its commune, the last ``seq`` of the reference data, the epoch and its stations; a view
    recomputes (in one ``province_table`` call) only the rows whose key moved — after a station's sync, its own
    commune — and adds the province totals up again the way ``province_table`` does. The whole table is kept
    as well and returned as is while no key moved (shared between views: callers read it, never change it)."""
    from ..statistics import _add, _with_rates
    from ..statistics import province_table as compute

    fk = keys or feed_keys(db)
    keys_by = {c: (fk.epoch, fk.reference, seq, ids) for c, (seq, ids) in fk.communes.items()}
    whole = tuple(sorted(keys_by.items()))
    with _tables_lock:
        kept_table = _tables.get((db.url, period.label))
    if kept_table is not None and kept_table[0] == whole:
        return kept_table[1]  # no commune's key moved: the same table, totals included (summing 150 rows of
        # some 260 figures each was most of a warm view's time)
    rows: dict[str, dict[str, Any]] = {}
    stale = []
    with _tables_lock:
        for commune, key in keys_by.items():
            kept = _rows.get((db.url, period.label, commune))
            if kept is not None and kept[0] == key:
                rows[commune] = kept[1]
            else:
                stale.append(commune)
    if stale:
        fresh = compute(db, period, communes=stale)
        with _tables_lock:
            if len(_rows) + len(stale) > MAX_ROWS:
                _rows.clear()
            for row in fresh["communes"]:
                rows[row["commune_code"]] = row
                _rows[(db.url, period.label, row["commune_code"])] = (keys_by[row["commune_code"]], row)
    ordered = [rows[c] for c in sorted(rows)]
    computed: dict[str, int] = {}
    submitted: dict[str, int] = {}
    for row in ordered:
        _add(computed, row["computed"])
        if row["submitted"] is not None:
            _add(submitted, row["submitted"])
    table = {"period": period.label, "start": period.start.isoformat(), "end": period.end.isoformat(),
             "communes": ordered, "total": {"computed": _with_rates(computed), "submitted": _with_rates(submitted)},
             "flagged": sum(len(r["disagreements"]) for r in ordered)}
    with _tables_lock:
        if len(_tables) > MAX_TABLES:
            _tables.clear()
        _tables[(db.url, period.label)] = (whole, table)
    return table


def report_period(period: st.Period, now: datetime | None = None) -> st.Period:
    """The period whose report the overview shows: ``period`` once it has ended, else the one before it (a
    station can submit a period's report only after the period ends, so a running one has none yet)."""
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), tzinfo=VN)
    return period if (now or datetime.now(VN)) >= end else period.previous()


def overview(db: Database, period: st.Period, table: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per commune with a station (revoked stations left out). The period report column is the last
    ended period's (``report_period``)."""
    from ..duplicates import open_items

    s, c = schema.stations, schema.conflicts
    with db.read() as conn:
        rows = conn.execute(select(s.c.id, s.c.name, s.c.commune_code, s.c.status, s.c.last_seen, s.c.app_version)
                            .where(s.c.status != "revoked").order_by(s.c.commune_code, s.c.id)).mappings().all()
        conflicts = {str(k): int(n) for k, n in conn.execute(
            select(c.c.commune_code, func.count()).where(c.c.status == "open").group_by(c.c.commune_code))}
        reviews: dict[str, int] = {}
        for item in open_items(conn, None):
            reviews[item["commune_code"]] = reviews.get(item["commune_code"], 0) + 1
    keys = feed_keys(db)
    overdue = overdue_now(db, keys)
    table = table if table is not None else province_table(db, period, keys)
    figures = {r["commune_code"]: r for r in table["communes"]}
    reported = report_period(period)
    reports = figures if reported == period else {
        r["commune_code"]: r for r in province_table(db, reported, keys)["communes"]}
    quiet_before = (datetime.now(UTC) - timedelta(hours=QUIET_HOURS)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        code = r["commune_code"]
        row = out.setdefault(code, {"commune_code": code, "commune_name": commune_name(code), "stations": [],
                                    "last_sync": None, "app_version": None})
        row["stations"].append({"id": r["id"], "name": r["name"], "status": r["status"]})
        if r["last_seen"] and (row["last_sync"] is None or r["last_seen"] > row["last_sync"]):
            row["last_sync"] = r["last_seen"]
            row["app_version"] = r["app_version"] or row["app_version"]
        elif r["app_version"] and not row["app_version"]:
            row["app_version"] = r["app_version"]
    for code, row in out.items():
        f, rf = figures.get(code), reports.get(code)
        computed = f["computed"] if f else {}
        row |= {
            "quiet": row["last_sync"] is None or row["last_sync"] < quiet_before,
            "conflicts": conflicts.get(code, 0),
            "reviews": reviews.get(code, 0),
            "overdue": overdue.get(code, 0),
            "dossier_rate": computed.get("dossiers.resolved.on_time_rate"),
            "crime_rate": computed.get("crime_reports.handled.on_time_rate"),
            "received": int(computed.get("dossiers.received") or 0),
            "report": "missing" if not rf or rf["report"] is None else ("differs" if rf["disagreements"] else "agrees"),
            "disagreements": len(rf["disagreements"]) if rf else 0,
            "report_period": reported.label,
        }
    return list(out.values())


SORT_KEYS = {
    "last_sync": lambda r: r["last_sync"] or "",
    "commune": lambda r: r["commune_code"],
    "conflicts": lambda r: r["conflicts"],
    "reviews": lambda r: r["reviews"],
    "overdue": lambda r: r["overdue"],
    "dossier_rate": lambda r: float(r["dossier_rate"]) if r["dossier_rate"] is not None else -1.0,
    "report": lambda r: {"missing": 0, "differs": 1, "agrees": 2}[r["report"]],
}


def sort_filter(rows: list[dict[str, Any]], sort: str, desc: bool, q: str, only: str) -> list[dict[str, Any]]:
    """Default order: quiet stations first (never heard of, then longest silent), then by commune code."""
    q = q.strip().lower()
    if q:
        rows = [r for r in rows if q in r["commune_code"] or q in r["commune_name"].lower()
                or any(q in s["id"].lower() or q in s["name"].lower() for s in r["stations"])]
    if only == "quiet":
        rows = [r for r in rows if r["quiet"]]
    elif only == "attention":
        rows = [r for r in rows if r["quiet"] or r["conflicts"] or r["reviews"] or r["overdue"]
                or r["report"] != "agrees"]
    key = SORT_KEYS.get(sort)
    if key is None:
        return sorted(rows, key=lambda r: (not r["quiet"], r["last_sync"] or "", r["commune_code"]))
    return sorted(rows, key=key, reverse=desc)


# --- stations ------------------------------------------------------------------------------------------------

def station_rows(db: Database) -> list[dict[str, Any]]:
    s = schema.stations
    with db.read() as conn:
        rows = conn.execute(select(s.c.id, s.c.name, s.c.commune_code, s.c.status, s.c.enroll_expires,
                                   s.c.enrolled_at, s.c.last_seen, s.c.revoked_at, s.c.app_version, s.c.device)
                            .order_by(s.c.commune_code, s.c.id)).mappings().all()
    return [dict(r) | {"commune_name": commune_name(r["commune_code"])} for r in rows]


def station_expiry(db: Database, station_id: str) -> str | None:
    s = schema.stations
    with db.read() as conn:
        return conn.execute(select(s.c.enroll_expires).where(s.c.id == station_id)).scalar()


def reissue_code(db: Database, station_id: str) -> str | None:
    """A new one-time enrollment code for a station (a replaced computer, a lost or leaked token): its tokens
    stop working at once and the station is pending until a device enrolls with the new code. None: no such
    station, or a revoked one (a revocation is final: add a new station)."""
    s = schema.stations
    code = stations.new_enrollment_code()
    expires = (datetime.now(UTC) + timedelta(days=stations.ENROLL_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with db.write(feed=False) as conn:
        n = conn.execute(s.update().where(s.c.id == station_id, s.c.status != "revoked").values(
            status="pending", enroll_hash=stations.sha256_hex(stations.normalize_code(code)),
            enroll_expires=expires, token_hash=None, next_token_hash=None, bundle_key=None,
            next_bundle_key=None)).rowcount
    stations.token_cache(db).bump()
    return code if n else None


# --- conflicts and reviews -----------------------------------------------------------------------------------

def open_conflicts(db: Database, limit: int = 500) -> list[dict[str, Any]]:
    c, s = schema.conflicts, schema.stations
    with db.read() as conn:
        names = {r.id: r.name for r in conn.execute(select(s.c.id, s.c.name))}
        rows = conn.execute(select(c.c.id, c.c.kind, c.c.record_id, c.c.commune_code, c.c.type, c.c.station_id,
                                   c.c.fields, c.c.created_at).where(c.c.status == "open")
                            .order_by(c.c.created_at).limit(limit)).mappings().all()
    out = []
    for r in rows:
        try:
            field_names = sorted(json.loads(r["fields"]))  # which fields differ; never their values
        except (ValueError, TypeError):
            field_names = []
        out.append(dict(r) | {"fields": field_names, "station_name": names.get(r["station_id"], ""),
                              "commune_name": commune_name(r["commune_code"])})
    return out


def open_reviews(db: Database) -> list[dict[str, Any]]:
    from ..duplicates import open_items

    with db.read() as conn:
        items = open_items(conn, None)
    # The personal ID is what the two records share: shown masked, with the commune whose stations must merge.
    return [{"id": i["id"], "commune_code": i["commune_code"], "commune_name": commune_name(i["commune_code"]),
             "personal_id": _mask(str(i.get("personal_id") or "")), "persons": len(i.get("person_ids") or []),
             "created_at": i.get("detected_at")} for i in items]


def _mask(value: str) -> str:
    return value[:3] + "•" * max(0, len(value) - 6) + value[-3:] if len(value) > 6 else "•" * len(value)


# --- audit verification --------------------------------------------------------------------------------------

def audit_results(db: Database) -> list[dict[str, Any]]:
    from ..audit import verify

    out = []
    for r in station_rows(db):
        report = verify(db, r["id"])
        out.append({"station": r, "entries": report.entries, "last_seq": report.last_seq, "ok": report.ok,
                    "first": report.findings[0] if report.findings else None, "more": max(0, len(report.findings) - 1)})
    return out


# --- transferred crime reports (the agency's inbox) ---------------------------------------------------------

def transferred_reports(db: Database, limit: int = 300, now: datetime | None = None) -> list[dict[str, Any]]:
    """Crime reports the communes transferred to the investigation agency (still transferred, or closed by the
    station since), with where each stands at the agency and its running clock: case facts, never the
    reporter."""
    from station_client.domain import agency as ag
    from station_client.domain.deadlines import default_office_hours

    hours = default_office_hours()
    now = now or datetime.now(hours.tz)
    r = schema.records
    with db.read() as conn:
        rows = conn.execute(select(r.c.id, r.c.commune_code, r.c.fields, r.c.origin, r.c.updated_at, r.c.version)
                            .where(r.c.kind == "crime_report", r.c.deleted.is_(False))
                            .order_by(r.c.updated_at.desc())).all()
    out = []
    for rid, commune, fields, origin, updated, version in rows:
        f = json.loads(fields)
        if f.get("status") not in ("transferred", "closed") or not f.get("transferred_at"):
            continue
        state = ag.agency_state(f, now, hours)
        out.append({"id": rid, "commune_code": commune, "commune_name": commune_name(commune), "station_id": origin,
                    "code": f.get("register_no") or "", "report_kind": f.get("report_kind") or "",
                    "status": f.get("status"),
                    "received_at": f.get("received_at"), "transferred_at": f.get("transferred_at"),
                    "transferred_to": f.get("transferred_to") or "", "urgent": bool(f.get("urgent")),
                    "due_at": f.get("due_at"),
                    "summary": f.get("summary") or "", "updated_at": updated, "version": int(version),
                    "stage": state.stage, "clock_due": state.due.isoformat() if state.due else None,
                    "overdue": state.overdue,
                    "agency_received_at": f.get("agency_received_at"),
                    "agency_notice_due": f.get("agency_notice_due"),
                    "agency_notice_at": f.get("agency_notice_at"),
                    "agency_notice_timeliness": f.get("agency_notice_timeliness") or "",
                    "agency_extension": f.get("agency_extension") or "",
                    "agency_extension_ground": f.get("agency_extension_ground") or "",
                    "agency_decision": f.get("agency_decision") or "",
                    "agency_decision_no": f.get("agency_decision_no") or "",
                    "agency_decision_at": f.get("agency_decision_at"),
                    "agency_decision_ground": f.get("agency_decision_ground") or "",
                    "agency_decision_timeliness": f.get("agency_decision_timeliness") or "",
                    "noticed": not ag.outcome_notice_pending(f, hours)})
        if len(out) >= limit:
            break
    return out


# --- public lookup -------------------------------------------------------------------------------------------

def lookup(db: Database, code: str) -> dict[str, Any] | None:
    """The receipt behind a lookup code: dossier code, procedure, receiving station, status, appointment. Never a
    name, an ID number, an address or a phone. None: no dossier has this code; raises ValueError for a code
    whose check characters are wrong."""
    from station_client.domain.dossiers import STATUSES, normalize_lookup_code

    norm = normalize_lookup_code(code)
    if norm is None:
        raise ValueError("check")
    lk, r, s = schema.lookups, schema.records, schema.stations
    with db.read() as conn:
        row = conn.execute(select(lk.c.kind, lk.c.record_id, lk.c.commune_code, lk.c.status, lk.c.due_at,
                                  lk.c.updated_at).where(lk.c.code == norm)).mappings().first()
        if row is None:
            return None
        rec = conn.execute(select(r.c.fields, r.c.origin).where(r.c.kind == row["kind"],
                                                                r.c.id == row["record_id"])).first()
        fields = json.loads(rec.fields) if rec else {}
        station = conn.execute(select(s.c.name).where(s.c.id == (rec.origin if rec else ""))).scalar()
    status = str(row["status"] or fields.get("status") or "")
    vi, en = STATUSES.get(status, (status, status))
    return {"lookup_code": norm, "dossier_code": fields.get("code") or "", "procedure": fields.get("procedure_name")
            or "", "commune_name": commune_name(row["commune_code"]), "station_name": station or "",
            "status": status, "status_vi": vi, "status_en": en, "appointment": local_time(row["due_at"]),
            "received_at": local_time(fields.get("received_at")), "updated_at": local_time(row["updated_at"])}


# --- charts --------------------------------------------------------------------------------------------------

def bar_chart(bars: Sequence[tuple[str, float | None, str]], *, width: int = 640, unit: str = "%",
              max_value: float | None = None) -> str:
    """A horizontal bar chart as inline SVG (drawn here: no script, no CDN). ``bars``: (label, value, note)."""
    from html import escape

    row_h, label_w, pad = 26, 220, 8
    top = max([v for _, v, _ in bars if v is not None] + [max_value or 0, 1])
    height = max(1, len(bars)) * row_h + pad * 2
    plot = width - label_w - 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    for i, (label, value, note) in enumerate(bars):
        y = pad + i * row_h
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="chart-label">'
                     f'{escape(label[:34])}</text>')
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 17}" class="chart-none">—</text>')
            continue
        w = max(1.0, plot * value / top)
        cls = "bar-low" if unit == "%" and value < 90 else "bar"
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" class="{cls}">'
                     f'<title>{escape(label)}: {value:g}{unit} {escape(note)}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" class="chart-value">{value:g}{unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def now_text() -> str:
    return local_time(utcnow())


# --- a station's app version ---------------------------------------------------------------------------------

_known_versions: dict[tuple[str, str], str] = {}


def _agent_version(user_agent: str) -> str:
    """The station-client version a ``User-Agent: station-client/X`` names ("" for any other agent)."""
    if not user_agent.startswith("station-client/"):
        return ""
    rest = user_agent.split("/", 1)[1]
    return rest.split()[0][:64] if rest else ""


def app_version_noted(db: Database, station_id: str, user_agent: str) -> bool:
    """Whether ``note_app_version`` has nothing to write for this request (no database needed)."""
    version = _agent_version(user_agent)
    return not version or _known_versions.get((db.url, station_id)) == version


def note_app_version(db: Database, station_id: str, user_agent: str) -> None:
    """Keep ``stations.app_version`` from a station request's ``User-Agent: station-client/X`` — written only
    when it changed since this process last wrote it (one write per station and upgrade, not per request)."""
    version = _agent_version(user_agent)
    key = (db.url, station_id)
    if not version or _known_versions.get(key) == version:
        return
    s = schema.stations
    with db.write(feed=False) as conn:
        conn.execute(s.update().where(s.c.id == station_id).values(app_version=version))
    if len(_known_versions) > 10_000:
        _known_versions.clear()
    _known_versions[key] = version
