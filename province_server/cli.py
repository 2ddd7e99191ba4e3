"""``province-server``: serve the API and run the province's operations on the same database.

Every subcommand takes ``--db URL`` (or ``PROVINCE_SERVER_DB``; default: a SQLite file in the user-data
folder). ``serve`` creates the schema in an empty database, and refuses a database whose schema is older or
newer than this version (run ``province-server migrate`` after an upgrade).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from .config import DB_ENV, resolve_db_url
from .db import Database, SchemaError, ready_db

Handler = Callable[[argparse.Namespace], int]


def _db(args: argparse.Namespace) -> Database:
    return Database(resolve_db_url(args.db))


def _print(value: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    url = resolve_db_url(args.db)
    db = Database(url)
    try:
        db.check_schema(auto_migrate_empty=True)
    except SchemaError as exc:
        print(f"province-server: {exc}", file=sys.stderr)
        return 2
    workers = args.workers if args.workers else (2 if db.backend == "postgresql" else 1)
    if db.backend == "sqlite" and workers > 1:
        print("province-server: SQLite serves from one worker (its writes are serialized anyway)", file=sys.stderr)
        workers = 1
    db.dispose()
    os.environ[DB_ENV] = url
    os.environ.setdefault("PROVINCE_SERVER_POOL", str(args.pool))
    if args.quiet:
        os.environ["PROVINCE_SERVER_QUIET"] = "1"
    # Workers are spawned processes: they read their limits from the environment (ratelimit.py, stations.py).
    from .ratelimit import BURST_ENV, RATE_ENV
    from .stations import AUTH_TTL_ENV

    for env, value in ((RATE_ENV, args.rate), (BURST_ENV, args.burst), (AUTH_TTL_ENV, args.auth_ttl)):
        if value is not None:
            os.environ[env] = str(value)
    from .protocol import event_loop, http_protocol

    uvicorn.run("province_server.app:app_from_env", factory=True, host=args.host, port=args.port, workers=workers,
                http=http_protocol(), loop=event_loop(), access_log=False, log_level="warning", timeout_keep_alive=30,
                backlog=2048, ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    db = _db(args)
    try:
        before, after = db.migrate()
    except SchemaError as exc:
        print(f"province-server: {exc}", file=sys.stderr)
        return 2
    print(f"schema: {before or 'empty'} -> {after}")
    return 0


def cmd_station_add(args: argparse.Namespace) -> int:
    from . import stations
    from .errors import ApiError

    try:
        station, code = stations.add_station(ready_db(args.db), args.commune, args.name or "")
    except ApiError as exc:
        print(f"province-server: {exc.en}", file=sys.stderr)
        return 2
    if args.json:
        _print({"station_id": station.id, "name": station.name, "commune_code": station.commune_code,
                "enrollment_code": code}, True)
    else:
        print(f"station {station.id} ({station.name}, commune {station.commune_code})")
        print(f"enrollment code (one use, 7 days): {code}")
    return 0


def cmd_station_list(args: argparse.Namespace) -> int:
    from . import stations

    rows = stations.list_stations(ready_db(args.db))
    if args.json:
        _print(rows, True)
        return 0
    for r in rows:
        print(f"{r['id']:<12} {r['status']:<8} {r['commune_code']} last seen {r['last_seen'] or '-':<28} {r['name']}")
    return 0


def cmd_station_revoke(args: argparse.Namespace) -> int:
    from . import stations

    if not stations.revoke(ready_db(args.db), args.station_id):
        print(f"province-server: no station {args.station_id}", file=sys.stderr)
        return 1
    print(f"station {args.station_id} revoked; its token is refused from now on")
    return 0


def cmd_station_reissue_key(args: argparse.Namespace) -> int:
    from . import stations

    if not stations.reissue_receipt_key(ready_db(args.db), args.station_id):
        print(f"province-server: no active station {args.station_id}", file=sys.stderr)
        return 1
    print(f"station {args.station_id}: new receipt key; the station takes it at its next sync. Receipts printed "
          "under the old key are refused from now on.")
    return 0


def cmd_lookup_url(args: argparse.Namespace) -> int:
    from . import stations

    db = ready_db(args.db)
    if args.url:
        try:
            stations.set_lookup_base_url(db, args.url)
        except ValueError:
            print(f"province-server: not an http(s) URL: {args.url}", file=sys.stderr)
            return 1
    print(stations.lookup_base_url(db, "") or "(not set: each station prints the address it syncs with)")
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    from . import stations

    print(stations.new_admin_token(ready_db(args.db), args.note or ""))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from . import ops

    if args.period:
        return _period_stats(args)
    data = ops.stats(ready_db(args.db))
    if args.json:
        _print(data, True)
        return 0
    print(f"epoch {data['epoch']} ({data['backend']}), head seq {data['head_seq']}, {data['records']} records, "
          f"{data['open_conflicts']} open conflicts")
    print(f"{'station':<12} {'status':<8} {'last seen':<28} {'records':>8} {'conflicts':>9} {'denied':>6}  name")
    for s in data["stations"]:
        print(f"{s['id']:<12} {s['status']:<8} {s['last_seen'] or '-':<28} {s['commune_records']:>8} "
              f"{s['commune_open_conflicts']:>9} {s['scope_denials']:>6}  {s['name']}")
    return 0


def _period_stats(args: argparse.Namespace) -> int:
    """``stats --period P``: the province-wide figures, computed from the records and checked against the
    stations' submitted reports (``statistics.py``)."""
    from station_client.domain.statistics import Period

    from . import statistics

    try:
        period = Period.parse(args.period)
    except ValueError as exc:
        print(f"province-server: {exc}", file=sys.stderr)
        return 2
    table = statistics.province_table(ready_db(args.db), period)
    if args.csv or args.xlsx:
        from station_client.statistics_export import write_csv, write_xlsx

        (write_csv if args.csv else write_xlsx)(args.csv or args.xlsx, statistics.export_tables(table))
        print(f"written to {args.csv or args.xlsx}: {table['flagged']} figure(s) disagree with the records")
    elif args.json:
        _print(table, True)
    else:
        sys.stdout.write(statistics.text_table(table))
    return 0


