"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 dropped a reference to None on every call of a
Qt method that returns nothing, so after some thousands of calls (a morning's use) Python aborted the app with
"Fatal Python error: none_dealloc". pyproject.toml excludes that release; this fails if one like it returns."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QVBoxLayout, QWidget


def test_void_qt_calls_keep_the_reference_count_of_none(qapp) -> None:  # type: ignore[no-untyped-def]
    widget = QWidget()
    layout = QVBoxLayout(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        layout.invalidate()  # returns nothing
        widget.setEnabled(True)  # returns nothing
    after = sys.getrefcount(None)
    assert after >= before - 50, f"None lost {before - after} references over 4,000 Qt calls"
