"""The same person recorded twice in one commune (the same personal ID made at two stations while offline).

The province finds it when the second record arrives and writes a **review item** (``duplicate_person``, a
commune kind only the province writes) that every station of the commune pulls. An officer then merges: one
record is kept, the other is linked to it by a **merge record** (``person_merge``, written by the station) that
keeps the merged-away record's whole state, its references are moved to the kept one, and it is deleted. The
province closes the review item when it sees the merge. See docs/sync-protocol.md, "Duplicate persons".
"""

from __future__ import annotations

from typing import Any

from .kinds import Field, RecordKind
from .problems import Problem, required

STATUSES = {"open": ("Chờ xem xét", "Open"), "merged": ("Đã gộp", "Merged"),
            "closed": ("Không còn trùng", "No longer duplicated")}


def _validate_review(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (required(r, "personal_id", "Số định danh", "Personal ID"),) if p]
    if r.get("status") not in STATUSES:
        problems.append(Problem("status", "status.invalid", "Trạng thái không hợp lệ.", "Invalid status."))
    if not isinstance(r.get("person_ids"), list):
        problems.append(Problem("person_ids", "required", "Thiếu danh sách nhân khẩu.", "The persons are missing."))
    return problems


def _validate_merge(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (
        required(r, "kept_id", "Nhân khẩu giữ lại", "Kept person"),
        required(r, "merged_id", "Nhân khẩu được gộp", "Merged person"),
    ) if p]
    if r.get("kept_id") and r.get("kept_id") == r.get("merged_id"):
        problems.append(Problem("merged_id", "merge.same", "Không thể gộp một nhân khẩu vào chính nó.",
                                "A person cannot be merged into itself."))
    return problems


DUPLICATE_PERSON = RecordKind(
    name="duplicate_person", table="duplicate_persons", vi="Nhân khẩu trùng số định danh",
    en="Duplicate person (same personal ID)",
    fields=(
        Field("personal_id", "text", "Số định danh cá nhân", "Personal ID number"),
        Field("person_ids", "json", "Các nhân khẩu", "Persons"),
        Field("status", "text", "Trạng thái", "Status"),
        Field("kept_id", "text", "Nhân khẩu giữ lại", "Kept person"),
        Field("merged_ids", "json", "Nhân khẩu đã gộp", "Merged persons"),
        Field("detected_at", "datetime", "Phát hiện lúc", "Detected at"),
        Field("resolved_at", "datetime", "Xử lý lúc", "Resolved at"),
        Field("note", "text", "Ghi chú", "Note"),
    ),
    province_only=True, validator=_validate_review)

PERSON_MERGE = RecordKind(
    name="person_merge", table="person_merges", vi="Gộp nhân khẩu trùng", en="Person merge",
    fields=(
        Field("review_id", "text", "Mục cần xem xét", "Review item"),
        Field("personal_id", "text", "Số định danh cá nhân", "Personal ID number"),
        Field("kept_id", "text", "Nhân khẩu giữ lại", "Kept person"),
        Field("merged_id", "text", "Nhân khẩu được gộp", "Merged person"),
        Field("merged_record", "json", "Hồ sơ được gộp (toàn bộ)", "Merged record (whole)"),
        Field("differing", "json", "Thông tin khác nhau", "Differing fields"),
        Field("moved_refs", "json", "Liên kết đã chuyển", "References moved"),
        Field("merged_at", "datetime", "Gộp lúc", "Merged at"),
        Field("merged_by", "text", "Người gộp", "Merged by"),
    ),
    validator=_validate_merge)

KINDS = (DUPLICATE_PERSON, PERSON_MERGE)


def person_ref_fields(kind: RecordKind) -> list[str]:
    """The fields of ``kind`` that refer to a person record (moved to the kept person by a merge)."""
    if kind.name in ("person_merge", "duplicate_person"):
        return []
    return [f.name for f in kind.fields if f.name in ("person_id", "head_id") or f.name.endswith("_person_id")]
