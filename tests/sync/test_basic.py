"""Enrollment, one cycle each way, the no-op cycle, and a refused change that does not block the queue."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from station_client.store import sync_ops as ops
from station_client.sync.client import check_server_url
from station_client.sync.credentials import TOKEN_FILE
from station_client.sync.errors import SyncError

from .conftest import COMMUNE, Station, add_people, assert_converged, make_station, server_records


def test_cli_enroll_sync_and_token_file(tmp_path: Path, server) -> None:
    station = Station(tmp_path / "cli-station", server)
    code = server.add_station(COMMUNE, "Mạo Khê")
    bad = station.cli("enroll", server.url, "not-a-code")
    assert bad.returncode != 0 and "Error:" in bad.stderr
    done = station.cli("enroll", server.url, code)
    assert done.returncode == 0, done.stderr
    token_file = station.dir / TOKEN_FILE
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600  # no keyring backend here: a private file
    assert station.cli("enroll", server.url, code).returncode != 0  # a code works once
    with station.open() as store:
        ids = add_people(store, 30, seed=1)
    run = station.cli("sync", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["ok"] and report["acked"] == 30 and report["pending"] == 0
    assert {i for (_, i) in server_records(server)} == set(ids)
    assert_converged(station)
    status = json.loads(station.cli("sync", "status").stdout)
    assert status["enrolled"] and status["pending"] == 0 and status["last_success"]


def test_cli_sync_fails_clearly_when_province_unreachable(tmp_path: Path, server) -> None:
    station = make_station(tmp_path, server, "a")
    with station.open() as store:
        add_people(store, 3, seed=2)
    server.stop()
    run = station.cli("sync", "--connect-timeout", "0.5", "--attempts", "2")
    assert run.returncode != 0
    assert "Error:" in run.stderr and "province server" in run.stderr
    with station.open() as store:
        assert ops.pending_count(store) == 3  # nothing lost: sent when the link returns


def test_https_required_except_localhost() -> None:
    assert check_server_url("https://sync.qn.gov.vn/") == "https://sync.qn.gov.vn"
    assert check_server_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    with pytest.raises(SyncError):
        check_server_url("http://sync.qn.gov.vn")


def test_two_stations_exchange_and_noop_is_one_request(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    with a.open() as store:
        ids = add_people(store, 120, seed=3)
    assert a.sync().ok
    report = b.sync()
    assert report.ok and report.applied.applied == 120
    with b.open() as store:
        assert {r["id"] for r in store.iter_records("person")} == set(ids)
        store.update("person", ids[0], {"occupation": "Kỹ sư"}, officer="b")
        store.delete("person", ids[1], officer="b")
    assert b.sync().ok
    assert a.sync().ok
    with a.open() as store:
        assert store.get("person", ids[0])["occupation"] == "Kỹ sư"
        assert store.get("person", ids[1]) is None
    for s in (a, b):
        noop = s.sync()
        assert noop.ok and noop.requests == 1 and noop.digest == "match"
        assert_converged(s)


def test_refused_change_is_marked_and_the_queue_moves_on(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    other = make_station(tmp_path, server, "other", commune="07093")
    with a.open() as store:
        (foreign_id,) = add_people(store, 1, seed=4)
    assert a.sync().ok
    with other.open() as store:
        # The same record id made at a station of another commune: the province refuses it (scope).
        person = store.get("person", foreign_id)
        assert person is None
        from station_client.synthetic import Generator

        values = next(Generator(99).people(1))
        values.pop("id")
        store.create("person", values, officer="o", record_id=foreign_id)
        good = add_people(store, 5, seed=5)
    report = other.sync()
    assert report.ok and report.applied.rejected == 1 and report.applied.acked == 5
    with other.open() as store:
        row = store.get("person", foreign_id)
        assert row["sync_state"] == "rejected" and "xã/phường khác" in row["sync_note"]
        assert all(store.get("person", i)["sync_state"] == "synced" for i in good)
        assert ops.counts(store).rejected == 1 and ops.pending_count(store) == 0
    assert {i for (_, i) in server_records(server, "07093")} == set(good)
