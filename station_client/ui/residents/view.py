"""Residents: the whole register in a lazy list, search as you type, and the person page."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...store.search import PersonHit, search_persons
from ..context import AppContext
from ..i18n import format_date
from ..labels import SEXES, label, sync_state, vocabulary
from ..layouts import elide_titles
from ..models import Column, ListModel, WindowedModel, sync_chip
from ..style import SPACE, margins, use_chips
from .import_dialog import ImportDialog
from .person_page import PersonPage

SEARCH_DELAY_MS = 150
SEARCH_LIMIT = 200
COLUMN_WIDTHS = (240, 100, 70, 140, 360, 100)  # at least; widened to fit the bold header
ADDRESS_COLUMN = 4  # takes the width left: the list's sync column was pushed off the right edge at 1280 px


class ResidentsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        lang = lambda: context.language  # noqa: E731
        columns = [
            Column("full_name", label("full_name")),
            Column("birth_date", label("birth_date"), format_date),
            Column("sex", label("sex"), lambda v: vocabulary(lang(), SEXES, v)),
            Column("personal_id", label("personal_id")),
            Column("permanent_address", label("permanent_address")),
        ]
        sync_column = Column("sync_state", label("sync_state"), sync_state, chip=sync_chip)
        self.all_model = WindowedModel(context, "persons", "person", [*columns, sync_column])
        self.hits_model = ListModel([*columns, sync_column])  # the same columns found or not
        self.search = QLineEdit()
        self.search.setObjectName("resident_search")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._open_first)
        self.count = QLabel()
        self.count.setObjectName("resident_count")
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.new_person)
        self.import_button = QPushButton()
        self.import_button.setObjectName("resident_import")
        self.import_button.clicked.connect(self.ask_import)
        self.table = QTableView()
        elide_titles(self.table)
        self.table.setTabKeyNavigation(False)  # a read-only list: arrows move in it, Tab leaves it
        self.table.setObjectName("resident_table")
        self.table.setModel(self.all_model)
        use_chips(self.table)  # the sync state as the same chip in every list
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().hide()
        self._fit_columns()
        self.table.activated.connect(self._activated)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.import_button)
        list_page = QWidget()
        lay = QVBoxLayout(list_page)
        lay.addLayout(top)
        lay.addWidget(self.count)
        lay.addWidget(self.table, 1)
        self.person = PersonPage(context)
        self.person.closed.connect(self.show_list)
        self.person.saved.connect(self._saved)
        self.stack = QStackedWidget()
        self.stack.addWidget(list_page)
        self.stack.addWidget(self.person)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margins(SPACE.none))
        layout.addWidget(self.stack)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._run_search)
        self._generation = 0
        self.last_query = ""
        self.capped = False
        self.searching = False
        self.all_model.loaded.connect(self._update_count)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.focus_search,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_person,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # The section's focus goes to the search while the list is shown, to the form's first field while the form
        # is: the search kept as proxy under the form took one Tab of the chain to where typing went unseen.
        self.setFocusProxy(self.search)
        self.stack.currentChanged.connect(
            lambda _i: self.setFocusProxy(self.search if self.stack.currentWidget() is self.stack.widget(0)
                                          else next(iter(self.person.form.fields.values())).widget))
        self.retranslate()
        # Open the search lane's connection and touch the name index and the full-text index now, so the
        # officer's first search does not pay for it.
        context.tasks.run(lambda conn: search_persons(conn, "a", 1), on="interactive")

    # ------------------------------------------------------------------ search
    def _typed(self, _text: str) -> None:
        self._debounce.start()

    def _run_search(self) -> None:
        query = self.search.text().strip()
        self._generation += 1
        generation = self._generation
        if not query:
            self.searching = False
            self.last_query = ""
            self.table.setModel(self.all_model)
            self._fit_columns()
            self._update_count()
            return
        self.searching = True
        self.context.tasks.run(lambda conn: search_persons(conn, query, SEARCH_LIMIT + 1),  # one more: capped?
                               lambda hits: self._found(generation, query, hits), on="interactive")

    def _found(self, generation: int, query: str, hits: list[PersonHit]) -> None:
        if generation != self._generation:
            return  # the officer typed more meanwhile: this answer is stale
        self.searching = False
        self.last_query = query
        self.capped = len(hits) > SEARCH_LIMIT
        self.hits_model.set_rows(hits[:SEARCH_LIMIT])
        if self.table.model() is not self.hits_model:
            self.table.setModel(self.hits_model)
            self._fit_columns()
        if hits:
            self.table.selectRow(0)
        self._update_count()

    def _open_first(self) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self._run_search()
            return
        index = self.table.currentIndex()
        if not index.isValid() and self.table.model().rowCount() > 0:
            index = self.table.model().index(0, 0)
        if index.isValid():
            self._activated(index)

    def focus_search(self) -> None:
        self.show_list()
        self.search.setFocus()
        self.search.selectAll()

    def _update_count(self) -> None:
        if self.table.model() is self.hits_model:
            n = len(self.hits_model.rows)
            if self.capped:  # more than the rows shown
                text = self.tr("Tìm thấy hơn %1 người").replace("%1", str(SEARCH_LIMIT))
                text += self.tr(" (hiện %1 người đầu tiên — gõ thêm để thu hẹp)").replace("%1", str(SEARCH_LIMIT))
            else:
                text = self.tr("Tìm thấy %1 người").replace("%1", str(n))
        else:
            text = self.tr("Tổng số nhân khẩu: %1").replace("%1", f"{self.all_model.rowCount():,}".replace(",", "."))
        self.count.setText(text)

    # --------------------------------------------------------------- navigation
    def _activated(self, index: QModelIndex) -> None:
        model = self.table.model()
        record_id = model.record_id(index.row())  # type: ignore[attr-defined]
        if record_id:
            self.open_record("person", record_id)

    def open_record(self, kind: str, record_id: str) -> None:
        self.stack.setCurrentWidget(self.person)
        self.person.record = None
        self.person.open(record_id)

    def new_person(self, household_id: str | None = None, household_text: str = "") -> None:
        self.stack.setCurrentWidget(self.person)
        self.person.new(household_id if isinstance(household_id, str) else None, household_text)

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Nhập nhân khẩu từ tệp CSV"), "",
                                              self.tr("Tệp CSV (*.csv *.txt)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> ImportDialog:
        """The preview of importing ``path``, then the import (``import_dialog.py``)."""
        dialog = ImportDialog(self.context, path, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.search.setFocus()

    def _saved(self, person_id: str) -> None:
        if self.person.household_id:
            self.context.open_record("household", self.person.household_id)
            self.show_list()
        else:
            self.open_record("person", person_id)

    def _fit_columns(self) -> None:
        """Widths that hold each header in bold (the header of the selected row's columns is bold), in the
        current language."""
        font = self.table.horizontalHeader().font()
        font.setBold(True)
        metrics = QFontMetrics(font)
        header = self.table.horizontalHeader()
        model = self.table.model()
        for col, width in enumerate(COLUMN_WIDTHS[:model.columnCount()]):
            title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
            self.table.setColumnWidth(col, max(width, metrics.horizontalAdvance(title) + 24))
            # Stretch, not ResizeToContents: measuring a million lazy rows would load them all.
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch if col == ADDRESS_COLUMN
                                        else QHeaderView.ResizeMode.Interactive)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Tìm theo tên (có dấu hoặc không), số định danh, địa chỉ… (Ctrl+F)"))
        self.add_button.setText(self.tr("Thêm nhân khẩu (Ctrl+N)"))
        self.import_button.setText(self.tr("Nhập từ CSV…"))
        for model in (self.all_model, self.hits_model):
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, model.columnCount() - 1)
        self._fit_columns()
        self._update_count()
