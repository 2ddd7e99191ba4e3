"""The on-time rate over the last 12 months as a line chart that stays readable printed in black and white:
every series is black, told apart by its line (solid / dashed) and its marker (filled circle / open square),
which the legend shows. A month with nothing finished has no rate ("—"): it has no point, never a 0 %."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import QBarCategoryAxis, QChart, QChartView, QLegend, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QCoreApplication, QMargins, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

CONTEXT = "Statistics"

# (line style, marker shape, marker filled) per series: distinguishable without colour.
STYLES = (
    (Qt.PenStyle.SolidLine, QScatterSeries.MarkerShape.MarkerShapeCircle, True),
    (Qt.PenStyle.DashLine, QScatterSeries.MarkerShape.MarkerShapeRectangle, False),
)


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


class RateChart(QChartView):
    """``set_series(months, [(name, [rate or None per month]), ...], title, span)``: ``months`` label the
    categories (the month number: "11", "12", "01", ...; a 12-month label like "11/2025" does not fit a
    category at a dashboard's width and Qt elides it to "11..."), ``span`` says which months they are."""

    def __init__(self, parent: QWidget | None = None):
        chart = QChart()
        chart.setBackgroundBrush(QBrush(Qt.GlobalColor.white))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.legend().setMarkerShape(QLegend.MarkerShape.MarkerShapeFromSeries)
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(240)
        self.months: list[str] = []
        self.values: list[tuple[str, list[Decimal | None]]] = []

    def set_series(self, months: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | None]]],
                   title: str, span: str = "") -> None:
        self.months = list(months)
        self.values = [(name, list(v)) for name, v in series]
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        chart.setTitle(title)
        font = QFont(chart.titleFont())
        font.setBold(True)
        chart.setTitleFont(font)
        x = QBarCategoryAxis()
        x.append(self.months)
        x.setTitleText(span)
        y = QValueAxis()
        y.setRange(0, 100)
        y.setTickCount(6)
        y.setLabelFormat("%d")
        y.setTitleText("%")
        black = QColor(Qt.GlobalColor.black)
        for axis in (x, y):
            axis.setLinePenColor(black)
            axis.setLabelsColor(black)
            axis.setGridLineColor(QColor("#c8c8c8"))
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        for (name, values), (line_style, shape, filled) in zip(self.values, STYLES, strict=False):
            line = QLineSeries()
            pen = QPen(black, 2, line_style)
            line.setPen(pen)
            points = QScatterSeries()
            points.setName(name)
            points.setMarkerShape(shape)
            points.setMarkerSize(10)
            points.setPen(QPen(black, 1.5))
            points.setBrush(QBrush(black if filled else QColor(Qt.GlobalColor.white)))
            for i, v in enumerate(values):
                if v is not None:  # no rate that month: no point
                    line.append(i, float(v))
                    points.append(i, float(v))
            for s in (line, points):
                chart.addSeries(s)
                s.attachAxis(x)
                s.attachAxis(y)
            chart.legend().markers(line)[0].setVisible(False)  # the legend shows the marker shape
        chart.legend().setLabelColor(black)
