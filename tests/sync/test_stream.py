"""The streamed exchange (docs/sync-protocol.md, "Streamed exchange"): a station with more changes waiting than a
frame sends them as one ``POST /v1/sync/stream``; the province applies each frame as it arrives, and what lands is
exactly what the same frames sent one exchange after another would have left, audit trail included."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from pathlib import Path

from station_client.domain.registry import get_kind
from station_client.store import sync_ops as ops
from station_client.store.sync_ops import audit_push
from station_client.sync.enroll import build_engine

from .conftest import FAST, add_people, make_station

PERSON = get_kind("person").table
STREAMING = dataclasses.replace(FAST, stream_frame=4, stream_frames=10)
COLUMNS = audit_push.AUDIT_COLUMNS


def _province(server, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(server.db_url[len("sqlite:///"):])
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _stream_requests(server) -> int:
    return server.log_path.read_text(errors="replace").count('"path": "/v1/sync/stream"')


def test_many_waiting_changes_go_as_one_stream_and_land_as_exchanges_would(tmp_path: Path, server) -> None:
    server.quiet = False  # with request logs, to count the streams
    server.restart()
    a = make_station(tmp_path, server, "a")
    assert a.sync(STREAMING).ok  # learns that the province takes streams (nothing to send yet)
    with a.open() as store:
        ids = add_people(store, 15, seed=31)
        with store.acting_as_system("test"):
            store.audit_event("station", "st-1", "test.event")  # an entry with no change to ride on
        store.update("person", ids[0], {"occupation": "Kỹ sư"}, officer="t")  # folds into its create
        store.delete("person", ids[1], officer="t")  # a change of its own, in a later frame than its create
        ops.take_batch(store, 2)  # sent once, answer lost: the stream sends them again
    report = a.sync(STREAMING)
    assert report.ok and report.applied.acked == 16 and report.requests == 1, report.summary()
    assert _stream_requests(server) == 1
    with a.open() as store:
        assert ops.pending_count(store) == 0
        assert ops.audit_pushed(store) == store.conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
        station_entries = [tuple(r) for r in store.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit ORDER BY seq")]
    # Every entry rode compact or whole in its frame, stored exactly; the chain verifies at the province.
    assert _province(server, f"SELECT {', '.join(COLUMNS)} FROM audit_entries WHERE station_id = ? ORDER BY seq",
                     a.station_id) == station_entries
    run = server.cli("audit", "verify", "--station", a.station_id, "--json", check=False)
    assert run.returncode == 0 and json.loads(run.stdout)["entries"] == len(station_entries)
    live = _province(server, "SELECT id FROM records WHERE kind = 'person' AND deleted = 0")
    assert sorted(r[0] for r in live) == sorted(ids[:1] + ids[2:])

    # Another station pulls the same state the ordinary way.
    b = make_station(tmp_path, server, "b")
    assert b.sync(STREAMING).ok
    with b.open() as store:
        assert sorted(r[0] for r in store.conn.execute(f"SELECT id FROM {PERSON} WHERE deleted = 0")) == \
            sorted(ids[:1] + ids[2:])
        assert store.get("person", ids[0])["occupation"] == "Kỹ sư"


def test_a_frame_the_province_cannot_read_stops_the_stream_after_the_frames_before_it(tmp_path: Path,
                                                                                       server) -> None:
    a = make_station(tmp_path, server, "a")
    assert a.sync(STREAMING).ok
    with a.open() as store:
        add_people(store, 6, seed=32)
        pos = ops.position(store)
        changes = [c.wire(pos.epoch) for c in ops.take_batch(store, 10)]
        client = build_engine(store).client
    first = {"protocol": 1, "epoch": pos.epoch, "cursor": pos.cursor, "changes": changes[:3]}
    broken = {"protocol": 2, "epoch": pos.epoch, "cursor": pos.cursor, "changes": changes[3:]}
    try:
        answer = client.exchange_stream([first, broken])
        assert len(answer["frames"]) == 1 and answer["stopped"]["code"] == "body.invalid"
        assert answer["stopped"]["status"] == 422 and answer["stopped"]["frame"] == 1
        assert [r if isinstance(r, int) else r.get("status") for r in answer["frames"][0]["results"]] == [1, 1, 1]
        # The same stream again (a retry after a lost answer): the first frame is answered, applied once.
        again = client.exchange_stream([first, broken])
        assert [r["status"] for r in again["frames"][0]["results"]] == ["duplicate"] * 3
    finally:
        client.close()
    assert len(_province(server, "SELECT id FROM records WHERE kind = 'person'")) == 3
    # The station itself, which never saw those answers, sends all six and ends with each once at the province.
    report = a.sync(STREAMING)
    assert report.ok, report.summary()
    assert len(_province(server, "SELECT id FROM records WHERE kind = 'person'")) == 6
    assert len(_province(server, "SELECT change_id FROM applied_changes")) == 6



def test_a_newer_edit_held_in_a_stream_stays_behind_its_older_replay(tmp_path: Path, server) -> None:
    """After a restore, B's old note edit (a replay) waits for A's version, and B's newer note edit waits behind
    it (both parked at the province, in that order). B then streams both in separate frames: the province judges
    the replay again (it waits again) and holds the newer edit without judging it. The replay must keep its place
    in the queue, or the drain would apply the newer edit first and the older one over it (bench/soak.py seed
    7201: an officer's last edit lost)."""
    from .test_restore_recovery import _clean_sync, _province, restore_under_bs_note

    one_a_frame = dataclasses.replace(FAST, stream_frame=1, stream_frames=10)
    a, b, rid = restore_under_bs_note(tmp_path, server, seed=1213)
    with b.open() as store:
        store.update("person", rid, {"note": "mới"}, officer="b")
    assert _clean_sync(b).deferred == 2  # the old note waits for A's version 2, the new one behind it
    report = b.sync(one_a_frame)
    assert report.ok and report.streams == 1 and report.applied.deferred == 2, report.summary()
    _clean_sync(a)  # A's version 2 arrives: B's waiting changes go in the order B made them
    assert _province(server)[("person", rid)][2]["note"] == "mới"
    _clean_sync(b)
    assert _province(server)[("person", rid)][2] | {"occupation": "Bộ đội", "note": "mới"} == \
        _province(server)[("person", rid)][2]


def test_a_stream_cut_mid_way_keeps_the_frames_applied_before_the_cut(server) -> None:
    """The link breaks while the station is still sending: the frames that arrived whole are applied (the station
    sends them again and hears ``duplicate``), the server logs a disconnected request, not an error."""
    import socket

    from station_client.sync.codings import encode_lines
    from tests.server.client import new_person

    server.quiet = False
    server.restart()
    st = server.enroll("07069", "cut")
    first, second = [new_person() for _ in range(3)], [new_person() for _ in range(3)]
    chunks = list(encode_lines([json.dumps({"cursor": 0, "changes": c}).encode() + b"\n" for c in (first, second)],
                               True))
    head = (f"POST /v1/sync/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {st['token']}\r\n"
            "Content-Type: application/x-ndjson\r\nContent-Encoding: zstd\r\nTransfer-Encoding: chunked\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head.encode() + f"{len(chunks[0]):x}\r\n".encode() + chunks[0] + b"\r\n")
        sock.sendall(f"{len(chunks[1]):x}\r\n".encode() + chunks[1][: len(chunks[1]) // 2])
        deadline = time.monotonic() + 10
        while len(_province(server, "SELECT id FROM records WHERE kind = 'person'")) < 3:
            assert time.monotonic() < deadline, "the first frame was not applied"
            time.sleep(0.05)
    time.sleep(0.5)
    held = {r[0] for r in _province(server, "SELECT id FROM records WHERE kind = 'person'")}
    assert held == {p["id"] for p in first}
    log = server.log_path.read_text(errors="replace")
    assert '"event": "error"' not in log
    assert server.session.get(server.url + "/healthz", timeout=5).status_code == 200
