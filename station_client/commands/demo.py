"""``station-client demo``: the whole product on one PC — a province server on 127.0.0.1, a synthetic ward
station enrolled with it, and the app opened with a demo station-head account whose password is shown on the
login screen. Everything lives in its own folder (the user-data folder's ``demo``), never in the real station's.
If the province server is not installed, the demo runs without it and says so.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import secrets
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from ..clock import office_today
from ..paths import data_dir, db_path
from .common import add_command

DEMO_USER = "truong"
DEMO_NAME = "Nguyễn Văn Trưởng"
COMMUNE, PROVINCE = "07069", "22"


def _port(preferred: int = 8470) -> int:
    for candidate in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise OSError("no free port")


def _say(vi: str, en: str) -> None:
    print(f"{vi}\n  {en}", flush=True)


class ProvinceServer:
    """``province-server serve`` on loopback over a SQLite file in the demo folder."""

    def __init__(self, folder: Path):
        self.db_url = f"sqlite:///{folder / 'province.db'}"
        self.log = folder / "province-server.log"
        self.port = _port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        import requests

        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "province_server", "--db", self.db_url, "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--quiet"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"province-server exited ({self.proc.returncode}); see {self.log}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"province-server did not start in {timeout:.0f} s; see {self.log}")

    def enrollment_code(self, commune: str, name: str) -> str:
        out = subprocess.run([sys.executable, "-m", "province_server", "--db", self.db_url, "station", "add",
                              "--commune", commune, "--name", name, "--json"], capture_output=True, text=True,
                             check=True)
        return str(json.loads(out.stdout)["enrollment_code"])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


# ------------------------------------------------------------------------------------------- the day's work
WORKLOAD_SETTING = "demo.workload_on"  # the day the demo's counter work was last made (local setting)
# (procedure, working days before today it was received, what happened since)
DOSSIERS: tuple[tuple[str, int, str], ...] = (
    ("1.004194", 6, "processing"),        # temporary residence, 3 WD: overdue
    ("1.010039", 5, "received"),          # data correction, 3 WD: overdue
    ("1.004194", 3, "processing"),        # due today
    ("1.003197", 5, "result_ready"),      # deletion of permanent residence, 5 WD: result to hand back today
    ("1.004222", 5, "processing"),        # permanent residence, 7 WD: coming due
    ("cc.doi", 6, "transferred"),         # identity card renewal, 7 WD: coming due
    ("1.004222", 1, "received"),
    ("dkx.dang-ky", 0, "received"),       # vehicle registration received this morning
    ("1.010038", 2, "supplement_requested"),
    ("1.004222", 12, "returned"),         # done: in the register and on the person's page, not in Today
)
CRIME_REPORTS: tuple[tuple[float, dict[str, Any]], ...] = (  # (hours before now, values)
    (20, {"report_kind": "denunciation", "channel": "in_person", "urgent": True, "urgency_reason": "caught_in_act",
          "summary": "Bắt quả tang đối tượng trộm xe máy tại chợ Mạo Khê", "place": "Chợ Mạo Khê"}),
    (3 * 24, {"report_kind": "denunciation", "channel": "in_person",
              "summary": "Bị lừa đảo chiếm đoạt 25 triệu đồng qua mạng xã hội"}),
    (8 * 24, {"report_kind": "denunciation", "channel": "phone",
              "summary": "Mất trộm tài sản trong nhà vào ban đêm", "place": "Khu Vĩnh Phú"}),
    (2 * 24, {"report_kind": "information", "channel": "phone", "reporter_anonymous": True,
              "summary": "Có tụ điểm đánh bạc tại khu Vĩnh Xuyên"}),
)


def seed_workload(store: Any, officer: str, now: datetime | None = None) -> int:
    """The counter work of a few days at the demo station, relative to ``now``: dossiers overdue, due today,
    results to hand back and coming due; crime reports (one urgent), a petition, a mediation case and an
    administrative violation — each filed by or naming a resident of the register, so Today, the Dossiers
    and Reports sections and the residents' pages all have something to show. Returns how many were made."""
    import itertools

    from ..domain.deadlines import default_office_hours
    from ..store import dossiers as sd
    from ..store import reports as sr

    tz = default_office_hours().tz
    now = (now or datetime.now(tz)).astimezone(tz).replace(second=0, microsecond=0)
    sd.ensure_reference_data(store)
    cal = sd.work_calendar(store.conn)
    adults = (p for p in store.iter_records("person")
              if p.get("personal_id") and (p.get("birth_date") or "9999") < f"{now.year - 20}")
    people = list(itertools.islice(adults, 0, 120, 4))  # spread over the register, not one household
    if len(people) < len(DOSSIERS) + 8:
        return 0
    made = 0
    for i, (key, days_back, state) in enumerate(DOSSIERS):
        procedure = sd.get_procedure(store.conn, key)
        if procedure is None:
            continue
        day = cal.add_working_days(now.date(), -days_back) if days_back else now.date()
        received = datetime.combine(day, clock(8, 10), tzinfo=tz) + timedelta(minutes=17 * i)
        if received > now:
            received = now - timedelta(minutes=5)
        p = people[i]
        applicant = {"person_id": p["id"], "name": p["full_name"], "personal_id": p["personal_id"],
                     "birth_date": p.get("birth_date"), "permanent_address": p.get("permanent_address"),
                     "phone": p.get("phone")}
        docs = [{"name": d.name, "form": d.form, "count": d.count} for d in procedure.documents if not d.optional]
        intake = sd.Intake(procedure_key=key, applicant=applicant, documents=docs, received_at=received,
                           officer_name=DEMO_NAME)
        dossier = sd.create_dossier(store, intake, officer=officer)
        made += 1
        later = received + timedelta(hours=1)
        steps = {"processing": ["start"], "transferred": ["transfer"],
                 "supplement_requested": ["request_supplement"], "result_ready": ["start", "result_ready"],
                 "returned": ["start", "result_ready", "return_result"]}.get(state, [])
        for action in steps:
            details = {"request_supplement": {"supplement_items": [
                           "Giấy tờ chứng minh chỗ ở hợp pháp (bản sao có chứng thực)"]},
                       "transfer": {"transferred_to": "Phòng Cảnh sát QLHC về TTXH, Công an tỉnh Quảng Ninh"},
                       }.get(action)
            sd.apply_action(store, dossier["id"], action, officer=officer, at=min(later, now), details=details)
    rest = people[len(DOSSIERS):]
    for (hours_back, values), p in zip(CRIME_REPORTS, rest, strict=False):
        if not values.get("reporter_anonymous"):
            values = {**values, "reporter_name": p["full_name"], "reporter_person_id": p["id"],
                      "reporter_phone": p.get("phone")}
        sr.create(store, "crime_report", values, officer=officer, at=now - timedelta(hours=hours_back))
        made += 1
    a, b, c, d = rest[4:8]
    sr.create(store, "petition", {"petition_type": "denunciation", "channel": "in_person",
                                  "petitioner_name": a["full_name"], "petitioner_person_id": a["id"],
                                  "content": "Tố cáo hàng xóm lấn chiếm lối đi chung và xây tường rào",
                                  "subject": "Lấn chiếm lối đi chung"},
              officer=officer, at=datetime.combine(cal.add_working_days(now.date(), -5), clock(9, 0), tzinfo=tz))
    sr.create(store, "mediation_case", {"trigger_kind": "request", "dispute_type": "land",
                                        "summary": "Tranh chấp ranh giới đất vườn giữa hai hộ liền kề",
                                        "parties": [{"role": "party", "name": b["full_name"], "person_id": b["id"]},
                                                    {"role": "party", "name": c["full_name"], "person_id": c["id"]}]},
              officer=officer, at=now - timedelta(days=3))
    sr.create(store, "admin_violation", {"violator_name": d["full_name"], "violator_person_id": d["id"],
                                         "violator_personal_id": d["personal_id"],
                                         "violation": "Gây rối trật tự công cộng", "place": "Khu Quang Trung"},
              officer=officer, at=datetime.combine(cal.add_working_days(now.date(), -8), clock(15, 0), tzinfo=tz))
    made += 3
    store.set_setting(WORKLOAD_SETTING, now.date().isoformat())
    return made


