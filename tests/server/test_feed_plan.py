"""The feed page's read is prepared (one generic plan per connection, not planned at every sync: planning it was
0.36 ms of PostgreSQL's CPU per cycle, docs/server-profile.md). A plan made once for any values is safe only if it
is the right plan for every cursor: each scope's rows walked in seq order on the (commune_code, seq) index and
stopped at the page's limit. A plan that gathered the range and sorted it would read a whole commune's history on
a first pull. This checks the plan PostgreSQL makes for unknown values over a realistic table, and that it reads
the same page as the statement planned for its values, at the start, the middle and the end of the history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from province_server import exchange, rows
from province_server.db import Database
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

COMMUNES = 100
ROWS = 60_000


@pytest.fixture(scope="module")
def feed_db(pg_cluster: PostgresCluster) -> Iterator[tuple[Database, str]]:
    url = pg_cluster.new_database()
    db = Database(url)
    db.check_schema(auto_migrate_empty=True)
    with db.write() as conn:
        conn.exec_driver_sql(
            "INSERT INTO history (kind, id, version, deleted, fields, changed, origin, change_id, commune_code, at) "
            "SELECT 'person', md5(g::text), 1, false, '{}', '[]', 'st' || (g %% 200), md5('c' || g), "
            f"CASE WHEN g %% 50 = 0 THEN '' ELSE 'c' || lpad((g %% {COMMUNES})::text, 4, '0') END, '2026-12-07' "
            f"FROM generate_series(1, {ROWS}) g")
        conn.exec_driver_sql("ANALYZE history")
    yield db, url
    db.dispose()


def _feed_sql(db: Database) -> tuple[str, list[tuple[Any, int]]]:
    params = {"cursor": 0, "head": 0, "origin": "", "lim": 0, "scope0": "", "scope1": ""}
    with db.read() as conn:
        return rows._fetch_plan(conn, exchange._feed_statement(2, False), params)


def _values(order: list[tuple[Any, int]], **params: Any) -> list[Any]:
    return [params[name] if i == -1 else name for name, i in order]


def test_the_feeds_generic_plan_walks_the_scope_index_in_order(feed_db: tuple[Database, str]) -> None:
    db, url = feed_db
    sql, order = _feed_sql(db)
    # Values written into the statements by the client: EXECUTE and EXPLAIN take no bound parameters.
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True,
                         cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE feed AS {sql}")
        top = conn.execute("SELECT max(seq) FROM history").fetchone()
        assert top is not None
        head = int(top[0])
        for cursor in (0, head // 2, head - 10):
            params = {"cursor": cursor, "head": head, "origin": "st7", "lim": 1001, "scope0": "", "scope1": "c0042"}
            values = _values(order, **params)
            args = ", ".join(["%s"] * len(values))
            plan = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE feed({args})", values).fetchone()
            assert plan is not None
            text = str(plan[0])
            # Each scope's rows: an ordered scan of the scope index under a Limit, merged; nothing gathers and sorts.
            assert "'Node Type': 'Sort'" not in text, text
            assert "Bitmap" not in text and "'Node Type': 'Seq Scan'" not in text, text
            assert text.count("'Index Name': 'ix_history_scope_seq'") == 2, text
            generic = [tuple(r) for r in conn.execute(f"EXECUTE feed({args})", values).fetchall()]
            # The same page as the statement planned for its values (the server's own read, unprepared).
            with db.read() as sa:
                planned = rows.fetch(sa, "feed-plan-test", lambda: exchange._feed_statement(2, False), params)
            assert generic == [tuple(r) for r in planned]
            count = conn.execute(
                "SELECT count(*) FROM history WHERE commune_code IN ('', 'c0042') AND seq > %s AND seq <= %s "
                "AND origin <> 'st7'", (cursor, head)).fetchone()
            assert count is not None and len(generic) == min(1001, count[0]) and len(generic) > 0
