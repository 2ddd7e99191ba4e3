"""The station head's Statistics page: October 2026 against September from a hand-built set of dossiers, the
12-month on-time chart, overdue matters by officer, CSV export, submitting the period report, English."""

from __future__ import annotations

import csv
import sqlite3
from decimal import Decimal
from pathlib import Path

from PySide6.QtCharts import QScatterSeries

from station_client.domain.statistics import Period
from tests.statistics.conftest import at, dossier

from .conftest import logged_in
from .test_feature_english import VIETNAMESE, _ui_texts


def _dossiers(data_dir: Path) -> None:
    from station_client.paths import db_path
    from station_client.store import Store

    with Store.open(db_path(data_dir)) as store:
        # September: received 28 September (due 7 October), resolved late on 8 October.
        dossier(store, at(2026, 9, 28), ("start", at(2026, 9, 28, 10)), ("result_ready", at(2026, 10, 8, 9)))
        # October: early, on time (after closing on the due day), late; one still open since 1 October.
        dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 13, 16)))
        dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 14, 17, 30)))
        dossier(store, at(2026, 10, 5), ("start", at(2026, 10, 5, 10)), ("result_ready", at(2026, 10, 15, 7, 30)))
        dossier(store, at(2026, 10, 1), ("start", at(2026, 10, 1, 10)), officer_name="Lê Văn Quá Hạn")


def _row(table, label: str) -> list[str]:  # type: ignore[no-untyped-def]
    for r in range(table.rowCount()):
        if table.item(r, 0).text() == label:
            return [table.item(r, c).text() for c in range(table.columnCount())]
    raise AssertionError(f"no row {label!r}")


