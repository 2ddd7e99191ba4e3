"""GUI test fixtures: one session QApplication (pytest-qt), the app built on a fresh data folder per test,
translations compiled once, and a fast password KDF so logins don't dominate the run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    for ts in TRANSLATIONS.glob("*.ts"):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(qm)], check=True)


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    from station_client.domain import accounts

    monkeypatch.setattr(accounts, "SCRYPT_N", 2**10)


HEAD = ("truong", "Nguyễn Văn Trưởng", "matkhau2025")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "station"


def make_head(data_dir: Path) -> None:
    from station_client.paths import db_path
    from station_client.settings_schema import save_options
    from station_client.store import Store
    from station_client.store.accounts import create_account

    with Store.open(db_path(data_dir)) as store:
        create_account(store, HEAD[0], HEAD[1], "station_head", HEAD[2], HEAD[2])
        save_options(store, {"station.name": "Công an phường Mạo Khê", "station.province_code": "22",
                             "station.commune_code": "07069"})


@pytest.fixture
def app_factory(qtbot, data_dir: Path) -> Iterator:  # type: ignore[no-untyped-def]
    from station_client.ui.app import create_app

    made = []

    def make(**kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("start_sync", False)
        app = create_app(data_dir, **kwargs)
        qtbot.addWidget(app.window)
        app.window.show()
        app.window.activateWindow()
        qtbot.waitUntil(app.window.isActiveWindow)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


def type_text(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type like a keyboard (Vietnamese included: QTest only knows ASCII keys, so other characters are sent as
    key events carrying their text, as an input method does)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def logged_in(qtbot, app_factory, data_dir, **kwargs):  # type: ignore[no-untyped-def]
    """The app on a station with a head account, logged in through the login page."""
    from PySide6.QtCore import Qt

    make_head(data_dir)
    app = app_factory(**kwargs)
    w = app.window
    type_text(qtbot, w.login.username, HEAD[0])
    type_text(qtbot, w.login.password, HEAD[2])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    return app
