"""Console benchmark: the overview and statistics pages of a province with many communes and residents.

    .venv/bin/python bench/console.py --communes 150 --residents 1000000 --db postgresql://…
    .venv/bin/python bench/console.py --communes 150 --residents 150000 --db postgresql   # throwaway cluster
    .venv/bin/python bench/console.py --communes 150 --residents 150000                   # SQLite file

The province database is filled directly (rows in ``records`` and ``stations``, as the sync would have left them,
without the history a sync writes): per commune its share of the residents (``person`` records), one dossier per
five residents with a realistic life from bench/stats.py (January 2024 – mid-November 2026), and one crime
report per hundred dossiers. A SQLite build is cached in bench/out/ (gitignored); a database URL already filled by
an earlier run is measured again without a new build. Then the real
``province-server serve`` answers ``/console/?period=2026-10`` and ``/console/statistics?period=2026-10`` to a
logged-in staff session over HTTP: the first answer of each page computes the province table (cold: the server
is restarted between the two pages, so neither reuses the other's table), the next ``--requests`` reuse it while
the database is unchanged (warm; p50/p95). ``compute_s`` is the cold work measured
in-process (the period table of every commune, then the overview around it).

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import random
import re
import statistics as pystats
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from province_server import schema  # noqa: E402
from province_server.db import Database  # noqa: E402
from station_client.domain.units import communes as all_communes  # noqa: E402

OUT = ROOT / "bench" / "out"
BATCH = 5000
PERIOD = "2026-10"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _stats_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_stats", ROOT / "bench" / "stats.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _utc(value: Any) -> str:
    t = datetime.fromisoformat(str(value))
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _last_touch(f: dict[str, Any]) -> str:
    for name in ("returned_at", "result_ready_at", "transferred_at", "received_at"):
        if f.get(name):
            return _utc(f[name])
    return _utc(f["received_at"])


def build(db: Database, n_communes: int, residents: int, seed: int, codes: list[str] | None = None
          ) -> dict[str, int]:
    bench = _stats_module()
    from station_client.domain.calendar import WorkCalendar, shipped_overrides
    from station_client.domain.deadline_rules import RuleSet
    from station_client.domain.procedures import Procedure, shipped_catalogue

    rng = random.Random(seed)
    cal = WorkCalendar.default(overrides=shipped_overrides())
    procedures = [p for p in (Procedure.from_record(r) for r in shipped_catalogue()) if p.active]
    rules = RuleSet.load([])
    codes = codes or sorted(all_communes())[:n_communes]
    now = datetime.now(UTC)
    counts = {"residents": 0, "dossiers": 0, "crime_reports": 0}
    with db.write(feed=False) as conn:
        conn.execute(schema.stations.insert(), [{
            "id": f"{c}-01", "name": f"Công an {c}", "commune_code": c, "province_code": c[:2], "status": "active",
            "created_at": _utc(now.isoformat()), "enrolled_at": _utc(now.isoformat()), "app_version": "0.1.0",
            "last_seen": _utc(datetime.fromtimestamp(now.timestamp() - rng.uniform(0, 4 * 86400), UTC).isoformat())}
            for c in codes])
    per = residents // len(codes)
    applicants = [{"name": "Nguyễn Văn An", "personal_id": "022190001234", "birth_date": "1990-05-17",
                   "permanent_address": "Khu 1"}]
    n = 0
    t = time.perf_counter()
    rows: list[dict[str, Any]] = []

    def flush(force: bool = False) -> None:
        if rows and (force or len(rows) >= BATCH):
            with db.write(feed=False) as conn:
                conn.execute(schema.records.insert(), rows)
            rows.clear()

    for ci, commune in enumerate(codes):
        station = f"{commune}-01"

        for i in range(per):
            rows.append({"kind": "person", "id": f"p-{commune}-{i:08d}", "commune_code": commune, "version": 1,
                         "deleted": False, "origin": station, "updated_at": "2025-01-01T00:00:00.000000Z",
                         "fields": json.dumps({"full_name": f"Nguyễn Văn {i}", "birth_date": "1980-01-01",
                                               "sex": "male", "personal_id": f"0221{80000000 + i:08d}"})})
            flush()
        for _ in range(max(1, per // 5)):
            f = bench._dossier(n, rng, procedures, applicants, cal)
            rows.append({"kind": "dossier", "id": f"d-{commune}-{n:09d}", "commune_code": commune, "version": 1,
                         "deleted": False, "origin": station, "updated_at": _last_touch(f),
                         "fields": json.dumps(f, ensure_ascii=False, default=str)})
            n += 1
            counts["dossiers"] += 1
            flush()
        for k, f in enumerate(bench._crime_reports(max(1, per // 500), rng, rules, cal)):
            rows.append({"kind": "crime_report", "id": f"c-{commune}-{k:07d}", "commune_code": commune, "version": 1,
                         "deleted": False, "origin": station, "updated_at": _last_touch(f),
                         "fields": json.dumps(f, ensure_ascii=False, default=str)})
            counts["crime_reports"] += 1
        flush(force=True)
        counts["residents"] += per
        if (ci + 1) % 25 == 0:
            _log(f"  {ci + 1} communes, {time.perf_counter() - t:.0f} s")
    if db.backend == "postgresql":
        # VACUUM as well: the first read of freshly bulk-loaded rows sets every page's hint bits (a write of
        # the whole table) and autovacuum would soon scan it all, both during the timings; a live province
        # database receives its rows over months and is vacuumed as it goes.
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return counts


def _touch(url: str, i: int) -> None:
    """What a station's sync leaves in the feed: a new version of one of its commune's records."""
    db = Database(url)
    try:
        r, h = schema.records, schema.history
        with db.write() as conn:
            row = conn.execute(select(r.c.kind, r.c.id, r.c.commune_code, r.c.fields, r.c.origin)
                               .where(r.c.kind == "dossier").limit(1).offset(i * 1000)).first()
            assert row is not None
            conn.execute(h.insert().values(kind=row.kind, id=row.id, version=2, deleted=False, fields=row.fields,
                                           changed="[]", origin=row.origin, change_id=f"bench-{time.time_ns()}",
                                           commune_code=row.commune_code, at=_utc(datetime.now(UTC).isoformat())))
    finally:
        db.dispose()


def _timings(http: requests.Session, url: str, n: int) -> tuple[float, list[float]]:
    t = time.perf_counter()
    first = http.get(url, timeout=600)
    cold = time.perf_counter() - t
    first.raise_for_status()
    warm = []
    for _ in range(n):
        t = time.perf_counter()
        http.get(url, timeout=60).raise_for_status()
        warm.append((time.perf_counter() - t) * 1000)
    return cold, warm


def _same_login(http: requests.Session) -> requests.Session:
    """A new HTTP session (no kept-alive connection to a stopped server) with the same login cookie."""
    fresh = requests.Session()
    fresh.cookies.update(http.cookies)
    http.close()
    return fresh


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--communes", type=int, default=150)
    ap.add_argument("--residents", type=int, default=150_000)
    ap.add_argument("--db", default="sqlite", help="sqlite | postgresql (throwaway cluster) | a database URL")
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()

    from province_server.console import auth, queries
    from station_client.domain.statistics import Period
    from tests.support.server import start_server

    cluster = None
    if args.db == "sqlite":
        folder = OUT / f"console-{args.communes}-{args.residents}"
        url = f"sqlite:///{folder / 'province.db'}"
        fresh = not (folder / "READY").exists()
        if fresh:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
    elif args.db == "postgresql":
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        url, fresh = cluster.new_database(), True
    else:
        url, fresh = args.db, True
    try:
        db = Database(url)
        db.check_schema(auto_migrate_empty=True)
        if args.db not in ("sqlite", "postgresql"):  # a database of an earlier run is measured again as it is
            with db.read() as conn:
                fresh = conn.execute(select(func.count()).select_from(schema.records)).scalar_one() == 0
        if fresh:
            _log(f"building {args.communes} communes, {args.residents} residents ...")
            t = time.perf_counter()
            build(db, args.communes, args.residents, args.seed)
            _log(f"  built in {time.perf_counter() - t:.0f} s")
            if args.db == "sqlite":
                (Path(url[len("sqlite:///"):]).parent / "READY").write_text("1")
        r = schema.records
        with db.read() as conn:
            counts = {f"{k}_records": int(v) for k, v in conn.execute(
                select(r.c.kind, func.count()).group_by(r.c.kind))}
        period = Period.parse(PERIOD)
        t = time.perf_counter()
        queries.clear_caches()
        queries.overview(db, period, queries.province_table(db, period))
        compute_s = time.perf_counter() - t
        password = "bench2026pw"
        with contextlib.suppress(auth.StaffError):  # a cached SQLite build has it already
            auth.add_staff(db, "bench", "Bench", "viewer", password, by="bench")
        db.dispose()
        srv = start_server(OUT / "console-srv", url, quiet=True)
        try:
            http = requests.Session()
            page = http.get(srv.url + "/console/login", timeout=30).text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf
            http.post(srv.url + "/console/login", data={"csrf": csrf.group(1), "username": "bench",
                                                        "password": password, "next": ""}, timeout=60)
            o_cold, o_warm = _timings(http, f"{srv.url}/console/?period={PERIOD}", args.requests)
            # A new server process (the figures are kept per process), so the statistics page's first view is
            # cold too instead of reusing the table the overview computed; the login session is in the database.
            srv.restart()
            http = _same_login(http)
            s_cold, s_warm = _timings(http, f"{srv.url}/console/statistics?period={PERIOD}", args.requests)
            # one commune syncs (a new version in its feed): the next overview recomputes that commune only
            after_sync = []
            for i in range(5):
                _touch(url, i)
                t = time.perf_counter()
                http.get(f"{srv.url}/console/?period={PERIOD}", timeout=600).raise_for_status()
                after_sync.append(time.perf_counter() - t)
        finally:
            srv.stop()
    finally:
        if cluster is not None:
            cluster.stop()
    result = {"backend": "postgresql" if url.startswith("postgresql") else "sqlite", "communes": args.communes,
              "residents": args.residents, **counts, "compute_s": round(compute_s, 3),
              "overview_cold_s": round(o_cold, 3), "overview_p50_ms": round(pystats.median(o_warm), 1),
              "overview_p95_ms": round(_p(o_warm, 0.95), 1), "statistics_cold_s": round(s_cold, 3),
              "statistics_p50_ms": round(pystats.median(s_warm), 1), "statistics_p95_ms": round(_p(s_warm, 0.95), 1),
              "overview_after_one_sync_s": round(pystats.median(after_sync), 3)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
