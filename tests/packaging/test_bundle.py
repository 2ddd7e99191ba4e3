"""The PyInstaller bundle (packaging/station-client.spec) runs a station on a machine without the project's
virtual environment: a clean environment (only PATH, HOME and QT_QPA_PLATFORM), a working folder outside the
checkout, nothing of .venv on PATH. It creates a station, imports residents from CSV, prints a receipt whose fonts
are embedded and whose Vietnamese text reads back, enrolls and syncs with a real province server (run from the
project's environment: stations never run one), and starts its window offscreen.

``./dev.sh test`` builds the bundle beside pytest and runs this file after it with ``STATION_CLIENT_BUNDLE`` set
to dist/station-client (``./dev.sh bundle`` builds it by hand); without the variable the file is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.server import start_server

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = os.environ.get("STATION_CLIENT_BUNDLE")

pytestmark = [
    pytest.mark.skipif(not BUNDLE, reason="needs STATION_CLIENT_BUNDLE (./dev.sh test sets it once the bundle "
                                          "is built)"),
    pytest.mark.skipif(not (shutil.which("pdffonts") and shutil.which("pdftotext")), reason="needs poppler-utils"),
]

# Households of a commune register, as a station's spreadsheet has them (residents_csv.py's column names).
REGISTER = """\
Số hộ,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Quan hệ với chủ hộ,Chủ hộ,Địa chỉ hộ,Thôn/Tổ dân phố
QN-901,Nguyễn Văn Đức,02/03/1985,Nam,022085000123,Chủ hộ,022085000123,"Số 12 phố Lê Lợi",Khu Vĩnh Sơn
QN-901,Trần Thị Mai,15/08/1992,Nữ,022192000456,Vợ,022085000123,,
QN-902,Vũ Thị Lan,20/10/2001,Nữ,022301000789,Chủ hộ,,Khu Dốc Đỏ,
"""

Run = Callable[..., subprocess.CompletedProcess[str]]


def executable() -> Path:
    assert BUNDLE is not None
    exe = Path(BUNDLE) / ("station-client.exe" if sys.platform == "win32" else "station-client")
    assert exe.is_file(), f"{exe} missing: ./dev.sh bundle"
    return exe


def clean_env(home: Path) -> dict[str, str]:
    # What a station PC's shell gives a program, and no more: no VIRTUAL_ENV, PYTHONPATH or .venv/bin on PATH.
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working folder outside the checkout (tmp_path is, unless the checkout is under the temp folder)."""
    assert not tmp_path.is_relative_to(ROOT)
    (tmp_path / "home").mkdir()
    return tmp_path


@pytest.fixture
def run(elsewhere: Path) -> Run:
    exe = executable()
    assert ".venv" not in exe.resolve().parts

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(exe), *args], env=clean_env(elsewhere / "home"), cwd=elsewhere, input=stdin,
                              capture_output=True, text=True, encoding="utf-8", timeout=300)
        assert done.returncode == 0, f"station-client {' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        return done

    return run


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(unicodedata.normalize("NFC", out.stdout).split())


