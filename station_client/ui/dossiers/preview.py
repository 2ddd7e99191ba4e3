"""Print preview of a dossier document: A4/A5, print to any installed printer, save as PDF.

The page is built by ``printing.documents`` (a pure function of the record) and painted by
``printing.render``; preview, printer and PDF share that one path. ``on_printed`` runs after a print or a
saved PDF, so the caller can count it (reprints then say so).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...printing.documents import PageSize, PrintDoc
from ...printing.render import print_document, text_document, write_pdf
from ..layouts import fit_to_screen, focus_into

Builder = Callable[[PageSize], PrintDoc]


class PrintPreview(QDialog):
    def __init__(self, build: Builder, *, page_size: PageSize = "A4", printer_name: str = "",
                 on_printed: Callable[[], None] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dossier_print_preview")
        self.build = build
        self.on_printed = on_printed
        self.page_size: PageSize = page_size
        self.doc = build(page_size)
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if printer_name:
            self.printer.setPrinterName(printer_name)
        self.preview = QPrintPreviewWidget(self.printer, self)
        self.preview.paintRequested.connect(self._paint)
        self.size_box = QComboBox()
        self.size_box.addItems(["A4", "A5"])
        self.size_box.setCurrentText(page_size)
        self.size_box.currentTextChanged.connect(self._resize)
        self.size_label = QLabel()
        self.print_button = QPushButton()
        self.print_button.setObjectName("preview_print")
        self.print_button.clicked.connect(self.print_)
        self.pdf_button = QPushButton()
        self.pdf_button.setObjectName("preview_pdf")
        self.pdf_button.clicked.connect(self.save_pdf)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addWidget(self.size_label)
        bar.addWidget(self.size_box)
        bar.addStretch(1)
        for b in (self.print_button, self.pdf_button, self.close_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.preview, 1)
        fit_to_screen(self, QSize(900, 1000), anchor=parent)  # the whole page in view on a 600-pixel screen
        # Closed, the keyboard goes back where it was: no shortcut worked until a click (issue 16).
        self._return_focus = QApplication.focusWidget()
        self.finished.connect(lambda _result: QTimer.singleShot(0, self._give_back_focus))
        self.retranslate()

    def _give_back_focus(self) -> None:
        target = self._return_focus
        if target is None or not shiboken6.isValid(target) or not target.isVisible():
            target = self.parentWidget()
        if target is None or not shiboken6.isValid(target):
            return
        target.window().activateWindow()
        if target.focusPolicy() != Qt.FocusPolicy.NoFocus:
            target.setFocus(Qt.FocusReason.PopupFocusReason)
        else:
            focus_into(target)

    def _paint(self, printer: QPrinter) -> None:
        print_document(text_document(self.doc), printer, self.page_size)

    def _resize(self, size: str) -> None:
        self.page_size = "A5" if size == "A5" else "A4"
        self.doc = self.build(self.page_size)
        self.preview.updatePreview()

    def print_(self) -> None:
        dialog = QPrintDialog(self.printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        print_document(text_document(self.doc), self.printer, self.page_size)
        self._printed()

    def save_pdf(self, path: str | None = None) -> Path | None:
        if not path:
            suggested = self.doc.title.replace("/", "-").replace(" ", "_") + ".pdf"
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Lưu PDF"), suggested, "PDF (*.pdf)")
        if not path:
            return None
        try:
            out = write_pdf(self.doc, path, self.page_size)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Không lưu được"), str(exc))
            return None
        self._printed()
        return out

    def _printed(self) -> None:
        if self.on_printed:
            self.on_printed()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Xem trước khi in — %1").replace("%1", self.doc.title))
        self.size_label.setText(self.tr("Khổ giấy"))
        self.print_button.setText(self.tr("In…"))
        self.pdf_button.setText(self.tr("Lưu PDF…"))
        self.close_button.setText(self.tr("Đóng"))
