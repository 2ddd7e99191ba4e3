"""Render a ``PrintDoc`` with Qt: a ``QTextDocument`` shared by the preview, any printer and PDF files.

Fonts: the shipped Noto Sans (``resources/fonts/``), else the system's Noto Sans (Debian fonts-noto-core);
both cover Vietnamese fully, so diacritics never print as boxes. ``QGuiApplication`` must exist (the CLI makes
an offscreen one, see ``ensure_gui_app``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, QUrl
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
    QTextFormat,
    QTextTable,
)

from ..resources import resource_path
from .documents import BODY_PT, PageSize, PrintDoc

FAMILY_FALLBACKS = ("Noto Sans", "DejaVu Sans")
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
LAYOUT_DPI = 96
LAYOUT_DOTS_PER_METER = round(LAYOUT_DPI / 0.0254)
MARGINS_MM = {"A4": QMarginsF(20, 15, 15, 15), "A5": QMarginsF(12, 10, 10, 10)}
_family: str | None = None


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or a new one for headless printing (CLI, tests). A QApplication (not just a
    QGuiApplication), so that widgets can still be made later in the same process. Which platform it runs on is
    the entry point's choice (``QT_QPA_PLATFORM``: ``station_client.cli`` picks offscreen for its headless
    commands, tests/conftest.py for the tests), never this library's."""
    app = QGuiApplication.instance()
    if app is None:
        from PySide6.QtWidgets import QApplication

        app = QApplication([])
    return app  # type: ignore[return-value]


def font_family() -> str:
    """Load the shipped Noto Sans once (falling back to the system copy) and return its family name."""
    global _family
    if _family:
        return _family
    candidates = sorted(resource_path("fonts").glob("NotoSans-*.ttf"))
    for d in SYSTEM_FONT_DIRS:
        candidates += [p for p in (d / "NotoSans-Regular.ttf", d / "NotoSans-Bold.ttf",
                                   d / "NotoSans-Italic.ttf", d / "NotoSans-BoldItalic.ttf") if p.exists()]
    for path in candidates:
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families and _family is None:
            _family = families[0]
    if _family is None:
        installed = set(QFontDatabase.families())
        _family = next((f for f in FAMILY_FALLBACKS if f in installed), QFont().family())
    return _family


def text_document(doc: PrintDoc) -> QTextDocument:
    """The QTextDocument for ``doc`` (images registered as resources, Vietnamese font set)."""
    ensure_gui_app()
    td = QTextDocument()
    td.setDocumentMargin(0)
    font = QFont(font_family())
    font.setPointSizeF(BODY_PT[doc.page_size])
    td.setDefaultFont(font)
    td.setDefaultStyleSheet(f"body, td, th, p {{ font-family: '{font_family()}'; }}")
    for name, data in doc.images.items():
        image = QImage()
        image.loadFromData(data)
        td.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    td.setHtml(doc.html)
    td.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, doc.title)
    return td


def page_layout(page_size: PageSize) -> QPageLayout:
    size = QPageSize(QPageSize.PageSizeId.A5 if page_size == "A5" else QPageSize.PageSizeId.A4)
    return QPageLayout(size, QPageLayout.Orientation.Portrait, MARGINS_MM[page_size], QPageLayout.Unit.Millimeter)


def print_document(td: QTextDocument, device: QPagedPaintDevice, page_size: PageSize,
                   *, set_layout: bool = True) -> int:
    """Paint ``td`` on ``device`` (a QPrinter or QPdfWriter), page by page; returns the page count.

    The document is laid out at 96 dpi (a fixed layout device, so HTML pixel sizes such as the QR code's mean
    the same on every machine) on pages the size of the device's printable area, then scaled to the device's
    resolution. Painted by hand rather than with ``QTextDocument.print_`` so no page numbers are added.
    """
    if set_layout:
        device.setPageLayout(page_layout(page_size))
    layout_device = QImage(1, 1, QImage.Format.Format_RGB32)
    layout_device.setDotsPerMeterX(LAYOUT_DOTS_PER_METER)
    layout_device.setDotsPerMeterY(LAYOUT_DOTS_PER_METER)
    td.documentLayout().setPaintDevice(layout_device)
    paint_rect = device.pageLayout().paintRectPixels(device.logicalDpiX())
    scale = device.logicalDpiX() / LAYOUT_DPI
    page = QSizeF(paint_rect.width() / scale, paint_rect.height() / scale)
    td.setPageSize(page)
    keep_tables_whole(td, page.height())
    painter = QPainter(device)
    try:
        painter.scale(scale, scale)
        pages = td.pageCount()
        for n in range(pages):
            if n:
                device.newPage()
            painter.save()
            painter.translate(0, -n * page.height())
            td.drawContents(painter, QRectF(0, n * page.height(), page.width(), page.height()))
            painter.restore()
    finally:
        painter.end()
    return pages


def keep_tables_whole(td: QTextDocument, page_height: float) -> int:
    """Move each top-level table that fits on a page but straddles a page break to the next page, so that a
    table's "Tổng cộng" row stays with its rows and a signature block stays whole (QTextDocument knows no
    ``page-break-inside: avoid``: the period report once ended page 3 with "NGƯỜI LẬP BIỂU … Ký, ghi rõ họ tên"
    and carried the two names alone to page 4). ``td`` must be paginated (``setPageSize``). Returns the
    number of tables moved."""
    layout = td.documentLayout()
    moved = 0
    for _ in range(64):  # each move re-lays out what follows: look again from the top
        for frame in td.rootFrame().childFrames():
            if not isinstance(frame, QTextTable):
                continue
            rect = layout.frameBoundingRect(frame)
            if rect.height() >= page_height * 0.9:
                continue  # longer than a page: it breaks wherever it must (its header rows repeat)
            fmt = frame.frameFormat()
            if int(rect.top() // page_height) != int((rect.bottom() - 1) // page_height) \
                    and not fmt.pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore:
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                frame.setFrameFormat(fmt)
                moved += 1
                break
        else:
            return moved
    return moved


def write_pdf(doc: PrintDoc, path: str | Path, page_size: PageSize | None = None) -> Path:
    """Save ``doc`` as a PDF (A4 or A5) at ``path``."""
    ensure_gui_app()
    path = Path(path)
    size = page_size or doc.page_size
    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    writer.setTitle(doc.title)
    writer.setCreator("Station Client")
    print_document(text_document(doc), writer, size)
    del writer  # the file is finished when the writer goes away
    return path
