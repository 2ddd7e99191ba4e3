"""Issue 12, defect 2: a restore of the province database must not lose edits.

Real province server over HTTP (tests/support/server.py), real station stores on disk. Each scenario runs the same
work twice where it matters: the province's state before the restore is the "no-restore" outcome, and after the
stations re-sent their history in an awkward order the province and every station must hold exactly that again,
with nothing rejected — or the difference must be an open conflict an officer can resolve.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import requests

from station_client.store import sync_ops as ops
from station_client.sync.enroll import station_token
from tests.support.server import RunningServer

from .conftest import Station, add_people, assert_converged, make_station, server_records


def _backup(server: RunningServer, path: Path) -> Path:
    server.cli("backup", str(path))
    return path


def _restore(server: RunningServer, backup: Path, *args: str) -> None:
    server.stop()
    out = server.cli("restore", str(backup), *args).stdout
    assert "new epoch" in out
    server.start()


def _province(server: RunningServer) -> dict:
    return server_records(server)


def _province_makes_person(server: RunningServer, seed: int) -> tuple[str, dict]:
    """A synthetic resident the province creates itself (origin ``province``) in commune 07069: (id, fields)."""
    import uuid
    from datetime import date

    from station_client.synthetic import Generator

    person = next(iter(Generator(seed, today=date(2000, 12, 31)).people(1)))
    person.pop("id")
    rid = str(uuid.uuid4())
    server.admin_put_record("person", rid, person, commune_code="07069")
    return rid, person


def _clean_sync(station: Station) -> ops.ApplyReport:
    report = station.sync()
    assert report.ok, report.summary()
    assert report.applied.rejected == 0, report.summary()
    with station.open() as store:
        assert ops.counts(store).rejected == 0
    return report.applied


def _heal_through_the_replay_window(server: RunningServer, a: Station, b: Station, after: int = 2) -> None:
    """Both stations re-send their history while the replay window is open, the operator closes it, and both
    sync ``after`` more rounds: the province judges what waited, and every station takes the outcome."""
    for _ in range(2):
        _clean_sync(a)
        _clean_sync(b)
    server.admin("POST", "/v1/admin/replay/close")
    for _ in range(after):
        _clean_sync(a)
        _clean_sync(b)


def _two_stations(tmp_path: Path, server: RunningServer) -> tuple[Station, Station]:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    assert a.sync().ok and b.sync().ok
    return a, b


def _deferred_in_db(server: RunningServer) -> int:
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    try:
        return int(conn.execute("SELECT count(*) FROM deferred_changes").fetchone()[0])
    finally:
        conn.close()


def test_restore_replays_every_station_in_causal_order(tmp_path: Path, server: RunningServer) -> None:
    """A creates R, B edits R, A edits R again (all acknowledged); the province goes back to a backup taken before
    all of it. B syncs first (its edit waits for A's create: deferred, not rejected), then A (create + edit), then
    B: the province and both stations hold exactly what they held without the restore."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1201)
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.update("person", rid, {"phone": "0912000001", "occupation": "Nông dân"}, officer="b")
    assert b.sync().ok and a.sync().ok
    with a.open() as store:
        store.update("person", rid, {"occupation": "Giáo viên", "note": "sửa lần hai"}, officer="a")
    assert a.sync().ok and b.sync().ok
    expected = _province(server)
    assert expected[("person", rid)][0] == 3

    _restore(server, backup)
    assert ("person", rid) not in _province(server)

    first_b = _clean_sync(b)
    assert first_b.deferred == 2  # B's copy of R waits for A's create, and B's edit waits at B behind it
    assert ("person", rid) not in _province(server)  # nothing was made of an edit without its record
    assert _deferred_in_db(server) == 0
    with b.open() as store:
        assert ops.pending_count(store) == 2 and ops.ready_count(store) == 0
    _clean_sync(a)  # A's create is back; A's second edit waits at the province for B's (version 2)
    assert _province(server)[("person", rid)][0] == 1 and _deferred_in_db(server) == 1
    _clean_sync(b)
    assert _province(server) == expected  # B's edit applied on its turn, then A's waiting one: between A's two
    a.sync()
    assert _province(server) == expected
    assert_converged(a)
    assert_converged(b)
    assert _deferred_in_db(server) == 0


def test_push_with_the_old_epoch_is_applied_to_nothing(tmp_path: Path, server: RunningServer) -> None:
    """The server tells a station its database was restored before it applies anything the station sends with
    the old epoch (the station then re-sends with the history its changes belong to)."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1202)
    assert a.sync().ok and b.sync().ok
    with a.open() as store:
        store.update("person", rid, {"phone": "0912000002"}, officer="a")  # pending, base version 1 (old epoch)
    _restore(server, backup)
    with a.open() as store:
        change = ops.pending_changes(store)[0]
        pos = ops.position(store)
    # What a station of the previous release sends: its pending change, the old epoch, no base_epoch.
    with a.open() as store:
        _identity, token = station_token(store)
    r = requests.post(server.url + "/v1/sync", json={"protocol": 1, "epoch": pos.epoch, "cursor": pos.cursor,
                                                     "changes": [change.wire()]},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["epoch"] != pos.epoch
    assert body["results"] == [{"status": "deferred", "code": "epoch.changed"}]
    assert ("person", rid) not in _province(server)  # not applied: no record made of a lone edit
    _clean_sync(a)
    _clean_sync(b)
    a.sync()
    assert _province(server)[("person", rid)][2]["phone"] == "0912000002"
    assert_converged(a)
    assert_converged(b)


def test_delete_resent_before_its_create_waits_for_it(tmp_path: Path, server: RunningServer) -> None:
    """B's delete of A's record reaches the restored province first: it waits (no empty tombstone that another
    station would show as a live person with no name), and applies right after A's create."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1203)
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.delete("person", rid, officer="b")
    assert b.sync().ok and a.sync().ok
    expected = _province(server)
    assert expected[("person", rid)][:2] == (2, True)

    _restore(server, backup)
    assert _clean_sync(b).deferred == 2  # B's copy of R waits for A's create, B's delete waits at B behind it
    assert ("person", rid) not in _province(server)
    _clean_sync(a)
    _clean_sync(b)
    assert _province(server) == expected
    a.sync()
    assert_converged(a)
    assert_converged(b)
    with a.open() as store:
        row = store.get("person", rid, include_deleted=True)
        assert row is not None and row["deleted"] and row["full_name"]  # deleted, with its fields


def test_new_edit_interleaved_with_replays_is_a_conflict_not_an_overwrite(tmp_path: Path,
                                                                         server: RunningServer) -> None:
    """After the restore A re-sends its create and edits R again before B re-sends its older edit of the same
    field: B's edit meets A's newer value as an open conflict (both values kept), never silently replacing it;
    the officer resolves it either way."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1204)
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.update("person", rid, {"phone": "0912000004"}, officer="b")
    assert b.sync().ok

    _restore(server, backup)
    _clean_sync(a)  # A's create is back (version 1)
    with a.open() as store:
        store.update("person", rid, {"phone": "0987654321"}, officer="a")  # a new edit in the new epoch
    _clean_sync(a)
    report = _clean_sync(b)  # B's older edit of the same field, based on the lost history
    assert report.conflicts == 1
    state = _province(server)[("person", rid)]
    assert state[2]["phone"] == "0987654321"  # A's newer value is kept at the province...
    with b.open() as store:
        [conflict] = ops.list_conflicts(store)
        assert conflict.fields["phone"] == {"station": "0912000004", "server": "0987654321"}  # ...and B's too
        ops.resolve_conflict(store, conflict.id, {"phone": "0912000004"}, "b")  # keep the station's value
    _clean_sync(b)
    a.sync()
    assert _province(server)[("person", rid)][2]["phone"] == "0912000004"
    assert_converged(a)
    assert_converged(b)


def test_resend_of_an_older_resolution_does_not_replace_a_newer_value(tmp_path: Path,
                                                                        server: RunningServer) -> None:
    """The field case: B resolved a conflict (version n), A then changed the field again (n + 1). A re-sends
    first after the restore: its edit waits for B's resolution instead of being applied before it and then
    overwritten by it."""
    a, b = _two_stations(tmp_path, server)
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1205)
    assert a.sync().ok and b.sync().ok
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        store.update("person", rid, {"occupation": "Thợ may"}, officer="a")
    with b.open() as store:
        store.update("person", rid, {"occupation": "Thợ hàn"}, officer="b")
    assert a.sync().ok and b.sync().ok  # B's edit conflicts with A's
    with b.open() as store:
        [conflict] = ops.list_conflicts(store)
        ops.resolve_conflict(store, conflict.id, {"occupation": "Thợ hàn"}, "b")  # B's resolution
    assert b.sync().ok and a.sync().ok
    with a.open() as store:
        store.update("person", rid, {"occupation": "Kỹ sư"}, officer="a")  # newer than the resolution
    assert a.sync().ok and b.sync().ok
    expected = _province(server)
    assert expected[("person", rid)][2]["occupation"] == "Kỹ sư"

    _restore(server, backup)
    _clean_sync(a)  # A first: its newest edit must wait for B's resolution
    _clean_sync(b)
    _clean_sync(a)
    b.sync()
    assert _province(server)[("person", rid)][2]["occupation"] == "Kỹ sư"
    assert _province(server) == expected
    assert_converged(a)
    assert_converged(b)


def _made_and_edited_after_a_backup(tmp_path: Path, server: RunningServer) -> tuple[Station, Station, Path, str]:
    """Two stations and a province backup; then A makes R and edits its phone, and both stations hold it."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1206)
    assert a.sync().ok
    with a.open() as store:
        store.update("person", rid, {"phone": "0912000006"}, officer="a")
    assert a.sync().ok and b.sync().ok
    return a, b, backup, rid


def test_closed_replay_window_judges_waiting_changes(tmp_path: Path, server: RunningServer) -> None:
    """Deferral ends: A made R and edited it, B deleted it; the restore loses all three and A stays away. B's copy
    of R (a tombstone with the fields B last saw) goes ahead of B's replayed delete, and both wait at B, not at the
    province: once an admin closes the window, B's copy makes R deleted with those fields (never an empty
    tombstone, never a live record without fields). A's create then meets the delete as a conflict for its
    officer; its edit, which the tombstone already holds, is no conflict."""
    a, b, backup, rid = _made_and_edited_after_a_backup(tmp_path, server)
    with b.open() as store:
        store.delete("person", rid, officer="b")
    assert b.sync().ok and a.sync().ok
    expected = _province(server)[("person", rid)]

    _restore(server, backup)
    assert _clean_sync(b).deferred == 2  # B's copy of R, and its delete behind it
    assert _deferred_in_db(server) == 0  # both wait at B, none at the province
    status = server.admin("GET", "/v1/admin/replay").json()
    assert status["open"] and status["deferred"] == 0
    closed = server.admin("POST", "/v1/admin/replay/close").json()
    assert closed == {"closed": True, "judged": 0}
    assert _clean_sync(b).deferred == 0
    tomb = _province(server)[("person", rid)]
    assert tomb[1:] == expected[1:]  # deleted, with the fields B last saw
    report = _clean_sync(a)  # A's create and edit meet the delete
    assert report.conflicts == 1
    with a.open() as store:
        [conflict] = ops.list_conflicts(store)
        assert conflict.type == "edit_vs_delete"
        assert conflict.fields["phone"] == {"server": "0912000006", "station": conflict.fields["phone"]["station"]}
    for _ in range(2):
        _clean_sync(a)
        _clean_sync(b)
    assert _province(server)[("person", rid)][1:] == expected[1:]
    assert _deferred_in_db(server) == 0


def test_a_conflict_with_a_tombstone_that_holds_no_field_resolves(tmp_path: Path, server: RunningServer) -> None:
    """After the restore the province deletes R (which it lost) with no fields before A re-sends it. A's create
    and edit meet the delete as a conflict, and keeping the station's side works although the tombstone holds no
    field: the station takes the missing ones from R's last complete state (docs/sync-protocol.md, "Epoch", 7)."""
    a, b, backup, rid = _made_and_edited_after_a_backup(tmp_path, server)

    _restore(server, backup)
    server.admin_put_record("person", rid, {}, commune_code="07069", deleted=True)
    tomb = _province(server)[("person", rid)]
    assert tomb[1] is True and not any(tomb[2].values())  # deleted, no field
    _clean_sync(b)
    report = _clean_sync(a)  # A's create and edit meet the delete
    assert report.conflicts >= 1
    with a.open() as store:
        conflicts = ops.list_conflicts(store)
        assert conflicts
        # The conflict of A's phone edit holds the phone only; the record's local state is the tombstone's.
        [partial] = [c for c in conflicts if set(c.fields) == {"phone"}]
        values = {name: side["station"] for name, side in partial.fields.items()}
        ops.resolve_conflict(store, partial.id, values, "a")  # keep the station's side: must not fail
        row = store.get("person", rid, include_deleted=True)
        assert row is not None and not row["deleted"] and row["full_name"] and row["personal_id"]
    for _ in range(3):
        a.sync()
        b.sync()
    state = _province(server)[("person", rid)]
    assert state[1] is False and state[2]["full_name"] and state[2]["personal_id"]
    with b.open() as store:
        row = store.get("person", rid, include_deleted=True)
        assert row is not None and row["full_name"] and row["personal_id"]


@pytest.mark.parametrize("order", ["a_first", "b_first"])
def test_many_records_either_order(tmp_path: Path, server: RunningServer, order: str) -> None:
    """Twenty records made at A and edited by B (and some deleted by B) before the restore: whichever station
    re-sends first, the province ends where it was, with nothing rejected and nothing left waiting."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        ids = add_people(store, 20, seed=1207)
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        for i, rid in enumerate(ids):
            if i % 5 == 0:
                store.delete("person", rid, officer="b")
            else:
                store.update("person", rid, {"note": f"B {i}"}, officer="b")
    assert b.sync().ok and a.sync().ok
    with a.open() as store:
        for i, rid in enumerate(ids):
            if i % 5 and i % 2:
                store.update("person", rid, {"occupation": f"A {i}"}, officer="a")
    assert a.sync().ok and b.sync().ok
    expected = _province(server)
    _restore(server, backup)
    first, second = (a, b) if order == "a_first" else (b, a)
    _clean_sync(first)
    _clean_sync(second)
    _clean_sync(first)
    _clean_sync(second)
    assert _province(server) == expected
    assert_converged(a)
    assert_converged(b)
    assert _deferred_in_db(server) == 0
    assert json.dumps(server.admin("GET", "/v1/admin/replay").json()["deferred"]) == "0"


def test_province_edit_after_restore_then_older_replays_conflict(tmp_path: Path, server: RunningServer) -> None:
    """R was in the backup. After it B changed the phone twice and A the note. The province restores, then edits
    the phone itself before the stations come back. B's re-sent edits are based on versions the restored
    province has given to other changes: each meets the province's phone as an open conflict (never replacing
    it silently); A's note, which nobody else touched, applies."""
    a, b = _two_stations(tmp_path, server)
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1208)
    assert a.sync().ok and b.sync().ok
    backup = _backup(server, tmp_path / "before.backup.gz")
    with b.open() as store:
        store.update("person", rid, {"phone": "0911111111"}, officer="b")
    assert b.sync().ok and a.sync().ok
    with a.open() as store:
        store.update("person", rid, {"note": "ghi chú của A"}, officer="a")
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.update("person", rid, {"phone": "0922222222"}, officer="b")
    assert b.sync().ok and a.sync().ok
    assert _province(server)[("person", rid)][0] == 4

    _restore(server, backup)
    server.admin_put_record("person", rid, {"phone": "0933333333"})  # a new edit at the province (version 2)
    report = _clean_sync(b)
    assert report.conflicts >= 1
    assert _province(server)[("person", rid)][2]["phone"] == "0933333333"  # kept, not silently replaced
    _clean_sync(a)
    state = _province(server)[("person", rid)][2]
    assert state["phone"] == "0933333333" and state["note"] == "ghi chú của A"
    with b.open() as store:
        open_conflicts = ops.list_conflicts(store)
        assert open_conflicts and all(c.fields["phone"]["server"] == "0933333333" for c in open_conflicts)
        assert "0922222222" in {c.fields["phone"]["station"] for c in open_conflicts}  # B's value is kept
        newest = max(open_conflicts, key=lambda c: c.detected_at)
        ops.resolve_conflict(store, newest.id, {"phone": "0922222222"}, "b")  # the officer keeps B's value
        for other in ops.list_conflicts(store):
            ops.resolve_conflict(store, other.id, {"phone": "0922222222"}, "b")
    b.sync_until_clean()
    a.sync()
    b.sync()
    assert _province(server)[("person", rid)][2]["phone"] == "0922222222"
    assert_converged(a)
    assert_converged(b)


