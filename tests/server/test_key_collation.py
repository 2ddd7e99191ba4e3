"""On PostgreSQL every indexed text column compares as bytes (migration 0010): keys are identifiers, codes, token
hashes and ISO timestamps, compared through the locale's ``strcoll`` before (a tenth of PostgreSQL's CPU at load),
and byte order is SQLite's and Python's order, so a keyset page means the same on both backends whatever locale
the cluster was made with. A later migration that adds an indexed text column must keep to it."""

from __future__ import annotations

import pytest

from province_server.db import Database
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

INDEXED_TEXT_COLUMNS = """
    SELECT DISTINCT t.relname, a.attname, coalesce(co.collname, '')
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    WHERE n.nspname = current_schema() AND a.atttypid IN ('varchar'::regtype, 'text'::regtype)
      AND t.relname <> 'alembic_version'
"""


def test_every_indexed_text_column_compares_as_bytes(pg_cluster: PostgresCluster) -> None:
    db = Database(pg_cluster.new_database())
    try:
        db.check_schema(auto_migrate_empty=True)
        with db.read() as conn:
            columns = conn.exec_driver_sql(INDEXED_TEXT_COLUMNS).all()
            ids = ["0706901", "07069-01", "a_b", "aB", "Ab", "ab", "é", "z", "Z"]
            conn.exec_driver_sql("INSERT INTO meta (key, value) SELECT unnest(%(ids)s::varchar[]), ''", {"ids": ids})
            ordered = [r[0] for r in conn.exec_driver_sql(
                "SELECT key FROM meta WHERE key = ANY(%(ids)s::varchar[]) ORDER BY key", {"ids": ids})]
    finally:
        db.dispose()
    assert len(columns) > 25, columns  # (the query finds the schema's keys)
    assert [c for c in columns if c[2] != "C"] == []
    assert ordered == sorted(ids)  # Python's order (code points: UTF-8's byte order)
