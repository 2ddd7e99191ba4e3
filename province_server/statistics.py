"""The province-wide period table: per commune, every figure computed from the records its stations synced,
side by side with the figures the station submitted (``stat_report`` records), each disagreement flagged.

The figures are those of ``station_client/domain/statistics.py`` (one implementation, docs/statistics.md): the
server reads the commune's record fields (JSON) and the province's reference data (procedure catalogue,
calendar overrides, deadline rules — shipped ones where the province has loaded none, as at a station) and
calls the same ``compute``. A station and the province thus agree exactly when the station had synced every
record before it submitted; a figure that differs means a record changed after the report (a late entry, a
deleted dossier) or a report that does not state what the records say.

Used by ``province-server stats --period P`` and ``GET /v1/admin/stats?period=P``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, literal_column, select, union_all

from station_client.domain import crime_reports, dossiers, mediation, petitions, violations
from station_client.domain import statistics as st
from station_client.domain.calendar import CalendarOverride, WorkCalendar, shipped_overrides
from station_client.domain.deadline_rules import RuleSet
from station_client.domain.procedures import Procedure, shipped_catalogue
from station_client.domain.registry import get_kind
from station_client.statistics_export import Cell, Table

from . import schema
from .db import Database

FIGURE_KINDS = ("dossier", "crime_report", "petition", "mediation_case", "admin_violation")
REFERENCE_KINDS = ("procedure", "calendar_override", "deadline_rule")
# The columns of the printed table: (figure key, short Vietnamese heading).
HEADLINE = (
    ("dossiers.received", "HS nhận"),
    ("dossiers.resolved", "HS xong"),
    ("dossiers.resolved.early", "trước hạn"),
    ("dossiers.resolved.on_time", "đúng hạn"),
    ("dossiers.resolved.late", "quá hạn"),
    ("dossiers.resolved.on_time_rate", "% đúng hạn"),
    ("dossiers.pending.overdue", "tồn quá hạn"),
    ("crime_reports.received", "TG nhận"),
    ("crime_reports.handled.late", "TG trễ"),
    ("crime_reports.pending.overdue", "TG tồn quá hạn"),
    ("petitions.received", "đơn nhận"),
    ("violations.recorded", "VPHC"),
)


def _full(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A record's fields with every field of its kind present (a station's first push leaves out nulls)."""
    return get_kind(kind).empty_record() | fields


def _reference(conn: Any) -> tuple[WorkCalendar, dict[str, str], dict[str, str], dict[str, str]]:
    """(calendar, units by deadline rule, field by procedure, name by procedure) from the province's reference
    records, falling back to the shipped data as a station does before its first sync."""
    r = schema.records
    refs: dict[str, list[dict[str, Any]]] = {k: [] for k in REFERENCE_KINDS}
    for kind, fields in conn.execute(select(r.c.kind, r.c.fields).where(r.c.kind.in_(REFERENCE_KINDS),
                                                                        r.c.deleted.is_(False))):
        refs[kind].append(_full(kind, json.loads(fields)))
    overrides = [CalendarOverride.from_dict(o) for o in refs["calendar_override"]] or shipped_overrides()
    cal = WorkCalendar.default(overrides=overrides)
    rules = RuleSet.load(x for x in refs["deadline_rule"] if x.get("active") is not False)
    procedures = [Procedure.from_record(p) for p in refs["procedure"] or shipped_catalogue()]
    return (cal, {x.key: x.duration.unit for x in rules.all()}, {p.key: p.field for p in procedures},
            {p.key: p.name for p in procedures})


# A record's clock may still run at a period's close only in these statuses (the same lists the station's
# queries use); any other record the period can touch was written on or after the period's first day.
OPEN_STATUSES = {"dossier": dossiers.OPEN_STATUSES, "crime_report": crime_reports.OPEN_STATUSES,
                 "petition": petitions.OPEN_STATUSES, "mediation_case": mediation.OPEN_STATUSES,
                 "admin_violation": violations.OPEN_STATUSES}


