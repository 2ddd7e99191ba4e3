"""Issue 16, defect 6: a period that has not ended is counted as of now and says so; its report cannot be
submitted; the printed report keeps its signature block and each table's totals with what they close."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from station_client.domain.deadlines import default_office_hours
from station_client.domain.problems import ValidationError
from station_client.domain.statistics import Period

HOURS = default_office_hours()


def test_a_running_period_is_counted_as_of_now() -> None:
    now = datetime(2026, 12, 2, 10, 0, tzinfo=HOURS.tz)
    q4 = Period.quarter(2026, 4)
    assert q4.running(now, HOURS)
    counted = q4.counted_at(now, HOURS)
    assert counted == q4 and counted.as_of == now  # the same period, its pending taken now
    assert counted.close(HOURS) == now
    assert q4.close(HOURS) == datetime(2027, 1, 1, tzinfo=HOURS.tz)  # not at 00:00 01/01/2027
    october = Period.month(2026, 10)
    assert not october.running(now, HOURS) and october.counted_at(now, HOURS).as_of is None
    # its last day is still running until midnight
    assert Period.month(2026, 12).running(datetime(2026, 12, 31, 23, 59, tzinfo=HOURS.tz), HOURS)
    assert not Period.month(2026, 12).running(datetime(2027, 1, 1, 0, 0, tzinfo=HOURS.tz), HOURS)


def test_overdue_at_the_close_of_a_running_period_is_overdue_now(store) -> None:  # type: ignore[no-untyped-def]
    """A dossier due tomorrow was counted "tồn quá hạn cuối kỳ" at 00:00 01/01/2027 (a future instant); now it
    is pending, not due. One due yesterday is overdue both ways."""
    from station_client.store import dossiers as sd
    from station_client.store.accounts import create_account, log_in
    from station_client.store.statistics import dashboard

    create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025", "matkhau2025")
    log_in(store, "truong", "matkhau2025")
    sd.ensure_reference_data(store)
    now = datetime.now(HOURS.tz)
    applicant = {"name": "Nguyễn Thị Hồng Nhung", "personal_id": "022190001234", "birth_date": "1990-05-17"}
    for days_ago in (20, 1):  # 7 working days: one overdue, one not yet due
        sd.create_dossier(store, sd.Intake(procedure_key="1.004222", applicant=applicant, documents=[],
                                           received_at=now - timedelta(days=days_ago)), officer="truong")
    year = Period.year(now.year)
    if not year.running(now, HOURS):
        pytest.skip("the office year ended")
    if (year.end - now.date()).days < 14:
        pytest.skip("too close to the year's end for the not-yet-due dossier to matter")
    data = dashboard(store.conn, year, now)
    pending = data.current.dossiers.total.pending
    assert data.current.period.as_of is not None
    assert pending.overdue == 1 and pending.not_due == 1, pending
    total_overdue_now = sum(o.dossiers for o in data.overdue)
    assert pending.overdue == total_overdue_now  # "Việc đang quá hạn" agrees


def test_submitting_a_running_period_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    from station_client.store.accounts import create_account, log_in
    from station_client.store.statistics import station_stats, submit_report

    create_account(store, "truong", "Nguyễn Văn Trưởng", "station_head", "matkhau2025", "matkhau2025")
    log_in(store, "truong", "matkhau2025")
    q4 = Period.quarter(2026, 4)
    stats = station_stats(store.conn, q4)
    with pytest.raises(ValidationError) as refused:
        submit_report(store, stats, officer="truong", at=datetime(2026, 12, 2, 10, tzinfo=HOURS.tz))
    message = refused.value.problems[0]
    assert "chưa kết thúc" in message.vi and "has not ended" in message.en
    assert store.count("stat_report") == 0
    record = submit_report(store, stats, officer="truong", at=datetime(2027, 1, 1, 0, 1, tzinfo=HOURS.tz))
    assert record["period"] == "2026-Q4"


def _pages_text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return out.stdout.split("\f")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils")
@pytest.mark.parametrize("size", ["A4", "A5"])
def test_signature_block_and_totals_never_split(tmp_path: Path, size: str) -> None:
    """Whatever text comes before them, the signature block prints on one page and a table's "Tổng cộng" row
    prints on the page of the row before it."""
    from station_client.printing.documents import PrintDoc
    from station_client.printing.render import write_pdf

    rows = "".join(f"<tr><td>Hàng {i}</td><td>{i}</td></tr>" for i in range(1, 9))
    table = (f"<table border='1' cellspacing='0'><thead><tr><th>Chỉ tiêu</th><th>Số</th></tr></thead>"
             f"<tbody>{rows}<tr><td><b>Tổng cộng</b></td><td>36</td></tr></tbody></table>")
    signatures = ("<table width='100%'><tr><td align='center'><b>NGƯỜI LẬP BIỂU</b><br/><i>(Ký, ghi rõ họ tên)"
                  "</i><br/><br/><br/><br/><br/><b>Nguyễn Thị Lập</b></td><td align='center'><b>TRƯỞNG CÔNG AN"
                  "</b><br/><i>(Ký, ghi rõ họ tên)</i><br/><br/><br/><br/><br/><b>Trần Văn Trưởng</b></td></tr>"
                  "</table>")
    split_signatures = split_totals = 0
    for filler in range(0, 90, 3):
        body = "".join(f"<p>Dòng chữ đệm số {i}</p>" for i in range(filler)) + table + signatures
        pdf = write_pdf(PrintDoc("t", f"<html><body>{body}</body></html>", page_size=size), tmp_path / "t.pdf")  # type: ignore[arg-type]
        pages = _pages_text(pdf)
        split_signatures += not any("NGƯỜI LẬP BIỂU" in p and "Nguyễn Thị Lập" in p and "Trần Văn Trưởng" in p
                                    for p in pages)
        split_totals += not any("Hàng 8" in p and "Tổng cộng" in p for p in pages)
    assert (split_signatures, split_totals) == (0, 0)