def cmd_new_epoch(args: argparse.Namespace) -> int:
    from . import ops

    print(ops.new_epoch(ready_db(args.db), args.replay_hours))
    return 0


def cmd_replay_status(args: argparse.Namespace) -> int:
    from . import ops

    data = ops.replay_status(ready_db(args.db))
    if args.json:
        _print(data, True)
    else:
        state = "open until " + str(data["until"]) if data["open"] else "closed"
        print(f"epoch {data['epoch']}: replay window {state}; {data['deferred']} changes waiting")
    return 0


def cmd_replay_close(args: argparse.Namespace) -> int:
    from . import ops

    data = ops.close_replay_window(ready_db(args.db))
    print(f"replay window closed; {data['judged']} waiting changes judged")
    return 0


def cmd_duplicates_scan(args: argparse.Namespace) -> int:
    from . import ops

    print(f"{ops.scan_duplicates(ready_db(args.db))} duplicate-person review item(s) written")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="province-server", description="Provincial data centre sync server")
    p.add_argument("--db", default=None, help=f"database URL or SQLite path (default: ${DB_ENV} or the user-data "
                                              "folder's province.db)")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Handler, help_: str, parent: Any = sub) -> argparse.ArgumentParser:
        sp = parent.add_parser(name, help=help_)
        sp.add_argument("--db", default=argparse.SUPPRESS, help="database URL (overrides the global --db)")
        sp.set_defaults(handler=handler)
        return sp

    s = add("serve", cmd_serve, "serve the API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8470)
    s.add_argument("--workers", type=int, default=0, help="uvicorn worker processes (default: 2 on PostgreSQL, "
                                                           "1 on SQLite)")
    s.add_argument("--pool", type=int, default=20, help="database connections per worker (each worker runs "
                   "8 request threads, PROVINCE_SERVER_THREADS; the pool keeps more than that open)")
    s.add_argument("--quiet", action="store_true", help="no per-request log lines (refusals are still logged)")
    s.add_argument("--rate", type=float, default=None, help="requests per second per station, sustained "
                                                            "(default 20; 0: no limit)")
    s.add_argument("--burst", type=float, default=None, help="requests a station may make at once (default 200)")
    s.add_argument("--auth-ttl", type=float, default=None, help="seconds a token lookup is cached (default 300)")
    s.add_argument("--ssl-certfile", default=None, help="serve HTTPS with this certificate chain (PEM)")
    s.add_argument("--ssl-keyfile", default=None, help="the certificate's private key (PEM)")
    add("migrate", cmd_migrate, "create or upgrade the schema")
    st = sub.add_parser("station", help="stations: add, list, revoke, reissue-receipt-key").add_subparsers(
        dest="station_cmd", required=True)
    a = add("add", cmd_station_add, "register a station; prints a one-time enrollment code", st)
    a.add_argument("--commune", required=True, help="5-digit commune code")
    a.add_argument("--name", default="")
    a.add_argument("--json", action="store_true")
    ls = add("list", cmd_station_list, "list stations", st)
    ls.add_argument("--json", action="store_true")
    r = add("revoke", cmd_station_revoke, "revoke a station (its token is refused at once)", st)
    r.add_argument("station_id")
    rk = add("reissue-receipt-key", cmd_station_reissue_key, "give a station a new receipt key (the old one leaked);"
             " receipts signed with the old key are refused from then on", st)
    rk.add_argument("station_id")
    lu = add("lookup-url", cmd_lookup_url,
             "show or set the public lookup page's base URL printed in receipts' QR codes")
    lu.add_argument("url", nargs="?", default=None, help="e.g. https://tracuu.congan.quangninh.gov.vn")
    t = add("admin-token", cmd_admin_token, "make a province admin token (printed once)")
    t.add_argument("--note", default="")
    s2 = add("stats", cmd_stats, "per-station last seen, open conflicts, record counts; with --period the "
                                 "province-wide figures of a period, checked against the submitted reports")
    s2.add_argument("--json", action="store_true")
    s2.add_argument("--period", default=None, help="2026-10, 2026-Q4, 2026 or 2026-10-01..2026-10-15")
    s2.add_argument("--csv", metavar="FILE", help="with --period: write the tables as CSV (for Excel)")
    s2.add_argument("--xlsx", metavar="FILE", help="with --period: write the tables as an XLSX workbook")
    ne = add("new-epoch", cmd_new_epoch, "give the database a new epoch (after restoring it by other means)")
    ne.add_argument("--replay-hours", type=float, default=None, help="replay window (see `restore`)")
    rp = sub.add_parser("replay", help="after a restore: the window in which re-sent changes wait for one another"
                        ).add_subparsers(dest="replay_cmd", required=True)
    rs = add("status", cmd_replay_status, "is the replay window open, how many changes wait", rp)
    rs.add_argument("--json", action="store_true")
    add("close", cmd_replay_close, "close the replay window now: every waiting change is judged", rp)
    from . import audit, bundles, dump, duplicates, officers

    audit.add_cli(add, sub)
    add("scan", cmd_duplicates_scan, "write review items for duplicates held before detection existed",
        duplicates.add_cli(add, sub))
    bundles.add_cli(add)
    dump.add_cli(add)
    officers.add_cli(add, sub)
    from .console import cli as console_cli

    console_cli.add_cli(add, sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
