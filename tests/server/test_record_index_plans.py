"""The records' indexes after migration 0009, on PostgreSQL: fewer of them are written per synced change (issue 15),
and the reads they serve still find them.

- The status index covers only the kinds with a status: a person written parses no JSON for it.
- The period figures and the console's overdue counts, as the server sends them (bound values, planned for
  them), still read open records through the status index and recent ones through the scope index, with
  no sequential scan of the records. (Without the commune index, a read by commune rests on those two.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from province_server import duplicates, rows, statistics
from province_server.console import queries
from province_server.db import Database
from station_client.domain import statistics as st
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

COMMUNES = 60


@pytest.fixture(scope="module")
def records_db(pg_cluster: PostgresCluster) -> Iterator[Database]:
    db = Database(pg_cluster.new_database())
    db.check_schema(auto_migrate_empty=True)
    with db.write() as conn:
        # Mostly persons (no status), a few dossiers and petitions per commune, open and done, over two years.
        conn.exec_driver_sql(
            "INSERT INTO records (kind, id, commune_code, version, deleted, fields, origin, updated_at) "
            "SELECT CASE WHEN g %% 20 = 0 THEN 'dossier' WHEN g %% 20 = 1 THEN 'petition' ELSE 'person' END, "
            "md5(g::text), 'c' || lpad((g %% " + str(COMMUNES) + ")::text, 4, '0'), 1, false, "
            "CASE WHEN g %% 20 < 2 THEN json_build_object('status', CASE WHEN g %% 7 = 0 THEN 'received' "
            "ELSE 'returned' END, 'due_at', '2026-12-20T10:00:00+07:00')::text "
            "ELSE json_build_object('full_name', 'Nguyễn Văn ' || g)::text END, 'st', "
            "to_char(timestamp '2025-01-01' + (g %% 700) * interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
            "FROM generate_series(1, 40000) g")
        conn.exec_driver_sql("ANALYZE records")
    yield db
    db.dispose()


def test_the_status_index_holds_only_kinds_with_a_status(records_db: Database) -> None:
    with records_db.read() as conn:
        indexdef = conn.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_records_scope_status'").scalar_one()
        names = {r[0] for r in conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename IN "
                                                    "('records', 'history')")}
    assert "WHERE" in indexdef and "'person'" not in indexdef, indexdef
    for kind in statistics.OPEN_STATUSES:  # every kind a status query names is in the predicate
        assert f"'{kind}'" in indexdef, (kind, indexdef)
    assert "ix_records_commune_code" not in names and "ix_history_change" not in names, names


def _plans(db: Database, run: Any) -> list[str]:
    """EXPLAIN of every statement ``run`` sends, with the values it binds (planned for them, as the server's)."""
    sent: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert sent
    with db.read() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # a scan the indexes cannot serve still shows as one
        return [str(conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + s, p).scalar_one()) for s, p in sent]


def test_period_figures_still_read_records_by_index(records_db: Database) -> None:
    communes = [f"c{i:04d}" for i in range(0, COMMUNES, 7)]
    period = st.Period(date(2026, 11, 1), date(2026, 11, 30), "11/2026")
    plans = [p for p in _plans(records_db, lambda: _touching(records_db, communes, period)) if "records" in p]
    assert plans
    for plan in plans:
        assert "'Node Type': 'Seq Scan'" not in plan, plan
        assert "ix_records_scope_status" in plan and "ix_records_scope_updated" in plan, plan


def _touching(db: Database, communes: list[str], period: st.Period) -> None:
    with db.read() as conn:
        statistics._records_touching(conn, db.backend, communes, period)


def test_the_consoles_overdue_counts_still_read_open_records_by_index(records_db: Database) -> None:
    communes = [f"c{i:04d}" for i in range(0, COMMUNES, 5)]
    plans = [p for p in _plans(records_db, lambda: queries._open_dues(records_db, communes)) if "records" in p]
    assert plans
    for plan in plans:
        assert "'Node Type': 'Seq Scan'" not in plan, plan
        assert "ix_records_scope_status" in plan, plan


def test_duplicate_detection_reads_live_persons_by_their_index(records_db: Database) -> None:
    """A push holding persons reads who else holds their personal IDs by the records' own index (migration 0011:
    no table of its own to keep in step), looked up by the IDs themselves, not by every person of the commune,
    as the server sends that read: prepared once, one generic plan."""
    with records_db.write(feed=False) as conn:
        conn.exec_driver_sql(
            "INSERT INTO records (kind, id, commune_code, version, deleted, fields, origin, updated_at, person_id) "
            "SELECT 'person', 'p' || g, 'c' || lpad((g %% " + str(COMMUNES) + ")::text, 4, '0'), 1, g %% 9 = 0, "
            "json_build_object('personal_id', lpad(g::text, 12, '0'), 'full_name', 'Trần Thị ' || g)::text, "
            "'st', '2026-01-01T00:00:00', CASE WHEN g %% 9 <> 0 THEN lpad(g::text, 12, '0') END "
            "FROM generate_series(1, 20000) g")
        conn.exec_driver_sql("ANALYZE records")
    stmt = duplicates._one_commune_statement()
    params = {"commune": "c0007", "pids": ["000000000007", "000000000067", "000000000027"], "rids": ["r1"]}
    with records_db.read() as conn:
        sql, order = rows._fetch_plan(conn, stmt, params)
        values = [params[p] if i == -1 else p if i == -2 else rows._array_text(params[p]) if i == -3
                  else params[p][i] for p, i in order]
        run = "EXECUTE review_state(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql("PREPARE review_state AS " + sql)
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + run).scalar_one()
        found = {(r[1], r[2], r[3]) for r in conn.exec_driver_sql(run) if r[0] == "p"}
    people = plan[0]["Plan"]["Plans"][0]
    while "Index Name" not in people:
        people = people["Plans"][0]
    assert people["Index Name"] == "ix_records_person_id", plan
    assert "person_id" in people["Index Cond"] and "commune_code" in people["Index Cond"], people
    assert found == {("c0007", "000000000007", "p7"), ("c0007", "000000000067", "p67")}  # (27: deleted)
