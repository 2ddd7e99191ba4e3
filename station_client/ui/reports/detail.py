"""One report, petition, mediation case or violation: what was recorded, the running deadline with a live
countdown (red when urgent or overdue), the actions its status allows (each asks for what it needs in a small
dialog and is one audited, synced store update) and its printouts through the shared print preview."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_datetime, office_now
from ...domain import agency
from ...domain import crime_reports as cr
from ...domain.deadlines import OUTCOMES, Duration
from ...domain.problems import ValidationError
from ...domain.registry import REPORTS
from ...domain.reports import countdown
from ...printing import reports_documents as rd
from ...printing.documents import PageSize, station_info
from ...store import dossiers as sd
from ...store import reports as R
from ..context import AppContext
from ..form_page import TitleBar, error_label
from ..forms import Choice, DateEdit
from ..labels import vocabulary
from ..layouts import FlowLayout, clear_layout
from ..page import Page
from .common import Banner, ReportForm, lazy, record_html, tr
from .kinds import SCREENS

COUNTDOWN_MS = 30_000


class ActionDialog(QDialog):
    """The details an action needs, with its validation messages next to the fields."""

    def __init__(self, kind: str, action: str, record: dict[str, Any], language: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.kind, self.action = kind, action
        self.setObjectName(f"report_action_{action}")
        self.form = ReportForm()
        inputs = SCREENS[kind].action_inputs.get(action, [])
        for name, label, widget in inputs:
            if isinstance(widget, dict):
                w: QWidget = Choice(widget, empty=name not in ("complexity", "method", "sanction"))
                w.relabel(language)  # type: ignore[attr-defined]
            elif widget == "text":
                w = QPlainTextEdit()
                w.setTabChangesFocus(True)  # type: ignore[attr-defined]
                w.setMaximumHeight(100)
            elif widget == "date":
                w = DateEdit()
            elif widget == "check":
                from PySide6.QtWidgets import QCheckBox

                w = QCheckBox(tr(label))
            else:
                w = QLineEdit()
                if widget == "int":
                    self.form.int_fields.add(name)
            self.form.add(name, lazy(label) if widget != "check" else (lambda: ""), w)
        self.form.finish()
        current = {name: record.get(name) for name, _l, _w in inputs
                   if record.get(name) is not None}
        self.form.set_values(SCREENS[kind].action_defaults.get(action, {}) | current)
        self.form.submitted.connect(self.accept)
        self.form.cancelled.connect(self.reject)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Đồng ý"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.setWindowTitle(REPORTS[kind].actions[action].label(language))
        self.resize(560, self.sizeHint().height())

    def details(self) -> tuple[dict[str, Any], list[Any]]:
        values, problems = self.form.values()
        if "items_held" in values:
            text = values["items_held"] or ""
            values["items_held"] = [{"name": x.strip()} for x in str(text).splitlines() if x.strip()]
        return values, problems


class DetailPage(Page):
    closed = Signal()

    def __init__(self, context: AppContext, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.kind = kind
        self.record: dict[str, Any] | None = None
        self.rules: Any = None
        self.cal: Any = None
        self.settings: dict[str, str | None] = {}
        self.dialog: ActionDialog | None = None
        self.preview: Any = None
        self._generation = 0
        top = TitleBar(self.closed.emit, name="report_title", wrap=True)
        self.title, self.back = top.title, top.back
        self.status = QLabel()
        self.status.setObjectName("report_status")
        self.status.setWordWrap(True)
        self.banner = Banner()
        self.banner.setObjectName("report_countdown")
        self.banner.setWordWrap(True)
        self.view = QTextBrowser()
        self.view.setObjectName("report_summary")
        self.error = error_label("report_error")
        self.error.hide()
        self.actions_bar = FlowLayout()  # wraps: the actions of a petition made the page wider than a netbook
        self.print_bar = FlowLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        self.print_buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addLayout(self.actions_bar)
        layout.addLayout(self.print_bar)
        self.timer = QTimer(self, interval=COUNTDOWN_MS)
        self.timer.timeout.connect(self._tick)
        self.retranslate()

    # ------------------------------------------------------------------ showing
    def open(self, record_id: str) -> None:
        self._generation += 1
        generation, kind = self._generation, self.kind

        def load(conn: Any) -> tuple[Any, ...]:
            return (R.get(conn, kind, record_id), R.rule_set(conn), R.work_calendar(conn),
                    sd.read_settings(conn, "station."))

        def loaded(result: tuple[Any, ...]) -> None:
            if generation == self._generation:  # not overtaken by an action's newer record
                self.show_record(*result)

        self.context.tasks.run(load, loaded, self._failed)

    def show_record(self, record: dict[str, Any] | None, rules: Any = None, cal: Any = None,
                    settings: dict[str, str | None] | None = None) -> None:
        self.record = record
        self.rules = rules or self.rules
        self.cal = cal or self.cal
        if settings is not None:
            self.settings = settings
        self.error.hide()
        for bar, buttons in ((self.actions_bar, self.action_buttons), (self.print_bar, self.print_buttons)):
            clear_layout(bar)
            buttons.clear()
        if record is None:
            self.title.setText(self.tr("Không tìm thấy hồ sơ"))
            self.view.clear()
            self.banner.show_text("", False)
            return
        lang = self.context.language
        status = vocabulary(lang, REPORTS[self.kind].statuses, record["status"])
        self.title.setText(f"{record.get('register_no')} — {status}")
        self.status.setText(SCREENS[self.kind].headline(record))
        self.view.setHtml(record_html(self.kind, record, lang))
        actions = REPORTS[self.kind].available_actions(record, self.rules)
        head = bool(self.context.officer and self.context.officer.is_head)
        for action in actions:
            if action.name == "override_remote" and not head:
                continue  # the head's decision (the store refuses it from anyone else)
            b = QPushButton(action.label(lang))
            b.setObjectName(f"report_action_{action.name}")
            b.clicked.connect(lambda _c=False, a=action.name: self.run_action(a))
            self.actions_bar.addWidget(b)
            self.action_buttons[action.name] = b
        for doc, label in self._documents(record):
            b = QPushButton(label)
            b.setObjectName(f"report_print_{doc}")
            b.clicked.connect(lambda _c=False, which=doc: self.print_document(which))
            self.print_bar.addWidget(b)
            self.print_buttons[doc] = b
        self._tick()
        self.timer.start()

    def _unit(self, r: dict[str, Any]) -> str:
        if r.get("duration"):
            return str(Duration.from_dict(r["duration"]).unit)
        key = r.get("rule_key") or r.get("decision_rule")
        if key and self.rules is not None:
            try:
                return str(self.rules.get(key).duration.unit)
            except KeyError:
                pass
        return REPORTS[self.kind].clock_unit

    def _tick(self) -> None:
        """Recompute the countdown (no database access: the due time is on the record)."""
        r = self.record
        if r is not None and self.kind == "crime_report" and agency.outcome_notice_pending(r):
            # The investigation agency decided (synced from the province): the reporter must be told (3 days).
            due = datetime.fromisoformat(r["outcome_notice_due"])
            decision = vocabulary(self.context.language, cr.AGENCY_DECISIONS, r.get("agency_decision"))
            notice, due_word = self.tr("Báo kết quả cho người tố giác"), self.tr("Hạn")
            self.banner.show_text(f"{notice} ({decision}) — {due_word}: {office_datetime(due)}",
                                  alarm=due < office_now())
            return
        if r is not None and r["status"] not in REPORTS[self.kind].open_statuses:
            # The clock stopped: say how the matter ended against its deadline, if it was timed.
            outcome = r.get("outcome") or r.get("classify_outcome") or r.get("resolve_outcome") or \
                r.get("decision_outcome")
            self.banner.show_text(self.tr("Thời hạn") + f": {vocabulary(self.context.language, OUTCOMES, outcome)}"
                                  if outcome else "", alarm=outcome == "late")
            return
        if r is None or not r.get("due_at") or self.cal is None:
            self.banner.show_text("", False)
            return
        now = office_now()
        left = countdown(r["due_at"], now, self._unit(r), self.cal, self.context.language)
        due = datetime.fromisoformat(r["due_at"])
        urgent = bool(r.get("urgent"))
        text = self.tr("Hạn") + f": {office_datetime(due)} — {left}"
        if urgent:
            text = self.tr("KHẨN CẤP") + f" · {text}"
        self.banner.show_text(text, alarm=urgent or due < now)

    def _documents(self, r: dict[str, Any]) -> list[tuple[str, str]]:
        docs: list[tuple[str, str]] = []
        if self.kind == "crime_report":
            docs.append(("intake", self.tr("In biên bản tiếp nhận")))
            if r.get("notices"):
                docs.append(("notice", self.tr("In thông báo cho người tố giác")))
        if self.kind == "mediation_case" and r.get("agreement"):
            docs.append(("agreement", self.tr("In văn bản hòa giải thành")))
        return docs

    # ------------------------------------------------------------------ actions
    def run_action(self, action: str) -> None:
        """Ask for the action's details in a window-modal dialog (``self.dialog``), then write it."""
        if self.record is None:
            return
        if action not in SCREENS[self.kind].action_inputs:
            self._write(action, {})
            return
        self.dialog = ActionDialog(self.kind, action, self.record, self.context.language, self)
        self.dialog.accepted.connect(lambda: self._dialog_done(action))
        self.dialog.open()

    def _dialog_done(self, action: str) -> None:
        assert self.dialog is not None
        details, problems = self.dialog.details()
        if problems:
            self.error.setText("\n".join(p.message(self.context.language) for p in problems))
            self.error.show()
            return
        self._write(action, details)

    def _write(self, action: str, details: dict[str, Any]) -> None:
        assert self.record is not None
        kind, record_id, version = self.kind, self.record["id"], self.record["version"]
        officer, at = self.context.username, office_now()
        self._generation += 1
        self.context.write(lambda store: R.apply_action(store, kind, record_id, action, officer=officer, at=at,
                                                        details=details, expected_version=version),
                           self.show_record, self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.error.setText("\n".join(exc.messages(self.context.language)))
        else:
            self.error.setText(self.context.error_text(exc))
        self.error.show()

    # ------------------------------------------------------------------ printing
    def build(self, which: str, page_size: PageSize) -> rd.PrintDoc:
        assert self.record is not None
        station = station_info(self.settings)
        officer = self.context.officer.full_name if self.context.officer else ""
        if which == "intake":
            return rd.intake_record(self.record, station, officer_name=officer, page_size=page_size)
        if which == "notice":
            return rd.notice_to_reporter(self.record, self.record["notices"][-1], station, page_size=page_size)
        return rd.mediation_agreement(self.record, station, page_size=page_size)

    def print_document(self, which: str) -> None:
        from ..dossiers.preview import PrintPreview

        self.preview = PrintPreview(lambda size: self.build(which, size),
                                    printer_name=str(self.context.options.get("print.printer") or ""), parent=self)
        self.preview.open()

    # ------------------------------------------------------------------ language
    def hideEvent(self, event: Any) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def retranslate(self) -> None:
        self.back.setText(self.tr("← Sổ"))
        if self.record is not None:
            self.show_record(self.record)