def test_change_answered_with_a_conflict_is_replayed_without_its_conflicting_fields(
        tmp_path: Path, server: RunningServer) -> None:
    """B's edit met A's on the phone: the province kept A's phone, applied B's note (a version of its own) and
    opened a conflict. After the restore that version is re-applied with the note only; the phone stays in B's
    open conflict, which B then resolves."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1209)
    assert a.sync().ok and b.sync().ok
    with a.open() as store:
        store.update("person", rid, {"phone": "0944444444"}, officer="a")
    with b.open() as store:
        store.update("person", rid, {"phone": "0955555555", "note": "ghi chú của B"}, officer="b")
    assert a.sync().ok
    assert b.sync().applied.conflicts == 1
    assert a.sync().ok
    expected = _province(server)
    assert expected[("person", rid)][0] == 3 and expected[("person", rid)][2]["note"] == "ghi chú của B"

    _restore(server, backup)
    assert _clean_sync(b).deferred == 2  # its version 3 waits for A's versions 1 and 2 (behind its copy of R)
    _clean_sync(a)
    _clean_sync(b)
    assert _province(server) == expected
    _clean_sync(b)
    a.sync()
    assert_converged(a)
    assert_converged(b, allow_conflicts=True)
    with b.open() as store:
        [conflict] = ops.list_conflicts(store)
        assert conflict.fields["phone"] == {"station": "0955555555", "server": "0944444444"}
        ops.resolve_conflict(store, conflict.id, {"phone": "0955555555"}, "b")
    _clean_sync(b)
    a.sync()
    state = _province(server)[("person", rid)][2]
    assert state["phone"] == "0955555555" and state["note"] == "ghi chú của B"
    assert_converged(a)
    assert_converged(b)


def test_edits_made_before_and_after_the_station_noticed_the_restore_wait_for_the_create(
        tmp_path: Path, server: RunningServer) -> None:
    """B edits A's record while the province is being restored (never sent), and again after its first sync with
    the restored province (which does not have the record yet): both edits wait for A's create — none is refused
    as an invalid record ("Full name is required") — and all apply in order once A is back."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1210)
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.update("person", rid, {"phone": "0966666666"}, officer="b")  # not sent before the restore
    _restore(server, backup)
    assert _clean_sync(b).deferred == 2  # the edit, behind B's copy of R
    with b.open() as store:
        store.update("person", rid, {"note": "sau khi khôi phục"}, officer="b")  # the province lacks the record
        assert ops.counts(store).rejected == 0
    report = _clean_sync(b)
    assert report.deferred >= 1
    assert ("person", rid) not in _province(server)
    _clean_sync(a)
    _clean_sync(b)
    a.sync()
    state = _province(server)[("person", rid)]
    assert state[2]["phone"] == "0966666666" and state[2]["note"] == "sau khi khôi phục" and state[2]["full_name"]
    assert_converged(a)
    assert_converged(b)


