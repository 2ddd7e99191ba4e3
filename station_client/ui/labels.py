"""Translatable labels of record fields and fixed vocabularies, in one table (Linguist context "Fields")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from ..domain.residents import RELATIONSHIPS, RESIDENCE_TYPES, SEXES
from .i18n import bilingual

FIELD_LABELS: dict[str, str] = {
    "full_name": QT_TRANSLATE_NOOP("Fields", "Họ và tên"),
    "birth_date": QT_TRANSLATE_NOOP("Fields", "Ngày sinh"),
    "sex": QT_TRANSLATE_NOOP("Fields", "Giới tính"),
    "personal_id": QT_TRANSLATE_NOOP("Fields", "Số định danh cá nhân"),
    "old_id": QT_TRANSLATE_NOOP("Fields", "Số CMND cũ"),
    "passport_no": QT_TRANSLATE_NOOP("Fields", "Số hộ chiếu"),
    "nationality": QT_TRANSLATE_NOOP("Fields", "Quốc tịch"),
    "ethnicity": QT_TRANSLATE_NOOP("Fields", "Dân tộc"),
    "religion": QT_TRANSLATE_NOOP("Fields", "Tôn giáo"),
    "hometown": QT_TRANSLATE_NOOP("Fields", "Quê quán"),
    "birth_place": QT_TRANSLATE_NOOP("Fields", "Nơi đăng ký khai sinh"),
    "occupation": QT_TRANSLATE_NOOP("Fields", "Nghề nghiệp"),
    "phone": QT_TRANSLATE_NOOP("Fields", "Số điện thoại"),
    "email": QT_TRANSLATE_NOOP("Fields", "Thư điện tử"),
    "permanent_address": QT_TRANSLATE_NOOP("Fields", "Nơi thường trú"),
    "current_address": QT_TRANSLATE_NOOP("Fields", "Nơi ở hiện tại"),
    "note": QT_TRANSLATE_NOOP("Fields", "Ghi chú"),
    "household_no": QT_TRANSLATE_NOOP("Fields", "Số hộ"),
    "address": QT_TRANSLATE_NOOP("Fields", "Địa chỉ"),
    "hamlet": QT_TRANSLATE_NOOP("Fields", "Thôn/Tổ dân phố"),
    "relationship": QT_TRANSLATE_NOOP("Fields", "Quan hệ với chủ hộ"),
    "joined_on": QT_TRANSLATE_NOOP("Fields", "Ngày nhập hộ"),
    "type": QT_TRANSLATE_NOOP("Fields", "Loại cư trú"),
    "start_date": QT_TRANSLATE_NOOP("Fields", "Từ ngày"),
    "end_date": QT_TRANSLATE_NOOP("Fields", "Đến ngày"),
    "host_name": QT_TRANSLATE_NOOP("Fields", "Chủ cơ sở lưu trú"),
    "reason": QT_TRANSLATE_NOOP("Fields", "Lý do"),
    "sync_state": QT_TRANSLATE_NOOP("Fields", "Đồng bộ"),
    "head": QT_TRANSLATE_NOOP("Fields", "Chủ hộ"),
}

SYNC_STATES: dict[str, str] = {
    "pending": QT_TRANSLATE_NOOP("Fields", "chờ gửi"),
    "synced": QT_TRANSLATE_NOOP("Fields", "đã gửi"),
    "rejected": QT_TRANSLATE_NOOP("Fields", "bị từ chối"),
    "conflict": QT_TRANSLATE_NOOP("Fields", "xung đột"),
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
