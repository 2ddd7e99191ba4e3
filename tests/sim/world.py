"""The simulated province: real processes only.

- the province server: ``province-server serve`` as a subprocess (tests/support/server.py), on a SQLite file or
  on a PostgreSQL database; restarted with SIGTERM or SIGKILL, backed up and restored with the ``province-server
  backup`` / ``restore`` commands;
- a fault proxy of the project's own between the stations and the server (tests/sync/netproxy.py: resets of the
  request or of the answer, 503/500, stalls past the read timeout);
- the investigation agency: a staff account of the console (role ``agency``) logged in through the login form
  as a browser is, acting on the inbox page's forms (``AgencyConsole``);
- stations: one data folder each, enrolled with ``station-client enroll``, driven by a long-lived driver process
  (tests/sim/driver.py: writes through the store's public API, sync cycles) that the harness SIGKILLs at random,
  and by ``station-client sync`` / ``import residents`` / ``export residents`` / ``audit verify`` subprocesses.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.server import REPO, RunningServer, start_server
from tests.sync.netproxy import FaultProxy, random_policy

ENV = {**os.environ, "STATION_CLIENT_NO_KEYRING": "1", "PYTHONUNBUFFERED": "1", "QT_QPA_PLATFORM": "offscreen"}
# The faults the proxy injects on /v1/sync (resets are weighted up: they are what loses answers).
FAULTS = ("reset_request", "reset_response", "reset_response", "503_before", "500_after", "delay")
CLI_SYNC_ARGS = ("--batch-size", "20", "--connect-timeout", "1", "--read-timeout", "2", "--attempts", "3")


class HarnessError(RuntimeError):
    """Something the harness itself could not do (a process that will not start, a driver that died)."""


class DriverFailure(HarnessError):
    """The product failed under the driver: an exception out of the store or the sync engine, or a driver that
    died without being killed. Reported as the oracle's ``crash`` condition; the schedule goes on."""


