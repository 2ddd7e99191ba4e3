"""The schema revision the server needs is a constant (no migration script read at start): it must be the head of
the migration scripts, or a new migration would never be asked for."""

from __future__ import annotations

import subprocess
import sys

from province_server.db import SCHEMA_HEAD, migrations_head
from tests.support.server import REPO


def test_the_schema_head_is_the_newest_migration() -> None:
    assert migrations_head() == SCHEMA_HEAD


def test_serving_and_subcommands_load_no_migration_machinery() -> None:
    # Alembic is loaded to migrate only: a start or an admin subcommand on a current database does without it.
    probe = ("import sys, province_server.cli, province_server.app; province_server.cli.build_parser(); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
