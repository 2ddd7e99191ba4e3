"""``station-client backup FILE`` and ``station-client restore FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..paths import db_path
from ..store import keys
from ..store import unlock as unlocking
from ..store.backup import BackupInfo, backup, backup_keys_path, restore
from ..store.connection import held_key, is_encrypted_file
from ..store.errors import StoreLocked
from .common import add_command, read_login


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def cmd_backup(args: argparse.Namespace) -> int:
    info = backup(db_path(getattr(args, "data_dir", None)), Path(args.file))
    print(f"Đã sao lưu / Backed up: {info.path} ({_size(info.size_bytes)}; {info.persons} nhân khẩu / residents, "
          f"{info.households} hộ / households)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    db = db_path(getattr(args, "data_dir", None))
    if unlocking.data_missing(db):
        return _restore_missing(args, db)
    from .keys import cmd_restore as restore_with_keys  # an encrypted backup may need the recovery key

    return restore_with_keys(args)


def _restore_missing(args: argparse.Namespace, db: Path) -> int:
    """The station's database is gone but its key file is here (what ``unlock.missing_data`` tells the officer
    to do): the backup is read with the recovery key (``--recovery-key-stdin``) or with an officer's password
    checked against the station's key file only — no database is opened or created before the backup is in
    place."""
    backup_file = Path(args.file)
    key = None
    if args.recovery_key_stdin:
        key = keys.unwrap_recovery(backup_keys_path(backup_file), sys.stdin.readline().strip())
    elif held_key(db) is None and is_encrypted_file(backup_file):
        user, password = read_login(args)
        if not user or password is None:
            raise StoreLocked(
                "Bản sao lưu đã được mã hóa: đăng nhập (--user TÊN --password-stdin) hoặc dùng khóa khôi phục "
                "(--recovery-key-stdin).",
                "The backup is encrypted: log in (--user NAME --password-stdin) or use the recovery key "
                "(--recovery-key-stdin).")
        keys.unlock_with_password(db, user, password)
    info, kept = restore(backup_file, db, key=key)
    _print_restored(info, kept)
    return 0


def _print_restored(info: BackupInfo, kept: Path | None) -> None:
    print(f"Đã khôi phục / Restored: {info.path} ({info.persons} nhân khẩu / residents, {info.households} hộ / "
          f"households, lược đồ / schema {info.schema})")
    if kept is not None:
        print(f"Dữ liệu trước đó được giữ tại / The previous data was kept at: {kept}")


def register(sub: Any) -> None:
    p = add_command(sub, "backup", "sao lưu dữ liệu của trạm ra một tệp / back up the station's data to a file",
                    cmd_backup)
    p.add_argument("file", help="tệp sao lưu / backup file")
    p = add_command(sub, "restore", "khôi phục dữ liệu từ tệp sao lưu (giữ lại bản hiện tại) / restore a backup "
                    "(the current data is kept)", cmd_restore)
    p.add_argument("file", help="tệp sao lưu / backup file")
    p.add_argument("--recovery-key-stdin", action="store_true",
                   help="bản sao lưu đã mã hóa của đơn vị khác/máy khác: đọc khóa khôi phục từ stdin / an encrypted "
                        "backup on a new machine: read the recovery key from stdin")