def station_cli(data_dir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station_client.cli", "--data-dir", str(data_dir), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout, env=ENV)


@dataclass
class StationProc:
    """A station data folder and its driver process (started on demand, after a kill too)."""

    name: str
    commune: str
    dir: Path
    station_id: str = ""
    proc: subprocess.Popen[str] | None = field(default=None, repr=False)
    _buf: bytes = b""
    sync_times: list[float] = field(default_factory=list)

    @property
    def db(self) -> Path:
        return self.dir / "station.db"

    # ----------------------------------------------------------------------------------------- driver
    def ensure(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.proc is not None:
            code = self.proc.returncode
            self.proc = None
            raise DriverFailure(f"driver of station {self.name} died on its own (exit {code}): "
                                f"{self._stderr_tail()}")
        self._start()

    def _start(self) -> None:
        err = open(self.dir / "driver.stderr", "ab")  # noqa: SIM115 - the child keeps it
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.sim.driver", str(self.dir)], cwd=REPO,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                                         env=ENV, bufsize=1)
        finally:
            err.close()
        self._buf = b""
        ready = self.read(timeout=60)
        if ready is None or not ready.get("ready"):
            raise HarnessError(f"driver of station {self.name} did not start: {self._stderr_tail()}")

    def _stderr_tail(self) -> str:
        try:
            return (self.dir / "driver.stderr").read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def send(self, cmd: dict[str, Any]) -> None:
        self.ensure()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()

    def read(self, timeout: float | None = 120) -> dict[str, Any] | None:
        """The next answer line, or None when ``timeout`` passed first."""
        assert self.proc is not None and self.proc.stdout is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 65536)  # bytes: a chunk may end inside a UTF-8 character
            if not chunk:
                raise DriverFailure(f"driver of station {self.name} closed its output: {self._stderr_tail()}")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return dict(json.loads(line.decode()))

    def call(self, cmd: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
        self.send(cmd)
        out = self.read(timeout)
        if out is None:
            raise HarnessError(f"driver of station {self.name} did not answer {cmd['op']} in {timeout} s")
        if out.get("ok") is False and out.get("detail", "").startswith("Traceback"):
            raise DriverFailure(f"driver of station {self.name} failed on {cmd['op']}: {out['detail']}")
        return out

    def kill(self) -> None:
        """SIGKILL the driver (whatever it is doing), as a power cut or a killed app would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(30)
        self.proc = None

    def quit(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.call({"op": "quit"}, timeout=30)
                self.proc.wait(30)
            except (HarnessError, OSError, subprocess.TimeoutExpired):
                self.kill()
        self.proc = None

    # -------------------------------------------------------------------------------------------- CLI
    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return station_cli(self.dir, *args, timeout=timeout)

    def cli_popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "station_client.cli", "--data-dir", str(self.dir), *args],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


AGENCY_USER, AGENCY_PASSWORD = "dieutra", "matkhau-sim-2026"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_ROW = re.compile(r'<tr data-report="([^"]+)" data-stage="([a-z]+)">(.*?)</tr>', re.S)
_VERSION = re.compile(r'name="version" value="(\d+)"')


class AgencyConsole:
    """The investigation agency's officer at the console over HTTP (``/console/inbox``): logged in through the
    login form (session cookie, CSRF token of the page), acting with the version the inbox showed, as the
    browser does. Logs in again when the session is gone (a restore takes the province back to a backup)."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.http = requests.Session()
        self.csrf = ""

    def login(self) -> None:
        self.http = requests.Session()
        page = self.http.get(self.server.url + "/console/login", timeout=30)
        m = _CSRF.search(page.text)
        if not m:
            raise HarnessError(f"console login page without CSRF token: {page.status_code}")
        r = self.http.post(self.server.url + "/console/login", data={
            "csrf": m.group(1), "username": AGENCY_USER, "password": AGENCY_PASSWORD, "next": ""}, timeout=30)
        if r.status_code != 200 or "/console/login" in r.url:
            raise HarnessError(f"console login failed: {r.status_code} {r.text[-300:]}")

    def inbox(self) -> dict[str, tuple[str, int | None, bool]]:
        """The inbox as the officer sees it: report id -> (stage, version its forms carry if any, whether the
        intake notice may still be recorded)."""
        for _ in range(2):
            r = self.http.get(self.server.url + "/console/inbox", timeout=30)
            if r.status_code == 200 and "/console/login" not in r.url:
                m = _CSRF.search(r.text)
                self.csrf = m.group(1) if m else ""
                out: dict[str, tuple[str, int | None, bool]] = {}
                for rid, stage, row in _ROW.findall(r.text):
                    v = _VERSION.search(row)
                    out[rid] = (stage, int(v.group(1)) if v else None, 'class="notify-intake"' in row)
                return out
            self.login()
        raise HarnessError(f"console inbox unavailable: {r.status_code} {r.text[-300:]}")

    def act(self, record_id: str, action: str, version: int, details: dict[str, str]) -> int:
        """POST the inbox form of ``action``; the HTTP status (200 saved, 409 refused as stale or not allowed)."""
        if not self.csrf:
            self.inbox()
        r = self.http.post(f"{self.server.url}/console/inbox/{record_id}/{action}",
                           data={**details, "version": str(version), "csrf": self.csrf}, timeout=30,
                           allow_redirects=False)
        if r.status_code == 303:  # the session is gone: log in, read the page again (a new token), retry once
            self.inbox()
            r = self.http.post(f"{self.server.url}/console/inbox/{record_id}/{action}",
                               data={**details, "version": str(version), "csrf": self.csrf}, timeout=30,
                               allow_redirects=False)
        return r.status_code


class World:
    """Server + proxy + stations, and the handful of operations the schedule runs on them."""

    def __init__(self, root: Path, db_url: str | None, seed: int):
        self.root = root
        self.seed = seed
        self.server: RunningServer = start_server(root, db_url, quiet=True, serve_args=("--rate", "0"))
        self.proxy_rng = random.Random(seed ^ 0x5EED)
        self.proxy = FaultProxy(self.server.port, delay_s=2.2)
        self.fault_rate = 0.0
        self.stations: dict[str, StationProc] = {}
        self.backups: list[tuple[Path, int]] = []  # (file, model time when taken)
        self._add_agency_officer()
        self.agency = AgencyConsole(self.server)

    def _add_agency_officer(self) -> None:
        from province_server.console import auth
        from province_server.db import Database

        db = Database(self.server.db_url, pool_size=1)
        try:
            auth.add_staff(db, AGENCY_USER, "Lê Văn Điều Tra", "agency", AGENCY_PASSWORD, by="sim")
        finally:
            db.dispose()

    @property
    def backend(self) -> str:
        return "postgresql" if self.server.db_url.startswith("postgresql") else "sqlite"

    # --------------------------------------------------------------------------------------- stations
    def add_stations(self, wanted: list[tuple[str, str]]) -> list[StationProc]:
        """Register and enroll stations (name, commune) with ``station-client enroll`` through the proxy, the
        enrollments running side by side."""
        procs = []
        for name, commune in wanted:
            d = self.root / f"station-{name}"
            d.mkdir(parents=True, exist_ok=True)
            st = StationProc(name, commune, d)
            info = self.server.add_station_info(commune, f"sim {name}")
            st.station_id = info["station_id"]
            procs.append((st, st.cli_popen("enroll", self.proxy.url, info["enrollment_code"], "--device",
                                           f"sim-{name}")))
        out = []
        for st, proc in procs:
            stdout, stderr = proc.communicate(timeout=300)
            if proc.returncode != 0:
                raise HarnessError(f"enroll of {st.name} failed: {stdout}{stderr}")
            self.stations[st.name] = st
            out.append(st)
        return out

    # ------------------------------------------------------------------------------------------ faults
    def set_faults(self, rate: float) -> None:
        self.fault_rate = rate
        if rate <= 0:
            self.proxy.policy = lambda head: "pass"
        else:
            sync_policy = random_policy(self.proxy_rng, rate, FAULTS, only_sync=False)

            def policy(head: bytes) -> str:  # the exchange and the audit push; enrollment and admin pass
                line = head.split(b"\r\n", 1)[0]
                return sync_policy(head) if b" /v1/sync " in line or b" /v1/audit " in line else "pass"
            self.proxy.policy = policy

    def fault_count(self) -> int:
        return sum(n for f, n in self.proxy.stats.faults.items() if f != "pass")

    # ------------------------------------------------------------------------------------------ server
    def server_up(self) -> None:
        if self.server.proc is None or self.server.proc.poll() is not None:
            self.server.proc = None
            self.server.start()

    def restart_server(self, hard: bool) -> None:
        if hard:
            self.server.kill()
        else:
            self.server.stop()
        self.server.session = type(self.server.session)()
        self.server.start()

    def backup(self, t: int) -> Path:
        path = self.root / f"backup-{len(self.backups) + 1}.jsonl.gz"
        r = self.server.cli("backup", str(path), check=False)
        if r.returncode != 0:
            raise HarnessError(f"province-server backup failed: {r.stdout}{r.stderr}")
        self.backups.append((path, t))
        return path

    def restore(self, path: Path) -> None:
        self.server.stop()
        r = self.server.cli("restore", str(path), check=False)
        if r.returncode != 0:
            raise HarnessError(f"province-server restore failed: {r.stdout}{r.stderr}")
        self.server.session = type(self.server.session)()
        self.server.start()

    # ------------------------------------------------------------------------------------------- admin
    def admin_get(self, record_id: str) -> dict[str, Any] | None:
        return self.server.admin_get_record("person", record_id)

    def admin_put(self, record_id: str, fields: dict[str, Any], *, deleted: bool = False,
                  commune: str | None = None, base_version: int | None = None) -> dict[str, Any] | None:
        """A province edit; with ``base_version`` (what its author read) None when the province answers that a
        station changed the record since (409 ``record.changed``): the edit was not made."""
        body: dict[str, Any] = {"fields": fields, "deleted": deleted}
        if commune:
            body["commune_code"] = commune
        if base_version:
            body["base_version"] = base_version
        r = self.server.admin("PUT", f"/v1/admin/records/person/{record_id}", body)
        if r.status_code == 409 and base_version and r.json().get("code") == "record.changed":
            return None
        if r.status_code != 200:
            raise HarnessError(f"admin put failed: {r.status_code} {r.text[:300]}")
        return dict(r.json())

    def admin_get_report(self, record_id: str) -> dict[str, Any] | None:
        return self.server.admin_get_record("crime_report", record_id)

    # ----------------------------------------------------------------------------------------- teardown
    def close(self) -> None:
        for st in self.stations.values():
            with contextlib.suppress(Exception):
                st.quit()
        with contextlib.suppress(Exception):
            self.proxy.close()
        with contextlib.suppress(Exception):
            self.server.stop()
