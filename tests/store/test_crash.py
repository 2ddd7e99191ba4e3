"""A writer killed with SIGKILL at random moments loses nothing committed and never leaves a record without
its audit entry and outbox change."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from station_client.store import Store
from station_client.store.audit import verify

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 50


def test_sigkill_at_random_moments_loses_nothing(tmp_path):
    path = tmp_path / "station.db"
    Store.open(path).close()
    rng = random.Random(20261123)
    committed: dict[str, int] = {}  # record id -> lowest version it must have (0: deleted)
    for i in range(KILLS):
        proc = subprocess.Popen([sys.executable, str(WRITER), str(path), str(i)], stdout=subprocess.PIPE,
                                text=True, cwd=Path(__file__).resolve().parents[2])
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        reported: dict[str, int] = {}
        for line in out.splitlines():
            op, *rest = line.split()
            if op == "create":
                reported[rest[0]] = 1
            elif op == "batch":
                reported.update(dict.fromkeys(rest, 1))
            elif op == "update":
                reported[rest[0]] = int(rest[1])
            elif op == "delete":
                reported[rest[0]] = 0
        committed.update(reported)
        last = i == KILLS - 1
        with Store.open(path) as store:
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # What this writer reported, every time; everything ever reported, at the end.
            for rid, version in (committed if last else reported).items():
                row = store.get("person", rid, include_deleted=True)
                assert row is not None, f"committed record {rid} lost after kill {i}"
                if version == 0:
                    assert row["deleted"]
                else:
                    assert row["version"] >= version
            if i % 10 == 9 or last:  # the full audit check reads every row: often enough, not every time
                report = verify(store.conn)
                assert report.ok, report.findings[:3]
            without_change = store.conn.execute(
                "SELECT count(*) FROM persons p WHERE NOT EXISTS "
                "(SELECT 1 FROM outbox o WHERE o.kind = 'person' AND o.record_id = p.id)").fetchone()[0]
            assert without_change == 0
    assert len(committed) > KILLS  # the writers really wrote
