"""The one place that opens a station database file.

Every connection gets the same pragmas: WAL (readers never block the writer), ``synchronous=FULL`` (a commit
is on disk before it returns: stations lose power), foreign keys, and a busy timeout so that two processes
(the app and a headless sync) wait for each other instead of failing. Callers never call ``sqlite3.connect``
themselves.

Encryption (docs/encryption.md): a station file is encrypted with SQLCipher under a random 256-bit data key.
The key is given as a raw key (``x'…'``), so opening a connection costs no key derivation; the slow part
(scrypt over the officer's password) happens once per login in ``keys.py``, which then *holds* the key for the
file in this process (``hold_key``). Every later ``open_connection(path)`` of that file — the writer, the
readers, the sync worker, a backup — finds the held key, so none of them needs to be told about it. Without a
held or given key the file is opened with the standard library's ``sqlite3`` exactly as before encryption
existed (tests and tools that build plain files keep working); an encrypted file opened that way is refused
with a message saying it is locked, never misreported as damaged.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import sqlcipher3

from .errors import NotAStationDatabase, StoreLocked, WrongKey

# "STC1": marks the file as ours so a foreign SQLite file is refused instead of being migrated.
APPLICATION_ID = 0x53544331
BUSY_TIMEOUT_S = 15.0
KEY_BYTES = 32
SQLITE_MAGIC = b"SQLite format 3\x00"

# Either driver's errors: an encrypted connection raises sqlcipher3's classes, which are not sqlite3's.
DatabaseErrors: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher3.DatabaseError)

_held: dict[Path, bytes] = {}
_held_lock = threading.Lock()


# ------------------------------------------------------------------------------------------------ held keys
def _norm(path: str | Path) -> Path:
    return Path(path).resolve()


def hold_key(path: str | Path, key: bytes) -> None:
    """Remember ``key`` for the station file at ``path`` for the rest of this process (after a login)."""
    if len(key) != KEY_BYTES:
        raise ValueError("a data key has 32 bytes")
    with _held_lock:
        _held[_norm(path)] = bytes(key)


def held_key(path: str | Path) -> bytes | None:
    with _held_lock:
        return _held.get(_norm(path))


def forget_key(path: str | Path | None = None) -> None:
    """Drop the held key of ``path`` (all keys when None): the app's next open needs a login again."""
    with _held_lock:
        if path is None:
            _held.clear()
        else:
            _held.pop(_norm(path), None)


def is_plain_sqlite(path: str | Path) -> bool:
    """True when ``path`` starts with SQLite's plain header (an unencrypted file; SQLCipher files start with a
    random salt instead). A missing or empty file is not plain: it has no data to protect yet."""
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def is_encrypted_file(path: str | Path) -> bool:
    """A non-empty file without SQLite's plain header: SQLCipher-encrypted (or not a database at all)."""
    p = Path(path)
    try:
        return p.stat().st_size > 0 and not is_plain_sqlite(p)
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------- connecting
def key_pragma(key: bytes) -> str:
    """``PRAGMA key`` with a raw key: SQLCipher uses the 32 bytes as they are (no PBKDF2 per connection)."""
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_raw(target: str, key: bytes | None, *, uri: bool = False, **kwargs: Any) -> Any:
    """A bare connection (no station pragmas) to ``target``: sqlcipher3 keyed with ``key``, else stdlib sqlite3.
    For backups and copies, which need a connection of the same driver and key as their source."""
    if key is None:
        return sqlite3.connect(target, uri=uri, **kwargs)
    conn = sqlcipher3.connect(target, uri=uri, **kwargs)
    # SQLCipher prints every failed page decryption (a wrong key) to stderr; the caller reports it instead.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(key_pragma(key))
    return conn


def _configure(conn: Any, *, readonly: bool, encrypted: bool) -> None:
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise NotAStationDatabase("Không bật được chế độ ghi an toàn (WAL) cho tệp dữ liệu.",
                                      "Could not enable WAL journaling on the data file.")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")  # also keeps sort/temp data off the disk in clear
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
    conn.row_factory = sqlcipher3.Row if encrypted else sqlite3.Row


def open_connection(path: str | Path, *, readonly: bool = False, check_same_thread: bool = True,
                    key: bytes | None = None) -> sqlite3.Connection:
    """Open ``path`` with the station pragmas, encrypted with ``key`` (or the key held for it; plain without
    either). Raises ``NotAStationDatabase`` for damaged or foreign files, ``WrongKey`` when the key does not
    open the file, ``StoreLocked`` for an encrypted file and no key."""
    path = Path(path)
    key = key if key is not None else held_key(path)
    if key is None and is_encrypted_file(path) and _looks_like_sqlcipher(path):
        raise StoreLocked(
            f"Tệp {path.name} đã được mã hoá; cần đăng nhập (hoặc khoá dữ liệu) để mở.",
            f"{path.name} is encrypted; a login (or the data key) is needed to open it.")
    if readonly:
        target, uri = f"file:{path.as_posix()}?mode=ro", True
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        target, uri = str(path), False
    try:
        conn = connect_raw(target, key, uri=uri, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                           check_same_thread=check_same_thread)
    except DatabaseErrors as exc:
        raise NotAStationDatabase(f"Không mở được tệp {path.name} ({exc}).",
                                  f"Could not open {path.name} ({exc}).") from exc
    has_tables = False
    try:
        # Identify the file with reads only: a foreign file must be left exactly as it was (even switching
        # it to WAL would write to it). With a key, this first read is also what tells a wrong key.
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if not has_tables or app_id == APPLICATION_ID:
            _configure(conn, readonly=readonly, encrypted=key is not None)
    except DatabaseErrors as exc:
        conn.close()
        if key is not None and "not a database" in str(exc) and is_encrypted_file(path):
            raise WrongKey(
                f"Khoá dữ liệu không mở được tệp {path.name}: tệp thuộc đơn vị khác, tệp khoá không khớp "
                "hoặc tệp đã bị hỏng. Tệp không bị thay đổi.",
                f"The data key does not open {path.name}: the file belongs to another station, the key file "
                "does not match it, or it is damaged. The file was not changed.") from exc
        if key is not None and is_plain_sqlite(path):
            raise WrongKey(f"Tệp {path.name} chưa được mã hoá nhưng lại được mở bằng khoá.",
                           f"{path.name} is not encrypted but was opened with a key.") from exc
        raise NotAStationDatabase(
            f"Tệp {path.name} không phải là cơ sở dữ liệu của phần mềm hoặc đã bị hỏng ({exc}).",
            f"{path.name} is not a Station Client database or is damaged ({exc}).") from exc
    if has_tables and app_id != APPLICATION_ID:
        conn.close()
        raise NotAStationDatabase(
            f"Tệp {path.name} là cơ sở dữ liệu của chương trình khác; phần mềm không mở để tránh làm hỏng nó.",
            f"{path.name} belongs to another program; it was not opened so that it is not damaged.")
    return conn  # type: ignore[no-any-return]


def _looks_like_sqlcipher(path: Path) -> bool:
    """An encrypted station file has a key file beside it or is at least a whole number of 4 KiB pages
    (SQLCipher's page size); anything else is left to the plain open, which reports it as damaged/foreign."""
    from .keys import keys_path  # keys imports this module

    return keys_path(path).exists() or path.stat().st_size % 4096 == 0


def all_held_keys() -> list[bytes]:
    with _held_lock:
        return list(_held.values())
