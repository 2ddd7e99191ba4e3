"""Backup and restore through the CLI: consistent copy, refusals with clear words, the previous data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from station_client.cli import main
from station_client.paths import db_path
from station_client.store import Store
from station_client.synthetic import populate


def test_backup_then_restore_keeps_the_current_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with Store.open(db_path(home)) as store:
        populate(store, 40)
    out = tmp_path / "usb" / "backup.db"
    assert main(["--data-dir", str(home), "backup", str(out)]) == 0
    assert "40 nhân khẩu" in capsys.readouterr().out
    with Store.open(db_path(home)) as store:  # work goes on after the backup
        populate(store, 10, seed=7)
        assert store.count("person") == 50
    assert main(["--data-dir", str(home), "restore", str(out)]) == 0
    text = capsys.readouterr().out
    assert "before-restore" in text
    with Store.open(db_path(home)) as store:
        assert store.count("person") == 40
    kept = next(home.glob("station.db.before-restore-*.bak"))
    conn = sqlite3.connect(kept)
    assert conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 50
    conn.close()


def test_restore_refuses_foreign_and_newer_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    with Store.open(db_path(home)) as store:
        populate(store, 5)
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t(x)")
    conn.close()
    assert main(["--data-dir", str(home), "restore", str(foreign)]) == 1
    assert "không phải là bản sao lưu" in capsys.readouterr().err

    newer = tmp_path / "newer.db"
    assert main(["--data-dir", str(home), "backup", str(newer)]) == 0
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', '2030-01-01')")
    conn.commit()
    conn.close()
    assert main(["--data-dir", str(home), "restore", str(newer)]) == 1
    err = capsys.readouterr().err
    assert "phiên bản mới hơn" in err and "newer Station Client" in err
    with Store.open(db_path(home)) as store:
        assert store.count("person") == 5  # untouched
    assert not list(home.glob("*.before-restore-*"))


def test_backup_while_writing_is_consistent(tmp_path: Path) -> None:
    import threading

    home = tmp_path / "home"
    with Store.open(db_path(home)) as store:
        populate(store, 20)
    stop = threading.Event()

    def writer() -> None:
        with Store.open(db_path(home)) as store:
            seed = 100
            while not stop.is_set():
                populate(store, 5, seed=seed)
                seed += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        for i in range(3):
            assert main(["--data-dir", str(home), "backup", str(tmp_path / f"b{i}.db")]) == 0
    finally:
        stop.set()
        t.join()
    for i in range(3):
        conn = sqlite3.connect(tmp_path / f"b{i}.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        persons = conn.execute("SELECT count(*) FROM persons").fetchone()[0]
        audits = conn.execute("SELECT count(*) FROM audit WHERE kind = 'person'").fetchone()[0]
        assert persons == audits  # record and audit always together: a snapshot, not a torn copy
        conn.close()


def test_backup_from_the_settings_page(qtbot, app_factory, data_dir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .conftest import logged_in

    app = logged_in(qtbot, app_factory, data_dir)
    app.context.show_section("settings")
    settings = app.window.workspace.widgets["settings"]
    assert settings.restore_button.isVisible()  # the station head may restore
    dest = tmp_path / "from-app.db"
    settings.run_backup(dest)
    qtbot.waitUntil(lambda: settings.backup_status.text().startswith("Đã sao lưu"), timeout=5000)
    assert str(dest) in settings.backup_status.text()
    conn = sqlite3.connect(dest)
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 1
    conn.close()


def test_restore_from_the_settings_page_then_start_again(qtbot, app_factory, data_dir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from station_client.store.backup import restore
    from station_client.ui.app import create_app

    from .conftest import logged_in

    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 12)
    app = logged_in(qtbot, app_factory, data_dir)
    app.context.show_section("settings")
    settings = app.window.workspace.widgets["settings"]
    backup_file = tmp_path / "b.db"
    settings.run_backup(backup_file)
    qtbot.waitUntil(lambda: settings.backup_status.text().startswith("Đã sao lưu"), timeout=5000)
    with Store.open(db_path(data_dir)) as store:  # work after the backup, to be undone by the restore
        populate(store, 3, seed=9)
    settings.schedule_restore(backup_file)
    assert not app.window.isVisible()
    pending = app.context.restore_after_close
    app.close()
    restore(pending, db_path(data_dir))  # what run_app does between two runs of the window
    again = create_app(data_dir, start_sync=False)
    try:
        assert again.window.stack.currentWidget() is again.window.login  # accounts came back with the data
        with Store.open(db_path(data_dir)) as store:
            assert store.count("person") == 12
    finally:
        again.close()
