"""The simulation's PostgreSQL: one throwaway cluster for the session (tests/support/postgres.py), a new database
per schedule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import PostgresCluster, PostgresUnavailable, start_cluster


@pytest.fixture(scope="session")
def sim_pg_cluster() -> Iterator[PostgresCluster]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for the PostgreSQL simulation: {exc}")
    yield cluster
    cluster.stop()
