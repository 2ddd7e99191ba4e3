"""Indexes for the province's period figures and the console's overdue counts (``province_server/statistics.py``,
``console/queries.py``).

A period touches, per commune, the records written since the day before it began and those still open; a
commune of a million-resident province holds thousands of ``person`` records and years of dossiers next to them.
Without these indexes each commune's figures read all of its records, and on PostgreSQL parsed every dossier's
JSON text to test its status, as did the overdue-now counts (docs/province-console.md, "Speed").

- ``ix_records_scope_updated`` (commune_code, kind, updated_at): a commune's records of a kind written since a
  day (and its ``stat_report`` records, its crime reports), by range scan.
- ``ix_records_scope_status`` (commune_code, kind, the ``status`` field): a commune's open records of a kind. An
  expression index: the ``status`` field read from the JSON text exactly as ``statistics._status`` writes it
  (the query must repeat the expression verbatim, with the path as a constant, for the planner to use it).

Building them reads every record once (seconds for a million-resident province; writes wait meanwhile, as
``province-server migrate`` runs with the servers stopped). Every record's ``fields`` is JSON text written by
the server, so the expression is defined for every row.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copies of statistics.STATUS_SQL (see v0001_base.py for why a revision never imports the live code).
STATUS_SQL = {"postgresql": "json_extract_path_text(CAST(fields AS JSON), 'status')",
              "sqlite": "json_extract(fields, '$.status')"}


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index("ix_records_scope_updated", "records", ["commune_code", "kind", "updated_at"])
    op.create_index("ix_records_scope_status", "records",
                    ["commune_code", "kind", text(STATUS_SQL[bind.dialect.name])])


def downgrade() -> None:
    op.drop_index("ix_records_scope_status", table_name="records")
    op.drop_index("ix_records_scope_updated", table_name="records")
