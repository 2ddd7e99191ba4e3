"""Shared pieces of the reports section: translated labels, a form that also reads check boxes, numbers and
date-times, the editor of people involved (linked to residents where known), and how a record's values read."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_datetime, office_local, office_now, office_zone
from ...domain.kinds import RecordKind
from ...domain.problems import Problem
from ...domain.registry import REPORTS, get_kind
from ...domain.reports import PARTY_ROLES
from ...store.search import PersonHit
from ..context import AppContext
from ..forms import FieldForm
from ..i18n import bilingual, tr_lazy, translate
from ..labels import vocabulary
from ..layouts import elide_titles
from ..resident_search import ResidentSearch
from ..style import SPACE, margins

CONTEXT = "Reports"
SEARCH_DELAY_MS = 200
# Internal fields a detail view does not show (register parts, snapshots, links shown otherwise).
HIDDEN = {"register_year", "register_seq", "station_code", "rule_key", "duration", "decision_rule",
          "reporter_person_id", "petitioner_person_id", "violator_person_id", "admin_violation_id",
          "crime_report_id", "due_at"}


def tr(text: str) -> str:
    """A value marked ``tr_noop("Reports", ...)`` (a table, a label handed to a form) in the current language."""
    return translate(CONTEXT, text)


def lazy(text: str) -> Callable[[], str]:
    """Such a value translated each time it is shown."""
    return tr_lazy(CONTEXT, text)


# ------------------------------------------------------------------------------------------ values shown
def show_value(kind: RecordKind, name: str, value: Any, language: str) -> str:
    """A field's value as the officer reads it (plain text)."""
    if value is None or value == "" or value == []:
        return ""
    report = REPORTS.get(kind.name)
    vocab = report.vocabularies.get(name) if report is not None else None
    if vocab is not None:
        return vocabulary(language, vocab, value)
    f = kind.by_name.get(name)
    if f is not None and f.type == "bool":
        return translate("Reports", "Có") if value else translate("Reports", "Không")
    if f is not None and f.type == "datetime":
        return office_datetime(value)
    if name == "parties":
        return "; ".join(f"{vocabulary(language, PARTY_ROLES, p.get('role'))}: {p.get('name')}"
                         + (f" ({p['birth_year']})" if p.get("birth_year") else "")
                         + (" ✓" if p.get("person_id") else "") for p in value)
    if name in ("notices", "sessions", "follow_ups"):
        return "\n".join(f"{office_datetime(x.get('at'))} — {x.get('content') or x.get('summary') or x.get('note')}"
                         for x in value)
    if name == "items_held":
        return "; ".join(f"{x.get('name')}" + (f" × {x['quantity']}" if x.get("quantity") else "") for x in value)
    if name == "fine_amount":
        return f"{int(value):,} đ".replace(",", ".")
    return str(value)


def record_html(kind_name: str, record: dict[str, Any], language: str) -> str:
    kind = get_kind(kind_name)
    rows = []
    for f in kind.fields:
        if f.name in HIDDEN:
            continue
        text = show_value(kind, f.name, record.get(f.name), language)
        if not text:
            continue
        label = bilingual(language, f.vi, f.en)
        # The label column as wide as its longest label, the value beside it (at 34 % of a wide page the values
        # sat some 350 px right of short labels such as "Số thụ lý", as the dossier page does not).
        rows.append(f"<tr><td valign='top' style='white-space: nowrap'><b>{html.escape(label)}</b></td>"
                    f"<td valign='top' width='100%'>{html.escape(text).replace(chr(10), '<br/>')}</td></tr>")
    return f"<table cellpadding='3' width='100%'>{''.join(rows)}</table>"


