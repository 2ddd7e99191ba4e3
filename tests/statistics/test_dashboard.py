"""What the dashboard reads: the months' rates (one range over the span) equal the period figures month by month;
the previous period of each kind; overdue matters by officer as of a moment."""

from __future__ import annotations

from station_client.domain.statistics import Period
from station_client.store import Store
from station_client.store.statistics import monthly_rates, overdue_by_officer, station_stats

from .conftest import TRANSFER, at, crime_report, dossier
from .test_dossier_figures import _build


def test_months_equal_the_period_figures(store: Store) -> None:
    _build(store)
    crime_report(store, at(2026, 10, 5), ("transfer", at(2026, 10, 6, 9, 1), TRANSFER), urgent=True)  # late
    months = monthly_rates(store.conn, Period.parse("2026-11"), 3)
    assert [m.period.label for m in months] == ["2026-09", "2026-10", "2026-11"]
    for m in months:
        s = station_stats(store.conn, m.period)
        assert (m.dossiers, m.reports) == (s.dossiers.total.resolved, s.crime_reports.handled)
    assert (months[1].dossiers.early, months[1].dossiers.on_time, months[1].dossiers.late) == (1, 2, 2)
    assert (months[1].reports.late, months[2].dossiers.early) == (1, 1)  # "after": early in November
    assert months[0].dossiers.on_time_rate is None  # nothing resolved in September: no rate


def test_previous_periods() -> None:
    assert Period.parse("2026-01").previous().label == "2025-12"
    assert Period.parse("2026-Q1").previous().label == "2025-Q4"
    assert Period.parse("2026").previous().label == "2025"
    assert Period.parse("2026-10-01..2026-10-15").previous().label == "2026-09-16..2026-09-30"


def test_overdue_by_officer(store: Store) -> None:
    dossier(store, at(2026, 10, 1), officer_name="Lê Văn A")  # due 12 October
    dossier(store, at(2026, 10, 1), ("start", at(2026, 10, 1, 10)), officer_name="Lê Văn A")
    dossier(store, at(2026, 10, 20), complete=False, supplement_items=["Giấy tờ"], officer_name="Lê Văn A")  # paused
    dossier(store, at(2026, 10, 5), officer_name="Trần Thị B")  # due 14 October 17:00
    crime_report(store, at(2026, 10, 12, 8), received_by="Trần Thị B")  # 7 days: due 19 October
    rows = overdue_by_officer(store.conn, at(2026, 10, 14, 17))  # B's dossier is due, not yet overdue
    assert [(o.officer, o.dossiers, o.crime_reports, o.total) for o in rows] == [("Lê Văn A", 2, 0, 2)]
    rows = overdue_by_officer(store.conn, at(2026, 10, 20, 9))
    assert [(o.officer, o.dossiers, o.crime_reports, o.total) for o in rows] == \
        [("Lê Văn A", 2, 0, 2), ("Trần Thị B", 1, 1, 2)]
