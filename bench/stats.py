"""Statistics benchmark: all figures of one month and of one year for a station of N residents and M dossiers.

    .venv/bin/python bench/stats.py --residents 1000000 --dossiers 200000

The station is built once and cached in bench/out/stats-<N>-<M>/ (gitignored): residents as bench/store.py
builds them, dossiers spread over January 2024 – mid-November 2026 with a realistic life (about two in three
resolved early, a quarter on the due day, some late, some waiting for a supplement, a few refused, the recent
ones open), written through the write path (``Store.create_many``: record + audit + outbox), and a register of
crime reports (one per hundred dossiers). Then it times ``store.statistics.station_stats`` for October 2026
and for 2026 on a fresh read-only connection, cold (first run) and warm (best of three).

Last line: one JSON object with residents, dossiers, crime_reports, period_figures_s (month + year, warm),
month_s, year_s, cold_s (month + year, first run), rows_month, rows_year (dossier rows fetched), db_mb.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shutil
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station_client.domain import crime_reports as dcr  # noqa: E402
from station_client.domain import dossiers as dd  # noqa: E402
from station_client.domain.deadlines import Duration, Pause, classify, default_office_hours  # noqa: E402
from station_client.domain.reports import format_register_no  # noqa: E402
from station_client.domain.statistics import Period  # noqa: E402
from station_client.store import Store  # noqa: E402
from station_client.store import dossiers as sd  # noqa: E402
from station_client.store import reports as sr  # noqa: E402
from station_client.store.statistics import dossier_rows, station_stats  # noqa: E402

OUT = ROOT / "bench" / "out"
HOURS = default_office_hours()
FIRST, LAST = date(2024, 1, 1), date(2026, 11, 15)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=HOURS.tz)
BATCH = 5000


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _local(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=HOURS.tz)


def _applicants(store: Store, rng: random.Random, k: int = 20_000) -> list[dict[str, Any]]:
    top = store.conn.execute("SELECT max(n) FROM persons").fetchone()[0] or 0
    picks = sorted(rng.sample(range(1, top + 1), min(k, top)))
    out = []
    for i in range(0, len(picks), 900):
        chunk = picks[i:i + 900]
        rows = store.conn.execute(
            f"SELECT id, full_name, personal_id, birth_date, permanent_address FROM persons "
            f"WHERE n IN ({', '.join('?' * len(chunk))}) AND deleted = 0", chunk).fetchall()
        out += [{"person_id": r[0], "name": r[1], "personal_id": r[2], "birth_date": r[3],
                 "permanent_address": r[4]} for r in rows]
    return out or [{"name": "Nguyễn Văn An"}]


def _dossier(i: int, rng: random.Random, procedures: list[Any], applicants: list[dict[str, Any]],
             cal: Any) -> dict[str, Any]:
    day = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1))
    received = _local(day, rng.choice((7, 8, 9, 10, 13, 14, 15, 16, 18)), rng.randrange(60))
    proc = rng.choice(procedures)
    complete = rng.random() > 0.03
    channel = "online" if rng.random() < 0.35 else "post" if rng.random() < 0.03 else "in_person"
    record_id = f"00000000-bench-{i:012d}"
    fields = dd.new_dossier_fields(
        code=f"BENCH.{i:07d}", record_id=record_id, procedure=proc, applicant=rng.choice(applicants),
        received_at=received, cal=cal, documents=[{"name": "Tờ khai", "form": "original", "count": 1}],
        complete=complete, supplement_items=() if complete else ("Giấy tờ chỗ ở hợp pháp",), channel=channel,
        receipt_no=f"{i}/PTN", request_content=proc.name, officer_name="Cán bộ một cửa")
    pauses = [Pause.from_dict(p) for p in fields["pauses"]]
    if not complete or rng.random() < 0.05:  # a supplement asked at the counter or during processing
        start = received if not complete else received + timedelta(days=rng.randint(1, 3))
        end = start + timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 5))
        if end > NOW:
            fields["pauses"] = [Pause(start).to_dict()]
            fields["status"] = "supplement_requested"
            fields["supplement_items"] = ["Giấy tờ chỗ ở hợp pháp"]
            return fields
        pauses = [Pause(start, end)]
        fields["pauses"] = [p.to_dict() for p in pauses]
        fields["due_at"] = dd.compute_due(fields, cal, hours=HOURS).isoformat()
    fields["status"] = "processing"
    if rng.random() < 0.02:
        fields |= {"status": "refused", "refusal_ground": "Không đủ điều kiện"}
        return fields
    due = datetime.fromisoformat(fields["due_at"])
    roll = rng.random()
    if roll < 0.66:
        done_day = cal.add_working_days(received.date(), rng.randint(0, max(0, cal.working_days_between(
            received.date(), due.date()) - 1)))
        done = max(received + timedelta(minutes=30), _local(done_day, 10))
    elif roll < 0.92:
        done = _local(due.date(), 15)
    else:
        done = _local(due.date() + timedelta(days=rng.randint(1, 6)), 10)
    if done > NOW:
        return fields
    fields |= {"result_ready_at": done.isoformat(), "status": "returned",
               "outcome": classify(done, due, Duration.from_dict(fields["duration"]).unit, hours=HOURS),
               "returned_at": (done + timedelta(days=1)).isoformat()}
    return fields


def _crime_reports(n: int, rng: random.Random, rules: Any, cal: Any) -> list[dict[str, Any]]:
    out = []
    seq: dict[int, int] = {}
    for _ in range(n):
        day = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1))
        received = _local(day, rng.randrange(24), rng.randrange(60))
        urgent = rng.random() < 0.2
        f = dcr.new_report_fields({"report_kind": rng.choice(list(dcr.REPORT_KINDS)), "channel": "in_person",
                                   "reporter_name": "Nguyễn Văn Đức", "summary": "Trộm cắp tài sản",
                                   "urgent": urgent, "urgency_reason": "caught_in_act" if urgent else None},
                                  received, rules, cal, hours=HOURS)
        seq[day.year] = seq.get(day.year, 0) + 1
        f |= {"register_year": day.year, "register_seq": seq[day.year], "station_code": "BENCH",
              "register_no": format_register_no("TG", day.year, seq[day.year], "BENCH")}
        due = datetime.fromisoformat(f["due_at"])
        done = received + (due - received) * rng.uniform(0.2, 1.15)
        if done < NOW:
            f |= dcr.transition(f, "transfer", done, rules, cal, details={"transferred_to": "Cơ quan CSĐT"},
                                hours=HOURS)
        out.append(f)
    return out


def build(folder: Path, residents: int, dossiers: int, seed: int) -> Path:
    db = folder / "station.db"
    if (folder / "READY").exists():
        Store.open(db).close()  # migrations that landed since the cache was built
        for bak in folder.glob("*.bak"):
            bak.unlink()
        return db
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    spec = importlib.util.spec_from_file_location("bench_store", ROOT / "bench" / "store.py")
    assert spec and spec.loader
    bench_store = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_store)
    rng = random.Random(seed)
    with Store.open(db) as store, store.bulk():
        _log(f"building {residents} residents in {folder} ...")
        _log(f"  residents in {bench_store.build(store, residents, seed):.0f} s")
        sd.ensure_reference_data(store)
        cal = sd.work_calendar(store.conn)
        procedures = sd.list_procedures(store.conn)
        applicants = _applicants(store, rng)
        t = time.perf_counter()
        for start in range(0, dossiers, BATCH):
            rows = [_dossier(i, rng, procedures, applicants, cal) for i in range(start, min(dossiers, start + BATCH))]
            store.create_many("dossier", rows, officer="bench")
            if (start + BATCH) % 50_000 == 0:
                _log(f"  {start + BATCH} dossiers, {time.perf_counter() - t:.0f} s")
        store.create_many("crime_report", _crime_reports(max(1, dossiers // 100), rng, sr.rule_set(store.conn), cal),
                          officer="bench")
        _log(f"  dossiers and reports in {time.perf_counter() - t:.0f} s")
        store.conn.execute("ANALYZE")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (folder / "READY").write_text("1")
    return db


def _timed(conn: Any, period: Period) -> float:
    t = time.perf_counter()
    station_stats(conn, period)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--dossiers", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=8)
    args = ap.parse_args()
    db = build(OUT / f"stats-{args.residents}-{args.dossiers}", args.residents, args.dossiers, args.seed)
    month, year = Period.parse("2026-10"), Period.parse("2026")
    with Store.open(db) as store:
        conn = store.open_reader()
        cold = _timed(conn, month) + _timed(conn, year)
        month_s = min(_timed(conn, month) for _ in range(3))
        year_s = min(_timed(conn, year) for _ in range(3))
        result = {
            "residents": store.count("person"), "dossiers": store.count("dossier"),
            "crime_reports": store.count("crime_report"),
            "period_figures_s": round(month_s + year_s, 3), "month_s": round(month_s, 3),
            "year_s": round(year_s, 3), "cold_s": round(cold, 3),
            "rows_month": len(dossier_rows(conn, month)), "rows_year": len(dossier_rows(conn, year)),
            "db_mb": round(db.stat().st_size / 1e6, 1),
        }
        conn.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
