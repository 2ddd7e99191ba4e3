"""Is the station file sound? SQLite's own page checks, bounded in time where an officer is waiting.

A damaged page (a disk error, a copy cut short, a flipped bit on a USB stick) goes unnoticed by reads that do
not touch it: an export or an audit verify can finish on a damaged file. So the file is checked

* when a headless command opens it and when the app has logged in (``quick_check`` bounded to a few seconds, so
  a station with a million residents does not wait: a check cut short by its time limit proves nothing either
  way and says nothing), and
* before every backup (the whole file: the backup reads all of it anyway) and on every restored copy before it
  is installed (``integrity_check``, the thorough one).

A finding becomes ``DamagedDatabase``, a message in both languages that says what to do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .connection import DatabaseErrors, open_connection
from .errors import StoreError

START_SECONDS = 3.0  # the bound at start (CLI commands, app login)
MAX_FINDINGS = 5


class DamagedDatabase(StoreError):
    """SQLite's check found damaged pages or indexes in the station file."""


@dataclass
class CheckResult:
    ok: bool
    finished: bool  # False: cut short by its time limit (nothing found in what it read)
    findings: list[str] = field(default_factory=list)


def check(conn: Any, *, seconds: float | None = START_SECONDS, thorough: bool = False) -> CheckResult:
    """``PRAGMA quick_check`` (or ``integrity_check`` when ``thorough``) on ``conn``, stopped after ``seconds``
    (None: no limit). Reads only."""
    pragma = "integrity_check" if thorough else "quick_check"
    deadline = None if seconds is None else time.monotonic() + seconds

    def progress() -> int:
        return 1 if deadline is not None and time.monotonic() > deadline else 0

    conn.set_progress_handler(progress, 20_000)
    try:
        cursor = conn.execute(f"PRAGMA {pragma}({MAX_FINDINGS})")
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()  # a statement left open would lock the journal-mode switch that may follow
    except DatabaseErrors as exc:
        if "interrupt" in str(exc).lower():
            return CheckResult(True, False)
        return CheckResult(False, True, [str(exc)])
    finally:
        conn.set_progress_handler(None, 0)
    findings = [str(r[0]) for r in rows if str(r[0]) != "ok"]
    return CheckResult(not findings, True, findings)


def damaged(path: Path, findings: list[str], *, doing: tuple[str, str] | None = None) -> DamagedDatabase:
    shown = "; ".join(f.replace("*** in database main ***", "").strip().replace("\n", "; ")[:300]
                      for f in findings[:MAX_FINDINGS])
    vi_doing, en_doing = doing or ("", "")
    return DamagedDatabase(
        f"Dữ liệu {path.name} bị hỏng ({shown}). {vi_doing}Hãy khôi phục bản sao lưu gần nhất còn tốt: "
        "station-client restore TỆP_SAO_LƯU (trong phần mềm: Cài đặt → Khôi phục), rồi nhập lại việc làm từ "
        "sau bản sao lưu đó.",
        f"The data file {path.name} is damaged ({shown}). {en_doing}Restore the latest good backup: "
        "station-client restore BACKUP_FILE (in the app: Settings → Restore), then re-enter the work done since "
        "that backup.")


def ensure_sound(conn: Any, path: Path, *, seconds: float | None = START_SECONDS, thorough: bool = False,
                 doing: tuple[str, str] | None = None) -> CheckResult:
    """``check`` and raise ``DamagedDatabase`` on a finding."""
    result = check(conn, seconds=seconds, thorough=thorough)
    if not result.ok:
        raise damaged(Path(path), result.findings, doing=doing)
    return result


def check_file(path: str | Path, *, seconds: float | None = START_SECONDS) -> CheckResult:
    """The start check on a read-only connection of its own (the app's reader thread, a command)."""
    conn = open_connection(path, readonly=True)
    try:
        return ensure_sound(conn, Path(path), seconds=seconds)
    finally:
        conn.close()
