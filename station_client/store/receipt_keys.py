"""The station's receipt key and the province's lookup base URL, kept in the store (``sync_state``).

The province issues the key at enrollment (or, for a station enrolled earlier, hands it out at the next sync:
``GET /v1/receipt-key`` when the sync answer's ``receipt.key_id`` differs from ours) and publishes the base URL of
its public lookup page in every sync answer. Printing reads both to sign the receipt's QR link offline
(``domain.receipt_link``). On an encrypted station the store is encrypted under the data key, so the key is
readable only while an officer's login holds it, like the sealed token; it never goes into the outbox or the
audit. Unlike the token it is not rotated: receipts printed before a token rotation stay valid.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..domain import receipt_link
from .store import Store

KEY = "receipt.key"
KEY_ID = "receipt.key_id"
BASE_URL = "receipt.lookup_base_url"
STATION_ID = "station.station_id"  # written by sync.enroll


def _get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row and row[0] else None


def state_values(answer: dict[str, Any]) -> dict[str, str | None]:
    """The ``sync_state`` values an enrollment (or ``/v1/receipt-key``) answer sets: nothing it does not carry."""
    out: dict[str, str | None] = {}
    key = answer.get("receipt_key")
    if isinstance(key, str) and key:
        out |= {KEY: key, KEY_ID: receipt_link.key_id(key)}
    base = answer.get("lookup_base_url")
    if isinstance(base, str) and base.startswith(("https://", "http://")):
        out[BASE_URL] = base.rstrip("/")
    return out


def key_id(conn: sqlite3.Connection) -> str | None:
    return _get(conn, KEY_ID)


def base_url(conn: sqlite3.Connection) -> str | None:
    return _get(conn, BASE_URL)


def lookup_url(conn: sqlite3.Connection, dossier: dict[str, Any]) -> str | None:
    """The signed lookup link for a dossier's receipt, or None: the station has no receipt key or base URL yet
    (never synced since receipt keys exist), or the dossier has no lookup code or receipt time. Pure of the
    network: made offline at print time."""
    key, base, station_id = _get(conn, KEY), _get(conn, BASE_URL), _get(conn, STATION_ID)
    if not (key and base and station_id and dossier.get("lookup_code") and dossier.get("received_at")
            and dossier.get("code")):
        return None
    try:
        return receipt_link.make_url(base, key, station_id=station_id, lookup_code=str(dossier["lookup_code"]),
                                     received_at=str(dossier["received_at"]), dossier_code=str(dossier["code"]))
    except ValueError:
        return None


def save(store: Store, values: dict[str, str | None]) -> None:
    from . import sync_ops

    if values:
        sync_ops.set_state(store, values)
