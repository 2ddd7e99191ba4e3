"""When to sync: on a timer, soon after a local change, when the link returns, and on demand — off the GUI thread.

``SyncScheduler`` runs one worker thread that owns its own ``Store`` on the station file (a ``Store`` belongs
to the thread that opened it; SQLite WAL, busy_timeout and ``BEGIN IMMEDIATE`` let it write beside the app's
store) and a watchdog thread that replaces a worker that has made no progress for ``stall_timeout`` while the
province answers ``/healthz`` (or that died). The GUI thread only calls the non-blocking methods
``request_sync``, ``notify_local_change``, ``add_*_listener``, ``start`` and ``stop``.

Threads of callbacks: status, change and report listeners are called on the worker thread. The UI re-emits
them as Qt signals (queued onto the GUI thread). A listener must not block. A report listener hears each cycle's
``SyncReport`` once the cycle is over (its transactions committed): what must not run inside a cycle — the re-key
a province's disable made due (``report.applied.rekey_due``), which stops this scheduler — is started from there.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..store import ChangeSet, Store
from ..store import sync_ops as ops
from .backoff import Backoff
from .client import SyncClient, Timeouts
from .engine import EngineConfig, SyncEngine, SyncReport
from .enroll import build_engine
from .errors import AuthError, Cancelled, NotEnrolled, OfflineError, SyncError
from .status import StatusListener, SyncStatus

log = logging.getLogger(__name__)

EngineFactory = Callable[[Store, threading.Event, Callable[[], None]], SyncEngine]
ChangeListener = Callable[[ChangeSet], None]
ReportListener = Callable[[SyncReport], None]


@dataclass
class SchedulerConfig:
    interval: float = 180.0  # seconds between syncs when nothing happens
    change_delay: float = 2.0  # after a local change: wait this long so a burst of edits is one sync
    offline_probe: float = 10.0  # while the link is down: probe /healthz this often
    watch_interval: float = 5.0  # check the file for changes by other processes (PRAGMA data_version)
    stall_timeout: float = 180.0  # watchdog: a cycle with no request finishing for this long is stuck
    watchdog_every: float = 5.0
    retry_base: float = 5.0  # after a failed cycle (5xx, timeouts): exponential backoff with full jitter
    retry_cap: float = 300.0
    engine: EngineConfig = field(default_factory=EngineConfig)
    timeouts: Timeouts = field(default_factory=Timeouts)


class _Worker(threading.Thread):
    def __init__(self, scheduler: SyncScheduler, generation: int):
        super().__init__(name=f"sync-worker-{generation}", daemon=True)
        self.scheduler = scheduler
        self.generation = generation
        self.cancel = threading.Event()
        self.heartbeat = time.monotonic()
        self.in_cycle = False
        self.engine: SyncEngine | None = None

    def beat(self) -> None:
        self.heartbeat = time.monotonic()

    @property
    def current(self) -> bool:
        return self.scheduler._generation == self.generation and not self.cancel.is_set()

    def run(self) -> None:
        try:
            self._run()
        except Exception:
            log.exception("sync worker %s died", self.generation)

    def _run(self) -> None:
        s = self.scheduler
        cfg = s.config
        store = Store.open(s.db_path)
        try:
            store.subscribe(self._forward_changes)
            next_due = time.monotonic()  # sync once at start
            change_due: float | None = None
            offline = False
            backoff = Backoff(cfg.retry_base, cfg.retry_cap)
            data_version = store.conn.execute("PRAGMA data_version").fetchone()[0]
            while self.current and s._running.is_set():
                now = time.monotonic()
                deadline = min(next_due, change_due if change_due is not None else next_due, now + cfg.watch_interval)
                s._wake.wait(max(0.0, deadline - now))
                if not (self.current and s._running.is_set()):
                    break
                now = time.monotonic()
                with s._lock:
                    demand, s._demand = s._demand, False
                    if s._change_seen:
                        s._change_seen = False
                        change_due = change_due or now + cfg.change_delay
                    s._wake.clear()
                version = store.conn.execute("PRAGMA data_version").fetchone()[0]
                if version != data_version:  # another process (CLI, second window) wrote the file
                    data_version = version
                    if change_due is None and ops.pending_count(store) > 0:
                        change_due = now + cfg.change_delay
                due_change = change_due is not None and now >= change_due
                if not (demand or due_change or now >= next_due):
                    continue
                if self.engine is None:
                    try:
                        self.engine = s._factory(store, self.cancel, self.beat)
                    except NotEnrolled as exc:
                        self._emit(_static_status(store, "not_enrolled", exc))
                        next_due = now + cfg.interval
                        change_due = None
                        continue
                    self.engine.add_listener(self._emit)
                engine = self.engine
                if offline and not demand and not self._probe(engine):
                    next_due = time.monotonic() + cfg.offline_probe
                    change_due = None
                    continue
                change_due = None
                self.in_cycle = True
                self.beat()
                try:
                    report = engine.run_once()
                finally:
                    self.in_cycle = False
                if not self.current:
                    break
                s._record(report)
                s._emit_report(report)
                err = report.error
                now = time.monotonic()
                if report.ok:
                    offline = False
                    backoff.reset()
                    next_due = now + cfg.interval
                    if ops.ready_count(store) > 0:  # written while the cycle ran (not: waiting on another station)
                        change_due = now + cfg.change_delay
                elif isinstance(err, Cancelled):
                    break
                elif isinstance(err, OfflineError):
                    offline = True
                    next_due = now + cfg.offline_probe
                elif isinstance(err, AuthError | NotEnrolled):
                    self.engine = None  # re-read the token next time (the officer may re-enroll)
                    next_due = now + cfg.interval
                else:
                    next_due = now + max(0.2, backoff.next_delay())
        finally:
            if self.engine is not None:
                self.engine.client.close()
            store.close()

    def _probe(self, engine: SyncEngine) -> bool:
        try:
            engine.client.healthz(timeout=min(3.0, engine.client.timeouts.read))
            return True
        except SyncError:
            return False
        finally:
            self.beat()

    def _emit(self, status: SyncStatus) -> None:
        if self.current:
            self.scheduler._emit(status)

    def _forward_changes(self, changes: ChangeSet) -> None:
        if self.current:
            self.scheduler._emit_changes(changes)


def _static_status(store: Store, state: str, error: SyncError | None = None) -> SyncStatus:
    c = ops.counts(store)
    return SyncStatus(state=state, pending=c.pending, conflicts=c.conflicts, rejected=c.rejected,  # type: ignore[arg-type]
                      last_error_vi=error.vi if error else None, last_error_en=error.en if error else None)


class SyncScheduler:
    def __init__(self, db_path: str | Path, config: SchedulerConfig | None = None, *,
                 engine_factory: EngineFactory | None = None):
        self.db_path = Path(db_path)
        self.config = config or SchedulerConfig()
        self._factory: EngineFactory = engine_factory or self._default_factory
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._running = threading.Event()
        self._stopping = threading.Event()  # wakes the watchdog at once on stop() (it waits, not sleeps)
        self._demand = False
        self._change_seen = False
        self._generation = 0
        self._worker: _Worker | None = None
        self._watchdog: threading.Thread | None = None
        self._status_listeners: list[StatusListener] = []
        self._change_listeners: list[ChangeListener] = []
        self._report_listeners: list[ReportListener] = []
        self._status = SyncStatus(state="offline")
        self.restarts = 0
        self.cycles = 0
        self.last_report: SyncReport | None = None

    def _default_factory(self, store: Store, cancel: threading.Event, beat: Callable[[], None]) -> SyncEngine:
        return build_engine(store, config=self.config.engine, timeouts=self.config.timeouts, cancel=cancel,
                            on_progress=beat)

    # ------------------------------------------------------------------------------------- public (any thread)
    @property
    def status(self) -> SyncStatus:
        return self._status

    def add_status_listener(self, listener: StatusListener) -> Callable[[], None]:
        self._status_listeners.append(listener)
        return lambda: self._status_listeners.remove(listener)

    def add_change_listener(self, listener: ChangeListener) -> Callable[[], None]:
        """Hear what sync wrote (pulled records, new states), to refresh views; called on the worker thread."""
        self._change_listeners.append(listener)
        return lambda: self._change_listeners.remove(listener)

    def add_report_listener(self, listener: ReportListener) -> Callable[[], None]:
        """Hear each cycle's report after the cycle (nothing of it still open); called on the worker thread."""
        self._report_listeners.append(listener)
        return lambda: self._report_listeners.remove(listener)

    def watch_store(self, store: Store) -> Callable[[], None]:
        """Sync soon after every local write made through ``store`` (the app's own store)."""
        def on_commit(changes: ChangeSet) -> None:
            if changes.sync_state:
                self.notify_local_change()
        return store.subscribe(on_commit)

    def notify_local_change(self) -> None:
        with self._lock:
            self._change_seen = True
        self._wake.set()

    def request_sync(self) -> None:
        """"Sync now": starts a cycle as soon as the worker is free (even while offline: it tries)."""
        with self._lock:
            self._demand = True
        self._wake.set()

    def start(self) -> None:
        if self._running.is_set():
            return
        self._running.set()
        self._stopping.clear()
        self._start_worker()
        self._watchdog = threading.Thread(target=self._watch, name="sync-watchdog", daemon=True)
        self._watchdog.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the worker and the watchdog, waiting up to ``timeout`` for each; True when both have ended (the
        worker's store is then closed)."""
        self._running.clear()
        self._stopping.set()
        worker = self._worker
        if worker is not None:
            worker.cancel.set()
        self._wake.set()
        if worker is not None:
            if worker.engine is not None and worker.in_cycle:
                worker.engine.client.close()  # abort a request in flight: closing must not wait on the network
            worker.join(timeout)
        if self._watchdog is not None:
            self._watchdog.join(timeout)
        return not any(t is not None and t.is_alive() for t in (worker, self._watchdog))

    # ------------------------------------------------------------------------------------------------ internal
    def _start_worker(self) -> None:
        with self._lock:
            self._generation += 1
            worker = _Worker(self, self._generation)
            self._worker = worker
        worker.start()

    def _watch(self) -> None:
        cfg = self.config
        while self._running.is_set():
            # An Event wait, not a sleep: stop() (closing the app) must not wait up to watchdog_every for it.
            if self._stopping.wait(cfg.watchdog_every) or not self._running.is_set():
                return
            worker = self._worker
            if worker is None:
                continue
            if not worker.is_alive():
                log.warning("sync worker %s is not running; starting a new one", worker.generation)
                self.restarts += 1
                self._start_worker()
                continue
            stalled = worker.in_cycle and time.monotonic() - worker.heartbeat > cfg.stall_timeout
            if stalled and worker.engine is not None and self._link_up(worker.engine.client):
                log.warning("sync worker %s made no progress for %.0f s with the link up; replacing it",
                            worker.generation, cfg.stall_timeout)
                self.restarts += 1
                worker.cancel.set()
                worker.engine.client.close()
                self._start_worker()

    @staticmethod
    def _link_up(client: SyncClient) -> bool:
        probe = SyncClient(client.base_url, ca_file=client.verify if isinstance(client.verify, str) else None,
                           timeouts=Timeouts(connect=3.0, read=3.0))
        try:
            probe.healthz(timeout=3.0)
            return True
        except SyncError:
            return False
        finally:
            probe.close()

    def _record(self, report: SyncReport) -> None:
        self.cycles += 1
        self.last_report = report

    def _emit(self, status: SyncStatus) -> None:
        self._status = status
        for listener in list(self._status_listeners):
            try:
                listener(status)
            except Exception:
                log.exception("sync status listener failed")

    def _emit_report(self, report: SyncReport) -> None:
        for listener in list(self._report_listeners):
            try:
                listener(report)
            except Exception:
                log.exception("sync report listener failed")

    def _emit_changes(self, changes: ChangeSet) -> None:
        for listener in list(self._change_listeners):
            try:
                listener(changes)
            except Exception:
                log.exception("sync change listener failed")
