"""Sync tests: the real province server as a subprocess (tests/support/server.py), real stations on disk.

``Station`` wraps a data folder enrolled with the server through the real enrollment call; ``converged``
compares a station's records with the province's database, record by record.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.sync.client import Timeouts
from station_client.sync.engine import EngineConfig, SyncReport
from station_client.sync.enroll import build_engine, enroll
from station_client.synthetic import Generator
from tests.support.server import RunningServer, start_server

REPO = Path(__file__).resolve().parents[2]
COMMUNE = "07069"

FAST = EngineConfig(batch_size=50, feed_limit=200, resync_feed_limit=500, max_attempts=8, backoff_base=0.01,
                    backoff_cap=0.1)
FAST_TIMEOUTS = Timeouts(connect=1.0, read=1.0)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    srv = start_server(tmp_path, quiet=True)
    try:
        yield srv
    finally:
        srv.stop()


@dataclass
class Station:
    dir: Path
    server: RunningServer
    station_id: str = ""

    @property
    def db(self) -> Path:
        return self.dir / "station.db"

    def open(self) -> Store:
        return Store.open(self.db)

    def enroll(self, commune: str = COMMUNE) -> Station:
        code = self.server.add_station(commune, self.dir.name)
        with self.open() as store:
            self.station_id = enroll(store, self.server.url, code).station_id
        return self

    def route_via(self, url: str) -> None:
        """Point the station at a proxy in front of the server."""
        with self.open() as store:
            ops.set_state(store, {"station.server_url": url})

    def sync(self, config: EngineConfig = FAST, timeouts: Timeouts = FAST_TIMEOUTS,
             store: Store | None = None) -> SyncReport:
        own = store is None
        s = store or self.open()
        try:
            engine = build_engine(s, config=config, timeouts=timeouts)
            try:
                return engine.run_once()
            finally:
                engine.client.close()
        finally:
            if own:
                s.close()

    def sync_until_clean(self, rounds: int = 10, **kw: Any) -> SyncReport:
        report = SyncReport()
        for _ in range(rounds):
            report = self.sync(**kw)
            with self.open() as store:
                if report.ok and ops.pending_count(store) == 0:
                    return report
        raise AssertionError(f"station {self.dir.name} did not finish syncing: {report.summary()}")

    def cli(self, *args: str, timeout: float = 60, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "station_client.cli", "--data-dir", str(self.dir), *args],
                              cwd=REPO, capture_output=True, text=True, timeout=timeout, check=check)


def make_station(tmp_path: Path, server: RunningServer, name: str, commune: str = COMMUNE) -> Station:
    d = tmp_path / name
    d.mkdir(parents=True, exist_ok=True)
    return Station(d, server).enroll(commune)


def add_people(store: Store, n: int, seed: int, officer: str = "test") -> list[str]:
    """``n`` valid synthetic persons through the write path; returns their ids."""
    ids = []
    gen = Generator(seed, today=date(2000, 12, 31))  # born before 2001: valid under every clock test
    with store.transaction():
        for person in gen.people(n):
            rid = person.pop("id")
            store.create("person", person, officer=officer, record_id=rid)
            ids.append(rid)
    return ids


def server_records(server: RunningServer, commune: str = COMMUNE) -> dict[tuple[str, str], tuple[int, bool, dict]]:
    """The province's current state of a commune, read from its SQLite file."""
    assert server.db_url.startswith("sqlite:///")
    conn = sqlite3.connect(f"file:{server.db_url[len('sqlite:///'):]}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT kind, id, version, deleted, fields FROM records WHERE commune_code = ?",
                            (commune,)).fetchall()
    finally:
        conn.close()
    return {(k, i): (v, bool(d), _clean(json.loads(f))) for k, i, v, d, f in rows}


def station_records(store: Store) -> dict[tuple[str, str], tuple[int, bool, dict]]:
    return {(k, i): (v, d, _clean(f)) for k, i, v, d, f in ops.iter_synced_state(store)}


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def assert_converged(station: Station, *, allow_conflicts: bool = False) -> None:
    """The station holds exactly the province's records at the province's versions; nothing pending."""
    with station.open() as store:
        counts = ops.counts(store)
        assert counts.pending == 0, f"{counts.pending} changes still pending"
        if not allow_conflicts:
            assert counts.conflicts == 0
        local = station_records(store)
    remote = server_records(station.server)
    missing = set(remote) - set(local)
    extra = set(local) - set(remote)
    assert not missing, f"{len(missing)} province records missing at the station"
    assert not extra, f"{len(extra)} station records unknown to the province"
    differ = [k for k in remote if remote[k] != local[k]]
    assert not differ, f"{len(differ)} records differ, e.g. {differ[0]}: {remote[differ[0]]} vs {local[differ[0]]}"
