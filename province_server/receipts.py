"""Checking a receipt's lookup link (``station_client.domain.receipt_link``): shared by ``GET /v1/lookup/{code}``
and the public page ``/tra-cuu/{code}``.

A link with a signature is verified with the receiving station's receipt key, whether or not the province has
heard of the dossier yet: a genuine receipt printed offline is confirmed as such ("received at T by station X;
its status appears after the station's next sync"); a forged or altered link is refused. A bare lookup code (typed
by hand) is answered as before, from the lookup table alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from station_client.domain import receipt_link

from . import stations
from .db import Database
from .errors import ApiError

INVALID_VI = "Không phải phiếu hợp lệ: đường dẫn tra cứu đã bị sửa hoặc không do Công an cấp."
INVALID_EN = "Not a valid receipt: the lookup link was altered or not issued by the police."


@dataclass(frozen=True)
class Checked:
    """A verified link: the fields the station signed and the receiving station's name."""

    link: receipt_link.ReceiptLink
    station_name: str

    def answer(self) -> dict[str, Any]:
        return {"verified": True, "lookup_code": self.link.lookup_code, "dossier_code": self.link.dossier_code,
                "station_id": self.link.station_id, "station_name": self.station_name,
                "received_at": self.link.received_at.strftime("%Y-%m-%dT%H:%MZ")}


def link_params(params: dict[str, str]) -> dict[str, str] | None:
    """The link's query parameters, or None when the request carries none of them (a bare code)."""
    picked = {k: params[k] for k in ("s", "t", "d", "sig") if params.get(k) is not None}
    return picked or None


def invalid() -> ApiError:
    return ApiError(400, "receipt.invalid", INVALID_VI, INVALID_EN)


def check(db: Database, code: str, params: dict[str, str]) -> Checked:
    """The verified link, or ``receipt.invalid`` (400): a parameter missing or malformed, an unknown station, a
    signature that does not match."""
    link = receipt_link.parse(code, params.get("s"), params.get("t"), params.get("d"), params.get("sig"))
    if link is None:
        raise invalid()
    found = stations.verification_key(db, link.station_id)
    if found is None or not receipt_link.verify(found[0], link):
        raise invalid()
    return Checked(link, found[1])
