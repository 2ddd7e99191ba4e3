"""Writes no one waits on go with a transaction's next round trip (``rows.insert_rows(later=True)``), and a
push's BEGIN goes with its locks (``rows.begin_with``). What must hold: a waiting write runs before anything after
it in its transaction (a read through SQLAlchemy or ``rows.fetch``, the commit), an error it meets is raised
before the commit and nothing of the transaction stays, and a rolled-back transaction's waiting writes are never
sent with a later transaction of the same pooled connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from province_server import rows, schema
from province_server.db import Database
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_cluster: PostgresCluster) -> Iterator[Database]:
    # One pooled connection, so every transaction below reuses it (and whatever it may have kept).
    database = Database(pg_cluster.new_database(), pool_size=1)
    database.check_schema(auto_migrate_empty=True)
    yield database
    database.dispose()


def _meta(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": value}


def _later(conn: Connection, *pairs: tuple[str, str]) -> None:
    rows.insert_rows(conn, schema.meta.insert, [_meta(k, v) for k, v in pairs], "test.meta", later=True)


def _values(conn: Connection, prefix: str) -> dict[str, str]:
    m = schema.meta
    return {k: v for k, v in conn.execute(select(m.c.key, m.c.value).where(m.c.key.like(prefix + "%")))}


def _waiting(conn: Connection) -> int:
    direct = conn.connection.info.get("province_server.direct")
    return len(direct.later) if direct is not None else 0


def _begin(conn: Connection) -> None:
    rows.begin_with(conn, "SELECT pg_advisory_xact_lock($1)", [42])


def test_a_waiting_write_runs_before_what_follows_it(db: Database) -> None:
    with db.engine.connect() as conn, conn.begin():
        _begin(conn)
        _later(conn, ("t.a", "1"))
        assert _waiting(conn) == 1
        assert _values(conn, "t.") == {"t.a": "1"}  # an SQLAlchemy statement sends it first
        _later(conn, ("t.b", "2"))
        m = schema.meta
        got = rows.fetch(conn, "test.meta.b", lambda: select(m.c.value).where(m.c.key == "t.b"), generic=True)
        assert got == [("2",)] and _waiting(conn) == 0  # a fetch takes it along in its round trip
        _later(conn, ("t.c", "3"))
        # the commit sends the last one
    with db.engine.connect() as conn, conn.begin():
        assert _values(conn, "t.") == {"t.a": "1", "t.b": "2", "t.c": "3"}


def test_a_waiting_write_goes_with_the_commit_pipeline(db: Database) -> None:
    row = {"kind": "person", "id": "p1", "version": 1, "deleted": False, "fields": "{}", "changed": "[]",
           "origin": "st1", "change_id": "c1", "commune_code": "c0001", "at": "2026-12-07T00:00:00Z",
           "replay_epoch": None}
    with db.engine.connect() as conn, conn.begin():
        _begin(conn)
        _later(conn, ("p.a", "1"))
        rows.lock_insert_commit(conn, 7, schema.history.insert, [row], "history")
    with db.engine.connect() as conn, conn.begin():
        assert _values(conn, "p.") == {"p.a": "1"}
        assert conn.exec_driver_sql("SELECT count(*) FROM history").scalar_one() == 1


@pytest.mark.parametrize("meets", ["sqlalchemy", "fetch", "commit", "commit pipeline"])
def test_an_error_in_a_waiting_write_is_raised_before_the_commit(db: Database, meets: str) -> None:
    with db.engine.connect() as conn, conn.begin():
        conn.execute(schema.meta.insert(), [_meta("e.taken", "0")])
    m = schema.meta
    row = {"kind": "person", "id": "p2", "version": 1, "deleted": False, "fields": "{}", "changed": "[]",
           "origin": "st1", "change_id": "c2", "commune_code": "c0001", "at": "2026-12-07T00:00:00Z",
           "replay_epoch": None}
    with pytest.raises(IntegrityError), db.engine.connect() as conn, conn.begin():
        _begin(conn)
        conn.execute(schema.meta.insert(), [_meta("e.before", "1")])
        _later(conn, ("e.new", "2"), ("e.taken", "3"))  # a key that exists: the whole statement fails
        if meets == "sqlalchemy":
            _values(conn, "e.")
        elif meets == "fetch":
            rows.fetch(conn, "test.meta.e", lambda: select(m.c.value).where(m.c.key == "e.new"), generic=True)
        elif meets == "commit pipeline":
            rows.lock_insert_commit(conn, 7, schema.history.insert, [row], "history")
    with db.engine.connect() as conn, conn.begin():
        assert _values(conn, "e.") == {"e.taken": "0"}  # nothing of that transaction
        assert conn.exec_driver_sql("SELECT count(*) FROM history").scalar_one() == 0


def test_a_rolled_back_transactions_waiting_writes_are_forgotten(db: Database) -> None:
    class Stop(Exception):
        pass

    with pytest.raises(Stop), db.engine.connect() as conn, conn.begin():
        _begin(conn)
        _later(conn, ("r.gone", "1"))
        raise Stop
    with db.engine.connect() as conn:  # the same pooled connection (pool_size 1)
        assert _waiting(conn) == 0
        with conn.begin():
            _begin(conn)
            _later(conn, ("r.kept", "2"))
    with db.engine.connect() as conn, conn.begin():
        assert _values(conn, "r.") == {"r.kept": "2"}


def test_begin_with_begins_a_transaction_that_rolls_back(db: Database) -> None:
    with db.engine.connect() as conn:
        tx = conn.begin()
        assert rows.begin_with(conn, "SELECT $1::text", ["x"]) == [("x",)]
        conn.execute(schema.meta.insert(), [_meta("b.rolled", "1")])
        tx.rollback()
        with conn.begin():
            conn.exec_driver_sql("SELECT 1")  # (a transaction already open: begin_with runs in it)
            assert rows.begin_with(conn, "SELECT $1::text", ["y"]) == [("y",)]
            assert _values(conn, "b.") == {}


def test_outside_a_transaction_a_write_is_sent_at_once(db: Database) -> None:
    with db.statement_reads() as conn:  # (autocommit: no commit would ever send it)
        _later(conn, ("a.now", "1"))
        assert _waiting(conn) == 0
    with db.engine.connect() as conn, conn.begin():
        assert _values(conn, "a.") == {"a.now": "1"}
