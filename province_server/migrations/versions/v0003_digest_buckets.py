"""Digest scheme 2: per-(commune, bucket) sums of every commune-kind record's full-state term (version, deleted
flag, content hash), filled from the records already held.

The table is a frozen copy (see v0001_base.py). The terms are computed with the protocol's shared arithmetic
(``station_client.wire``), which the protocol fixes: it is the same for every later server version.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json

from alembic import op
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, Text, select

metadata = MetaData()

digest_buckets = Table(
    "digest_buckets", metadata,
    Column("commune_code", String(8), primary_key=True),
    Column("bucket", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("sum", String(16), nullable=False),
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

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from station_client import wire as dg
    from station_client.domain.registry import KINDS

    bind = op.get_bind()
    metadata.create_all(bind)
    sums: dict[tuple[str, int], list[int]] = {}
    q = select(records.c.kind, records.c.id, records.c.commune_code, records.c.version, records.c.deleted,
               records.c.fields).where(records.c.commune_code != "")
    for row in bind.execute(q):
        kind = KINDS.get(row.kind)
        if kind is None or not dg.counted(kind):
            continue
        term = dg.content_term(kind, row.id, row.version, bool(row.deleted), json.loads(row.fields))
        s = sums.setdefault((row.commune_code, dg.bucket_of(row.kind, row.id)), [0, 0])
        s[0] += 1
        s[1] = (s[1] + term) & dg.MASK64
    rows = [{"commune_code": c, "bucket": b, "count": n, "sum": dg.hex64(v)} for (c, b), (n, v) in sorted(sums.items())]
    for start in range(0, len(rows), 1000):
        bind.execute(digest_buckets.insert(), rows[start:start + 1000])


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
