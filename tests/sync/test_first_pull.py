"""A new station's first pull of a whole commune: resumable after a SIGKILL at any moment, nothing applied twice,
and the progress the app shows counts up to the commune's size.

The kill test runs the real ``station-client sync`` process against the real server, in small pages so most
kills land mid-pull (between pages, inside a page's transaction, during the audit push after it), while another
station keeps adding residents so the feed grows under the pull. The oracle, checked after every kill and at the
end: the station's feed cursor never moves back, no record's pulled state is applied twice (one ``remote`` audit
entry per record: each record here has one version), and once a run completes the station holds exactly the
province's records. A failing seed reproduces with the same seed (the kill moments adapt to the machine's speed,
the schedule of writes does not).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.sync.engine import EngineConfig
from station_client.sync.status import SyncStatus

from .conftest import REPO, Station, add_people, assert_converged, make_station, server_records

PAGE = 25


def _pulled_twice(store: Store) -> list[str]:
    return [r for (r,) in store.conn.execute(
        "SELECT record_id FROM audit WHERE action = 'remote' GROUP BY record_id HAVING count(*) > 1")]


def _cursor(station: Station) -> int:
    """The station's saved feed cursor, read without opening the store (the sync process holds it)."""
    conn = sqlite3.connect(f"file:{station.db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()
    finally:
        conn.close()
    return int(row[0]) if row else 0


def _feed_head(server) -> int:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(f"file:{server.db_url[len('sqlite:///'):]}?mode=ro", uri=True, timeout=30)
    try:
        (head,) = conn.execute("SELECT coalesce(max(seq), 0) FROM history").fetchone()
    finally:
        conn.close()
    return int(head)


def _wait_for_pages(station: Station, proc: subprocess.Popen[bytes], start: int, pages: int) -> None:
    """Until the running sync has committed ``pages`` more pages, or ended (polled: another process's commits
    have no event to wait on)."""
    while proc.poll() is None:
        try:
            if _cursor(station) >= start + pages * PAGE:
                return
        except sqlite3.OperationalError:  # the file is being created or locked for a moment
            pass
        time.sleep(0.01)


def _sync_process(station: Station) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "station_client.cli", "--data-dir", str(station.dir), "sync", "--page-size",
         str(PAGE), "--connect-timeout", "2", "--read-timeout", "10", "--attempts", "2"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "STATION_CLIENT_NO_KEYRING": "1"})


@pytest.mark.slow
def test_first_pull_resumes_after_sigkills_and_applies_nothing_twice(tmp_path: Path, server) -> None:
    rng = random.Random(7101)
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        made = set(add_people(store, 1200, seed=7101))
    assert a.sync_until_clean().ok
    b = make_station(tmp_path, server, "b")
    kills = completed = mid_pull = 0
    last_cursor = 0
    while not completed:  # until a run completes the first pull
        assert kills < 60, kills
        proc = _sync_process(b)
        # Where this kill lands: before the first page, or after k more pages (inside the next page's work, or
        # in the audit push after the last page); a run that ends before its moment has completed the pull.
        moment = rng.choice(("start", "pages", "pages", "pages", "pages"))
        pages = rng.randint(1, 6)
        if moment == "start":
            time.sleep(rng.uniform(0.0, 1.0))
        elif moment == "pages":
            _wait_for_pages(b, proc, last_cursor, pages)
            time.sleep(rng.uniform(0.0, 0.15))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(120)
        if proc.returncode == 0:
            completed += 1
        with b.open() as store:
            cursor = ops.position(store).cursor or 0
            assert cursor >= last_cursor, f"the cursor moved back after kill {kills}: {last_cursor} → {cursor}"
            mid_pull += 0 < cursor < _feed_head(server)
            last_cursor = cursor
            assert not _pulled_twice(store), f"a pulled record was applied twice (after kill {kills})"
        if rng.random() < 0.4:  # the commune keeps working: the feed grows under the pull
            with a.open() as store:
                made |= set(add_people(store, rng.randint(1, 15), seed=rng.randrange(1 << 30)))
            assert a.sync_until_clean().ok
    assert mid_pull >= 5, "too few kills landed inside the pull to prove anything"
    final = b.cli("sync", "--page-size", str(PAGE), timeout=180)
    assert final.returncode == 0, final.stderr
    assert_converged(b)
    with b.open() as store:
        assert not _pulled_twice(store)
        (pulled,) = store.conn.execute(
            "SELECT count(DISTINCT record_id) FROM audit WHERE action = 'remote' AND kind = 'person'").fetchone()
    province_people = {i for (k, i), (_, deleted, _) in server_records(server).items()
                       if k == "person" and not deleted}
    assert province_people == made and pulled == len(made)


def test_first_pull_reports_progress_up_to_the_communes_size(tmp_path: Path, server) -> None:
    """What the status bar shows during a first sync: done counts up, never back, and ends at the total."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 600, seed=7102)
    assert a.sync_until_clean().ok
    b = make_station(tmp_path, server, "b")
    seen: list[SyncStatus] = []
    with b.open() as store:
        from station_client.sync.client import Timeouts
        from station_client.sync.enroll import build_engine

        engine = build_engine(store, config=EngineConfig(feed_limit=100, resync_feed_limit=100),
                              timeouts=Timeouts(connect=2.0, read=10.0))
        engine.add_listener(seen.append)
        try:
            report = engine.run_once()
        finally:
            engine.client.close()
    assert report.ok and report.applied.applied >= 600
    steps = [(s.progress_done, s.progress_total) for s in seen if s.state == "syncing" and s.progress_total]
    assert len(steps) >= 6, steps  # one step per page at least
    dones = [d for d, _ in steps]
    assert dones == sorted(dones), steps
    total = steps[-1][1]
    assert total is not None and total >= 600 and dones[-1] == total, steps
