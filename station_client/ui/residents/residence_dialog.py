"""Add a residence record (thường trú, tạm trú, tạm vắng, lưu trú) to a person."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ...domain.problems import ValidationError
from ...store import Store
from ..context import AppContext
from ..forms import Choice, DateEdit, FieldForm
from ..labels import RESIDENCE_TYPES, label
from ..layouts import button_bar


class ResidenceDialog(QDialog):
    def __init__(self, context: AppContext, person_id: str, household_id: str | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.person_id = person_id
        self.household_id = household_id
        self.form = FieldForm()
        self.type = Choice(RESIDENCE_TYPES)
        self.type.relabel(context.language)
        self.form.add("type", label("type"), self.type)
        self.form.add("address", label("address"), QLineEdit())
        self.form.add("start_date", label("start_date"), DateEdit())
        self.form.add("end_date", label("end_date"), DateEdit())
        self.form.add("host_name", label("host_name"), QLineEdit())
        self.form.add("reason", label("reason"), QLineEdit())
        self.form.add("note", label("note"), QLineEdit())
        self.form.finish()
        self.form.submitted.connect(self.save)
        self.form.cancelled.connect(self.reject)
        self.save_button = QPushButton(self.tr("Lưu (Enter)"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton(self.tr("Hủy (Esc)"))
        cancel.clicked.connect(self.reject)
        buttons = button_bar()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(buttons)
        self.setWindowTitle(self.tr("Thêm thông tin cư trú"))
        self.resize(520, self.sizeHint().height())  # as tall as its rows: 380 left a blank band above the buttons

    def save(self) -> None:
        values, problems = self.form.values()
        if problems:
            self.form.show_problems(problems, self.context.language)
            return
        values |= {"person_id": self.person_id, "household_id": self.household_id}
        officer = self.context.username

        def op(store: Store) -> dict[str, Any]:
            return store.create("residence", values, officer=officer)

        self.context.write(op, lambda _r: self.accept(), self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.form.show_problems(exc.problems, self.context.language)
        else:
            self.form.form_error.setText(self.context.error_text(exc))
            self.form.form_error.show()
