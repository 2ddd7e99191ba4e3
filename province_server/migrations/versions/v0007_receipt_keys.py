"""Receipt keys: ``stations.receipt_key``, the key a station signs its receipts' lookup links with.

Issued at enrollment (a station enrolled before this revision gets one at its next sync: the column stays null
until then), kept across token rotations, replaced only by an explicit re-issue (``province-server station
reissue-receipt-key``). The public lookup base URL the stations print is a ``meta`` row (``lookup_base_url``),
which needs no schema.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Text

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stations", Column("receipt_key", Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("receipt_key")
