"""Restore recovery: which versions are replays of a lost history, and changes waiting for their turn.

- ``history.replay_epoch``: set on a version that re-applies, with the same number, a version of an older epoch's
  history (a station's change re-sent after the province was restored from a backup); null for every other
  version. A record whose versions since the restore are all replays has not diverged from the lost history.
- ``ix_history_change``: the version a change made, looked up by its id (a duplicate's answer carries it).
- ``deferred_changes``: changes that came before the version they depend on (another station's change still on
  its way after a restore), applied by the server as soon as that version arrives.

A frozen copy of what this revision creates (see v0001_base.py for why).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

deferred_changes = Table(
    "deferred_changes", metadata,
    Column("change_id", String(64), primary_key=True),
    Column("station_id", String(32), nullable=False),
    Column("commune_code", String(8), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("wait_version", Integer, nullable=False),
    Column("replay", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("at", String(32), nullable=False),
    Column("n", Integer, nullable=False),  # arrival order: a station's changes of a record apply in this order
    Index("ix_deferred_record", "kind", "record_id", "wait_version"),
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("history", Column("replay_epoch", String(64), nullable=True))
    op.create_index("ix_history_change", "history", ["change_id"])
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
    op.drop_index("ix_history_change", "history")
    with op.batch_alter_table("history") as batch:
        batch.drop_column("replay_epoch")
