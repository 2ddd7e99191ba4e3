"""Intake at the counter: pick the resident (or type a new applicant), pick the procedure, tick the documents
received with their form and count, fee, how the result is returned; complete → receipt, incomplete → CT05.

Reads (procedures, resident search) and the write (``store.dossiers.create_dossier``) run through
``context.tasks``; the page never touches SQL.
"""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from PySide6.QtCore import QCollator, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_now
from ...domain.dossiers import CHANNELS, RESULT_CHANNELS, validate_dossier
from ...domain.problems import Problem, ValidationError
from ...domain.procedures import DOCUMENT_FORMS, Procedure
from ...store import dossiers as sd
from ...store.search import PersonHit
from ..context import AppContext
from ..form_page import SaveBar, column, error_label, scrolled
from ..forms import Choice, DateEdit, FieldForm
from ..i18n import bilingual, tr_lazy
from ..layouts import elide_titles
from ..page import Page
from ..resident_search import ResidentSearch
from ..style import SPACE

SEARCH_DELAY_MS = 200
APPLICANT_FIELDS = ("name", "personal_id", "birth_date", "permanent_address", "temporary_address",
                    "current_address", "phone", "email")


FREQUENT = 5  # most used procedures listed first


def order_procedures(procedures: list[Procedure], usage: dict[str, int]) -> tuple[list[Procedure], list[Procedure]]:
    """(the station's most used, at most ``FREQUENT``, most used first; every procedure in Vietnamese collation)."""
    collator = QCollator(QLocale("vi_VN"))
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    collator.setNumericMode(True)
    def by_name(a: Procedure, b: Procedure) -> int:
        return collator.compare(a.name, b.name)

    ordered = sorted(procedures, key=cmp_to_key(by_name))
    used = sorted((p for p in ordered if usage.get(p.key)), key=lambda p: -usage[p.key])
    return used[:FREQUENT], ordered


