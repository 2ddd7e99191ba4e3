"""SIGTERM ends a command the way Ctrl+C does: an exception unwinds the stack, so ``finally`` blocks run (an
open transaction rolls back, the demo stops the province server it started, a temporary file is removed) —
instead of the default action, which kills the process where it stands.

The GUI's event loop has its own handler while it runs (``ui/quit_signals.py``: the loop returns and the window
closes in order); this one covers everything before and after it, and every headless command."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class Terminated(BaseException):
    """SIGTERM arrived."""

    exit_code = 128 + signal.SIGTERM


RETRY_S = 0.05


def _in_import(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _raise(sig: int, frame: FrameType | None) -> None:
    # An exception thrown into a module's import (a C extension's init above all: PySide6, shiboken6) can crash
    # the interpreter — it did, with a segmentation fault. Mid-import, deliver the signal again a moment later.
    if _in_import(frame):
        threading.Timer(RETRY_S, os.kill, (os.getpid(), sig)).start()
        return
    raise Terminated


@contextlib.contextmanager
def terminate_by_exception() -> Iterator[None]:
    """While inside (main thread only), SIGTERM raises ``Terminated``; the previous handler is put back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """For cleanup that must finish (stopping a child server): SIGTERM and SIGINT wait until it is done — one
    arriving meanwhile is taken as already answered, since the program is ending anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
