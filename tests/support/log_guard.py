"""A whole-run check that no log record of the test session carries a 12-digit number (an ID number).

Installed by tests/conftest.py: a handler on the root logger sees every record any test lets through (the
levels are not changed, so it costs one regex per record). At the end of the session a record with a
12-digit run fails the run and is reported with the logger's name and the number masked. The thorough test,
at DEBUG with the server's logs too, is tests/security/test_privacy_logs.py.
"""

from __future__ import annotations

import logging
import re
from typing import Any

TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


class LeakGuard(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, not ours
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + str(record.exc_info[1])
        m = TWELVE_DIGITS.search(text)
        if m and len(self.leaks) < 20:
            self.leaks.append(f"{record.name}: …{text[max(0, m.start() - 40):m.start()]}<12 digits>")


GUARD = LeakGuard()


def install() -> None:
    logging.getLogger().addHandler(GUARD)


def report(session: Any) -> None:
    if not GUARD.leaks:
        return
    writer = session.config.get_terminal_writer()
    writer.line()
    writer.line("log records carrying an ID number (docs/security.md, log leakage):", red=True)
    for leak in GUARD.leaks:
        writer.line(f"  {leak}")
    session.exitstatus = 1
