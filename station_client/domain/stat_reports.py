"""The period report a station submits to the province (báo cáo thống kê theo kỳ): a record of its own kind,
``stat_report``, made through the store's write path (so it is audited and pushed like any record) and kept by
the province as it arrived. It holds the period and every figure as ``statistics.flat_figures`` states them; the
province recomputes the same figures from the synced records and flags any that disagree
(``province_server/statistics.py``).

A report is never edited: a station that finds a mistake submits the period again, and the province reads the
latest one of each commune and period (``submitted_at``).
"""

from __future__ import annotations

from typing import Any

from .kinds import Field, RecordKind
from .problems import Problem
from .statistics import Period


def validate_report(r: dict[str, Any]) -> list[Problem]:
    problems = []
    try:
        period = Period.parse(str(r.get("period") or ""))
    except ValueError:
        problems.append(Problem("period", "period.invalid", "Kỳ báo cáo không hợp lệ.", "Invalid period."))
    else:
        if (r.get("period_start"), r.get("period_end")) != (period.start.isoformat(), period.end.isoformat()):
            problems.append(Problem("period_start", "period.bounds", "Ngày đầu, ngày cuối không khớp với kỳ báo cáo.",
                                    "The first and last days do not match the period."))
    if not isinstance(r.get("figures"), dict):
        problems.append(Problem("figures", "required", "Báo cáo thiếu số liệu.", "The report has no figures."))
    for name, vi, en in (("submitted_at", "Thiếu thời điểm gửi.", "Submitted at is missing."),
                         ("submitted_by", "Thiếu người gửi.", "Submitted by is missing.")):
        if not r.get(name):
            problems.append(Problem(name, "required", vi, en))
    return problems


STAT_REPORT = RecordKind(
    name="stat_report", table="stat_reports", vi="Báo cáo thống kê", en="Statistics report",
    fields=(
        Field("period", "text", "Kỳ báo cáo", "Period"),  # 2026-10, 2026-Q4, 2026, 2026-10-01..2026-10-15
        Field("period_start", "date", "Từ ngày", "From"),
        Field("period_end", "date", "Đến ngày", "To"),
        Field("station_name", "text", "Đơn vị báo cáo", "Reporting station"),
        Field("commune_code", "text", "Mã xã", "Commune code"),
        Field("figures", "json", "Số liệu", "Figures"),  # statistics.flat_figures
        Field("prepared_by", "text", "Người lập biểu", "Prepared by"),
        Field("approved_by", "text", "Trưởng Công an xã", "Station head"),
        Field("submitted_at", "datetime", "Thời điểm gửi", "Submitted at"),
        Field("submitted_by", "text", "Người gửi", "Submitted by"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    validator=validate_report,
)

KINDS = (STAT_REPORT,)
