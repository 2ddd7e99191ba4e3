"""The scaffolding of a form page, written once: the form in a scroll area, the Cancel / Save bar under it with
Save as the primary action, and what a failed save shows. The dossier and report intakes, the person form and
the household form use it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from ..domain.problems import ValidationError
from .context import AppContext
from .forms import FieldForm
from .style import SPACE


def column(*widgets: QWidget, spacing: int | None = None) -> QWidget:
    """``widgets`` one under the other, as the body of a scroll area (``spacing``: a ``SPACE`` step between them,
    e.g. ``SPACE.section`` between a form's boxes)."""
    body = QWidget()
    lay = QVBoxLayout(body)
    if spacing is not None:
        lay.setSpacing(spacing)
    for w in widgets:
        lay.addWidget(w)
    return body


def scrolled(body: QWidget) -> QScrollArea:
    """``body`` in a scroll area that takes no Tab stop of its own: it follows the focused field."""
    scroll = QScrollArea()
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    scroll.setWidgetResizable(True)
    scroll.setWidget(body)
    return scroll


class SaveBar(QHBoxLayout):
    """Cancel and Save at the right; Save is the default button (Enter). The texts are set by the page's
    ``retranslate``."""

    def __init__(self, on_save: Callable[[], object], on_cancel: Callable[[], object], *,
                 save_name: str, cancel_name: str = ""):
        super().__init__()
        self.setSpacing(SPACE.buttons)  # as every button bar of the app (layouts.button_bar)
        self.save_button = QPushButton()
        self.save_button.setObjectName(save_name)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(on_save)
        self.cancel_button = QPushButton()
        if cancel_name:
            self.cancel_button.setObjectName(cancel_name)
        self.cancel_button.clicked.connect(on_cancel)
        self.addStretch(1)
        self.addWidget(self.cancel_button)
        self.addWidget(self.save_button)


def show_save_failure(form: FieldForm, context: AppContext, exc: BaseException) -> None:
    """A refused save: the rule's problems beside their fields, anything else above the form."""
    if isinstance(exc, ValidationError):
        form.show_problems(exc.problems, context.language)
    else:
        form.form_error.setText(context.error_text(exc))
        form.form_error.show()


class TitleBar(QHBoxLayout):
    """The top of a record's page: "← back" and the record's title in large bold. ``wrap``: a long title wraps;
    ``elastic``: it also never widens the page (the window's width decides, the title wraps to it)."""

    def __init__(self, on_back: Callable[[], object], *, name: str = "", wrap: bool = False, elastic: bool = False):
        super().__init__()
        self.title = QLabel()
        if name:
            self.title.setObjectName(name)
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        if wrap or elastic:
            self.title.setWordWrap(True)
        if elastic:
            self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.back = QPushButton()
        self.back.clicked.connect(on_back)
        self.addWidget(self.back)
        self.addWidget(self.title, 1)


def error_label(name: str = "") -> QLabel:
    """A red line under a page for what went wrong; hidden until something does."""
    error = QLabel()
    if name:
        error.setObjectName(name)
    error.setStyleSheet("color: #b3261e;")
    error.setWordWrap(True)
    return error
