"""Ctrl+C ends the app cleanly: the event loop returns on SIGINT, and ``station-client demo`` then stops the
province server it started (nothing left listening after the newcomer closes the demo)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from station_client.ui.quit_signals import quit_on_signals


def test_sigint_returns_from_the_event_loop(qapp) -> None:  # type: ignore[no-untyped-def]
    fired: list[str] = []
    QTimer.singleShot(50, lambda: os.kill(os.getpid(), signal.SIGINT))
    QTimer.singleShot(5000, lambda: (fired.append("timeout"), qapp.quit()))
    started = time.monotonic()
    with quit_on_signals(qapp):
        qapp.exec()
    assert fired == [] and time.monotonic() - started < 4
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


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
        url = next(line.split("tại ")[1].strip() for line in lines if "chạy tại" in line)
        time.sleep(1.0)  # the window is up
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0, "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
    import requests

    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/healthz", timeout=2)
