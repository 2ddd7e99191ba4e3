"""Run the ordered migrations on an open connection; refuse files from a newer version.

Applied migrations are recorded by number in ``schema_migrations`` (and the highest in ``PRAGMA
user_version``). A file that records a migration this program does not know was written by a newer version:
it is refused, untouched. Pending migrations run in number order, each in its own transaction with its record,
so a power cut mid-way leaves the file at a consistent earlier state.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..clock import now_iso
from .connection import APPLICATION_ID, connect_raw, held_key
from .errors import NewerSchemaError
from .migrations import LATEST, MIGRATIONS

_KNOWN = {m.version for m in MIGRATIONS}


def applied_versions(conn: sqlite3.Connection) -> set[int]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
    if not has_table:
        # user_version alone (files from before the table existed, or an empty file).
        return set(range(1, int(conn.execute("PRAGMA user_version").fetchone()[0]) + 1))
    return {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations")}


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(applied: set[int]) -> None:
    unknown = sorted(applied - _KNOWN)
    if unknown or (applied and max(applied) > LATEST):
        newest = max(applied)
        raise NewerSchemaError(
            f"Tệp dữ liệu được tạo bởi phiên bản mới hơn của phần mềm (lược đồ {newest}, phiên bản này hiểu "
            f"đến {LATEST}). Hãy cập nhật phần mềm; tệp không bị thay đổi.",
            f"The data file was written by a newer Station Client (schema {newest}; this version knows up to "
            f"{LATEST}). Update the program; the file was not changed.")


def _create_table_and_record(conn: sqlite3.Connection, versions: set[int]) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for v in sorted(versions):  # versions known only through user_version (files from before the table)
        conn.execute("INSERT OR IGNORE INTO schema_migrations VALUES (?, ?, ?)",
                     (v, "recorded from user_version", now_iso()))


def _record_legacy_versions(conn: sqlite3.Connection, applied: set[int]) -> None:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
    if has_table or not applied:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        _create_table_and_record(conn, applied_versions(conn))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # an exception (SIGTERM's) may land right after COMMIT returned
            conn.execute("ROLLBACK")
        raise


def migrate(conn: sqlite3.Connection, path: Path | None = None) -> int:
    """Apply pending migrations. Returns the schema version the file was at before.

    Before upgrading a file that already holds data, a copy is taken next to it (``*.pre-vN.bak``) with
    SQLite's backup API.
    """
    applied = applied_versions(conn)
    _refuse_newer(applied)
    before = max(applied, default=0)
    pending = [m for m in MIGRATIONS if m.version not in applied]
    if not pending:
        _record_legacy_versions(conn, applied)
        return before
    if applied and path is not None:
        backup = path.with_name(f"{path.name}.pre-v{LATEST}.bak")
        # Same driver and key as the file itself: a copy of an encrypted store stays encrypted.
        target = connect_raw(str(backup), held_key(path))
        try:
            conn.backup(target)
        finally:
            target.close()
    for migration in pending:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            now_applied = applied_versions(conn)
            _refuse_newer(now_applied)
            if migration.version in now_applied:
                conn.execute("COMMIT")
                continue
            _create_table_and_record(conn, now_applied)
            migration.apply(conn)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                         (migration.version, migration.name, now_iso()))
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {max(now_applied | {migration.version})}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # an exception (SIGTERM's) may land right after COMMIT returned
                conn.execute("ROLLBACK")
            raise
    return before
