"""The server tier scaled out: ``province-server serve --workers N`` (N = 2 and 4 real processes behind one port,
real HTTP on 127.0.0.1, one real PostgreSQL) keeps every sync guarantee.

- Duplicate pushes of the same changes, sent at once on separate connections (so different workers take them),
  are applied once: one answer applies each change, every other one is ``duplicate`` of the same version. The
  same for duplicate streamed exchanges (``POST /v1/sync/stream``), frame by frame.
- Cursors only move forward and no feed entry is skipped or repeated while writers and readers run concurrently
  on different workers, also while pushes of several communes apply side by side (the feed's ``seq`` is
  assigned in commit order under the sequence lock).
- A revocation is effective at once on every worker (each had the token in its cache).

Which worker answered is read from the request log (``pid``), so the test proves the requests were spread.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.server.client import change, new_person
from tests.support.postgres import PostgresCluster
from tests.support.server import RunningServer, start_server

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module", params=[2, 4], ids=lambda n: f"workers{n}")
def workers_server(request: pytest.FixtureRequest, pg_cluster: PostgresCluster,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = start_server(tmp_path_factory.mktemp("workers"), pg_cluster.new_database(), workers=request.param)
    yield srv
    srv.stop()


def _post(url: str, token: str, body: dict[str, Any]) -> requests.Response:
    """A request on a connection of its own: the kernel hands each new connection to any worker."""
    with requests.Session() as s:
        return s.post(url + "/v1/sync", data=json.dumps(body), timeout=60,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                               "Connection": "close"})


def _log(server: RunningServer) -> list[dict[str, Any]]:
    return [json.loads(x) for x in server.log_path.read_text().splitlines() if x.startswith('{"ts"')]


def _pids(server: RunningServer, station_id: str, path: str, status: int | None = None,
          expect: int = 0) -> set[int]:
    """Worker pids whose log lines show this station's requests (waits briefly: lines are written after the
    answer)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [e for e in _log(server) if e["station"] == station_id and e["path"] == path
                 and (status is None or e["status"] == status)]
        if len(lines) >= expect or time.monotonic() > deadline:
            return {int(e["pid"]) for e in lines}
        time.sleep(0.05)