class IntakePage(Page):
    saved = Signal(object)  # the new dossier record
    cancelled = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.procedures: list[Procedure] = []
        self.person_id: str | None = None

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        # --- applicant
        self.residents = ResidentSearch(
            context, "intake_person", limit=20, delay_ms=SEARCH_DELAY_MS, hits_height=110, on_error=self._failed,
            describe=lambda h: " — ".join(str(x) for x in (h.full_name, h.personal_id, h.permanent_address) if x),
            keys_enter_hits=True, parent=self)
        self.person_search, self.person_hits = self.residents.box, self.residents.hits
        self.residents.picked.connect(self._pick_person)
        self.picked = QLabel()
        self.picked.setObjectName("intake_picked")
        self.form = FieldForm()
        self.form.add("applicant_name", tr_lazy("Dossiers", "Họ, chữ đệm và tên"), QLineEdit())
        self.form.add("applicant_personal_id", tr_lazy("Dossiers", "Số định danh cá nhân"), QLineEdit())
        self.form.add("applicant_birth_date", tr_lazy("Dossiers", "Ngày sinh"), DateEdit())
        self.form.add("applicant_permanent_address", tr_lazy("Dossiers", "Nơi thường trú"), QLineEdit())
        self.form.add("applicant_temporary_address", tr_lazy("Dossiers", "Nơi tạm trú"), QLineEdit())
        self.form.add("applicant_current_address", tr_lazy("Dossiers", "Nơi ở hiện tại"), QLineEdit())
        self.form.add("applicant_phone", tr_lazy("Dossiers", "Số điện thoại"), QLineEdit())
        self.form.add("applicant_email", tr_lazy("Dossiers", "Thư điện tử"), QLineEdit())
        self.form.finish()
        self.form.submitted.connect(self.submit)
        self.form.cancelled.connect(self.cancelled.emit)
        # --- procedure
        self.procedure_box = QComboBox()
        self.procedure_box.setObjectName("intake_procedure")
        self.procedure_box.currentIndexChanged.connect(self._procedure_changed)
        self.duration_box = QComboBox()
        self.duration_box.setObjectName("intake_duration")
        self.procedure_info = QLabel()
        self.procedure_info.setWordWrap(True)
        self.documents = QTableWidget(0, 4)
        elide_titles(self.documents)
        self.documents.setObjectName("intake_documents")
        self.documents.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.documents.verticalHeader().hide()
        # Tab leaves the table (through each row's form and count, see _add_document_row): with Qt's default it
        # went from cell to cell for ever, and the fee, the result channel and "Receive" were out of reach.
        self.documents.setTabKeyNavigation(False)
        self.add_document = QPushButton()
        self.add_document.clicked.connect(lambda: self._add_document_row("", "original", 1, True, editable=True))
        self.channel = Choice(CHANNELS, empty=False)
        self.channel.setObjectName("intake_channel")
        self.channel.currentIndexChanged.connect(self._update_fee)
        self.fee = QSpinBox()
        self.fee.setObjectName("intake_fee")
        self.fee.setRange(0, 10_000_000)
        self.fee.setSingleStep(1000)
        self.fee.setSuffix(" đ")
        self.fee.setLocale(QLocale("vi_VN"))  # "15.000 đ" in either language (it read "15000 đ")
        self.fee.setGroupSeparatorShown(True)
        self.sets = QSpinBox()
        self.sets.setRange(1, 99)
        self.result_channel = Choice(RESULT_CHANNELS, empty=False)
        self.result_channel.setObjectName("intake_result_channel")
        self.result_place = QLineEdit()
        self.complete = QCheckBox()
        self.complete.setObjectName("intake_complete")
        self.complete.setChecked(True)
        self.complete.toggled.connect(self._complete_toggled)
        self.supplement = QPlainTextEdit()
        self.supplement.setObjectName("intake_supplement")
        self.supplement.setMaximumHeight(70)
        self.supplement.setEnabled(False)
        self.error = error_label("intake_error")
        bar = SaveBar(self.submit, self.cancelled.emit, save_name="intake_save")
        self.save_button, self.cancel_button = bar.save_button, bar.cancel_button

        self.applicant_group = QGroupBox()
        ag = QVBoxLayout(self.applicant_group)
        self.search_label = QLabel()
        ag.addWidget(self.search_label)
        ag.addWidget(self.person_search)
        ag.addWidget(self.person_hits)
        ag.addWidget(self.picked)
        ag.addWidget(self.form)
        self.procedure_group = QGroupBox()
        pg = QVBoxLayout(self.procedure_group)
        pg.addWidget(self.procedure_box)
        row = QHBoxLayout()
        self.duration_label = QLabel()
        row.addWidget(self.duration_label)
        row.addWidget(self.duration_box, 1)
        pg.addLayout(row)
        pg.addWidget(self.procedure_info)
        self.documents_label = QLabel()
        pg.addWidget(self.documents_label)
        pg.addWidget(self.documents)
        pg.addWidget(self.add_document, alignment=Qt.AlignmentFlag.AlignLeft)
        grid = QHBoxLayout()
        self.channel_label, self.fee_label, self.sets_label = QLabel(), QLabel(), QLabel()
        for lab, w in ((self.channel_label, self.channel), (self.fee_label, self.fee), (self.sets_label, self.sets)):
            grid.addWidget(lab)
            grid.addWidget(w)
        pg.addLayout(grid)
        res = QHBoxLayout()
        self.result_label, self.place_label = QLabel(), QLabel()
        res.addWidget(self.result_label)
        res.addWidget(self.result_channel)
        res.addWidget(self.place_label)
        res.addWidget(self.result_place, 1)
        pg.addLayout(res)
        pg.addWidget(self.complete)
        self.supplement_label = QLabel()
        pg.addWidget(self.supplement_label)
        pg.addWidget(self.supplement)

        scroll = scrolled(column(self.applicant_group, self.procedure_group, self.error, spacing=SPACE.section))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        layout.addLayout(bar)
        self.retranslate()

    # ------------------------------------------------------------------ loading
    def start(self) -> None:
        """A fresh intake: clear everything and (re)load the catalogue."""
        self.person_id = None
        self.picked.clear()
        self.picked.hide()  # shown with an applicant picked: empty, it left a blank line above the form
        self.residents.clear()
        self.form.clear()
        self.complete.setChecked(True)
        self.supplement.clear()
        self.result_place.clear()
        self.sets.setValue(1)
        self.error.hide()
        self.context.tasks.run(lambda conn: (sd.list_procedures(conn), sd.procedure_usage(conn)),
                               lambda result: self._procedures_loaded(*result), self._failed)
        self.person_search.setFocus()

    def _procedures_loaded(self, procedures: list[Procedure], usage: dict[str, int] | None = None) -> None:
        """The station's most used procedures first, then all of them in Vietnamese alphabetical order (Đ after
        D, not after X as raw Unicode put it); none chosen: the officer picks one (a preselected "Cấp thẻ căn
        cước" went onto receipts unnoticed)."""
        self.procedures = procedures
        frequent, ordered = order_procedures(procedures, usage or {})
        self.procedure_box.blockSignals(True)
        self.procedure_box.clear()
        for p in frequent:
            self.procedure_box.addItem(self._procedure_label(p), p.key)
        if frequent:
            self.procedure_box.insertSeparator(self.procedure_box.count())
        for p in ordered:
            self.procedure_box.addItem(self._procedure_label(p), p.key)
        self.procedure_box.setCurrentIndex(-1)
        self.procedure_box.blockSignals(False)
        self._procedure_changed()

    @staticmethod
    def _procedure_label(p: Procedure) -> str:
        return f"{p.name} ({p.national_code})" if p.national_code else p.name

    def procedure(self) -> Procedure | None:
        key = self.procedure_box.currentData()
        return next((p for p in self.procedures if p.key == key), None)

    def select_procedure(self, key: str) -> None:
        index = self.procedure_box.findData(key)
        if index >= 0:
            self.procedure_box.setCurrentIndex(index)

    def _procedure_changed(self, *_args: Any) -> None:
        p = self.procedure()
        self.documents.setRowCount(0)
        self.duration_box.clear()
        if p is None:
            return
        self.duration_box.addItem(p.duration.label(self.context.language), p.duration)
        for alt in p.alt_durations:
            when = bilingual(self.context.language, alt.when_vi, alt.when_en)
            self.duration_box.addItem(f"{alt.duration.label(self.context.language)} — {when}", alt.duration)
        for d in p.documents:
            self._add_document_row(d.name + (f" ({d.note})" if d.note else ""), d.form, d.count, not d.optional)
        info = [p.field]
        if p.legal_basis:
            info.append(p.legal_basis)
        if p.fee_note:
            info.append(p.fee_note)
        self.procedure_info.setText(" · ".join(i for i in info if i))
        self._update_fee()

    def _add_document_row(self, name: str, form: str, count: int, checked: bool, *, editable: bool = False) -> None:
        row = self.documents.rowCount()
        self.documents.insertRow(row)
        item = QTableWidgetItem(name)
        flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        item.setFlags(flags)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.documents.setItem(row, 0, item)
        form_box = Choice(DOCUMENT_FORMS, empty=False)
        form_box.relabel(self.context.language)
        form_box.set_value(form)
        self.documents.setCellWidget(row, 1, form_box)
        spin = QSpinBox()
        spin.setRange(1, 99)
        spin.setValue(count)
        self.documents.setCellWidget(row, 2, spin)
        # In the Tab chain right after the row above (or the table): made now, they would come last, after the
        # page's buttons.
        previous = self.documents.cellWidget(row - 1, 2) if row else self.documents
        QWidget.setTabOrder(previous, form_box)
        QWidget.setTabOrder(form_box, spin)
        note = QTableWidgetItem("")
        self.documents.setItem(row, 3, note)
        if editable:
            self.documents.editItem(item)

    def _update_fee(self, *_args: Any) -> None:
        p = self.procedure()
        if p is not None:
            self.fee.setValue(p.fee(self.channel.value() or "in_person"))

    def _complete_toggled(self, complete: bool) -> None:
        self.supplement.setEnabled(not complete)
        if not complete:
            self.supplement.setFocus()

    # ------------------------------------------------------------------ residents
    def _pick_person(self, hit: PersonHit) -> None:
        person_id = hit.id
        self.context.tasks.run(lambda conn: sd.get_person(conn, person_id), self.fill_from_person, self._failed)

    def fill_from_person(self, person: dict[str, Any] | None) -> None:
        if not person:
            return
        self.person_id = person["id"]
        self.form.set_values({
            "applicant_name": person.get("full_name"), "applicant_personal_id": person.get("personal_id"),
            "applicant_birth_date": person.get("birth_date"),
            "applicant_permanent_address": person.get("permanent_address"),
            "applicant_current_address": person.get("current_address"), "applicant_phone": person.get("phone"),
            "applicant_email": person.get("email")})
        self.picked.setText(self.tr("Người nộp: nhân khẩu %1 (đã có trong sổ)").replace(
            "%1", person.get("full_name") or ""))
        self.picked.show()

    # ------------------------------------------------------------------ saving
    def documents_received(self) -> list[dict[str, Any]]:
        out = []
        for row in range(self.documents.rowCount()):
            item = self.documents.item(row, 0)
            if item is None or item.checkState() != Qt.CheckState.Checked or not item.text().strip():
                continue
            form = self.documents.cellWidget(row, 1)
            count = self.documents.cellWidget(row, 2)
            note = self.documents.item(row, 3)
            out.append({"name": item.text().strip(), "form": form.value() if isinstance(form, Choice) else "original",
                        "count": count.value() if isinstance(count, QSpinBox) else 1,
                        "note": (note.text().strip() if note else "") or None})
        return out

    def intake(self) -> sd.Intake:
        values, problems = self.form.values()
        if problems:
            raise ValidationError(problems)
        p = self.procedure()
        if p is None:  # nothing is preselected: say so, with what is wrong with the applicant at the same time
            applicant_problems = [q for q in validate_dossier(values) if q.field.startswith("applicant_")]
            raise ValidationError([*applicant_problems, Problem("procedure_key", "required", "Chưa chọn thủ tục.",
                                                                "Choose a procedure.")])
        applicant = {k[len("applicant_"):]: v for k, v in values.items() if v is not None}
        if self.person_id:
            applicant["person_id"] = self.person_id
        officer = self.context.officer
        items = [line.strip() for line in self.supplement.toPlainText().splitlines() if line.strip()]
        return sd.Intake(
            procedure_key=p.key, applicant=applicant, documents=self.documents_received(),
            received_at=office_now(), complete=self.complete.isChecked(), supplement_items=items,
            channel=self.channel.value() or "in_person", result_channel=self.result_channel.value() or "paper",
            result_place=self.result_place.text().strip() or None, sets=self.sets.value(), fee=self.fee.value(),
            duration=self.duration_box.currentData(), officer_name=officer.full_name if officer else None)

    def submit(self) -> None:
        try:
            intake = self.intake()
        except ValidationError as exc:
            self._failed(exc)
            return
        officer = self.context.username
        self.save_button.setEnabled(False)
        self.context.write(lambda store: sd.create_dossier(store, intake, officer=officer), self._saved, self._failed)

    def _saved(self, record: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        self.error.hide()
        self.saved.emit(record)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.form.show_problems(exc.problems, self.context.language)
            other = [p.message(self.context.language) for p in exc.problems if p.field not in self.form.fields]
            self.error.setText("\n".join(other))
            self.error.setVisible(bool(other))
        else:
            self.error.setText(self.context.error_text(exc))
            self.error.show()

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.procedure_box.setPlaceholderText(self.tr("— Chọn thủ tục —"))
        self.heading.setText(self.tr("Tiếp nhận hồ sơ"))
        self.applicant_group.setTitle(self.tr("Người nộp hồ sơ"))
        self.search_label.setText(self.tr("Tìm nhân khẩu trong sổ (họ tên hoặc số định danh), hoặc nhập người mới "
                                          "bên dưới:"))
        self.procedure_group.setTitle(self.tr("Thủ tục và thành phần hồ sơ"))
        self.duration_label.setText(self.tr("Thời hạn giải quyết"))
        self.documents_label.setText(self.tr("Đánh dấu giấy tờ đã nhận, hình thức và số lượng:"))
        self.documents.setHorizontalHeaderLabels([self.tr("Tên giấy tờ"), self.tr("Hình thức"), self.tr("Số lượng"),
                                                  self.tr("Ghi chú")])
        self.add_document.setText(self.tr("Thêm giấy tờ khác"))
        self.channel_label.setText(self.tr("Hình thức nộp"))
        self.fee_label.setText(self.tr("Lệ phí"))
        self.sets_label.setText(self.tr("Số bộ"))
        self.result_label.setText(self.tr("Nhận kết quả"))
        self.place_label.setText(self.tr("tại"))
        self.complete.setText(self.tr("Hồ sơ đầy đủ (in phiếu tiếp nhận và hẹn trả kết quả)"))
        self.supplement_label.setText(self.tr("Nếu chưa đầy đủ — giấy tờ cần bổ sung (mỗi dòng một mục, in phiếu "
                                              "CT05):"))
        self.save_button.setText(self.tr("Tiếp nhận"))
        self.cancel_button.setText(self.tr("Hủy"))
        self.form.retranslate()
        self.channel.relabel(self.context.language)
        self.result_channel.relabel(self.context.language)
        self.person_search.setPlaceholderText(self.tr("Nguyễn Văn A / 0221…"))
