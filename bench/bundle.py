"""The station client's PyInstaller bundle: build time, size, and how soon it answers.

    .venv/bin/python bench/bundle.py            # the bundle in dist/station-client (./dev.sh bundle)
    .venv/bin/python bench/bundle.py --build    # a fresh build first (no PyInstaller cache), as on a new clone

``build_s``: PyInstaller from nothing to dist/station-client (only with ``--build``; the translations must be built,
``./dev.sh setup`` does it). ``size_mb``: the folder's files in MiB (its symbolic links to shared libraries not
counted twice), ``files`` their count. Each timing runs the bundle as its smoke test does
(tests/packaging/test_bundle.py: a clean environment, outside the checkout): ``help_s`` is the first successful
command (``--help``, from spawning the process to its exit: the cold start of the unpacked Python and the CLI);
``station_s`` creates a 150-resident station headless (``demo --prepare-only``); ``receipt_s`` prints a receipt
PDF (Qt offscreen, fonts); ``window_s`` starts the app to its login window shown offscreen. The figure of each is
the median of ``--repeat`` runs. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist" / "station-client"
BUILD_CMD = [str(ROOT / ".venv" / "bin" / "pyinstaller"), "--noconfirm", "--log-level", "WARN", "--distpath",
             str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "pyinstaller"),
             str(ROOT / "packaging" / "station-client.spec")]


def build() -> float:
    shutil.rmtree(ROOT / "build" / "pyinstaller", ignore_errors=True)
    shutil.rmtree(DIST, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(BUILD_CMD, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def timed(work: Path, *args: str, stdin: str | None = None) -> float:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(work / "home"), "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    subprocess.run([str(DIST / "station-client"), *args], env=env, cwd=work, input=stdin, text=True,
                   capture_output=True, check=True)
    return time.perf_counter() - start


def window_shown(work: Path, station: Path) -> float:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(work / "home"), "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    app = subprocess.Popen([str(DIST / "station-client"), "--data-dir", str(station)], env=env, cwd=work,
                           stderr=subprocess.PIPE, text=True)
    assert app.stderr is not None
    for line in app.stderr:
        if "propagateSizeHints" in line:  # the offscreen platform's word on the first window shown
            break
    shown = time.perf_counter() - start
    app.send_signal(signal.SIGTERM)
    app.stderr.read()
    if app.wait(timeout=60) != 0:
        raise SystemExit("the app did not close cleanly")
    return shown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true", help="build from nothing first and time it")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result: dict[str, object] = {}
    if args.build:
        result["build_s"] = round(build(), 1)
    files = [p for p in DIST.rglob("*") if p.is_file() and not p.is_symlink()]  # (links to shared libraries)
    result["size_mb"] = round(sum(p.stat().st_size for p in files) / 2**20, 1)
    result["files"] = len(files)
    runs: dict[str, list[float]] = {"help_s": [], "station_s": [], "receipt_s": [], "window_s": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "home").mkdir()
            runs["help_s"].append(timed(work, "--help"))
            folder = work / "demo"
            runs["station_s"].append(timed(work, "--data-dir", str(folder), "demo", "--no-server", "--prepare-only",
                                           "--residents", "150"))
            password = (folder / "demo-password.txt").read_text(encoding="utf-8").strip()
            with sqlite3.connect(folder / "station" / "station.db") as conn:
                (code,) = conn.execute("SELECT code FROM dossiers WHERE status = 'received' LIMIT 1").fetchone()
            runs["receipt_s"].append(timed(work, "--data-dir", str(folder / "station"), "--user", "truong",
                                           "--password-stdin", "receipt", code, "--pdf", str(work / "r.pdf"),
                                           stdin=password + "\n"))
            runs["window_s"].append(window_shown(work, folder / "station"))
    result.update({k: round(statistics.median(v), 2) for k, v in runs.items()})
    result["cpus"] = os.cpu_count()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
