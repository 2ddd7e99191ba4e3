"""The officers UI: the head resets and disables an officer in Settings; the officer must choose their own
password at the next login; an officer sees neither the officer list nor the station's server settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from station_client.paths import db_path
from station_client.store import Store
from station_client.store import accounts as acc
from tests.ui.conftest import HEAD, logged_in, type_text


def test_head_resets_and_disables_then_officer_sets_own_password(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    from station_client.ui.settings import SettingsView

    app = logged_in(qtbot, app_factory, data_dir)
    w = app.window
    app.context.write(lambda store: acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass",
                                                       created_by=HEAD[0]))
    view = SettingsView(app.context)
    qtbot.addWidget(view)
    box = view.officers
    assert box is not None
    qtbot.waitUntil(lambda: box.table.rowCount() == 2)
    row = next(i for i, info in enumerate(box.infos) if info.username == "canbo1")
    box.table.selectRow(row)
    assert box.reset_button.isEnabled() and box.toggle_button.isEnabled()
    type_text(qtbot, box.reset_pw, "tam2025reset")
    type_text(qtbot, box.reset_pw2, "tam2025reset")
    qtbot.mouseClick(box.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Phạm Thị Lan" in box.status.text())
    assert any(i.must_change for i in box.infos if i.username == "canbo1")
    # Disable, then enable again (the head's own row cannot be disabled from here).
    qtbot.mouseClick(box.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not next(i for i in box.infos if i.username == "canbo1").active)
    with Store.open(db_path(data_dir)) as store:
        assert store.conn.execute("SELECT active FROM accounts WHERE username = 'canbo1'").fetchone()[0] == 0
    qtbot.mouseClick(box.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: next(i for i in box.infos if i.username == "canbo1").active)
    box.table.selectRow(next(i for i, info in enumerate(box.infos) if info.username == HEAD[0]))
    assert not box.toggle_button.isEnabled()
    app.context.set_language("en")  # the English catalogue has the officers' and retention strings
    try:
        qtbot.waitUntil(lambda: box.title() == "Station officers")
        assert box.reset_button.text() == "Reset password"
        assert view.retention_box.title() == "Retention of personal details"
        assert w.new_password.button.text() == "Change password and continue"
    finally:
        app.context.set_language("vi")

    # The officer logs in with the reset password and must choose their own before the work area.
    w.lock()
    qtbot.mouseClick(w.login.switch_user, Qt.MouseButton.LeftButton)
    type_text(qtbot, w.login.username, "canbo1")
    type_text(qtbot, w.login.password, "tam2025reset")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.new_password)
    page = w.new_password
    type_text(qtbot, page.current, "tam2025reset")
    type_text(qtbot, page.new, "lan2025mine")
    type_text(qtbot, page.confirm, "lan2025other")  # mismatch: stays, says why
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.form.fields["confirm"].error.isVisibleTo(page))
    assert w.stack.currentWidget() is page
    page.confirm.clear()
    type_text(qtbot, page.confirm, "lan2025mine")
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    assert app.context.username == "canbo1" and not app.context.officer.must_change

    # An officer's Settings: no officer list, the server address and enrollment not editable.
    officer_view = SettingsView(app.context)
    qtbot.addWidget(officer_view)
    assert officer_view.officers is None
    assert not officer_view.server.isEnabled() and not officer_view.enroll_button.isEnabled()
    assert not officer_view.retention_box.isVisibleTo(officer_view)
    with Store.open(db_path(data_dir)) as store:
        assert not acc.verify(store, "canbo1", "lan2025mine").must_change


def test_conflict_editor_offers_delete_and_restore_to_the_head_only(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    import json
    import uuid

    from station_client.clock import now_iso
    from station_client.synthetic import populate
    from tests.ui.conftest import make_head

    make_head(data_dir)
    with Store.open(db_path(data_dir)) as store:
        populate(store, 2, officer="truong")  # make_head logged the head in
        acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass")
        person = next(store.iter_records("person"))
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO conflicts(id, kind, record_id, change_id, conflict_type, fields, server_version, "
                "server_record, detected_at, origin) VALUES (?, 'person', ?, NULL, 'edit_vs_delete', ?, 3, ?, ?, "
                "'province')", (str(uuid.uuid4()), person["id"],
                                json.dumps({"occupation": {"station": "Giáo viên", "server": None}}),
                                json.dumps({"full_name": person["full_name"]}), now_iso()))
    app = app_factory()
    w = app.window
    type_text(qtbot, w.login.username, "canbo1")
    type_text(qtbot, w.login.password, "lan12345pass")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    w.workspace.show_section("sync")
    view = w.workspace.widgets["sync"]
    qtbot.waitUntil(lambda: view.editor.conflict is not None)
    # The province deleted it: keeping the station's edit would bring it back — the head's call.
    assert not view.editor.resolve_button.isEnabled() and not view.editor.delete_button.isVisibleTo(view)


def test_the_app_writes_as_the_logged_in_officer_whoever_it_names(qtbot, app_factory, data_dir) -> None:  # type: ignore[no-untyped-def]
    """Issue 13, defect 1, from the app: every write of a session is the logged-in officer's; a write that names
    the head is refused; after the lock screen's 'another officer' the writes are the new officer's."""
    from station_client.store.errors import PermissionDenied
    from tests.ui.conftest import make_head

    make_head(data_dir)
    with Store.open(db_path(data_dir)) as store:
        acc.create_account(store, "canbo1", "Phạm Thị Lan", "officer", "lan12345pass")
        store.log_out()
    app = app_factory()
    w = app.window
    type_text(qtbot, w.login.username, "canbo1")
    type_text(qtbot, w.login.password, "lan12345pass")
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace)
    person = {"full_name": "Trần Văn Hòa", "birth_date": "1985-02-03", "sex": "M", "personal_id": "022085000321"}
    rid = app.tasks.call_write(lambda store: store.create("person", person, officer=app.context.username))["id"]
    with pytest.raises(PermissionDenied):
        app.tasks.call_write(lambda store: store.delete("person", rid, officer=HEAD[0]))
    w.lock()  # the lock screen; the head takes the chair
    qtbot.mouseClick(w.login.switch_user, Qt.MouseButton.LeftButton)
    type_text(qtbot, w.login.username, HEAD[0])
    type_text(qtbot, w.login.password, HEAD[2])
    qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.workspace and app.context.username == HEAD[0])
    app.tasks.call_write(lambda store: store.update("person", rid, {"occupation": "Giáo viên"}))
    with Store.open(db_path(data_dir)) as store:
        rows = store.conn.execute("SELECT officer, action FROM audit WHERE record_id = ? ORDER BY seq",
                                  (rid,)).fetchall()
        assert [tuple(r) for r in rows] == [("canbo1", "create"), (HEAD[0], "update")]
