"""Stations' audit trails: the entries each station pushed (hash chain) and the pushes refused.

A frozen copy of the tables as this revision creates them (see v0001_base.py for why).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text

metadata = MetaData()
SeqType = BigInteger().with_variant(Integer(), "sqlite")

audit_entries = Table(
    "audit_entries", metadata,
    Column("station_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("officer", Text, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("changes", Text, nullable=False),
    Column("change_id", String(64)),
    Column("record_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("received_at", String(32), nullable=False),
)

audit_refusals = Table(
    "audit_refusals", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("code", String(32), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
