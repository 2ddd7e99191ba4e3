"""Form building blocks: a labelled field with its validation message right under it, dates as dd/mm/yyyy.

``FieldForm`` lays out rows in tab order, shows a ``ValidationError`` next to each field (in the officer's
language), and turns Enter into "save" and Esc into "cancel" for the page that owns it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..domain import nationalities
from ..domain.problems import Problem
from .i18n import bilingual, format_date, parse_date
from .style import SPACE, margins

ERROR_STYLE = "color: #b3261e;"


class DateEdit(QLineEdit):
    """A date typed as dd/mm/yyyy. ``value()`` is ISO or None; raises ValueError for what is not a date."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText("dd/mm/yyyy")
        self.setMaxLength(10)

    def value(self) -> str | None:
        return parse_date(self.text())

    def set_value(self, iso: str | None) -> None:
        self.setText(format_date(iso))


class NationalityEdit(QLineEdit):
    """A nationality: the record keeps its code ("VN"), the officer reads and types its name ("Việt Nam"), with
    completion from the nationality table (``domain/nationalities.py``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._language = "vi"
        self.relabel("vi")

    def relabel(self, language: str) -> None:
        current = self.value()
        self._language = language
        names = sorted(nationalities.name(c, language) for c in nationalities.table())
        completer = QCompleter(names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompleter(completer)
        self.set_value(current)

    def value(self) -> str | None:
        return nationalities.code(self.text())

    def set_value(self, code: str | None) -> None:
        self.setText(nationalities.name(code, self._language))


class Choice(QComboBox):
    """A fixed vocabulary: codes stored, labels shown in the officer's language."""

    def __init__(self, choices: dict[str, tuple[str, str]], *, empty: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self._choices = choices
        self._empty = empty
        self.relabel("vi")

    def relabel(self, language: str) -> None:
        current = self.value()
        self.blockSignals(True)
        self.clear()
        if self._empty:
            self.addItem("", None)
        for code, (vi, en) in self._choices.items():
            self.addItem(bilingual(language, vi, en), code)
        self.blockSignals(False)
        self.set_value(current)

    def value(self) -> str | None:
        return self.currentData()

    def set_value(self, code: str | None) -> None:
        index = self.findData(code) if code is not None else (0 if self._empty else -1)
        self.setCurrentIndex(max(index, 0))


class Field:
    """One row: label, input widget, error message under it."""

    def __init__(self, name: str, label: Callable[[], str], widget: QWidget):
        self.name = name
        self.label_text = label
        self.widget = widget
        self.label = QLabel()
        self.label.setBuddy(widget)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.error.setObjectName(f"error_{name}")
        widget.setObjectName(f"field_{name}")
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(margins(SPACE.none))
        lay.setSpacing(SPACE.tight)  # the error right under its field
        lay.addWidget(widget)
        lay.addWidget(self.error)
        self.container = box

    def get(self) -> Any:
        w = self.widget
        if isinstance(w, DateEdit | NationalityEdit):
            return w.value()
        if isinstance(w, Choice):
            return w.value()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText().strip() or None
        if isinstance(w, QLineEdit):
            return w.text().strip() or None
        raise TypeError(type(w))

    def set(self, value: Any) -> None:
        w = self.widget
        if isinstance(w, DateEdit | Choice | NationalityEdit):
            w.set_value(value)
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(value or "")
        elif isinstance(w, QLineEdit):
            w.setText("" if value is None else str(value))

    def show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))


class FieldForm(QWidget):
    """Rows of fields. Enter anywhere (except in a multi-line note) emits ``submitted``; Esc emits ``cancelled``."""

    submitted = Signal()
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields: dict[str, Field] = {}
        self.layout_ = QFormLayout(self)
        # Flush with what holds it (a card, a dialog, a scroll area's page): its own margin doubled theirs and
        # set the fields in from the heading and the buttons above and below.
        self.layout_.setContentsMargins(margins(SPACE.none))
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form_error = QLabel()
        self.form_error.setStyleSheet(ERROR_STYLE)
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        self.form_error.setObjectName("form_error")

    def add(self, name: str, label: Callable[[], str], widget: QWidget) -> QWidget:
        f = Field(name, label, widget)
        self.fields[name] = f
        self.layout_.addRow(f.label, f.container)
        if len(self.fields) > 1:
            previous = list(self.fields.values())[-2].widget
            QWidget.setTabOrder(previous, widget)
        return widget

    def finish(self) -> None:
        self.layout_.addRow(self.form_error)
        self.retranslate()

    def retranslate(self) -> None:
        for f in self.fields.values():
            f.label.setText(f.label_text())

    def values(self) -> tuple[dict[str, Any], list[Problem]]:
        """Values by field name, and problems for inputs that cannot even be read (a malformed date)."""
        return self.read(self.fields)

    @staticmethod
    def read(fields: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        """What ``fields`` hold, by name; a field whose text cannot be read gives a problem instead."""
        out: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, f in fields.items():
            try:
                out[name] = f.get()
            except ValueError:
                problems.append(Problem(name, "date.format", "Ngày không hợp lệ (nhập theo dạng dd/mm/yyyy).",
                                        "Invalid date (type it as dd/mm/yyyy)."))
        return out, problems

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill fields (a default the officer goes on typing after keeps its cursor at the end)."""
        for name, f in self.fields.items():
            if name in values:
                f.set(values[name])

    def show_record(self, values: dict[str, Any]) -> None:
        """Fill the fields from a saved record, each line showing its beginning (a long address is read from
        its start, not from its tail)."""
        self.set_values(values)
        for f in self.fields.values():
            if isinstance(f.widget, QLineEdit):
                f.widget.setCursorPosition(0)

    def clear(self) -> None:
        for f in self.fields.values():
            f.set(None)
        self.show_problems([], "vi")

    def show_problems(self, problems: list[Problem], language: str) -> None:
        """Each message next to its field; problems about no shown field go under the form. Focus the first."""
        by_field: dict[str, str] = {}
        other: list[str] = []
        for p in problems:
            if p.field in self.fields:
                by_field.setdefault(p.field, p.message(language))
            else:
                other.append(p.message(language))
        for name, f in self.fields.items():
            f.show_error(by_field.get(name))
        self.form_error.setText("\n".join(other))
        self.form_error.setVisible(bool(other))
        first = next((f for n, f in self.fields.items() if n in by_field), None)
        if first is not None:
            first.widget.setFocus()

    def error_of(self, name: str) -> str:
        f = self.fields[name]
        return f.error.text() if f.error.isVisibleTo(self) else ""

    def focus_first(self) -> None:
        if self.fields:
            next(iter(self.fields.values())).widget.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(self.focusWidget(),
                                                                                     QPlainTextEdit):
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)