# The JSON field read by the database, with the path as a constant: the expression index of migration 0008
# (``ix_records_scope_status``) matches a query only when it repeats its expression verbatim (a bound path
# parameter would not match it on either backend).
STATUS_SQL = {"postgresql": "json_extract_path_text(CAST(records.fields AS JSON), '{name}')",
              "sqlite": "json_extract(records.fields, '$.{name}')"}
# Communes read per statement: few round trips (each one is a wait on a loaded server), a bounded share of the
# province's records in memory at a time.
COMMUNES_PER_READ = 25


def _status(backend: str, name: str = "status") -> Any:
    """The record's ``status`` field (or ``name``) read by the database from the JSON text (no Python parsing);
    NULL when absent or null."""
    if not name.isidentifier():  # it is written into the SQL text
        raise ValueError(name)
    return literal_column(STATUS_SQL["postgresql" if backend == "postgresql" else "sqlite"].format(name=name),
                          String)


def _awaiting_agency(backend: str) -> Any:
    """A crime report transferred and not yet decided by the investigation agency: pending there at a period's
    close however long untouched (the station's query reads it too: ``store/statistics.AWAITING_AGENCY``)."""
    r = schema.records
    return and_(r.c.kind == "crime_report", _status(backend, "transferred_at").isnot(None),
                _status(backend, "transferred_at") != "", _status(backend, "agency_decision_at").is_(None))


