"""``station-client backup FILE`` and ``station-client restore FILE``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..paths import db_path
from ..store.backup import backup
from .common import add_command


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB"


def cmd_backup(args: argparse.Namespace) -> int:
    info = backup(db_path(getattr(args, "data_dir", None)), Path(args.file))
    print(f"Đã sao lưu / Backed up: {info.path} ({_size(info.size_bytes)}; {info.persons} nhân khẩu / residents, "
          f"{info.households} hộ / households)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from .keys import cmd_restore as restore_with_keys  # an encrypted backup may need the recovery key

    return restore_with_keys(args)


def register(sub: Any) -> None:
    p = add_command(sub, "backup", "sao lưu dữ liệu của trạm ra một tệp / back up the station's data to a file",
                    cmd_backup)
    p.add_argument("file", help="tệp sao lưu / backup file")
    p = add_command(sub, "restore", "khôi phục dữ liệu từ tệp sao lưu (giữ lại bản hiện tại) / restore a backup "
                    "(the current data is kept)", cmd_restore)
    p.add_argument("file", help="tệp sao lưu / backup file")
    p.add_argument("--recovery-key-stdin", action="store_true",
                   help="bản sao lưu đã mã hoá của đơn vị khác/máy khác: đọc khoá khôi phục từ stdin / an encrypted "
                        "backup on a new machine: read the recovery key from stdin")
