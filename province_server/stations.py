"""Stations, enrollment, tokens and admin tokens. Tokens are stored only as SHA-256 hashes.

A bundle signature key is kept per station as ``sha256("bundle:" + token)``: the server cannot keep the token
itself, but the station can derive the same key from the token it holds.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.exc import IntegrityError

from . import schema
from .db import Database, utcnow
from .errors import ApiError, unauthorized

ENROLL_DAYS = 7
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
LAST_SEEN_EVERY_S = 60  # last_seen is refreshed at most this often per station (a write per request is waste)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def bundle_key_for(token: str) -> str:
    return sha256_hex("bundle:" + token)


def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    commune_code: str
    province_code: str
    status: str
    last_seen: str | None = None


def _commune(code: str) -> Any:
    from station_client.domain.units import commune

    return commune(code) if code.isdigit() and len(code) <= 5 else None


def add_station(db: Database, commune_code: str, name: str) -> tuple[Station, str]:
    """Register a station of a commune; returns it and its one-time enrollment code."""
    unit = _commune(commune_code)
    if unit is None:
        raise ApiError(400, "commune.unknown", f"Mã xã/phường không tồn tại: {commune_code}.",
                       f"Unknown commune code: {commune_code}.")
    name = name.strip() or unit.name
    for _ in range(20):
        code = new_enrollment_code()
        with db.write(feed=False) as conn:
            n = conn.execute(select(func.count()).select_from(schema.stations)
                             .where(schema.stations.c.commune_code == unit.code)).scalar_one()
            station_id = f"{unit.code}-{n + 1:02d}"
            expires = (datetime.now(UTC) + timedelta(days=ENROLL_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            try:
                with conn.begin_nested():
                    conn.execute(schema.stations.insert().values(
                        id=station_id, name=name, commune_code=unit.code, province_code=unit.province_code,
                        status="pending", enroll_hash=sha256_hex(normalize_code(code)), enroll_expires=expires,
                        created_at=utcnow()))
            except IntegrityError:
                continue
        return Station(station_id, name, unit.code, unit.province_code, "pending"), code
    raise RuntimeError("could not allocate a station id")


def enroll(db: Database, code: str, device: str) -> tuple[Station, str]:
    """Exchange a one-time enrollment code for a long-lived token."""
    h = sha256_hex(normalize_code(code))
    st = schema.stations
    with db.write(feed=False) as conn:
        row = conn.execute(select(st).where(st.c.enroll_hash == h)).mappings().first()
        if row is None:
            raise ApiError(400, "enroll.unknown", "Mã đăng ký không đúng hoặc đã được dùng.",
                           "Unknown or already used enrollment code.")
        if row["status"] != "pending":
            raise ApiError(410, "enroll.used", "Mã đăng ký đã được dùng hoặc trạm đã bị thu hồi.",
                           "This enrollment code was already used or the station was revoked.")
        if row["enroll_expires"] and row["enroll_expires"] < utcnow():
            raise ApiError(410, "enroll.expired", "Mã đăng ký đã hết hạn; xin cấp mã mới.",
                           "The enrollment code has expired; ask for a new one.")
        token = "st_" + secrets.token_urlsafe(32)
        now = utcnow()
        conn.execute(st.update().where(st.c.id == row["id"]).values(
            status="active", enroll_hash=None, enroll_expires=None, token_hash=sha256_hex(token),
            bundle_key=bundle_key_for(token), device=device[:200], enrolled_at=now, last_seen=now))
    return Station(row["id"], row["name"], row["commune_code"], row["province_code"], "active"), token


def authenticate(db: Database, token: str | None) -> Station:
    """The station of a bearer token, or 401. A rotated-in token retires the old one on first use."""
    if not token:
        raise unauthorized()
    h = sha256_hex(token)
    st = schema.stations
    with db.read() as conn:
        row = conn.execute(select(st.c.id, st.c.name, st.c.commune_code, st.c.province_code, st.c.status,
                                  st.c.last_seen, st.c.token_hash, st.c.next_token_hash)
                           .where(or_(st.c.token_hash == h, st.c.next_token_hash == h))).mappings().first()
    if row is None or row["status"] != "active":
        raise unauthorized()
    now = utcnow()
    promote = row["next_token_hash"] == h
    stale = row["last_seen"] is None or row["last_seen"] < _ago(LAST_SEEN_EVERY_S)
    if promote or stale:
        with db.write(feed=False) as conn:
            values: dict[str, Any] = {"last_seen": now}
            if promote:
                values.update(token_hash=h, next_token_hash=None, bundle_key=st.c.next_bundle_key,
                              next_bundle_key=None)
            conn.execute(st.update().where(st.c.id == row["id"]).values(**values))
    return Station(row["id"], row["name"], row["commune_code"], row["province_code"], row["status"], now)


def _ago(seconds: int) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rotate(db: Database, station: Station) -> str:
    token = "st_" + secrets.token_urlsafe(32)
    st = schema.stations
    with db.write(feed=False) as conn:
        conn.execute(st.update().where(st.c.id == station.id).values(
            next_token_hash=sha256_hex(token), next_bundle_key=bundle_key_for(token)))
    return token


def revoke(db: Database, station_id: str) -> bool:
    st = schema.stations
    with db.write(feed=False) as conn:
        n = conn.execute(st.update().where(st.c.id == station_id).values(
            status="revoked", revoked_at=utcnow(), token_hash=None, next_token_hash=None, enroll_hash=None)).rowcount
    return n > 0


def list_stations(db: Database) -> list[dict[str, Any]]:
    st = schema.stations
    with db.read() as conn:
        rows = conn.execute(select(st.c.id, st.c.name, st.c.commune_code, st.c.province_code, st.c.status,
                                   st.c.created_at, st.c.enrolled_at, st.c.last_seen, st.c.revoked_at)
                            .order_by(st.c.id)).mappings().all()
    return [dict(r) for r in rows]


def bundle_keys(conn: Connection, station_id: str) -> list[str]:
    st = schema.stations
    row = conn.execute(select(st.c.bundle_key, st.c.next_bundle_key, st.c.status)
                       .where(st.c.id == station_id)).first()
    if row is None or row.status != "active":
        return []
    return [k for k in (row.bundle_key, row.next_bundle_key) if k]


# --- admin tokens ----------------------------------------------------------------------------------------

def new_admin_token(db: Database, note: str = "") -> str:
    token = "adm_" + secrets.token_urlsafe(32)
    with db.write(feed=False) as conn:
        conn.execute(schema.admin_tokens.insert().values(token_hash=sha256_hex(token), created_at=utcnow(),
                                                         note=note[:200]))
    return token


def is_admin(db: Database, token: str | None) -> bool:
    if not token:
        return False
    with db.read() as conn:
        return conn.execute(select(schema.admin_tokens.c.token_hash)
                            .where(schema.admin_tokens.c.token_hash == sha256_hex(token))).first() is not None
