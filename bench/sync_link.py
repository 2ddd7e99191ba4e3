"""First sync of N new residents over a slow link, then a no-op sync; bytes and time against the floor.

    python bench/sync_link.py --records 10000 --kbps 256 --rtt-ms 300

Starts the real province server (SQLite), a station with N new residents made through the write path, and a
user-space shaping proxy (bandwidth cap per direction, RTT/2 delay each way; this kernel has no netem) between
them. ``floor_bytes`` is the gzip size of the N records as newline-delimited JSON: the least that must cross.
Bytes are counted on the wire at the proxy (HTTP headers included). The audit trail's push (each entry as
stored, with its hashes: docs/sync-protocol.md) is measured after the data sync, as ``audit_*``. Last line: one
JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station_client.domain.registry import get_kind
from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.store.codec import canonical_json, fields_only
from station_client.sync.client import Timeouts
from station_client.sync.engine import EngineConfig
from station_client.sync.enroll import build_engine, enroll
from station_client.synthetic import Generator
from tests.support.server import start_server
from tests.sync.netproxy import ShapingProxy


def make_records(store: Store, n: int, seed: int) -> list[str]:
    gen = Generator(seed, today=date(2026, 1, 1))
    ids = []
    with store.bulk(), store.transaction():
        for person in gen.people(n):
            rid = person.pop("id")
            store.create("person", person, officer="bench", record_id=rid)
            ids.append(rid)
    return ids


def floor_bytes(store: Store) -> int:
    kind = get_kind("person")
    lines = [canonical_json({"id": r["id"], **fields_only(kind, r)}) for r in store.iter_records("person")]
    return len(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=10_000)
    p.add_argument("--kbps", type=float, default=256)
    p.add_argument("--rtt-ms", type=float, default=300)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="sync-link-") as tmp:
        tmp_path = Path(tmp)
        server = start_server(tmp_path, quiet=True)
        try:
            code = server.add_station("07069", "bench")
            store = Store.open(tmp_path / "station" / "station.db")
            enroll(store, server.url, code)
            t0 = time.monotonic()
            make_records(store, args.records, args.seed)
            print(f"made {args.records} residents in {time.monotonic() - t0:.1f} s", file=sys.stderr)
            floor = floor_bytes(store)
            proxy = ShapingProxy(server.port, args.kbps, args.rtt_ms)
            ops.set_state(store, {"station.server_url": proxy.url})
            # The data sync is measured alone (the targets are about it); the audit trail's push, which
            # follows it in a real cycle, is measured next as a stream of its own.
            config = EngineConfig(batch_size=500, feed_limit=1000, push_audit=False)
            engine = build_engine(store, config=config, timeouts=Timeouts(connect=10, read=120))
            start = time.monotonic()
            report = engine.run_once()
            wall = time.monotonic() - start
            if not report.ok:
                raise SystemExit(f"sync failed: {report.summary()} {report.error and report.error.en}")
            up, down, conns = proxy.bytes_up, proxy.bytes_down, proxy.connections
            proxy.bytes_up = proxy.bytes_down = 0
            noop = engine.run_once()
            noop_bytes = proxy.bytes_up + proxy.bytes_down
            proxy.bytes_up = proxy.bytes_down = 0
            engine.config.push_audit = True
            audit_start = time.monotonic()
            audit = engine.run_once()  # a no-op exchange, then the audit entries of the first sync
            audit_s = time.monotonic() - audit_start
            audit_bytes = proxy.bytes_up + proxy.bytes_down - noop_bytes
            engine.client.close()
            acked = report.applied.acked
            pending = ops.pending_count(store)
            store.close()
            proxy.close()
        finally:
            server.stop()
    floor_s = floor * 8 / (args.kbps * 1000)
    round_trips = report.requests + conns  # each request, and each new TCP connection's handshake
    target = 1.5 * (floor_s + round_trips * args.rtt_ms / 1000)
    result = {
        "records": args.records, "acked": acked, "pending_after": pending, "kbps": args.kbps, "rtt_ms": args.rtt_ms,
        "bytes_up": up, "bytes_down": down, "floor_bytes": floor, "ratio": round((up + down) / floor, 3),
        "requests": report.requests, "connections": conns, "wall_s": round(wall, 2),
        "floor_s": round(floor_s, 2), "wall_target_s": round(target, 2),
        "noop_requests": noop.requests, "noop_bytes": noop_bytes, "noop_digest": noop.digest,
        "audit_entries": audit.audit_pushed, "audit_requests": audit.requests - 1, "audit_bytes": audit_bytes,
        "audit_s": round(audit_s, 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
