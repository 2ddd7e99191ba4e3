"""Encrypting a station file from an earlier (plaintext) version in place, and copying encrypted files.

``encrypt_in_place``: ``sqlcipher_export`` of the plain file into ``station.db.encrypting`` under the data key,
a full check of the copy (integrity and the row count of every table), fsync, then one atomic rename over the
plain file. The key file is written *before* the rename. A crash at any point therefore leaves either the plain
file (plus a half-made copy, removed by the next attempt) or the encrypted file with its key file; a crash after
the key file but before the rename leaves the plain file and a key file, and the next login finishes the job
(``finish_pending``). No plaintext copy is kept once the encrypted one is verified: a ``.bak`` in clear would
defeat the purpose (docs/encryption.md).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, NamedTuple

import sqlcipher3

from . import keys
from .connection import (
    APPLICATION_ID,
    DatabaseErrors,
    connect_raw,
    is_plain_sqlite,
    key_pragma,
    open_in_process,
)
from .errors import NotAStationDatabase, StoreError

log = logging.getLogger(__name__)

ENCRYPTING_SUFFIX = ".encrypting"

# Called with a step name between the steps; the crash tests replace it to SIGKILL the process there.
checkpoint: Callable[[str], None] = lambda step: None  # noqa: E731


def _busy() -> StoreError:
    return StoreError("Tệp dữ liệu đang được chương trình khác mở (cửa sổ khác, đồng bộ chạy nền). Hãy đóng chúng "
                      "rồi đăng nhập lại để mã hóa dữ liệu.",
                      "The data file is open in another program (another window, a background sync). Close them "
                      "and log in again to encrypt the data.")


def _tables(conn: object) -> list[str]:
    rows = conn.execute(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name").fetchall()
    return [r[0] for r in rows]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)  # Windows flushes writable handles only
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def export_encrypted(src: Path, dest: Path, data_key: bytes, *, src_key: bytes | None = None) -> None:
    """Copy the database ``src`` (plain, or encrypted with ``src_key``) to a new file ``dest`` encrypted with
    ``data_key``, and check the copy row for row. ``dest`` is made durable but not renamed anywhere."""
    conn = sqlcipher3.connect(str(src), isolation_level=None, timeout=15)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if src_key is not None:
            conn.execute(key_pragma(src_key))
        _export(conn, src, dest, data_key)
    finally:
        conn.close()


def _export(conn: object, src: Path, dest: Path, data_key: bytes, *, hold_lock: bool = False) -> None:
    """``conn`` (sqlcipher3, on ``src``) exports into ``dest``. With ``hold_lock`` the export runs in an
    exclusive transaction of ``conn``, which (in locking_mode EXCLUSIVE) keeps the file locked afterwards."""
    c: Any = conn
    dest.unlink(missing_ok=True)
    try:
        app_id = c.execute("PRAGMA application_id").fetchone()[0]
        user_version = c.execute("PRAGMA user_version").fetchone()[0]
    except DatabaseErrors as exc:
        raise NotAStationDatabase(f"Tệp {src.name} bị hỏng hoặc không phải dữ liệu của phần mềm ({exc}).",
                                  f"{src.name} is damaged or not a Station Client file ({exc}).") from exc
    if app_id != APPLICATION_ID:
        raise NotAStationDatabase(f"Tệp {src.name} không phải là cơ sở dữ liệu của phần mềm.",
                                  f"{src.name} is not a Station Client database.")
    c.execute(f"ATTACH DATABASE ? AS enc KEY \"x'{data_key.hex()}'\"", (str(dest),))
    try:
        if hold_lock:
            c.execute("BEGIN EXCLUSIVE")
        counts = {t: c.execute(f'SELECT count(*) FROM main."{t}"').fetchone()[0] for t in _tables(c)}
        c.execute("SELECT sqlcipher_export('enc')")
        # sqlcipher_export copies schema and rows, not the header fields the store identifies files by.
        c.execute(f"PRAGMA enc.application_id = {int(app_id)}")
        c.execute(f"PRAGMA enc.user_version = {int(user_version)}")
        if hold_lock:
            c.execute("COMMIT")
    finally:
        if c.in_transaction:
            c.execute("ROLLBACK")
        c.execute("DETACH DATABASE enc")
    check = connect_raw(str(dest), data_key, isolation_level=None)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        copied = {t: check.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(check)}
        same_header = (check.execute("PRAGMA application_id").fetchone()[0] == app_id
                       and check.execute("PRAGMA user_version").fetchone()[0] == user_version)
    finally:
        check.close()
    if ok != "ok" or copied != counts or not same_header:
        dest.unlink(missing_ok=True)
        raise StoreError(f"Bản mã hóa không khớp với dữ liệu gốc ({ok}); dữ liệu gốc không bị thay đổi.",
                         f"The encrypted copy does not match the original ({ok}); the original was not changed.")
    _fsync_file(dest)


def encrypt_in_place(db_path: str | Path, data_key: bytes, *, before_swap: Callable[[], None] | None = None) -> None:
    """Replace the plain station file at ``db_path`` by an encrypted copy under ``data_key``. Refuses (untouched)
    while another connection has the file open. ``before_swap`` runs after the copy is verified and before the
    rename (the caller writes the key file there)."""
    db_path = Path(db_path)
    tmp = db_path.with_name(db_path.name + ENCRYPTING_SUFFIX)
    tmp.unlink(missing_ok=True)
    # Connections of this process first (the other SQLite library, or the -shm probe below, would drop their
    # locks), then other processes.
    if open_in_process(db_path) or _open_elsewhere(db_path):
        raise _busy()
    lock = sqlcipher3.connect(str(db_path), isolation_level=None, timeout=0.5)
    swapped = False
    try:
        lock.execute("PRAGMA cipher_log_level = NONE")
        try:
            # Out of WAL, so that the export reads one file and our exclusive lock below covers everything.
            mode = lock.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise _busy()
            # Keep everyone out until the swap: they wait (busy timeout) and then open the encrypted file.
            lock.execute("PRAGMA locking_mode = EXCLUSIVE")
        except DatabaseErrors as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise _busy() from exc
            raise NotAStationDatabase(f"Tệp {db_path.name} bị hỏng ({exc}).", f"{db_path.name} is damaged ({exc}).") \
                from exc
        checkpoint("locked")
        _export(lock, db_path, tmp, data_key, hold_lock=True)
        checkpoint("exported")
        if before_swap is not None:
            before_swap()
        checkpoint("keys-written")
        if os.name == "nt":
            # Windows cannot rename over a file that is open. Closing lets another process in for the moment
            # before the rename; it would then hold the plain file's handle, which Windows keeps from being
            # replaced: the rename fails and the next login finishes (finish_pending).
            lock.close()
        os.replace(tmp, db_path)
        swapped = True
        keys.fsync_dir(db_path.parent)
        checkpoint("swapped")
    except BaseException:
        # Not by reading db_path's header: ``lock`` holds the plain file's exclusive lock, and closing another
        # descriptor of it would drop that lock at once (POSIX locks are per process; see connection.py).
        if not swapped:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        lock.close()  # its file descriptor is the old (now unlinked) plain file: closing writes nothing
    for stale in (db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        stale.unlink(missing_ok=True)
    _encrypt_side_copies(db_path, data_key)


def _open_elsewhere(db_path: Path) -> bool:
    """Whether another process has the file open: a process that kept the plain file open would go on writing to
    it (the old, unlinked inode) after the swap. In WAL mode every open connection holds a read lock on the WAL
    index's "DMS" byte (offset 128 of ``-shm``) for as long as it is open; F_GETLK asks whether another process
    holds it, without taking any lock. Linux only (struct flock's layout); elsewhere, and for this process's own
    connections, the callers close everything first (the app releases its connections before the upgrade).
    Call with no connection of this process open: closing a descriptor drops this process's POSIX locks."""
    shm = db_path.with_name(db_path.name + "-shm")
    if not sys.platform.startswith("linux") or not shm.exists():
        return False
    import fcntl
    import struct

    fd = os.open(shm, os.O_RDONLY)
    try:
        query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 128, 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        return bool(struct.unpack("hhqqi", answer)[0] != fcntl.F_UNLCK)
    except OSError:
        return False
    finally:
        os.close(fd)


_COPY_ERRORS: tuple[type[BaseException], ...] = (StoreError, OSError, *DatabaseErrors)


def _encrypt_side_copies(db_path: Path, data_key: bytes) -> None:
    """The automatic copies beside the file (``*.pre-vN.bak`` before a schema upgrade, ``*.before-restore-*``)
    hold the same personal data in clear: encrypted in turn with the same key, or removed if that fails."""
    for copy in sorted(db_path.parent.glob(db_path.name + ".*.bak")):
        if not is_plain_sqlite(copy):
            continue
        tmp = copy.with_name(copy.name + ENCRYPTING_SUFFIX)
        try:
            export_encrypted(copy, tmp, data_key)
            os.replace(tmp, copy)
        except _COPY_ERRORS as exc:
            log.warning("plain copy %s could not be encrypted (%s); removed", copy.name, type(exc).__name__)
            tmp.unlink(missing_ok=True)
            copy.unlink(missing_ok=True)


def encrypt_station(db_path: str | Path, username: str, password: str, *,
                    other_officers: dict[str, str] | None = None, n: int | None = None) -> str:
    """Encrypt an earlier version's plain store at the first login of its station head. ``other_officers`` maps
    usernames to their account password hashes (read by the caller before closing its connection): they get
    legacy entries so they can still log in. Returns the new recovery key (to be shown once)."""
    db_path = Path(db_path)
    if not is_plain_sqlite(db_path):
        raise StoreError("Dữ liệu đã được mã hóa.", "The data is already encrypted.")
    data_key = keys.new_data_key()
    recovery = keys.new_recovery_key()
    keyfile = keys.new_keyfile(data_key, recovery, n=n)
    keyfile["officers"][username.strip().lower()] = keys._wrap(data_key, password, keys._officer_aad(
        username.strip().lower()), n=n)
    for other, pw_hash in (other_officers or {}).items():
        if other != username.strip().lower():
            entry = keys.legacy_entry(data_key, other, pw_hash)
            if entry is not None:
                keyfile["officers"][other] = entry
    encrypt_in_place(db_path, data_key, before_swap=lambda: keys.save(keys.keys_path(db_path), keyfile))
    from .connection import hold_key

    hold_key(db_path, data_key)
    return recovery


def finish_pending(db_path: str | Path, data_key: bytes) -> bool:
    """A key file exists but the database is still plain (a crash between the two steps of ``encrypt_station``):
    finish with the key just unwrapped. True when something was done."""
    db_path = Path(db_path)
    if not is_plain_sqlite(db_path):
        return False
    encrypt_in_place(db_path, data_key)
    return True


# ------------------------------------------------------------------------------------------------- re-key
NEXT_KEYS_SUFFIX = ".next"  # station.keys.next: the key file for the new data key, while a re-key runs


def next_keys_path(db_path: str | Path) -> Path:
    kp = keys.keys_path(db_path)
    return kp.with_name(kp.name + NEXT_KEYS_SUFFIX)


Progress = Callable[[str, int, int], None]  # (step, done, total pages)


class Rekeyed(NamedTuple):
    """What a re-key did: the officers whose entries could not be carried over (format 1: their passwords must
    be reset, or they log in while the station is open), the new recovery key when one had to be made or was
    asked for, and the reasons noted for it (``keys.rekey_reasons``: who was disabled or reset, and when)."""

    dropped: list[str]
    recovery: str | None
    reasons: list[dict[str, str]]


class RekeyWaitsForHead(StoreError):
    """A re-key run without a station head (an officer's session, after the province disabled an account) would
    have to make a new recovery key or drop an active station head's entry: nothing was changed, it stays due for
    a station head (``rekey(..., head_present=False)``)."""


def rekey(db_path: str | Path, old_key: bytes, *, on_progress: Progress | None = None,
          new_recovery: bool = False, head_present: bool = True, heads: Collection[str] = ()) -> Rekeyed:
    """Re-encrypt the station's database under a new data key (docs/encryption.md, "Re-key"), so that an older
    copy of the key file (a disabled officer's, a leaked folder's or backup's) with an old password or recovery
    key opens nothing written from now on. No other connection may be open (the app does it at the login, before
    the store opens; ``station-client key rotate`` in its own process).

    Crash-safe: (1) the key file for the new key is written beside the current one (``station.keys.next``);
    (2) SQLCipher's ``PRAGMA rekey`` rewrites every page under the new key in one write transaction (the WAL
    commit is the switch: before it the file is all old key, after it all new); (3) the new key file replaces
    the current one. A kill between (2) and (3) is settled at the next login (``settle_rekey``: whichever key
    file opens the database wins). Returns what it did (``Rekeyed``).

    ``head_present=False`` (no station head is logged in): refused with ``RekeyWaitsForHead`` before anything is
    written when the re-key would need a new recovery key (only a head may see it) or would drop the entry of one
    of ``heads`` (the active station heads: they could no longer open the station at the next start). Decided
    under the key file's lock, on the entries the re-key would carry."""
    db_path = Path(db_path)
    kp, nxt = keys.keys_path(db_path), next_keys_path(db_path)
    report = on_progress or (lambda step, done, total: None)
    if _open_elsewhere(db_path):
        raise StoreError("Tệp dữ liệu đang được chương trình khác mở (cửa sổ khác, đồng bộ chạy nền). Hãy đóng "
                         "chúng rồi làm lại để mã hóa lại dữ liệu.",
                         "The data file is open in another program (another window, a background sync). Close "
                         "them and try again to re-key the data.")
    new_key = keys.new_data_key()
    fresh = keys.new_recovery_key()
    recovery: str | None = fresh
    recovery_entry = keys.new_keyfile(new_key, fresh)["recovery"]  # the scrypt, before taking the lock
    with keys.locked(kp):  # no other key-file change meanwhile (a password change in another process waits)
        current = keys.load(kp)
        reasons = keys.rekey_reasons(current)
        content, dropped, recovery_lost = keys.rekeyed(current, old_key, new_key)
        if not head_present and (recovery_lost or new_recovery or set(dropped) & set(heads)):
            raise RekeyWaitsForHead(
                "Việc mã hóa lại dữ liệu cần Trưởng Công an (phải tạo khóa khôi phục mới, hoặc khóa của Trưởng "
                "Công an có định dạng cũ): sẽ chạy khi Trưởng Công an đăng nhập.",
                "The re-key needs the station head (a new recovery key must be made, or the head's entry is of "
                "the old format): it runs when a station head logs in.")
        if recovery_lost or new_recovery:
            content["recovery"] = recovery_entry
        else:
            recovery = None
        keys.save(nxt, content, lock=False)
        checkpoint("next-written")
        conn = connect_raw(str(db_path), old_key, isolation_level=None, timeout=15)
        try:
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            report("rekey", 0, pages)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
            checkpoint("rekeyed")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            report("rekey", pages, pages)
        finally:
            conn.close()
        os.replace(nxt, kp)
        keys.fsync_dir(kp.parent)
        checkpoint("swapped")
    from .connection import hold_key

    hold_key(db_path, new_key)
    _reseal_token(db_path, old_key, new_key)
    report("done", pages, pages)
    return Rekeyed(dropped, recovery, reasons)


def _reseal_token(db_path: Path, old_key: bytes, new_key: bytes) -> None:
    from ..sync.credentials import TokenStore  # the token sealed with the data key follows it

    TokenStore(db_path.parent).reseal(old_key, new_key)


def opens(db_path: str | Path, key: bytes) -> bool:
    """Whether ``key`` opens the database (a read of its first page; nothing written)."""
    try:
        conn = connect_raw(str(db_path), key, isolation_level=None, timeout=15)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
        return True
    except DatabaseErrors:
        return False


def settle_rekey(db_path: str | Path, username: str, password: str) -> None:
    """A re-key was interrupted (``station.keys.next`` is still there): keep the key file whose key opens the
    database — the new one if the database was re-keyed, else the current one — and drop the other."""
    db_path = Path(db_path)
    nxt = next_keys_path(db_path)
    if not nxt.exists():
        return
    key = keys.unwrap_password(nxt, username, password)
    if key is not None and opens(db_path, key):
        os.replace(nxt, keys.keys_path(db_path))
        keys.fsync_dir(nxt.parent)
        return
    current = keys.unwrap_password(keys.keys_path(db_path), username, password)
    if current is not None and opens(db_path, current):
        nxt.unlink(missing_ok=True)