def restore_under_bs_note(tmp_path: Path, server: RunningServer, seed: int) -> tuple[Station, Station, str]:
    """A makes R; the province is backed up; A edits R (version 2), then B edits its note (version 3); the
    province goes back to the backup. Returns A, B and R's id."""
    a, b = _two_stations(tmp_path, server)
    with a.open() as store:
        [rid] = add_people(store, 1, seed=seed)
    assert a.sync().ok and b.sync().ok
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        store.update("person", rid, {"occupation": "Bộ đội"}, officer="a")
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.update("person", rid, {"note": "cũ"}, officer="b")
    assert b.sync().ok
    _restore(server, backup)
    return a, b, rid


def test_a_stations_new_edit_waits_behind_its_own_older_replay(tmp_path: Path, server: RunningServer) -> None:
    """B's re-sent note edit waits for A's version before it; meanwhile B's officer changes the note again. The
    newer edit must not go first (the older replay would then overwrite it): it waits behind the replay."""
    a, b, rid = restore_under_bs_note(tmp_path, server, seed=1211)
    assert _clean_sync(b).deferred == 1  # the old note (version 3) waits for A's version 2
    with b.open() as store:
        store.update("person", rid, {"note": "mới"}, officer="b")  # based on the restored version 1
    report = _clean_sync(b)
    assert report.deferred == 2 and report.conflicts == 0
    assert _province(server)[("person", rid)][0] == 1
    _clean_sync(a)
    state = _province(server)[("person", rid)]
    assert state[2]["note"] == "mới" and state[2]["occupation"] == "Bộ đội"
    _clean_sync(b)
    a.sync()
    assert_converged(a)
    assert_converged(b)


