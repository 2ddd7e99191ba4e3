"""Translatable labels of record fields and fixed vocabularies, in one table (Linguist context "Fields")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from ..domain.residents import RELATIONSHIPS, RESIDENCE_TYPES, SEXES
from .i18n import bilingual, tr_noop

FIELD_LABELS: dict[str, str] = {
    "full_name": tr_noop("Fields", "Họ và tên"),
    "birth_date": tr_noop("Fields", "Ngày sinh"),
    "sex": tr_noop("Fields", "Giới tính"),
    "personal_id": tr_noop("Fields", "Số định danh cá nhân"),
    "old_id": tr_noop("Fields", "Số CMND cũ"),
    "passport_no": tr_noop("Fields", "Số hộ chiếu"),
    "nationality": tr_noop("Fields", "Quốc tịch"),
    "ethnicity": tr_noop("Fields", "Dân tộc"),
    "religion": tr_noop("Fields", "Tôn giáo"),
    "hometown": tr_noop("Fields", "Quê quán"),
    "birth_place": tr_noop("Fields", "Nơi đăng ký khai sinh"),
    "occupation": tr_noop("Fields", "Nghề nghiệp"),
    "phone": tr_noop("Fields", "Số điện thoại"),
    "email": tr_noop("Fields", "Thư điện tử"),
    "permanent_address": tr_noop("Fields", "Nơi thường trú"),
    "current_address": tr_noop("Fields", "Nơi ở hiện tại"),
    "note": tr_noop("Fields", "Ghi chú"),
    "household_no": tr_noop("Fields", "Số hộ"),
    "address": tr_noop("Fields", "Địa chỉ"),
    "hamlet": tr_noop("Fields", "Thôn/Tổ dân phố"),
    "relationship": tr_noop("Fields", "Quan hệ với chủ hộ"),
    "joined_on": tr_noop("Fields", "Ngày nhập hộ"),
    "type": tr_noop("Fields", "Loại cư trú"),
    "start_date": tr_noop("Fields", "Từ ngày"),
    "end_date": tr_noop("Fields", "Đến ngày"),
    "host_name": tr_noop("Fields", "Chủ cơ sở lưu trú"),
    "reason": tr_noop("Fields", "Lý do"),
    "sync_state": tr_noop("Fields", "Đồng bộ"),
    "head": tr_noop("Fields", "Chủ hộ"),
}

SYNC_STATES: dict[str, str] = {
    "pending": tr_noop("Fields", "chờ gửi"),
    "synced": tr_noop("Fields", "đã gửi"),
    "rejected": tr_noop("Fields", "bị từ chối"),
    "conflict": tr_noop("Fields", "xung đột"),
}


def label(name: str) -> Callable[[], str]:
    return lambda: QCoreApplication.translate("Fields", FIELD_LABELS[name])


def sync_state(value: str | None) -> str:
    return QCoreApplication.translate("Fields", SYNC_STATES[value]) if value in SYNC_STATES else (value or "")


def vocabulary(language: str, table: dict[str, tuple[str, str]], code: str | None) -> str:
    if code is None or code not in table:
        return code or ""
    return bilingual(language, *table[code])


__all__ = ["FIELD_LABELS", "RELATIONSHIPS", "RESIDENCE_TYPES", "SEXES", "label", "sync_state", "vocabulary"]
