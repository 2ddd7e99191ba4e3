"""``station-client reports export --kind crime_report --from D --to D (--csv F | --xlsx F | --pdf F)``: a
register for a period as a file; crime-report files carry the confidentiality mark (``reports_export.py``)."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

from ..domain.registry import REPORTS
from .common import add_command, open_store

KINDS = tuple(REPORTS)  # every report kind's register (``domain.registry.REPORTS``)


def register(sub: Any) -> None:
    reports = add_command(sub, "reports", "sổ tiếp nhận, xử lý / registers of reports and cases")
    inner = reports.add_subparsers(dest="reports_command", metavar="ACTION", required=True)
    p = add_command(inner, "export", "xuất sổ của một kỳ ra tệp / export a register for a period", _export)
    p.add_argument("--kind", choices=KINDS, default="crime_report")
    p.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--csv", metavar="FILE")
    out.add_argument("--xlsx", metavar="FILE")
    out.add_argument("--pdf", metavar="FILE")


def _export(args: argparse.Namespace) -> int:
    from .. import reports_export as rx
    from ..domain.deadlines import default_office_hours
    from ..store import reports as sr
    from ..store.dossiers import read_settings

    with open_store(args) as store:
        rows = sr.register(store.conn, args.kind, start=args.start, end=args.end, limit=100_000)
        settings = read_settings(store.conn, "station.")
    if args.csv:
        rx.write_csv(args.csv, args.kind, rows, args.start, args.end)
    elif args.xlsx:
        rx.write_xlsx(args.xlsx, args.kind, rows, args.start, args.end)
    else:
        rx.write_pdf(args.pdf, args.kind, rows, args.start, args.end, settings,
                     datetime.now(default_office_hours().tz))
    target = args.csv or args.xlsx or args.pdf
    mark = " (MẬT / CONFIDENTIAL)" if rx.is_confidential(args.kind) else ""
    print(f"Đã ghi {len(rows)} dòng vào {target}{mark} / {len(rows)} rows written to {target}{mark}")
    return 0
