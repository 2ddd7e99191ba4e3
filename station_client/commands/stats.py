"""``station-client stats --period 2026-10 [--csv FILE | --xlsx FILE]``: the station's figures for a period
(definitions in docs/statistics.md), printed, or written for Excel."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..domain.statistics import Period
from ..statistics_export import tables, text, write_csv, write_xlsx
from ..store.statistics import station_stats
from .common import add_command, open_store


def register(sub: Any) -> None:
    p = add_command(sub, "stats", "số liệu thống kê theo kỳ / period statistics", _stats)
    p.add_argument("--period", required=True,
                   help="kỳ: 2026-10 (tháng), 2026-Q4 (quý), 2026 (năm), 2026-10-01..2026-10-15 / period")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="FILE", help="ghi ra tệp CSV / write a CSV file")
    out.add_argument("--xlsx", metavar="FILE", help="ghi ra tệp Excel / write an XLSX file")


def _stats(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", None) or "vi"
    try:
        period = Period.parse(args.period)
    except ValueError as exc:
        print(f"Kỳ không hợp lệ: {exc}" if lang == "vi" else f"Invalid period: {exc}", file=sys.stderr)
        return 2
    with open_store(args) as store:
        tabs = tables(station_stats(store.conn, period))
    if args.csv:
        write_csv(args.csv, tabs)
    elif args.xlsx:
        write_xlsx(args.xlsx, tabs)
    else:
        sys.stdout.write(text(tabs))
        return 0
    target = args.csv or args.xlsx
    print(f"Đã ghi {target}" if lang == "vi" else f"Written to {target}")
    return 0
