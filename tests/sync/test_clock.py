"""A station whose clock is an hour fast, an hour slow, or in 2001 gets the same outcomes as one with the right
time: sync orders by the province's sequence and versions, never by the station's clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.server import start_server

from .conftest import COMMUNE, REPO

DRIVER = Path(__file__).with_name("clock_driver.py")


def _run(tmp_path: Path, spec: str) -> dict:
    srv = start_server(tmp_path / f"srv{spec}", quiet=True)
    try:
        code = srv.add_station(COMMUNE, "clock")
        data = tmp_path / f"station{spec}"
        data.mkdir()
        proc = subprocess.run([sys.executable, str(DRIVER), spec, str(data), srv.url, srv.admin_token, code],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        srv.stop()


def test_wrong_station_clocks_change_nothing(tmp_path: Path) -> None:
    outcomes = {spec: _run(tmp_path, spec) for spec in ("+0", "+1", "-1", "2001-03-04T05:06:07")}
    assert outcomes["2001-03-04T05:06:07"]["clock"] == "2001"  # the clock really was wrong in that run
    base = {k: v for k, v in outcomes["+0"].items() if k != "clock"}
    assert base["pending"] == 0 and base["conflicts"] == [["edit", "resolved"]]
    assert all(r["ok"] for r in base["reports"])
    for spec, outcome in outcomes.items():
        assert {k: v for k, v in outcome.items() if k != "clock"} == base, spec
