"""An edit made during a resync, before the re-pull reaches the record, is judged at the version the station
last knew: only the officer's changed fields travel, so a province edit of another field merges instead of
coming back as a conflict (docs/sync-protocol.md, "Divergence check")."""

from __future__ import annotations

from pathlib import Path

from station_client.store import sync_ops as ops
from station_client.sync.engine import EngineConfig

from .conftest import FAST, add_people, assert_converged, make_station, server_records
from .netproxy import FaultProxy

ONE_TRY = EngineConfig(batch_size=FAST.batch_size, feed_limit=FAST.feed_limit,
                       resync_feed_limit=FAST.resync_feed_limit, max_attempts=1, backoff_base=0.01, backoff_cap=0.01)


def test_an_edit_in_the_resync_window_merges_with_a_province_edit(tmp_path: Path, server, monkeypatch) -> None:
    # A digest mismatch is first repaired by re-pulling the differing buckets; a full resync (the window tested
    # here) follows only when that finds nothing to repair. Make the bucket repair find nothing.
    monkeypatch.setattr(ops, "mismatched_buckets", lambda store, province: [])
    station = make_station(tmp_path, server, "s")
    with station.open() as store:
        target, other = add_people(store, 2, seed=77)
    assert station.sync().ok
    # Silent divergence (a version the province never gave): the digest check at head finds it.
    with station.open() as store:
        store.conn.execute("UPDATE persons SET server_version = 9 WHERE id = ?", (other,))
    syncs = 0

    def policy(head: bytes) -> str:  # the mismatch answer gets through; the re-pull after it does not
        nonlocal syncs
        if head.startswith(b"POST /v1/sync"):
            syncs += 1
            return "pass" if syncs == 1 else "503_before"
        return "pass"

    with FaultProxy(server.port, policy) as proxy:
        station.route_via(proxy.url)
        assert not station.sync(config=ONE_TRY).ok
    with station.open() as store:
        assert ops.position(store).resync and ops.get_state(store, ops.RESYNC_REASON) == "digest"
        assert store.get("person", target)["server_version"] == 0  # the re-pull has not reached it
    station.route_via(server.url)
    # Meanwhile the province corrects one field and an officer another of the same resident.
    server.admin_put_record("person", target, {"religion": "Phật giáo"})
    with station.open() as store:
        store.update("person", target, {"phone": "0912345678"}, officer="canbo1")
        (change,) = ops.pending_changes(store)
        assert change.base_version == 1 and change.fields == {"phone": "0912345678"}
    report = station.sync()
    assert report.ok and report.applied.conflicts == 0
    province = server_records(server)[("person", target)][2]
    assert province["religion"] == "Phật giáo" and province["phone"] == "0912345678"
    with station.open() as store:
        assert ops.list_conflicts(store) == [] and not ops.position(store).resync
        row = store.get("person", target)
        assert row["religion"] == "Phật giáo" and row["phone"] == "0912345678" and row["sync_state"] == "synced"
    assert_converged(station)