def prepare_station(folder: Path, residents: int, server: ProvinceServer | None) -> tuple[str, str]:
    """Create (first run) or refresh (later runs) the demo station. Returns the demo login."""
    from ..domain.units import commune
    from ..settings_schema import save_options
    from ..store import Store, accounts
    from ..store import sync_ops as ops
    from ..store import unlock as unlocking
    from ..synthetic import FIXED_TODAY, populate

    station_dir = folder / "station"
    password_file = folder / "demo-password.txt"
    if unlocking.state(db_path(station_dir)) == "locked" and password_file.exists():
        # The app encrypted the demo station at its first login (docs/encryption.md): unlock with the demo login.
        unlocking.unlock(db_path(station_dir), DEMO_USER, password_file.read_text(encoding="utf-8").strip())
    with Store.open(db_path(station_dir)) as store:
        if accounts.count_accounts(store) == 0:
            password = f"demo{secrets.randbelow(9000) + 1000}"
            unit = commune(COMMUNE)
            name = f"Công an {unit.name[0].lower()}{unit.name[1:]}" if unit else "Công an phường"
            accounts.create_account(store, DEMO_USER, DEMO_NAME, "station_head", password, password)
            save_options(store, {"station.name": name, "station.province_code": PROVINCE,
                                 "station.commune_code": COMMUNE, "sync.interval_min": 2})
            password_file.write_text(password, encoding="utf-8")
            _say(f"Đang tạo xã/phường mẫu với {residents} nhân khẩu…",
                 f"Making a synthetic commune of {residents} residents…")
            with store.bulk():
                populate(store, residents, officer=DEMO_USER, today=FIXED_TODAY)  # the same commune every time
        else:  # writes are the logged-in officer's (docs/security.md): the demo head logs in
            accounts.log_in(store, DEMO_USER, password_file.read_text(encoding="utf-8").strip())
        if store.get_setting(WORKLOAD_SETTING) != office_today().isoformat():  # today's counter work
            seed_workload(store, DEMO_USER)
        password = password_file.read_text(encoding="utf-8").strip()
        if server is not None:
            from ..sync.enroll import enroll, load_identity

            identity = load_identity(store)
            if identity is None:
                enroll(store, server.url, server.enrollment_code(COMMUNE, store.get_setting("station.name") or ""))
            elif identity.server_url != server.url:  # the server got another free port this time
                ops.set_state(store, {"station.server_url": server.url})
            save_options(store, {"sync.server_url": server.url})
        store.log_out()  # the app's login page decides who works next
    return DEMO_USER, password


