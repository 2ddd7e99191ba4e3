"""The receipt's lookup link: a URL to the province's public lookup page, signed offline by the station.

A receipt is often printed while the station is offline, so the province may not know the dossier when the
resident first scans it. The QR code therefore holds

    {base}/tra-cuu/{lookup code}?s={station id}&t={received, UTC yyyymmddHHMM}&d={dossier code}&sig={signature}

where the signature is HMAC-SHA256, under the receipt key the province issued to the station at enrollment, over
the canonical fields (``message``), truncated to 10 bytes and written in base 32 (16 characters, no padding:
case-insensitive, so a retyped link still checks). The province holds every station's key and verifies the link
without having heard of the dossier: "a genuine receipt of station X, received at T" (EU digital COVID
certificates are verified offline the same way). Changing any character of any field breaks the signature.

The receipt key is not the sync token (which rotates): it is issued once at enrollment and replaced only by an
explicit re-issue, so receipts printed before a token rotation stay valid. Pure Python: the station signs with
it, the province verifies with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from .dossiers import normalize_lookup_code

SIG_BYTES = 10
SCHEME = "tra-cuu/1"  # bound into the message: a signature is valid for this link format only
_TIME = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class ReceiptLink:
    lookup_code: str  # canonical XXXX-XXXX-XXXX
    station_id: str
    received: str  # UTC yyyymmddHHMM
    dossier_code: str
    sig: str

    @property
    def received_at(self) -> datetime:
        return datetime.strptime(self.received, "%Y%m%d%H%M").replace(tzinfo=UTC)


def compact_time(value: str | datetime) -> str:
    """``2026-02-12T02:35:10.5Z`` (or an aware datetime) → ``202602120235`` (UTC, to the minute)."""
    t = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y%m%d%H%M")


def key_id(key: str) -> str:
    """A short public fingerprint of a receipt key (the sync answer carries it; the station fetches the key when
    its own differs)."""
    return hashlib.sha256(f"receipt-key:{key}".encode()).hexdigest()[:12]


def new_key() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def message(lookup_code: str, station_id: str, received: str, dossier_code: str) -> bytes:
    return "\n".join((SCHEME, lookup_code, station_id, received, dossier_code)).encode("utf-8")


def sign(key: str, lookup_code: str, station_id: str, received: str, dossier_code: str) -> str:
    mac = hmac.new(key.encode("utf-8"), message(lookup_code, station_id, received, dossier_code),
                   hashlib.sha256).digest()[:SIG_BYTES]
    return base64.b32encode(mac).decode("ascii").rstrip("=")


def make_url(base: str, key: str, *, station_id: str, lookup_code: str, received_at: str | datetime,
             dossier_code: str) -> str:
    code = normalize_lookup_code(lookup_code)
    if code is None:
        raise ValueError(f"not a lookup code: {lookup_code!r}")
    received = compact_time(received_at)
    sig = sign(key, code, station_id, received, dossier_code)
    query = urlencode({"s": station_id, "t": received, "d": dossier_code, "sig": sig}, safe="-.")
    return f"{base.rstrip('/')}/tra-cuu/{quote(code)}?{query}"


def parse(lookup_code: str, s: str | None, t: str | None, d: str | None, sig: str | None) -> ReceiptLink | None:
    """The link's fields when all are present and well-formed (not yet verified), else None. A lookup code whose
    check characters are wrong is None too."""
    code = normalize_lookup_code(lookup_code)
    if code is None or not s or not t or not d or not sig or not _TIME.match(t):
        return None
    if len(s) > 32 or len(d) > 64 or len(sig) > 32:
        return None
    try:
        datetime.strptime(t, "%Y%m%d%H%M")
    except ValueError:
        return None
    return ReceiptLink(code, s, t, d, sig)


def verify(key: str, link: ReceiptLink) -> bool:
    expected = sign(key, link.lookup_code, link.station_id, link.received, link.dossier_code)
    return hmac.compare_digest(expected.encode(), link.sig.upper().encode("utf-8"))  # bytes: any text given
