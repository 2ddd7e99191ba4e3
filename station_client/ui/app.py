"""Starting the GUI: ``station-client`` with no subcommand calls ``run_app``.

``create_app`` builds everything without entering the event loop (the tests and the benches use it):
QApplication, shipped fonts, language, the background tasks (the writer thread opens and migrates the
store), the feature sections, the sync bridge and the main window.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from ..paths import db_path
from ..settings_schema import load_options
from ..store import StoreError
from ..store import accounts as account_store
from ..store import unlock as unlocking
from . import rekey, sections, style, unlock_pages, wheel
from .context import AppContext
from .i18n import install_language, load_fonts, prefer_vietnamese_system_dates
from .main_window import MainWindow
from .quit_signals import quit_on_signals
from .tasks import Tasks

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_S = 15.0  # for a sync request in flight to be aborted and its worker to end


@dataclass
class App:
    qapp: QApplication
    tasks: Tasks
    context: AppContext
    window: MainWindow

    def close(self) -> None:
        """Tear down in order, while the QApplication is alive: the window, then the sync worker (joined: a
        worker still running Python while the interpreter finalised crashed the process once, 'bool_dealloc'),
        then the database threads."""
        if shiboken6.isValid(self.window):  # a test's qtbot may have deleted it already
            self.window.close()
        if shiboken6.isValid(self.context) and self.context.sync is not None:
            self.context.sync.stop(wait=SHUTDOWN_WAIT_S)  # the window is gone: waiting shows nothing
        if shiboken6.isValid(self.tasks):
            self.tasks.close()

    def release(self) -> None:
        """After ``close``: delete the Qt objects now, children before the application, rather than leave them
        to the garbage collector's order at interpreter exit."""
        for obj in (self.window, self.context, self.tasks):
            if shiboken6.isValid(obj):
                obj.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def qapplication() -> QApplication:
    app = QApplication.instance()
    if app is None:
        prefer_vietnamese_system_dates()
        app = QApplication(sys.argv[:1])
        app.setApplicationName("station-client")
        # The platform appends it to every window title; the main window sets it again in the officer's language.
        app.setApplicationDisplayName("Phần mềm Công an xã/phường")
    assert isinstance(app, QApplication)
    wheel.install(app)  # no combo, spin box or date field changes under a passing wheel (ui/wheel.py)
    style.install(app)  # one look: the primary action, status chips (ui/style.py)
    return app


def create_app(data_dir: str | Path | None = None, *, language: str | None = None,
               demo_password: tuple[str, str] | None = None, start_sync: bool = True, encrypt: bool = False,
               restored: Any = None) -> App:
    """Everything up to a shown-able main window. Raises ``StoreError`` if the station file cannot be opened.

    ``encrypt`` (the real app: ``run_app``): a new station is set up encrypted and an older plain one is
    encrypted at its station head's login (docs/encryption.md). Without it (tests, benches) a new station stays
    plain. Either way an encrypted, locked station is not opened before a login: the window starts on the login
    page with no options and no sync, which come once the typed password has unlocked the data key.

    ``restored``: the ``BackupInfo`` of a restore ``run_app`` just made; the next station head to log in is shown
    what it kept of the accounts (``MainWindow``; the officer list keeps showing it)."""
    qapp = qapplication()
    load_fonts(qapp)
    path = db_path(data_dir)
    state = unlocking.state(path)
    store_now = state in ("plain", "unlocked") or (state == "new" and not encrypt)
    tasks = Tasks(path)
    options: dict = {}
    n_accounts = 0 if state == "new" else 1
    try:
        if store_now:
            tasks.open_store()
            options, n_accounts = tasks.call_write(lambda s: (load_options(s), account_store.count_accounts(s)))
    except BaseException:
        tasks.close()
        raise
    language = language or options.get("ui.language") or "vi"
    install_language(language)
    context = AppContext(tasks, options, language=language, demo_password=demo_password)
    context.encrypt = encrypt
    context.restored = restored
    from . import today  # noqa: F401  (registers the Today section)

    sections.load_feature_modules()
    if start_sync:
        from .sync_bridge import SyncBridge

        context.sync = SyncBridge(context)
    rekey.install(context)
    window = MainWindow(context, needs_setup=n_accounts == 0)
    unlock_pages.install(window)
    if context.sync is not None:
        context.sync.status_changed.connect(window.sync_bar.set_status)
        context.sync.cycle_finished.connect(window.sync_cycle_finished)  # the province's disables (re-key)
        # A plain store about to be encrypted at the head's login, or a locked one: the sync starts at login
        # (its own connection must not hold the old file; it has no key yet).
        if store_now and not (encrypt and state == "plain"):
            context.sync.start()
    return App(qapp, tasks, context, window)


def run_app(args: argparse.Namespace, *, demo_password: tuple[str, str] | None = None) -> int:
    """The event loop. Runs again after a restore from the Settings page (the station file is replaced while no
    connection is open)."""
    from ..store.backup import restore

    qapp = qapplication()
    data_dir = getattr(args, "data_dir", None)
    restored = None
    while True:
        # Ctrl+C or SIGTERM close the app cleanly, whenever they come: before the loop runs it is not started,
        # during the teardown they change nothing.
        with quit_on_signals(qapp) as stop:
            try:
                app = create_app(data_dir, language=getattr(args, "lang", None), demo_password=demo_password,
                                 encrypt=True, restored=restored)
            except StoreError as exc:
                _fatal(qapp, exc)
                return 1
            app.window.show_on_screen()  # maximised on a screen smaller than its preferred size
            code = 0 if stop.requested else qapp.exec()
            pending = None if stop.requested else app.context.restore_after_close
            app.close()
            app.release()
        if pending is None:
            return code
        try:
            restored, _kept = restore(pending, db_path(data_dir))
        except StoreError as exc:
            restored = None
            _fatal(qapp, exc)


def _fatal(qapp: QApplication, exc: StoreError) -> None:
    load_fonts(qapp)
    # No title of its own: the platform shows the program's name ("Station Client" was English in both languages).
    box = QMessageBox(QMessageBox.Icon.Critical, "", f"{exc.vi}\n\n{exc.en}")
    box.addButton("Đóng / Close", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
