"""The console over HTTP without a browser: login required, CSRF on every form, lockout, roles, cookie flags,
station add / new code / revoke against the real enrollment, exports, the action log, ``staff add``."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import requests

from province_server.console import auth
from tests.support.server import REPO, RunningServer

from .conftest import PASSWORD, Console, add_staff, staff_audit

PAGES = ("/console/", "/console/stations", "/console/statistics", "/console/statistics/commune/07069",
         "/console/conflicts", "/console/audit")


def test_every_page_needs_a_login(console: Console) -> None:
    for path in (*PAGES, "/console/inbox", "/console/staff", "/console/log", "/console/statistics/export.csv"):
        r = console.get(path, allow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next="), path
    r = console.http.post(console.url("/console/stations"), data={"commune_code": "07069"}, allow_redirects=False,
                          timeout=30)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"


def test_login_sets_a_http_only_strict_cookie_and_logout_ends_the_session(console: Console) -> None:
    r = console.login("admin")
    assert r.status_code == 200 and r.url.endswith("/console/")
    cookie = next(c for c in r.history[0].headers.get("set-cookie", "").split(", pc_") if "pc_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback only (tests, local use)
    for path in PAGES:
        page = console.get(path)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in \
            page.headers["content-security-policy"]
    out = console.post("/console/logout", page="/console/")
    assert out.status_code == 303
    assert console.get("/console/", allow_redirects=False).status_code == 303


def test_cookies_are_secure_unless_on_loopback_http(server: RunningServer) -> None:
    """Reached by any other name (a TLS proxy in front, or plain HTTP on the network) every cookie is Secure."""
    r = requests.get(server.url + "/console/login", headers={"Host": "console.tinh.example"}, timeout=30)
    assert "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_wrong_passwords_lock_the_account(server: RunningServer, console: Console) -> None:
    add_staff(server, "locked.one", "Phạm Khóa", "viewer")
    for _ in range(auth.MAX_FAILURES):
        assert console.login("locked.one", "wrong-password-1").status_code == 401
    refused = console.login("locked.one")  # the right password, but locked
    assert refused.status_code == 423 and "khóa" in refused.text
    assert console.get("/console/", allow_redirects=False).status_code == 303
    other = Console(server)
    assert other.login("viewer").status_code == 200  # the lock is per account
    log = [e for e in staff_audit(server) if e["target"] == "locked.one" and e["action"] == "login"]
    assert [e["outcome"] for e in reversed(log)] == ["failed"] * auth.MAX_FAILURES + ["denied"]
    assert '"locked": true' in str(log[1]["detail"])
    unlocked = subprocess.run([sys.executable, "-m", "province_server", "--db", server.db_url, "staff", "unlock",
                               "locked.one"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert unlocked.returncode == 0, unlocked.stderr
    assert console.login("locked.one").status_code == 200


def test_a_form_without_its_csrf_token_is_refused(server: RunningServer, console: Console) -> None:
    console.login("admin")
    before = console.get("/console/stations").text.count("data-station=")
    for data in ({"commune_code": "07090"}, {"commune_code": "07090", "csrf": "forged"}):
        r = console.http.post(console.url("/console/stations"), data=data, timeout=30, allow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
    assert console.get("/console/stations").text.count("data-station=") == before
    # The login form has its own token (a cookie and a hidden field, matched).
    fresh = requests.post(server.url + "/console/login", data={"username": "admin", "password": PASSWORD},
                          timeout=30, allow_redirects=False)
    assert fresh.status_code == 403 and "pc_session" not in fresh.headers.get("set-cookie", "")
    refusals = [e for e in staff_audit(server) if e["action"] == "csrf.refused"]
    assert {e["target"] for e in refusals} >= {"/console/stations", "/console/login"}


def test_a_viewer_reads_and_changes_nothing(server: RunningServer, console: Console) -> None:
    admin = Console(server)
    admin.login("admin")
    added = admin.post("/console/stations", {"commune_code": "07114", "name": ""})
    assert added.status_code == 200
    station_id = added.text.split('id="enrollment"')[1].split("<b>")[1].split("</b>")[0]
    console.login("viewer")
    for path in PAGES:
        page = console.get(path)
        assert page.status_code == 200, path
        assert 'action="/console/stations' not in page.text, path  # no change form is offered
    for path in ("/console/staff", "/console/log", "/console/inbox"):
        assert console.get(path).status_code == 403, path
    for path, data in (("/console/stations", {"commune_code": "07135"}), (f"/console/stations/{station_id}/revoke", {}),
                       (f"/console/stations/{station_id}/reissue", {}),
                       ("/console/staff", {"username": "sneaky", "full_name": "X", "role": "admin",
                                           "password": "abcdefgh12"})):
        r = console.post(path, data, page="/console/")  # with the viewer's own valid CSRF token
        assert r.status_code == 403, path
    rows = admin.get("/console/stations").text
    assert f'data-station="{station_id}"' in rows and "07135" not in rows
    assert "sneaky" not in admin.get("/console/staff").text
    denied = [e for e in staff_audit(server) if e["username"] == "viewer" and e["outcome"] == "denied"]
    assert len(denied) >= 7


def test_an_agency_officer_sees_the_inbox_only(console: Console) -> None:
    r = console.login("agency")
    assert r.url.endswith("/console/inbox") and r.status_code == 200
    for path in PAGES:
        assert console.get(path).status_code == 403, path


def test_station_add_new_code_and_revoke_against_real_enrollment(server: RunningServer, console: Console) -> None:
    console.login("admin")
    page = console.post("/console/stations", {"commune_code": "07081", "name": "Trạm thử"})
    code = page.text.split('id="enrollment-code">')[1].split("<")[0]
    assert page.status_code == 200 and 'id="enrollment-expires"' in page.text
    station_id = page.text.split('id="enrollment"')[1].split("<b>")[1].split("</b>")[0]
    enroll = requests.post(server.url + "/v1/enroll", json={"code": code, "device": "t"}, timeout=30).json()
    token = enroll["token"]
    whoami = requests.get(server.url + "/v1/whoami", headers={"Authorization": f"Bearer {token}",
                                                               "User-Agent": "station-client/9.8.7"}, timeout=30)
    assert whoami.status_code == 200
    assert "9.8.7" in console.get("/console/stations").text  # the app version, from the User-Agent
    again = console.post(f"/console/stations/{station_id}/reissue")
    new_code = again.text.split('id="enrollment-code">')[1].split("<")[0]
    assert new_code != code
    assert requests.get(server.url + "/v1/whoami", headers={"Authorization": f"Bearer {token}"},
                        timeout=30).status_code == 401
    assert requests.post(server.url + "/v1/enroll", json={"code": new_code, "device": "t2"},
                         timeout=30).json()["station_id"] == station_id
    revoked = console.post(f"/console/stations/{station_id}/revoke")
    assert revoked.status_code == 200 and "Đã thu hồi" in revoked.text
    assert console.post(f"/console/stations/{station_id}/reissue").status_code == 404
    actions = [(e["action"], e["target"], e["outcome"]) for e in staff_audit(server) if e["username"] == "admin"]
    for expected in (("station.add", station_id, "ok"), ("station.reissue", station_id, "ok"),
                     ("station.revoke", station_id, "ok"), ("station.reissue", station_id, "failed")):
        assert expected in actions
    bad = console.post("/console/stations", {"commune_code": "99999"})
    assert bad.status_code == 400 and "99999" in bad.text
    odd = console.post("/console/stations", {"commune_code": "07168", "name": "<script>alert(1)</script>"})
    assert "<script>alert" not in odd.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in odd.text


def test_statistics_exports_and_the_action_log(server: RunningServer, console: Console) -> None:
    from openpyxl import load_workbook

    console.login("admin")
    csv = console.get("/console/statistics/export.csv?period=2026-10")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert "Thống kê toàn tỉnh — kỳ 2026-10" in csv.content.decode("utf-8-sig")
    xlsx = console.get("/console/statistics/export.xlsx?period=2026-10")
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0].startswith("1 Thống kê toàn tỉnh")
    assert console.get("/console/statistics?period=not-a-period").status_code == 400
    chart = console.get("/console/statistics?period=2026-10").text
    assert "<svg" in chart and "<script" not in chart.split("</head>")[1]
    log = console.get("/console/log").text
    assert "statistics.export" in log and PASSWORD not in log


def test_english(console: Console) -> None:
    console.login("admin")
    r = console.get("/console/lang?to=en&next=/console/stations")
    assert r.status_code == 200 and "Add a station" in r.text and "Stations" in r.text
    assert "Thêm trạm" in console.get("/console/lang?to=vi&next=/console/stations").text


def test_staff_add_cli_makes_the_first_admin(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "province_server", "--db", db, "staff", *args], cwd=REPO,
                              input=stdin, capture_output=True, text=True, timeout=60)

    made = run("add", "--username", "quantri", "--name", "Nguyễn Văn Quản Trị")
    assert made.returncode == 0 and "password (printed once): " in made.stdout
    password = made.stdout.split("password (printed once): ")[1].strip()
    assert run("add", "--username", "quantri", "--name", "X").returncode == 2  # exists
    assert run("add", "--username", "weak", "--name", "Y", "--password-stdin", stdin="short\n").returncode == 2
    listed = run("list")
    assert "quantri" in listed.stdout and "admin" in listed.stdout
    from province_server.db import Database

    database = Database(db)
    try:
        token, session = auth.login(database, "quantri", password, "test")
        assert session.staff.is_admin and auth.session_of(database, token) is not None
    finally:
        database.dispose()


def test_a_stations_records_on_every_page(tmp_path: Path, server: RunningServer, console: Console) -> None:
    """On both backends: a real station's work reaches the overview (overdue today), the statistics, the
    inbox, the audit check and the lookup page."""
    from datetime import datetime, timedelta

    from station_client.domain.deadlines import default_office_hours
    from station_client.store import dossiers as sd
    from tests.statistics.conftest import APPLICANT, DOCS, TRANSFER, crime_report
    from tests.sync.conftest import make_station

    station = make_station(tmp_path, server, "dong-trieu", commune="07093")
    now = datetime.now(default_office_hours().tz)
    with station.open() as store:
        late = sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=APPLICANT, documents=DOCS,
                                                  received_at=now - timedelta(days=40)), officer="can_bo_a")
        crime_report(store, now - timedelta(hours=3), ("transfer", now - timedelta(hours=1), TRANSFER))
    assert station.sync_until_clean().ok
    console.login("admin")
    overview = console.get("/console/?q=07093").text
    row = overview.split('data-commune="07093"')[1].split("</tr>")[0]
    assert "Phường Đông Triều" in overview and "chưa bao giờ" not in row
    assert row.count('class="num bad">1<') == 1  # one dossier overdue today
    assert console.get("/console/?only=quiet").text.count('data-commune="07093"') == 0  # it just synced
    assert "Cơ quan CSĐT" in console.get("/console/inbox").text
    assert "07093" in console.get("/console/statistics").text
    assert "nguyên vẹn" in console.get("/console/audit").text
    assert console.get("/console/conflicts").status_code == 200
    page = requests.get(f"{server.url}/tra-cuu/{late['lookup_code']}", timeout=30)
    assert page.status_code == 200 and late["code"] in page.text and APPLICANT["name"] not in page.text

    # The console's table, kept per commune, is the whole computation's at every step.
    from province_server import statistics
    from province_server.console import queries
    from province_server.db import Database

    db = Database(server.db_url)
    try:
        period = queries.current_period()
        assert queries.province_table(db, period) == statistics.province_table(db, period)
        with station.open() as store:
            sd.create_dossier(store, sd.Intake(procedure_key="1.004194", applicant=APPLICANT, documents=DOCS,
                                               received_at=now - timedelta(minutes=1)), officer="can_bo_a")
        assert station.sync_until_clean().ok
        kept = queries.province_table(db, period)
        assert kept == statistics.province_table(db, period)
        received = next(r for r in kept["communes"] if r["commune_code"] == "07093")["computed"]["dossiers.received"]
        month = now.strftime("%Y-%m")
        assert received == sum((now - ago).strftime("%Y-%m") == month  # the new one, and the late one if in period
                               for ago in (timedelta(minutes=1), timedelta(days=40)))
    finally:
        db.dispose()


def test_a_disabled_account_cannot_log_in_and_its_session_ends(server: RunningServer, console: Console) -> None:
    add_staff(server, "soon.gone", "Hoàng Tạm", "viewer")
    user = Console(server)
    assert user.login("soon.gone").status_code == 200
    console.login("admin")
    off = console.post("/console/staff/soon.gone/disable", page="/console/staff")
    assert off.status_code == 200
    assert user.get("/console/", allow_redirects=False).status_code == 303  # the open session ended
    assert user.login("soon.gone", "wrong-password-9").status_code == 401  # a stranger learns nothing more
    assert user.login("soon.gone").status_code == 423  # the holder is told it is disabled
    assert console.post("/console/staff/admin/disable", page="/console/staff").status_code == 400  # not oneself
    console.post("/console/staff/soon.gone/enable", page="/console/staff")
    assert user.login("soon.gone").status_code == 200


def test_an_officer_account_issued_from_the_console_reaches_the_station(tmp_path: Path, server: RunningServer,
                                                                        console: Console) -> None:
    from station_client.domain.accounts import check_password
    from tests.sync.conftest import make_station

    station = make_station(tmp_path, server, "uong-bi", commune="06811")
    console.login("admin")
    issued = console.post("/console/officers", {"commune_code": "06811", "username": "can_bo_moi",
                                                "full_name": "Phan Văn Mới", "role": "officer", "op": "issue"})
    assert issued.status_code == 200
    password = issued.text.split('id="officer-password">')[1].split("<")[0]
    assert station.sync_until_clean().ok
    with station.open() as store:
        (row,) = store.conn.execute("SELECT username, password_hash, active FROM officer_accounts").fetchall()
        assert row[0] == "can_bo_moi" and row[2] and check_password(password, row[1])
    assert console.post("/console/officers", {"commune_code": "99999", "username": "x1x", "role": "officer"}
                        ).status_code == 400
    assert ("officer.issue", "06811/can_bo_moi", "ok") in {(e["action"], e["target"], e["outcome"])
                                                          for e in staff_audit(server)}


def test_changing_ones_password_ends_the_other_sessions(server: RunningServer, console: Console) -> None:
    add_staff(server, "doi.mk", "Đinh Đổi", "viewer")
    other = Console(server)
    assert console.login("doi.mk").status_code == 200 and other.login("doi.mk").status_code == 200
    wrong = console.post("/console/password", {"current": "nope-123456", "new": "moi2026abc", "confirm": "moi2026abc"},
                         page="/console/password")
    assert wrong.status_code == 400
    weak = console.post("/console/password", {"current": PASSWORD, "new": "short", "confirm": "short"},
                        page="/console/password")
    assert weak.status_code == 400
    done = console.post("/console/password", {"current": PASSWORD, "new": "moi2026abc", "confirm": "moi2026abc"},
                        page="/console/password")
    assert done.status_code == 200 and 'id="notice"' in done.text
    assert console.get("/console/").status_code == 200  # this session goes on
    assert other.get("/console/", allow_redirects=False).status_code == 303  # the other one ended
    assert Console(server).login("doi.mk", "moi2026abc").status_code == 200
    assert ("password.change", "ok") in {(e["action"], e["outcome"]) for e in staff_audit(server)
                                         if e["username"] == "doi.mk"}
