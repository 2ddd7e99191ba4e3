"""Statistics test helpers: dossiers and reports made through the store's write path at chosen moments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from station_client.domain.deadlines import default_office_hours
from station_client.store import Store
from station_client.store import dossiers as sd
from station_client.store import reports as sr

TZ = default_office_hours().tz
OFFICER = "can_bo_a"
APPLICANT = {"name": "Nguyễn Thị Hồng Nhung", "personal_id": "022190001234", "birth_date": "1990-05-17",
             "permanent_address": "Khu 3, phường Mạo Khê, tỉnh Quảng Ninh"}
DOCS = [{"name": "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)", "form": "original", "count": 1}]
PERMANENT = "1.004222"  # Đăng ký thường trú: 7 working days
REMOVAL = "1.003197"  # Xóa đăng ký thường trú: 5 working days


def at(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def dossier(store: Store, received: datetime, *steps: tuple[str, datetime], procedure: str = PERMANENT,
            by: str | None = OFFICER, **intake: Any) -> dict[str, Any]:
    """Receive a dossier, then run ``steps`` (action, moment) through the workflow. ``by``: the label on a
    station without accounts; None: the logged-in officer."""
    d = sd.create_dossier(store, sd.Intake(procedure_key=procedure, applicant=APPLICANT, documents=DOCS,
                                           received_at=received, **intake), officer=by)
    for action, moment in steps:
        details = {"supplement_items": ["Giấy tờ chỗ ở hợp pháp"]} if action == "request_supplement" else None
        if action == "transfer":
            details = {"transferred_to": "Phòng Quản lý hành chính về trật tự xã hội"}
        if action == "refuse":
            details = {"refusal_ground": "Khoản 1 Điều 22 Luật Cư trú"}
        d = sd.apply_action(store, d["id"], action, officer=by, at=moment, details=details)
    return d


def report(store: Store, kind: str, received: datetime, *steps: tuple[str, datetime, dict[str, Any] | None],
           **values: Any) -> dict[str, Any]:
    r = sr.create(store, kind, values, officer=OFFICER, at=received)
    for action, moment, details in steps:
        r = sr.apply_action(store, kind, r["id"], action, officer=OFFICER, at=moment, details=details)
    return r


def crime_report(store: Store, received: datetime, *steps: tuple[str, datetime, dict[str, Any] | None],
                 **values: Any) -> dict[str, Any]:
    base = {"report_kind": "denunciation", "channel": "in_person", "reporter_name": "Nguyễn Văn Đức",
            "reporter_phone": "0912345678", "summary": "Mất trộm xe máy tại chợ Mạo Khê"}
    if values.get("urgent"):
        base["urgency_reason"] = "caught_in_act"
    if values.get("reporter_anonymous"):
        base = {k: v for k, v in base.items() if not k.startswith("reporter_")}
    return report(store, "crime_report", received, *steps, **(base | values))


TRANSFER = {"transferred_to": "Cơ quan CSĐT Công an tỉnh Quảng Ninh"}
