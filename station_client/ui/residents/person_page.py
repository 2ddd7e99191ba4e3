"""A person's page: the form (create or edit) and, for a saved person, household, residence history and every
dossier and report they appear in (from the person-link providers of ``sections.py``)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_today
from ...store import ChangeSet, Store, lists
from ..context import AppContext
from ..form_page import SaveBar, TitleBar, scrolled, show_save_failure
from ..forms import Choice, DateEdit, FieldForm, NationalityEdit
from ..i18n import bilingual, format_date
from ..labels import RELATIONSHIPS, RESIDENCE_TYPES, SEXES, label, sync_state, vocabulary
from ..layouts import elide_titles
from ..models import Column, ListModel
from ..sections import PersonLink, collect_person_links
from ..style import SPACE, margins
from .appearances import conflict_note, searching_text
from .residence_dialog import ResidenceDialog

PERSON_FIELDS: tuple[tuple[str, str], ...] = (
    ("full_name", "line"), ("birth_date", "date"), ("sex", "sex"), ("personal_id", "line"), ("old_id", "line"),
    ("passport_no", "line"), ("nationality", "nationality"), ("ethnicity", "line"), ("religion", "line"),
    ("hometown", "line"), ("birth_place", "line"), ("occupation", "line"), ("phone", "line"), ("email", "line"),
    ("permanent_address", "line"), ("current_address", "line"), ("note", "line"),
)


def load_details(conn: Any, person_id: str) -> dict[str, Any]:
    """The record, household and residences, read in one go on a reader thread. The dossiers and reports the
    person appears in come after (``links`` None until then): those searches may take a moment at a big
    station and the form must not wait for them."""
    person = lists.get_record(conn, "person", person_id)
    return {"person": person, "memberships": lists.memberships_of(conn, person_id),
            "residences": lists.residences_of(conn, person_id), "links": None, "link_failures": []}


def _address(address: str | None, hamlet: str | None) -> str:
    if hamlet and address and hamlet in address:
        return address
    return ", ".join(p for p in (address, hamlet) if p)


class PersonPage(QWidget):
    closed = Signal()  # back to the list
    saved = Signal(str)  # person id

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.record: dict[str, Any] | None = None
        self.details: dict[str, Any] | None = None
        self.household_id: str | None = None
        top = TitleBar(self.cancel, name="person_heading", elastic=True)
        self.heading, self.back = top.title, top.back

        self.form = FieldForm()
        self.relationship = Choice(RELATIONSHIPS, empty=False)
        for name, widget_type in PERSON_FIELDS:
            widget: QWidget = {"line": QLineEdit, "date": DateEdit,
                               "nationality": NationalityEdit}.get(widget_type, QLineEdit)()
            if widget_type == "sex":
                widget = Choice(SEXES)
            self.form.add(name, label(name), widget)
        self.form.add("relationship", label("relationship"), self.relationship)
        self.form.finish()
        self.form.submitted.connect(self.save)
        self.form.cancelled.connect(self.cancel)
        scroll = scrolled(self.form)
        bar = SaveBar(self.save, self.cancel, save_name="save_person")
        self.save_button, self.cancel_button = bar.save_button, bar.cancel_button
        self.form.layout_.setContentsMargins(margins(SPACE.page))  # the form is the scrolled page itself

        self.sync_label = QLabel()
        self.sync_label.setObjectName("person_sync_state")
        self.sync_label.setWordWrap(True)
        self.household_label = QLabel()
        self.household_label.setWordWrap(True)
        self.household_label.setObjectName("person_household")
        self.residence_title = QLabel()
        self.residence_model = ListModel([
            Column("type", lambda: self.tr("Loại"), lambda v: vocabulary(self.context.language, RESIDENCE_TYPES, v)),
            Column("address", label("address")),
            Column("start_date", label("start_date"), format_date),
            Column("end_date", label("end_date"), format_date)])
        self.residences = QTableView()
        elide_titles(self.residences)
        self.residences.setModel(self.residence_model)
        header = self.residences.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.residences.verticalHeader().hide()
        self.add_residence = QPushButton()
        self.add_residence.clicked.connect(self._add_residence)
        self.links_title = QLabel()
        self.links = QListWidget()
        self.links.setObjectName("person_links")
        self.links.setWordWrap(True)  # a long procedure name wraps instead of hiding the status off to the right
        self.links.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.links.itemActivated.connect(self._open_link)

        side = QVBoxLayout()
        side.addWidget(self.sync_label)
        side.addWidget(self.household_label)
        side.addWidget(self.residence_title)
        side.addWidget(self.residences, 2)
        side.addWidget(self.add_residence, alignment=Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.links_title)
        side.addWidget(self.links, 1)
        self.side = QWidget()
        self.side.setLayout(side)

        body = QHBoxLayout()
        body.addWidget(scroll, 3)
        body.addWidget(self.side, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addLayout(bar)
        context.changed.connect(self._changed)
        self.retranslate()

    # ------------------------------------------------------------------ modes
    def new(self, household_id: str | None = None, household_text: str = "") -> None:
        self.record = None
        self.details = None
        self.household_id = household_id
        self.form.clear()
        self.form.set_values({"nationality": "VN"})
        self.relationship.set_value("other")
        self._show_relationship(household_id is not None)
        self.side.setVisible(household_id is not None)
        self.household_label.setText(self.tr("Hộ: %1").replace("%1", household_text) if household_id else "")
        for w in (self.sync_label, self.residence_title, self.residences, self.add_residence, self.links_title,
                  self.links):
            w.setVisible(False)
        self.retranslate()
        self.form.focus_first()

    def open(self, person_id: str) -> None:
        self.household_id = None
        self._show_relationship(False)
        self.side.setVisible(True)
        for w in (self.sync_label, self.residence_title, self.residences, self.add_residence, self.links_title,
                  self.links):
            w.setVisible(True)
        self.form.show_problems([], self.context.language)
        self.context.tasks.run(lambda conn: load_details(conn, person_id), self._loaded, on="read")

    def _show_relationship(self, visible: bool) -> None:
        f = self.form.fields["relationship"]
        f.label.setVisible(visible)
        f.container.setVisible(visible)

    def _loaded(self, details: dict[str, Any]) -> None:
        person = details["person"]
        if person is None:
            self.closed.emit()
            return
        editing_same = self.record is not None and self.record["id"] == person["id"]
        self.record = person
        self.details = details
        if not editing_same:
            self.form.show_record(person)
        self.residence_model.set_rows(details["residences"])
        self._fill_side()
        self.retranslate()
        if not editing_same:
            self.form.focus_first()
        self._load_links(details)

    def _load_links(self, details: dict[str, Any]) -> None:
        """Look up where the person appears (off the GUI thread). The providers word the links in the language
        of the moment they run, so a language switch asks again."""
        person_id = details["person"]["id"]
        self.context.tasks.run(lambda conn: collect_person_links(conn, person_id),
                               lambda found: self._links_loaded(details, found), on="read")

    def _links_loaded(self, details: dict[str, Any], found: tuple[list[PersonLink], list[Any]]) -> None:
        if self.details is not details:
            return  # another person (or a fresher read of this one) is on the page now
        details["links"], details["link_failures"] = found
        self._fill_side()

    def _note(self, note: str) -> str:
        """The province's reason, stored as JSON {"vi", "en"} or plain text."""
        try:
            data = json.loads(note)
        except ValueError:
            return note
        if isinstance(data, dict):
            return bilingual(self.context.language, str(data.get("vi") or note), str(data.get("en") or ""))
        return note

    def _fill_side(self) -> None:
        """Household and links, in the current language (called again after a language switch)."""
        details = self.details
        if not details:
            return
        person = details["person"]
        state = person.get("sync_state")
        text = self.tr("Trạng thái đồng bộ: %1").replace("%1", sync_state(state))
        if state == "conflict":
            text += " — " + conflict_note(person.get("sync_note") or "")
        elif state == "rejected" and person.get("sync_note"):
            text += " — " + self._note(person["sync_note"])
        self.sync_label.setText(text)
        self.sync_label.setStyleSheet("color: #b3261e;" if state in ("rejected", "conflict") else "")
        current = [m for m in details["memberships"] if not m.get("left_on")]
        if current:
            m = current[0]
            self.household_label.setText(self.tr("Hộ gia đình: %1 — %2 (%3)")
                                         .replace("%1", m.get("household_no") or "")
                                         .replace("%2", _address(m.get("address"), m.get("hamlet")))
                                         .replace("%3", vocabulary(self.context.language, RELATIONSHIPS,
                                                                   m.get("relationship"))))
        else:
            self.household_label.setText(self.tr("Chưa thuộc hộ gia đình nào."))
        self.links.clear()
        if details["links"] is None:
            self.links.addItem(searching_text())
            return
        for link in details["links"]:
            item = QListWidgetItem(link.title + (f"\n    {link.detail}" if link.detail else ""))
            item.setData(Qt.ItemDataRole.UserRole, link)
            self.links.addItem(item)
        for provider_id, exc in details["link_failures"]:
            self.links.addItem(self.tr("Không tải được từ mục %1: %2").replace("%1", provider_id)
                               .replace("%2", str(exc)))
        if not details["links"] and not details["link_failures"]:
            self.links.addItem(self.tr("Chưa có trong hồ sơ hay tin báo nào."))

    # ------------------------------------------------------------------ saving
    def save(self) -> None:
        values, problems = self.form.values()
        relationship = values.pop("relationship", None)
        if problems:
            self.form.show_problems(problems, self.context.language)
            return
        officer = self.context.username
        record, household_id = self.record, self.household_id

        def op(store: Store) -> dict[str, Any]:
            if record is not None:
                return store.update("person", record["id"], values, officer=officer,
                                    expected_version=record["version"])
            with store.transaction():
                person = store.create("person", values | ({"household_id": household_id} if household_id else {}),
                                      officer=officer)
                if household_id:
                    store.create("household_member", {
                        "household_id": household_id, "person_id": person["id"],
                        "relationship": relationship or "other", "joined_on": office_today().isoformat()},
                        officer=officer)
                    if relationship == "head":
                        store.update("household", household_id, {"head_id": person["id"]}, officer=officer)
            return person

        self.save_button.setEnabled(False)
        self.context.write(op, self._saved, self._failed)

    def _saved(self, person: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        self.form.show_problems([], self.context.language)
        self.record = None  # reload what was stored (normalised values)
        self.saved.emit(person["id"])

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_save_failure(self.form, self.context, exc)

    def cancel(self) -> None:
        self.form.show_problems([], self.context.language)
        self.closed.emit()

    # ------------------------------------------------------------------- misc
    def _add_residence(self) -> None:
        if self.record is None:
            return
        dialog = ResidenceDialog(self.context, self.record["id"], self.record.get("household_id"), self)
        dialog.open()

    def _open_link(self, item: QListWidgetItem) -> None:
        link = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(link, PersonLink):
            self.context.open_record(link.kind, link.record_id)

    def _changed(self, changes: ChangeSet) -> None:
        if self.record is not None and self.isVisible() and (
                self.record["id"] in changes.record_ids or changes.kinds & {"residence", "household_member"}):
            self.open(self.record["id"])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._fill_side()
            self.retranslate()
            if self.details is not None and self.details["links"] is not None:
                self._load_links(self.details)
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.form.retranslate()
        self.form.fields["sex"].widget.relabel(self.context.language)  # type: ignore[attr-defined]
        self.relationship.relabel(self.context.language)
        self.form.fields["nationality"].widget.relabel(self.context.language)  # type: ignore[attr-defined]
        if self.record is None:
            self.heading.setText(self.tr("Thêm nhân khẩu"))
        else:
            self.heading.setText(self.record.get("full_name") or "")
        self.back.setText(self.tr("← Danh sách"))
        self.save_button.setText(self.tr("Lưu (Enter)"))
        self.cancel_button.setText(self.tr("Hủy (Esc)"))
        self.residence_title.setText(self.tr("Lịch sử cư trú"))
        self.add_residence.setText(self.tr("Thêm cư trú…"))
        self.links_title.setText(self.tr("Có trong hồ sơ, tin báo"))
        self.residence_model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)
