"""Duplicate persons at the station: the province's review items and the merge an officer makes.

The province writes a ``duplicate_person`` review item when one personal ID is held by two live persons of the
commune (province_server/duplicates.py); every station of the commune pulls it. ``merge_persons`` keeps one
record and links the other to it, with nothing lost, through the store's one write path (records, audit and
outbox in one transaction):

1. every reference to the merged-away person (household head, membership, residence, dossier applicant, report
   parties: ``domain.duplicates.person_ref_fields``) is moved to the kept one;
2. the kept person takes the merged one's values for the fields it has empty, and its note lists the values
   that differ (the kept record's own values are never overwritten);
3. a ``person_merge`` record keeps the merged-away record's whole state, the differing values and the references
   moved, and links the two ids (a reference to the merged id made elsewhere meanwhile still resolves: the
   store's reference check and ``current_person_id`` follow the link);
4. the merged-away person is deleted (a head-only action, as any resident's deletion).

The province closes the review item (``merged``) when the merge reaches it; both stations then see it closed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..clock import now_iso
from ..domain.duplicates import person_ref_fields
from ..domain.registry import KINDS, get_kind
from .codec import fields_only, from_db
from .errors import RecordNotFound, StoreError
from .store import Store


@dataclass(frozen=True)
class ReviewItem:
    id: str
    personal_id: str
    status: str  # open, merged, closed
    person_ids: list[str]
    persons: list[dict[str, Any]]  # the station's records of those ids (deleted ones included), in id order
    kept_id: str | None
    merged_ids: list[str]
    detected_at: str | None
    resolved_at: str | None

    @property
    def to_merge(self) -> bool:
        """Open and still two or more live records here (a merge made here waits for the province to close it)."""
        return self.status == "open" and sum(1 for p in self.persons if not p.get("deleted")) >= 2


def list_review_items(store: Store, status: str | None = "open") -> list[ReviewItem]:
    """The province's duplicate-person review items the station holds (``status`` None: all)."""
    sql = "SELECT * FROM duplicate_persons WHERE deleted = 0"
    args: tuple[Any, ...] = ()
    if status is not None:
        sql += " AND status = ?"
        args = (status,)
    kind = get_kind("duplicate_person")
    out = []
    for row in store.conn.execute(sql + " ORDER BY detected_at, id", args).fetchall():
        rec = from_db(kind, row)
        ids = [str(i) for i in rec.get("person_ids") or []]
        persons = [p for p in (store.get("person", i, include_deleted=True) for i in ids) if p is not None]
        out.append(ReviewItem(rec["id"], rec.get("personal_id") or "", rec.get("status") or "", ids, persons,
                              rec.get("kept_id"), [str(i) for i in rec.get("merged_ids") or []],
                              rec.get("detected_at"), rec.get("resolved_at")))
    return out


def open_count(conn: Any) -> int:
    """How many review items are open and not merged here yet (cheap: for the status line)."""
    return int(conn.execute(
        "SELECT count(*) FROM duplicate_persons d WHERE status = 'open' AND deleted = 0 AND NOT EXISTS "
        "(SELECT 1 FROM person_merges m WHERE m.review_id = d.id AND m.deleted = 0)").fetchone()[0])


def get_review_item(store: Store, review_id: str) -> ReviewItem | None:
    return next((i for i in list_review_items(store, None) if i.id == review_id), None)


def current_person_id(store: Store, person_id: str) -> str:
    """Follow merge links: the id a reference to ``person_id`` means now (itself if it was never merged)."""
    seen = {person_id}
    while True:
        row = store.conn.execute("SELECT kept_id FROM person_merges WHERE merged_id = ? AND deleted = 0 "
                                 "ORDER BY merged_at DESC LIMIT 1", (person_id,)).fetchone()
        if row is None or not row[0] or row[0] in seen:
            return person_id
        person_id = str(row[0])
        seen.add(person_id)


