"""Add a person who is already in the register to a household (someone moving in): search, pick, relationship."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...clock import office_today
from ...domain.problems import Problem, ValidationError
from ...store import Store
from ...store.search import PersonHit, search_persons
from ..context import AppContext
from ..forms import Choice, DateEdit, FieldForm
from ..i18n import format_date
from ..labels import RELATIONSHIPS, label
from ..layouts import button_bar


class AddMemberDialog(QDialog):
    def __init__(self, context: AppContext, household_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.household_id = household_id
        self.search = QLineEdit()
        self.search.setObjectName("member_search")
        self.search.setPlaceholderText(self.tr("Tìm người cần thêm: tên hoặc số định danh"))
        self.results = QListWidget()
        self.results.setObjectName("member_results")
        self.form = FieldForm()
        self.relationship = Choice(RELATIONSHIPS, empty=False)
        self.relationship.relabel(context.language)
        self.relationship.set_value("other")
        self.joined = DateEdit()
        self.joined.set_value(office_today().isoformat())
        self.form.add("relationship", label("relationship"), self.relationship)
        self.form.add("joined_on", label("joined_on"), self.joined)
        self.form.finish()
        self.form.submitted.connect(self.save)
        self.form.cancelled.connect(self.reject)
        self.save_button = QPushButton(self.tr("Thêm vào hộ (Enter)"))
        self.save_button.setObjectName("save_member")
        self.save_button.setDefault(True)  # the primary action; without it Qt made "Hủy" the default
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton(self.tr("Hủy (Esc)"))
        cancel.clicked.connect(self.reject)
        buttons = button_bar()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.form)
        layout.addLayout(buttons)
        self.setWindowTitle(self.tr("Thêm người đã có vào hộ"))
        self.resize(560, 480)
        self._generation = 0
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())

    def _run_search(self) -> None:
        query = self.search.text().strip()
        self._generation += 1
        generation = self._generation
        if not query:
            self.results.clear()
            return
        self.context.tasks.run(lambda conn: search_persons(conn, query, 50),
                               lambda hits: self._found(generation, hits), on="interactive")

    def _found(self, generation: int, hits: list[PersonHit]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        for h in hits:
            item = QListWidgetItem(f"{h.full_name} — {format_date(h.birth_date)} — {h.personal_id or ''}")
            item.setData(Qt.ItemDataRole.UserRole, h.id)
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)

    def save(self) -> None:
        item = self.results.currentItem()
        values, problems = self.form.values()
        if item is None:
            problems.append(Problem("relationship", "person.missing", "Hãy chọn một người trong danh sách.",
                                    "Choose a person from the list."))
        if problems:
            self.form.show_problems(problems, self.context.language)
            return
        person_id, household_id, officer = item.data(Qt.ItemDataRole.UserRole), self.household_id, \
            self.context.username

        def op(store: Store) -> dict[str, Any]:
            with store.transaction():
                member = store.create("household_member", {"household_id": household_id, "person_id": person_id,
                                                           **values}, officer=officer)
                store.update("person", person_id, {"household_id": household_id}, officer=officer)
                if values.get("relationship") == "head":
                    store.update("household", household_id, {"head_id": person_id}, officer=officer)
            return member

        self.context.write(op, lambda _m: self.accept(), self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.form.show_problems(exc.problems, self.context.language)
        else:
            self.form.form_error.setText(self.context.error_text(exc))
            self.form.form_error.show()
