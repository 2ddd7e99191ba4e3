"""Audit entries riding on the changes (docs/sync-protocol.md, "Audit riding on the changes"): the station sends
the entries of the changes in the same exchange in a few bytes each, the province rebuilds them and stores exactly
what a whole push would have stored, and tampering is caught and named exactly as before."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from station_client.store import sync_ops as ops
from station_client.store.sync_ops import audit_push
from station_client.sync.enroll import build_engine
from station_client.wire import audit_entry_hash

from .conftest import add_people, make_station

COLUMNS = audit_push.AUDIT_COLUMNS


def _server_verify(server, station_id: str) -> tuple[int, dict]:
    run = server.cli("audit", "verify", "--station", station_id, "--json", check=False)
    return run.returncode, json.loads(run.stdout)


def _province_entries(server, station_id: str) -> list[tuple]:
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    try:
        return conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_entries WHERE station_id = ? ORDER BY seq",
                            (station_id,)).fetchall()
    finally:
        conn.close()


def _station_entries(station) -> list[tuple]:
    with station.open() as store:
        return [tuple(r) for r in store.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit ORDER BY seq")]


def test_mixed_entries_ride_and_the_province_stores_them_exactly(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        ids = add_people(store, 4, seed=81)  # 1-4: creates
        with store.acting_as_system("test"):
            store.audit_event("station", "st-1", "test.event")  # 5: an event, no change to ride on
        store.update("person", ids[0], {"occupation": "Kỹ sư"}, officer="t")  # 6: folds into create 1's change
        more = add_people(store, 1, seed=82)  # 7: a create
    first = a.sync()
    assert first.ok and first.audit_refused is None and first.audit_pushed == 7
    # The first exchange pulls (and learns that the province takes riding entries), the second carries the
    # changes with every entry: no POST /v1/audit.
    assert first.requests == 2
    assert _province_entries(server, a.station_id) == _station_entries(a)

    with a.open() as store:
        store.update("person", ids[1], {"phone": "0912345678"}, officer="t")  # 8: an update of an acked record
        store.delete("person", ids[2], officer="t")  # 9: a delete
        store.update("person", more[0], {"occupation": "Nông dân"}, officer="t")  # 10
        ops.take_batch(store, 50)  # sent, answer lost: the next edit of ids[1] is a change of its own
        store.update("person", ids[1], {"occupation": "Thợ mộc"}, officer="t")  # 11
        changes = [c.wire(ops.position(store).epoch) for c in ops.take_batch(store, 50)]
        segment = audit_push.riding_segment(store, ops.audit_pushed(store), changes, 100)
    assert segment is not None and segment["first"] == 8
    assert segment["head"] == _station_entries(a)[-1][-1]
    compact = segment["entries"]
    assert all(isinstance(e, list) for e in compact)  # all four ride compact
    # The province derives an edit's or a delete's before-values and record hash from its own state at the
    # change's base version; not where the station's record holds another change the province may not have.
    assert compact[1][3] == {"p": 1} and compact[2][3] == {"p": 1}
    before = json.loads(_station_entries(a)[7][6])["phone"][0]
    assert compact[0][3]["b"] == {"phone": before} and len(compact[0][3]["r"]) == 64
    assert set(compact[3][3]) == {"b", "r"}
    second = a.sync()
    assert second.ok and second.requests == 1 and second.audit_pushed == 4
    assert _province_entries(server, a.station_id) == _station_entries(a)
    code, report = _server_verify(server, a.station_id)
    assert code == 0 and report["entries"] == 11


def test_the_compact_form_is_chosen_entry_by_entry(tmp_path: Path, server) -> None:
    """Creates ride as three numbers; an event and a create whose change folded in a later edit go whole; the
    segment stops before an entry whose change is not in this request."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        ids = add_people(store, 3, seed=83)
        with store.acting_as_system("test"):
            store.audit_event("station", "st-1", "test.event")
        store.update("person", ids[0], {"occupation": "Kỹ sư"}, officer="t")
        changes = [c.wire(None) for c in ops.take_batch(store, 2)]  # creates 1 (folded) and 2 only
        segment = audit_push.riding_segment(store, 0, changes, 100)
    assert segment is not None and segment["first"] == 1 and segment["officers"] == ["test"]
    kinds = [type(e).__name__ for e in segment["entries"]]
    assert kinds == ["dict", "list"]  # create 1 whole (its change now holds the edit), create 2 compact
    assert segment["entries"][1][:3] == [2, segment["entries"][1][1], 0] and len(segment["entries"][1]) == 3


