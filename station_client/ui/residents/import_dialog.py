"""Import residents from a CSV file: a preview first (what would be created, changed, held, rejected), then the
import. The work is ``residents_csv.import_residents`` on the writer thread (the store's write path); this dialog
only shows its report. Changes to a stored person's name, date of birth, sex or household are listed and
applied only when the officer ticks the box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...residents_csv import CLEAR_MARK, ImportReport, import_residents
from ...store import Store
from ..context import AppContext
from ..layouts import button_bar


class ImportDialog(QDialog):
    def __init__(self, context: AppContext, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.path = Path(path)
        self.report: ImportReport | None = None
        self.summary = QLabel()
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        self.rules = QLabel(self.tr("Ô trống: giữ nguyên giá trị đã lưu. Ô chỉ có dấu %1: xóa giá trị đó.")
                            .replace("%1", CLEAR_MARK))
        self.rules.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setObjectName("import_details")
        self.details.setReadOnly(True)
        self.update_identity = QCheckBox(self.tr("Áp dụng cả thay đổi họ tên, ngày sinh, giới tính, hộ của người "
                                                 "đã có (các dòng liệt kê trên)"))
        self.update_identity.setObjectName("import_update_identity")
        self.update_identity.hide()
        self.import_button = QPushButton(self.tr("Nhập"))
        self.import_button.setObjectName("import_apply")
        self.import_button.setEnabled(False)
        self.import_button.setDefault(True)  # the primary action; without it Qt made "Hủy" the default
        self.import_button.clicked.connect(self.apply)
        self.close_button = QPushButton(self.tr("Hủy (Esc)"))
        self.close_button.clicked.connect(self.reject)
        buttons = button_bar()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.rules)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.update_identity)
        layout.addLayout(buttons)
        self.setWindowTitle(self.tr("Nhập nhân khẩu từ %1").replace("%1", self.path.name))
        self.resize(760, 480)
        self.summary.setText(self.tr("Đang đọc tệp…"))
        self._run(dry_run=True)

    def _run(self, *, dry_run: bool) -> None:
        path, officer, update = self.path, self.context.username, self.update_identity.isChecked()

        def op(store: Store) -> ImportReport:
            return import_residents(store, path, officer=officer, update_identity=update, dry_run=dry_run)

        self.context.write(op, self._shown, self._failed)

    def _shown(self, report: ImportReport) -> None:
        self.report = report
        language = self.context.language
        lines = [h.message(language) for h in report.held] + [e.message(language) for e in report.errors]
        self.details.setPlainText("\n".join(lines))
        if report.applied:
            self.summary.setText(self.tr("Đã nhập: %1").replace("%1", report.summary(language)))
            self.import_button.hide()
            self.update_identity.setEnabled(False)
            self.close_button.setText(self.tr("Đóng"))
            return
        self.summary.setText(self.tr("Xem trước, chưa ghi gì: %1").replace("%1", report.summary(language)))
        self.update_identity.setVisible(bool(report.held))
        self.import_button.setEnabled(True)

    def apply(self) -> None:
        self.import_button.setEnabled(False)
        self._run(dry_run=False)

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(self.context.error_text(exc))
        self.import_button.setEnabled(False)
