"""The on-time rate over the last 12 months as a line chart that stays readable printed in black and white:
every series is black, told apart by its line (solid / dashed) and its marker (filled circle / open square),
which the legend shows. A month with nothing finished has no rate ("—"): it has no point, never a 0 %.

The Statistics page shows it and ``chart_png`` draws it for the printed period report, so it lives below ui/,
where the headless ``stats`` command may import it. Its strings are in the Statistics catalogue
(``statistics_en.ts``, extracted by ``./dev.sh translations``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QLegend, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QCoreApplication, QMargins, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import QWidget

# (line style, marker shape, marker filled) per series: distinguishable without colour.
STYLES = (
    (Qt.PenStyle.SolidLine, QScatterSeries.MarkerShape.MarkerShapeCircle, True),
    (Qt.PenStyle.DashLine, QScatterSeries.MarkerShape.MarkerShapeRectangle, False),
)


def translate(context: str, text: str) -> str:
    """Below ui/, so not ui.i18n's wrapper: the same call, which lupdate reads (context "Statistics")."""
    return QCoreApplication.translate(context, text)


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
        self.setMinimumHeight(120)  # the dashboard fits a 1024×600 netbook and 1366×768 at 150 % (issue 16)
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
        # Months on a value axis (month i at x = i), labelled by a category axis whose labels can be thinned: at a
        # netbook's width twelve month numbers do not fit and Qt elided every one to "…" (issue 16).
        x = QCategoryAxis()
        x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        x.setRange(-0.5, len(self.months) - 0.5)
        x.setTitleText(span)
        y = QValueAxis()
        # A little room beyond 0 and 100 %, so a marker there is not cut in half by the plot's edge; ticks stay
        # at 0, 20, ..., 100.
        y.setRange(-5, 105)
        y.setTickType(QValueAxis.TickType.TicksDynamic)
        y.setTickAnchor(0)
        y.setTickInterval(20)
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
        self._fit_month_labels()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_month_labels()

    def _fit_month_labels(self) -> None:
        """Every month's number when there is room; every second or third one when a month's column is narrower
        than its number."""
        axes = self.chart().axes(Qt.Orientation.Horizontal)
        if not axes or not self.months:
            return
        axis = axes[0]
        assert isinstance(axis, QCategoryAxis)
        width = self.chart().plotArea().width() or float(self.width())
        per_month = width / len(self.months)
        needed = QFontMetrics(axis.labelsFont()).horizontalAdvance("00") + 8
        step = next((k for k in (1, 2, 3, 4, 6) if per_month * k >= needed), 12)
        for label in axis.categoriesLabels():
            axis.remove(label)
        for i, month in enumerate(self.months):
            if i % step == 0:
                # A label names the value it stands on; each must be unique, so a month repeated across
                # years keeps its place by a zero-width suffix.
                axis.append(month + "\u200b" * (i // 12), i)


def month_series(months: Sequence[object]) -> tuple[list[str], list[tuple[str, list[Decimal | None]]], str]:
    """(category labels, series, span text) of ``store.statistics.MonthRate`` items, for ``set_series``."""
    periods = [m.period for m in months]  # type: ignore[attr-defined]
    labels = [f"{p.start.month:02d}" for p in periods]
    series = [(translate("Statistics", "Hồ sơ TTHC"), [m.dossiers.on_time_rate for m in months]),  # type: ignore[attr-defined]
              (translate("Statistics", "Tố giác, tin báo"), [m.reports.on_time_rate for m in months])]  # type: ignore[attr-defined]
    span = (translate("Statistics", "Tháng %1 – %2").replace("%1", f"{periods[0].start:%m/%Y}")
            .replace("%2", f"{periods[-1].start:%m/%Y}"))
    return labels, series, span


def chart_png(months: Sequence[object], *, width: int = 640, height: int = 300, scale: int = 3) -> bytes:
    """The 12-month chart as PNG bytes for the printed period report: laid out at ``width`` x ``height``
    logical pixels (the report's text width at its 96-dpi layout, so the labels print at their screen size) and
    drawn ``scale`` times finer (about 300 dpi on paper). Black on white, as on screen. Needs a QApplication
    (``printing.render.ensure_gui_app`` makes an offscreen one for the command line)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage

    labels, series, span = month_series(months)
    view = RateChart()
    view.setFrameShape(QChartView.Shape.NoFrame)
    view.setBackgroundBrush(QBrush(Qt.GlobalColor.white))
    view.chart().setBackgroundRoundness(0)
    view.setMinimumHeight(0)
    view.resize(width, height)
    view.set_series(labels, series, "", span)  # the report's own heading names it
    image = QImage(width * scale, height * scale, QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    image.fill(Qt.GlobalColor.white)
    # Paint the chart item itself: a hidden view has not laid out its scene (resize events wait for a show).
    chart = view.chart()
    chart.setGeometry(QRectF(0, 0, width, height))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart.scene().render(painter, QRectF(0, 0, width, height), QRectF(0, 0, width, height))
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # PySide6 takes str at run time (bytes raises)
    view.deleteLater()
    return bytes(data.data())
