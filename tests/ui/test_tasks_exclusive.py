"""``Tasks.exclusive``: the operation runs with no connection of the app open on the file (what a re-key under
the running app needs); a read already running finishes first, reads asked meanwhile wait and then reopen."""

from __future__ import annotations

import threading
from pathlib import Path

from station_client.store import Store
from station_client.ui.tasks import Tasks


def test_exclusive_runs_with_no_connection_open_and_holds_reads_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "station.db"
    Store.open(db).close()
    tasks = Tasks(db)
    try:
        tasks.open_store()
        release = threading.Event()
        started = threading.Event()
        order: list[str] = []

        def slow_read(conn):  # type: ignore[no-untyped-def]
            started.set()
            release.wait(10)
            order.append("slow read")
            return conn.execute("SELECT 1").fetchone()[0]

        tasks.run(slow_read)
        assert started.wait(10)
        seen: dict[str, object] = {}

        def op() -> str:
            seen["store"] = tasks._store
            seen["readers"] = list(tasks._reader_conns)
            order.append("exclusive")
            return "done"

        results: list[object] = []
        tasks.exclusive(op, results.append)
        qtbot.wait(50)
        tasks.run(lambda conn: order.append("later read") or conn.execute("SELECT 2").fetchone()[0], results.append)
        qtbot.wait(50)
        assert order == []  # the exclusive op waits for the running read; the later read waits for it
        release.set()
        qtbot.waitUntil(lambda: len(results) == 2)
        assert order == ["slow read", "exclusive", "later read"]
        assert sorted(map(str, results)) == ["2", "done"]  # delivered in either order
        assert seen == {"store": None, "readers": []}
        assert tasks._store is not None  # opened again after it
    finally:
        tasks.close()