def _records_touching(conn: Any, backend: str, communes: list[str], period: st.Period
                      ) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per commune, its records a period can touch — a small superset, as at the station (``store/statistics``):
    those still open now (a pending snapshot needs them), and those the province received a version of on or
    after the day before the period began (anything received, finished or notified in or after the period was
    written then; a record synced late has a later time still); its ``stat_report`` records. The domain
    functions select exactly. Without this a late period of a big commune would parse every record it ever had.

    One statement for all of ``communes``: a union of parts that each follow an index of migration 0008 (a
    single WHERE with OR read every record of the commune and parsed each dossier's JSON on PostgreSQL). A
    record in two parts (written lately and still open) is taken once."""
    r = schema.records
    since = (period.start - timedelta(days=1)).isoformat()
    live = and_(r.c.commune_code.in_(communes), r.c.deleted.is_(False))
    cols = (r.c.commune_code, r.c.kind, r.c.id, r.c.origin, r.c.fields)
    parts = [select(*cols).where(live, r.c.kind == "stat_report"),
             select(*cols).where(live, r.c.kind.in_(FIGURE_KINDS), r.c.updated_at >= since),
             *(select(*cols).where(live, r.c.kind == kind, _status(backend).in_(sorted(statuses)))
               for kind, statuses in OPEN_STATUSES.items()),
             select(*cols).where(live, _awaiting_agency(backend))]
    out: dict[str, dict[str, list[dict[str, Any]]]] = {c: {k: [] for k in (*FIGURE_KINDS, "stat_report")}
                                                       for c in communes}
    seen: set[tuple[str, str]] = set()
    for commune, kind, rid, origin, fields in conn.execute(union_all(*parts)):
        if (kind, rid) in seen:
            continue
        seen.add((kind, rid))
        out[commune][kind].append(_full(kind, json.loads(fields)) | {"id": rid, "_origin": origin})
    return out


def _commune_records(conn: Any, backend: str, commune: str, period: st.Period) -> dict[str, list[dict[str, Any]]]:
    """One commune's records ``period`` can touch (``_records_touching``)."""
    return _records_touching(conn, backend, [commune], period)[commune]


def province_table(db: Database, period: st.Period, communes: Iterable[str] | None = None) -> dict[str, Any]:
    """Per commune with a station: the computed figures, the latest submitted report of ``period`` (or None),
    the disagreements; and the province's totals (computed, and the sum of what was submitted)."""
    s = schema.stations
    with db.read() as conn:
        stations = conn.execute(select(s.c.id, s.c.name, s.c.commune_code).where(s.c.status != "revoked")
                                .order_by(s.c.commune_code, s.c.id)).mappings().all()
        wanted = set(communes) if communes is not None else {x["commune_code"] for x in stations}
        cal, units, fields, names = _reference(conn)
    rows: list[dict[str, Any]] = []
    total_computed: dict[str, int] = {}
    total_submitted: dict[str, int] = {}
    for commune, recs in _by_commune(db, sorted(wanted), period):
        stats = st.compute(period, dossiers=recs["dossier"], crime_reports=recs["crime_report"],
                           petitions=recs["petition"], mediation=recs["mediation_case"],
                           violations=recs["admin_violation"], cal=cal, units=units, fields=fields, names=names)
        computed = st.flat_figures(stats)
        reports = sorted((x for x in recs["stat_report"] if x.get("period") == period.label),
                         key=lambda x: str(x.get("submitted_at") or ""))
        latest = reports[-1] if reports else None
        submitted = dict(latest["figures"] or {}) if latest else None
        flags = st.disagreements(computed, submitted) if submitted is not None else {}
        _add(total_computed, computed)
        if submitted is not None:
            _add(total_submitted, submitted)
        rows.append({
            "commune_code": commune,
            "stations": [{"id": x["id"], "name": x["name"]} for x in stations if x["commune_code"] == commune],
            "computed": computed,
            "submitted": submitted,
            "report": None if latest is None else {
                "id": latest["id"], "station_id": latest["_origin"], "station_name": latest.get("station_name"),
                "submitted_at": latest.get("submitted_at"), "submitted_by": latest.get("submitted_by"),
                "reports_for_period": len(reports)},
            "disagreements": {k: {"computed": a, "submitted": b} for k, a, b in
                              ((k, *v) for k, v in flags.items())},
        })
    return {"period": period.label, "start": period.start.isoformat(), "end": period.end.isoformat(),
            "communes": rows, "total": {"computed": _with_rates(total_computed),
                                        "submitted": _with_rates(total_submitted)},
            "flagged": sum(len(r["disagreements"]) for r in rows)}


def _by_commune(db: Database, communes: list[str], period: st.Period
                ) -> Iterator[tuple[str, dict[str, list[dict[str, Any]]]]]:
    """(commune, its records the period can touch), in ``communes``' order, read ``COMMUNES_PER_READ`` at a time."""
    for start in range(0, len(communes), COMMUNES_PER_READ):
        part = communes[start:start + COMMUNES_PER_READ]
        with db.read() as conn:
            found = _records_touching(conn, db.backend, part, period)
        for commune in part:
            yield commune, found.pop(commune)


def _add(into: dict[str, int], figures: dict[str, Any]) -> None:
    """Sum the counts (rates are not additive: a province rate is recomputed from its parts)."""
    for k, v in figures.items():
        if isinstance(v, int) and not isinstance(v, bool):
            into[k] = into.get(k, 0) + v


def _with_rates(counts: dict[str, int]) -> dict[str, Any]:
    """Summed counts plus the province's rates, each recomputed from its summed parts as docs/statistics.md
    defines it (an average of the communes' rates would weigh a commune of 3 dossiers like one of 3,000)."""
    out: dict[str, Any] = dict(counts)
    for key in counts:
        if key.endswith(".early"):
            prefix = key[:-len(".early")]
            done = counts[key] + counts.get(f"{prefix}.on_time", 0)
            rate = st.percent(done, done + counts.get(f"{prefix}.late", 0))
            out[f"{prefix}.on_time_rate"] = None if rate is None else str(rate)
    if "mediation.succeeded" in counts:
        ok = counts["mediation.succeeded"]
        rate = st.percent(ok, ok + counts.get("mediation.failed", 0))
        out["mediation.success_rate"] = None if rate is None else str(rate)
    return out


def text_table(table: dict[str, Any]) -> str:
    """The table for the terminal: one line per commune, computed figures; a figure the submitted report
    states differently shows both, ``12≠13`` (computed ≠ submitted), and is listed under the table."""
    heads = ["Xã", "Trạm", "Báo cáo"] + [h for _, h in HEADLINE]
    lines: list[list[str]] = [heads]
    for row in table["communes"]:
        cells = [row["commune_code"], ", ".join(s["id"] for s in row["stations"]),
                 "đã nộp" if row["report"] else "chưa nộp"]
        for key, _ in HEADLINE:
            value = _cell(row["computed"].get(key, None if key.endswith("_rate") else 0))
            if key in row["disagreements"]:
                value += "≠" + _cell(row["disagreements"][key]["submitted"])
            cells.append(value)
        lines.append(cells)
    total = table["total"]["computed"]
    lines.append(["Toàn tỉnh", "", ""] + [_cell(total.get(k, None if k.endswith("_rate") else 0)) for k, _ in HEADLINE])
    widths = [max(len(r[i]) for r in lines) for i in range(len(heads))]
    out = [f"Thống kê toàn tỉnh — kỳ {table['period']} ({table['start']} – {table['end']})"]
    out += ["  ".join(v.ljust(w) if i < 3 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))
            .rstrip() for r in lines]
    flagged = [(row["commune_code"], k, d) for row in table["communes"] for k, d in row["disagreements"].items()]
    if flagged:
        out += ["", f"Số liệu báo cáo khác số liệu tính từ hồ sơ ({len(flagged)}):"]
        out += [f"  {c}  {k}: tính từ hồ sơ {_cell(d['computed'])}, báo cáo {_cell(d['submitted'])}"
                for c, k, d in flagged]
    else:
        out += ["", "Không có số liệu báo cáo nào khác số liệu tính từ hồ sơ."]
    return "\n".join(out) + "\n"


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def period_table(db: Database, period_text: str) -> dict[str, Any]:
    """``GET /v1/admin/stats?period=P``: 400 ``period.invalid`` for a period that does not parse."""
    from .errors import ApiError

    try:
        period = st.Period.parse(period_text)
    except ValueError:
        raise ApiError(400, "period.invalid", "Kỳ không hợp lệ (2026-10, 2026-Q4, 2026, 2026-10-01..2026-10-15).",
                       "Invalid period (2026-10, 2026-Q4, 2026, 2026-10-01..2026-10-15).") from None
    return province_table(db, period)


