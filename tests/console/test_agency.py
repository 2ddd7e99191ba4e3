"""The investigation agency's decision on a transferred crime report reaches the commune's station; a decision
on a report the station changed since the officer opened it is refused, never an overwrite; only the agency
role records decisions."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from station_client.domain.deadlines import default_office_hours
from station_client.store import reports as sr
from tests.statistics.conftest import TRANSFER, crime_report
from tests.support.server import RunningServer
from tests.sync.conftest import make_station

from .conftest import Console, staff_audit


def _version(page: str, report_id: str) -> str:
    row = page.split(f'data-report="{report_id}"')[1].split("</tr>")[0]
    return row.split('name="version" value="')[1].split('"')[0]


def test_a_decision_reaches_the_station(tmp_path: Path, server: RunningServer, console: Console) -> None:
    station = make_station(tmp_path, server, "ha-an", commune="07168")
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        report = crime_report(store, now - timedelta(hours=5), ("transfer", now - timedelta(hours=2), TRANSFER))
        second = crime_report(store, now - timedelta(hours=4), ("transfer", now - timedelta(hours=1), TRANSFER))
    assert station.sync_until_clean().ok

    admin = Console(server)
    admin.login("admin")
    inbox = admin.get("/console/inbox").text
    assert f'data-report="{report["id"]}"' in inbox and 'class="inline decide"' not in inbox  # admin: read only
    assert admin.post(f"/console/inbox/{report['id']}/decide", {"decision": "prosecute", "version": "1"},
                      page="/console/inbox").status_code == 403

    console.login("agency")
    page = console.get("/console/inbox").text
    done = console.post(f"/console/inbox/{report['id']}/decide",
                        {"decision": "prosecute", "version": _version(page, report["id"])}, page="/console/inbox")
    assert done.status_code == 200 and 'id="notice"' in done.text
    assert station.sync_until_clean().ok
    with station.open() as store:
        assert store.get("crime_report", report["id"])["agency_decision"] == "prosecute"

    # The station closes the second report while the officer has the inbox open: the officer's save is refused.
    stale = _version(console.get("/console/inbox").text, second["id"])
    with station.open() as store:
        sr.apply_action(store, "crime_report", second["id"], "close", officer="can_bo_a", at=now,
                        details={"close_reason": "Người tố giác rút đơn"})
    assert station.sync_until_clean().ok
    refused = console.post(f"/console/inbox/{second['id']}/decide", {"decision": "suspend", "version": stale},
                           page="/console/inbox")
    assert refused.status_code == 409 and 'id="error"' in refused.text
    with station.open() as store:
        assert station.sync().ok
        assert not store.get("crime_report", second["id"]).get("agency_decision")
    outcomes = [(e["action"], e["outcome"]) for e in staff_audit(server) if e["username"] == "agency"]
    assert ("agency.decide", "ok") in outcomes and ("agency.decide", "failed") in outcomes
