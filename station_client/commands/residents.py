"""``station-client import residents FILE.csv`` and ``station-client export residents FILE.csv``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..residents_csv import export_residents, import_residents
from .common import add_command, officer_name, open_store


def register(sub: Any) -> None:
    imp = add_command(sub, "import", "nhập dữ liệu từ tệp CSV / import records from a CSV file", _import)
    imp.add_argument("what", choices=("residents",))
    imp.add_argument("file", type=Path)
    imp.add_argument("--officer", help="chỉ khi trạm chưa có tài khoản: tên ghi nhận thay đổi; nếu có, thay đổi là "
                     "của cán bộ đăng nhập (--user) / only on a station without accounts: the name the changes are "
                     "attributed to; otherwise they are the logged-in officer's (--user)")
    exp = add_command(sub, "export", "xuất dữ liệu ra tệp CSV / export records to a CSV file", _export)
    exp.add_argument("what", choices=("residents",))
    exp.add_argument("file", type=Path)


def _lang(args: argparse.Namespace) -> str:
    return getattr(args, "lang", None) or "vi"


def _import(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        # Who imports, before the first row: the logged-in officer (``--officer`` naming anyone else is refused).
        actor = store.authorize(None, officer_name(args))
        report = import_residents(store, args.file, officer=actor)
    for error in report.errors:
        print(error.message(_lang(args)), file=sys.stderr)
    print(report.summary(_lang(args)))
    return 1 if report.errors else 0


def _export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        count = export_residents(store, args.file)
    print(f"Đã xuất {count} nhân khẩu ra {args.file}" if _lang(args) == "vi"
          else f"Exported {count} residents to {args.file}")
    return 0
