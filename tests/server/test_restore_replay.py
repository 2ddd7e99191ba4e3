"""Restore recovery at the province (docs/sync-protocol.md, "Epoch: a restored server"), over HTTP, on SQLite and
PostgreSQL: replays fast-forward the lost history in version order, changes that depend on a version still on
its way are held and applied on their turn, a diverged record is judged (conflict, never overwrite), and the
replay window bounds the wait."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.support.server import RunningServer

from .client import Station, change, new_person


def _restore(srv: RunningServer, backup: Path, *stations: Station) -> str:
    srv.stop()
    srv.cli("restore", str(backup))
    srv.start()
    epoch = str(requests.get(srv.url + "/healthz", timeout=30).json()["epoch"])
    for s in stations:
        s.epoch = epoch
    return epoch


def _replay(c: dict[str, Any], epoch: str, version: int) -> dict[str, Any]:
    return c | {"base_epoch": epoch, "replay": version, "base_version": version - 1}


def test_replays_in_any_order_rebuild_the_lost_history(fresh_server: RunningServer, tmp_path: Path,
                                                       new_commune: Callable[[], str]) -> None:
    srv = fresh_server
    commune = new_commune()
    a, b = Station.enroll(srv, commune), Station.enroll(srv, commune)
    backup = tmp_path / "province.backup.gz"
    srv.cli("backup", str(backup))
    create = new_person()
    rid = create["id"]
    assert a.push([create]) == [1]
    edit_b = change("person", rid, {"phone": "0912345678"}, base_version=1)
    assert b.push([edit_b]) == [2]
    edit_a = change("person", rid, {"note": "A"}, base_version=2)
    assert a.push([edit_a]) == [3]
    delete_b = change("person", rid, {}, base_version=3, op="delete")
    assert b.push([delete_b]) == [4]
    expected = srv.admin_get_record("person", rid)
    assert expected is not None
    old = a.epoch
    assert old is not None
    _restore(srv, backup, a, b)

    # B first: its edit and its delete wait for A's create; nothing is made of them (no record without fields)
    res = b.push([_replay(edit_b, old, 2), _replay(delete_b, old, 4)])
    assert res == [{"status": "deferred", "code": "version.pending", "wait_version": 1},
                   {"status": "deferred", "code": "version.pending", "wait_version": 3}]
    assert srv.admin_get_record("person", rid) is None
    status = srv.admin("GET", "/v1/admin/replay").json()
    assert status["open"] is True and status["deferred"] == 2
    # A: its create, then (after B's held edit is applied on its turn) its own edit, then B's held delete
    assert [r["version"] for r in a.push([_replay(create, old, 1), _replay(edit_a, old, 3)])] == [1, 3]
    got = srv.admin_get_record("person", rid)
    assert got is not None
    assert (got["version"], got["deleted"], got["fields"]) == (4, True, expected["fields"])
    assert srv.admin("GET", "/v1/admin/replay").json()["deferred"] == 0
    # B sends them again: applied already, answered as duplicates with the version each made
    res = b.push([_replay(edit_b, old, 2), _replay(delete_b, old, 4)])
    assert [(r["status"], r["change_version"]) for r in res] == [("duplicate", 2), ("duplicate", 4)]


def test_a_diverged_record_turns_old_changes_into_conflicts(fresh_server: RunningServer, tmp_path: Path,
                                                            new_commune: Callable[[], str]) -> None:
    srv = fresh_server
    commune = new_commune()
    a, b = Station.enroll(srv, commune), Station.enroll(srv, commune)
    create = new_person()
    rid = create["id"]
    assert a.push([create]) == [1]
    backup = tmp_path / "province.backup.gz"
    srv.cli("backup", str(backup))
    edit_b = change("person", rid, {"phone": "0911111111", "note": "B"}, base_version=1)
    assert b.push([edit_b]) == [2]
    old = a.epoch
    assert old is not None
    _restore(srv, backup, a, b)
    srv.admin_put_record("person", rid, {"phone": "0999999999"})  # the record goes on without B's version 2
    [res] = b.push([_replay(edit_b, old, 2)])
    assert res["status"] == "conflict"
    assert res["conflict"]["fields"] == {"phone": {"station": "0911111111", "server": "0999999999"}}
    got = srv.admin_get_record("person", rid)
    assert got is not None and got["fields"]["phone"] == "0999999999" and got["fields"]["note"] == "B"


def test_closing_the_window_judges_what_waits(fresh_server: RunningServer, tmp_path: Path,
                                              new_commune: Callable[[], str]) -> None:
    srv = fresh_server
    commune = new_commune()
    a, b = Station.enroll(srv, commune), Station.enroll(srv, commune)
    backup = tmp_path / "province.backup.gz"
    srv.cli("backup", str(backup))
    create = new_person()
    rid = create["id"]
    assert a.push([create]) == [1]
    delete_b = change("person", rid, {}, base_version=1, op="delete")
    assert b.push([delete_b]) == [2]
    old = a.epoch
    assert old is not None
    _restore(srv, backup, a, b)
    assert b.push([_replay(delete_b, old, 2)])[0]["status"] == "deferred"
    out = srv.cli("replay", "close").stdout
    assert "1 waiting changes judged" in out
    got = srv.admin_get_record("person", rid)
    assert got is not None and got["deleted"] is True  # a tombstone, never a live record without fields
    assert srv.admin("GET", "/v1/admin/replay").json()["open"] is False
    # A's create now meets the delete: a conflict that keeps A's values, not an empty live person
    [res] = a.push([_replay(create, old, 1)])
    assert res["status"] == "conflict" and res["conflict"]["type"] == "edit_vs_delete"
    assert res["conflict"]["fields"]["full_name"]["station"] == create["fields"]["full_name"]



def test_a_station_copy_goes_ahead_of_its_changes_and_they_wait_with_it(
        fresh_server: RunningServer, tmp_path: Path, new_commune: Callable[[], str]) -> None:
    """The province made R after its backup and edited it; station C edited R (a conflict with the province's
    edit), edited it again, kept its side of the conflict and deleted R. The restore loses R. C sends its copy of
    R (a tombstone with its fields) ahead of its three changes: while the window is open all four wait at the
    station, none is held at the province (held, they would be judged when the window closes, before the copy:
    an edit refused as incomplete, an empty tombstone). Then the copy makes R deleted with C's fields, C's edit,
    which the copy already holds, applies nothing; its resolution and delete apply in turn: no refusal, no
    conflict (sim seed 9104, PostgreSQL)."""
    srv = fresh_server
    commune = new_commune()
    c = Station.enroll(srv, commune)
    backup = tmp_path / "province.backup.gz"
    srv.cli("backup", str(backup))
    made = new_person()
    rid = made["id"]
    assert srv.admin_put_record("person", rid, made["fields"], commune_code=commune)["version"] == 1
    assert srv.admin_put_record("person", rid, {"current_address": "w103"})["version"] == 2
    [clash] = c.push([change("person", rid, {"current_address": "w102"}, base_version=1)])
    assert clash["status"] == "conflict"
    edit = change("person", rid, {"current_address": "w111", "note": "w111"}, base_version=2)
    resolve = change("person", rid, {"current_address": "w102"}, base_version=2, resolves=clash["conflict"]["id"])
    delete = change("person", rid, {}, base_version=2, op="delete")
    old = c.epoch
    _restore(srv, backup, c)
    final = made["fields"] | {"current_address": "w102", "note": "w111"}
    copy = change("person", rid, final, op="delete") | {"orphan": True}
    sent = [copy] + [ch | {"base_epoch": old} for ch in (edit, resolve, delete)]

    assert c.push(sent) == [{"status": "deferred", "code": "record.pending"}] * 4
    assert srv.admin("GET", "/v1/admin/replay").json()["deferred"] == 0  # nothing held at the province
    assert "0 waiting changes judged" in srv.cli("replay", "close").stdout
    res = c.push(sent)
    assert res[0] == 1
    # the edit is in the copy already; the resolution (the officer's decision, of a conflict the restore lost)
    # is judged and revives R with its value; C's own delete behind it deletes R again
    assert (res[1]["status"], res[1]["change_version"], res[1]["deleted"]) == ("applied", None, True)
    assert res[2:] == [2, 3]
    got = srv.admin_get_record("person", rid)
    assert got is not None and (got["version"], got["deleted"]) == (3, True)
    assert {n: v for n, v in got["fields"].items() if v is not None} == final
