"""The one place that opens a station database file.

Every connection gets the same pragmas: WAL (readers never block the writer), ``synchronous=FULL`` (a commit
is on disk before it returns: stations lose power), foreign keys, and a busy timeout so that two processes
(the app and a headless sync) wait for each other instead of failing. The security work slots SQLCipher in
here: callers never call ``sqlite3.connect`` themselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import NotAStationDatabase

# "STC1": marks the file as ours so a foreign SQLite file is refused instead of being migrated.
APPLICATION_ID = 0x53544331
BUSY_TIMEOUT_S = 15.0


def _configure(conn: sqlite3.Connection, *, readonly: bool) -> None:
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise NotAStationDatabase("Không bật được chế độ ghi an toàn (WAL) cho tệp dữ liệu.",
                                      "Could not enable WAL journaling on the data file.")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
    conn.row_factory = sqlite3.Row


def open_connection(path: str | Path, *, readonly: bool = False, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open ``path`` with the station pragmas. Raises ``NotAStationDatabase`` for damaged or foreign files."""
    path = Path(path)
    if readonly:
        uri = f"file:{path.as_posix()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                               check_same_thread=check_same_thread)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_S,
                               check_same_thread=check_same_thread)
    try:
        # Identify the file with reads only: a foreign file must be left exactly as it was (even switching
        # it to WAL would write to it).
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if not has_tables or app_id == APPLICATION_ID:
            _configure(conn, readonly=readonly)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise NotAStationDatabase(
            f"Tệp {path.name} không phải là cơ sở dữ liệu của phần mềm hoặc đã bị hỏng ({exc}).",
            f"{path.name} is not a Station Client database or is damaged ({exc}).") from exc
    if has_tables and app_id != APPLICATION_ID:
        conn.close()
        raise NotAStationDatabase(
            f"Tệp {path.name} là cơ sở dữ liệu của chương trình khác; phần mềm không mở để tránh làm hỏng nó.",
            f"{path.name} belongs to another program; it was not opened so that it is not damaged.")
    return conn