def test_a_tampered_entry_in_a_compact_run_is_named(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 3, seed=84)
    assert a.sync().audit_pushed == 3
    with a.open() as store:
        add_people(store, 3, seed=85)  # entries 4-6, riding compact
        store.conn.execute("UPDATE audit SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 5")  # the hand edit
        store.conn.commit()
    report = a.sync()
    assert report.ok and report.audit_refused == "audit.hash"  # the records synced; the chain is refused
    with a.open() as store:
        assert ops.pending_count(store) == 0
    code, result = _server_verify(server, a.station_id)
    assert code == 1 and result["entries"] == 4  # 4 stored (sent whole after the rebuild failed), 5 refused
    assert result["first_broken"]["seq"] == 5 and result["first_broken"]["code"] == "audit.hash"
    assert '"event": "audit.rebuild"' in server.log_path.read_text()
    assert a.sync().audit_refused == "audit.hash"  # not pushed again, still reported


def test_a_forged_head_is_asked_for_whole_entries(tmp_path: Path, server) -> None:
    """The province never trusts a compact run it cannot match to the station's head: an exchange whose head
    does not match the rebuilt chain stores nothing of the run and answers audit.full for exactly that run."""
    a = make_station(tmp_path, server, "a")
    assert a.sync().ok  # learns that the province takes riding entries
    with a.open() as store:
        add_people(store, 2, seed=86)
        pos = ops.position(store)
        changes = [c.wire(pos.epoch) for c in ops.take_batch(store, 50)]
        segment = audit_push.riding_segment(store, 0, changes, 100)
        assert segment is not None
        segment["head"] = "f" * 64
        client = build_engine(store).client
        try:
            answer = client.exchange({"protocol": 1, "epoch": pos.epoch, "cursor": pos.cursor or 0,
                                             "changes": changes, "audit": segment})
        finally:
            client.close()
    assert answer["audit"]["code"] == "audit.full" and answer["audit"]["seq"] == 1 and answer["audit"]["until"] == 2
    assert answer["audit"]["accepted"] == 0 and len(answer["results"]) == 2  # the changes applied all the same
    assert _province_entries(server, a.station_id) == []
    report = a.sync()  # the station's own exchange sends the same entries and they rebuild
    assert report.ok and report.audit_refused is None and report.audit_pushed == 2
    assert _province_entries(server, a.station_id) == _station_entries(a)


def test_a_station_restored_from_a_backup_is_caught_through_compact_entries(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 2, seed=87)
    assert a.sync().audit_pushed == 2
    backup = tmp_path / "backup.db"
    shutil.copyfile(a.db, backup)
    with a.open() as store:
        add_people(store, 2, seed=88)
    assert a.sync().audit_pushed == 2  # entries 3 and 4 at the province
    shutil.copyfile(backup, a.db)  # the station goes back to its copy and writes another history
    with a.open() as store:
        add_people(store, 2, seed=89)
    report = a.sync()
    assert report.audit_refused == "audit.rewritten"
    code, result = _server_verify(server, a.station_id)
    assert code == 1 and result["first_broken"]["seq"] == 3 and result["first_broken"]["code"] == "audit.rewritten"
    assert result["entries"] == 4


