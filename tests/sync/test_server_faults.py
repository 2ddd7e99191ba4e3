"""The province side fails: restarted mid-sync, its database briefly unavailable, restored from an older backup;
a response lost after the commit; a pull interrupted after some pages."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

from station_client.store import sync_ops as ops
from station_client.sync.engine import EngineConfig

from .conftest import FAST, add_people, assert_converged, make_station, server_records
from .netproxy import FaultProxy


def _db_file(server) -> Path:
    return Path(server.db_url[len("sqlite:///"):])


def test_server_restarted_mid_sync(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        ids = add_people(store, 600, seed=50)
    cfg = EngineConfig(batch_size=20, max_attempts=40, backoff_base=0.05, backoff_cap=0.5)

    def bounce() -> None:
        with a.open() as watcher:  # mid-sync: once the province has acknowledged a first batch (not a guessed delay)
            deadline = time.monotonic() + 60
            while ops.pending_count(watcher) == len(ids) and time.monotonic() < deadline:
                time.sleep(0.005)
        server.kill()  # SIGKILL: a power cut at the data centre
        time.sleep(0.5)  # down for a while: the station retries meanwhile
        server.start()
    t = threading.Thread(target=bounce)
    t.start()
    report = a.sync(config=cfg)
    t.join()
    if not report.ok:
        report = a.sync(config=cfg)
    assert report.ok, report.summary()
    assert {i for (_, i) in server_records(server)} == set(ids)
    assert_converged(a)


def test_server_database_briefly_unavailable(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        ids = add_people(store, 50, seed=51)
    db = _db_file(server)
    hidden = db.with_name("hidden.db")
    db.rename(hidden)  # the server's next connections find no usable database
    cfg = EngineConfig(batch_size=10, max_attempts=3, backoff_base=0.01, backoff_cap=0.05)
    failed = a.sync(config=cfg)
    hidden.rename(db)
    if failed.ok:  # a pooled connection may still have reached the old file: then nothing was lost either
        assert {i for (_, i) in server_records(server)} == set(ids)
    else:
        assert failed.error is not None and failed.error.retryable
        with a.open() as store:
            assert ops.pending_count(store) > 0  # kept, not dropped
    a.sync_until_clean()
    assert {i for (_, i) in server_records(server)} == set(ids)
    assert_converged(a)


def test_province_restored_from_an_older_backup(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    with a.open() as store:
        before = add_people(store, 20, seed=52)
    assert a.sync().ok and b.sync().ok
    server.stop()
    backup = tmp_path / "backup.db"
    shutil.copyfile(_db_file(server), backup)
    server.start()
    with a.open() as store:
        after = add_people(store, 15, seed=53)  # made after the backup
        store.update("person", before[0], {"occupation": "Bác sĩ"}, officer="t")
    with b.open() as store:
        from_b = add_people(store, 5, seed=54)
    assert a.sync().ok and b.sync().ok
    # Disaster: the province goes back to the backup and gets a new epoch.
    server.stop()
    shutil.copyfile(backup, _db_file(server))
    for suffix in ("-wal", "-shm"):
        Path(str(_db_file(server)) + suffix).unlink(missing_ok=True)
    server.cli("new-epoch")
    server.start()
    lost = {i for (_, i) in server_records(server)}
    assert not (set(after) | set(from_b)) & lost
    ra = a.sync_until_clean()
    rb = b.sync_until_clean()
    assert "epoch" in ra.resyncs or "cursor.ahead" in ra.resyncs
    a.sync_until_clean()
    b.sync_until_clean()
    remote = server_records(server)
    assert {i for (_, i) in remote} == set(before) | set(after) | set(from_b)
    assert remote[("person", before[0])][2]["occupation"] == "Bác sĩ"
    assert_converged(a)
    assert_converged(b)
    assert rb.ok


def test_lost_response_retry_is_a_noop(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    assert a.sync().ok  # the first sync's pull is done: the next exchange is the push
    with a.open() as store:
        ids = add_people(store, 10, seed=55)
    drop = {"n": 1}

    def policy(head: bytes) -> str:
        if b"/v1/sync" in head and drop["n"] > 0:
            drop["n"] -= 1
            return "reset_response"  # the server commits; the station never hears
        return "pass"
    proxy = FaultProxy(server.port, policy)
    a.route_via(proxy.url)
    try:
        report = a.sync()
    finally:
        proxy.close()
    # The lost one and its retry; the audit entries rode on both (stored by the lost one, duplicates in the retry).
    assert report.ok and report.requests == 2 and report.audit_refused is None
    assert report.applied.acked == 10
    remote = server_records(server)
    assert all(remote[("person", i)][0] == 1 for i in ids)  # applied once: still at version 1
    conn = sqlite3.connect(_db_file(server))
    try:
        (n,) = conn.execute("SELECT count(*) FROM history").fetchone()
    finally:
        conn.close()
    assert n == 10


def test_pull_interrupted_after_some_pages(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    with a.open() as store:
        ids = add_people(store, 400, seed=56)
    assert a.sync().ok
    state = {"pages": 0}

    def policy(head: bytes) -> str:
        if b"/v1/sync" in head:
            state["pages"] += 1
            if state["pages"] == 4:
                return "reset_response"  # page 4 is lost on the way
        return "pass"
    proxy = FaultProxy(server.port, policy)
    b.route_via(proxy.url)
    small_pages = EngineConfig(feed_limit=50, resync_feed_limit=50, max_attempts=1, backoff_base=0.01)
    try:
        first = b.sync(config=small_pages)
        assert not first.ok  # one attempt only: the cycle stops after 3 pages
        with b.open() as store:
            assert ops.position(store).cursor > 0
            assert store.count("person") == 150
        second = b.sync(config=EngineConfig(feed_limit=50, resync_feed_limit=50, max_attempts=2))
    finally:
        proxy.close()
    assert second.ok and second.applied.applied == 250  # resumed at the saved cursor: nothing twice
    with b.open() as store:
        assert {r["id"] for r in store.iter_records("person")} == set(ids)
        remote_entries = store.conn.execute("SELECT record_id, count(*) FROM audit WHERE action = 'remote' "
                                            "GROUP BY record_id").fetchall()
        assert len(remote_entries) == 400 and all(n == 1 for _, n in remote_entries)
    assert_converged(b)
    assert FAST.batch_size > 0


def test_edit_after_a_lost_create_ack_does_not_clash_with_the_province(tmp_path: Path, server) -> None:
    """The province applied a create whose answer was lost (a kill or a reset before the ack was saved); the
    station then edits the record, still at server_version 0, and the province edits another field. The edit
    must carry only what the officer changed: a full-record payload at base 0 would clash with the province's
    field (a false ``edit`` conflict, seen once in the SIGKILL fault test)."""
    a = make_station(tmp_path, server, "a")
    assert a.sync().ok  # first sync done: the next exchange is the push
    with a.open() as store:
        (rid,) = add_people(store, 1, seed=56)
    proxy = FaultProxy(server.port, lambda head: "reset_response" if b"/v1/sync" in head else "pass")
    a.route_via(proxy.url)
    try:
        lost = a.sync(config=EngineConfig(max_attempts=1, backoff_base=0.01, backoff_cap=0.01))
    finally:
        proxy.close()
    assert not lost.ok and ("person", rid) in server_records(server)  # applied, never acknowledged
    with a.open() as store:
        assert store.get("person", rid)["server_version"] == 0
        store.update("person", rid, {"occupation": "Kỹ sư", "note": "trạm sửa"}, officer="t")
    server.admin_put_record("person", rid, {"religion": "Phật giáo"})
    a.route_via(server.url)
    report = a.sync()
    assert report.ok and report.applied.conflicts == 0, report.summary()
    fields = server_records(server)[("person", rid)][2]
    assert (fields["occupation"], fields["note"], fields["religion"]) == ("Kỹ sư", "trạm sửa", "Phật giáo")
    assert a.sync().ok
    assert_converged(a)
