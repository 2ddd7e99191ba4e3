"""On PostgreSQL, every indexed text column compares as bytes (``COLLATE "C"``), as SQLite's and Python's do.

These columns hold identifiers, codes, token hashes and ISO timestamps, never words a person reads in order.
Under the database's own collation (whatever ``initdb`` was given: ``C.UTF-8``, ``en_US.UTF-8``, ``vi_VN.UTF-8``)
PostgreSQL compared every key through the C library's locale-aware ``strcoll``: at 1,750 stations, text
comparison was about 10 % of PostgreSQL's CPU (perf), mostly inside the B-tree searches of each synced row's
index entries, and a cluster made with ``--locale=C`` spent 7 % less CPU per sync cycle (docs/server-profile.md).
Byte order is also the order SQLite and the Python code use, so a keyset page (``after`` an id) means the same
on both backends whatever the cluster's locale: under ``en_US.UTF-8`` punctuation is ignored at first, and
"07069-01" and "0706901" sorted apart from where Python puts them.

One ``ALTER TABLE`` per table: PostgreSQL rebuilds each index of the table once (a change of collation alone
does not rewrite the rows). Each column keeps its type. SQLite: nothing to do (its BINARY collation is byte
order already).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen (a revision never imports the live code): the text columns some index of revision 0009 covers.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "admin_tokens": ("token_hash",),
    "applied_changes": ("change_id",),
    "audit_entries": ("station_id",),
    "audit_refusals": ("station_id",),
    "conflicts": ("id", "commune_code"),
    "deferred_changes": ("change_id", "kind", "record_id"),
    "digest_buckets": ("commune_code",),
    "digests": ("commune_code",),
    "history": ("kind", "id", "commune_code"),
    "lookups": ("code",),
    "meta": ("key",),
    "person_ids": ("commune_code", "personal_id", "id"),
    "records": ("kind", "id", "commune_code", "updated_at"),
    "scope_denials": ("station_id",),
    "staff": ("username",),
    "staff_audit": ("at",),
    "staff_sessions": ("token_hash", "username"),
    "stations": ("id", "commune_code", "token_hash", "next_token_hash", "enroll_hash"),
}


def _collate(collation: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, columns in KEY_COLUMNS.items():
        types: dict[str, str] = dict(bind.execute(text(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"), {"t": table}).all())
        clauses = ", ".join(f'ALTER COLUMN {c} TYPE {types[c]} COLLATE "{collation}"' for c in columns)
        op.execute(f"ALTER TABLE {table} {clauses}")


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