def _concurrently(n: int, fn: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_duplicate_pushes_on_different_workers_apply_once(workers_server: RunningServer,
                                                          new_commune: Callable[[], str]) -> None:
    srv = workers_server
    commune = new_commune()
    a, b = srv.enroll(commune, "a"), srv.enroll(commune, "b")
    creates = [new_person() for _ in range(30)]
    edits = [change("person", c["id"], {"note": f"sửa {i}"}, base_version=1) for i, c in enumerate(creates)]
    senders = 4 * srv.workers  # type: ignore[operator]
    for batch, version in ((creates, 1), (edits, 2)):
        # The kernel hands connections to whichever worker accepts first, and one may take a whole burst: send
        # bursts of the same batch until at least two workers answered it (every burst is more duplicates).
        logged = len(_log(srv))
        answers: list[requests.Response] = []
        for _burst in range(8):
            answers += _concurrently(senders, lambda _i, batch=batch: _post(
                srv.url, a["token"], {"cursor": 0, "changes": batch, "limit": 1}))
            time.sleep(0.2)  # log lines follow the answers
            lines = [e for e in _log(srv)[logged:] if e["station"] == a["station_id"] and e["path"] == "/v1/sync"]
            if len({e["pid"] for e in lines}) >= 2:
                break
        assert len({e["pid"] for e in lines}) >= 2, "every burst went to one worker"
        assert all(r.status_code == 200 for r in answers), [r.text for r in answers if r.status_code != 200]
        for i in range(len(batch)):
            results = [r.json()["results"][i] for r in answers]
            applied = [x for x in results if isinstance(x, int)]
            dups = [x for x in results if isinstance(x, dict)]
            assert applied == [version], (i, results)  # one answer applied it, at the expected version
            assert all(d["status"] == "duplicate" and d["version"] == version for d in dups), dups
    # The other station of the commune sees each record's two versions once each, and nothing else.
    page = _post(srv.url, b["token"], {"cursor": 0, "changes": [], "limit": 5000}).json()
    seen = sorted((e["id"], e["version"]) for e in page["feed"] if e["kind"] == "person")
    assert seen == sorted([(c["id"], 1) for c in creates] + [(c["id"], 2) for c in creates])
    for c in creates:
        assert srv.admin_get_record("person", c["id"])["version"] == 2  # type: ignore[index]


def test_cursors_monotonic_no_entry_skipped_or_repeated(workers_server: RunningServer,
                                                        new_commune: Callable[[], str]) -> None:
    """Writers of three communes at once (two in the first, so pushes queue for a commune's lock too) and a
    reader per commune. Pushes of different communes apply side by side and take the sequence lock only to
    insert their history and commit: a reader must still never pass a seq that commits later."""
    srv = workers_server
    communes = [new_commune() for _ in range(3)]
    writers = [(c, srv.enroll(c, f"w{i}")) for i, c in enumerate([communes[0], *communes])]
    readers = [(c, srv.enroll(c, f"r{i}")) for i, c in enumerate(communes)]
    written: dict[str, list[tuple[str, int]]] = {c: [] for c in communes}  # (record id, version) applied
    lock = threading.Lock()
    done = threading.Event()
    problems: list[str] = []

    def write(commune: str, w: dict[str, Any]) -> None:
        own: dict[str, int] = {}
        for round_ in range(8):
            batch = [new_person() for _ in range(6)]
            batch += [change("person", rid, {"note": f"{round_}"}, base_version=v) for rid, v in list(own.items())[:4]]
            r = _post(srv.url, w["token"], {"cursor": 0, "changes": batch, "limit": 1})
            if r.status_code != 200:
                problems.append(f"writer {r.status_code} {r.text[:200]}")
                return
            for ch, result in zip(batch, r.json()["results"], strict=True):
                if not isinstance(result, int):
                    problems.append(f"not applied: {result}")
                    continue
                own[ch["id"]] = result
                with lock:
                    written[commune].append((ch["id"], result))

    def read(rd: dict[str, Any]) -> list[tuple[str, int]]:
        cursor, got = 0, []
        while True:
            finishing = done.is_set()  # read before the request: a drain after the last write sees it all
            r = _post(srv.url, rd["token"], {"cursor": cursor, "changes": [], "limit": 7})
            if r.status_code != 200:
                problems.append(f"reader {r.status_code} {r.text[:200]}")
                return got
            page = r.json()
            seqs = [e["seq"] for e in page["feed"]]
            if seqs != sorted(set(seqs)) or any(s <= cursor or s > page["cursor"] for s in seqs):
                problems.append(f"feed out of order: cursor {cursor} -> {page['cursor']}, seqs {seqs}")
            if page["cursor"] < cursor:
                problems.append(f"cursor went back: {cursor} -> {page['cursor']}")
            cursor = page["cursor"]
            got += [(e["id"], e["version"]) for e in page["feed"] if e["kind"] == "person"]
            if finishing and not page["more"]:
                return got

    with ThreadPoolExecutor(len(writers) + len(readers)) as pool:
        reads = [(c, pool.submit(read, rd)) for c, rd in readers]
        for f in [pool.submit(write, c, w) for c, w in writers]:
            f.result()
        done.set()
        seen = [(c, f.result()) for c, f in reads]
    assert not problems, problems[:5]
    per_writer = 8 * 6 + 7 * 4
    assert [len(written[c]) for c in communes] == [2 * per_writer, per_writer, per_writer]
    for commune, got in seen:
        assert len(got) == len(set(got)), "an entry was delivered twice"
        assert set(got) == set(written[commune]), "an entry was skipped"
    pids = set().union(*(_pids(srv, rd["station_id"], "/v1/sync") for _c, rd in readers))
    assert len(pids) >= 2


def test_revocation_effective_at_once_on_every_worker(workers_server: RunningServer,
                                                      new_commune: Callable[[], str]) -> None:
    srv = workers_server
    n = srv.workers
    assert n is not None
    station = srv.enroll(new_commune(), "revoked")
    token, sid = station["token"], station["station_id"]

    def whoami(_i: int) -> int:
        with requests.Session() as s:
            return s.get(srv.url + "/v1/whoami", headers={"Authorization": f"Bearer {token}",
                                                          "Connection": "close"}, timeout=30).status_code

    # Every worker answers this token at least once, so each holds it in its cache.
    for _ in range(40):
        assert set(_concurrently(2 * n, whoami)) == {200}
        if len(_pids(srv, sid, "/v1/whoami", 200)) == n:
            break
    served = _pids(srv, sid, "/v1/whoami", 200)
    assert len(served) == n, served
    since = time.time()
    srv.revoke(sid)  # through one worker

    def refused_by() -> set[int]:
        # a refused token is logged without a station id: the whoami 401s since the revocation are this one's
        return {int(e["pid"]) for e in _log(srv) if e["path"] == "/v1/whoami" and e["status"] == 401
                and e["ts"] >= since - 0.001}

    for _ in range(40):
        assert set(_concurrently(2 * n, whoami)) == {401}  # never a cached 200, on any worker
        time.sleep(0.1)  # log lines follow the answers
        if refused_by() >= served:
            break
    assert refused_by() >= served  # refused by every worker that had it cached
    # and a push of a revoked station applies nothing
    r = _post(srv.url, token, {"cursor": 0, "changes": [new_person()]})
    assert r.status_code == 401


def test_revocation_effective_at_once_on_another_host(workers_server: RunningServer, pg_cluster: PostgresCluster,
                                                      new_commune: Callable[[], str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Two servers over one PostgreSQL, as two hosts would be (each its own temp folder, so the same-host stamp
    file is not shared): a revocation made through one is refused at once by the other, whose workers had the
    token cached (the PostgreSQL notification, not the TTL)."""
    if workers_server.workers != 2:
        pytest.skip("one pair of hosts is enough")
    srv = workers_server
    other_tmp = tmp_path / "other-host-tmp"
    other_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(other_tmp))
    other = start_server(tmp_path, srv.db_url, workers=2)
    try:
        station = srv.enroll(new_commune(), "two hosts")
        headers = {"Authorization": f"Bearer {station['token']}", "Connection": "close"}

        def whoami(_i: int) -> int:
            with requests.Session() as s:
                return s.get(other.url + "/v1/whoami", headers=headers, timeout=30).status_code

        assert set(_concurrently(8, whoami)) == {200}  # cached in the other host's workers
        srv.revoke(station["station_id"])
        assert set(_concurrently(8, whoami)) == {401}
    finally:
        other.stop()


def _stream(url: str, token: str, frames: list[dict[str, Any]]) -> requests.Response:
    """A streamed exchange (POST /v1/sync/stream) on a connection of its own, zstd, chunked."""
    from station_client.sync.codings import encode_lines

    lines = [json.dumps(f).encode() + b"\n" for f in frames]
    with requests.Session() as s:
        return s.post(url + "/v1/sync/stream", data=encode_lines(lines, True), timeout=60,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson",
                               "Content-Encoding": "zstd", "Connection": "close"})


def test_duplicate_streams_on_different_workers_apply_once(workers_server: RunningServer,
                                                           new_commune: Callable[[], str]) -> None:
    """The same streamed exchange (creates in one frame, their edits in the next) sent at once on separate
    connections: each frame is applied once, whichever worker takes which stream and however they interleave."""
    srv = workers_server
    commune = new_commune()
    a, b = srv.enroll(commune, "a"), srv.enroll(commune, "b")
    creates = [new_person() for _ in range(30)]
    edits = [change("person", c["id"], {"note": f"sửa {i}"}, base_version=1) for i, c in enumerate(creates)]
    frames = [{"cursor": 0, "changes": creates, "limit": 1}, {"cursor": 0, "changes": edits, "limit": 1}]
    senders = 4 * srv.workers  # type: ignore[operator]
    logged = len(_log(srv))
    answers: list[requests.Response] = []
    for _burst in range(8):
        answers += _concurrently(senders, lambda _i: _stream(srv.url, a["token"], frames))
        time.sleep(0.2)
        lines = [e for e in _log(srv)[logged:] if e["station"] == a["station_id"] and e["path"] == "/v1/sync/stream"]
        if len({e["pid"] for e in lines}) >= 2:
            break
    assert len({e["pid"] for e in lines}) >= 2, "every burst went to one worker"
    assert all(r.status_code == 200 and "stopped" not in r.json() for r in answers), [r.text for r in answers]
    for f, version in ((0, 1), (1, 2)):
        for i in range(len(creates)):
            results = [r.json()["frames"][f]["results"][i] for r in answers]
            assert [x for x in results if isinstance(x, int)] == [version], (f, i, results)
            assert all(d["status"] == "duplicate" and d["version"] >= version for d in results
                       if isinstance(d, dict)), results
    page = _post(srv.url, b["token"], {"cursor": 0, "changes": [], "limit": 5000}).json()
    seen = sorted((e["id"], e["version"]) for e in page["feed"] if e["kind"] == "person")
    assert seen == sorted([(c["id"], 1) for c in creates] + [(c["id"], 2) for c in creates])
