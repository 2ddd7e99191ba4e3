"""Changes per request: a station fills a request up to the province's limit (2,000), and facing an older
province (500) it takes the ``limit`` the 413 names at once instead of halving its way down."""

from __future__ import annotations

import re
from pathlib import Path

from station_client.sync.client import Timeouts
from station_client.sync.engine import EngineConfig

from .conftest import add_people, assert_converged, make_station
from .netproxy import FaultProxy

LINK = Timeouts(connect=2.0, read=60.0)  # the app's read timeout: a 2,000-change push takes a moment to apply
# Ordinary exchanges only: an older province never offers streams, and a backlog streams otherwise
# (tests/sync/test_stream.py).
EXCHANGES = EngineConfig(max_attempts=2, backoff_base=0.01, stream_frames=1)


def _declared_length(head: bytes) -> int:
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    return int(m.group(1)) if m else 0


def test_an_older_provinces_limit_is_taken_at_once(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    assert a.sync().ok  # the first pull is behind it: the next requests are pushes
    with a.open() as store:
        add_people(store, 1200, seed=91)
    pushes: list[int] = []

    def older_province(head: bytes) -> str:
        if b"/v1/sync" not in head:
            return "pass"
        pushes.append(_declared_length(head))
        # The first push carries the whole backlog (1,200 changes, far more bytes than any 500-change one):
        # an older province refuses it, naming its limit.
        return "413_limit_500" if len(pushes) == 1 else "pass"

    proxy = FaultProxy(server.port, older_province)
    a.route_via(proxy.url)
    try:
        report = a.sync(config=EXCHANGES, timeouts=LINK)
    finally:
        proxy.close()
    assert report.ok and report.applied.acked == 1200
    # refused once, then 500 + 500 + 200: the limit taken at once (halving would send 600 + 600)
    assert len(pushes) == 4 and report.requests == 4, (pushes, report.summary())
    assert_converged(a)


def test_a_backlog_fills_requests_to_the_provinces_limit(tmp_path: Path, server) -> None:
    a = make_station(tmp_path, server, "a")
    assert a.sync().ok
    with a.open() as store:
        add_people(store, 2500, seed=92)
    report = a.sync(config=EXCHANGES, timeouts=LINK)
    assert report.ok and report.applied.acked == 2500
    assert report.requests == 2, report.summary()  # 2,000 + 500
    assert_converged(a)