def test_keep_station_on_a_record_emptied_by_a_tombstone(store) -> None:  # type: ignore[no-untyped-def]
    """The station's record took the province's state from a conflict answer: deleted, every field empty (a
    tombstone of a record the province never had). Keeping the station's side of the conflict — a phone edit —
    restores the record with its last complete state instead of failing with "Full name is required"."""
    (rid,) = add_people(store, 1, seed=1212)
    ops.apply_response(store, ops.take_batch(store, 10), ops.Response(epoch="e1", results=[1], cursor=1))
    store.update("person", rid, {"phone": "0977777777"}, officer="t")
    batch = ops.take_batch(store, 10)
    empty = {"full_name": None, "birth_date": None, "sex": None, "personal_id": None, "phone": None}
    ops.apply_response(store, batch, ops.Response(epoch="e1", results=[{
        "status": "conflict", "version": 1, "record": empty, "deleted": True,
        "conflict": {"id": "c-1", "type": "edit_vs_delete", "kind": "person", "record_id": rid,
                     "fields": {"phone": {"station": "0977777777", "server": None}}, "server_version": 1,
                     "origin": "07069-02"}}], cursor=2))
    row = store.get("person", rid, include_deleted=True)
    assert row is not None and row["deleted"] and row["full_name"] is None  # the province's (empty) state
    ops.resolve_conflict(store, "c-1", {"phone": "0977777777"}, "t")
    row = store.get("person", rid)
    assert row is not None and row["full_name"] and row["personal_id"] and row["phone"] == "0977777777"
    [change] = [c for c in ops.pending_changes(store) if c.resolves == "c-1"]
    assert change.fields["full_name"] == row["full_name"]  # the whole state goes to the province


