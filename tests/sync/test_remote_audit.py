"""Remote audit entries rebuilt by the province (docs/sync-protocol.md, "Remote entries"): the entries a station
writes when it applies pulled states ride compact, as a reference to the feed entry, and the province rebuilds them
from its own history, storing exactly what the station wrote; what it cannot rebuild goes whole, and tampering is
named exactly as before."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station_client.store import Store
from station_client.store import sync_ops as ops
from station_client.store.sync_ops import audit_push
from station_client.sync.engine import SyncReport
from station_client.sync.enroll import build_engine

from .conftest import FAST, FAST_TIMEOUTS, Station, add_people, make_station

COLUMNS = audit_push.AUDIT_COLUMNS


def _province_entries(server, station_id: str) -> list[tuple]:
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    try:
        return conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_entries WHERE station_id = ? ORDER BY seq",
                            (station_id,)).fetchall()
    finally:
        conn.close()


def _station_entries(station: Station) -> list[tuple]:
    with station.open() as store:
        return [tuple(r) for r in store.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit ORDER BY seq")]


def _verify(server, station_id: str) -> tuple[int, dict]:
    run = server.cli("audit", "verify", "--station", station_id, "--json", check=False)
    return run.returncode, json.loads(run.stdout)


class Recorded:
    """One real cycle of the engine, every request going to the real province; the bodies and answers are kept."""

    def __init__(self) -> None:
        self.exchanges: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self.audit_posts: list[list[dict[str, Any]]] = []

    def run(self, station: Station, *, answer_filter: Callable[[dict[str, Any]], None] | None = None,
            store: Store | None = None) -> SyncReport:
        if store is None:  # a process of its own: the references of earlier pulls are gone
            with station.open() as own:
                return self.run(station, answer_filter=answer_filter, store=own)
        engine = build_engine(store, config=FAST, timeouts=FAST_TIMEOUTS)
        exchange, push_audit = engine.client.exchange, engine.client.push_audit

        def recorded_exchange(body: dict[str, Any]) -> dict[str, Any]:
            self.exchanges.append(json.loads(json.dumps(body)))
            answer = exchange(body)
            if answer_filter is not None:
                answer_filter(answer)
            self.answers.append(answer)
            return answer

        def recorded_push(entries: list[dict[str, Any]]) -> dict[str, Any]:
            self.audit_posts.append(entries)
            return push_audit(entries)

        engine.client.exchange = recorded_exchange  # type: ignore[method-assign]
        engine.client.push_audit = recorded_push  # type: ignore[method-assign]
        try:
            return engine.run_once()
        finally:
            engine.client.close()

    def items(self) -> list[Any]:
        return [e for body in self.exchanges if "audit" in body for e in body["audit"]["entries"]]

    def remote_items(self) -> list[list[Any]]:
        return [e for e in self.items() if isinstance(e, list) and e and e[0] == "r"]


def _pulled_commune(tmp_path: Path, server, n: int, seed: int) -> tuple[Station, Station, list[str]]:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        ids = add_people(store, n, seed=seed)
    assert a.sync_until_clean().ok
    return a, make_station(tmp_path, server, "b"), ids


def test_a_first_pull_sends_its_remote_entries_compact(tmp_path: Path, server) -> None:
    # 1,200 residents: three feed pages of 500 (FAST), so the entries ride in the exchanges after each page and,
    # the last page's, in one more exchange at the end of the cycle.
    a, b, ids = _pulled_commune(tmp_path, server, 1200, seed=301)
    with a.open() as store:
        store.delete("person", ids[0], officer="t")  # a tombstone in the feed too
    assert a.sync_until_clean().ok
    run = Recorded()
    report = run.run(b)
    assert report.ok and report.audit_refused is None
    with b.open() as store:
        remote = store.conn.execute("SELECT count(*) FROM audit WHERE action = 'remote'").fetchone()[0]
        # The feed holds every version: the deleted resident is created, then deleted.
        assert remote == 1201 and ops.audit_pushed(store) == len(_station_entries(b))
    assert len(run.remote_items()) == 1201  # every one compact, none whole
    assert run.audit_posts == []  # nothing left for POST /v1/audit
    assert all(isinstance(a.get("audit"), dict) and "code" not in a["audit"] for a in run.answers[1:])
    # Steps in feed order: after the first, one feed seq and a few milliseconds each.
    assert all(item[1] >= 1 for item in run.remote_items())
    assert _province_entries(server, b.station_id) == _station_entries(b)  # byte for byte
    code, result = _verify(server, b.station_id)
    assert code == 0 and result["entries"] == len(_station_entries(b))


def test_pulled_edits_ride_compact_from_the_state_held_before(tmp_path: Path, server) -> None:
    a, b, ids = _pulled_commune(tmp_path, server, 5, seed=302)
    assert b.sync().ok
    with a.open() as store:
        store.update("person", ids[1], {"phone": "0911222333"}, officer="t")
        store.update("person", ids[1], {"occupation": "Thợ may"}, officer="t")
        store.delete("person", ids[2], officer="t")
    assert a.sync_until_clean().ok
    run = Recorded()
    report = run.run(b)
    assert report.ok and report.audit_refused is None and report.audit_pushed == 2
    items = run.remote_items()
    assert len(items) == 2 and all(len(i) == 5 and i[4] >= 1 for i in items)  # rebuilt from versions before
    with b.open() as store:
        changes = [json.loads(r[0]) for r in store.conn.execute(
            "SELECT changes FROM audit WHERE action = 'remote' ORDER BY seq DESC LIMIT 2")]
    assert changes[0] == {"deleted": [False, True]} and set(changes[1]) == {"phone", "occupation"}
    assert _province_entries(server, b.station_id) == _station_entries(b)
    assert _verify(server, b.station_id)[0] == 0


def test_a_remote_entry_over_a_pending_local_change_goes_whole(tmp_path: Path, server) -> None:
    a, b, ids = _pulled_commune(tmp_path, server, 3, seed=303)
    assert b.sync().ok
    with b.open() as store:
        store.update("person", ids[0], {"phone": "0900000001"}, officer="t")  # pending at b
    with a.open() as store:
        store.update("person", ids[0], {"phone": "0900000002", "occupation": "Giáo viên"}, officer="t")
        store.update("person", ids[1], {"occupation": "Bác sĩ"}, officer="t")
    assert a.sync_until_clean().ok
    with b.open() as store:
        # The pull reaches b before its own change leaves (the engine pulls first while it resyncs, or an answer
        # bundle arrives): the province's phone is not taken, so the entry is not the province's diff.
        _pull_by_hand(store)
        pos = ops.position(store)
        changes = [c.wire(pos.epoch) for c in ops.take_batch(store, 50)]  # b's edit: its entry rides on it
        segment = audit_push.riding_segment(store, ops.audit_pushed(store), changes, 100, remote=True)
        assert segment is not None
        last_two = segment["entries"][-2:]
        # ids[0] (pending phone kept) whole; ids[1] (nothing pending) compact.
        assert isinstance(last_two[0], dict) and last_two[0]["record_id"] == ids[0]
        assert set(json.loads(last_two[0]["changes"])) == {"occupation"}  # the province's phone not taken
        assert isinstance(last_two[1], list) and last_two[1][0] == "r"
        run = Recorded()
        report = run.run(b, store=store)  # the same process: the pull's references still held
    assert ["r" if isinstance(i, list) else i["record_id"] for i in run.items()][-2:] == [ids[0], "r"]
    assert report.ok and report.audit_refused is None
    assert _province_entries(server, b.station_id) == _station_entries(b)
    assert _verify(server, b.station_id)[0] == 0


def _pull_by_hand(store: Store) -> None:
    """One exchange with the real province and its answer applied, as the engine does (so this process holds the
    pull's references), leaving the push to a later cycle of the same process."""
    pos = ops.position(store)
    engine = build_engine(store, config=FAST, timeouts=FAST_TIMEOUTS)
    try:
        answer = engine.client.exchange({"protocol": 1, "epoch": pos.epoch, "cursor": pos.cursor or 0,
                                         "changes": []})
    finally:
        engine.client.close()
    ops.apply_response(store, [], ops.Response(epoch=answer["epoch"], feed=answer["feed"], cursor=answer["cursor"],
                                               more=answer["more"]))


def test_a_tampered_remote_entry_is_named(tmp_path: Path, server) -> None:
    _a, b, _ids = _pulled_commune(tmp_path, server, 8, seed=304)
    run = Recorded()
    with b.open() as store:
        _pull_by_hand(store)
        # Between the pull that wrote the entries and the exchange that carries them: entry 5's values altered in
        # place (its hash kept, as a hand edit of the file would).
        store.conn.execute("UPDATE audit SET changes = replace(changes, '\"full_name\"', '\"fullname\"') "
                           "WHERE seq = 5")
        store.conn.commit()
        report = run.run(b, store=store)
    assert report.ok and report.audit_refused == "audit.hash"  # the records synced; the chain is refused
    # Entries 1-4 compact, the altered one whole (so that the province checks its hash as always).
    assert [i[0] if isinstance(i, list) else "whole" for i in run.items()][:5] == ["r"] * 4 + ["whole"]
    code, result = _verify(server, b.station_id)
    assert code == 1 and result["entries"] == 4
    assert result["first_broken"]["seq"] == 5 and result["first_broken"]["code"] == "audit.hash"


def test_a_rebuild_that_misses_is_asked_whole_and_stored(tmp_path: Path, server) -> None:
    """The province's rebuild does not give the station's entry (here the station's own copy of a pulled record
    was edited outside the program before the next pull): the run is asked for whole and stored as sent."""
    a, b, ids = _pulled_commune(tmp_path, server, 3, seed=305)
    assert b.sync().ok
    with b.open() as store:
        store.conn.execute("UPDATE persons SET occupation = 'ghi ngoài' WHERE id = ?", (ids[2],))
        store.conn.commit()
    with a.open() as store:
        store.update("person", ids[2], {"phone": "0933444555"}, officer="t")
    assert a.sync_until_clean().ok
    run = Recorded()
    report = run.run(b)
    assert report.ok and report.audit_refused is None and report.audit_pushed == 1
    assert len(run.remote_items()) == 1
    assert any(isinstance(a.get("audit"), dict) and a["audit"].get("code") == "audit.full" for a in run.answers)
    assert _province_entries(server, b.station_id) == _station_entries(b)
    assert _verify(server, b.station_id)[0] == 0


def test_an_older_province_gets_whole_entries(tmp_path: Path, server) -> None:
    """Migration: a province that rides entries on the changes but does not rebuild remote entries (the release
    before) never says ``audit_remote``: the station sends them whole, as before."""
    _a, b, _ids = _pulled_commune(tmp_path, server, 30, seed=306)
    run = Recorded()
    report = run.run(b, answer_filter=lambda answer: answer.pop("audit_remote", None))
    assert report.ok and report.audit_refused is None
    assert run.remote_items() == []
    whole = [e for e in run.items() if isinstance(e, dict)] + [e for post in run.audit_posts for e in post]
    assert len([e for e in whole if e["action"] == "remote"]) == 30
    with b.open() as store:
        assert ops.get_state(store, audit_push.AUDIT_REMOTE) is None
    assert _province_entries(server, b.station_id) == _station_entries(b)


def test_a_reference_outside_the_stations_scope_is_asked_whole(tmp_path: Path, server) -> None:
    """A compact remote entry may name only a state of the station's own scope: naming another commune's record
    (or a seq that does not exist) rebuilds nothing and tells nothing of it: ``audit.full``, as for any malformed
    compact entry, and nothing is stored."""
    other = make_station(tmp_path, server, "other", commune="07093")
    with other.open() as store:
        add_people(store, 1, seed=307)
    assert other.sync_until_clean().ok
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    try:
        foreign = conn.execute("SELECT max(seq) FROM history WHERE commune_code = '07093'").fetchone()[0]
    finally:
        conn.close()
    b = make_station(tmp_path, server, "b")
    with b.open() as store:
        add_people(store, 1, seed=308)
    assert b.sync_until_clean().ok
    with b.open() as store:
        pushed = ops.audit_pushed(store)
        pos = ops.position(store)
        engine = build_engine(store, config=FAST, timeouts=FAST_TIMEOUTS)
        try:
            for seq in (foreign, 10**9):
                answer = engine.client.exchange({
                    "protocol": 1, "epoch": pos.epoch, "cursor": pos.cursor or 0, "changes": [],
                    "audit": {"first": pushed + 1, "head": "a" * 64, "officers": ["sync"],
                              "entries": [["r", seq, 1796547600123, 0]]}})
                assert answer["audit"]["code"] == "audit.full" and answer["audit"]["seq"] == pushed + 1
                assert "07093" not in json.dumps(answer)
        finally:
            engine.client.close()
    assert len(_province_entries(server, b.station_id)) == pushed
