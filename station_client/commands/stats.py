"""``station-client stats --period 2026-10 [--csv FILE | --xlsx FILE | --pdf FILE] [--submit]``: the station's
figures for a period (definitions in docs/statistics.md), printed, written for Excel, or as the period report
document; ``--submit`` records the report for the province (a ``stat_report`` record, sent by the next sync)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..domain.statistics import Period
from ..statistics_export import tables, text, write_csv, write_xlsx
from ..store.statistics import station_stats, submit_report
from .common import acting_officer, add_command, open_store


def register(sub: Any) -> None:
    p = add_command(sub, "stats", "số liệu thống kê theo kỳ / period statistics", _stats)
    p.add_argument("--period", required=True,
                   help="kỳ: 2026-10 (tháng), 2026-Q4 (quý), 2026 (năm), 2026-10-01..2026-10-15 / period")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="FILE", help="ghi ra tệp CSV / write a CSV file")
    out.add_argument("--xlsx", metavar="FILE", help="ghi ra tệp Excel / write an XLSX file")
    out.add_argument("--pdf", metavar="FILE", help="báo cáo thống kê (PDF) / the period report as PDF")
    p.add_argument("--submit", action="store_true",
                   help="gửi báo cáo kỳ lên tỉnh (đồng bộ lần sau) / submit the period report to the province")
    p.add_argument("--prepared-by", default="", help="người lập biểu / prepared by")
    p.add_argument("--approved-by", default="", help="trưởng Công an xã / station head")
    p.add_argument("--officer", default="cli", help="tài khoản gửi báo cáo khi trạm chưa có tài khoản (nếu có: "
                   "--user TÊN --password-stdin) / account submitting the report on a station without accounts "
                   "(else --user NAME --password-stdin)")


def report_pdf(store: Any, stats: Any, path: str, prepared_by: str = "", approved_by: str = "") -> None:
    """The period report document of ``stats`` for this station, as a PDF."""
    from datetime import datetime

    from ..charts import chart_png
    from ..domain.deadlines import default_office_hours
    from ..domain.units import commune
    from ..printing.documents import station_info
    from ..printing.render import ensure_gui_app, write_pdf
    from ..printing.statistics_document import period_report
    from ..store.dossiers import read_settings
    from ..store.statistics import monthly_rates

    settings = read_settings(store.conn, "station.")
    code = settings.get("station.commune_code") or ""
    unit = commune(code) if code else None
    where = f"{unit.name}, {unit.province_name} (mã {code})" if unit else code
    ensure_gui_app()  # the chart is drawn by QtCharts, as on the Statistics page
    end = stats.period.end
    chart = chart_png(monthly_rates(store.conn, Period.month(end.year, end.month)))
    write_pdf(period_report(stats, station_info(settings), commune=where,
                            made_at=datetime.now(default_office_hours().tz), prepared_by=prepared_by,
                            approved_by=approved_by, chart=chart), path)


def _say(lang: str | None, vi: str, en: str) -> str:
    """One language when ``--lang`` asks for it, else both (as the errors are)."""
    return vi if lang == "vi" else en if lang == "en" else f"{vi} / {en}"


def _stats(args: argparse.Namespace) -> int:
    lang = getattr(args, "lang", None)
    try:
        period = Period.parse(args.period)
    except ValueError as exc:
        print(_say(lang, f"Kỳ không hợp lệ: {exc}", f"Invalid period: {exc}"), file=sys.stderr)
        return 2
    with open_store(args) as store:
        stats = station_stats(store.conn, period)
        tabs = tables(stats)
        if args.pdf:
            report_pdf(store, stats, args.pdf, args.prepared_by, args.approved_by)
        if args.submit:
            # Head-only (the store refuses anyone else): the head logs in, --officer alone proves nothing.
            submit_report(store, stats, officer=acting_officer(args, store), prepared_by=args.prepared_by,
                          approved_by=args.approved_by)
            print(_say(lang, "Đã ghi báo cáo kỳ, sẽ gửi lên tỉnh khi đồng bộ",
                       "Period report recorded; the next sync sends it to the province"))
    if args.csv:
        write_csv(args.csv, tabs)
    elif args.xlsx:
        write_xlsx(args.xlsx, tabs)
    elif not args.pdf:
        if not args.submit:
            sys.stdout.write(text(tabs))
        return 0
    target = args.csv or args.xlsx or args.pdf
    print(_say(lang, f"Đã ghi {target}", f"Written to {target}"))
    return 0
