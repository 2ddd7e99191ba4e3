"""Live persons by (personal ID, commune) kept on ``records`` itself; the ``person_ids`` table goes.

Revision 0004 kept a table of its own in step with every person written: per synced person a row and two index
entries, its old row deleted at every edit, and two statements in each push that held a person (issue 15: a
sync's cost at the province is mostly per change; docs/server-profile.md). Now the record's row carries the
personal ID of a live person (``person_id``, null for anything else), written with the row by the statement that
writes it, and a partial index holds the non-null ones: one index entry per live person, nothing to delete.

Not an index on the JSON text itself: PostgreSQL parses the JSON of every row such an index reads or writes, and
cannot answer the ID from the index alone (measured: the duplicate check's read took four times as long as the
table's did, and the records' insert a third longer).

- The column compares as bytes on PostgreSQL (``COLLATE "C"``), as revision 0010 made every key.
- Filled from the records held: the personal ID of every live person, when it is text of 1 to 64 characters
  (what revision 0004 indexed).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text, bindparam, select, text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MAX_PID = 64  # frozen: duplicates.MAX_PID

person_ids = Table(  # as revision 0004 made it (for the downgrade)
    "person_ids", MetaData(),
    Column("commune_code", String(8), primary_key=True),
    Column("personal_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Index("ix_person_ids_id", "id"),
)

records = Table(  # as this revision leaves it (the columns read and written here)
    "records", MetaData(),
    Column("kind", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("commune_code", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("fields", Text, nullable=False),
    Column("person_id", String(64)),
)


def _live_persons(bind: sa.Connection) -> list[dict[str, str]]:
    """(id, commune_code, personal_id) of every live person whose personal ID is text of 1 to 64 characters."""
    out = []
    q = select(records.c.id, records.c.commune_code, records.c.deleted, records.c.fields).where(
        records.c.kind == "person")
    for row in bind.execute(q):
        pid = json.loads(row.fields).get("personal_id")
        if row.deleted or not isinstance(pid, str) or not pid or len(pid) > MAX_PID:
            continue
        out.append({"id": row.id, "commune_code": row.commune_code, "personal_id": pid})
    return out


def upgrade() -> None:
    bind = op.get_bind()
    collate = ' COLLATE "C"' if bind.dialect.name == "postgresql" else ""
    op.execute(f"ALTER TABLE records ADD COLUMN person_id VARCHAR({MAX_PID}){collate}")
    persons = _live_persons(bind)
    fill = records.update().where(records.c.kind == "person", records.c.id == bindparam("rid")).values(
        person_id=bindparam("pid"))
    for start in range(0, len(persons), 1000):
        bind.execute(fill, [{"rid": p["id"], "pid": p["personal_id"]} for p in persons[start:start + 1000]])
    op.create_index("ix_records_person_id", "records", ["person_id", "commune_code"],
                    postgresql_where=text("person_id IS NOT NULL"), sqlite_where=text("person_id IS NOT NULL"))
    op.drop_table("person_ids")


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_records_person_id", table_name="records")
    op.execute("ALTER TABLE records DROP COLUMN person_id")  # (SQLite: 3.35 and later)
    person_ids.create(bind)
    if bind.dialect.name == "postgresql":
        for column, width in (("commune_code", 8), ("personal_id", 64), ("id", 64)):  # byte order, as 0010 left it
            op.execute(text(f'ALTER TABLE person_ids ALTER COLUMN {column} TYPE VARCHAR({width}) COLLATE "C"'))
    rows = [{"commune_code": p["commune_code"], "personal_id": p["personal_id"], "id": p["id"]}
            for p in _live_persons(bind)]
    for start in range(0, len(rows), 1000):
        bind.execute(person_ids.insert(), rows[start:start + 1000])