def test_compact_entries_chain_with_the_hash_formula(tmp_path: Path, server) -> None:
    """The stored rows are not merely equal: each one's hash is its own content's, chained (the province's
    verify walks them)."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 5, seed=90)
    assert a.sync().audit_pushed == 5
    rows = _province_entries(server, a.station_id)
    prev = "0" * 64
    for _seq, at, officer, kind, record_id, action, changes, change_id, record_hash, prev_hash, h in rows:
        assert prev_hash == prev
        assert audit_entry_hash(prev, at, officer, kind, record_id, action, changes, change_id, record_hash) == h
        prev = h


def test_a_rebuild_that_misses_is_sent_whole_and_stored(tmp_path: Path, server) -> None:
    """The station's record differs from the province's state at the base version (here written outside the
    program): the province's rebuild of the edit's entry cannot match the head, so the run is asked for whole and
    stored as sent: a miss costs bytes, never an entry or a false refusal."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        ids = add_people(store, 2, seed=91)
    assert a.sync().audit_pushed == 2
    with a.open() as store:
        store.conn.execute("UPDATE persons SET occupation = 'ghi ngoài' WHERE id = ?", (ids[0],))
        store.conn.commit()
        store.update("person", ids[0], {"phone": "0987654321"}, officer="t")  # 3: rides with {"p": 1}
    report = a.sync()
    assert report.ok and report.audit_refused is None and report.audit_pushed == 1
    assert report.requests == 2  # the exchange (answered audit.full) and the whole push
    assert _province_entries(server, a.station_id) == _station_entries(a)
    assert '"event": "audit.rebuild"' in server.log_path.read_text()
    assert _server_verify(server, a.station_id)[0] == 0


def test_an_older_province_gets_whole_entries(tmp_path: Path, server) -> None:
    """Migration: a province that does not take riding entries (an older release, or a rollback after the station
    learnt that it did) answers 422 to an exchange carrying them and never says ``audit_rides``: the station sends
    the same exchange again without them and pushes its entries whole by POST /v1/audit, as before."""
    from station_client.sync.errors import BadRequest

    from .conftest import FAST, FAST_TIMEOUTS

    a = make_station(tmp_path, server, "a")
    assert a.sync().ok
    refused: list[dict] = []
    with a.open() as store:
        add_people(store, 3, seed=92)
        assert ops.get_state(store, audit_push.AUDIT_RIDES) == "1"  # learnt from the upgraded province
        engine = build_engine(store, config=FAST, timeouts=FAST_TIMEOUTS)
        real = engine.client.exchange

        def older_province(body: dict) -> dict:
            if "audit" in body:
                refused.append(body)
                raise BadRequest("", "body.invalid", code="body.invalid")
            answer = real(body)
            answer.pop("audit_rides", None)
            return answer

        engine.client.exchange = older_province  # type: ignore[method-assign]
        try:
            first = engine.run_once()
            second = engine.run_once()
        finally:
            engine.client.close()
        assert ops.get_state(store, audit_push.AUDIT_RIDES) is None
    assert len(refused) == 1
    assert first.ok and first.requests == 3 and first.audit_pushed == 3 and first.audit_refused is None
    assert second.ok and second.requests == 1
    assert _province_entries(server, a.station_id) == _station_entries(a)


def test_at_travels_as_milliseconds_only_in_its_own_form() -> None:
    from station_client.clock import now_iso
    from station_client.wire import at_to_ms, ms_to_at

    at = now_iso()
    ms = at_to_ms(at)
    assert ms is not None and ms_to_at(ms) == at
    assert at_to_ms("2026-12-06T15:02:47.1234Z") is None  # not the station's form: the entry travels whole
    assert at_to_ms("2026-12-06 15:02:47.123Z") is None


def test_a_malformed_compact_entry_is_asked_whole_never_refusing_the_changes(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    assert a.sync().ok
    with a.open() as store:
        add_people(store, 1, seed=93)
        pos = ops.position(store)
        changes = [c.wire(pos.epoch) for c in ops.take_batch(store, 50)]
        head = _station_entries(a)[-1][-1]
        client = build_engine(store).client
        try:
            answer = client.exchange({"protocol": 1, "epoch": pos.epoch, "cursor": pos.cursor or 0,
                                      "changes": changes, "audit": {"first": 1, "head": head, "officers": ["test"],
                                                                    "entries": [[7, 0, 0]]}})  # no change 6
        finally:
            client.close()
    assert answer["results"] == [1]
    assert answer["audit"]["code"] == "audit.full" and answer["audit"]["seq"] == 1
    assert _province_entries(server, a.station_id) == []
    report = a.sync()
    assert report.ok and report.audit_pushed == 1 and report.audit_refused is None
    assert _province_entries(server, a.station_id) == _station_entries(a)
