"""Backups of the station file with SQLite's online backup API, and restoring one.

A backup taken while officers work is consistent: the backup API copies a snapshot page by page (a write in the
middle restarts the copy of what changed). The copy is a single self-contained file (journal mode DELETE), fit
for a USB stick. ``restore`` refuses a file that is not a station database or comes from a newer version, and
keeps a copy of the current database before overwriting it.

An encrypted station's backup is encrypted with the same data key, and the station's key file is copied beside
it (``backup.db`` + ``backup.db.keys``): on a new machine the pair restores with the recovery key only
(``station-client restore --recovery-key-stdin``, then ``station-client recover``); an officer's login does not
restore it there. The key file holds only wrapped keys (docs/encryption.md).

Restoring on the same station replaces the data, not who may open it or log in: the station's key file stays
(an older backup, or one made before a re-key, is encrypted again under the station's current key), and the
accounts as they are now — passwords, disabled accounts, lockouts — replace the backup's
(``accounts.carry_over``); ``BackupInfo.accounts_kept`` says what that changed, and the restore is audited.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..clock import office_now
from . import keys
from .connection import (
    APPLICATION_ID,
    DatabaseErrors,
    all_held_keys,
    connect_raw,
    held_key,
    hold_key,
    is_encrypted_file,
    open_connection,
)
from .errors import KeyFileError, NewerSchemaError, NotAStationDatabase, StoreError, StoreLocked
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
    accounts_kept: tuple[str, ...] = ()  # a restore on the same station: accounts as they are now, what changed


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
    key = held_key(db_path)
    src = open_connection(db_path, readonly=True)
    try:
        target = connect_raw(str(tmp), key, isolation_level=None)
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
    if key is not None:  # the wrapped keys travel with the backup, written first: never a copy without them
        keys.save(backup_keys_path(dest), keys.load(keys.keys_path(db_path)), lock=False)  # a new file: no lock
    tmp.replace(dest)
    return inspect(dest, key=key)


def backup_keys_path(backup_file: Path) -> Path:
    return Path(backup_file).with_name(Path(backup_file).name + keys.KEYS_SUFFIX)


def _key_for(path: Path, key: bytes | None) -> bytes | None:
    """The key to read the backup ``path``: the one given, else a key this process holds whose id matches the
    backup's key file (a backup of the station now logged in), else None for a plain file."""
    if key is not None or not is_encrypted_file(path):
        return key
    sidecar = backup_keys_path(path)
    wanted: str | None = None
    if sidecar.exists():
        try:
            wanted = keys.load(sidecar).get("key_id")
        except KeyFileError:
            wanted = None
    for candidate in all_held_keys():
        if wanted is None or keys.key_id(candidate) == wanted:
            return candidate
    raise StoreLocked(
        f"Bản sao lưu {path.name} đã được mã hoá bằng khoá của một đơn vị khác hoặc chưa được mở khoá. Khôi phục "
        "bằng khoá khôi phục: station-client restore --recovery-key-stdin TỆP (khoá khôi phục từ stdin).",
        f"The backup {path.name} is encrypted with another station's key or is not unlocked. Restore it with the "
        "recovery key: station-client restore --recovery-key-stdin FILE (the recovery key on stdin).")


def _open_backup(path: Path, key: bytes | None) -> Any:
    return connect_raw(f"file:{path.as_posix()}?mode=ro&immutable=1", key, uri=True)


