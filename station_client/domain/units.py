"""Administrative units after the 2025 reform (34 provinces, 3,321 communes), from shipped data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..resources import load_json


@dataclass(frozen=True)
class Commune:
    code: str  # 5 digits, national statistics list
    name: str  # e.g. "Phường Mạo Khê"
    type: str  # "xã", "phường", "đặc khu"
    province_code: str  # 2 digits
    province_name: str


@cache
def communes() -> dict[str, Commune]:
    out: dict[str, Commune] = {}
    for p in load_json("catalogues", "communes.json")["provinces"]:
        for c in p["communes"]:
            out[c["code"]] = Commune(c["code"], c["name"], c["type"], p["code"], p["name"])
    return out


def commune(code: str) -> Commune | None:
    return communes().get(code.zfill(5))


def communes_of(province_code: str) -> list[Commune]:
    return [c for c in communes().values() if c.province_code == province_code.zfill(2)]
