"""Issue 14, item 6: a damaged station file is shown to the officer after the login (the start check runs on a
reader thread and reaches the main window's error path), not discovered weeks later by a backup."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from station_client.paths import db_path
from station_client.store import Store
from station_client.store.integrity import DamagedDatabase
from station_client.synthetic import populate


def _damage(db: Path, table: str) -> None:
    with Store.open(db) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[(page - 1) * size + 3] ^= 0xFF
    db.write_bytes(bytes(data))


def test_a_damaged_file_is_shown_after_the_login(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from .conftest import HEAD, make_head, type_text

    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 30, seed=3)
    make_head(data_dir)
    _damage(db_path(data_dir), "residences")  # what the login and the first page do not read
    app = app_factory()
    failures: list[BaseException] = []
    app.context.tasks.failed.connect(failures.append)
    w = app.window
    type_text(qtbot, w.login.username, HEAD[0])
    type_text(qtbot, w.login.password, HEAD[2])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert isinstance(failures[0], DamagedDatabase)
    assert "station-client restore" in failures[0].en
    qtbot.waitUntil(lambda: any(b.isVisible() and "bị hỏng" in b.text() for b in w.findChildren(QMessageBox)),
                    timeout=5000)


def test_the_app_refuses_a_key_file_without_its_database(qtbot, data_dir) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from station_client.store import unlock as unlocking
    from station_client.store.connection import forget_key
    from station_client.ui.app import create_app

    db = db_path(data_dir)
    unlocking.setup(db, "truong", "matkhau2025", "matkhau2025")
    with Store.open(db) as store:
        populate(store, 3, seed=1)
    forget_key()
    db.unlink()
    for side in data_dir.glob("station.db-*"):
        side.unlink()
    before = sorted(p.name for p in data_dir.iterdir())
    with pytest.raises(unlocking.DataMissing) as info:
        create_app(data_dir, start_sync=False, encrypt=True)  # run_app shows this in its error box
    assert "station-client restore" in info.value.vi and "station-client restore" in info.value.en
    assert sorted(p.name for p in data_dir.iterdir()) == before  # nothing created, the key file not moved