def inspect(path: Path, *, key: bytes | None = None) -> BackupInfo:
    """What a backup file holds; raises if it is not a station file or was written by a newer version. Reads only.
    An encrypted backup needs ``key`` or a held key that opens it."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise NotAStationDatabase(f"Tệp {path.name} không phải là bản sao lưu của phần mềm.",
                                  f"{path.name} is not a Station Client backup.")
    key = _key_for(path, key)
    try:
        conn = _open_backup(path, key)
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
    except DatabaseErrors as exc:
        raise NotAStationDatabase(f"Tệp {path.name} bị hỏng hoặc không phải bản sao lưu ({exc}).",
                                  f"{path.name} is damaged or not a backup ({exc}).") from exc
    return BackupInfo(path, newest, int(persons), int(households), row[0] if row else None, path.stat().st_size)


def restore(backup_file: Path, db_path: Path, *, key: bytes | None = None) -> tuple[BackupInfo, Path | None]:
    """Replace the station file with ``backup_file``. Returns the backup's info and where the previous data was
    kept (None when there was none). An older backup is upgraded by the migrations the next time it is opened.

    An encrypted backup is read with ``key`` (from the recovery key on a new machine) or the held key of this
    station. An unlocked station keeps its own key file (its officers' current passwords, the entries a re-key
    left): a backup under another key (made before a re-key) is encrypted again under the station's. Otherwise
    (a new machine) the backup's key file comes with it. A plain backup restored into an encrypted station is
    encrypted under the station's key before it lands. The accounts of the station being replaced carry over
    (``accounts.carry_over``)."""
    backup_file, db_path = Path(backup_file), Path(db_path)
    info = inspect(backup_file, key=key)
    key = _key_for(backup_file, key)
    station_keys = keys.keys_path(db_path)
    station_key = held_key(db_path)
    keep_station_keys = station_key is not None and _key_id_of(station_keys) == keys.key_id(station_key)
    new_keys: dict[str, Any] | None = None
    if key is not None and not keep_station_keys:
        current = _key_id_of(station_keys)
        if current != keys.key_id(key):
            sidecar = backup_keys_path(backup_file)
            new_keys = keys.load(sidecar) if sidecar.exists() else None
            if new_keys is None or new_keys.get("key_id") != keys.key_id(key):
                raise KeyFileError(
                    f"Thiếu tệp khoá {sidecar.name} của bản sao lưu (chép cùng với bản sao lưu); không khôi phục.",
                    f"The backup's key file {sidecar.name} is missing (copy it with the backup); nothing restored.")
    kept: Path | None = None
    if db_path.exists():
        stamp = office_now().strftime("%Y%m%d-%H%M%S")
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}.bak")
        backup(db_path, kept)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(db_path.name + ".restoring")
    tmp.unlink(missing_ok=True)
    src = _open_backup(backup_file, key)
    try:
        dst = connect_raw(str(tmp), key, isolation_level=None, timeout=15)
        try:
            src.backup(dst, pages=4096)
            dst.execute("PRAGMA journal_mode = WAL")
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()
    if station_key is not None and station_keys.exists() and key != station_key and (key is None
                                                                                     or keep_station_keys):
        # A plain backup (an earlier version's), or one under an older data key (before a re-key), restored
        # into an encrypted station: encrypted under the station's current key before it lands.
        from .encrypt import export_encrypted

        sealed = tmp.with_name(tmp.name + ".sealed")
        export_encrypted(tmp, sealed, station_key, src_key=key)
        tmp.unlink()
        tmp, key = sealed, station_key
    kept_accounts: list[str] = []
    if kept is not None:  # the same station: who may log in, as it is now
        kept_accounts = _carry_accounts(db_path, tmp, key)
    if new_keys is not None:  # the key file first: an encrypted file never sits without its keys
        if station_keys.exists() and kept is not None:
            shutil.copy2(station_keys, backup_keys_path(kept))
        keys.save(station_keys, new_keys)
    os.replace(tmp, db_path)
    keys.fsync_dir(db_path.parent)
    # The old file's WAL index is stale now (SQLite would ignore its frames: their salts differ); tidy it.
    for stale in (db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        stale.unlink(missing_ok=True)
    if key is not None:
        hold_key(db_path, key)
    info = replace(info, accounts_kept=tuple(kept_accounts))
    _audit_restore(db_path, backup_file, info, over_existing=kept is not None)
    return info, kept


def _carry_accounts(db_path: Path, restored: Path, key: bytes | None) -> list[str]:
    from . import accounts

    current = open_connection(db_path, readonly=True)
    try:
        dst = connect_raw(str(restored), key, isolation_level=None, timeout=15)
        try:
            dst.execute("BEGIN IMMEDIATE")
            changes = accounts.carry_over(current, dst)
            dst.execute("COMMIT")
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        current.close()
    return changes


def _audit_restore(db_path: Path, backup_file: Path, info: BackupInfo, *, over_existing: bool) -> None:
    """The restored chain records the restore (kind ``station``) and what the carried-over accounts changed, as
    the officer logged in (the head: ``permissions.BACKUP_RESTORE``), else the program."""
    from .store import Store

    with Store.open(db_path) as store, store._acting_as(store.session or "system:restore"):
        store.audit_event("station", "backup", "backup.restored",
                          {"file": [None, backup_file.name], "over_existing": [None, over_existing],
                           "accounts_kept": [None, list(info.accounts_kept)]})


def _key_id_of(keyfile: Path) -> str | None:
    try:
        return keys.load(keyfile).get("key_id") if keyfile.exists() else None
    except KeyFileError:
        return None