def cmd_demo(args: argparse.Namespace) -> int:
    folder = Path(args.data_dir) if getattr(args, "data_dir", None) else data_dir() / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    server: ProvinceServer | None = None
    # One finally from the server's start on: a SIGTERM raised while it starts, or while its address is printed
    # (a test sends one the moment it reads that line), must stop it too; it runs in a session of its own, so
    # nothing else would (a CI run found one left running).
    try:
        if importlib.util.find_spec("province_server") is not None and not args.no_server:
            server = ProvinceServer(folder)
            try:
                server.start()
                _say(f"Máy chủ Công an tỉnh (mô phỏng) chạy tại {server.url}",
                     f"Demo province server at {server.url}")
            except Exception as exc:
                _say(f"Không chạy được máy chủ tỉnh mô phỏng ({exc}); trạm chạy một mình, không đồng bộ.",
                     f"The demo province server did not start ({exc}); the station runs alone, without sync.")
                server.stop()
                server = None
        else:
            _say("Không có máy chủ tỉnh mô phỏng: trạm chạy một mình, không đồng bộ.",
                 "No demo province server: the station runs alone, without sync.")
        login = prepare_station(folder, args.residents, server)
        _say(f"Đăng nhập: {login[0]} / {login[1]}   (dữ liệu: {folder})", f"Log in: {login[0]} / {login[1]}")
        if args.prepare_only:
            return 0
        app_args = argparse.Namespace(data_dir=str(folder / "station"), lang=getattr(args, "lang", None))
        return int(args.run_app(app_args, demo_password=login))  # the entry point's (station_client/cli.py)
    finally:
        if server is not None:
            from ..shutdown import shielded

            with shielded():  # a second Ctrl+C or SIGTERM must not leave the server running
                server.stop()


def register(sub: Any) -> None:
    p = add_command(sub, "demo", "chạy thử với máy chủ tỉnh mô phỏng và dữ liệu mẫu / run the demo with a local "
                    "province server and synthetic data", cmd_demo)
    p.add_argument("--residents", type=int, default=3000, help="số nhân khẩu mẫu lần đầu / synthetic residents")
    p.add_argument("--no-server", action="store_true", help="không chạy máy chủ tỉnh / without the province server")
    p.add_argument("--prepare-only", action="store_true", help="chỉ chuẩn bị dữ liệu, không mở cửa sổ / prepare only")
