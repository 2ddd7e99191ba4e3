"""Ctrl+C in the terminal (SIGINT) and SIGTERM end the app the normal way: the event loop returns, the window
closes, sync stops, the store closes — and ``station-client demo`` then stops its province server.

Python runs signal handlers only when control is back in Python, which never happens while Qt's event loop
sleeps in C++. The signal's wake-up byte (``signal.set_wakeup_fd``) lands on a socket that a
``QSocketNotifier`` watches, so the loop wakes, calls into Python, and the handler runs — no polling timer.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QSocketNotifier


@dataclass
class QuitRequest:
    """Whether SIGINT/SIGTERM arrived: a signal before the loop runs (``quit()`` does nothing then) means the
    loop must not start; one while the window is being torn down changes nothing."""

    requested: bool = False


@contextlib.contextmanager
def quit_on_signals(app: QCoreApplication) -> Iterator[QuitRequest]:
    """While inside, SIGINT/SIGTERM call ``app.quit()`` and set the yielded request. Off the main thread it
    only yields."""
    state = QuitRequest()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    old_fd = signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)

    notifier.activated.connect(drain)
    def handle(_sig: int, _frame: object) -> None:
        state.requested = True
        app.quit()

    wanted = [signal.SIGINT, signal.SIGTERM]
    old = {sig: signal.signal(sig, handle) for sig in wanted}
    try:
        yield state
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(old_fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        reader.close()
        writer.close()