def test_pulled_tombstone_without_fields_never_empties_a_live_record(store) -> None:  # type: ignore[no-untyped-def]
    """A deleted state with no fields reaches a station that has an edit of the record pending (the record stays
    live until the push is judged): its fields stay, no nameless person appears."""
    (rid,) = add_people(store, 1, seed=1213)
    ops.apply_response(store, ops.take_batch(store, 10), ops.Response(epoch="e1", results=[1], cursor=1))
    store.update("person", rid, {"phone": "0988888888"}, officer="t")  # pending
    entry = {"seq": 3, "kind": "person", "id": rid, "version": 2, "deleted": True,
             "fields": {"full_name": None, "personal_id": None, "phone": None}}
    ops.apply_response(store, [], ops.Response(epoch="e1", feed=[entry], cursor=3))
    row = store.get("person", rid)
    assert row is not None and row["full_name"] and row["personal_id"] and row["phone"] == "0988888888"


def test_two_restores_in_a_row(tmp_path: Path, server: RunningServer) -> None:
    """The province is restored from the same old backup twice; between the restores only A came back. After the
    second one the stations' histories are still recognised as one: the outcome is the no-restore state, with no
    conflict and nothing rejected."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1214)
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.update("person", rid, {"phone": "0999000111"}, officer="b")
    assert b.sync().ok and a.sync().ok
    expected = _province(server)

    _restore(server, backup)
    _clean_sync(a)  # A's create is back; B's edit is not
    _restore(server, backup)  # again, from the same backup
    assert _clean_sync(b).deferred == 2  # the edit, behind B's copy of R
    assert _clean_sync(a).conflicts == 0
    assert _clean_sync(b).conflicts == 0
    a.sync()
    assert _province(server) == expected
    assert_converged(a)
    assert_converged(b)


@pytest.mark.parametrize("seed,backup_mid", [(1, False), (2, False), (3, False), (4, True), (5, True), (6, True)])
def test_random_history_replays_exactly_in_any_station_order(tmp_path: Path, server: RunningServer,
                                                             seed: int, backup_mid: bool) -> None:
    """Three stations of one commune create, edit (also the same field at two stations: conflicts) and delete at
    random, syncing as they go; then the province goes back to a backup taken before all of it (or in the middle
    of it). Whatever order
    the stations come back in, the province ends exactly where it was, every station with it, nothing rejected,
    and the same conflicts open as before."""
    import random

    rng = random.Random(seed)
    stations = [make_station(tmp_path, server, name) for name in ("a", "b", "c")]
    for s in stations:
        assert s.sync().ok
    backup = tmp_path / "before.backup.gz"
    backup_step = rng.randint(8, 28) if backup_mid else 0
    live: list[str] = []
    for step in range(36):
        if step == backup_step:
            _backup(server, backup)  # wherever the stations are: some changes synced, some not
        s = rng.choice(stations)
        with s.open() as store:
            mine = [r for r in live if store.get("person", r) is not None]
            roll = rng.random()
            if roll < 0.3 or not mine:
                live += add_people(store, 1, seed=seed * 1000 + step)
            elif roll < 0.85:
                rid = rng.choice(mine)
                field = rng.choice(["phone", "note", "occupation"])
                value = f"09{rng.randint(10**7, 10**8 - 1)}" if field == "phone" else f"{field} {step}"
                store.update("person", rid, {field: value}, officer=s.dir.name)
            else:
                rid = rng.choice(mine)
                store.delete("person", rid, officer=s.dir.name)
        if rng.random() < 0.7:
            s.sync()
    for _ in range(2):
        for s in stations:
            assert s.sync().ok
    expected = _province(server)
    with stations[0].open() as store:
        open_before = sum(ops.counts(st).conflicts for st in [store])  # noqa: F841 - for debugging a failure

    _restore(server, backup)
    order = stations[:]
    rng.shuffle(order)
    for _ in range(3):
        for s in order:
            _clean_sync(s)
    assert _province(server) == expected
    for s in stations:
        assert_converged(s, allow_conflicts=True)
    assert _deferred_in_db(server) == 0


def test_edits_of_a_record_the_province_made_after_the_backup_reach_it_once_the_window_closes(
        tmp_path: Path, server: RunningServer) -> None:
    """The province creates R itself (admin API) after the backup; A pulls it and edits it twice (one edit
    acknowledged before the restore, one made after it). The restore loses R (nobody holds its create as a
    change of theirs), so A's edits wait for a version that never comes. Once the window is closed they must
    reach the province: A's copy of R goes ahead of its edits (an edit arriving first would be judged as a first
    change and refused as incomplete), and nothing is refused or left pending (found by bench/soak.py)."""
    import uuid
    from datetime import date

    from station_client.synthetic import Generator

    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    person = next(iter(Generator(1209, today=date(2000, 12, 31)).people(1)))
    person.pop("id")
    rid = str(uuid.uuid4())
    server.admin_put_record("person", rid, person, commune_code="07069")
    assert a.sync().ok
    with a.open() as store:
        store.update("person", rid, {"phone": "0912000009"}, officer="a")
    assert a.sync().ok
    assert _province(server)[("person", rid)][0] == 2

    _restore(server, backup)
    with a.open() as store:
        store.update("person", rid, {"note": "sau khôi phục"}, officer="a")
    for _ in range(2):
        _clean_sync(a)
        _clean_sync(b)
    assert ("person", rid) not in _province(server)  # waits while the window is open
    server.admin("POST", "/v1/admin/replay/close")
    for _ in range(3):
        _clean_sync(a)
        _clean_sync(b)
    state = _province(server)[("person", rid)]
    assert state[1] is False
    assert state[2]["phone"] == "0912000009" and state[2]["note"] == "sau khôi phục"
    assert state[2]["full_name"] == person["full_name"]
    assert_converged(a)
    assert_converged(b)


def test_a_change_that_made_no_version_is_not_replayed_as_anothers_version(
        tmp_path: Path, server: RunningServer) -> None:
    """B deletes R (version 2). A's edit of R meets the delete; A's officer accepts the delete. The resolution
    changes nothing at the province (R is already deleted): it makes no version. After a restore to a backup that
    holds B's delete but not A's resolution, A must not replay its resolution as the author of version 2 (B's):
    that was judged against version 1 and met B's delete as a delete_vs_edit conflict nobody made (found by
    bench/soak.py, seed 7002)."""
    a, b = _two_stations(tmp_path, server)
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1211)
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.delete("person", rid, officer="b")
    assert b.sync().ok
    with a.open() as store:
        store.update("person", rid, {"note": "ghi chú của A"}, officer="a")
    assert a.sync().applied.conflicts == 1
    backup = _backup(server, tmp_path / "before.backup.gz")  # B's delete, not A's resolution
    with a.open() as store:
        [conflict] = ops.list_conflicts(store)
        ops.resolve_conflict(store, conflict.id, None, "a", delete=True)
    _clean_sync(a)
    assert _province(server)[("person", rid)][:2] == (2, True)

    _restore(server, backup)
    for _ in range(2):
        assert _clean_sync(a).conflicts == 0
        assert _clean_sync(b).conflicts == 0
    with a.open() as store:
        assert ops.list_conflicts(store) == []
    assert _province(server)[("person", rid)][:2] == (2, True)
    assert_converged(a)
    assert_converged(b)


def test_a_record_the_province_made_after_the_backup_comes_back_although_an_edit_of_it_is_in_conflict(
        tmp_path: Path, server: RunningServer) -> None:
    """The province creates R after the backup and then edits its phone; A's own phone edit met that as a
    conflict (open at A). The restore loses R and the conflict at the province. A's copy of R must still go back
    to the province (nothing else will send it), and A's conflict stays open for its officer (found by
    bench/soak.py, seed 7001)."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    rid, person = _province_makes_person(server, 1212)
    assert a.sync().ok  # only A holds R (B would send its own copy)
    with a.open() as store:
        store.update("person", rid, {"phone": "0912000012"}, officer="a")
    server.admin_put_record("person", rid, {"phone": "0913000012"})
    assert a.sync().applied.conflicts == 1

    _restore(server, backup)
    _heal_through_the_replay_window(server, a, b)
    state = _province(server)[("person", rid)]
    assert state[1] is False and state[2]["full_name"] == person["full_name"]
    with a.open() as store:
        [conflict] = ops.list_conflicts(store)
        assert conflict.fields["phone"]["station"] == "0912000012"
    assert_converged(b)


