"""Migration 0011 moves the live-person index from its own table (``person_ids``) into a column of ``records``,
on both backends: the column is filled from the records held exactly as revision 0004 filled its table (live
persons, personal IDs of 1 to 64 characters), and the downgrade gives back the same table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from province_server import db as dbmod
from province_server.db import Database

from .conftest import BACKENDS, db_url_for

PERSONS = [  # (id, commune, deleted, personal_id)
    ("p1", "00001", False, "001099012345"),
    ("p2", "00001", False, "001099012345"),  # the same ID in the same commune: a duplicate
    ("p3", "00002", False, "001099012345"),
    ("p4", "00001", True, "001099099999"),  # deleted: not indexed
    ("p5", "00001", False, None),  # no ID
    ("p6", "00001", False, "x" * 65),  # too long to be an ID
    ("p7", "00001", False, "Nguyễn-1"),  # not digits, still text: indexed as revision 0004 did
]
LIVE = {("p1", "00001", "001099012345"), ("p2", "00001", "001099012345"), ("p3", "00002", "001099012345"),
        ("p7", "00001", "Nguyễn-1")}


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = db_url_for(request.param, request) or f"sqlite:///{tmp_path / 'province.db'}"
    db = Database(url)
    yield db
    db.dispose()


def _to(db: Database, revision: str, down: bool = False) -> None:
    cfg = dbmod._alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_the_person_index_moves_into_records_and_back(database: Database) -> None:
    _to(database, "0010")
    with database.engine.begin() as conn:
        for rid, commune, deleted, pid in PERSONS:
            fields = {"full_name": "Trần Văn A", "personal_id": pid}
            conn.execute(text("INSERT INTO records (kind, id, commune_code, version, deleted, fields, origin, "
                              "updated_at) VALUES ('person', :id, :c, 1, :d, :f, 'st', '2026-01-01')"),
                         {"id": rid, "c": commune, "d": deleted, "f": json.dumps(fields, ensure_ascii=False)})
        conn.execute(text("INSERT INTO records (kind, id, commune_code, version, deleted, fields, origin, "
                          "updated_at) VALUES ('household', 'h1', '00001', 1, false, :f, 'st', '2026-01-01')"),
                     {"f": json.dumps({"personal_id": "001099012345"})})  # not a person: never indexed
    _to(database, "0011")
    with database.engine.connect() as conn:
        held = {tuple(r) for r in conn.execute(text(
            "SELECT id, commune_code, person_id FROM records WHERE person_id IS NOT NULL"))}
        tables = set(database.engine.dialect.get_table_names(conn))
    assert held == LIVE
    assert "person_ids" not in tables
    _to(database, "0010", down=True)
    with database.engine.connect() as conn:
        back = {tuple(r) for r in conn.execute(text("SELECT id, commune_code, personal_id FROM person_ids"))}
        columns = {c["name"] for c in database.engine.dialect.get_columns(conn, "records")}
    assert back == LIVE
    assert "person_id" not in columns
    _to(database, "0011")
    with database.engine.connect() as conn:
        again = {tuple(r) for r in conn.execute(text(
            "SELECT id, commune_code, person_id FROM records WHERE person_id IS NOT NULL"))}
    assert again == LIVE
