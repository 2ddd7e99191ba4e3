"""Store-side sync operations on a real station file (no server): the invariants the engine relies on."""

from __future__ import annotations

import json

from province_server.exchange import content_digest_of, digest_of
from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.store.audit import verify

from .conftest import add_people


def test_a_change_on_the_wire_is_never_altered(store: Store) -> None:
    (rid,) = add_people(store, 1, seed=1)
    (sent,) = ops.take_batch(store, 10)
    store.update("person", rid, {"occupation": "Kỹ sư"}, officer="t")  # while the first is on the wire
    rows = ops.pending_changes(store)
    assert rows[0].change_id == sent.change_id and len(rows) == 2
    assert rows[0].fields == sent.fields  # unchanged: the server may already hold it under that id
    assert rows[1].fields["occupation"] == "Kỹ sư"


def test_feed_keeps_pending_fields_and_is_idempotent(store: Store) -> None:
    (rid,) = add_people(store, 1, seed=2)
    batch = ops.take_batch(store, 10)
    ops.apply_response(store, batch, ops.Response(epoch="e1", results=[1], cursor=5))
    store.update("person", rid, {"phone": "0912345678"}, officer="t")  # pending locally
    entry = {"seq": 9, "kind": "person", "id": rid, "version": 2, "deleted": False,
             "fields": store.get("person", rid) | {"phone": "0999999999", "occupation": "Nông dân"}}
    entry["fields"] = {k: entry["fields"][k] for k in ("phone", "occupation", "full_name")}
    first = ops.apply_response(store, [], ops.Response(epoch="e1", feed=[entry], cursor=9))
    second = ops.apply_response(store, [], ops.Response(epoch="e1", feed=[entry], cursor=9))
    row = store.get("person", rid)
    assert row["phone"] == "0912345678" and row["occupation"] == "Nông dân"
    assert row["server_version"] == 2 and row["sync_state"] == "pending"
    assert first.applied == 1 and second.applied == 0 and second.skipped == 1
    ops.apply_response(store, [], ops.Response(epoch="e1", feed=[], cursor=3))  # an older page
    assert ops.position(store).cursor == 9  # never backwards
    assert verify(store.conn).ok


def test_digest_matches_the_province_formula(store: Store) -> None:
    ids = add_people(store, 5, seed=3)
    batch = ops.take_batch(store, 10)
    ops.apply_response(store, batch, ops.Response(epoch="e", results=[1, 1, 2, 1, 3], cursor=1))
    versions = dict(zip(ids, [1, 1, 2, 1, 3], strict=True))
    count, total = digest_of([("person", i, v) for i, v in versions.items()])
    assert ops.compute_digest_v1(store) == {"count": count, "sum": total}
    # scheme 2: the full state (version, deleted flag, content) by bucket, as the province keeps it
    state = [("person", i, v, False, store.get("person", i)) for i, v in versions.items()]
    buckets = content_digest_of(state)
    got = ops.compute_digest(store)
    assert got["scheme"] == 2 and got["count"] == 5
    assert ops.mismatched_buckets(store, [[b, c, f"{s:016x}"] for b, (c, s) in buckets.items()]) == []
    store.conn.execute("UPDATE persons SET occupation = 'drift' WHERE id = ?", (ids[0],))  # behind the store
    assert ops.compute_digest(store)["sum"] != got["sum"]
    assert len(ops.mismatched_buckets(store, [[b, c, f"{s:016x}"] for b, (c, s) in buckets.items()])) == 1


def test_epoch_change_resends_acknowledged_changes(store: Store) -> None:
    add_people(store, 3, seed=4)
    batch = ops.take_batch(store, 10)
    ops.apply_response(store, batch, ops.Response(epoch="old", results=[1, 1, 1], cursor=7))
    assert ops.pending_count(store) == 0
    assert ops.start_resync(store, "epoch", new_epoch="new") == 3
    pos = ops.position(store)
    assert (pos.epoch, pos.cursor, pos.resync) == ("new", 0, True)
    assert [c.change_id for c in ops.pending_changes(store)] == [c.change_id for c in batch]
    assert all(r["server_version"] == 0 for r in store.iter_records("person"))


def test_rejection_note_and_resolution_change(store: Store) -> None:
    (rid,) = add_people(store, 1, seed=5)
    batch = ops.take_batch(store, 10)
    ops.apply_response(store, batch, ops.Response(epoch="e", results=[{
        "status": "rejected", "code": "validation",
        "problems": [{"field": "phone", "code": "x", "vi": "Số điện thoại sai", "en": "Bad phone"}]}]))
    row = store.get("person", rid)
    assert row["sync_state"] == "rejected" and "Số điện thoại sai" in row["sync_note"]
    store.update("person", rid, {"note": "sửa"}, officer="t")
    batch = ops.take_batch(store, 10)
    conflict = {"id": "c1", "type": "edit", "kind": "person", "record_id": rid, "server_version": 4,
                "origin": "province", "fields": {"note": {"station": "sửa", "server": "tỉnh"}}}
    server_state = {k: v for k, v in store.get("person", rid).items() if k in ("full_name", "note")} | {"note": "tỉnh"}
    ops.apply_response(store, batch, ops.Response(epoch="e", results=[
        {"status": "conflict", "conflict": conflict, "version": 4, "record": server_state, "deleted": False}]))
    assert store.get("person", rid)["sync_state"] == "conflict" and store.get("person", rid)["note"] == "tỉnh"
    change_id = ops.resolve_conflict(store, "c1", {"note": "sửa"}, "officer")
    (change,) = ops.pending_changes(store)
    assert change.change_id == change_id and change.resolves == "c1" and change.base_version == 4
    assert change.fields == {"note": "sửa"}
    ops.apply_response(store, [change], ops.Response(epoch="e", results=[5]))
    assert ops.get_conflict(store, "c1").status == "resolved"
    assert store.get("person", rid)["sync_state"] == "synced" and store.get("person", rid)["server_version"] == 5
    audit = store.conn.execute("SELECT action, changes FROM audit WHERE record_id = ? ORDER BY seq",
                               (rid,)).fetchall()
    assert [a["action"] for a in audit] == ["create", "update", "remote", "resolve"]
    assert json.loads(audit[-1]["changes"])["conflict"] == [None, "c1"]
    assert verify(store.conn).ok
