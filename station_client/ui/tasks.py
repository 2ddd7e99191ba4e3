"""The one background-operation API of the UI: ``tasks.run(op, on_success, on_failure, on=...)``.

* ``on="read"``: ``op(conn)`` runs on a reader thread with that thread's own read-only sqlite3 connection
  (WAL: it never waits for the writer).
* ``on="write"``: ``op(store)`` runs on the single writer thread, which owns the one writable ``Store``.
  After each commit the store's change set is re-emitted on the GUI thread as ``changes`` (raw; the
  ``AppContext`` coalesces them).
* ``on="interactive"``: like "read", on a reader thread kept for what an officer is waiting on as they type
  (search): it never queues behind list windows, Today providers or page loads.
* ``on="io"``: ``op()`` runs on a thread for slow work that touches no database (network, files).

``exclusive(op, ...)`` runs ``op()`` on the writer thread with no connection of this app on the file (the reads
and io work running finish first, new ones wait; the store and the reader connections are closed and opened
again afterwards): for re-keying the station file under the running app (``ui/rekey.py``).

``on_success(result)`` and ``on_failure(exc)`` are always called on the GUI thread. Without ``on_failure``
the error goes to ``failed`` (the main window shows it to the officer): errors never vanish. Widgets never
create threads themselves.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from ..store import ChangeSet, Store
from ..store.connection import open_connection

log = logging.getLogger(__name__)

Where = Literal["read", "interactive", "write", "io"]
Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class Tasks(QObject):
    changes = Signal(object)  # ChangeSet, emitted on the GUI thread after each commit on the writer
    failed = Signal(object)  # an exception nobody handled
    _deliver = Signal(object, object)  # (callback, value): crosses from a worker to the GUI thread

    def __init__(self, db_path: Path, parent: QObject | None = None, readers: int = 2):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="station-writer")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="station-reader")
        self._interactive = ThreadPoolExecutor(1, thread_name_prefix="station-search")
        self._io = ThreadPoolExecutor(2, thread_name_prefix="station-io")
        self._pending = 0
        self._generation = 0  # bumped by drop_connections: reader threads reopen their connection
        self._closed = False
        self._gate = threading.Condition()  # ``exclusive``: reads and io work wait while it runs
        self._exclusive = False
        self._running = 0  # read, interactive and io jobs running now
        self._deliver.connect(self._on_deliver)

    # ------------------------------------------------------------------ running
    def run(self, op: Callable[..., Any], on_success: Success | None = None, on_failure: Failure | None = None,
            *, on: Where = "read") -> Future[Any] | None:
        if self._closed:  # the app is shutting down: late refreshes have nobody to show anything to
            log.debug("task after close ignored: %r", op)
            return None
        executor = {"read": self._readers, "interactive": self._interactive, "write": self._writer,
                    "io": self._io}[on]
        self._pending += 1

        def call() -> Any:
            if on == "write":
                return op(self._writer_store())
            with self._admitted():
                return op(self._reader()) if on in ("read", "interactive") else op()

        return executor.submit(self._job, call, on_success, on_failure)

    def exclusive(self, op: Callable[[], Any], on_success: Success | None = None, on_failure: Failure | None = None,
                  *, wait_s: float = 60.0) -> Future[Any] | None:
        """Run ``op()`` on the writer thread while no connection of this app is open on the file: no write runs
        meanwhile (the writer is busy with it), reads and io work already running finish first (at most
        ``wait_s``, else ``StoreError`` and nothing is done), new ones wait until it is over; the store and every
        reader connection are closed before ``op`` and the store is opened again after it (readers reopen on their
        next use). Callbacks on the GUI thread as with ``run``. For re-keying the station file (``ui/rekey.py``)."""
        if self._closed:
            return None
        self._pending += 1

        def call() -> Any:
            with self._gate:
                self._exclusive = True
                idle = self._gate.wait_for(lambda: self._running == 0, timeout=wait_s)
            try:
                if not idle:
                    from ..store import StoreError

                    raise StoreError("Phần mềm đang bận (đọc dữ liệu, sao lưu); hãy thử lại sau.",
                                     "The program is busy (reading data, a backup); try again later.")
                self.drop_connections()
                try:
                    return op()
                finally:
                    self._writer_store()  # opened again now: the next write does not pay for it
            finally:
                with self._gate:
                    self._exclusive = False
                    self._gate.notify_all()

        return self._writer.submit(self._job, call, on_success, on_failure)

    def _job(self, call: Callable[[], Any], on_success: Success | None, on_failure: Failure | None) -> Any:
        try:
            result = call()
        except BaseException as exc:
            self._deliver.emit(lambda e=exc: self._fail(e, on_failure), None)
            raise
        self._deliver.emit(lambda r=result: self._succeed(r, on_success), None)
        return result

    @contextlib.contextmanager
    def _admitted(self) -> Iterator[None]:
        """A read or io job: waits while ``exclusive`` runs, and is counted while it runs."""
        with self._gate:
            self._gate.wait_for(lambda: not self._exclusive)
            self._running += 1
        try:
            yield
        finally:
            with self._gate:
                self._running -= 1
                self._gate.notify_all()

    def call_write(self, op: Callable[[Store], Any]) -> Any:
        """Run ``op`` on the writer thread and wait for it. For startup and shutdown only, never in a handler."""
        return self._writer.submit(lambda: op(self._writer_store())).result()

    @property
    def pending(self) -> int:
        return self._pending

    def _succeed(self, result: Any, on_success: Success | None) -> None:
        self._pending -= 1
        if on_success is not None and _receiver_alive(on_success):
            on_success(result)

    def _fail(self, exc: BaseException, on_failure: Failure | None) -> None:
        self._pending -= 1
        if on_failure is not None:
            on_failure(exc)
        else:
            log.warning("background operation failed: %s", loggable(exc))
            self.failed.emit(exc)

    @Slot(object, object)
    def _on_deliver(self, callback: Callable[[], None], _unused: object) -> None:
        callback()

    # ------------------------------------------------------------- connections
    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "generation", 0) != self._generation:
            conn = open_connection(self.db_path, readonly=True, check_same_thread=False)
            self._local.conn = conn
            self._local.generation = self._generation
            with self._lock:
                self._reader_conns.append(conn)
        return conn

    def _writer_store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.db_path)
            self._store.subscribe(self.changes.emit)  # writer thread -> queued to the GUI thread
        return self._store

    def drop_connections(self) -> None:
        """On the writer thread, with no read running: close the store and every reader connection; the next
        operations open them again. For replacing the station file under a running app (the encryption of an
        older plain store at the head's login, docs/encryption.md): no connection may stay on the old file."""
        if self._store is not None:
            self._store.close()
            self._store = None
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()
            self._generation += 1

    def open_store(self) -> None:
        """Open (and migrate) the store on the writer thread now; raises what opening raises."""
        self.call_write(lambda store: None)

    # ----------------------------------------------------------------- closing
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(RuntimeError, TypeError):
            self._deliver.disconnect(self._on_deliver)
        self._io.shutdown(wait=True, cancel_futures=True)
        self._readers.shutdown(wait=True, cancel_futures=True)
        self._interactive.shutdown(wait=True, cancel_futures=True)

        def close_store() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._writer.submit(close_store).result()
        self._writer.shutdown(wait=True)
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()


def changes_merged(a: ChangeSet | None, b: ChangeSet) -> ChangeSet:
    out = ChangeSet()
    if a is not None:
        out.merge(a)
    out.merge(b)
    return out


def loggable(exc: BaseException) -> str:
    """What a log file may say about a failure: its type, a validation's field codes and where it was raised —
    never its message, which may name a resident or quote an ID number (docs/security.md, log leakage)."""
    from ..domain.problems import ValidationError

    if isinstance(exc, ValidationError):
        return f"ValidationError({', '.join(f'{p.field}:{p.code}' for p in exc.problems)})"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb is not None else ""
    return f"{type(exc).__name__}{where}"


def _receiver_alive(callback: Callable[..., Any]) -> bool:
    """False for a method of a widget Qt has deleted meanwhile (a page dropped when another officer logged in
    while its load was running): the answer has nobody to go to."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)