def embedded_fonts(path: Path) -> list[tuple[str, str]]:
    """(font name, emb column) of each font pdffonts lists."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = out.splitlines()[2:]  # two header lines
    # Columns: name type [type…] encoding emb sub uni object ID: the emb flag is the 5th from the end.
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


def test_the_bundle_creates_a_station_imports_residents_and_prints_a_receipt(run: Run, elsewhere: Path) -> None:
    assert "station-client" in run("--help").stdout

    # A station, set up headless (`demo --prepare-only`: a station head's account, the commune's residents and
    # the counter's dossiers; no province server, the bundle has none).
    folder = elsewhere / "demo"
    run("--data-dir", str(folder), "demo", "--no-server", "--prepare-only", "--residents", "150")
    station, password = folder / "station", (folder / "demo-password.txt").read_text(encoding="utf-8").strip()
    login = ("--data-dir", str(station), "--user", "truong", "--password-stdin")

    register = elsewhere / "so_ho.csv"
    register.write_text(REGISTER, encoding="utf-8-sig")
    out = run(*login, "import", "residents", str(register), stdin=password + "\n").stdout
    assert "Thêm mới 3" in out and "hộ mới 2" in out, out
    with sqlite3.connect(station / "station.db") as conn:
        names = dict(conn.execute("SELECT personal_id, full_name FROM persons WHERE personal_id IN "
                                  "('022085000123', '022192000456', '022301000789')").fetchall())
        code, applicant = conn.execute("SELECT code, applicant_name FROM dossiers WHERE status = 'received' "
                                       "ORDER BY n LIMIT 1").fetchone()
    assert names == {"022085000123": "Nguyễn Văn Đức", "022192000456": "Trần Thị Mai",
                     "022301000789": "Vũ Thị Lan"}

    pdf = elsewhere / "ct04.pdf"
    run(*login, "receipt", code, "--pdf", str(pdf), stdin=password + "\n")
    fonts = embedded_fonts(pdf)
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    assert any(name.endswith("NotoSans-Regular") for name, _ in fonts), fonts  # the shipped font, not a fallback
    text = pdf_text(pdf)
    assert "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert code in text and applicant in text


def test_the_bundle_enrolls_and_syncs_with_the_province(run: Run, elsewhere: Path) -> None:
    folder = elsewhere / "demo"
    run("--data-dir", str(folder), "demo", "--no-server", "--prepare-only", "--residents", "40")
    station, password = folder / "station", (folder / "demo-password.txt").read_text(encoding="utf-8").strip()
    login = ("--data-dir", str(station), "--user", "truong", "--password-stdin")
    with sqlite3.connect(station / "station.db") as conn:
        commune = conn.execute("SELECT value FROM settings WHERE key = 'station.commune_code'").fetchone()[0]
        person_id, name = conn.execute("SELECT id, full_name FROM persons ORDER BY id LIMIT 1").fetchone()
    server = start_server(elsewhere / "province", quiet=True)
    try:
        code = server.add_station(commune, "Trạm thử gói cài đặt")
        assert "Enrolled as" in run(*login, "enroll", server.url, code, stdin=password + "\n").stdout
        report = json.loads(run(*login, "sync", "--json", stdin=password + "\n").stdout.splitlines()[-1])
        assert report["ok"] and report["pending"] == 0 and report["sent"] > 0, report
        held = server.admin_get_record("person", person_id)
        assert held is not None and held["fields"]["full_name"] == name
    finally:
        server.stop()


def test_the_bundle_starts_its_window_offscreen_and_closes_on_sigterm(run: Run, elsewhere: Path) -> None:
    folder = elsewhere / "demo"
    run("--data-dir", str(folder), "demo", "--no-server", "--prepare-only", "--residents", "40")
    app = subprocess.Popen([str(executable()), "--data-dir", str(folder / "station")],
                           env=clean_env(elsewhere / "home"), cwd=elsewhere, stderr=subprocess.PIPE, text=True,
                           encoding="utf-8")
    try:
        # The offscreen platform says this when a top-level window is first shown (Qt's QPlatformWindow): the
        # login page is up. Read line by line until then; the app prints nothing else there unless it fails.
        assert app.stderr is not None
        seen = []
        for line in app.stderr:
            seen.append(line)
            if "propagateSizeHints" in line:
                break
        assert app.poll() is None, "".join(seen)
        app.send_signal(signal.SIGTERM)  # closes like the window's close button (ui/quit_signals.py)
        rest = app.stderr.read()
        assert app.wait(timeout=60) == 0, "".join(seen) + rest
        log = "".join(seen) + rest
        assert "Traceback" not in log and "failed to load" not in log and "failed to open" not in log, log
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
