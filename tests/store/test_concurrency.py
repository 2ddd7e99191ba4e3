"""Two processes writing the same station file at once (two app windows, or the app and a headless sync):
no corruption, no deadlock, no lost write, and one unbroken audit chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from station_client.store import Store
from station_client.store.audit import verify

WRITER = Path(__file__).with_name("concurrent_writer.py")
PER_WRITER = 150


def test_two_writer_processes_and_a_reader(tmp_path):
    path = tmp_path / "station.db"
    Store.open(path).close()
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, str(WRITER), str(path), str(seed), str(PER_WRITER)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root)
             for seed in (1, 2)]
    with Store.open(path) as reader_store:
        reader = reader_store.open_reader()
        seen = 0
        while any(p.poll() is None for p in procs):
            seen = max(seen, reader.execute("SELECT count(*) FROM persons").fetchone()[0])  # never blocked
        reader.close()
    written: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        written += out.split()
    assert len(written) == 2 * PER_WRITER
    with Store.open(path) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert {r[0] for r in store.conn.execute("SELECT id FROM persons")} == set(written)
        report = verify(store.conn)
        assert report.ok, report.findings[:3]
        officers = {r[0] for r in store.conn.execute("SELECT DISTINCT officer FROM audit")}
        assert officers == {"writer-1", "writer-2"}
