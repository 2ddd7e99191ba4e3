"""Nationality names: records keep an ISO 3166-1 alpha-2 code ("VN"); people read a name ("Việt Nam").

The table is reference data (``resources/catalogues/nationalities.json``). A code the table lacks is shown as
it is; a typed name or code is read back as the code when the table knows it, else kept as typed."""

from __future__ import annotations

import json
from functools import lru_cache

from ..resources import resource_path
from .text import fold


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[str, str]]:
    data = json.loads(resource_path("catalogues", "nationalities.json").read_text(encoding="utf-8"))
    return {code: (names[0], names[1]) for code, names in data.items() if not code.startswith("_")}


def name(code: str | None, language: str = "vi") -> str:
    """"VN" -> "Việt Nam" (English: "Viet Nam"); an unknown code or a free text is returned as it is."""
    if not code:
        return ""
    names = table().get(code.strip().upper())
    if names is None:
        return code
    return names[1] if language == "en" else names[0]


def code(text: str | None) -> str | None:
    """What an officer typed ("Việt Nam", "viet nam", "vn", "Viet Nam") -> "VN"; None if empty; unknown text
    kept as typed."""
    text = (text or "").strip()
    if not text:
        return None
    if text.upper() in table():
        return text.upper()
    wanted = fold(text)
    for c, (vi, en) in table().items():
        if wanted in (fold(vi), fold(en)):
            return c
    return text
