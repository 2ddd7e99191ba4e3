"""``rows.AnyOf``: a list of values in one statement text for any count (on PostgreSQL one array parameter, so the
statement is prepared once and keeps one plan; on SQLite an expanding IN). Whatever the values hold (quotes,
backslashes, commas, braces, the word NULL, Vietnamese, an empty string), exactly the rows with those values come
back, on both backends, and a different count of values reuses the one prepared statement."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from province_server import rows, schema
from province_server.db import Database
from tests.support.postgres import PostgresCluster

ODD = ['a"b', "a\\b", "a,b", "{a}", "NULL", "null", "", " ", "Nguyễn Văn Ả", "x'y", "\\", '"', "a\\\"b"]
OTHERS = ["a", "b", "ab", "NULL2"]


def _keys(db: Database, wanted: list[str]) -> list[str]:
    m = schema.meta
    with db.read() as conn:
        conn.exec_driver_sql("SELECT 1")  # (begins the transaction: the next statement is prepared on PostgreSQL)
        got = rows.fetch(conn, "test.any_of", lambda: select(m.c.key).where(rows.AnyOf(m.c.key, "keys")),
                         {"keys": wanted}, generic=True)
    return sorted(k for (k,) in got)


def _check(db: Database) -> None:
    db.check_schema(auto_migrate_empty=True)
    with db.write() as conn:
        conn.execute(schema.meta.insert(), [{"key": k, "value": "v"} for k in ODD + OTHERS])
    assert _keys(db, ODD) == sorted(ODD)
    for k in ODD:
        assert _keys(db, [k]) == [k]
    assert _keys(db, ["absent", OTHERS[0]]) == [OTHERS[0]]
    assert _keys(db, []) == []


def test_any_of_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        _check(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_any_of_on_postgresql(pg_cluster: PostgresCluster) -> None:
    db = Database(pg_cluster.new_database(), pool_size=1)
    try:
        _check(db)
        with db.read() as conn:
            names = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
        assert len([s for s in names if "ANY(CAST(" in s]) == 1, names  # one statement for every count
    finally:
        db.dispose()
