"""What an officer waits for: one whole ``station-client sync`` over a slow link, its bytes against the floor.

    python bench/sync_link.py --workload new --records 10000 --kbps 256 --rtt-ms 300
    python bench/sync_link.py --workload noop|edit20 --records 2000
    python bench/sync_link.py --workload pull --records 100000

Starts the real province server (SQLite) and a user-space shaping proxy (bandwidth cap per direction, RTT/2 delay
each way, one round trip for every new TCP connection; this kernel has no netem), prepares a station through the
write path, then times the real command — ``station-client --data-dir D sync --json`` in its own process, from
its start to its exit — with the station pointed at the proxy. Everything that command sends is counted: the
exchanges, the audit trail's push, any digest repair, the TCP connections it opens. Bytes are counted at the proxy,
on the wire (HTTP heads included), in total and per endpoint.

Workloads (the measured station and what it holds):
- ``new``: a freshly enrolled station with N new residents: its first sync (pull of an empty commune, then the
  push of the N records and their audit entries).
- ``noop``: the same station after that sync, with nothing to do.
- ``edit20``: the same station after that sync, with 20 residents edited (one field each).
- ``pull``: a second station enrolled in a commune where another station already synced N residents: its first
  sync (the pull of the whole commune, and whatever the cycle pushes after it: the N ``remote`` audit entries the
  pull writes, compact where the province rebuilds them from its history; ``by_endpoint`` shows any whole push).

``floor_bytes`` is the gzip-6 size of the records concerned as stored, as NDJSON: each record's id and non-null
fields, keys sorted, one line each (for ``edit20`` the 20 edited records, for ``noop`` nothing). ``ratio`` is
every byte both ways over the floor. The audit now rides inside ``/v1/sync`` where the province takes it, so
``by_endpoint`` no longer splits it out; ``audit_whole_bytes`` / ``audit_riding_bytes`` (``new``, ``edit20``) give
the station's unpushed entries' compressed size in both forms, measured on a copy before the run
(``audit_riding_entries`` of ``audit_entries`` rode; the rest would go whole at the end). The preparation
(making records, the syncs before the measured one) runs
unshaped and is not counted. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station_client.domain.registry import get_kind
from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.store.codec import canonical_json
from station_client.store.sync_ops import audit_push
from station_client.sync.client import Timeouts
from station_client.sync.codings import zstd_compress
from station_client.sync.engine import EngineConfig
from station_client.sync.enroll import build_engine, enroll
from station_client.synthetic import Generator
from tests.support.server import RunningServer, start_server
from tests.sync.netproxy import ShapingProxy

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = ("new", "noop", "edit20", "pull")
COMMUNE = "07069"


def make_records(store: Store, n: int, seed: int) -> list[str]:
    gen = Generator(seed, today=date(2026, 1, 1))
    ids = []
    with store.bulk(), store.transaction():
        for person in gen.people(n):
            rid = person.pop("id")
            store.create("person", person, officer="bench", record_id=rid)
            ids.append(rid)
    return ids


def floor_bytes(store: Store, ids: set[str] | None = None) -> int:
    """gzip-6 of the records as stored, as NDJSON: id and non-null fields, keys sorted, one record a line."""
    kind = get_kind("person")
    lines = []
    for r in store.iter_records("person"):
        if ids is not None and r["id"] not in ids:
            continue
        lines.append(canonical_json({"id": r["id"]} | {k: r[k] for k in kind.field_names if r.get(k) is not None}))
    if not lines:
        return 0
    return len(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=6, mtime=0))


def new_station(server: RunningServer, root: Path, name: str) -> tuple[Path, Store]:
    data_dir = root / name
    data_dir.mkdir()
    store = Store.open(data_dir / "station.db")
    enroll(store, server.url, server.add_station(COMMUNE, name))
    return data_dir, store


def sync_unshaped(store: Store) -> None:
    """A preparation sync straight to the server (not measured), audit included, until nothing is left."""
    engine = build_engine(store, config=EngineConfig(audit_batches_per_cycle=1000),
                          timeouts=Timeouts(connect=10, read=300))
    try:
        for _ in range(20):
            report = engine.run_once()
            if not report.ok:
                raise SystemExit(f"preparation sync failed: {report.summary()} {report.error and report.error.en}")
            if ops.pending_count(store) == 0 and report.audit_pushed == 0 and report.requests <= 1:
                return
    finally:
        engine.client.close()


def audit_forms(db: Path) -> dict[str, int]:
    """The station's unpushed audit entries in both forms, as zstd-compressed request bodies (level 12, as the
    station sends): riding compact on the exchanges that carry their changes (the exchanges' growth from their
    ``audit`` member) against whole in ``POST /v1/audit`` batches of 2,000. Measured on a copy of the station."""
    with tempfile.TemporaryDirectory(prefix="audit-forms-") as tmp:
        copy = Path(tmp) / "station.db"
        src = sqlite3.connect(db)
        dst = sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        dst.close()
        store = Store.open(copy)
        try:
            def size(body: dict[str, Any]) -> int:
                return len(zstd_compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()))

            start = after = ops.audit_pushed(store)
            whole = total = 0
            while entries := ops.audit_after(store, after, 2000):
                whole += size({"entries": entries})
                total += len(entries)
                after = entries[-1]["seq"]
            compact, rode, after, taken = 0, 0, start, set()
            epoch = ops.position(store).epoch
            while batch := ops.take_batch(store, 500, skip=taken):
                taken |= {(c.kind, c.record_id) for c in batch}
                changes = [c.wire(epoch) for c in batch]
                segment = audit_push.riding_segment(store, after, changes, 2000)
                if segment is None:
                    continue
                compact += size({"changes": changes, "audit": segment}) - size({"changes": changes})
                rode += len(segment["entries"])
                after = segment["first"] + len(segment["entries"]) - 1
            return {"audit_whole_bytes": whole, "audit_riding_bytes": compact, "audit_riding_entries": rode,
                    "audit_entries": total}
        finally:
            store.close()


def edit_records(store: Store, ids: list[str], n: int) -> set[str]:
    edited = set()
    for i, rid in enumerate(ids[:n]):
        store.update("person", rid, {"phone": f"09{87650000 + i:08d}"}, officer="bench")
        edited.add(rid)
    return edited


def run_command(data_dir: Path) -> tuple[float, dict[str, Any], str]:
    """``station-client sync --json`` as an officer's machine runs it; wall time from start to exit."""
    cmd = [sys.executable, "-c", "import sys; from station_client.cli import main; sys.exit(main())",
           "--data-dir", str(data_dir), "sync", "--json", "--read-timeout", "300"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env={**os.environ})
    wall = time.monotonic() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else {}
    return wall, report, proc.stderr.strip()[-2000:]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", choices=WORKLOADS, default="new")
    p.add_argument("--records", type=int, default=10_000)
    p.add_argument("--kbps", type=float, default=256)
    p.add_argument("--rtt-ms", type=float, default=300)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="sync-link-") as tmp:
        root = Path(tmp)
        server = start_server(root, quiet=True)
        proxy: ShapingProxy | None = None
        try:
            t0 = time.monotonic()
            maker_dir, maker = new_station(server, root, "maker")
            ids = make_records(maker, args.records, args.seed)
            if args.workload == "new":
                floor = floor_bytes(maker)
                data_dir, measured = maker_dir, maker
            else:
                sync_unshaped(maker)
                if args.workload == "pull":
                    floor = floor_bytes(maker)
                    maker.close()
                    data_dir, measured = new_station(server, root, "newcomer")
                else:
                    edited = set() if args.workload == "noop" else edit_records(maker, ids, 20)
                    floor = floor_bytes(maker, edited)
                    data_dir, measured = maker_dir, maker
            pending = ops.pending_count(measured)
            print(f"prepared {args.workload} with {args.records} residents in {time.monotonic() - t0:.1f} s",
                  file=sys.stderr)
            proxy = ShapingProxy(server.port, args.kbps, args.rtt_ms)
            ops.set_state(measured, {"station.server_url": proxy.url})
            measured.close()
            forms = audit_forms(data_dir / "station.db") if args.workload in ("new", "edit20") else {}
            wall, report, stderr = run_command(data_dir)
            traffic = proxy.counts()
            after = Store.open(data_dir / "station.db")
            pending_after = ops.pending_count(after)
            audit_left = len(ops.audit_after(after, ops.audit_pushed(after), 1))

            held = after.count("person")
            after.close()
        finally:
            if proxy is not None:
                proxy.close()
            server.stop()
    if not report.get("ok"):
        print(stderr, file=sys.stderr)
    total = int(traffic["bytes_up"]) + int(traffic["bytes_down"])  # type: ignore[call-overload]
    floor_s = floor * 8 / (args.kbps * 1000)
    result: dict[str, Any] = {
        "workload": args.workload, "records": args.records, "kbps": args.kbps, "rtt_ms": args.rtt_ms,
        "ok": bool(report.get("ok")), "error": report.get("error"),
        "wall_s": round(wall, 2), "requests": traffic["requests"], "connections": traffic["connections"],
        "bytes": total, "bytes_up": traffic["bytes_up"], "bytes_down": traffic["bytes_down"],
        "floor_bytes": floor, "ratio": round(total / floor, 3) if floor else None, "floor_s": round(floor_s, 2),
        "by_endpoint": traffic["by_path"],
        "pending_before": pending, "pending_after": pending_after, "audit_left": bool(audit_left),
        "station_records": held, "engine_requests": report.get("requests"), "acked": report.get("acked"),
        "pulled": report.get("pulled"),
    } | forms
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
