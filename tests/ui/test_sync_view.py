"""Status bar and the conflict review screen."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from PySide6.QtCore import Qt

from station_client.clock import now_iso, utcnow
from station_client.paths import db_path
from station_client.store import Store
from station_client.sync.status import SyncStatus
from station_client.synthetic import populate

from .conftest import logged_in


def _conflict(store: Store) -> tuple[str, str]:
    person = next(store.iter_records("person"))
    cid = str(uuid.uuid4())
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO conflicts(id, kind, record_id, change_id, conflict_type, fields, server_version, "
            "server_record, detected_at, origin) VALUES (?, 'person', ?, NULL, 'edit', ?, 3, ?, ?, 'province')",
            (cid, person["id"], json.dumps({"occupation": {"station": "Giáo viên", "server": "Kỹ sư"},
                                            "phone": {"station": "0912345678", "server": "0987654321"}}),
             json.dumps({"full_name": person["full_name"], "occupation": "Kỹ sư"}), now_iso()))
    return cid, person["id"]


def test_conflict_review_side_by_side_choose_and_resolve(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 3)
        cid, pid = _conflict(store)
    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    w.sync_bar.set_status(SyncStatus("failed", pending=4, conflicts=1, last_error_vi="Máy chủ bận",
                                     last_success=utcnow() - timedelta(minutes=5)))
    assert w.sync_bar.conflicts.isVisible()
    assert w.sync_bar.last.text().endswith("5 phút trước")
    assert w.sync_bar.pending.text() == "Chờ gửi: 4"
    assert "Máy chủ bận" in w.sync_bar.state.text()
    qtbot.mouseClick(w.sync_bar.conflicts, Qt.MouseButton.LeftButton)
    view = w.workspace.widgets["sync"]
    assert w.workspace.pages.currentWidget() is view
    qtbot.waitUntil(lambda: view.editor.conflict is not None)
    editor = view.editor
    mine, theirs, edit = editor.rows["occupation"]
    assert mine.text() == "Giáo viên" and theirs.text() == "Kỹ sư" and edit.text() == "Giáo viên"
    editor.choose("occupation", "server")
    assert edit.text() == "Kỹ sư"
    phone_edit = editor.rows["phone"][2]
    phone_edit.setText("0911222333")  # neither side: the officer types the right one
    qtbot.mouseClick(editor.resolve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.conflicts)
    assert editor.conflict is None
    with Store.open(db_path(data_dir)) as store:
        person = store.get("person", pid)
        assert person["occupation"] == "Kỹ sư" and person["phone"] == "0911222333"
        row = store.conn.execute("SELECT status, resolved_by FROM conflicts WHERE id = ?", (cid,)).fetchone()
        assert tuple(row) == ("resolving", "truong")
        assert store.conn.execute("SELECT count(*) FROM outbox WHERE resolves = ?", (cid,)).fetchone()[0] == 1


def test_not_enrolled_status_from_the_bridge(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 5)
        pending = store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    assert pending > 0
    app = logged_in(qtbot, app_factory, data_dir, start_sync=True)
    bar = app.window.sync_bar
    qtbot.waitUntil(lambda: bar.status.pending == pending)  # counted on the sync thread, shown on the GUI thread
    assert bar.status.state == "not_enrolled"
    assert bar.pending.text() == f"Chờ gửi: {pending}"
    assert bar.state.text().startswith("Chưa đăng ký với Công an tỉnh")
    assert not bar.last.isVisible()


def test_status_bar_states_first_sync_progress_and_offline(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    app = logged_in(qtbot, app_factory, data_dir)
    bar = app.window.sync_bar
    bar.set_status(SyncStatus("syncing", pending=12, progress_done=300, progress_total=1200))
    assert bar.progress.isVisible() and bar.progress.value() == 300 and bar.progress.maximum() == 1200
    assert bar.state.text() == "Đang đồng bộ…"
    assert not bar.sync_now.isEnabled()  # one sync at a time
    bar.set_status(SyncStatus("offline", pending=12, last_success=utcnow() - timedelta(hours=3)))
    assert not bar.progress.isVisible() and bar.sync_now.isEnabled()
    assert bar.state.text().startswith("Mất kết nối — thay đổi đã được lưu")
    assert bar.last.text().endswith("3 giờ trước")
    app.context.set_language("en")
    qtbot.waitUntil(lambda: bar.state.text().startswith("Offline — changes are saved"))  # LanguageChange is posted
    assert bar.last.text() == "Last successful sync: 3 hours ago"
    assert bar.pending.text() == "Pending: 12"
    app.context.set_language("vi")


def test_rejected_records_listed_with_the_reason_and_shown_on_the_person(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 3)
        person = next(store.iter_records("person"))
        with store.transaction() as conn:  # what the sync engine records for a refused change
            conn.execute("UPDATE persons SET sync_state = 'rejected', sync_note = ? WHERE id = ?",
                         ("Tỉnh từ chối: Số định danh đã được dùng ở xã khác.", person["id"]))
    app = logged_in(qtbot, app_factory, data_dir)
    app.context.show_section("sync")
    view = app.window.workspace.widgets["sync"]
    qtbot.waitUntil(lambda: view.rejected.count() == 1)
    assert view.rejected.item(0).text() == (f"Nhân khẩu: {person['full_name']}\n"
                                            "    Tỉnh từ chối: Số định danh đã được dùng ở xã khác.")
    view.rejected.itemActivated.emit(view.rejected.item(0))
    residents = app.window.workspace.widgets["residents"]
    qtbot.waitUntil(lambda: residents.person.record is not None)
    assert residents.person.sync_label.text() == ("Trạng thái đồng bộ: bị từ chối — Tỉnh từ chối: Số định danh đã "
                                                  "được dùng ở xã khác.")


def test_a_field_conflict_of_a_record_deleted_since_says_it_stays_deleted(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """The officer deleted the resident after the conflict was found: the screen says that settling the values
    keeps the resident deleted, and the click does exactly that (store: resolve_conflict)."""
    data_dir.mkdir(parents=True)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 3)
        cid, pid = _conflict(store)
        store.delete("person", pid, officer="truong")
    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    w.sync_bar.set_status(SyncStatus("failed", pending=4, conflicts=1))
    qtbot.mouseClick(w.sync_bar.conflicts, Qt.MouseButton.LeftButton)
    view = w.workspace.widgets["sync"]
    qtbot.waitUntil(lambda: view.editor.conflict is not None)
    editor = view.editor
    assert "vẫn giữ hồ sơ ở trạng thái đã xóa" in editor.title.text()
    assert not editor.delete_button.isVisible()
    qtbot.mouseClick(editor.resolve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.conflicts)
    with Store.open(db_path(data_dir)) as store:
        assert store.get("person", pid, include_deleted=True)["deleted"] is True
        [op] = store.conn.execute("SELECT op FROM outbox WHERE resolves = ?", (cid,)).fetchone()
        assert op == "delete"
