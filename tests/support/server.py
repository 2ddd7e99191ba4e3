"""Start the real province server (``province-server serve``) as a subprocess for tests.

    srv = start_server(tmp_path)                 # SQLite file in tmp_path; or db_url="postgresql://..."
    code = srv.add_station("07069", "Mạo Khê")   # one-time enrollment code
    token = srv.enroll("07069")["token"]         # or: add + POST /v1/enroll in one step
    srv.admin_put_record("person", pid, {...})   # a province-side edit (origin "province")
    srv.kill(); srv.restart(); srv.stop()

The server listens on 127.0.0.1 on a free port; its log (JSON lines) is ``srv.log_path``. Use it as a
context manager, or call ``stop()`` (the pytest fixtures in tests/server/conftest.py do).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerError(RuntimeError):
    pass


@dataclass
class RunningServer:
    db_url: str
    workdir: Path
    port: int
    admin_token: str
    workers: int | None = None
    quiet: bool = False
    serve_args: tuple[str, ...] = ()  # extra ``serve`` options (e.g. rate limits, --ssl-certfile/--ssl-keyfile)
    ca_file: str | None = None  # with TLS: the CA that signed the server's certificate (verified, never skipped)
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    @property
    def url(self) -> str:
        scheme = "https" if "--ssl-certfile" in self.serve_args else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        cmd = [sys.executable, "-m", "province_server", "--db", self.db_url, "serve", "--host", "127.0.0.1",
               "--port", str(self.port)]
        if self.workers:
            cmd += ["--workers", str(self.workers)]
        if self.quiet:
            cmd.append("--quiet")
        cmd += self.serve_args
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        try:
            self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"province-server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1, verify=self.ca_file or True).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()
        raise ServerError(f"province-server did not become healthy in {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop (SIGTERM to the process group), SIGKILL if it hangs."""
        if self.proc is None:
            return
        self.session.close()  # an idle TLS keep-alive connection would hold up a graceful stop
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(10)
        self._signal(signal.SIGKILL)  # any worker left behind
        self.proc = None
        self.session.close()

    def kill(self) -> None:
        """SIGKILL the server and its workers, as a power cut would."""
        if self.proc is None:
            return
        self._signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None
        self.session.close()

    def restart(self) -> None:
        self.stop()
        self.session = requests.Session()
        self._trust_ca()
        self.start()

    def _trust_ca(self) -> None:
        if self.ca_file:
            self.session.verify = self.ca_file
            self.session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override session.verify

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- admin helpers -----------------------------------------------------------------------------------

    def admin(self, method: str, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return self.session.request(method, self.url + path, json=json, timeout=kw.pop("timeout", 30),
                                    headers={"Authorization": f"Bearer {self.admin_token}"}, **kw)

    def add_station_info(self, commune_code: str = "07069", name: str = "") -> dict[str, Any]:
        r = self.admin("POST", "/v1/admin/stations", {"commune_code": commune_code, "name": name})
        if r.status_code != 200:
            raise ServerError(f"station add failed: {r.status_code} {r.text}")
        return dict(r.json())

    def add_station(self, commune_code: str = "07069", name: str = "") -> str:
        """Register a station; returns its one-time enrollment code."""
        return str(self.add_station_info(commune_code, name)["enrollment_code"])

    def enroll(self, commune_code: str = "07069", name: str = "", device: str = "test") -> dict[str, Any]:
        """Register and enroll a station in one step; returns the /v1/enroll answer (station_id, token, ...)."""
        code = self.add_station(commune_code, name)
        r = self.session.post(self.url + "/v1/enroll", json={"code": code, "device": device}, timeout=30)
        if r.status_code != 200:
            raise ServerError(f"enroll failed: {r.status_code} {r.text}")
        return dict(r.json())

    def revoke(self, station_id: str) -> None:
        r = self.admin("POST", f"/v1/admin/stations/{station_id}/revoke")
        if r.status_code != 200:
            raise ServerError(f"revoke failed: {r.status_code} {r.text}")

    def admin_put_record(self, kind: str, record_id: str, fields: dict[str, Any], commune_code: str | None = None,
                         deleted: bool = False) -> dict[str, Any]:
        """A province-side edit (origin "province"); returns the record's new state (with ``version``)."""
        body: dict[str, Any] = {"fields": fields, "deleted": deleted}
        if commune_code:
            body["commune_code"] = commune_code
        r = self.admin("PUT", f"/v1/admin/records/{kind}/{record_id}", body)
        if r.status_code != 200:
            raise ServerError(f"admin put failed: {r.status_code} {r.text}")
        return dict(r.json())

    def admin_get_record(self, kind: str, record_id: str) -> dict[str, Any] | None:
        r = self.admin("GET", f"/v1/admin/records/{kind}/{record_id}")
        if r.status_code == 404:
            return None
        r.raise_for_status()
        return dict(r.json())

    def load_reference(self, kind: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        r = self.admin("POST", f"/v1/admin/reference/{kind}", {"records": records})
        if r.status_code != 200:
            raise ServerError(f"reference load failed: {r.status_code} {r.text}")
        return dict(r.json())

    def stats(self) -> dict[str, Any]:
        r = self.admin("GET", "/v1/admin/stats")
        r.raise_for_status()
        return dict(r.json())

    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``province-server --db <this db> ARGS`` and return the finished process (text output)."""
        return subprocess.run([sys.executable, "-m", "province_server", "--db", self.db_url, *args], cwd=REPO,
                              capture_output=True, text=True, check=check, timeout=timeout)


def start_server(tmp_path: Path, db_url: str | None = None, workers: int | None = None,
                 quiet: bool = False, serve_args: tuple[str, ...] = (), ca_file: str | None = None) -> RunningServer:
    """Start ``province-server serve`` on 127.0.0.1 and a free port; wait for /healthz.

    ``db_url``: a SQLAlchemy/PostgreSQL URL (e.g. ``PostgresCluster.new_database()``); default a SQLite file in
    ``tmp_path``. An admin token is made directly in the database before the start.
    """
    from province_server.db import Database
    from province_server.stations import new_admin_token

    workdir = Path(tmp_path) / f"province-server-{uuid.uuid4().hex[:6]}"
    workdir.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{workdir / 'province.db'}"
    db = Database(url)
    try:
        db.check_schema(auto_migrate_empty=True)
        token = new_admin_token(db, "tests")
    finally:
        db.dispose()
    server = RunningServer(db_url=url, workdir=workdir, port=free_port(), admin_token=token, workers=workers,
                           quiet=quiet, serve_args=serve_args, ca_file=ca_file)
    server._trust_ca()
    server.start()
    return server
