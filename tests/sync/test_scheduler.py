"""The scheduler keeps the queue moving without anyone pressing "Sync now": after local changes, when the link
returns, and when a worker gets stuck (watchdog). A queue that stays non-empty while the link is up fails."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.sync.client import Timeouts
from station_client.sync.scheduler import SchedulerConfig, SyncScheduler
from station_client.sync.status import SyncStatus

from .conftest import FAST, FAST_TIMEOUTS, add_people, assert_converged, make_station
from .netproxy import FaultProxy

BOUND_S = 5.0  # the most a change may wait for the province while the link is up

CONFIG = SchedulerConfig(interval=60, change_delay=0.2, offline_probe=0.3, watch_interval=0.2, stall_timeout=2.0,
                         watchdog_every=0.3, retry_base=0.2, retry_cap=1.0, engine=FAST, timeouts=FAST_TIMEOUTS)


def wait_for(cond: Callable[[], bool], timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if cond():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def drained(store: Store) -> Callable[[], bool]:
    return lambda: ops.pending_count(store) == 0


def test_queue_drains_after_changes_and_when_the_link_returns(tmp_path: Path, server) -> None:
    station = make_station(tmp_path, server, "a")
    proxy = FaultProxy(server.port)
    station.route_via(proxy.url)
    statuses: list[SyncStatus] = []
    ui_store = station.open()  # the app's own store, written on this thread
    sched = SyncScheduler(station.db, CONFIG)
    sched.add_status_listener(statuses.append)
    sched.watch_store(ui_store)
    sched.start()
    try:
        for i in range(5):
            add_people(ui_store, 5, seed=60 + i)
            wait_for(drained(ui_store), BOUND_S, "outbox stuck while the link is up")
        # The cycle ends with the audit push, just after the outbox drained: up to date a moment later.
        wait_for(lambda: statuses[-1].state == "up_to_date", 5, "status not up to date after draining")
        assert statuses[-1].last_success is not None
        proxy.link_down()
        add_people(ui_store, 3, seed=70)
        wait_for(lambda: sched.status.state == "offline", 5, "offline not reported")
        assert sched.status.pending == 3 and "link returns" in (sched.status.last_error_en or "")
        time.sleep(0.5)
        assert ops.pending_count(ui_store) == 3
        proxy.link_up()  # no "Sync now": the offline probe notices
        wait_for(drained(ui_store), BOUND_S, "no upload after the link returned")  # within the bound, or it raises
        wait_for(lambda: sched.status.state == "up_to_date", 5, "status not up to date")
        assert any(s.state == "syncing" for s in statuses)
    finally:
        sched.stop()
        proxy.close()
        ui_store.close()
    assert_converged(station)


def test_watchdog_replaces_a_stuck_worker(tmp_path: Path, server) -> None:
    station = make_station(tmp_path, server, "w")
    swallowed = {"n": 0}

    def policy(head: bytes) -> str:
        if b"/v1/sync" in head and swallowed["n"] == 0:
            swallowed["n"] += 1
            return "blackhole"  # the request vanishes; the socket stays open and silent
        return "pass"
    proxy = FaultProxy(server.port, policy)
    station.route_via(proxy.url)
    # A read timeout far longer than the watchdog's patience: only the watchdog can unstick the worker.
    config = replace(CONFIG, timeouts=Timeouts(connect=1.0, read=60.0), stall_timeout=1.5)
    ui_store = station.open()
    add_people(ui_store, 10, seed=80)
    sched = SyncScheduler(station.db, config)
    sched.start()
    try:
        wait_for(drained(ui_store), 10, "the stuck worker was not replaced")
        assert sched.restarts >= 1 and swallowed["n"] == 1
        add_people(ui_store, 2, seed=81)
        sched.notify_local_change()
        wait_for(drained(ui_store), BOUND_S, "the new worker does not sync")
    finally:
        sched.stop()
        proxy.close()
        ui_store.close()
    assert_converged(station)


def test_request_sync_and_not_enrolled(tmp_path: Path) -> None:
    db = tmp_path / "lonely" / "station.db"
    Store.open(db).close()
    sched = SyncScheduler(db, CONFIG)
    seen: list[SyncStatus] = []
    sched.add_status_listener(seen.append)
    sched.start()
    try:
        sched.request_sync()
        wait_for(lambda: any(s.state == "not_enrolled" for s in seen), 5, "not_enrolled not reported")
        assert "Enroll" in (seen[-1].last_error_en or "")
    finally:
        sched.stop()


def test_stop_does_not_wait_for_the_watchdog_period(tmp_path: Path) -> None:
    db = tmp_path / "quiet" / "station.db"
    Store.open(db).close()
    sched = SyncScheduler(db, replace(CONFIG, watchdog_every=30.0))
    sched.start()
    watchdog = sched._watchdog
    assert watchdog is not None and watchdog.is_alive()  # waiting out its 30 s (or about to)
    # stop() joins the watchdog for at most 10 s: a watchdog that slept its 30 s out instead of waiting on the
    # stop event would still be alive after it. No clock is read.
    sched.stop(timeout=10.0)
    assert not watchdog.is_alive()