def test_a_record_the_province_made_and_deleted_after_the_backup_keeps_the_stations_edits_as_a_tombstone(
        tmp_path: Path, server: RunningServer) -> None:
    """The province creates R after the backup; A and B each edit it (both acknowledged), then the province
    deletes it. The restore loses R, its delete and the stations' edits. Their replays must not be refused as
    incomplete records, R must not come back live (everyone last saw it deleted), and the edits must still be at
    the province: R returns as a tombstone carrying its fields, and every station agrees (found by
    bench/soak.py, seed 8007)."""
    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    rid, person = _province_makes_person(server, 1213)
    assert a.sync().ok and b.sync().ok
    with a.open() as store:
        store.update("person", rid, {"phone": "0912000013", "note": "sửa ở A"}, officer="a")
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        store.update("person", rid, {"occupation": "Thợ mỏ"}, officer="b")
    assert b.sync().ok and a.sync().ok
    server.admin_put_record("person", rid, {}, deleted=True)
    assert a.sync().ok and b.sync().ok

    _restore(server, backup)
    _heal_through_the_replay_window(server, a, b, after=3)
    _version, deleted, fields = _province(server)[("person", rid)]
    assert deleted is True
    assert (fields["phone"], fields["note"], fields["occupation"]) == ("0912000013", "sửa ở A", "Thợ mỏ")
    assert fields["full_name"] == person["full_name"]
    for st in (a, b):
        with st.open() as store:
            assert not store.conn.execute("SELECT 1 FROM outbox WHERE state = 'rejected'").fetchone()
            assert not ops.list_conflicts(store)
        assert_converged(st)


