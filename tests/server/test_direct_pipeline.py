"""A push's last statements (the sequence lock, the history insert, the COMMIT) go straight through libpq in one
pipeline (``rows._Direct.pipeline``). While the database makes it wait for the sequence lock, the
waiting thread must let go of the interpreter lock: the transaction holding the sequence lock may belong to
another thread of the same server process, which needs the interpreter to go on and commit. libpq's own wait
for a result held it: under load the workers froze and were killed by uvicorn's health check.

The scenario runs in a child process, so that a freeze fails this test by its timeout instead of freezing the
test run itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = textwrap.dedent("""
    import sys, threading, time
    from province_server import rows, schema
    from province_server.db import SEQ_LOCK_KEY, Database

    db = Database(sys.argv[1])
    db.check_schema(auto_migrate_empty=True)
    holding = threading.Event()

    def holder():
        # Takes the sequence lock, then needs the interpreter for a while (Python work) before committing.
        with db.engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(k)s)", {"k": SEQ_LOCK_KEY})
            holding.set()
            deadline = time.monotonic() + 0.5
            n = 0
            while time.monotonic() < deadline:
                n += 1  # pure Python: runs only while this thread has the interpreter

    t = threading.Thread(target=holder)
    t.start()
    holding.wait()
    row = {"kind": "person", "id": "p1", "version": 1, "deleted": False, "fields": "{}", "changed": "[]",
           "origin": "st1", "change_id": "c1", "commune_code": "c0001", "at": "2026-12-07T00:00:00Z",
           "replay_epoch": None}
    with db.engine.connect() as conn:
        with conn.begin():
            conn.exec_driver_sql("SELECT 1")  # (begins the transaction, as a push's reads do)
            rows.lock_insert_commit(conn, SEQ_LOCK_KEY, schema.history.insert, [row], "history")
    t.join()
    with db.engine.connect() as conn:
        print("rows", conn.exec_driver_sql("SELECT count(*) FROM history").scalar_one())
""")


def test_waiting_for_the_sequence_lock_lets_the_holder_run(pg_cluster: PostgresCluster) -> None:
    url = pg_cluster.new_database()
    done = subprocess.run([sys.executable, "-c", SCENARIO, url], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "rows 1" in done.stdout, done.stdout


def test_prepared_statements_outlive_a_rollback_after_executemany(pg_cluster: PostgresCluster) -> None:
    """psycopg's executemany prepares its statement when psycopg may prepare, and psycopg then deallocates every
    prepared statement of the connection at the next rollback, ``rows._Direct``'s included: the next push on that
    connection failed ("prepared statement pr_1 does not exist", found by the simulation's seed 10015, after an
    audit upload that was rolled back). psycopg must prepare nothing of its own."""
    from sqlalchemy import select

    from province_server import rows, schema
    from province_server.db import Database

    db = Database(pg_cluster.new_database())
    db.check_schema(auto_migrate_empty=True)

    def epoch(conn: object) -> list[tuple[object, ...]]:
        m = schema.meta
        return rows.fetch(conn, "test.epoch", lambda: select(m.c.value).where(m.c.key == "epoch"),  # type: ignore[arg-type]
                          generic=True)

    try:
        with db.engine.connect() as conn:
            with conn.begin():
                conn.exec_driver_sql("SELECT 1")  # (begins the transaction: the next statement is prepared)
                first = epoch(conn)
                prepared = conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar_one()
            assert prepared >= 1
            tx = conn.begin()
            conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES (%(k)s, %(v)s)",
                                 [{"k": f"t{i}", "v": "x"} for i in range(8)])  # psycopg's executemany
            tx.rollback()
            with conn.begin():
                conn.exec_driver_sql("SELECT 1")
                assert epoch(conn) == first
                assert conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar_one() == prepared
    finally:
        db.dispose()
