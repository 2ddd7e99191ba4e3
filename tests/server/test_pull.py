"""Pull: paged feed by server sequence, exactly once across pages while pushes run; digest, resync, epoch."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from typing import Any

from province_server.exchange import digest_of
from tests.server.client import Station, change, new_person
from tests.support.server import RunningServer


def test_pages_exactly_once_while_pushing(server: RunningServer, new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    writers = [Station.enroll(server, commune, f"W{i}") for i in range(3)]
    reader = Station.enroll(server, commune, "R")
    made: list[tuple[str, int]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(station: Station) -> None:
        s = Station(server, station.station_id, commune, station.token)
        ids: list[str] = []
        for round_ in range(8):
            batch = [new_person() for _ in range(6)]
            # also edit a record made earlier, so records get several versions
            if ids:
                batch.append(change("person", ids[round_ % len(ids)], {"note": f"r{round_}"}, 1))
            res = s.push(batch)
            with lock:
                for c, r in zip(batch, res, strict=True):
                    assert isinstance(r, int), r
                    made.append((c["id"], r))
            ids += [c["id"] for c in batch if c["base_version"] == 0]

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    seen: list[tuple[str, int]] = []
    seqs: list[int] = []

    def read_pages() -> None:
        page = reader.sync(limit=7)
        assert page["cursor"] >= reader.cursor
        reader.cursor = page["cursor"]
        for e in page["feed"]:
            seen.append((e["id"], e["version"]))
            seqs.append(e["seq"])

    while any(t.is_alive() for t in threads):
        read_pages()
    for t in threads:
        t.join()
    stop.set()
    while True:  # drain to the head
        before = reader.cursor
        read_pages()
        if reader.cursor == before:
            break
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert sorted(seen) == sorted(made)  # every version exactly once, none skipped, none twice
    assert len(made) == 3 * (6 + 7 * 7)


def test_own_changes_left_out_unless_resync(server: RunningServer, new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    a, b = Station.enroll(server, commune), Station.enroll(server, commune)
    mine, theirs = new_person(), new_person()
    a.push([mine])
    b.push([theirs])
    assert [e["id"] for e in a.pull_all()] == [theirs["id"]]
    # a resync from 0 returns the whole scope, own records included
    a.cursor = 0
    assert sorted(e["id"] for e in a.pull_all(resync=True)) == sorted([mine["id"], theirs["id"]])


def test_other_commune_never_in_feed(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a, b = Station.enroll(server, new_commune()), Station.enroll(server, new_commune())
    b.push([new_person() for _ in range(3)])
    a.cursor = 0
    assert a.pull_all(resync=True) == []


def test_noop_sync_is_one_small_request(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    a.push([new_person()])
    a.pull_all()
    body = {"protocol": 1, "epoch": a.epoch, "cursor": a.cursor, "changes": []}
    r = a.post("/v1/sync", body)
    assert r.status_code == 200
    data = r.json()
    assert data["feed"] == [] and data["results"] == [] and data["more"] is False
    assert data["cursor"] == a.cursor == data["head"] and data["epoch"] == a.epoch
    request_bytes = len(r.request.body or b"") + sum(len(k) + len(v) + 4 for k, v in r.request.headers.items())
    response_bytes = len(r.content) + sum(len(k) + len(v) + 4 for k, v in r.headers.items())
    assert request_bytes + response_bytes < 2048, (request_bytes, response_bytes)


def test_gzip_both_ways(server: RunningServer, new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    a, b = Station.enroll(server, commune), Station.enroll(server, commune)
    batch = [new_person() for _ in range(50)]
    r = a.post("/v1/sync", {"cursor": 0, "changes": batch}, gzip_body=True)
    assert r.status_code == 200 and r.json()["results"] == [1] * 50
    r = b.post("/v1/sync", {"cursor": 0}, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers.get("Content-Encoding") == "gzip"
    raw = r.raw.read(decode_content=False)
    plain = gzip.decompress(raw)
    assert len(raw) < len(plain) / 2
    assert len(json.loads(plain)["feed"]) == 50


def _digest(entries: list[dict[str, Any]]) -> dict[str, Any]:
    latest: dict[tuple[str, str], int] = {}
    for e in entries:
        latest[(e["kind"], e["id"])] = max(e["version"], latest.get((e["kind"], e["id"]), 0))
    count, total = digest_of([(k, i, v) for (k, i), v in latest.items()])
    return {"count": count, "sum": total}


def test_digest_match_and_mismatch(server: RunningServer, new_commune: Callable[[], str]) -> None:
    commune = new_commune()
    a, b = Station.enroll(server, commune), Station.enroll(server, commune)
    batch = [new_person() for _ in range(4)]
    a.push(batch)
    a.push([change("person", batch[0]["id"], {"note": "x"}, 1),
            change("person", batch[1]["id"], {}, 1, op="delete")])
    entries = b.pull_all()
    assert b.sync(digest=_digest(entries))["digest"] == "match"
    assert b.sync(digest=_digest(entries[:-1]))["digest"] == "mismatch"
    # not at the head: the comparison is skipped, not guessed
    assert b.sync(cursor=0, limit=1, digest=_digest(entries))["digest"] == "skipped"


def test_cursor_ahead_is_409_and_nothing_applied(server: RunningServer, new_commune: Callable[[], str]) -> None:
    a = Station.enroll(server, new_commune())
    c = new_person()
    data = a.sync([c], cursor=10**9, expect=409)
    assert data["code"] == "cursor.ahead" and data["vi"] and data["en"]
    assert server.admin_get_record("person", c["id"]) is None
