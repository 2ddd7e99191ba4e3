"""Finding a resident while filling in a form, written once: a search box that asks the register once the officer
pauses, the list of who it found under it, and the one picked. The dossier intake (the applicant) and the
report forms (the people involved) use it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem

from ..store.search import PersonHit, search_persons
from .context import AppContext

MIN_CHARS = 2  # one letter finds half the register


class ResidentSearch(QObject):
    """``box`` and ``hits`` are laid out by the form; ``picked`` gives the ``PersonHit`` chosen (click or Enter).
    ``describe`` words a hit in the list; ``keys_enter_hits``: Down / Page Down in the box moves into the list
    (in a long form they scrolled the form instead)."""

    picked = Signal(object)

    def __init__(self, context: AppContext, name: str, *, limit: int, describe: Callable[[PersonHit], str],
                 delay_ms: int, hits_height: int, on_error: Callable[[BaseException], None] | None = None,
                 keys_enter_hits: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self.context, self.limit, self.describe, self.on_error = context, limit, describe, on_error
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self.search)
        self.box = QLineEdit()
        self.box.setObjectName(f"{name}_search")
        self.box.setClearButtonEnabled(True)
        self.box.textChanged.connect(lambda _t: self._timer.start())
        if keys_enter_hits:
            self.box.installEventFilter(self)
        self.hits = QListWidget()
        self.hits.setObjectName(f"{name}_hits")
        self.hits.setMaximumHeight(hits_height)
        self.hits.hide()  # shown when a search finds someone
        self.hits.itemActivated.connect(self._pick)
        self.hits.itemClicked.connect(self._pick)

    def search(self) -> None:
        text = self.box.text().strip()
        if len(text) < MIN_CHARS:
            self.hide_hits()
            return
        limit = self.limit
        self.context.tasks.run(lambda conn: search_persons(conn, text, limit), lambda hits: self._shown(text, hits),
                               self.on_error)

    def _shown(self, text: str, hits: list[PersonHit]) -> None:
        if self.box.text().strip() != text:
            return  # a newer query is on its way: this answer would replace its hits with older ones
        self.hits.clear()
        for h in hits:
            item = QListWidgetItem(self.describe(h))
            item.setData(Qt.ItemDataRole.UserRole, h)
            self.hits.addItem(item)
        self.hits.setVisible(bool(hits))

    def _pick(self, item: QListWidgetItem) -> None:
        self.picked.emit(item.data(Qt.ItemDataRole.UserRole))

    def hide_hits(self) -> None:
        self.hits.clear()
        self.hits.hide()

    def clear(self) -> None:
        self.box.clear()
        self.hide_hits()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.box and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.hits.isVisible() \
                and self.hits.count():
            self.hits.setFocus(Qt.FocusReason.TabFocusReason)
            if self.hits.currentRow() < 0:
                self.hits.setCurrentRow(0)
            return True
        return super().eventFilter(watched, event)
