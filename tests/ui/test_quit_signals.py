"""Ctrl+C ends the app cleanly: the event loop returns on SIGINT, and ``station-client demo`` then stops the
province server it started (nothing left listening after the newcomer closes the demo)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from station_client.ui.quit_signals import quit_on_signals


def test_sigint_returns_from_the_event_loop(qapp) -> None:  # type: ignore[no-untyped-def]
    # (Whatever the test run started with: a shell starts a background job with SIGINT ignored, and Python then
    # keeps SIG_IGN instead of its default handler; a CI run started so failed here.)
    before = signal.getsignal(signal.SIGINT)
    fired: list[str] = []
    QTimer.singleShot(50, lambda: os.kill(os.getpid(), signal.SIGINT))
    QTimer.singleShot(5000, lambda: (fired.append("timeout"), qapp.quit()))  # only if SIGINT did not end it
    with quit_on_signals(qapp):
        qapp.exec()
    assert fired == []
    assert signal.getsignal(signal.SIGINT) is before  # put back


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_demo_stops_its_province_server_on_ctrl_c(tmp_path: Path) -> None:
    pytest.importorskip("province_server")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "station_client.cli", "demo", "--data-dir", str(tmp_path),
                             "--residents", "150"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            text=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Đăng nhập:"):
                break
        server_log = tmp_path / "province-server.log"
        assert server_log.exists(), "".join(lines)
        assert any("chạy tại" in line for line in lines), "".join(lines)
        # The offscreen platform writes "This plugin does not support propagateSizeHints()" when a top-level
        # window is first shown: wait for that sign the window is up (read on a thread, so the wait can time
        # out and the pipe keeps draining while the app closes).
        shown = threading.Event()

        def read_rest() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if "propagateSizeHints" in line:
                    shown.set()

        reader = threading.Thread(target=read_rest, daemon=True)
        reader.start()
        assert shown.wait(60), "".join(lines)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0, "".join(lines)
        reader.join(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _servers_of(tmp_path) == [], "".join(lines)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("delay", ["server", "server+0.5", "window", "window+2"])
def test_sigterm_at_any_moment_ends_the_demo_cleanly(tmp_path: Path, delay: str) -> None:
    """SIGTERM while the demo sets up, just as the window comes up, or while it syncs: the process ends by
    itself (0 from the event loop, 143 before it), with no traceback and no fatal error from a worker left
    running while the interpreter finalised (it once ended in 'Fatal Python error: bool_dealloc'), and the
    province server it started is stopped."""
    pytest.importorskip("province_server")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "station_client.cli", "demo", "--data-dir", str(tmp_path),
                             "--residents", "150"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            text=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        # "server": the demo has started its province server and is setting up the station (before the GUI).
        wanted = "Máy chủ Công an tỉnh" if delay.startswith("server") else "Đăng nhập:"
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(wanted):
                break
        time.sleep(float(delay.partition("+")[2] or 0))  # fault: SIGTERM at this moment of the start-up
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        lines.append(out)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(lines)
    assert proc.returncode in (0, 143), text
    assert "Fatal Python error" not in text and "Traceback" not in text, text
    if any("chạy tại" in line for line in text.splitlines()):
        # Its own server process, found by the data folder in its command line (not by probing its port, which
        # another test's server may have taken since).
        assert _servers_of(tmp_path) == [], text


def _servers_of(folder: Path) -> list[int]:
    """Live province-server processes whose command line names ``folder`` (Linux /proc), after a moment for a
    terminated one to be reaped."""
    deadline = time.monotonic() + 15
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "province_server" in cmd and str(folder) in cmd:
                found.append(int(proc.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
