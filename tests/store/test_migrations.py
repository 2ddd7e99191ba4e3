"""Schema migrations: an older file is upgraded in place (with a backup), a newer or foreign file refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from station_client.store import NewerSchemaError, NotAStationDatabase, Store
from station_client.store.connection import APPLICATION_ID
from station_client.store.migrations import LATEST, MIGRATIONS, m0001_base


def make_v1_file(path: Path) -> None:
    """A file exactly as schema version 1 left it, holding one resident written by version-1 SQL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    m0001_base.apply(conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO persons (id, full_name, birth_date, sex, personal_id, search_name, search_ids, search_addr, "
        "created_at, updated_at, updated_by) VALUES ('p-1', 'Lê Thị Hoa', '1970-01-01', 'F', '022170000001', "
        "'le thi hoa', '022170000001', '', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'v1')")
    conn.execute("INSERT INTO persons_fts(rowid, search_name, search_ids, search_addr) "
                 "SELECT n, search_name, search_ids, search_addr FROM persons")
    conn.execute("COMMIT")
    conn.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upgrades_a_version_1_file_in_place(tmp_path):
    path = tmp_path / "station.db"
    make_v1_file(path)
    with Store.open(path) as store:
        applied = {r[0] for r in store.conn.execute("SELECT version FROM schema_migrations")}
        assert applied == {m.version for m in MIGRATIONS}
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert store.get("person", "p-1")["full_name"] == "Lê Thị Hoa"
        assert store.search_persons("hoa")[0].id == "p-1"
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    if LATEST > 1:
        assert (tmp_path / f"station.db.pre-v{LATEST}.bak").exists()


def test_opening_twice_is_a_no_op(tmp_path):
    path = tmp_path / "station.db"
    Store.open(path).close()
    with Store.open(path) as store:
        assert store.conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_refuses_a_file_from_a_newer_version_without_touching_it(tmp_path):
    path = tmp_path / "station.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', '2030-01-01')", (LATEST + 1,))
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.commit()
    conn.close()
    before = file_digest(path)
    with pytest.raises(NewerSchemaError) as err:
        Store.open(path)
    assert "phiên bản mới hơn" in err.value.vi and "newer" in err.value.en
    assert file_digest(path) == before


def test_refuses_a_foreign_sqlite_file(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)")
    conn.commit()
    conn.close()
    before = file_digest(path)
    with pytest.raises(NotAStationDatabase) as err:
        Store.open(path)
    assert "chương trình khác" in err.value.vi
    assert file_digest(path) == before


def test_refuses_a_corrupt_file(tmp_path):
    path = tmp_path / "station.db"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(NotAStationDatabase) as err:
        Store.open(path)
    assert "hỏng" in err.value.vi or "không phải" in err.value.vi


def _schema(path: Path) -> dict[str, object]:
    """Tables (columns with types, primary keys, indexes), views and triggers, read with sqlite-utils."""
    db = sqlite_utils.Database(path)
    try:
        tables = {t.name: {"columns": {c.name: (c.type.upper(), bool(c.notnull)) for c in t.columns},
                           "pks": t.pks, "indexes": sorted((i.name, tuple(i.columns), bool(i.unique))
                                                           for i in t.indexes)}
                  for t in db.tables if not t.name.startswith("sqlite_")}
        return {"tables": tables, "views": sorted(db.view_names()), "triggers": sorted(t.name for t in db.triggers)}
    finally:
        db.close()


def test_a_migrated_file_has_the_schema_of_a_new_one(tmp_path):
    """Every migration leaves what a new file gets: the same tables, columns, keys, indexes, views and triggers
    (column order aside: ALTER TABLE appends)."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    make_v1_file(old)
    Store.open(old).close()
    Store.open(new).close()
    assert _schema(old) == _schema(new)
