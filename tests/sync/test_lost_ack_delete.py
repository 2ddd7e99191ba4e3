"""Issue 12, defect 1: a delete undone after a lost answer.

Station A edits R; the province applies it but the answer is dropped on the way (the project's fault proxy
cuts it). Station B deletes R. A sends its edit again and gets the ``duplicate`` answer, whose state says R is
deleted: A must take the deletion (it used to read the flag from the wrong place and keep R live), and a later
upsert from a station that has not seen the delete must be an ``edit_vs_delete`` conflict at the province,
never a silent revival (version 3 deleted -> version 4 live).
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
import requests

from station_client.store import sync_ops as ops
from station_client.store.errors import RecordNotFound
from station_client.sync.engine import EngineConfig

from .conftest import COMMUNE, FAST, add_people, assert_converged, make_station, server_records
from .netproxy import FaultProxy

ONE_TRY = EngineConfig(batch_size=FAST.batch_size, feed_limit=FAST.feed_limit, max_attempts=1,
                       backoff_base=0.01, backoff_cap=0.05)


def _sync_request(head: bytes) -> bool:
    return b" /v1/sync " in head.split(b"\r\n", 1)[0] + b" "


def test_duplicate_answer_carries_the_delete_and_the_record_stays_deleted(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    b = make_station(tmp_path, server, "b")
    with a.open() as store:
        [rid] = add_people(store, 1, seed=1201)
    a.sync_until_clean()
    b.sync_until_clean()

    # A's edit reaches the province (v2); every answer to A is cut while the link is bad.
    drop = threading.Event()
    drop.set()
    proxy = FaultProxy(server.port, lambda head: "reset_response" if drop.is_set() and _sync_request(head)
                       else "pass")
    a.route_via(proxy.url)
    try:
        with a.open() as store:
            store.update("person", rid, {"note": "edit from A"}, officer="a")
        report = a.sync(config=ONE_TRY)
        assert not report.ok
        assert proxy.stats.faults.get("reset_response", 0) >= 1
        assert server_records(server)[("person", rid)][0] == 2  # the province applied it; A never heard
        with a.open() as store:
            assert ops.pending_count(store) == 1

        # B pulls A's edit and deletes R (v3).
        b.sync_until_clean()
        with b.open() as store:
            store.delete("person", rid, officer="b")
        b.sync_until_clean()
        version, deleted, _ = server_records(server)[("person", rid)]
        assert (version, deleted) == (3, True)

        # The link is back: A re-sends, gets "duplicate" at v3 deleted, and takes the deletion.
        drop.clear()
        assert a.sync_until_clean().ok
    finally:
        proxy.close()
        a.route_via(server.url)

    with a.open() as store:
        assert store.get("person", rid) is None, "A kept a record the province deleted"
        row = store.conn.execute("SELECT deleted, server_version FROM persons WHERE id = ?", (rid,)).fetchone()
        assert (row["deleted"], row["server_version"]) == (1, 3)
        with pytest.raises(RecordNotFound):
            store.update("person", rid, {"note": "edit after the delete"}, officer="a")
    a.sync_until_clean()
    assert server_records(server)[("person", rid)][:2] == (3, True)
    assert_converged(a)
    assert_converged(b)


def _station_token(server, commune: str) -> str:
    return str(server.enroll(commune, "raw")["token"])


def _push(server, token: str, changes: list[dict]) -> list:
    r = requests.post(server.url + "/v1/sync", timeout=30, headers={"Authorization": f"Bearer {token}"},
                      json={"protocol": 1, "epoch": None, "cursor": 0, "limit": 1, "changes": changes})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def _change(rid: str, fields: dict, base: int, op: str = "upsert", resolves: str | None = None) -> dict:
    return {"change_id": str(uuid.uuid4()), "kind": "person", "id": rid, "op": op, "base_version": base,
            "fields": fields, "resolves": resolves}


def test_an_upsert_on_a_deleted_record_is_a_conflict_unless_it_resolves_one(tmp_path: Path, server) -> None:
    """Whatever base version a station claims, only an officer's recorded resolution undoes a delete."""
    a = _station_token(server, COMMUNE)
    b = _station_token(server, COMMUNE)
    rid = str(uuid.uuid4())
    person = {"full_name": "Nguyễn Văn An", "birth_date": "1980-05-04", "sex": "M", "personal_id": "022080123456"}
    assert _push(server, a, [_change(rid, person, 0)]) == [1]
    assert _push(server, a, [_change(rid, {"note": "A"}, 1)]) == [2]
    assert _push(server, b, [_change(rid, {}, 2, op="delete")]) == [3]

    # A station that holds R live at v3 (it missed the delete) edits it: a conflict, R stays deleted.
    [res] = _push(server, a, [_change(rid, {"note": "revive?"}, 3)])
    assert isinstance(res, dict) and res["status"] == "conflict", res
    assert res["conflict"]["type"] == "edit_vs_delete" and res["deleted"] is True
    assert server_records(server)[("person", rid)][:2] == (3, True)
    # Also the station that deleted it cannot bring it back with a plain edit.
    [res_b] = _push(server, b, [_change(rid, {"note": "B again"}, 3)])
    assert isinstance(res_b, dict) and res_b["conflict"]["type"] == "edit_vs_delete"
    assert server_records(server)[("person", rid)][:2] == (3, True)

    # The officer's explicit resolution restores it.
    [done] = _push(server, a, [_change(rid, person | {"note": "restored"}, 3, resolves=res["conflict"]["id"])])
    assert done == 4
    version, deleted, fields = server_records(server)[("person", rid)]
    assert (version, deleted, fields["note"]) == (4, False, "restored")
