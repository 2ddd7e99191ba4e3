"""The console keeps each commune's figures of a period (and the whole province table) while the commune's feed
has not moved. An ended period's figures still change when a late sync brings a record of that period: the kept
figures must give way at once, in the test process's cache and in the server's own, on both backends."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from province_server import statistics
from province_server.console import queries
from province_server.db import Database
from station_client.domain.deadlines import default_office_hours
from station_client.domain.statistics import Period
from station_client.store import Store
from station_client.store import dossiers as sd
from tests.console.conftest import Console
from tests.statistics.conftest import APPLICANT, DOCS
from tests.support.server import RunningServer
from tests.sync.conftest import make_station

COMMUNE = "07093"


def _ended_period_day() -> tuple[Period, datetime]:
    """Last month (ended whatever today is) and a weekday morning in it."""
    tz = default_office_hours().tz
    period = queries.current_period().previous()
    day = datetime(period.start.year, period.start.month, 14, 9, 0, tzinfo=tz)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return period, day


def _received_in_export(console: Console, period: Period) -> int:
    """``HS nhận`` of the commune in the province table the server exports (its kept table)."""
    text = console.get(f"/console/statistics/export.csv?period={period.label}").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[1].index("HS nhận")
    return int(next(r for r in rows if r and r[0] == COMMUNE)[column])


def _receive(store: Store, received_at: datetime) -> None:
    sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=APPLICANT, documents=DOCS,
                                       received_at=received_at), officer="can_bo_a")


def test_a_late_sync_replaces_an_ended_periods_kept_figures(tmp_path: Path, server: RunningServer,
                                                             console: Console) -> None:
    period, day = _ended_period_day()
    station = make_station(tmp_path, server, "late-sync", commune=COMMUNE)
    with station.open() as store:
        _receive(store, day)
    assert station.sync_until_clean().ok
    console.login("viewer")
    assert _received_in_export(console, period) == 1  # the server now keeps this period's table

    db = Database(server.db_url)
    try:
        queries.clear_caches()
        kept = queries.province_table(db, period)
        assert queries.province_table(db, period) is kept  # nothing moved: the kept table itself
        row = next(r for r in kept["communes"] if r["commune_code"] == COMMUNE)
        assert row["computed"]["dossiers.received"] == 1

        # A dossier received in that period, entered late and synced now: the commune's feed moved.
        with station.open() as store:
            _receive(store, day + timedelta(hours=2))
        assert station.sync_until_clean().ok
        fresh = queries.province_table(db, period)
        assert fresh is not kept
        row = next(r for r in fresh["communes"] if r["commune_code"] == COMMUNE)
        assert row["computed"]["dossiers.received"] == 2
        assert fresh["total"]["computed"]["dossiers.received"] == 2
        assert fresh == statistics.province_table(db, period)  # the whole computation, figure for figure
    finally:
        db.dispose()
    assert _received_in_export(console, period) == 2  # the server's kept table gave way too
