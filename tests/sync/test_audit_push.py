"""The station's tamper-evident audit trail reaches the province: pushed in order with its own cursor,
idempotent, verified on arrival; a hand-edited entry, a rewritten chain or an edit of the province's own copy is
refused or found, and ``province-server audit verify --station`` names the first broken entry."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from station_client.store import sync_ops as ops
from station_client.store.audit import verify as station_verify
from station_client.wire import GENESIS_HASH, audit_entry_hash

from .conftest import add_people, make_station


def _server_verify(server, station_id: str) -> tuple[int, dict]:
    run = server.cli("audit", "verify", "--station", station_id, "--json", check=False)
    return run.returncode, json.loads(run.stdout)


def _station_audit(station) -> list[sqlite3.Row]:
    with station.open() as store:
        return store.conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()


def test_audit_reaches_the_province_resumably_and_idempotently(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        ids = add_people(store, 5, seed=70)
    first = a.sync()
    assert first.ok and first.audit_pushed == 5 and first.audit_refused is None
    server.admin_put_record("person", ids[0], {"note": "tỉnh sửa"})
    with a.open() as store:
        store.update("person", ids[1], {"occupation": "Kỹ sư"}, officer="t")
    second = a.sync()  # one update and the pulled province edit ('remote' entry): only those two are sent
    assert second.ok and second.audit_pushed == 2
    noop = a.sync()
    assert noop.ok and noop.requests == 1 and noop.audit_pushed == 0
    code, report = _server_verify(server, a.station_id)
    assert code == 0 and report["entries"] == len(_station_audit(a)) == 7 and report["first_broken"] is None
    # A lost acknowledgement: the station sends everything again; the province takes it as the same entries.
    with a.open() as store:
        ops.set_state(store, {ops.AUDIT_PUSHED: "0"})
    again = a.sync()
    assert again.ok and again.audit_pushed == 0 and again.audit_refused is None
    with a.open() as store:
        assert ops.audit_pushed(store) == 7
    assert _server_verify(server, a.station_id)[1]["entries"] == 7


def test_hand_edited_entry_is_refused_on_arrival_and_named(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 3, seed=71)
    assert a.sync().audit_pushed == 3
    with a.open() as store:
        add_people(store, 2, seed=72)  # entries 4 and 5, not pushed yet
        store.conn.execute("UPDATE audit SET officer = 'someone-else' WHERE seq = 4")  # the hand edit
        store.conn.commit()
        assert station_verify(store.conn).first_broken.audit_seq == 4  # the station sees it too
    report = a.sync()
    assert report.ok  # the records still sync; the audit chain is refused, not the station's work
    assert report.audit_refused == "audit.hash"
    code, result = _server_verify(server, a.station_id)
    assert code == 1 and result["entries"] == 3
    assert result["first_broken"]["seq"] == 4 and result["first_broken"]["code"] == "audit.hash"
    assert a.sync().audit_refused == "audit.hash"  # not pushed again and again, still reported
    lines = server.log_path.read_text()
    assert '"event": "audit.refused"' in lines and "someone-else" not in lines


def test_rewritten_chain_is_refused_and_named(tmp_path: Path, server) -> None:
    """A forger who edits an entry and recomputes every later hash passes the station's own check; the
    province already holds the original entries, so the rewrite cannot replace them."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 4, seed=73)
    assert a.sync().audit_pushed == 4
    with a.open() as store:
        rows = store.conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
        prev = rows[1]["hash"]
        for row in rows[2:]:  # rewrite entries 3 and 4
            officer = "forger" if row["seq"] == 3 else row["officer"]
            h = audit_entry_hash(prev, row["at"], officer, row["kind"], row["record_id"], row["action"],
                                 row["changes"], row["change_id"], row["record_hash"])
            store.conn.execute("UPDATE audit SET officer = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                               (officer, prev, h, row["seq"]))
            prev = h
        store.conn.commit()
        assert station_verify(store.conn).ok  # the rewrite is consistent locally
        ops.set_state(store, {ops.AUDIT_PUSHED: "2"})  # and the forger makes the station send it again
    report = a.sync()
    assert report.audit_refused == "audit.rewritten"
    code, result = _server_verify(server, a.station_id)
    assert code == 1 and result["first_broken"]["seq"] == 3 and result["first_broken"]["code"] == "audit.rewritten"
    assert result["entries"] == 4  # the original entries stay as they were


def test_edit_of_the_provinces_copy_is_found(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 3, seed=74)
    assert a.sync().audit_pushed == 3
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    try:
        conn.execute("UPDATE audit_entries SET officer = 'x' WHERE station_id = ? AND seq = 2", (a.station_id,))
        conn.commit()
    finally:
        conn.close()
    code, result = _server_verify(server, a.station_id)
    assert code == 1 and result["first_broken"]["seq"] == 2 and result["first_broken"]["code"] == "audit.hash"
    assert GENESIS_HASH == "0" * 64


def test_province_holding_less_gets_the_missing_entries_again(tmp_path: Path, server) -> None:
    """The province's copy lost its latest entries (restored from an older backup): the station's next push is
    answered audit.gap, and it resends from what the province still has."""
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 4, seed=75)
    assert a.sync().audit_pushed == 4
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    try:
        conn.execute("DELETE FROM audit_entries WHERE station_id = ? AND seq > 2", (a.station_id,))
        conn.commit()
    finally:
        conn.close()
    with a.open() as store:
        add_people(store, 1, seed=76)
    report = a.sync()
    assert report.ok and report.audit_refused is None and report.audit_pushed == 3  # entries 3, 4 and the new 5
    code, result = _server_verify(server, a.station_id)
    assert code == 0 and result["entries"] == 5


def test_audit_travels_in_offline_bundles(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "remote")
    with a.open() as store:
        add_people(store, 3, seed=77)
    bundle, answer = tmp_path / "to-province.json", tmp_path / "answer.json"
    assert a.cli("sync", "export-bundle", str(bundle)).returncode == 0
    assert len(json.loads(bundle.read_text(encoding="utf-8"))["audit"]) == 3  # signed with the changes
    done = server.cli("import-bundle", str(bundle), "--out", str(answer), check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(answer.read_text(encoding="utf-8"))["audit"]["last_seq"] == 3
    code, result = _server_verify(server, a.station_id)
    assert code == 0 and result["entries"] == 3
    ok = a.cli("sync", "import-answer", str(answer))
    assert ok.returncode == 0, ok.stderr
    with a.open() as store:
        assert ops.audit_pushed(store) == 3
    # Back online later: only what came after the bundle is pushed.
    with a.open() as store:
        add_people(store, 1, seed=78)
    report = a.sync()
    assert report.ok and report.audit_pushed == 1 and report.audit_refused is None


def test_a_long_audit_history_ships_over_several_cycles(tmp_path: Path, server) -> None:
    """A bounded number of audit batches per cycle: new records never wait behind hours of history."""
    from dataclasses import replace

    from .conftest import FAST

    config = replace(FAST, audit_batch=5, audit_batches_per_cycle=2)
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 23, seed=72)
    pushed = [a.sync(config=config).audit_pushed for _ in range(4)]
    assert pushed == [10, 10, 3, 0]
    code, report = _server_verify(server, a.station_id)
    assert code == 0 and report["entries"] == 23
