"""``station-client duplicates``: the province's duplicate-person review items, and the merge (headless)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..store import duplicates
from .common import acting_officer, add_command, open_store


def register(sub: Any) -> None:
    p = add_command(sub, "duplicates", "nhân khẩu trùng số định danh / persons recorded twice (same personal ID)",
                    _list)
    p.add_argument("--all", action="store_true", help="cả các mục đã xử lý / include merged and closed items")
    inner = p.add_subparsers(dest="duplicates_command", metavar="SUBCOMMAND")
    m = add_command(inner, "merge", "gộp: giữ một hồ sơ, liên kết hồ sơ kia / keep one record, link the other",
                    _merge)
    m.add_argument("review_id")
    m.add_argument("--keep", required=True, help="mã nhân khẩu giữ lại / id of the person to keep")
    m.add_argument("--merge", action="append", help="mã nhân khẩu gộp vào (mặc định: các hồ sơ còn lại) / "
                                                   "id of a person to merge in (default: the others)")
    m.add_argument("--officer")


def _list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        print(duplicates.dumps(duplicates.list_review_items(store, None if args.all else "open")))
    return 0


def _merge(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        officer = acting_officer(args, store)
        written = duplicates.merge_persons(store, args.review_id, args.keep, officer, args.merge)
    print(json.dumps({"merged": written}))
    print("Đã gộp; sẽ gửi ở lần đồng bộ tới. / Merged; it is sent with the next sync.")
    return 0
