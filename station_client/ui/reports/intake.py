"""Intake forms: a crime report (tố giác, tin báo, kiến nghị khởi tố), a petition, a mediation case, an
administrative violation record. The deadline the matter will get is shown live while the officer types
(urgent and remote flags change it), from the rules and calendar the store holds.

The page reads (rules, calendar, resident search) and writes (``store.reports.create``) through
``context.tasks``; it never touches SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_datetime, office_now
from ...domain import crime_reports as cr
from ...domain import mediation as md
from ...domain import petitions as pt
from ...domain import violations as vl
from ...domain.registry import REPORTS
from ...store import reports as R
from ..context import AppContext
from ..form_page import SaveBar, column, scrolled, show_save_failure
from ..forms import Choice
from ..i18n import tr_lazy, tr_noop
from ..page import Page
from .common import Banner, PartiesEditor, ReportForm, datetime_edit, lazy, tr
from .kinds import SCREENS

REPORTER_FIELDS = ("reporter_name", "reporter_birth_year", "reporter_personal_id", "reporter_address",
                   "reporter_phone")


class IntakePage(Page):
    saved = Signal(object)  # the new record
    cancelled = Signal()

    def __init__(self, context: AppContext, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.kind = kind
        self.rules: Any = None
        self.cal: Any = None
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.banner = Banner()
        self.banner.setObjectName("intake_deadline")
        self.banner.setWordWrap(True)
        self.form = ReportForm()
        self.form.setObjectName(f"intake_form_{kind}")
        self.parties: PartiesEditor | None = None
        self.checks: dict[str, tuple[QCheckBox, str]] = {}
        self.items: QPlainTextEdit | None = None
        getattr(self, f"_build_{kind}")()
        self.form.finish()
        self.form.submitted.connect(self.submit)
        self.form.cancelled.connect(self.cancelled.emit)
        bar = SaveBar(self.submit, self.cancelled.emit, save_name="intake_save", cancel_name="intake_cancel")
        self.save_button, self.cancel_button = bar.save_button, bar.cancel_button
        scroll = scrolled(column(self.form))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addLayout(bar)
        self.retranslate()

    # ------------------------------------------------------------------ building
    def _line(self, name: str, label: str, *, number: bool = False) -> QLineEdit:
        w = QLineEdit()
        self.form.add(name, lazy(label), w)
        if number:
            self.form.int_fields.add(name)
        return w

    def _text(self, name: str, label: str, height: int = 90) -> QPlainTextEdit:
        w = QPlainTextEdit()
        w.setTabChangesFocus(True)
        w.setMaximumHeight(height)
        self.form.add(name, lazy(label), w)
        return w

    def _check(self, name: str, label: str) -> QCheckBox:
        w = QCheckBox()
        self.checks[name] = (w, label)
        self.form.add(name, lambda: "", w)
        w.toggled.connect(self._update_deadline)
        return w

    def _parties(self, label: str, roles: tuple[str, ...]) -> None:
        self.parties = PartiesEditor(self.context, roles)
        self.form.add("parties", lazy(label), self.parties)

    def _build_crime_report(self) -> None:
        self.form.add("report_kind", tr_lazy("Reports", "Loại tin"), Choice(cr.REPORT_KINDS, empty=False))
        self.form.add("channel", tr_lazy("Reports", "Hình thức tiếp nhận"), Choice(cr.CHANNELS, empty=False))
        at = self.form.add("received_at", tr_lazy("Reports", "Thời điểm tiếp nhận"), datetime_edit())
        at.dateTimeChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self.anonymous = self._check("reporter_anonymous",
                                     tr_noop("Reports", "Người tố giác từ chối cung cấp thông tin cá nhân"))
        self.anonymous.toggled.connect(self._anonymous_toggled)
        self._line("reporter_name", tr_noop("Reports", "Họ tên người tố giác, báo tin"))
        self._line("reporter_birth_year", tr_noop("Reports", "Năm sinh"), number=True)
        self._line("reporter_personal_id", tr_noop("Reports", "Số định danh cá nhân"))
        self._line("reporter_address", tr_noop("Reports", "Nơi cư trú"))
        self._line("reporter_phone", tr_noop("Reports", "Số điện thoại"))
        self._line("reporter_agency", tr_noop("Reports", "Cơ quan, tổ chức báo tin"))
        self._text("summary", tr_noop("Reports", "Nội dung tố giác, tin báo"))
        self._line("place", tr_noop("Reports", "Nơi xảy ra"))
        self._line("offence", tr_noop("Reports", "Dấu hiệu tội phạm (sơ bộ)"))
        self._check("urgent", tr_noop("Reports", "Khẩn cấp (chuyển trong 24 giờ)"))
        reason = Choice(cr.URGENCY_REASONS)
        self.form.add("urgency_reason", tr_lazy("Reports", "Lý do khẩn cấp"), reason)
        # Shown, not chosen: the province's classification of the commune decides the 48-hour rule; the station
        # head overrides it on one report, with a reason, from the report's page.
        self.remote = self._check("remote_commune",
                                  tr_noop("Reports", "Xã vùng sâu, vùng xa, miền núi, hải đảo (48 giờ) — theo "
                                                     "phân loại của Công an tỉnh"))
        self.remote.setEnabled(False)
        self._parties(tr_noop("Reports", "Người bị tố giác, bị hại, người làm chứng"), cr.ROLES)
        self._line("note", tr_noop("Reports", "Ghi chú"))

    def _build_petition(self) -> None:
        box = self.form.add("petition_type", tr_lazy("Reports", "Loại đơn"), Choice(pt.PETITION_TYPES, empty=False))
        box.currentIndexChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self.form.add("channel", tr_lazy("Reports", "Hình thức tiếp nhận"), Choice(pt.CHANNELS, empty=False))
        at = self.form.add("received_at", tr_lazy("Reports", "Thời điểm tiếp nhận"), datetime_edit())
        at.dateTimeChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self._line("petitioner_name", tr_noop("Reports", "Họ tên người gửi đơn"))
        self._line("petitioner_personal_id", tr_noop("Reports", "Số định danh cá nhân"))
        self._line("petitioner_address", tr_noop("Reports", "Nơi cư trú"))
        self._line("petitioner_phone", tr_noop("Reports", "Số điện thoại"))
        self._line("subject", tr_noop("Reports", "Trích yếu"))
        self._text("content", tr_noop("Reports", "Nội dung đơn"))
        self._parties(tr_noop("Reports", "Người bị tố cáo, khiếu nại; người liên quan"), pt.ROLES)
        self._line("note", tr_noop("Reports", "Ghi chú"))

    def _build_mediation_case(self) -> None:
        self.form.add("trigger_kind", tr_lazy("Reports", "Căn cứ hòa giải"), Choice(md.TRIGGERS, empty=False))
        self.form.add("dispute_type", tr_lazy("Reports", "Loại vụ việc"), Choice(md.DISPUTE_TYPES))
        self.form.add("received_at", tr_lazy("Reports", "Thời điểm tiếp nhận"), datetime_edit())
        self._line("referred_by", tr_noop("Reports", "Cơ quan, người đề nghị"))
        self._parties(tr_noop("Reports", "Các bên"), md.ROLES)
        self._line("place", tr_noop("Reports", "Địa điểm"))
        self._text("summary", tr_noop("Reports", "Nội dung vụ việc"))
        self._line("mediators", tr_noop("Reports", "Hòa giải viên"))
        self._line("note", tr_noop("Reports", "Ghi chú"))

    def _build_admin_violation(self) -> None:
        self.form.add("violator_type", tr_lazy("Reports", "Loại đối tượng"), Choice(vl.VIOLATOR_TYPES, empty=False))
        self._line("violator_name", tr_noop("Reports", "Người/tổ chức vi phạm"))
        self._line("violator_birth_year", tr_noop("Reports", "Năm sinh"), number=True)
        self._line("violator_personal_id", tr_noop("Reports", "Số định danh cá nhân"))
        self._line("violator_address", tr_noop("Reports", "Nơi cư trú/trụ sở"))
        self.form.add("violation_at", tr_lazy("Reports", "Thời điểm vi phạm"), datetime_edit())
        self._line("place", tr_noop("Reports", "Nơi vi phạm"))
        self._text("violation", tr_noop("Reports", "Hành vi vi phạm"))
        self._line("legal_basis", tr_noop("Reports", "Quy định tại"))
        at = self.form.add("recorded_at", tr_lazy("Reports", "Thời điểm lập biên bản"), datetime_edit())
        at.dateTimeChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self._line("record_no", tr_noop("Reports", "Số biên bản"))
        self.items = self._text("items_held", tr_noop("Reports", "Tang vật, phương tiện tạm giữ (mỗi dòng một thứ)"),
                                70)
        self._line("note", tr_noop("Reports", "Ghi chú"))

    # ------------------------------------------------------------------ behaviour
    def start(self) -> None:
        """A fresh form; the rules and calendar are read off the GUI thread for the live deadline."""
        self.form.clear()
        self.form.set_values({k: None for k, f in self.form.fields.items()
                              if f.widget.metaObject().className() == "QDateTimeEdit"})
        if self.parties is not None:
            self.parties.set_value([])
        for box, _label in self.checks.values():
            box.setChecked(False)
        if self.kind == "crime_report":
            self._anonymous_toggled(False)
        self.context.tasks.run(lambda conn: (R.rule_set(conn), R.work_calendar(conn), R.station_is_remote(conn)),
                               self._rules_loaded)
        self.form.focus_first()

    def _rules_loaded(self, result: tuple[Any, Any, bool]) -> None:
        self.rules, self.cal, remote = result
        if self.kind == "crime_report":
            self.remote.setChecked(remote)
        self._update_deadline()

    def _anonymous_toggled(self, anonymous: bool) -> None:
        for name in REPORTER_FIELDS:
            w = self.form.fields[name].widget
            w.setEnabled(not anonymous)
            if anonymous and isinstance(w, QLineEdit):
                w.clear()

    def _update_deadline(self, *_args: Any) -> None:
        if self.rules is None or self.cal is None:
            return
        values, problems = self.form.values()
        at_text = values.get(REPORTS[self.kind].at_field)
        if problems or not at_text:
            return
        at = datetime.fromisoformat(at_text)
        try:
            if self.kind == "crime_report":
                rule = self.rules.crime_report_rule(bool(values.get("urgent")), bool(values.get("remote_commune")))
                what = self.tr("Hạn chuyển cơ quan điều tra")
            elif self.kind == "petition":
                rule = self.rules.petition_rule(values.get("petition_type") or "denunciation", "classify")
                what = self.tr("Hạn phân loại đơn")
            elif self.kind == "admin_violation":
                rule = self.rules.violation_rule("decision")
                what = self.tr("Hạn ra quyết định xử phạt")
            else:
                self.banner.show_text("", False)
                return
        except KeyError:
            return
        due = rule.due(at, self.cal)
        label = rule.duration.label(self.context.language)
        text = f"{what}: {office_datetime(due)} ({label})"
        if not rule.confirmed:
            text += " — " + self.tr("thời hạn chưa được Công an tỉnh xác nhận")
        self.banner.show_text(text, alarm=rule.duration.unit == "hours")

    def collect(self) -> tuple[dict[str, Any], datetime | None, list[Any]]:
        values, problems = self.form.values()
        if self.parties is not None:
            values["parties"] = self.parties.value()
        if self.items is not None:
            lines = [x.strip() for x in self.items.toPlainText().splitlines() if x.strip()]
            values["items_held"] = [{"name": x} for x in lines] or None
        at_text = values.pop(REPORTS[self.kind].at_field, None)
        at = datetime.fromisoformat(at_text) if at_text else None
        if self.kind == "crime_report" and not values.get("urgent"):
            values["urgency_reason"] = None
        return values, at, problems

    def submit(self) -> None:
        values, at, problems = self.collect()
        if problems:
            self.form.show_problems(problems, self.context.language)
            return
        kind, officer = self.kind, self.context.username
        at = at or office_now()
        self.save_button.setEnabled(False)
        self.context.write(lambda store: R.create(store, kind, values, officer=officer, at=at),
                           self._saved, self._failed)

    def _saved(self, record: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        self.form.show_problems([], self.context.language)
        self.saved.emit(record)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_save_failure(self.form, self.context, exc)

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.heading.setText(tr(SCREENS[self.kind].intake_title))
        self.save_button.setText(self.tr("Lưu và vào sổ"))
        self.cancel_button.setText(self.tr("Hủy"))
        self.form.retranslate()
        for box, label in self.checks.values():
            box.setText(tr(label))
        if self.parties is not None:
            self.parties.retranslate()
        for f in self.form.fields.values():
            if isinstance(f.widget, Choice):
                f.widget.relabel(self.context.language)
