"""Dossier test helpers: a store with the shipped catalogue and a permanent-residence intake."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from station_client.domain.deadlines import default_office_hours
from station_client.store import Store
from station_client.store import dossiers as sd

TZ = default_office_hours().tz
APPLICANT = {"name": "Nguyễn Thị Hồng Nhung", "personal_id": "022190001234", "birth_date": "1990-05-17",
             "permanent_address": "Khu 3, phường Mạo Khê, tỉnh Quảng Ninh", "phone": "0912345678"}
DOCS = [{"name": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "form": "original", "count": 1},
        {"name": "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", "form": "copy", "count": 1,
         "note": "Hợp đồng thuê nhà"}]


def at(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def receive(store: Store, when: datetime | None = None, **kw: Any) -> dict[str, Any]:
    intake = sd.Intake(procedure_key=kw.pop("procedure_key", "1.004222"), applicant=kw.pop("applicant", APPLICANT),
                       documents=kw.pop("documents", DOCS), received_at=when or at(2026, 2, 12, 9, 30), **kw)
    return sd.create_dossier(store, intake, officer="can_bo_a")
