"""The 12-month rate chart's month numbers: all twelve when there is room, every second (or third...) one on a
narrow chart, never "…" (on a 1024×600 netbook Qt elided every label of a category axis to "…")."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from station_client.charts import RateChart


def test_month_labels_thin_out_on_a_narrow_chart_instead_of_eliding(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = RateChart()
    qtbot.addWidget(chart)
    months = [f"{m:02d}" for m in range(1, 13)]
    chart.set_series(months, [("Hồ sơ TTHC", [Decimal(80 + m) for m in range(12)])], "", "Tháng 01–12/2026")
    chart.resize(300, 220)
    chart.show()
    qtbot.waitExposed(chart)
    (axis,) = chart.chart().axes(Qt.Orientation.Horizontal)

    def labels() -> list[str]:
        return [label.rstrip("\u200b") for label in axis.categoriesLabels()]

    qtbot.waitUntil(lambda: 0 < len(labels()) < 12)
    shown = labels()
    assert shown[0] == "01" and set(shown) <= set(months)
    # each shown label has room for its two digits
    room = chart.chart().plotArea().width() / 12 * (months.index(shown[1]) - months.index(shown[0]))
    assert room >= QFontMetrics(axis.labelsFont()).horizontalAdvance("00")
    chart.resize(1000, 400)
    qtbot.waitUntil(lambda: labels() == months)
