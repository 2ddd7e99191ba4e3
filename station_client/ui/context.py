"""What every page of the app is given: background tasks, who is logged in, settings, navigation, changes.

Pass the context in; no page reaches for globals. All attributes are used on the GUI thread.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from ..domain.accounts import Account
from ..domain.problems import Problem
from ..settings_schema import save_options
from ..store import ChangeSet
from .i18n import bilingual
from .tasks import Tasks

COALESCE_MS = 80


class Navigator(Protocol):
    def show_section(self, section_id: str) -> None: ...
    def open_record(self, kind: str, record_id: str) -> None: ...


class AppContext(QObject):
    changed = Signal(object)  # ChangeSet: many commits within COALESCE_MS arrive as one
    options_changed = Signal(object)  # dict of all options
    language_changed = Signal(str)
    officer_changed = Signal(object)  # Account | None

    def __init__(self, tasks: Tasks, options: dict[str, Any], *, language: str = "vi",
                 demo_password: tuple[str, str] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.options = dict(options)
        self.language = language
        self.demo_password = demo_password  # (username, password) shown on the login screen in demo mode only
        self.officer: Account | None = None
        self.navigator: Navigator | None = None
        self.sync: Any = None  # SyncBridge when the sync engine is available
        self.rekey: Any = None  # StationRekey (ui/rekey.py): a re-key made due in the app runs at once
        self.restore_after_close: Any = None  # Path of a backup to restore once the window has closed
        self.restored: Any = None  # BackupInfo of the restore made before this start: the head is told after login
        self.encrypt = False  # the real app (run_app) encrypts new stores and older plain ones (docs/encryption.md)
        self._pending: ChangeSet | None = None
        self._timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self._flush)
        tasks.changes.connect(self.note_changes)

    # ----------------------------------------------------------------- changes
    def note_changes(self, changes: ChangeSet) -> None:
        """Collect a change set (from our writer, or from the sync engine); views hear it once, shortly."""
        if self._pending is None:
            self._pending = ChangeSet()
        self._pending.merge(changes)
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending:
            self.changed.emit(pending)

    # ------------------------------------------------------------------ people
    @property
    def username(self) -> str:
        """The officer every write is attributed to."""
        if self.officer is None:
            raise RuntimeError("no officer logged in")
        return self.officer.username

    def set_officer(self, officer: Account | None) -> None:
        self.officer = officer
        self.officer_changed.emit(officer)

    def message(self, problem: Problem) -> str:
        return problem.message(self.language)

    def error_text(self, exc: BaseException) -> str:
        from ..domain.problems import ValidationError
        from ..store import StoreError

        if isinstance(exc, StoreError) or (hasattr(exc, "vi") and hasattr(exc, "en")):
            return bilingual(self.language, str(exc.vi), str(exc.en))  # type: ignore[attr-defined]
        if isinstance(exc, ValidationError):
            return "\n".join(exc.messages(self.language))
        return str(exc) or type(exc).__name__

    # ----------------------------------------------------------------- options
    def save_options(self, values: dict[str, Any], on_done: Any = None, on_failure: Any = None) -> None:
        def done(options: dict[str, Any]) -> None:
            self.options = options
            self.options_changed.emit(options)
            if on_done:
                on_done(options)

        officer = self.officer.username if self.officer else None
        self.tasks.run(lambda store: save_options(store, values, officer=officer), done, on_failure, on="write")

    def set_language(self, language: str) -> None:
        """Switch the UI language now (every widget gets a LanguageChange event) and remember it."""
        from .i18n import install_language

        if language == self.language:
            return
        self.language = language
        install_language(language)
        self.language_changed.emit(language)
        self.save_options({"ui.language": language})

    # -------------------------------------------------------------- navigation
    def show_section(self, section_id: str) -> None:
        if self.navigator:
            self.navigator.show_section(section_id)

    def open_record(self, kind: str, record_id: str) -> None:
        if self.navigator:
            self.navigator.open_record(kind, record_id)

    def write(self, op: Any, on_success: Any = None, on_failure: Any = None) -> None:
        """Shorthand: ``op(store)`` on the writer thread."""
        self.tasks.run(op, on_success, on_failure, on="write")
