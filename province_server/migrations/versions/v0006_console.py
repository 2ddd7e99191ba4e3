"""The province web console: staff accounts, their sessions, the staff audit trail; a station's app version.

- ``staff``: data-centre staff who log in to the console (``province_server/console``), each with one role
  (admin, viewer, agency), a scrypt password hash and the lockout counters.
- ``staff_sessions``: a logged-in browser, known by the SHA-256 hash of its session cookie, with the CSRF token
  every form of that session must carry.
- ``staff_audit``: every console action (logins, refusals, changes, exports), append-only.
- ``stations.app_version``: the station client's version, from the User-Agent of its last authenticated request.

A frozen copy of what this revision creates (see v0001_base.py for why).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()
SeqType = BigInteger().with_variant(Integer(), "sqlite")

staff = Table(
    "staff", metadata,
    Column("username", String(32), primary_key=True),
    Column("full_name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", String(32)),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("last_login_at", String(32)),
)

staff_sessions = Table(
    "staff_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(32), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("seen_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

staff_audit = Table(
    "staff_audit", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("username", String(32), nullable=False),
    Column("action", String(48), nullable=False),
    Column("target", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("client", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_staff_audit_at", "at"),
)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())
    op.add_column("stations", Column("app_version", String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("app_version")
    metadata.drop_all(op.get_bind())
