"""A statement ``rows`` keeps prepared is prepared anew from time to time (``rows._REPLAN_S``): PostgreSQL keeps a
prepared statement's generic plan until the table's statistics change (an ANALYZE, which autovacuum runs a minute
apart at best), and one made while the table was empty reads it by a sequential scan meanwhile (the bench: the
applied changes read by sequential scan as a new database's tables filled, PostgreSQL's CPU per sync doubled).
Prepared anew, the plan is made for the table as it is now, and the old statement is gone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from province_server import rows, schema
from province_server.db import Database
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres


def test_a_kept_statement_is_planned_again_for_the_grown_table(pg_cluster: PostgresCluster,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(pg_cluster.new_database(), pool_size=1)
    ac = schema.applied_changes

    def applied(conn: Any) -> None:
        conn.exec_driver_sql("SELECT 1")  # (begins the transaction: the next statement is prepared)
        rows.fetch(conn, "test.applied", lambda: select(ac.c.change_id).where(rows.AnyOf(ac.c.change_id, "ids")),
                   {"ids": ["a", "b"]}, generic=True)

    def plans(conn: Any) -> list[tuple[str, str]]:
        out = []
        for name, in conn.exec_driver_sql("SELECT name FROM pg_prepared_statements WHERE statement LIKE "
                                          "'%%FROM applied_changes%%'").all():
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN EXECUTE {name}('{{a,b}}')"))
            out.append((name, plan))
        return out

    try:
        db.check_schema(auto_migrate_empty=True)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")  # (the plan PostgreSQL would keep)
            conn.commit()
            with conn.begin():
                applied(conn)
                [(first, plan)] = plans(conn)
            assert "Seq Scan" in plan, plan  # an empty table: read whole
            with conn.begin():
                conn.exec_driver_sql(
                    "INSERT INTO applied_changes (change_id, station_id, hash, kind, record_id, at) "
                    "SELECT md5(g::text), 's', 'h', 'person', md5(g::text), 't' FROM generate_series(1, 50000) g")
            # (No ANALYZE: it would make PostgreSQL plan again by itself, but autovacuum runs it a minute apart at
            # best, while a new database's first syncs fill its tables.)
            with conn.begin():
                applied(conn)
                [(same, plan)] = plans(conn)
            assert same == first and "Seq Scan" in plan, plan  # kept: its time is not up
            later = rows._clock() + rows._REPLAN_FIRST_S
            monkeypatch.setattr(rows, "_clock", lambda: later)
            with conn.begin():
                applied(conn)
            with conn.begin():
                [(again, plan)] = plans(conn)  # one statement: the old ones deallocated
            assert again != first and "Seq Scan" not in plan and "applied_changes_pkey" in plan, plan
    finally:
        db.dispose()