def merge_persons(store: Store, review_id: str, keep_id: str, officer: str,
                  merge_ids: list[str] | None = None) -> list[str]:
    """Keep ``keep_id`` and merge the other live persons of the review item (or just ``merge_ids``) into it.
    Returns the ids of the ``person_merge`` records written. One transaction: all of it or nothing."""
    item = get_review_item(store, review_id)
    if item is None:
        raise RecordNotFound("Không tìm thấy mục nhân khẩu trùng này.", "This duplicate-person item was not found.")
    if item.status != "open":
        raise StoreError("Mục này không còn chờ xem xét.", "This item is no longer open.")
    if keep_id not in item.person_ids:
        raise StoreError("Nhân khẩu giữ lại phải thuộc mục này.", "The kept person must be one of this item's.")
    others = [i for i in (merge_ids or item.person_ids) if i != keep_id]
    if not others or any(i not in item.person_ids for i in others):
        raise StoreError("Chọn các nhân khẩu của mục này để gộp.", "Choose persons of this item to merge.")
    person = get_kind("person")
    written: list[str] = []
    with store.transaction() as conn:
        for gone in others:
            kept_row = conn.execute("SELECT * FROM persons WHERE id = ? AND deleted = 0", (keep_id,)).fetchone()
            gone_row = conn.execute("SELECT * FROM persons WHERE id = ? AND deleted = 0", (gone,)).fetchone()
            if kept_row is None or gone_row is None:
                raise RecordNotFound("Một trong hai nhân khẩu không còn.", "One of the two persons no longer exists.")
            kept = fields_only(person, from_db(person, kept_row))
            merged = fields_only(person, from_db(person, gone_row))
            # 1. references move to the kept person
            moved: list[list[str]] = []
            for kind in KINDS.values():
                if kind.scope != "commune" or kind.province_only:
                    continue
                for name in person_ref_fields(kind):
                    for (rid,) in conn.execute(f"SELECT id FROM {kind.table} WHERE {name} = ? AND deleted = 0",
                                               (gone,)).fetchall():
                        store.update(kind.name, rid, {name: keep_id}, officer=officer)
                        moved.append([kind.name, rid, name])
            # 2. the kept person: empty fields filled, differing values listed in its note
            fill = {f: v for f, v in merged.items() if v is not None and kept.get(f) is None and f != "note"}
            differing = {f: {"kept": kept.get(f), "merged": v} for f, v in merged.items()
                         if v is not None and kept.get(f) is not None and kept.get(f) != v}
            changes: dict[str, Any] = dict(fill)
            if differing or merged.get("note"):
                lines = [f"{person.by_name[f].vi}: {d['merged']}" for f, d in differing.items() if f != "note"]
                if merged.get("note") and merged.get("note") != kept.get("note"):
                    lines.append(f"Ghi chú: {merged['note']}")
                if lines:
                    added = f"[Gộp từ hồ sơ trùng {gone} / merged from duplicate {gone}] " + "; ".join(lines)
                    changes["note"] = f"{kept['note']}\n{added}" if kept.get("note") else added
            if changes:
                store.update("person", keep_id, changes, officer=officer)
            # 3. the link, with the merged record's whole state
            link = store.create("person_merge", {
                "review_id": review_id, "personal_id": item.personal_id, "kept_id": keep_id, "merged_id": gone,
                "merged_record": merged, "differing": differing, "moved_refs": moved, "merged_at": now_iso(),
                "merged_by": officer}, officer=officer)
            written.append(str(link["id"]))
            # 4. the merged-away person is deleted (its record stays, soft-deleted, for the link and the audit)
            store.delete("person", gone, officer=officer)
    return written


def describe(item: ReviewItem) -> dict[str, Any]:
    """A plain JSON-able view of an item (the CLI prints it)."""
    return {"id": item.id, "personal_id": item.personal_id, "status": item.status, "kept_id": item.kept_id,
            "merged_ids": item.merged_ids, "detected_at": item.detected_at,
            "persons": [{"id": p["id"], "full_name": p.get("full_name"), "birth_date": p.get("birth_date"),
                         "deleted": p.get("deleted"), "sync_state": p.get("sync_state")} for p in item.persons]}


def dumps(items: list[ReviewItem]) -> str:
    return json.dumps([describe(i) for i in items], ensure_ascii=False, indent=1)