def test_dashboard_october_against_september(qtbot, app_factory, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _dossiers(data_dir)
    app = logged_in(qtbot, app_factory, data_dir)
    ws = app.window.workspace
    assert "statistics" in [s.id for s in ws.sections]  # the head sees it
    view = ws.page("statistics")
    view.set_period(Period.parse("2026-10"))
    qtbot.waitUntil(lambda: view.data is not None and view.data.current.period.label == "2026-10", timeout=10_000)
    assert "Chưa gửi báo cáo kỳ này lên tỉnh." in view.status.text()
    t = view.compare
    assert t.horizontalHeaderItem(1).text() == "10/2026" and t.horizontalHeaderItem(2).text() == "09/2026"
    # Received: October 4 (3 resolved + 1 open), September 1. Resolved in October: early 1, on time 1, late 2
    # (the September one counts in October, when it was resolved) → 50.0 %; September resolved nothing: "—".
    assert _row(t, "Hồ sơ TTHC tiếp nhận")[1:] == ["4", "1", "+3"]
    assert _row(t, "Hồ sơ đã giải quyết")[1:] == ["4", "0", "+4"]
    assert _row(t, "— quá hạn")[1:] == ["2", "0", "+2"]
    assert _row(t, "Tỉ lệ giải quyết đúng hạn (%)")[1:] == ["50,0", "—", "—"]
    assert _row(t, "Hồ sơ tồn quá hạn cuối kỳ")[1:] == ["1", "0", "+1"]
    # Chart: 12 months to October; a point only where something was resolved (October, 50 %).
    assert view.chart.months[0] == "11" and view.chart.months[-1] == "10"
    dossier_rates = view.chart.values[0][1]
    assert dossier_rates[-1] == Decimal("50.0") and dossier_rates[:-1] == [None] * 11
    scatter = [s for s in view.chart.chart().series() if isinstance(s, QScatterSeries)]
    assert [s.count() for s in scatter] == [1, 0]
    assert {s.markerShape() for s in scatter} == {QScatterSeries.MarkerShape.MarkerShapeCircle,
                                                  QScatterSeries.MarkerShape.MarkerShapeRectangle}
    # Overdue now (the open dossier was due 12 October), by its receiving officer.
    assert [view.overdue.item(0, c).text() for c in (0, 1, 6)] == ["Lê Văn Quá Hạn", "1", "1"]

    # A quarter against the one before, and a range against as many days before it.
    view.set_period(Period.parse("2026-Q4"))
    qtbot.waitUntil(lambda: view.data.current.period.label == "2026-Q4", timeout=10_000)
    running = view.data.current.period.as_of is not None  # Q4 2026 not ended yet: figures to date, said so
    assert [t.horizontalHeaderItem(c).text() for c in (1, 2)] == [
        "Quý IV/2026 (đến nay)" if running else "Quý IV/2026", "Quý III/2026"]
    assert ("chưa kết thúc" in view.status.text()) == running and view.submit_button.isEnabled() == (not running)
    assert _row(t, "Hồ sơ TTHC tiếp nhận")[1:] == ["4", "1", "+3"]
    assert view.quarter.isVisibleTo(view) and not view.month.isVisibleTo(view)
    view.kind.setCurrentIndex(3)  # range: the two date boxes
    view.start.setDate(view.start.date().fromString("2026-10-05", "yyyy-MM-dd"))
    view.end.setDate(view.end.date().fromString("2026-10-14", "yyyy-MM-dd"))
    qtbot.waitUntil(lambda: view.data.current.period.label == "2026-10-05..2026-10-14", timeout=10_000)
    assert view.data.previous.period.label == "2026-09-25..2026-10-04"
    assert view.start.isVisibleTo(view) and not view.year.isVisibleTo(view)
    assert [t.horizontalHeaderItem(c).text() for c in (1, 2)] == ["05/10–14/10/2026", "25/09–04/10/2026"]
    assert view._label(Period.parse("2026-12-01..2027-01-15")) == "01/12/2026–15/01/2027"  # both years shown
    assert _row(t, "Hồ sơ đã giải quyết")[1] == "3"  # September's (8th, late), early (13th), on time (14th)
    view.set_period(Period.parse("2026-10"))
    qtbot.waitUntil(lambda: view.data.current.period.label == "2026-10", timeout=10_000)

    target = tmp_path / "oct.csv"
    view.export_to(target, "csv")
    qtbot.waitUntil(lambda: view._last_export == target, timeout=10_000)
    rows = list(csv.reader(target.open(encoding="utf-8-sig")))
    assert any(r and r[0] == "Tổng cộng" and r[1] == "4" for r in rows)

    view.prepared_by.setText("Nguyễn Thị Lập")
    doc = view.report_document()
    assert "NGƯỜI LẬP BIỂU" in doc.html and "Nguyễn Thị Lập" in doc.html
    assert doc.images["chart.png"].startswith(b"\x89PNG")  # the 12-month chart, printed after the tables
    view.submit()
    qtbot.waitUntil(lambda: getattr(view, "submitted", None) is not None, timeout=10_000)
    # The page reloads after the commit and says the report waits for the next sync.
    qtbot.waitUntil(lambda: "Đã gửi báo cáo kỳ này lúc" in view.status.text(), timeout=10_000)
    assert "(chờ đồng bộ)" in view.status.text()
    from station_client.paths import db_path

    conn = sqlite3.connect(db_path(data_dir))
    try:
        period, by, n = conn.execute("SELECT period, submitted_by, (SELECT count(*) FROM outbox WHERE "
                                     "kind = 'stat_report') FROM stat_reports").fetchone()
    finally:
        conn.close()
    assert (period, by, n) == ("2026-10", "truong", 1)

    # A dossier taken in while the page is hidden: recomputed when the page shows again, not before.
    ws.show_section("dossiers")
    generation = view._generation
    app.tasks.call_write(lambda store: dossier(store, at(2026, 10, 20), by=None))  # as the logged-in head
    qtbot.wait(600)  # longer than the change notices' coalescing
    assert view._generation == generation and view._stale
    ws.show_section("statistics")
    qtbot.waitUntil(lambda: _row(t, "Hồ sơ TTHC tiếp nhận")[1] == "5", timeout=10_000)

    # English: every label, header and the figures' names.
    app.context.set_language("en")
    qtbot.waitUntil(lambda: view.submit_button.text() == "Submit to the province")
    texts = _ui_texts(view) + [t.item(r, 0).text() for r in range(t.rowCount())]
    texts += [view.overdue.horizontalHeaderItem(c).text() for c in range(view.overdue.columnCount())]
    texts += [view.chart.chart().title(), *(name for name, _ in view.chart.values)]
    assert sorted({x for x in texts if VIETNAMESE.search(x)}) == []
    assert _row(t, "On-time rate (%)")[1] == "50.0"
    app.context.set_language("vi")
