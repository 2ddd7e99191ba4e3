"""Duplicate persons: live persons by (commune, personal ID), filled from the records already held.

Existing duplicates are listed as review items by ``province-server duplicates scan`` (or when either record
next changes). The table is a frozen copy (see v0001_base.py).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json

from alembic import op
from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, Text, select

metadata = MetaData()

person_ids = Table(
    "person_ids", metadata,
    Column("commune_code", String(8), primary_key=True),
    Column("personal_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Index("ix_person_ids_id", "id"),
)

records = Table(  # read only: as v0001 made it
    "records", MetaData(),
    Column("kind", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("commune_code", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("fields", Text, nullable=False),
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind)
    rows = []
    q = select(records.c.id, records.c.commune_code, records.c.deleted, records.c.fields).where(
        records.c.kind == "person")
    for row in bind.execute(q):
        pid = json.loads(row.fields).get("personal_id")
        if row.deleted or not isinstance(pid, str) or not pid or len(pid) > 64:
            continue
        rows.append({"commune_code": row.commune_code, "personal_id": pid, "id": row.id})
    for start in range(0, len(rows), 1000):
        bind.execute(person_ids.insert(), rows[start:start + 1000])


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
