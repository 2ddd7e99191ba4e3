"""Fewer index writes per synced change (issue 15: a sync's cost at the province is per change, and PostgreSQL
writes every index of every row it inserts; docs/server-profile.md).

- ``ix_records_commune_code`` goes: ``ix_records_scope_updated`` (commune_code, kind, updated_at) of revision
  0008 begins with the same column, so every read by commune still finds its rows by index.
- ``ix_history_change`` goes: a duplicate's answer looks up the version its change made by the record's kind
  and id (which the applied change carries) on ``ix_history_record``, among that record's versions only.
- On PostgreSQL, ``ix_records_scope_status`` covers only the kinds that have a status the statistics and the
  console ask about. It parsed the JSON of every record written (a person's too) to index a status no query
  reads. Every query by status names one of these kinds, so the planner proves the predicate. SQLite uses a
  partial index only when the query repeats its predicate, so there it stays whole.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen copies (see v0001_base.py for why a revision never imports the live code): statistics.STATUS_SQL, and
# the kinds of statistics.OPEN_STATUSES.
STATUS_SQL = {"postgresql": "json_extract_path_text(CAST(fields AS JSON), 'status')",
              "sqlite": "json_extract(fields, '$.status')"}
STATUS_KINDS = ("admin_violation", "crime_report", "dossier", "mediation_case", "petition")


def upgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_records_commune_code", table_name="records")
    op.drop_index("ix_history_change", table_name="history")
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_records_scope_status", table_name="records")
        kinds = ", ".join(f"'{k}'" for k in STATUS_KINDS)
        op.create_index("ix_records_scope_status", "records",
                        ["commune_code", "kind", text(STATUS_SQL["postgresql"])],
                        postgresql_where=text(f"kind IN ({kinds})"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_records_scope_status", table_name="records")
        op.create_index("ix_records_scope_status", "records",
                        ["commune_code", "kind", text(STATUS_SQL["postgresql"])])
    op.create_index("ix_history_change", "history", ["change_id"])
    op.create_index("ix_records_commune_code", "records", ["commune_code"])
