"""Console tests: the real ``province-server serve`` over HTTP (tests/support/server.py), staff accounts made in
its database, a ``requests`` session that logs in through the login form as a browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from province_server.console import auth
from province_server.db import Database
from tests.server.conftest import BACKENDS, db_url_for, pg_cluster  # noqa: F401  (pg_cluster is a fixture)
from tests.support.server import RunningServer, start_server

PASSWORD = "matkhau2026"
STAFF = (("admin", "Nguyễn Văn Quản", "admin"), ("viewer", "Trần Thị Xem", "viewer"),
         ("agency", "Lê Văn Điều Tra", "agency"))

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def add_staff(server: RunningServer, username: str, full_name: str, role: str, password: str = PASSWORD) -> None:
    db = Database(server.db_url)
    try:
        auth.add_staff(db, username, full_name, role, password, by="tests")
    finally:
        db.dispose()


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


class Console:
    """A browser-like HTTP client of the console: cookies kept, forms posted with their CSRF token."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return self.server.url + path

    def get(self, path: str, **kw: object) -> requests.Response:
        return self.http.get(self.url(path), timeout=30, allow_redirects=kw.pop("allow_redirects", True), **kw)  # type: ignore[arg-type]

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        page = self.get("/console/login")
        return self.http.post(self.url("/console/login"), data={"csrf": csrf_of(page.text), "username": username,
                                                               "password": password, "next": ""}, timeout=30)

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True,
             page: str = "/console/stations") -> requests.Response:
        """POST a form; with ``csrf`` the token is read from ``page`` first, as the browser has it."""
        body = dict(data or {})
        if csrf:
            body["csrf"] = csrf_of(self.get(page).text)
        return self.http.post(self.url(path), data=body, timeout=30, allow_redirects=False)


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The console on SQLite and on a real PostgreSQL (the same SQLAlchemy Core queries)."""
    srv = start_server(tmp_path_factory.mktemp("console"), db_url_for(request.param, request), quiet=True)
    for username, name, role in STAFF:
        add_staff(srv, username, name, role)
    yield srv
    srv.stop()


@pytest.fixture
def console(server: RunningServer) -> Console:
    return Console(server)


def staff_audit(server: RunningServer) -> list[dict[str, object]]:
    db = Database(server.db_url)
    try:
        return auth.recent_audit(db, 1000)
    finally:
        db.dispose()


def screens_dir(tmp_path: Path) -> Path:
    """Where the browser tests leave their screenshots: ``CONSOLE_SCREENS_DIR`` or the test's tmp folder."""
    import os

    return Path(os.environ.get("CONSOLE_SCREENS_DIR") or tmp_path / "screens")
