"""The Sync section: the state in full, "Sync now", and the conflict review — both values side by side, choose
one or type another, mark resolved. The decision is an ordinary change (record + audit + outbox) made by the
store's ``resolve_conflict``; nothing is overwritten silently."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..domain.problems import ValidationError
from ..domain.registry import KINDS
from ..store import ChangeSet, Store, duplicates, lists
from ..store import sync_ops as ops
from ..sync.status import SyncStatus
from .context import AppContext
from .i18n import bilingual
from .labels import field_label
from .layouts import button_bar, clear_layout
from .sections import Section, register_section
from .status_bar import ago, state_text
from .style import SPACE, margins


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _elide(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class ConflictEditor(QWidget):
    """One conflict: a row per field with the station's value, the province's value and the value to keep."""

    def __init__(self, view: SyncView):
        super().__init__()
        self.view = view
        self.context = view.context
        self.conflict: ops.Conflict | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.grid = QGridLayout()
        self.rows: dict[str, tuple[QRadioButton, QRadioButton, QLineEdit]] = {}
        self.groups: list[QButtonGroup] = []
        self.resolve_button = QPushButton()
        self.resolve_button.setObjectName("resolve_conflict")
        self.resolve_button.clicked.connect(self.resolve)
        self.delete_button = QPushButton()
        self.delete_button.clicked.connect(lambda: self.resolve(delete=True))
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        buttons = button_bar()
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.resolve_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.grid)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.show_conflict(None)

    def show_conflict(self, conflict: ops.Conflict | None) -> None:
        self.conflict = conflict
        clear_layout(self.grid)
        self.rows.clear()
        self.groups.clear()
        self.message.clear()
        has = conflict is not None
        # Deleting, or bringing back what the province deleted, is the station head's (domain/permissions.py).
        head = bool(self.context.officer and self.context.officer.is_head)
        self.resolve_button.setVisible(has)
        self.resolve_button.setEnabled(head or not has or conflict.type != "edit_vs_delete")  # type: ignore[union-attr]
        self.delete_button.setVisible(has and head and conflict.type != "edit")  # type: ignore[union-attr]
        if conflict is None:
            self.title.setText(self.tr("Không có xung đột nào đang chờ.") if not self.view.conflicts
                               else self.tr("Chọn một xung đột ở bên trái."))
            return
        kind = KINDS.get(conflict.kind)
        kind_name = bilingual(self.context.language, kind.vi, kind.en) if kind else conflict.kind
        name = (conflict.server_record or {}).get("full_name") or (conflict.server_record or {}).get("address") or ""
        who = self.tr("Công an tỉnh") if conflict.origin in (None, "", "province") else \
            self.tr("trạm %1").replace("%1", conflict.origin)
        text = self.tr("%1 %2: đã được sửa cả ở trạm này và ở %3.").replace("%1", kind_name).replace("%2", name) \
            .replace("%3", who)
        if conflict.type == "delete_vs_edit":
            text = self.tr("%1 %2: trạm đã xóa, còn %3 đã sửa.").replace("%1", kind_name).replace("%2", name) \
                .replace("%3", who)
        elif conflict.type == "edit_vs_delete":
            text = self.tr("%1 %2: trạm đã sửa, còn %3 đã xóa.").replace("%1", kind_name).replace("%2", name) \
                .replace("%3", who)
        if conflict.type == "edit" and conflict.record_deleted:
            # Settling the values does not bring the record back (store: resolve_conflict); say so before the click.
            text += " " + self.tr("Hồ sơ đã bị xóa sau đó: xử lý xung đột này vẫn giữ hồ sơ ở trạng thái đã xóa.")
        self.title.setText(text)
        for col, header in enumerate((self.tr("Thông tin"), self.tr("Giá trị của trạm"), self.tr("Giá trị của tỉnh"),
                                      self.tr("Giữ giá trị"))):
            h = QLabel(header)
            h.setStyleSheet("font-weight: bold;")
            self.grid.addWidget(h, 0, col)
        for row, (field, values) in enumerate(sorted(conflict.fields.items()), start=1):
            station, server = values.get("station"), values.get("server")
            mine = QRadioButton(_elide(_show(station)))
            theirs = QRadioButton(_elide(_show(server)))
            mine.setToolTip(_show(station))
            theirs.setToolTip(_show(server))
            edit = QLineEdit("" if station is None else str(station))
            edit.setObjectName(f"keep_{field}")
            group = QButtonGroup(self)
            group.addButton(mine)
            group.addButton(theirs)
            self.groups.append(group)
            mine.setChecked(True)
            mine.toggled.connect(lambda on, e=edit, v=station: on and e.setText("" if v is None else str(v)))
            theirs.toggled.connect(lambda on, e=edit, v=server: on and e.setText("" if v is None else str(v)))
            self.grid.addWidget(QLabel(field_label(field)), row, 0)
            self.grid.addWidget(mine, row, 1)
            self.grid.addWidget(theirs, row, 2)
            self.grid.addWidget(edit, row, 3)
            self.rows[field] = (mine, theirs, edit)
        self.resolve_button.setText(self.tr("Đánh dấu đã xử lý"))
        self.resolve_button.setToolTip(self.tr("Giữ các giá trị ở cột cuối và đánh dấu xung đột đã xử lý"))
        self.delete_button.setText(self.tr("Xóa hồ sơ này"))

    def choose(self, field: str, side: str) -> None:
        mine, theirs, _edit = self.rows[field]
        (mine if side == "station" else theirs).setChecked(True)

    def chosen_values(self) -> dict[str, Any]:
        return {field: (edit.text().strip() or None) for field, (_m, _t, edit) in self.rows.items()}

    def resolve(self, delete: bool = False) -> None:
        if self.conflict is None:
            return
        conflict_id, values, officer = self.conflict.id, self.chosen_values(), self.context.username

        def op(store: Store) -> str:
            return ops.resolve_conflict(store, conflict_id, None if delete else values, officer, delete=delete)

        self.context.write(op, lambda _cid: self.view.reload(), self._failed)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.message.setText("\n".join(exc.messages(self.context.language)))
        else:
            self.message.setText(self.context.error_text(exc))


class SyncView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.conflicts: list[ops.Conflict] = []
        self.rejected_rows: list[dict[str, Any]] = []
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.state = QLabel()
        self.state.setObjectName("sync_view_state")
        self.state.setWordWrap(True)
        self.sync_button = QPushButton()
        self.sync_button.clicked.connect(self._sync_now)
        self.list_title = QLabel()
        self.list = QListWidget()
        self.list.setObjectName("conflict_list")
        self.list.currentItemChanged.connect(self._selected)
        self.editor = ConflictEditor(self)
        self.rejected_title = QLabel()
        self.rejected = QListWidget()
        self.rejected.setObjectName("rejected_list")
        self.rejected.itemActivated.connect(self._open_rejected)
        # Persons recorded twice (the province's review items): activating one asks which record to keep.
        self.duplicate_items: list[duplicates.ReviewItem] = []
        self.duplicates_title = QLabel()
        self.duplicates = QListWidget()
        self.duplicates.setObjectName("duplicate_list")
        self.duplicates.itemActivated.connect(self._ask_merge)
        self.duplicates_message = QLabel()
        self.duplicates_message.setWordWrap(True)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(margins(SPACE.none))
        lv.addWidget(self.list_title)
        lv.addWidget(self.list, 2)
        lv.addWidget(self.rejected_title)
        lv.addWidget(self.rejected, 1)
        lv.addWidget(self.duplicates_title)
        lv.addWidget(self.duplicates, 1)
        lv.addWidget(self.duplicates_message)
        scroll = QScrollArea()
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own: it follows the focused field
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 740])
        top = QHBoxLayout()
        top.addWidget(self.state, 1)
        top.addWidget(self.sync_button, alignment=Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        context.changed.connect(self._changed)
        if context.sync is not None:
            context.sync.status_changed.connect(self._status)
        self.retranslate()
        self.reload()
        self.reload_rejected()
        self.reload_duplicates()

    def _sync_now(self) -> None:
        if self.context.sync is not None:
            self.context.sync.sync_now()

    def reload(self) -> None:
        self.context.write(lambda store: ops.list_conflicts(store), self._loaded)

    def _loaded(self, conflicts: list[ops.Conflict]) -> None:
        current = self.editor.conflict.id if self.editor.conflict else None
        self.conflicts = conflicts
        self.list.blockSignals(True)
        self.list.clear()
        for c in conflicts:
            record = c.server_record or {}
            name = record.get("full_name") or record.get("address") or c.record_id[:8]
            item = QListWidgetItem(f"{name}\n    {', '.join(field_label(f) for f in sorted(c.fields))}")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        ids = [c.id for c in conflicts]
        row = ids.index(current) if current in ids else (0 if conflicts else -1)
        self.list.setCurrentRow(row)
        self.editor.show_conflict(conflicts[row] if row >= 0 else None)
        self.list_title.setText(self.tr("Xung đột chờ xử lý: %1").replace("%1", str(len(conflicts))))

    def reload_rejected(self) -> None:
        self.context.tasks.run(lambda conn: lists.rejected_records(conn), self._rejected_loaded, on="read")

    def _rejected_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rejected_rows = rows
        self.rejected.clear()
        for r in rows:
            text = f"{bilingual(self.context.language, r['kind_vi'], r['kind_en'])}: {r['label'] or r['id'][:8]}"
            if r["note"]:
                text += f"\n    {r['note']}"
            item = QListWidgetItem(text)
            # A state set aside never reached the record: there is nothing to open for it.
            item.setData(Qt.ItemDataRole.UserRole, None if r.get("set_aside") else (r["kind"], r["id"]))
            self.rejected.addItem(item)
        self.rejected_title.setText(self.tr("Bị tỉnh từ chối: %1").replace("%1", str(len(rows))))
        self.rejected_title.setVisible(bool(rows))
        self.rejected.setVisible(bool(rows))

    def reload_duplicates(self) -> None:
        self.context.write(lambda store: [i for i in duplicates.list_review_items(store) if i.to_merge],
                           self._duplicates_loaded)

    def _duplicates_loaded(self, items: list[duplicates.ReviewItem]) -> None:
        self.duplicate_items = items
        self.duplicates.clear()
        for item in items:
            names = " · ".join(f"{p.get('full_name') or '?'} ({p.get('birth_date') or '?'})" for p in item.persons)
            entry = QListWidgetItem(f"{item.personal_id}\n    {names}")
            entry.setData(Qt.ItemDataRole.UserRole, item.id)
            self.duplicates.addItem(entry)
        self.duplicates_title.setText(self.tr("Nhân khẩu trùng số định danh: %1 (chọn để gộp)")
                                      .replace("%1", str(len(items))))
        for w in (self.duplicates_title, self.duplicates):
            w.setVisible(bool(items))
        self.duplicates_message.setVisible(bool(items) and bool(self.duplicates_message.text()))

    def _ask_merge(self, entry: QListWidgetItem) -> None:
        item = next((i for i in self.duplicate_items if i.id == entry.data(Qt.ItemDataRole.UserRole)), None)
        live = [p for p in item.persons if not p.get("deleted")] if item else []
        if item is None or len(live) < 2:
            return
        choices = [f"{p.get('full_name') or '?'} ({p.get('birth_date') or '?'}) — {p['id'][:8]}" for p in live]
        choice, ok = QInputDialog.getItem(
            self, self.tr("Gộp nhân khẩu trùng"),
            self.tr("Giữ lại hồ sơ nào? Hồ sơ kia được liên kết vào hồ sơ này, không mất thông tin."),
            choices, 0, False)
        if ok:
            self.merge_duplicate(item.id, live[choices.index(choice)]["id"])

    def merge_duplicate(self, review_id: str, keep_id: str) -> None:
        """Keep ``keep_id`` and merge the item's other persons into it (store/duplicates.py)."""
        officer = self.context.username

        def done(_ids: list[str]) -> None:
            self.duplicates_message.setText("")
            self.reload_duplicates()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                self.duplicates_message.setText("\n".join(exc.messages(self.context.language)))
            else:
                self.duplicates_message.setText(self.context.error_text(exc))
            self.duplicates_message.setVisible(True)

        self.context.write(lambda store: duplicates.merge_persons(store, review_id, keep_id, officer), done, failed)

    def _open_rejected(self, item: QListWidgetItem) -> None:
        if item.data(Qt.ItemDataRole.UserRole) is None:
            return
        kind, record_id = item.data(Qt.ItemDataRole.UserRole)
        self.context.open_record(kind, record_id)

    def _selected(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        cid = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.editor.show_conflict(next((c for c in self.conflicts if c.id == cid), None))

    def open_record(self, kind: str, record_id: str) -> None:
        for row, c in enumerate(self.conflicts):
            if c.id == record_id or c.record_id == record_id:
                self.list.setCurrentRow(row)

    def _status(self, status: SyncStatus) -> None:
        lines = [state_text(status)]
        if status.state != "not_enrolled":
            lines.append(self.tr("Lần đồng bộ thành công gần nhất: %1").replace("%1", ago(status.last_success)))
        lines.append(self.tr("Thay đổi chờ gửi lên tỉnh: %1").replace("%1", str(status.pending)))
        if status.rejected:
            lines.append(self.tr("Bị tỉnh từ chối: %1 (xem lý do trong từng hồ sơ)")
                         .replace("%1", str(status.rejected)))
        err = bilingual(self.context.language, status.last_error_vi or "", status.last_error_en)
        if status.state in ("failed", "offline") and err:
            lines.append(err)
        repair = bilingual(self.context.language, status.last_repair_vi or "", status.last_repair_en)
        if repair:
            lines.append(self.tr("Lần tự sửa gần nhất: %1").replace("%1", repair))
        if status.duplicates:
            lines.append(self.tr("Nhân khẩu trùng số định danh chờ gộp: %1 (station-client duplicates)")
                         .replace("%1", str(status.duplicates)))
        if status.server_url:
            lines.append(self.tr("Máy chủ: %1").replace("%1", status.server_url))
        self.state.setText("\n".join(lines))
        if status.conflicts != len(self.conflicts):
            self.reload()
        if status.rejected + status.set_aside != len(self.rejected_rows):
            self.reload_rejected()
        if status.duplicates != len(self.duplicate_items):
            self.reload_duplicates()

    def _changed(self, changes: ChangeSet) -> None:
        if changes.sync_state:
            self.reload()
            if self.rejected_rows:
                self.reload_rejected()
        if "duplicate_person" in changes.kinds or (self.duplicate_items and "person" in changes.kinds):
            self.reload_duplicates()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Đồng bộ với Công an tỉnh"))
        self.sync_button.setText(self.tr("Đồng bộ ngay"))
        self._status(self.context.sync.status if self.context.sync is not None else SyncStatus("not_enrolled"))
        # The lists are worded when loaded (field labels, record kinds): word them again from what is held (the
        # conflict list kept its Vietnamese field names under English); this also refreshes the editor.
        self._loaded(self.conflicts)
        self._rejected_loaded(self.rejected_rows)
        self._duplicates_loaded(self.duplicate_items)


register_section(Section(id="sync", title=lambda: QCoreApplication.translate("Sections", "Đồng bộ"),
                         factory=SyncView, icon="sync", shortcut="Ctrl+6", order=60, kinds=("conflict",)))
