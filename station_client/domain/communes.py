"""Commune classification kept by the province: which communes are remote, mountain or island communes.

The 48-hour transfer period for urgent crime reports (instead of 24 hours) applies in a commune that is "vùng
sâu, vùng xa, miền núi, hải đảo". That is a fact about the commune, decided by the province from the state's
classification, not something an officer ticks per report: the province keeps one ``commune_class`` record
per commune (a reference kind, synced to every station) and a report takes its flag from its station's commune.
The station head may override it on one report with a reason (``crime_reports`` action ``override_remote``),
recorded in the audit trail like any write. Plain Python, no Qt.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .kinds import Field, RecordKind
from .problems import Problem, required

_NAMESPACE = uuid.UUID("6f0c2b7e-3d1a-5c4b-9e8f-7a6b5c4d3e2f")
_COMMUNE_CODE = re.compile(r"^\d{5}$")


def commune_class_id(commune_code: str) -> str:
    """One record id per commune, the same at the province and every station, so a correction replaces it."""
    return str(uuid.uuid5(_NAMESPACE, f"commune_class:{commune_code}"))


def validate_commune_class(r: dict[str, Any]) -> list[Problem]:
    problems = [p for p in (required(r, "commune_code", "Mã xã/phường", "Commune code"),) if p]
    code = r.get("commune_code")
    if code and not _COMMUNE_CODE.match(str(code)):
        problems.append(Problem("commune_code", "commune.code", "Mã xã/phường gồm 5 chữ số.",
                                "A commune code has 5 digits."))
    return problems


COMMUNE_CLASS = RecordKind(
    name="commune_class", table="commune_classes", vi="Phân loại xã/phường", en="Commune classification",
    fields=(
        Field("commune_code", "text", "Mã xã/phường", "Commune code"),
        Field("commune_name", "text", "Tên xã/phường", "Commune name"),
        Field("remote", "bool", "Xã vùng sâu, vùng xa, miền núi, hải đảo", "Remote, mountain or island commune"),
        Field("basis", "text", "Căn cứ phân loại", "Basis of the classification"),
    ),
    scope="reference", validator=validate_commune_class,
)

KINDS = (COMMUNE_CLASS,)
