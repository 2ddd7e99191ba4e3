"""``station-client import residents FILE.csv`` and ``station-client export residents FILE.csv``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..residents_csv import CLEAR_MARK, export_residents, import_residents
from .common import add_command, officer_name, open_store

IMPORT_HELP = (
    "nhập nhân khẩu (và hộ: cột Số hộ, Quan hệ với chủ hộ, Chủ hộ, Địa chỉ hộ) từ tệp CSV. Ô trống: giữ nguyên giá "
    f"trị đã lưu; ô chỉ có dấu {CLEAR_MARK}: xóa giá trị đó. Họ tên, ngày sinh, giới tính, hộ của người đã có chỉ đổi "
    "khi có --update / import residents (and households: Household number, Relationship to head, Head, Household "
    f"address columns) from a CSV file. A blank cell keeps the stored value; a cell holding only {CLEAR_MARK} clears "
    "it. The name, date of birth, sex and household of a stored person change only with --update")


def register(sub: Any) -> None:
    imp = add_command(sub, "import", "nhập dữ liệu từ tệp CSV / import records from a CSV file", _import,
                      epilog=IMPORT_HELP)
    imp.add_argument("what", choices=("residents",))
    imp.add_argument("file", type=Path)
    imp.add_argument("--officer", help="chỉ khi trạm chưa có tài khoản: tên ghi nhận thay đổi; nếu có, thay đổi là "
                     "của cán bộ đăng nhập (--user) / only on a station without accounts: the name the changes are "
                     "attributed to; otherwise they are the logged-in officer's (--user)")
    imp.add_argument("--update", action="store_true",
                     help="áp dụng cả thay đổi họ tên, ngày sinh, giới tính, hộ của người đã có / also apply changes "
                          "to the name, date of birth, sex and household of stored persons")
    imp.add_argument("--dry-run", action="store_true",
                     help="chỉ xem trước, không ghi gì / preview only, write nothing")
    exp = add_command(sub, "export", "xuất dữ liệu ra tệp CSV / export records to a CSV file", _export)
    exp.add_argument("what", choices=("residents",))
    exp.add_argument("file", type=Path)


def _lang(args: argparse.Namespace) -> str | None:
    """One language when ``--lang`` asks for it, else both (Vietnamese, then English)."""
    return getattr(args, "lang", None)


def _import(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        # Who imports, before the first row: the logged-in officer (``--officer`` naming anyone else is refused).
        actor = store.authorize(None, officer_name(args))
        report = import_residents(store, args.file, officer=actor, update_identity=args.update,
                                  dry_run=args.dry_run)
    language = _lang(args)
    for error in report.errors:
        print(error.message(language), file=sys.stderr)
    for held in report.held:
        print(held.message(language), file=sys.stderr)
    if report.held:
        print(report.held_note(), file=sys.stderr)
    if args.dry_run:
        print("Xem trước, chưa ghi gì / Preview, nothing written:")
    print(report.summary(language))
    return 1 if report.errors or report.held else 0


def _export(args: argparse.Namespace) -> int:
    from ..store.connection import DatabaseErrors
    from ..store.integrity import damaged

    with open_store(args, damaged_ok=True) as store:  # a damaged file: get out what can still be read
        try:
            count = export_residents(store, args.file)
        except DatabaseErrors as exc:
            raise damaged(store.path, [str(exc)], doing=(
                "Chỉ xuất được một phần. ", "Only part of it could be exported. ")) from exc
    print(f"Đã xuất {count} nhân khẩu ra {args.file} / Exported {count} residents to {args.file}")
    return 1 if getattr(args, "damaged", False) else 0