def export_tables(table: dict[str, Any]) -> list[Table]:
    """The province table for Excel (``statistics_export`` writes CSV or XLSX): the headline table, the
    disagreements, and every figure per commune, computed from the records beside the submitted one."""
    label = table["period"]
    heads = ("Xã", "Trạm", "Báo cáo", *(h for _, h in HEADLINE))
    rows: list[tuple[Cell, ...]] = []
    for row in table["communes"]:
        rows.append((row["commune_code"], ", ".join(s["id"] for s in row["stations"]),
                     "đã nộp" if row["report"] else "chưa nộp",
                     *(_number(row["computed"].get(k, None if k.endswith("_rate") else 0)) for k, _ in HEADLINE)))
    total = table["total"]["computed"]
    rows.append(("Toàn tỉnh", "", "",
                 *(_number(total.get(k, None if k.endswith("_rate") else 0)) for k, _ in HEADLINE)))
    flagged = tuple((row["commune_code"], k, _number(d["computed"]), _number(d["submitted"]))
                    for row in table["communes"] for k, d in row["disagreements"].items())
    keys = sorted({k for row in table["communes"] for k in (*row["computed"], *(row["submitted"] or {}))})
    detail_heads = ["Chỉ tiêu"]
    for row in table["communes"]:
        detail_heads += [f"{row['commune_code']} tính từ hồ sơ", f"{row['commune_code']} báo cáo"]
    detail = []
    for k in keys:
        empty = None if k.endswith("_rate") else 0
        cells: list[Cell] = [k]
        for row in table["communes"]:
            cells.append(_number(row["computed"].get(k, empty)))
            cells.append("" if row["submitted"] is None else _number(row["submitted"].get(k, empty)))
        detail.append(tuple(cells))
    return [Table(f"Thống kê toàn tỉnh — kỳ {label}", heads, tuple(rows)),
            Table(f"Số liệu báo cáo khác số liệu tính từ hồ sơ — kỳ {label}",
                  ("Xã", "Chỉ tiêu", "Tính từ hồ sơ", "Báo cáo"), flagged),
            Table(f"Chi tiết theo xã — kỳ {label}", tuple(detail_heads), tuple(detail))]


def _number(value: Any) -> Cell:
    """A figure as a spreadsheet cell: a rate ("66.7") becomes a number, an undefined one stays empty."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value  # type: ignore[no-any-return]
