"""Fixtures for the province server tests: the real server over HTTP, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from station_client.domain.units import communes
from tests.support.postgres import PostgresCluster, PostgresUnavailable, start_cluster
from tests.support.server import RunningServer, start_server

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Every test takes fresh communes, so tests can share one server per module and backend without seeing each
# other's records in their feeds.
_COMMUNES = itertools.cycle(sorted(communes()))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for the server suite: {exc}")
    yield cluster
    cluster.stop()


def db_url_for(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        return cluster.new_database()
    return None


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    srv = start_server(tmp_path_factory.mktemp("srv"), db_url_for(request.param, request))
    yield srv
    srv.stop()


@pytest.fixture(params=BACKENDS)
def fresh_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A server of its own (for tests that restart, restore or count everything)."""
    srv = start_server(tmp_path, db_url_for(request.param, request))
    yield srv
    srv.stop()


@pytest.fixture
def new_commune() -> Callable[[], str]:
    return lambda: next(_COMMUNES)
