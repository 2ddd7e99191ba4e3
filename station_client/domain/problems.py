"""Validation results that carry their message in Vietnamese and in English.

Every rule returns ``Problem`` objects instead of raising, so that a form can show all problems next to their
fields at once, an import can report each bad row, and the province server can send the reasons back to a
station verbatim.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    field: str  # the field the problem belongs to ("" for the whole record)
    code: str  # stable machine code, e.g. "pid.province"
    vi: str
    en: str

    def message(self, language: str = "vi") -> str:
        return self.en if language == "en" else self.vi

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(str(data.get("field", "")), str(data.get("code", "")), str(data.get("vi", "")),
                   str(data.get("en", "")))


class ValidationError(ValueError):
    """Raised by the store when a record fails its kind's rules; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.en}" for p in self.problems))

    def messages(self, language: str = "vi") -> list[str]:
        return [p.message(language) for p in self.problems]

    def by_field(self, language: str = "vi") -> dict[str, str]:
        out: dict[str, str] = {}
        for p in self.problems:
            out.setdefault(p.field, p.message(language))
        return out


def required(record: dict[str, Any], field: str, vi_label: str, en_label: str) -> Problem | None:
    value = record.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return Problem(field, "required", f"{vi_label} là bắt buộc.", f"{en_label} is required.")
    return None
