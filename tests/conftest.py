"""Shared test setup. Qt runs offscreen; every test gets its own data folder (never the user's)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_CLIENT_HOME", str(tmp_path / "station-home"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator:
    from station_client.store import Store

    s = Store.open(tmp_path / "station.db")
    yield s
    s.close()


# Tests whose outcome depends on the date or the time of day: dev.sh runs them again under faketime at the instants
# that once broke office logic (around Vietnam and UTC midnight, during Tết, at year end) with the PC's zone in UTC.
OFFICE_CLOCK_PATHS = ("clock/", "dossiers/", "reports/", "statistics/", "security/test_retention.py",
                      "ui/test_demo.py", "ui/test_statistics_view.py", "ui/test_person_page.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        rel = Path(str(item.fspath)).relative_to(root).as_posix() if str(item.fspath).startswith(str(root)) else ""
        if rel.startswith(OFFICE_CLOCK_PATHS):
            item.add_marker(pytest.mark.office_clock)


def pytest_configure(config: pytest.Config) -> None:
    from tests.support.log_guard import install

    install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.support.log_guard import report

    report(session)
