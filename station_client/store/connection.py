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

import contextlib
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from .errors import NotAStationDatabase, StoreLocked, WrongKey

# "STC1": marks the file as ours so a foreign SQLite file is refused instead of being migrated.
APPLICATION_ID = 0x53544331
BUSY_TIMEOUT_S = 15.0
KEY_BYTES = 32
KEYS_SUFFIX = ".keys"  # the key file beside an encrypted database (store/keys.py reads and writes it)
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


# ------------------------------------------------------------------------------ files open in this process
# POSIX advisory locks belong to the process, not to a descriptor: closing *any* descriptor of a file drops every
# lock this process holds on it (sqlite.org/howtocorrupt.html, section 2.2). In WAL mode each open connection
# holds a SHARED lock on the database file for as long as it is open; had a header check opened and closed the
# file while the app's writer was open, another process closing its last connection would believe it was alone,
# checkpoint and remove the WAL under our feet ("disk I/O error", corrupted indexes). The same goes for the two
# SQLite libraries of this process (the standard library's and SQLCipher's): each keeps its own table of open
# files, so one must never open a file the other holds. Hence: every connection ``open_connection`` makes is
# counted here per file (device, inode) with the driver it uses; the file's header is read with a plain
# ``open()`` only while no connection of this process has it open (under ``_files_lock``, which every open
# takes), and otherwise the answer comes from the connections already open.
@dataclass
class _FileUse:
    count: int
    encrypted: bool  # opened through SQLCipher with a key (else the standard library's sqlite3, plain)


_files: dict[tuple[int, int], _FileUse] = {}
_files_lock = threading.RLock()


def _inode(path: str | Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _open_here(path: str | Path) -> _FileUse | None:
    """How connections of this process have the file at ``path`` open, or None. Call with ``_files_lock``."""
    ino = _inode(path)
    use = _files.get(ino) if ino is not None else None
    return use if use is not None and use.count > 0 else None


def open_in_process(path: str | Path) -> int:
    """How many connections made by ``open_connection`` in this process have the file at ``path`` open."""
    with _files_lock:
        use = _open_here(path)
        return use.count if use is not None else 0


def _track(conn: Any, path: Path, encrypted: bool) -> None:
    ino = _inode(path)
    if ino is None:
        return
    with _files_lock:
        use = _files.setdefault(ino, _FileUse(0, encrypted))
        if use.count == 0:
            use.encrypted = encrypted
        use.count += 1
    conn._station_file = ino


def _untrack(conn: Any) -> None:
    ino = getattr(conn, "_station_file", None)
    if ino is None:
        return
    conn._station_file = None
    with _files_lock:
        use = _files.get(ino)
        if use is not None:
            use.count -= 1
            if use.count <= 0:
                del _files[ino]


class _Tracked:
    """Mixed into both drivers' connection classes: a closed (or collected) connection leaves the count."""

    _station_file: tuple[int, int] | None = None

    def close(self) -> None:
        try:
            super().close()  # type: ignore[misc]
        finally:
            _untrack(self)

    def __del__(self) -> None:
        # Another thread's connection refuses close() here; its handle then closes on dealloc all the same.
        with contextlib.suppress(Exception):
            super().close()  # type: ignore[misc]
        with contextlib.suppress(Exception):  # interpreter shutdown
            _untrack(self)


class _PlainConnection(_Tracked, sqlite3.Connection):
    pass


class _CipherConnection(_Tracked, sqlcipher3.Connection):  # type: ignore[misc]
    pass


def is_plain_sqlite(path: str | Path) -> bool:
    """True when ``path`` starts with SQLite's plain header (an unencrypted file; SQLCipher files start with a
    random salt instead). A missing or empty file is not plain: it has no data to protect yet. While connections
    of this process have the file open, the header is not read (see above): their driver tells."""
    with _files_lock:
        use = _open_here(path)
        if use is not None:
            try:
                return not use.encrypted and os.stat(path).st_size > 0
            except OSError:
                return False
        try:
            with open(path, "rb") as f:
                return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
        except OSError:
            return False


def is_encrypted_file(path: str | Path) -> bool:
    """A non-empty file without SQLite's plain header: SQLCipher-encrypted (or not a database at all)."""
    p = Path(path)
    with _files_lock:
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
        return sqlite3.connect(target, uri=uri, **({"factory": _PlainConnection} | kwargs))
    conn = sqlcipher3.connect(target, uri=uri, **({"factory": _CipherConnection} | kwargs))
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
    if readonly:
        target, uri = f"file:{path.as_posix()}?mode=ro", True
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        target, uri = str(path), False
    # The decision (which driver, locked or not) and the new connection's entry in the count are made under one
    # lock: no thread of this process reads the header while another is opening the file.
    with _files_lock:
        use = _open_here(path)
        if use is not None:
            # Open here already: the driver in use tells what the file is; its header is not read again.
            if key is None and use.encrypted:
                raise _locked(path)
            if key is not None and not use.encrypted:
                raise WrongKey(f"Tệp {path.name} chưa được mã hóa nhưng lại được mở bằng khóa.",
                               f"{path.name} is not encrypted but was opened with a key.")
        elif key is None and is_encrypted_file(path) and _looks_like_sqlcipher(path):
            raise _locked(path)
        try:
            conn = connect_raw(target, key, uri=uri, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                               check_same_thread=check_same_thread)
        except DatabaseErrors as exc:
            raise NotAStationDatabase(f"Không mở được tệp {path.name} ({exc}).",
                                      f"Could not open {path.name} ({exc}).") from exc
        _track(conn, path, key is not None)  # SQLite opened the file (and created a new one) in connect
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
                f"Khóa dữ liệu không mở được tệp {path.name}: tệp thuộc đơn vị khác, tệp khóa không khớp "
                "hoặc tệp đã bị hỏng. Tệp không bị thay đổi.",
                f"The data key does not open {path.name}: the file belongs to another station, the key file "
                "does not match it, or it is damaged. The file was not changed.") from exc
        if key is not None and is_plain_sqlite(path):
            raise WrongKey(f"Tệp {path.name} chưa được mã hóa nhưng lại được mở bằng khóa.",
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


def _locked(path: Path) -> StoreLocked:
    return StoreLocked(f"Tệp {path.name} đã được mã hóa; cần đăng nhập (hoặc khóa dữ liệu) để mở.",
                       f"{path.name} is encrypted; a login (or the data key) is needed to open it.")


def _looks_like_sqlcipher(path: Path) -> bool:
    """An encrypted station file has a key file beside it or is at least a whole number of 4 KiB pages
    (SQLCipher's page size); anything else is left to the plain open, which reports it as damaged/foreign."""
    return keys_path(path).exists() or path.stat().st_size % 4096 == 0


def keys_path(db_path: str | Path) -> Path:
    """``station.db`` -> ``station.keys`` (a backup ``x.db`` -> ``x.db.keys`` is made by ``backup.py``). Here, not in
    keys.py, because opening a file must know whether it has a key file, and keys.py builds on this module."""
    p = Path(db_path)
    return p.with_suffix(KEYS_SUFFIX) if p.suffix == ".db" else p.with_name(p.name + KEYS_SUFFIX)


def all_held_keys() -> list[bytes]:
    with _held_lock:
        return list(_held.values())