def test_an_edit_made_while_an_orphan_copy_waits_is_sent_on_its_own(tmp_path: Path, server: RunningServer) -> None:
    """After a restore, B's re-pull finds R missing (its maker A has not re-sent it yet) and queues an orphan copy
    of R. An officer at B then edits R before that copy leaves. The province answers the copy with its own
    state once A re-sent R, so the edit must not ride inside the copy: it goes as a change of its own and reaches
    the province (found by bench/soak.py, seed 5201: the note folded into the copy was acknowledged and lost)."""
    from dataclasses import replace

    from .conftest import FAST

    a, b = _two_stations(tmp_path, server)
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        [rid] = add_people(store, 1, 515)
    assert a.sync().ok and b.sync().ok
    _restore(server, backup)

    # B's first request after the restore learns of it (a cursor ahead of the province), its second is the
    # re-pull; the cycle stops right after it, before any push.
    report = b.sync(config=replace(FAST, max_requests=2))
    assert report.resyncs == ["cursor.ahead"] and report.requests == 2, report.summary()
    with b.open() as store:
        [_orphan] = store.conn.execute("SELECT seq FROM outbox WHERE record_id = ? AND orphan = 1 "
                                      "AND state = 'pending'", (rid,)).fetchall()
        store.update("person", rid, {"note": "ghi chú sau khôi phục"}, officer="b")
        rows = store.conn.execute("SELECT orphan, fields FROM outbox WHERE record_id = ? AND state = 'pending' "
                                  "ORDER BY seq", (rid,)).fetchall()
    assert [r["orphan"] for r in rows] == [1, 0]
    assert "note" not in json.loads(rows[0]["fields"]) or json.loads(rows[0]["fields"])["note"] is None
    assert json.loads(rows[1]["fields"]) == {"note": "ghi chú sau khôi phục"}

    for _ in range(2):
        _clean_sync(a)
        _clean_sync(b)
    assert _province(server)[("person", rid)][2]["note"] == "ghi chú sau khôi phục"
    for st in (a, b):
        with st.open() as store:
            assert not ops.list_conflicts(store)
        assert_converged(st)


