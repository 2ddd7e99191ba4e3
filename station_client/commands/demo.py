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
from pathlib import Path
from typing import Any

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


def prepare_station(folder: Path, residents: int, server: ProvinceServer | None) -> tuple[str, str]:
    """Create (first run) or refresh (later runs) the demo station. Returns the demo login."""
    from ..domain.units import commune
    from ..store import Store, accounts
    from ..store import sync_ops as ops
    from ..synthetic import populate
    from ..ui.options import save_options

    station_dir = folder / "station"
    password_file = folder / "demo-password.txt"
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
                populate(store, residents, officer=DEMO_USER)
        password = password_file.read_text(encoding="utf-8").strip()
        if server is not None:
            from ..sync.enroll import enroll, load_identity

            identity = load_identity(store)
            if identity is None:
                enroll(store, server.url, server.enrollment_code(COMMUNE, store.get_setting("station.name") or ""))
            elif identity.server_url != server.url:  # the server got another free port this time
                ops.set_state(store, {"station.server_url": server.url})
            save_options(store, {"sync.server_url": server.url})
    return DEMO_USER, password


def cmd_demo(args: argparse.Namespace) -> int:
    folder = Path(args.data_dir) if getattr(args, "data_dir", None) else data_dir() / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    server: ProvinceServer | None = None
    if importlib.util.find_spec("province_server") is not None and not args.no_server:
        server = ProvinceServer(folder)
        try:
            server.start()
            _say(f"Máy chủ Công an tỉnh (mô phỏng) chạy tại {server.url}",
                 f"Demo province server at {server.url}")
        except Exception as exc:
            _say(f"Không chạy được máy chủ tỉnh mô phỏng ({exc}); trạm chạy một mình, không đồng bộ.",
                 f"The demo province server did not start ({exc}); the station runs alone, without sync.")
            server = None
    else:
        _say("Không có máy chủ tỉnh mô phỏng: trạm chạy một mình, không đồng bộ.",
             "No demo province server: the station runs alone, without sync.")
    try:
        login = prepare_station(folder, args.residents, server)
        _say(f"Đăng nhập: {login[0]} / {login[1]}   (dữ liệu: {folder})", f"Log in: {login[0]} / {login[1]}")
        if args.prepare_only:
            return 0
        from ..ui.app import run_app

        app_args = argparse.Namespace(data_dir=str(folder / "station"), lang=getattr(args, "lang", None))
        return run_app(app_args, demo_password=login)
    finally:
        if server is not None:
            server.stop()


def register(sub: Any) -> None:
    p = add_command(sub, "demo", "chạy thử với máy chủ tỉnh mô phỏng và dữ liệu mẫu / run the demo with a local "
                    "province server and synthetic data", cmd_demo)
    p.add_argument("--residents", type=int, default=3000, help="số nhân khẩu mẫu lần đầu / synthetic residents")
    p.add_argument("--no-server", action="store_true", help="không chạy máy chủ tỉnh / without the province server")
    p.add_argument("--prepare-only", action="store_true", help="chỉ chuẩn bị dữ liệu, không mở cửa sổ / prepare only")
