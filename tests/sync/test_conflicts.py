"""Two stations of one commune and the province edit the same resident: every conflict is detected, both
versions survive, and resolving converges everywhere. Deletes against edits are conflicts too."""

from __future__ import annotations

from pathlib import Path

from station_client.store import sync_ops as ops
from station_client.store.audit import verify

from .conftest import add_people, assert_converged, make_station, server_records


def test_two_stations_and_the_province_edit_one_resident(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    with a.open() as store:
        (rid, other) = add_people(store, 2, seed=40)
    assert a.sync().ok and b.sync().ok
    # All three change the phone differently; station B also changes the occupation (one side only).
    server.admin_put_record("person", rid, {"phone": "0911000001"})
    with a.open() as store:
        store.update("person", rid, {"phone": "0922000002"}, officer="officer-a")
    with b.open() as store:
        store.update("person", rid, {"phone": "0933000003", "occupation": "Kỹ sư"}, officer="officer-b")
    ra, rb = a.sync(), b.sync()
    assert ra.ok and rb.ok and ra.applied.conflicts == 1 and rb.applied.conflicts == 1
    province = server_records(server)[("person", rid)][2]
    assert province["phone"] == "0911000001"  # the province kept its value
    assert province["occupation"] == "Kỹ sư"  # B's one-sided change merged
    for station, mine in ((a, "0922000002"), (b, "0933000003")):
        with station.open() as store:
            (c,) = ops.list_conflicts(store)
            assert c.type == "edit" and c.fields["phone"] == {"station": mine, "server": "0911000001"}
            assert c.station_change is not None and c.station_change["fields"]["phone"] == mine
            row = store.get("person", rid)
            assert row["sync_state"] == "conflict" and row["phone"] == "0911000001"
            assert ops.counts(store).conflicts == 1
    # An officer at A settles on a new value; B accepts the province's.
    with a.open() as store:
        (c,) = ops.list_conflicts(store)
        ops.resolve_conflict(store, c.id, {"phone": "0944000004"}, "officer-a")
        assert store.get("person", rid)["sync_state"] == "pending"
    assert a.sync().ok
    assert b.sync().ok  # B pulls A's resolution; its own conflict stays open until its officer decides
    with b.open() as store:
        (c,) = ops.list_conflicts(store)
        current = store.get("person", rid)["phone"]
        assert current == "0944000004"
        ops.resolve_conflict(store, c.id, {"phone": current}, "officer-b")  # keep what the province has now
    assert b.sync().ok and a.sync().ok and b.sync().ok
    assert server_records(server)[("person", rid)][2]["phone"] == "0944000004"
    for station in (a, b):
        with station.open() as store:
            assert ops.list_conflicts(store) == [] and len(ops.list_conflicts(store, "resolved")) == 1
            assert store.get("person", rid)["phone"] == "0944000004"
            assert store.get("person", other)["sync_state"] == "synced"
            assert verify(store.conn).ok  # remote and resolve entries keep the audit chain whole
        assert_converged(station)


def test_delete_against_edit_both_ways(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        (kept, gone) = add_people(store, 2, seed=41)
    assert a.sync().ok
    # delete_vs_edit: the province edited, the station deletes.
    server.admin_put_record("person", kept, {"note": "tỉnh sửa"})
    with a.open() as store:
        store.delete("person", kept, officer="t")
    # edit_vs_delete: the province deleted, the station edits.
    server.admin_put_record("person", gone, {}, deleted=True)
    with a.open() as store:
        store.update("person", gone, {"occupation": "Thợ xây"}, officer="t")
    report = a.sync()
    assert report.ok and report.applied.conflicts == 2
    with a.open() as store:
        types = {c.record_id: c.type for c in ops.list_conflicts(store)}
        assert types == {kept: "delete_vs_edit", gone: "edit_vs_delete"}
        # Nothing silently lost: the province's edit is visible again, the station's edit is in the conflict.
        assert store.get("person", kept)["note"] == "tỉnh sửa"
        assert store.get("person", gone) is None
        c_gone = next(c for c in ops.list_conflicts(store) if c.record_id == gone)
        assert c_gone.station_change["fields"]["occupation"] == "Thợ xây"
        # Resolve: keep the deletion the station wanted; restore the record the province deleted.
        c_kept = next(c for c in ops.list_conflicts(store) if c.record_id == kept)
        ops.resolve_conflict(store, c_kept.id, None, "t", delete=True)
        ops.resolve_conflict(store, c_gone.id, {"occupation": "Thợ xây"}, "t")
    assert a.sync().ok
    remote = server_records(server)
    assert remote[("person", kept)][1] is True
    assert remote[("person", gone)][1] is False and remote[("person", gone)][2]["occupation"] == "Thợ xây"
    assert a.sync().ok
    assert_converged(a)


def test_stale_resolution_does_not_overwrite_a_newer_change(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    with a.open() as store:
        (rid,) = add_people(store, 1, seed=42)
    assert a.sync().ok and b.sync().ok
    server.admin_put_record("person", rid, {"phone": "0911000001"})
    for station, phone in ((a, "0922000002"), (b, "0933000003")):
        with station.open() as store:
            store.update("person", rid, {"phone": phone}, officer="t")
        assert station.sync().applied.conflicts == 1
    with a.open() as store:
        ops.resolve_conflict(store, ops.list_conflicts(store)[0].id, {"phone": "0944000004"}, "officer-a")
    assert a.sync().ok
    with b.open() as store:  # B has not pulled A's resolution: its officer decides on what B saw
        c = ops.list_conflicts(store)[0]
        ops.resolve_conflict(store, c.id, {"phone": c.fields["phone"]["server"]}, "officer-b")
    report = b.sync()
    # A's decision (made after B's base version) must not vanish silently: B gets a new conflict instead.
    assert report.applied.conflicts == 1
    assert server_records(server)[("person", rid)][2]["phone"] == "0944000004"
    with b.open() as store:  # the new conflict replaced the one B's officer answered
        (c2,) = ops.list_conflicts(store)
        assert c2.id != c.id and c2.fields["phone"] == {"station": "0911000001", "server": "0944000004"}


def test_stale_delete_resolution_does_not_delete_a_newer_edit(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        (rid,) = add_people(store, 1, seed=43)
    assert a.sync().ok
    server.admin_put_record("person", rid, {"note": "tỉnh sửa"})
    with a.open() as store:
        store.delete("person", rid, officer="t")
    assert a.sync().applied.conflicts == 1
    with a.open() as store:
        (c,) = ops.list_conflicts(store)
        assert c.type == "delete_vs_edit"
        ops.resolve_conflict(store, c.id, None, "t", delete=True)  # decided on the version it saw ...
    server.admin_put_record("person", rid, {"note": "tỉnh sửa lần hai"})  # ... before this newer edit
    report = a.sync()
    assert report.applied.conflicts == 1
    (_version, deleted, fields) = server_records(server)[("person", rid)]
    assert not deleted and fields["note"] == "tỉnh sửa lần hai"
    with a.open() as store:
        (c2,) = ops.list_conflicts(store)
        assert c2.type == "delete_vs_edit" and c2.id != c.id
        ops.resolve_conflict(store, c2.id, None, "t", delete=True)
    assert a.sync().ok and server_records(server)[("person", rid)][1] is True
    assert a.sync().ok
    assert_converged(a)


def test_a_province_edit_on_a_version_read_before_a_station_edit_arrived_is_refused_not_applied(
        tmp_path: Path, server) -> None:
    """Province staff read the record (version v), a station's phone edit arrives, then the staff save their
    phone edit made on v: it must not overwrite the station's unseen (409 ``record.changed`` with the current
    record). An edit of another field merges; an edit on the current version applies; a delete on a stale
    version is refused too (the soak's silent province overwrite, seed 9002)."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        (rid,) = add_people(store, 1, seed=41)
    assert a.sync().ok
    read = server.admin_get_record("person", rid)
    with a.open() as store:
        store.update("person", rid, {"phone": "0922000005"}, officer="officer-a")
    assert a.sync().ok

    r = server.admin("PUT", f"/v1/admin/records/person/{rid}",
                     {"fields": {"phone": "0911000005"}, "base_version": read["version"]})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "record.changed" and body["vi"] and body["en"]
    assert body["record"]["phone"] == "0922000005" and body["version"] == read["version"] + 1
    assert server_records(server)[("person", rid)][2]["phone"] == "0922000005"

    r = server.admin("PUT", f"/v1/admin/records/person/{rid}",
                     {"fields": {"occupation": "Giáo viên"}, "base_version": read["version"]})
    assert r.status_code == 200 and r.json()["fields"]["phone"] == "0922000005"
    assert r.json()["fields"]["occupation"] == "Giáo viên"
    r = server.admin("PUT", f"/v1/admin/records/person/{rid}",
                     {"fields": {}, "deleted": True, "base_version": read["version"]})
    assert r.status_code == 409 and not server_records(server)[("person", rid)][1]
    now = server.admin_get_record("person", rid)
    r = server.admin("PUT", f"/v1/admin/records/person/{rid}",
                     {"fields": {"phone": "0911000006"}, "base_version": now["version"]})
    assert r.status_code == 200
    assert a.sync().ok
    with a.open() as store:
        assert store.get("person", rid)["phone"] == "0911000006" and ops.list_conflicts(store) == []
    assert_converged(a)


def test_settling_a_field_conflict_of_a_record_deleted_since_leaves_it_deleted(tmp_path: Path, server) -> None:
    """B's phone edit meets A's (a field conflict at B); B's officer then deletes the resident. Settling the old
    phone conflict afterwards, whichever value is kept, must not bring the resident back: reviving is a decision
    of its own, never a side effect of choosing a value (bench/soak.py seeds 5201, 8301, 8304: a revival this way
    undid the officer's delete, or overrode another officer's confirmation of it unseen)."""
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    with a.open() as store:
        (rid,) = add_people(store, 1, seed=41)
    assert a.sync().ok and b.sync().ok
    with a.open() as store:
        store.update("person", rid, {"phone": "0922000012"}, officer="officer-a")
    with b.open() as store:
        store.update("person", rid, {"phone": "0933000013"}, officer="officer-b")
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.delete("person", rid, officer="officer-b")
        (c,) = ops.list_conflicts(store)
        assert c.type == "edit" and c.record_deleted
        change_id = ops.resolve_conflict(store, c.id, {"phone": "0933000013"}, "officer-b")  # keep the station's
        assert store.get("person", rid, include_deleted=True)["deleted"] is True
        (op,) = store.conn.execute("SELECT op FROM outbox WHERE change_id = ?", (change_id,)).fetchone()
        assert op == "delete"
    assert b.sync().ok and a.sync().ok and b.sync().ok
    assert server_records(server)[("person", rid)][1] is True
    for station in (a, b):
        with station.open() as store:
            assert ops.list_conflicts(store) == []
            assert verify(store.conn).ok
        assert_converged(station)