def test_a_revival_decided_before_the_province_noticed_its_restore_still_revives(
        tmp_path: Path, server: RunningServer) -> None:
    """A deletes R; B's edit of R meets the delete (an edit_vs_delete conflict at B) and B's officer keeps the
    station's side, which brings R back. Before that decision leaves, the province is restored from a backup older
    than the conflict: A's replayed delete deletes R again, and the province no longer holds the conflict the
    decision names. The officer's revival must still stand, not wait in a new conflict or be dropped (found by
    bench/soak.py, seed 5204: R stayed deleted and no conflict said so)."""
    a, b = _two_stations(tmp_path, server)
    with a.open() as store:
        [rid] = add_people(store, 1, 5204)
    assert a.sync().ok and b.sync().ok
    backup = _backup(server, tmp_path / "before.backup.gz")
    with a.open() as store:
        store.delete("person", rid, officer="a")
    with b.open() as store:
        store.update("person", rid, {"phone": "0912000052"}, officer="b")
    assert a.sync().ok and b.sync().ok
    with b.open() as store:
        [conflict] = ops.list_conflicts(store)
        assert conflict.type == "edit_vs_delete"
        ops.resolve_conflict(store, conflict.id, {"phone": "0912000052"}, "b")
        assert store.get("person", rid)["deleted"] is False

    _restore(server, backup)
    _heal_through_the_replay_window(server, a, b)
    _version, deleted, fields = _province(server)[("person", rid)]
    assert deleted is False
    assert fields["phone"] == "0912000052"
    for st in (a, b):
        with st.open() as store:
            assert not ops.list_conflicts(store)
        assert_converged(st)


def test_a_change_parked_for_the_first_time_goes_behind_one_that_keeps_its_place(tmp_path: Path,
                                                                                   server: RunningServer) -> None:
    """B's old note replay waits with arrival number 7 (the changes parked before it have left the queue since).
    B's newer note edit is parked for the first time in the exchange that judges the replay again: it must be
    numbered after 7, not after what is left in the table, or the drain takes the newer edit first."""
    a, b, rid = restore_under_bs_note(tmp_path, server, seed=1215)
    assert _clean_sync(b).deferred == 1  # the old note waits for A's version 2
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    with conn:
        conn.execute("UPDATE deferred_changes SET n = 7")  # as if six changes parked before it had left
    conn.close()
    with b.open() as store:
        store.update("person", rid, {"note": "mới"}, officer="b")
    assert _clean_sync(b).deferred == 2
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    order = [r[0] for r in conn.execute("SELECT replay FROM deferred_changes WHERE record_id = ? ORDER BY n", (rid,))]
    conn.close()
    assert order == [1, 0]  # the replay first, then the new edit
    _clean_sync(a)
    assert _province(server)[("person", rid)][2]["note"] == "mới"
