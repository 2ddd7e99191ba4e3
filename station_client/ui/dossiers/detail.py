"""One dossier: what was received, the appointment and the time left, the status actions its status allows,
and printing (receipt, CT05, CT06) through the print preview."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_datetime, office_now, office_today
from ...domain.deadlines import OUTCOMES, Duration, remaining_text
from ...domain.dossiers import ACTIONS, CHANNELS, RESULT_CHANNELS, STATUSES, available_actions
from ...domain.problems import ValidationError
from ...domain.procedures import DOCUMENT_FORMS, Procedure
from ...printing.documents import DocType, PageSize, document_for, station_info
from ...store import dossiers as sd
from ...store import receipt_keys
from ..context import AppContext
from ..form_page import TitleBar, error_label
from ..i18n import bilingual, tr_noop, translate
from ..labels import vocabulary
from ..layouts import clear_layout
from ..page import Page
from .preview import PrintPreview

LOOKUP_URL = "receipt.lookup_url"  # in the loaded settings: the receipt's signed link (not a setting)
DOC_LABELS = {"receipt": tr_noop("Dossiers", "In phiếu tiếp nhận"),
              "supplement": tr_noop("Dossiers", "In phiếu bổ sung (CT05)"),
              "refusal": tr_noop("Dossiers", "In phiếu từ chối (CT06)")}


class ActionDialog(QDialog):
    """Details an action needs: what to supplement, the legal ground of a refusal, where it is transferred."""

    def __init__(self, action: str, procedure: Procedure | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.action = action
        self.setObjectName(f"action_{action}")
        form = QFormLayout()
        self.items = QPlainTextEdit()
        self.note = QLineEdit()
        self.ground = QComboBox()
        self.ground.setEditable(True)
        self.reason = QLineEdit()
        self.target = QLineEdit()
        if action == "request_supplement":
            form.addRow(self.tr("Giấy tờ cần bổ sung (mỗi dòng một mục)"), self.items)
            form.addRow(self.tr("Hướng dẫn"), self.note)
        elif action == "refuse":
            self.ground.addItems(list(procedure.refusal_grounds) if procedure else [])
            form.addRow(self.tr("Căn cứ pháp lý"), self.ground)
            form.addRow(self.tr("Lý do từ chối"), self.reason)
        elif action == "transfer":
            form.addRow(self.tr("Chuyển đến"), self.target)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setWindowTitle(ACTIONS[action].vi)

    def details(self) -> dict[str, Any]:
        if self.action == "request_supplement":
            return {"supplement_items": [x.strip() for x in self.items.toPlainText().splitlines() if x.strip()],
                    "supplement_note": self.note.text().strip() or None}
        if self.action == "refuse":
            return {"refusal_ground": self.ground.currentText().strip() or None,
                    "refusal_reason": self.reason.text().strip() or None}
        if self.action == "transfer":
            return {"transferred_to": self.target.text().strip() or None}
        return {}


def summary_html(d: dict[str, Any], today: date, cal: Any, language: str,
                 moved: tuple[datetime, datetime] | None = None) -> str:
    """The dossier as the detail page shows it (plain HTML for a QTextBrowser). ``moved``: the appointment
    before and after a holiday the province added (``store.dossiers.appointment_moves``), shown so that the
    officer tells the applicant when the printed receipt says another day."""
    def label_of(source: str) -> str:  # a label marked tr_noop("Dossiers", ...)
        return translate("Dossiers", source)

    def row(label: str, value: Any) -> str:
        text = "" if value is None else str(value)
        return f"<tr><td><b>{html.escape(label_of(label))}</b></td><td>{html.escape(text)}</td></tr>"

    status = vocabulary(language, STATUSES, d.get("status"))
    due = d.get("due_at")
    if d.get("status") in ("received", "processing", "transferred") and due:
        left = remaining_text(today, datetime.fromisoformat(due), cal, language)
    elif d.get("status") == "supplement_requested":
        left = translate("Dossiers", "đồng hồ tạm dừng, chờ công dân bổ sung")
    else:
        left = vocabulary(language, OUTCOMES, d.get("outcome")) if d.get("outcome") else ""
    duration = Duration.from_dict(d["duration"]).label(language) if d.get("duration") else ""
    rows = [
        row(tr_noop("Dossiers", "Mã hồ sơ"), d.get("code")),
        row(tr_noop("Dossiers", "Mã tra cứu"), d.get("lookup_code")),
        row(tr_noop("Dossiers", "Số phiếu"), d.get("receipt_no")),
        row(tr_noop("Dossiers", "Thủ tục"), d.get("procedure_name")), row(tr_noop("Dossiers", "Trạng thái"), status),
        row(tr_noop("Dossiers", "Người nộp"), d.get("applicant_name")),
        row(tr_noop("Dossiers", "Số định danh"), d.get("applicant_personal_id")),
        row(tr_noop("Dossiers", "Số điện thoại"), d.get("applicant_phone")),
        row(tr_noop("Dossiers", "Tiếp nhận lúc"), office_datetime(d.get("received_at"))),
        row(tr_noop("Dossiers", "Thời hạn"), duration),
        row(tr_noop("Dossiers", "Hẹn trả kết quả"), office_datetime(due)), *_moved_row(moved, d),
        row(tr_noop("Dossiers", "Thời gian còn lại"), left),
        row(tr_noop("Dossiers", "Hình thức nộp"), vocabulary(language, CHANNELS, d.get("channel"))),
        row(tr_noop("Dossiers", "Nhận kết quả"), vocabulary(language, RESULT_CHANNELS, d.get("result_channel"))),
        row(tr_noop("Dossiers", "Lệ phí"), f"{d.get('fee') or 0:,} đ".replace(",", ".")),
        row(tr_noop("Dossiers", "Cán bộ tiếp nhận"), d.get("officer_name")),
        row(tr_noop("Dossiers", "Số lần in phiếu"), d.get("print_count") or 0),
    ]
    if d.get("supplement_items"):
        rows.append(row(tr_noop("Dossiers", "Cần bổ sung"), "; ".join(d["supplement_items"])))
    if d.get("refusal_ground"):
        rows.append(row(tr_noop("Dossiers", "Căn cứ từ chối"), d["refusal_ground"]))
    if d.get("transferred_to"):
        rows.append(row(tr_noop("Dossiers", "Đã chuyển đến"), d["transferred_to"]))
    docs = "".join(
        f"<li>{html.escape(x.get('name', ''))} — "
        f"{html.escape(vocabulary(language, DOCUMENT_FORMS, x.get('form')) if x.get('form') else '')}"
        f" × {int(x.get('count') or 1)}</li>" for x in d.get("documents") or [])
    received = html.escape(label_of(tr_noop("Dossiers", "Giấy tờ đã nhận")))
    return f"<table cellpadding='3'>{''.join(rows)}</table><p><b>{received}</b></p><ul>{docs}</ul>"


def _moved_row(moved: tuple[datetime, datetime] | None, d: dict[str, Any]) -> list[str]:
    if moved is None or moved[0] == moved[1]:
        return []
    label = translate("Dossiers", "Hẹn trả đã dời")
    text = f"{office_datetime(moved[0].isoformat())} → {office_datetime(moved[1].isoformat())}"
    if int(d.get("print_count") or 0) > 0:
        printed = translate("Dossiers", "phiếu hẹn đã in ghi ngày cũ: báo cho người nộp")
        text += f" ({printed})"
    return [f"<tr><td><b>{html.escape(label)}</b></td><td style='color:#b3261e'>{html.escape(text)}</td></tr>"]


class DetailPage(Page):
    closed = Signal()
    changed = Signal(object)  # the dossier after an action

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.record: dict[str, Any] | None = None
        self.procedure: Procedure | None = None
        self.cal: Any = None
        # (dossier id, (old, new)): the appointment a holiday the province added moved
        self.moved: tuple[str, tuple[datetime, datetime]] | None = None
        top = TitleBar(self.closed.emit)
        self.title, self.back = top.title, top.back
        self.view = QTextBrowser()
        self.view.setObjectName("dossier_summary")
        self.error = error_label()
        self.error.hide()
        self.actions_bar = QHBoxLayout()
        self.print_bar = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        self.print_buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addLayout(self.actions_bar)
        layout.addLayout(self.print_bar)
        self.retranslate()

    # ------------------------------------------------------------------ showing
    def open(self, record_id: str, *, then_print: bool = False) -> None:
        def load(conn: Any) -> tuple[Any, Any, Any, Any, Any]:
            d = sd.get_dossier(conn, record_id)
            proc = sd.get_procedure(conn, d["procedure_key"]) if d else None
            settings = sd.read_settings(conn, "station.")
            if d is not None:  # the receipt's signed lookup link, made here on the reader (offline is fine)
                settings[LOOKUP_URL] = receipt_keys.lookup_url(conn, d)
            return d, proc, sd.work_calendar(conn), settings, sd.appointment_moves(conn, [record_id]).get(record_id)

        def loaded(result: tuple[Any, Any, Any, Any, Any]) -> None:
            self.moved = (record_id, result[4]) if result[4] else None
            self.show_record(*result[:4])
            if then_print and self.record is not None:
                docs = self.documents()
                if docs:
                    self.print_document(docs[0])

        self.context.tasks.run(load, loaded, self._failed)

    def show_record(self, record: dict[str, Any] | None, procedure: Procedure | None = None, cal: Any = None,
                    settings: dict[str, str | None] | None = None) -> None:
        self.record = record
        self.procedure = procedure or self.procedure
        self.cal = cal or self.cal
        self.settings = settings if settings is not None else getattr(self, "settings", {})
        self.error.hide()
        for bar, buttons in ((self.actions_bar, self.action_buttons), (self.print_bar, self.print_buttons)):
            clear_layout(bar)
            buttons.clear()
        if record is None:
            self.title.setText(self.tr("Không tìm thấy hồ sơ"))
            self.view.clear()
            return
        self.title.setText(f"{record['code']} — {record['applicant_name']}")
        moved = self.moved[1] if self.moved is not None and self.moved[0] == record.get("id") else None
        self.view.setHtml(summary_html(record, office_today(), self.cal, self.context.language, moved))
        for action in available_actions(record["status"]):
            b = QPushButton(bilingual(self.context.language, action.vi, action.en))
            b.setObjectName(f"dossier_action_{action.name}")
            b.clicked.connect(lambda _c=False, a=action.name: self.run_action(a))
            self.actions_bar.addWidget(b)
            self.action_buttons[action.name] = b
        self.actions_bar.addStretch(1)
        for doc in self.documents():
            b = QPushButton(translate("Dossiers", DOC_LABELS[doc]))
            b.setObjectName(f"dossier_print_{doc}")
            b.clicked.connect(lambda _c=False, which=doc: self.print_document(which))
            self.print_bar.addWidget(b)
            self.print_buttons[doc] = b
        self.print_bar.addStretch(1)

    def documents(self) -> list[DocType]:
        from ...printing.documents import available_documents

        return available_documents(self.record) if self.record else []

    # ------------------------------------------------------------------ actions
    def run_action(self, action: str) -> None:
        if self.record is None:
            return
        details: dict[str, Any] = {}
        if action in ("request_supplement", "refuse", "transfer"):
            dialog = ActionDialog(action, self.procedure, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            details = dialog.details()
        record_id, version, officer = self.record["id"], self.record["version"], self.context.username
        self.context.write(lambda store: sd.apply_action(store, record_id, action, officer=officer, details=details,
                                                         expected_version=version),
                           self._acted, self._failed)

    def _acted(self, record: dict[str, Any]) -> None:
        self.show_record(record)
        self.changed.emit(record)
        if record["status"] in ("supplement_requested", "refused"):
            self.print_document("supplement" if record["status"] == "supplement_requested" else "refusal")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.error.setText("\n".join(exc.messages(self.context.language)))
        else:
            self.error.setText(self.context.error_text(exc))
        self.error.show()

    # ------------------------------------------------------------------ printing
    def preview_dialog(self, which: DocType) -> PrintPreview:
        assert self.record is not None
        record = dict(self.record)
        station = station_info(self.settings)
        lookup_url = self.settings.get(LOOKUP_URL)
        print_no = int(record.get("print_count") or 0) + 1
        printed_at = office_now()

        def build(page_size: PageSize):  # type: ignore[no-untyped-def]
            return document_for(record, station, printed_at=printed_at, print_no=print_no, which=which,
                                page_size=page_size, lookup_url=lookup_url)

        record_id, officer = record["id"], self.context.username
        return PrintPreview(build, printer_name=str(self.context.options.get("print.printer") or ""),
                            on_printed=lambda: self.context.write(
                                lambda store: sd.mark_printed(store, record_id, officer=officer),
                                lambda _n: self.open(record_id), self._failed),
                            parent=self)

    def print_document(self, which: DocType) -> None:
        self.preview_dialog(which).exec()

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.back.setText(self.tr("← Danh sách"))
        if self.record is not None:
            self.show_record(self.record)
