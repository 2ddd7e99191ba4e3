"""The sync engine's scheduler, driven from the app, with its status and change sets as Qt signals.

``station_client.sync.scheduler.SyncScheduler`` runs the sync on its own worker thread with its own ``Store``
(plus a watchdog): on a timer, soon after a local change, when the link returns and on demand. Network I/O
therefore never runs on the GUI thread nor on the writer thread, so a slow link never delays a save. Its status
listeners and change listeners are called on the worker thread; the bridge re-emits them as queued Qt signals.
Jobs that talk to the province outside a cycle (enrollment) run on the tasks' "io" lane with their own store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..store import ChangeSet, Store
from ..sync.status import SyncStatus
from .context import AppContext

log = logging.getLogger(__name__)


class SyncBridge(QObject):
    status_changed = Signal(object)  # SyncStatus, on the GUI thread
    # SyncReport of a finished cycle, on the GUI thread: e.g. the province disabled an account and a re-key became
    # due (``report.applied.rekey_due``); the window starts it (``ui/rekey.py``), never the sync worker.
    cycle_finished = Signal(object)
    _changes = Signal(object)  # ChangeSet written by the sync worker

    def __init__(self, context: AppContext, parent: QObject | None = None):
        super().__init__(parent or context)
        self.context = context
        self.status = SyncStatus("not_enrolled")
        self.scheduler: Any = None
        self.status_changed.connect(self._remember)
        self._changes.connect(context.note_changes)
        context.tasks.changes.connect(self._local_change)
        context.options_changed.connect(self._options)

    # ------------------------------------------------------------------- life
    def start(self) -> None:
        if self.scheduler is not None:
            return
        try:
            from ..sync.scheduler import SchedulerConfig, SyncScheduler
        except ImportError:  # a build without the sync engine: the station works alone
            log.warning("sync engine not available")
            return
        config = SchedulerConfig(interval=self._interval_s(self.context.options))
        self.scheduler = SyncScheduler(self.context.tasks.db_path, config)
        self.scheduler.add_status_listener(self.status_changed.emit)
        self.scheduler.add_change_listener(self._changes.emit)
        self.scheduler.add_report_listener(self.cycle_finished.emit)
        self.scheduler.start()

    def stop(self, wait: float = 1.0) -> None:
        """Stop syncing without freezing the window: ``SyncScheduler.stop`` joins its watchdog, which sleeps in
        5 s steps, so it runs on a helper thread and the GUI waits at most ``wait`` (an interrupted cycle is
        safe: every page is applied in one transaction)."""
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is None:
            return
        stopper = threading.Thread(target=scheduler.stop, name="sync-stop", daemon=True)
        stopper.start()
        stopper.join(wait)

    def detach(self) -> Any:
        """Take the running scheduler away from the bridge (None if not running) for the caller to stop off the GUI
        thread, e.g. before a re-key (``ui/rekey.py``); ``start`` makes a new one."""
        scheduler, self.scheduler = self.scheduler, None
        return scheduler

    def enrolled(self) -> None:
        """After enrollment: the worker builds its engine from the new identity on the next cycle."""
        self.sync_now()

    # ------------------------------------------------------------- requests
    def sync_now(self) -> None:
        if self.scheduler is not None:
            self.scheduler.request_sync()

    def submit(self, job: Callable[[Store], Any], on_success: Callable[[Any], None] | None = None,
               on_failure: Callable[[BaseException], None] | None = None) -> None:
        """Run ``job(store)`` off the GUI thread with a store of its own (enrollment talks to the province)."""
        path = self.context.tasks.db_path

        def run() -> Any:
            with Store.open(path) as store:
                return job(store)

        self.context.tasks.run(run, on_success, on_failure, on="io")

    # ------------------------------------------------------------- internal
    def _remember(self, status: SyncStatus) -> None:
        self.status = status

    def _local_change(self, changes: ChangeSet) -> None:
        if changes.sync_state and self.scheduler is not None:
            self.scheduler.notify_local_change()

    @staticmethod
    def _interval_s(options: dict[str, Any]) -> float:
        return max(1, int(options.get("sync.interval_min") or 5)) * 60.0

    def _options(self, options: dict[str, Any]) -> None:
        if self.scheduler is not None:
            self.scheduler.config.interval = self._interval_s(options)  # read by the worker on its next wait
