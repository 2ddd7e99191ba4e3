"""Households: a lazy list, the household form and its members (new members are made on the person form)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...store import ChangeSet, Store, lists
from ..context import AppContext
from ..form_page import SaveBar, TitleBar, show_save_failure
from ..forms import FieldForm
from ..i18n import format_date
from ..labels import RELATIONSHIPS, label, sync_state, vocabulary
from ..layouts import elide_titles
from ..list_page import ListPage, focus_follows_page, section_shortcuts, stack_pages
from ..models import Column, ListModel, WindowedModel, sync_chip
from ..page import Page
from ..residents.person_page import _address


def load_household(conn: Any, household_id: str) -> dict[str, Any]:
    return {"household": lists.get_record(conn, "household", household_id),
            "members": lists.household_members(conn, household_id)}


class HouseholdPage(Page):
    def __init__(self, view: HouseholdsView):
        super().__init__()
        self.view = view
        self.context = view.context
        self.record: dict[str, Any] | None = None
        top = TitleBar(self.cancel, name="household_heading", elastic=True)
        self.heading, self.back = top.title, top.back
        self.form = FieldForm()
        for name in ("household_no", "address", "hamlet", "note"):
            self.form.add(name, label(name), QLineEdit())
        self.form.finish()
        self.form.submitted.connect(self.save)
        self.form.cancelled.connect(self.cancel)
        bar = SaveBar(self.save, self.cancel, save_name="save_household")
        self.save_button, self.cancel_button = bar.save_button, bar.cancel_button
        self.members_title = QLabel()
        lang = lambda: self.context.language  # noqa: E731
        self.members_model = ListModel([
            Column("full_name", label("full_name")),
            Column("relationship", label("relationship"), lambda v: vocabulary(lang(), RELATIONSHIPS, v)),
            Column("birth_date", label("birth_date"), format_date),
            Column("personal_id", label("personal_id")),
            Column("joined_on", label("joined_on"), format_date)])
        self.members = QTableView()
        elide_titles(self.members)
        self.members.setObjectName("household_members")
        self.members.setModel(self.members_model)
        self.members.verticalHeader().hide()
        self.members.horizontalHeader().setStretchLastSection(True)
        self.members.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.activated.connect(self._open_member)
        self.add_member = QPushButton()
        self.add_member.setObjectName("add_member")
        self.add_member.clicked.connect(self._add_member)
        self.add_existing = QPushButton()
        self.add_existing.setObjectName("add_existing_member")
        self.add_existing.clicked.connect(self._add_existing)

        member_bar = QHBoxLayout()
        member_bar.addWidget(self.members_title, 1)
        member_bar.addWidget(self.add_existing)
        member_bar.addWidget(self.add_member)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.form)
        layout.addLayout(bar)
        layout.addLayout(member_bar)
        layout.addWidget(self.members, 1)
        # Takes the members' room while they are hidden (a new household): without it the spare height went
        # between the heading, the form and the buttons, and the form floated mid-page.
        self.filler = QWidget()
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.filler.hide()
        layout.addWidget(self.filler, 1)
        self.context.changed.connect(self._changed)
        self.retranslate()

    def new(self) -> None:
        self.record = None
        self.form.clear()
        self.members_model.set_rows([])
        self._members_visible(False)
        self.retranslate()
        self.form.focus_first()

    def open(self, household_id: str, *, refill: bool = True) -> None:
        self._members_visible(True)
        self.context.tasks.run(lambda conn: load_household(conn, household_id),
                               lambda d: self._loaded(d, refill), on="read")

    def _members_visible(self, visible: bool) -> None:
        for w in (self.members_title, self.members, self.add_member, self.add_existing):
            w.setVisible(visible)
        self.filler.setVisible(not visible)

    def _loaded(self, details: dict[str, Any], refill: bool) -> None:
        if details["household"] is None:
            self.view.show_list()
            return
        self.record = details["household"]
        if refill:
            self.form.show_record(self.record)
            self.form.show_problems([], self.context.language)
        self.members_model.set_rows([m | {"id": m["person_id"]} for m in details["members"]])
        self.retranslate()

    def text(self) -> str:
        r = self.record or {}
        return " — ".join(p for p in (r.get("household_no"), _address(r.get("address"), r.get("hamlet"))) if p)

    def save(self) -> None:
        values, problems = self.form.values()
        if problems:
            self.form.show_problems(problems, self.context.language)
            return
        officer, record = self.context.username, self.record

        def op(store: Store) -> dict[str, Any]:
            if record is None:
                return store.create("household", values, officer=officer)
            return store.update("household", record["id"], values, officer=officer,
                                expected_version=record["version"])

        self.save_button.setEnabled(False)
        self.context.write(op, self._saved, self._failed)

    def _saved(self, household: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        self.record = household
        self.open(household["id"])
        self.add_member.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_save_failure(self.form, self.context, exc)

    def cancel(self) -> None:
        self.view.show_list()

    def _add_member(self) -> None:
        if self.record is None:
            return
        self.context.show_section("residents")
        residents = self.view.window_section("residents")
        if residents is not None:
            residents.new_person(self.record["id"], self.text())  # type: ignore[attr-defined]

    def _add_existing(self) -> None:
        if self.record is None:
            return
        from .member_dialog import AddMemberDialog

        self.member_dialog = AddMemberDialog(self.context, self.record["id"], self)
        self.member_dialog.open()

    def _open_member(self, index: QModelIndex) -> None:
        person_id = self.members_model.record_id(index.row())
        if person_id:
            self.context.open_record("person", person_id)

    def _changed(self, changes: ChangeSet) -> None:
        if self.record is not None and changes.kinds & {"household", "household_member", "person"}:
            self.open(self.record["id"], refill=False)

    def retranslate(self) -> None:
        self.form.retranslate()
        self.heading.setText(self.tr("Hộ gia đình: %1").replace("%1", self.text()) if self.record
                             else self.tr("Thêm hộ gia đình"))
        self.back.setText(self.tr("← Danh sách"))
        self.save_button.setText(self.tr("Lưu (Enter)"))
        self.cancel_button.setText(self.tr("Hủy (Esc)"))
        self.members_title.setText(self.tr("Thành viên trong hộ: %1").replace("%1", str(len(self.members_model.rows))))
        self.add_member.setText(self.tr("Thêm nhân khẩu mới vào hộ…"))
        self.add_existing.setText(self.tr("Thêm người đã có…"))
        self.members_model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 4)


class HouseholdsView(Page):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.model = WindowedModel(context, "households", "household", [
            Column("household_no", label("household_no")), Column("address", label("address")),
            Column("hamlet", label("hamlet")), Column("sync_state", label("sync_state"), sync_state, chip=sync_chip)])
        self.hits_model = ListModel(self.model.columns)
        self._generation = 0
        self.add_button = QPushButton()
        self.add_button.setObjectName("add_household")
        self.add_button.clicked.connect(self.new_household)
        self.list_page = ListPage("household", self.model, delay_ms=150, on_search=self._run_search,
                                  trailing=[self.add_button])
        self.search, self.count, self.table = self.list_page.search, self.list_page.count, self.list_page.table
        self._debounce = self.list_page.delay
        for col, width in enumerate((110, 380, 200, 110)):
            self.table.setColumnWidth(col, width)
        # The address takes the free width: fixed at 380 px it was cut short ("…") while the sync column, last and
        # stretched, took the rest of a 1920-pixel screen. Widths, not contents: the rows load lazily.
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # The number's column holds its title too ("Household number" was "Household nu…" in English).
        self.model.headerDataChanged.connect(lambda *_a: self.table.setColumnWidth(
            0, max(110, self.table.horizontalHeader().sectionSizeHint(0))))
        self.table.activated.connect(lambda i: self._open_row(i.row()))
        self.search.returnPressed.connect(lambda: self._open_row(max(0, self.table.currentIndex().row())))
        self.model.loaded.connect(self.retranslate)
        self.page = HouseholdPage(self)
        self.stack = stack_pages(self, [self.list_page, self.page])
        section_shortcuts(self, {"Ctrl+N": self.new_household})
        focus_follows_page(self, self.stack, self.search, lambda: next(iter(self.page.form.fields.values())).widget)
        self.retranslate()

    def window_section(self, section_id: str) -> QWidget | None:
        navigator = self.context.navigator
        return navigator.page(section_id) if navigator is not None else None  # type: ignore[attr-defined]

    def new_household(self) -> None:
        self.stack.setCurrentWidget(self.page)
        self.page.new()

    def _run_search(self) -> None:
        query = self.search.text().strip()
        self._generation += 1
        generation = self._generation
        if not query:
            self.table.setModel(self.model)
            self.retranslate()
            return
        self.context.tasks.run(lambda conn: lists.search_households(conn, query, 200),
                               lambda rows: self._found(generation, rows), on="interactive")

    def _found(self, generation: int, rows: list[dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        self.hits_model.set_rows(rows)
        if self.table.model() is not self.hits_model:
            self.table.setModel(self.hits_model)
        if rows:
            self.table.selectRow(0)
        self.retranslate()

    def _open_row(self, row: int) -> None:
        household_id = self.table.model().record_id(row)  # type: ignore[attr-defined]
        if household_id:
            self.open_record("household", household_id)

    def open_record(self, kind: str, record_id: str) -> None:
        self.stack.setCurrentWidget(self.page)
        self.page.record = None
        self.page.open(record_id)

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.table.setFocus()

    def retranslate(self) -> None:
        if self.table.model() is self.hits_model:
            self.count.setText(self.tr("Tìm thấy %1 hộ").replace("%1", str(len(self.hits_model.rows))))
        else:
            self.count.setText(self.tr("Tổng số hộ: %1").replace("%1", f"{self.model.rowCount():,}".replace(",", ".")))
        self.search.setPlaceholderText(self.tr("Tìm theo số hộ, địa chỉ, thôn/tổ dân phố…"))
        self.add_button.setText(self.tr("Thêm hộ (Ctrl+N)"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)
