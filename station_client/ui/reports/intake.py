"""Intake forms: a crime report (tố giác, tin báo, kiến nghị khởi tố), a petition, a mediation case, an
administrative violation record. The deadline the matter will get is shown live while the officer types
(urgent and remote flags change it), from the rules and calendar the store holds.

The page reads (rules, calendar, resident search) and writes (``store.reports.create``) through
``context.tasks``; it never touches SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_datetime
from ...domain import crime_reports as cr
from ...domain import mediation as md
from ...domain import petitions as pt
from ...domain import violations as vl
from ...domain.deadlines import default_office_hours
from ...domain.problems import ValidationError
from ...store import reports as R
from ..context import AppContext
from ..forms import Choice
from ..layouts import button_bar
from .common import Banner, PartiesEditor, ReportForm, datetime_edit, lazy, tr

TITLES = {"crime_report": "Tiếp nhận tố giác, tin báo về tội phạm", "petition": "Tiếp nhận đơn",
          "mediation_case": "Vụ việc hòa giải mới", "admin_violation": "Lập biên bản vi phạm hành chính"}
AT_FIELD = {"crime_report": "received_at", "petition": "received_at", "mediation_case": "received_at",
            "admin_violation": "recorded_at"}
REPORTER_FIELDS = ("reporter_name", "reporter_birth_year", "reporter_personal_id", "reporter_address",
                   "reporter_phone")


class IntakePage(QWidget):
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
        self.save_button = QPushButton()
        self.save_button.setObjectName("intake_save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("intake_cancel")
        self.cancel_button.clicked.connect(self.cancelled.emit)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.addWidget(self.form)
        scroll = QScrollArea()
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own: it follows the focused field
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        buttons = button_bar()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
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
        self.form.add("report_kind", lazy("Loại tin"), Choice(cr.REPORT_KINDS, empty=False))
        self.form.add("channel", lazy("Hình thức tiếp nhận"), Choice(cr.CHANNELS, empty=False))
        at = self.form.add("received_at", lazy("Thời điểm tiếp nhận"), datetime_edit())
        at.dateTimeChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self.anonymous = self._check("reporter_anonymous", "Người tố giác từ chối cung cấp thông tin cá nhân")
        self.anonymous.toggled.connect(self._anonymous_toggled)
        self._line("reporter_name", "Họ tên người tố giác, báo tin")
        self._line("reporter_birth_year", "Năm sinh", number=True)
        self._line("reporter_personal_id", "Số định danh cá nhân")
        self._line("reporter_address", "Nơi cư trú")
        self._line("reporter_phone", "Số điện thoại")
        self._line("reporter_agency", "Cơ quan, tổ chức báo tin")
        self._text("summary", "Nội dung tố giác, tin báo")
        self._line("place", "Nơi xảy ra")
        self._line("offence", "Dấu hiệu tội phạm (sơ bộ)")
        self._check("urgent", "Khẩn cấp (chuyển trong 24 giờ)")
        reason = Choice(cr.URGENCY_REASONS)
        self.form.add("urgency_reason", lazy("Lý do khẩn cấp"), reason)
        # Shown, not chosen: the province's classification of the commune decides the 48-hour rule; the station
        # head overrides it on one report, with a reason, from the report's page.
        self.remote = self._check("remote_commune", "Xã vùng sâu, vùng xa, miền núi, hải đảo (48 giờ) — theo "
                                                    "phân loại của Công an tỉnh")
        self.remote.setEnabled(False)
        self._parties("Người bị tố giác, bị hại, người làm chứng", cr.ROLES)
        self._line("note", "Ghi chú")

    def _build_petition(self) -> None:
        box = self.form.add("petition_type", lazy("Loại đơn"), Choice(pt.PETITION_TYPES, empty=False))
        box.currentIndexChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self.form.add("channel", lazy("Hình thức tiếp nhận"), Choice(pt.CHANNELS, empty=False))
        at = self.form.add("received_at", lazy("Thời điểm tiếp nhận"), datetime_edit())
        at.dateTimeChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self._line("petitioner_name", "Họ tên người gửi đơn")
        self._line("petitioner_personal_id", "Số định danh cá nhân")
        self._line("petitioner_address", "Nơi cư trú")
        self._line("petitioner_phone", "Số điện thoại")
        self._line("subject", "Trích yếu")
        self._text("content", "Nội dung đơn")
        self._parties("Người bị tố cáo, khiếu nại; người liên quan", pt.ROLES)
        self._line("note", "Ghi chú")

    def _build_mediation_case(self) -> None:
        self.form.add("trigger_kind", lazy("Căn cứ hòa giải"), Choice(md.TRIGGERS, empty=False))
        self.form.add("dispute_type", lazy("Loại vụ việc"), Choice(md.DISPUTE_TYPES))
        self.form.add("received_at", lazy("Thời điểm tiếp nhận"), datetime_edit())
        self._line("referred_by", "Cơ quan, người đề nghị")
        self._parties("Các bên", md.ROLES)
        self._line("place", "Địa điểm")
        self._text("summary", "Nội dung vụ việc")
        self._line("mediators", "Hòa giải viên")
        self._line("note", "Ghi chú")

    def _build_admin_violation(self) -> None:
        self.form.add("violator_type", lazy("Loại đối tượng"), Choice(vl.VIOLATOR_TYPES, empty=False))
        self._line("violator_name", "Người/tổ chức vi phạm")
        self._line("violator_birth_year", "Năm sinh", number=True)
        self._line("violator_personal_id", "Số định danh cá nhân")
        self._line("violator_address", "Nơi cư trú/trụ sở")
        self.form.add("violation_at", lazy("Thời điểm vi phạm"), datetime_edit())
        self._line("place", "Nơi vi phạm")
        self._text("violation", "Hành vi vi phạm")
        self._line("legal_basis", "Quy định tại")
        at = self.form.add("recorded_at", lazy("Thời điểm lập biên bản"), datetime_edit())
        at.dateTimeChanged.connect(self._update_deadline)  # type: ignore[attr-defined]
        self._line("record_no", "Số biên bản")
        self.items = self._text("items_held", "Tang vật, phương tiện tạm giữ (mỗi dòng một thứ)", 70)
        self._line("note", "Ghi chú")

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
        at_text = values.get(AT_FIELD[self.kind])
        if problems or not at_text:
            return
        at = datetime.fromisoformat(at_text)
        try:
            if self.kind == "crime_report":
                rule = self.rules.crime_report_rule(bool(values.get("urgent")), bool(values.get("remote_commune")))
                what = tr("Hạn chuyển cơ quan điều tra")
            elif self.kind == "petition":
                rule = self.rules.petition_rule(values.get("petition_type") or "denunciation", "classify")
                what = tr("Hạn phân loại đơn")
            elif self.kind == "admin_violation":
                rule = self.rules.violation_rule("decision")
                what = tr("Hạn ra quyết định xử phạt")
            else:
                self.banner.show_text("", False)
                return
        except KeyError:
            return
        due = rule.due(at, self.cal)
        label = rule.duration.label(self.context.language)
        text = f"{what}: {office_datetime(due)} ({label})"
        if not rule.confirmed:
            text += " — " + tr("thời hạn chưa được Công an tỉnh xác nhận")
        self.banner.show_text(text, alarm=rule.duration.unit == "hours")

    def collect(self) -> tuple[dict[str, Any], datetime | None, list[Any]]:
        values, problems = self.form.values()
        if self.parties is not None:
            values["parties"] = self.parties.value()
        if self.items is not None:
            lines = [x.strip() for x in self.items.toPlainText().splitlines() if x.strip()]
            values["items_held"] = [{"name": x} for x in lines] or None
        at_text = values.pop(AT_FIELD[self.kind], None)
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
        at = at or datetime.now(default_office_hours().tz)
        self.save_button.setEnabled(False)
        self.context.write(lambda store: R.create(store, kind, values, officer=officer, at=at),
                           self._saved, self._failed)

    def _saved(self, record: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        self.form.show_problems([], self.context.language)
        self.saved.emit(record)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.form.show_problems(exc.problems, self.context.language)
        else:
            self.form.form_error.setText(self.context.error_text(exc))
            self.form.form_error.show()

    # ------------------------------------------------------------------ language
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.heading.setText(tr(TITLES[self.kind]))
        self.save_button.setText(tr("Lưu và vào sổ"))
        self.cancel_button.setText(tr("Hủy"))
        self.form.retranslate()
        for box, label in self.checks.values():
            box.setText(tr(label))
        if self.parties is not None:
            self.parties.retranslate()
        for f in self.form.fields.values():
            if isinstance(f.widget, Choice):
                f.widget.relabel(self.context.language)
