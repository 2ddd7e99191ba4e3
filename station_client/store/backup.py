"""Backups of the station file with SQLite's online backup API, and restoring one.

A backup taken while officers work is consistent: the backup API copies a snapshot page by page (a write in the
middle restarts the copy of what changed). The copy is a single self-contained file (journal mode DELETE), fit
for a USB stick. ``restore`` refuses a file that is not a station database or comes from a newer version, and
keeps a copy of the current database before overwriting it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .connection import APPLICATION_ID, open_connection
from .errors import NewerSchemaError, NotAStationDatabase, StoreError
from .migrate import applied_versions
from .migrations import LATEST


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    schema: int
    persons: int
    households: int
    station_name: str | None
    size_bytes: int


def backup(db_path: Path, dest: Path) -> BackupInfo:
    """Copy the live station file at ``db_path`` to ``dest`` (overwritten) and check the copy."""
    db_path, dest = Path(db_path), Path(dest)
    if not db_path.exists():
        raise StoreError(f"Không có dữ liệu để sao lưu ({db_path}).", f"There is no data to back up ({db_path}).")
    if dest.resolve() == db_path.resolve():
        raise StoreError("Không thể sao lưu đè lên chính tệp dữ liệu.", "A backup cannot overwrite the data file.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    src = open_connection(db_path, readonly=True)
    try:
        target = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            src.backup(target, pages=4096)
            target.execute("PRAGMA journal_mode = DELETE")
            ok = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
    finally:
        src.close()
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise StoreError(f"Bản sao lưu bị lỗi khi kiểm tra ({ok}).", f"The backup failed its check ({ok}).")
    tmp.replace(dest)
    return inspect(dest)


def inspect(path: Path) -> BackupInfo:
    """What a backup file holds; raises if it is not a station file or was written by a newer version. Reads only."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise NotAStationDatabase(f"Tệp {path.name} không phải là bản sao lưu của phần mềm.",
                                  f"{path.name} is not a Station Client backup.")
    try:
        conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro&immutable=1", uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise NotAStationDatabase(f"Tệp {path.name} không phải là bản sao lưu của phần mềm.",
                                          f"{path.name} is not a Station Client backup.")
            versions = applied_versions(conn)
            newest = max(versions, default=0)
            if newest > LATEST or versions - {m for m in range(1, LATEST + 1)}:
                raise NewerSchemaError(
                    f"Bản sao lưu được tạo bởi phiên bản mới hơn của phần mềm (lược đồ {newest}, phiên bản này hiểu "
                    f"đến {LATEST}). Hãy cập nhật phần mềm trước khi khôi phục.",
                    f"The backup was written by a newer Station Client (schema {newest}; this version knows up to "
                    f"{LATEST}). Update the program before restoring it.")
            persons = conn.execute("SELECT count(*) FROM persons WHERE deleted = 0").fetchone()[0]
            households = conn.execute("SELECT count(*) FROM households WHERE deleted = 0").fetchone()[0]
            row = conn.execute("SELECT value FROM settings WHERE key = 'station.name'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotAStationDatabase(f"Tệp {path.name} bị hỏng hoặc không phải bản sao lưu ({exc}).",
                                  f"{path.name} is damaged or not a backup ({exc}).") from exc
    return BackupInfo(path, newest, int(persons), int(households), row[0] if row else None, path.stat().st_size)


def restore(backup_file: Path, db_path: Path) -> tuple[BackupInfo, Path | None]:
    """Replace the station file with ``backup_file``. Returns the backup's info and where the previous data was
    kept (None when there was none). An older backup is upgraded by the migrations the next time it is opened."""
    backup_file, db_path = Path(backup_file), Path(db_path)
    info = inspect(backup_file)
    kept: Path | None = None
    if db_path.exists():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}.bak")
        backup(db_path, kept)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file.as_posix()}?mode=ro&immutable=1", uri=True)
    try:
        dst = sqlite3.connect(str(db_path), isolation_level=None, timeout=15)
        try:
            src.backup(dst, pages=4096)
            dst.execute("PRAGMA journal_mode = WAL")
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()
    return info, kept
