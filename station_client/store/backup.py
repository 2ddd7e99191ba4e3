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
from . import integrity, keys
from .connection import (
    APPLICATION_ID,
    KEYS_SUFFIX,
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
    try:
        ok = _copy_live(db_path, tmp, key)
    except DatabaseErrors as exc:  # a damaged page met while copying
        tmp.unlink(missing_ok=True)
        raise integrity.damaged(db_path, [str(exc)], doing=_NO_BACKUP) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise StoreError(f"Bản sao lưu bị lỗi khi kiểm tra ({ok}).", f"The backup failed its check ({ok}).")
    if key is not None:  # the wrapped keys travel with the backup, written first: never a copy without them
        keys.save(backup_keys_path(dest), keys.load(keys.keys_path(db_path)), lock=False)  # a new file: no lock
    tmp.replace(dest)
    return inspect(dest, key=key)


_UNREADABLE: tuple[type[BaseException], ...] = (StoreError, *DatabaseErrors)
_NO_BACKUP = ("Không sao lưu (bản sao sẽ hỏng theo). ", "No backup was made (it would be damaged too). ")


def _copy_live(db_path: Path, tmp: Path, key: bytes | None) -> str:
    """Check the live file, copy it to ``tmp`` with the backup API and quick-check the copy; the copy's verdict."""
    src = open_connection(db_path, readonly=True)
    try:
        # The live file first: a damaged one must not become a backup that replaces a good one (issue 14, 6).
        integrity.ensure_sound(src, db_path, seconds=None, doing=_NO_BACKUP)
        target = connect_raw(str(tmp), key, isolation_level=None)
        try:
            src.backup(target, pages=4096)
            target.execute("PRAGMA journal_mode = DELETE")
            ok = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
    finally:
        src.close()
    return str(ok)


def backup_keys_path(backup_file: Path) -> Path:
    return Path(backup_file).with_name(Path(backup_file).name + KEYS_SUFFIX)


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
        f"Bản sao lưu {path.name} đã được mã hóa bằng khóa của một đơn vị khác hoặc chưa được mở khóa. Khôi phục "
        "bằng khóa khôi phục: station-client restore --recovery-key-stdin TỆP (khóa khôi phục từ stdin).",
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
                    f"Thiếu tệp khóa {sidecar.name} của bản sao lưu (chép cùng với bản sao lưu); không khôi phục.",
                    f"The backup's key file {sidecar.name} is missing (copy it with the backup); nothing restored.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(db_path.name + ".restoring")
    sealed = tmp.with_name(tmp.name + ".sealed")
    try:
        # The copy is made and checked page by page before anything of the station is touched; on any failure
        # nothing is left behind (issue 14, item 6: a flipped byte ended in a traceback and a stray .restoring).
        _copy_checked(backup_file, tmp, key)
        if station_key is not None and station_keys.exists() and key != station_key and (key is None
                                                                                         or keep_station_keys):
            # A plain backup (an earlier version's), or one under an older data key (before a re-key), restored
            # into an encrypted station: encrypted under the station's current key before it lands.
            from .encrypt import export_encrypted

            export_encrypted(tmp, sealed, station_key, src_key=key)
            tmp.unlink()
            tmp, key = sealed, station_key
    except BaseException:
        _discard(tmp, sealed)
        raise
    kept: Path | None = None
    kept_accounts: list[str] = []
    try:
        if db_path.exists() and db_path.stat().st_size > 0:  # an empty file holds nothing to keep
            stamp = office_now().strftime("%Y%m%d-%H%M%S")
            kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}.bak")
            try:
                backup(db_path, kept)
                readable = True
            except _UNREADABLE:
                # The current file is damaged (the reason to restore) or unreadable: keep it byte for byte.
                readable = False
                for suffix in ("", "-wal"):
                    if db_path.with_name(db_path.name + suffix).exists():
                        shutil.copy2(db_path.with_name(db_path.name + suffix), kept.with_name(kept.name + suffix))
            if readable:  # the same station: who may log in, as it is now (issue 13, defect 6)
                kept_accounts = _carry_accounts(db_path, tmp, key)
        if new_keys is not None:  # the key file first: an encrypted file never sits without its keys
            if station_keys.exists() and kept is not None:
                shutil.copy2(station_keys, backup_keys_path(kept))
            keys.save(station_keys, new_keys)
    except BaseException:  # a full disk while keeping the current data: the checked copy is not left behind
        _discard(tmp)
        raise
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


def _discard(*paths: Path) -> None:
    for path in paths:
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def _copy_checked(backup_file: Path, tmp: Path, key: bytes | None) -> None:
    """Copy the backup into ``tmp`` and run SQLite's thorough check on the copy (with the key of an encrypted
    backup). Raises ``NotAStationDatabase`` when the backup is damaged; the caller removes ``tmp``."""
    tmp.unlink(missing_ok=True)
    try:
        src = _open_backup(backup_file, key)
        try:
            dst = connect_raw(str(tmp), key, isolation_level=None, timeout=15)
            try:
                src.backup(dst, pages=4096)
                dst.execute("PRAGMA journal_mode = WAL")
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                result = integrity.check(dst, seconds=None, thorough=True)  # the file as it will be installed
            finally:
                dst.close()
        finally:
            src.close()
    except DatabaseErrors as exc:
        result = integrity.CheckResult(False, True, [str(exc)])
    if not result.ok:
        shown = "; ".join(f[:200] for f in result.findings)
        raise NotAStationDatabase(
            f"Bản sao lưu {backup_file.name} bị hỏng ({shown}); không khôi phục, dữ liệu hiện tại không bị thay "
            "đổi. Hãy dùng một bản sao lưu khác (bản trước đó, hoặc bản trên thiết bị khác).",
            f"The backup {backup_file.name} is damaged ({shown}); nothing was restored and the current data was "
            "not changed. Use another backup (an earlier one, or one on another device).")


def _key_id_of(keyfile: Path) -> str | None:
    try:
        return keys.load(keyfile).get("key_id") if keyfile.exists() else None
    except KeyFileError:
        return None