# ------------------------------------------------------------------------------------------ form
class ReportForm(FieldForm):
    """``FieldForm`` that also reads check boxes (bool), date-time edits (ISO) and whole numbers typed in a line
    edit (``int_fields``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.int_fields: set[str] = set()

    def values(self) -> tuple[dict[str, Any], list[Problem]]:
        out: dict[str, Any] = {}
        plain = {}
        for name, f in self.fields.items():
            w = f.widget
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QDateTimeEdit):
                out[name] = w.dateTime().toPython().replace(tzinfo=office_zone()).isoformat()
            elif isinstance(w, PartiesEditor):
                out[name] = w.value()
            elif isinstance(w, QComboBox) and not hasattr(w, "value"):
                out[name] = w.currentText().strip() or None
            else:
                plain[name] = f
        base, problems = self.read(plain)
        out |= base
        for name in self.int_fields:
            text = out.get(name)
            if text is None:
                continue
            try:
                out[name] = int(str(text))
            except ValueError:
                problems.append(Problem(name, "int.format", "Cần nhập một số.", "A number is required."))
        return out, problems

    def set_values(self, values: dict[str, Any]) -> None:
        for name, f in self.fields.items():
            if name not in values:
                continue
            w, v = f.widget, values[name]
            if isinstance(w, QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, PartiesEditor):
                w.set_value(v)
            elif isinstance(w, QDateTimeEdit):
                local = office_local(v)
                w.setDateTime(QDateTime(local.replace(tzinfo=None)) if local else office_now_qt())
            else:
                f.set(None if v is None else (str(v) if name in self.int_fields else v))


def office_now_qt() -> QDateTime:
    """Now on the office clock (Asia/Ho_Chi_Minh), whatever zone the PC is set to: times typed into forms are
    office local time."""
    return QDateTime(office_now().replace(tzinfo=None, microsecond=0))


def datetime_edit() -> QDateTimeEdit:
    w = QDateTimeEdit(office_now_qt())
    w.setDisplayFormat("dd/MM/yyyy HH:mm")
    w.setCalendarPopup(True)
    return w


# ------------------------------------------------------------------------------------------ people involved
class PartiesEditor(QWidget):
    """People involved: role, name, year of birth, address, note. A resident found by the search is added with
    a link to the register (``person_id``), so the report shows up in that person's history."""

    changed = Signal()
    COLUMNS = ("role", "name", "birth_year", "address", "note")

    def __init__(self, context: AppContext, roles: tuple[str, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.roles = roles
        self.table = QTableWidget(0, len(self.COLUMNS))
        elide_titles(self.table)
        self.table.setObjectName("parties_table")
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        self.residents = ResidentSearch(
            context, "parties", limit=10, delay_ms=SEARCH_DELAY_MS, hits_height=90, parent=self,
            describe=lambda h: f"{h.full_name} — {(h.birth_date or '')[:4]} — {h.personal_id or ''} — "
                               f"{h.permanent_address or ''}")
        self.search, self.hits = self.residents.box, self.residents.hits
        self.residents.picked.connect(self._pick)
        self.add_button = QPushButton()
        self.add_button.setObjectName("parties_add")
        self.add_button.clicked.connect(lambda: self.add_row(self.roles[0]))
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self._remove)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margins(SPACE.none))
        layout.addLayout(bar)
        layout.addWidget(self.hits)
        layout.addWidget(self.table)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([self.tr("Vai trò"), self.tr("Họ tên / đặc điểm"), self.tr("Năm sinh"),
                                              self.tr("Nơi cư trú"), self.tr("Ghi chú")])
        self.search.setPlaceholderText(self.tr("Tìm nhân khẩu để thêm (họ tên, số định danh)…"))
        self.add_button.setText(self.tr("Thêm người"))
        self.remove_button.setText(self.tr("Bỏ dòng"))

    def _role_box(self, role: str) -> QComboBox:
        box = QComboBox()
        for code in self.roles:
            box.addItem(vocabulary(self.context.language, PARTY_ROLES, code), code)
        box.setCurrentIndex(max(0, box.findData(role)))
        return box

    def add_row(self, role: str, name: str = "", birth_year: int | None = None, address: str = "",
                note: str = "", person_id: str | None = None) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setCellWidget(row, 0, self._role_box(role))
        name_item = QTableWidgetItem(name)
        name_item.setData(Qt.ItemDataRole.UserRole, person_id)
        self.table.setItem(row, 1, name_item)
        self.table.setItem(row, 2, QTableWidgetItem("" if birth_year is None else str(birth_year)))
        self.table.setItem(row, 3, QTableWidgetItem(address))
        self.table.setItem(row, 4, QTableWidgetItem(note))
        self.changed.emit()
        return row

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def _pick(self, h: PersonHit) -> None:
        year = int(h.birth_date[:4]) if h.birth_date else None
        self.add_row(self.roles[0], h.full_name, year, h.permanent_address or "", "", h.id)
        self.residents.clear()

    def value(self) -> list[dict[str, Any]]:
        out = []
        for row in range(self.table.rowCount()):
            box = self.table.cellWidget(row, 0)
            role = box.currentData() if isinstance(box, QComboBox) else self.roles[0]

            def cell(col: int, r: int = row) -> str:
                item = self.table.item(r, col)
                return item.text().strip() if item else ""

            name_item = self.table.item(row, 1)
            entry: dict[str, Any] = {"role": role, "name": cell(1)}
            if not entry["name"] and not any(cell(c) for c in (2, 3, 4)):
                continue  # an empty row left behind
            year = cell(2)
            if year:
                entry["birth_year"] = int(year) if year.isdigit() else year  # a wrong year is reported by validation
            if cell(3):
                entry["address"] = cell(3)
            if cell(4):
                entry["note"] = cell(4)
            person_id = name_item.data(Qt.ItemDataRole.UserRole) if name_item else None
            if person_id:
                entry["person_id"] = person_id
            out.append(entry)
        return out

    def set_value(self, parties: list[dict[str, Any]] | None) -> None:
        self.table.setRowCount(0)
        for p in parties or []:
            self.add_row(p.get("role") or self.roles[0], p.get("name") or "", p.get("birth_year"),
                         p.get("address") or "", p.get("note") or "", p.get("person_id"))


class Banner(QLabel):
    """The deadline line at the top of a form or detail: red and bold when urgent or overdue. Hidden until it has
    a deadline to show: empty, it left a blank band above the crime-report intake form."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.hide()

    def show_text(self, text: str, alarm: bool) -> None:
        self.setText(text)
        self.setStyleSheet("font-weight: bold; color: #ffffff; background: #b3261e; padding: 6px;" if alarm
                           else "font-weight: bold; color: #1d3b5a; background: #e3ecf5; padding: 6px;")
        self.setVisible(bool(text))
