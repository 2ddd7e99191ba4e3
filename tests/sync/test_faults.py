"""The link and the client process fail at random; at the end station and province hold the same records.

- 200 sync cycles through the fault proxy (resets mid-request and mid-response, responses held past the
  read timeout, injected 500/503), with edits at the station and at the province between cycles.
- 50 SIGKILLs of the ``station-client sync`` process at random moments, restarted each time.
Both end with: no change applied twice at the province, every record made on either side present once,
station == province record by record, outbox empty.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.synthetic import Generator

from .conftest import COMMUNE, REPO, Station, add_people, assert_converged, make_station, server_records
from .netproxy import FaultProxy, random_policy

PROVINCE_FIELDS = ("religion", "email")  # the province edits these; the station edits others (merges, no clash)


def _history_change_ids(server) -> list[str]:
    conn = sqlite3.connect(f"file:{server.db_url[len('sqlite:///'):]}?mode=ro", uri=True, timeout=30)
    try:
        return [r[0] for r in conn.execute("SELECT change_id FROM history WHERE change_id IS NOT NULL")]
    finally:
        conn.close()


def _assert_no_change_applied_twice(server) -> None:
    ids = _history_change_ids(server)
    assert len(ids) == len(set(ids)), "a change was applied twice at the province"


def _settle_conflicts(station: Station) -> int:
    """A station delete can meet a province edit made since the station's base version: a delete_vs_edit
    conflict, as it should be. The officer confirms the deletion; returns how many were settled."""
    with station.open() as store:
        open_conflicts = ops.list_conflicts(store)
        for c in open_conflicts:
            assert c.type == "delete_vs_edit", c  # the only overlap these edits can produce
            ops.resolve_conflict(store, c.id, None, "officer", delete=True)
    if open_conflicts:
        station.sync_until_clean()
    return len(open_conflicts)


def _station_edits(store: Store, rng: random.Random, gen: Generator, created: set[str], deleted: set[str]) -> None:
    live = sorted(created - deleted)
    with store.transaction():
        for _ in range(rng.randint(0, 3)):
            person = next(gen.people(1))
            rid = person.pop("id")
            store.create("person", person, officer="t", record_id=rid)
            created.add(rid)
        for rid in rng.sample(live, min(len(live), rng.randint(0, 3))):
            store.update("person", rid, {"occupation": rng.choice(("Nông dân", "Giáo viên", "Kỹ sư", "Lái xe")),
                                         "note": f"n{rng.randint(0, 10**6)}"}, officer="t")
        if live and rng.random() < 0.15:
            rid = rng.choice(live)
            store.delete("person", rid, officer="t")
            deleted.add(rid)


def _province_edits(server, rng: random.Random, gen: Generator, known: list[str], deleted: set[str],
                    province_made: set[str]) -> None:
    candidates = [r for r in known if r not in deleted]
    for rid in rng.sample(candidates, min(len(candidates), rng.randint(0, 2))):
        server.admin_put_record("person", rid, {PROVINCE_FIELDS[rng.randrange(2)]: f"p{rng.randint(0, 10**6)}"})
    if rng.random() < 0.2:
        person = next(gen.people(1))
        rid = person.pop("id")
        server.admin_put_record("person", rid, person, commune_code=COMMUNE)
        province_made.add(rid)


@pytest.mark.slow
def test_200_cycles_through_a_faulty_link(tmp_path: Path, server) -> None:
    rng = random.Random(20261123)
    station = make_station(tmp_path, server, "a")
    proxy = FaultProxy(server.port, random_policy(rng, 0.35), delay_s=1.3)
    station.route_via(proxy.url)
    gen = Generator(11, today=date(2000, 12, 31))
    province_gen = Generator(12, today=date(2000, 12, 31))
    created: set[str] = set()
    deleted: set[str] = set()
    province_made: set[str] = set()
    with station.open() as store:
        created |= set(add_people(store, 40, seed=10))
    ok_cycles = 0
    try:
        for _ in range(200):
            with station.open() as store:
                _station_edits(store, rng, gen, created, deleted)
            synced = [i for (_, i), (v, _, _) in server_records(server).items() if v > 0]
            _province_edits(server, rng, province_gen, synced, deleted, province_made)
            ok_cycles += station.sync().ok
        proxy.policy = lambda head: "pass"
        station.sync_until_clean()
        station.sync_until_clean()  # and pull what the province changed meanwhile
        _settle_conflicts(station)
    finally:
        proxy.close()
    injected = sum(n for f, n in proxy.stats.faults.items() if f != "pass")
    assert injected >= 100, proxy.stats  # the link really was bad
    assert ok_cycles >= 150  # retries with backoff inside a cycle absorb most faults
    _assert_no_change_applied_twice(server)
    remote = server_records(server)
    alive = {i for (_, i), (_, d, _) in remote.items() if not d}
    assert alive == (created - deleted) | province_made  # nothing lost, nothing extra
    assert {i for (_, i) in remote} == created | province_made
    assert_converged(station)


CLIENT_ARGS = ("sync", "--batch-size", "5", "--connect-timeout", "1", "--read-timeout", "2", "--attempts", "3")


@pytest.mark.slow
def test_50_sigkills_during_sync(tmp_path: Path, server) -> None:
    rng = random.Random(50)
    station = make_station(tmp_path, server, "k")
    gen = Generator(21, today=date(2000, 12, 31))
    province_gen = Generator(22, today=date(2000, 12, 31))
    created: set[str] = set()
    deleted: set[str] = set()
    province_made: set[str] = set()
    with station.open() as store:
        created |= set(add_people(store, 300, seed=20))
    kills = 0
    finished = 0
    # The kill lands at a random moment of the run. How long a run lasts depends on the machine (and on what else
    # it is doing), so the window adapts: a run that finished before its kill shortens the next window, a kill
    # lengthens it a little. Interpreter start is ~0.3 s, so most kills land mid-cycle either way.
    window = 0.8
    while kills < 50:
        assert kills + finished < 200, (kills, finished)
        proc = subprocess.Popen([sys.executable, "-m", "station_client.cli", "--data-dir", str(station.dir),
                                 *CLIENT_ARGS], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "STATION_CLIENT_NO_KEYRING": "1"})
        time.sleep(rng.uniform(0.25 * window, window))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
            window = min(window * 1.1, 1.5)
        else:
            finished += 1
            window = max(window * 0.7, 0.4)
        proc.wait(30)
        with station.open() as store:
            _station_edits(store, rng, gen, created, deleted)
            for _ in range(rng.randint(10, 40)):  # keep a backlog so the next kill lands mid-push too
                person = next(gen.people(1))
                rid = person.pop("id")
                store.create("person", person, officer="t", record_id=rid)
                created.add(rid)
        synced = [i for (_, i), (v, _, _) in server_records(server).items() if v > 0]
        _province_edits(server, rng, province_gen, synced, deleted, province_made)
    final = station.cli(*CLIENT_ARGS, timeout=120)
    assert final.returncode == 0, final.stderr
    assert station.cli(*CLIENT_ARGS, timeout=120).returncode == 0
    _settle_conflicts(station)
    _assert_no_change_applied_twice(server)
    remote = server_records(server)
    assert {i for (_, i), (_, d, _) in remote.items() if not d} == (created - deleted) | province_made
    assert_converged(station)


def test_station_fixture_is_reusable(tmp_path: Path, server) -> None:
    """A sanity check of the helpers the fault tests rely on: convergence fails loudly when it should."""
    station = make_station(tmp_path, server, "s")
    with station.open() as store:
        add_people(store, 2, seed=30)
    with pytest.raises(AssertionError, match="pending"):
        assert_converged(station)
    assert station.sync().ok
    assert_converged(station)
    assert isinstance(station, Station)
