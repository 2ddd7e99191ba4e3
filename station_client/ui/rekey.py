"""The re-key in the running app (docs/encryption.md, "Re-key"): when the station head disables an officer or
resets a password, the data key changes at once, not at the head's next login, so the officer's older copy of
the key file opens nothing written from then on.

Only the app's own resources are handled here: the sync worker is stopped (it holds its own connection), the
background tasks close every connection and hold back reads meanwhile (``Tasks.exclusive``), the store does the
re-key (``unlock.rekey_now``: crash-safe, audited), then the store is opened again and the sync restarted. A
recovery key the re-key had to make is handed to the window (``recovery_key``) to be shown once. Nothing runs on
the GUI thread but the callbacks.

A disable the province made arrives by a sync (``sync_ops.apply_response`` takes it; the cycle's report says a
re-key became due): the window starts the same re-key once that cycle is over (``run(by_program=True)``), under
whoever is logged in. Under an officer who is not a station head it runs only when it needs nobody's eyes — no new
recovery key, no active head's entry dropped — else it stays due for a head (``RekeyOutcome.waits_for_head``); never
under the session of the officer who was disabled (the window locks instead). docs/security.md says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from ..store import StoreError
from ..store import unlock as unlocking
from .context import AppContext

log = logging.getLogger(__name__)
SYNC_STOP_S = 15.0  # for a sync request in flight to be aborted and the worker to close its store


@dataclass(frozen=True)
class RekeyOutcome:
    """``done``: the data key changed; False: another program had the file open, or ``waits_for_head`` (the re-key
    stays due and runs at a head's next login). ``recovery_key``: a new recovery key was made (shown once by the
    window). ``waits_for_head``: run without a head, it would have had to make a new recovery key or drop a head's
    entry; nothing was changed."""

    done: bool
    recovery_key: bool = False
    waits_for_head: bool = False


class StationRekey(QObject):
    """``run()`` re-keys the station file now if a re-key is due; one at a time. Callbacks on the GUI thread."""

    recovery_key = Signal(str, object)  # (recovery key, Account): shown once by the window's recovery-key page
    progress = Signal(int, int)  # (pages done, pages in all), on the GUI thread
    finished = Signal(object)  # RekeyOutcome
    _worker_progress = Signal(int, int)  # emitted on the writer thread, queued to ``_on_progress``

    def __init__(self, context: AppContext, parent: QObject | None = None):
        super().__init__(parent or context)
        self.context = context
        self.running = False
        self._worker_progress.connect(self._on_progress)

    def due(self) -> bool:
        """A disable or a reset made a re-key due (the key file says so; a plain station never)."""
        try:
            return unlocking.rekey_due(self.context.tasks.db_path)
        except OSError:
            return False

    def run(self, on_done: Callable[[RekeyOutcome], None] | None = None,
            on_failure: Callable[[BaseException], None] | None = None, *, head_present: bool = True,
            by_program: bool = False) -> bool:
        """Start the re-key if one is due and none runs; False when nothing was started. ``head_present=False``:
        the logged-in officer is not a station head (``unlock.rekey_now``: only a re-key that needs no head runs).
        ``by_program``: not an officer's click but the province's disable (audited as ``system:rekey``)."""
        if self.running or not self.due():
            return False
        self.running = True
        context, db = self.context, self.context.tasks.db_path
        bridge = context.sync
        scheduler = bridge.detach() if bridge is not None else None
        report = self._worker_progress.emit

        def op() -> tuple[bool, str | None, bool]:  # on the writer thread, no connection of the app open
            if scheduler is not None and not scheduler.stop(SYNC_STOP_S):
                raise StoreError("Đồng bộ chưa dừng được; dữ liệu sẽ được mã hóa lại khi Trưởng Công an đăng nhập "
                                 "lần tới.", "The sync could not be stopped; the data will be re-encrypted at the "
                                 "station head's next login.")
            try:
                key = unlocking.rekey_now(db, on_progress=lambda _step, done, total: report(done, total),
                                          head_present=head_present, by_program=by_program)
            except unlocking.RekeyWaitsForHead:
                return False, None, True
            return key is not None, unlocking.take_recovery_key(db), False

        def done(result: tuple[bool, str | None, bool]) -> None:
            self._restart_sync(scheduler is not None)
            changed, recovery, waits = result
            outcome = RekeyOutcome(changed, recovery is not None, waits)
            if recovery is not None and context.officer is not None:
                self.recovery_key.emit(recovery, context.officer)
            self.finished.emit(outcome)
            if on_done is not None:
                on_done(outcome)

        def failed(exc: BaseException) -> None:
            self._restart_sync(scheduler is not None)
            log.warning("re-key in the app failed: %s", type(exc).__name__)
            if on_failure is not None:
                on_failure(exc)
            else:
                context.tasks.failed.emit(exc)

        if context.tasks.exclusive(op, done, failed) is None:  # the app is closing
            self.running = False
            return False
        return True

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.emit(done, total)

    def _restart_sync(self, was_running: bool) -> None:
        """The sync worker again (a new one: its store opens with the new key), if it ran before."""
        self.running = False
        if was_running and self.context.sync is not None:
            self.context.sync.start()


def install(context: AppContext) -> StationRekey:
    """The app's re-keyer, kept on the context (``context.rekey``) for the pages that make a re-key due."""
    rekey = StationRekey(context)
    context.rekey = rekey
    return rekey
