"""The sync engine, driven from the app: its own thread, its own ``Store`` connection, status as a Qt signal.

The engine (``station_client.sync``) is plain Python and uses one ``Store`` on the thread that opened it. The
bridge gives it a dedicated thread that opens the station file, then waits for work: "sync now", a local save
(debounced), the interval timer, or a job such as enrollment. Network I/O therefore never runs on the GUI thread
nor on the writer thread, so a slow link never delays a save. Status listeners and change sets, called on that
thread, are re-emitted as queued Qt signals.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ..store import ChangeSet, Store
from ..store import sync_ops as ops
from ..sync.status import SyncStatus
from .context import AppContext

log = logging.getLogger(__name__)
SAVE_DELAY_MS = 3000  # a burst of saves becomes one sync


class SyncBridge(QObject):
    status_changed = Signal(object)  # SyncStatus, on the GUI thread
    _changes = Signal(object)  # ChangeSet from the sync thread's store
    _deliver = Signal(object)  # a callable to run on the GUI thread

    def __init__(self, context: AppContext, parent: QObject | None = None):
        super().__init__(parent or context)
        self.context = context
        self.status = SyncStatus("not_enrolled")
        self._jobs: queue.Queue[Callable[[Store], None] | None] = queue.Queue()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._engine: Any = None
        self.status_changed.connect(self._remember)
        self._changes.connect(context.note_changes)
        self._deliver.connect(self._run_delivered)
        self._after_save = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._after_save.timeout.connect(self.sync_now)
        self._interval = QTimer(self)
        self._interval.timeout.connect(self.sync_now)
        context.tasks.changes.connect(self._local_change)
        context.options_changed.connect(self._options)
        self._options(context.options)

    # ------------------------------------------------------------------- GUI side
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="station-sync", daemon=True)
            self._thread.start()
            self.sync_now()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._cancel.set()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def sync_now(self) -> None:
        self._jobs.put(self._sync)

    def submit(self, job: Callable[[Store], Any], on_success: Callable[[Any], None] | None = None,
               on_failure: Callable[[BaseException], None] | None = None) -> None:
        """Run ``job(store)`` on the sync thread (enrollment, anything that talks to the province)."""
        def wrapped(store: Store) -> None:
            try:
                result = job(store)
            except Exception as exc:
                if on_failure is not None:
                    self._deliver.emit(lambda e=exc: on_failure(e))
                else:
                    self._deliver.emit(lambda e=exc: self.context.tasks.failed.emit(e))
                return
            if on_success is not None:
                self._deliver.emit(lambda r=result: on_success(r))
        self._jobs.put(wrapped)

    @Slot(object)
    def _run_delivered(self, fn: Callable[[], None]) -> None:
        fn()

    def _remember(self, status: SyncStatus) -> None:
        self.status = status

    def _local_change(self, changes: ChangeSet) -> None:
        if changes.sync_state and not self._after_save.isActive():
            self._after_save.start()

    def _options(self, options: dict[str, Any]) -> None:
        minutes = max(1, int(options.get("sync.interval_min") or 5))
        self._interval.start(minutes * 60_000)

    # ------------------------------------------------------------ sync thread
    def _loop(self) -> None:
        try:
            store = Store.open(self.context.tasks.db_path)
        except Exception as exc:
            log.exception("sync thread could not open the store")
            self._deliver.emit(lambda e=exc: self.context.tasks.failed.emit(e))
            return
        store.subscribe(self._changes.emit)
        try:
            while not self._stop.is_set():
                job = self._jobs.get()
                if job is None or self._stop.is_set():
                    break
                if job == self._sync:
                    self._drain_duplicate_syncs()
                try:
                    job(store)
                except Exception:
                    log.exception("sync job failed")
        finally:
            if self._engine is not None:
                self._engine.client.close()
            store.close()

    def _drain_duplicate_syncs(self) -> None:
        """Several "sync now" requests queued while a cycle ran are one more cycle, not many."""
        kept: list[Callable[[Store], None] | None] = []
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item != self._sync:
                kept.append(item)
        for item in kept:
            self._jobs.put(item)

    def _sync(self, store: Store) -> None:
        if self._engine is None:
            try:
                from ..sync.enroll import build_engine
                from ..sync.errors import NotEnrolled
            except ImportError:  # the engine is not installed in this build: the station works alone
                build_engine = None
                NotEnrolled = LookupError
            try:
                if build_engine is None:
                    raise NotEnrolled()
                self._engine = build_engine(store, cancel=self._cancel)
            except NotEnrolled:
                c = ops.counts(store)
                self.status_changed.emit(SyncStatus("not_enrolled", pending=c.pending, conflicts=c.conflicts,
                                                    rejected=c.rejected))
                return
            self._engine.add_listener(self.status_changed.emit)
        self._engine.run_once()

    def reset_engine(self, store: Store) -> None:
        """After (re-)enrollment: the next sync builds an engine for the new identity. Sync thread only."""
        if self._engine is not None:
            self._engine.client.close()
            self._engine = None
