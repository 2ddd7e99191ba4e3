"""Stations, enrollment, tokens and admin tokens. Tokens are stored only as SHA-256 hashes.

A bundle signature key is kept per station as ``sha256("bundle:" + token)``: the server cannot keep the token
itself, but the station can derive the same key from the token it holds.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import select as io_select
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError

from station_client.domain import receipt_link
from station_client.wire import bundle_key, sha256_hex

from . import schema
from .db import Database, utcnow
from .errors import ApiError, unauthorized
from .rows import fetch

ENROLL_DAYS = 7
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
LAST_SEEN_EVERY_S = 300  # last_seen is refreshed at most this often per station (a write per request is waste: at
# 3,321 stations syncing every 20 s, once a minute was still 55 writes a second; the console shows it to the minute)


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


def _retry_hash(code: str, nonce: str) -> str:
    """What ``enroll_hash`` holds after an enrollment with a nonce: the code and the device's nonce together, so
    only that device finds its station again (within the code's life) when the answer was lost."""
    return sha256_hex(f"enrolled:{code}:{nonce}")


def enroll(db: Database, code: str, device: str, nonce: str | None = None) -> tuple[Station, str]:
    """Exchange a one-time enrollment code for a long-lived token.

    ``nonce``: a random value the station made and kept before sending. If the answer is lost on the way, the
    station sends the same code with the same nonce again: within the code's life, and as long as the token it
    never received has not been used, it gets a fresh token for the same station (the server keeps only token
    hashes, so it cannot send the first one again; the first, unheld one stops working). Another nonce (another
    device) is refused as before: the code is used.
    """
    norm = normalize_code(code)
    st = schema.stations
    retried = False
    with db.write(feed=False) as conn:
        row = conn.execute(select(st).where(st.c.enroll_hash == sha256_hex(norm))).mappings().first()
        if row is None and nonce:
            row = conn.execute(select(st).where(st.c.enroll_hash == _retry_hash(norm, nonce))).mappings().first()
            retried = row is not None
        if row is None:
            raise ApiError(400, "enroll.unknown", "Mã đăng ký không đúng hoặc đã được dùng.",
                           "Unknown or already used enrollment code.")
        if row["status"] != ("active" if retried else "pending"):
            raise ApiError(410, "enroll.used", "Mã đăng ký đã được dùng hoặc trạm đã bị thu hồi.",
                           "This enrollment code was already used or the station was revoked.")
        if row["enroll_expires"] and row["enroll_expires"] < utcnow():
            raise ApiError(410, "enroll.expired", "Mã đăng ký đã hết hạn; xin cấp mã mới.",
                           "The enrollment code has expired; ask for a new one.")
        token = "st_" + secrets.token_urlsafe(32)
        now = utcnow()
        # The receipt key: a retried enrollment (a lost answer) keeps the one already issued.
        receipt_key = row["receipt_key"] or receipt_link.new_key()
        values: dict[str, Any] = {
            "status": "active", "token_hash": sha256_hex(token), "bundle_key": bundle_key(token),
            "next_token_hash": None, "next_bundle_key": None, "device": device[:200], "enrolled_at": now,
            "last_seen": now, "receipt_key": receipt_key}
        if nonce:
            # Kept until the token is first used (``authenticate``) or the code's life ends: the retry window.
            values["enroll_hash"] = _retry_hash(norm, nonce)
        else:
            values |= {"enroll_hash": None, "enroll_expires": None}
        n = conn.execute(st.update().where(st.c.id == row["id"], st.c.status == row["status"],
                                           st.c.enroll_hash == row["enroll_hash"]).values(**values)).rowcount
        if n != 1:  # a concurrent enrollment or revocation won
            raise ApiError(410, "enroll.used", "Mã đăng ký đã được dùng hoặc trạm đã bị thu hồi.",
                           "This enrollment code was already used or the station was revoked.")
    if retried:
        token_cache(db).bump()  # the unheld token stops working at once, in every worker
    return Station(row["id"], row["name"], row["commune_code"], row["province_code"], "active"), token


# --- receipt keys -------------------------------------------------------------------------------------------

LOOKUP_BASE_META = "lookup_base_url"  # meta row: the public lookup page's base URL printed on receipts


def receipt_key(db: Database, station_id: str) -> str | None:
    """The key an active station signs its receipts' lookup links with. A station enrolled before receipt keys
    existed is given one now (its next sync fetches it). None: no such active station."""
    st = schema.stations
    with db.read() as conn:
        row = conn.execute(select(st.c.receipt_key, st.c.status).where(st.c.id == station_id)).first()
    if row is None or row.status != "active":
        return None
    if row.receipt_key:
        return str(row.receipt_key)
    key = receipt_link.new_key()
    with db.write(feed=False) as conn:
        conn.execute(st.update().where(st.c.id == station_id, st.c.receipt_key.is_(None)).values(receipt_key=key))
        return str(conn.execute(select(st.c.receipt_key).where(st.c.id == station_id)).scalar_one())


def receipt_state(conn: Connection, station_id: str) -> tuple[str | None, str | None]:
    """(an active station's receipt key or None, the lookup base URL set or None) in one statement, read in the
    caller's transaction (the sync answer's read: no transaction of its own per request)."""
    st, m = schema.stations, schema.meta
    rows = fetch(conn, "receipt_state", lambda: select(
        st.c.receipt_key, select(m.c.value).where(m.c.key == LOOKUP_BASE_META).scalar_subquery()).where(
        st.c.id == bindparam("station"), st.c.status == "active"), {"station": station_id}, generic=True)
    if not rows:
        return None, None
    key, base = rows[0]
    return (str(key) if key else None), (str(base) if base else None)


def verification_key(db: Database, station_id: str) -> tuple[str, str] | None:
    """(receipt key, station name) to verify a receipt link of ``station_id`` with: any station that was ever
    enrolled (a revoked station's receipts were genuine when printed). None: unknown station or no key."""
    st = schema.stations
    with db.read() as conn:
        row = conn.execute(select(st.c.receipt_key, st.c.name).where(st.c.id == station_id)).first()
    if row is None or not row.receipt_key:
        return None
    return str(row.receipt_key), str(row.name)


def reissue_receipt_key(db: Database, station_id: str) -> bool:
    """Replace a station's receipt key (it leaked). Links printed under the old key stop verifying; the station
    fetches the new key at its next sync (the sync answer's ``receipt.key_id`` changes)."""
    st = schema.stations
    with db.write(feed=False) as conn:
        n = conn.execute(st.update().where(st.c.id == station_id, st.c.status == "active")
                         .values(receipt_key=receipt_link.new_key())).rowcount
    return n > 0


def lookup_base_url(db: Database, default: str) -> str:
    """The public lookup base URL the province publishes to its stations (``province-server lookup-url``, the
    console's reference page); ``default`` (the address the station reached this server at) when unset."""
    with db.read() as conn:
        value = db.get_meta(conn, LOOKUP_BASE_META)
    return (value or default).rstrip("/")


def set_lookup_base_url(db: Database, url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or " " in url or len(url) > 200:
        raise ValueError(url)
    with db.write(feed=False) as conn:
        db.set_meta(conn, LOOKUP_BASE_META, url)
    return url


# --- token lookups, cached ------------------------------------------------------------------------------

AUTH_TTL_ENV = "PROVINCE_SERVER_AUTH_TTL"
# Five minutes, as last_seen: a station's next cycles land on any of the server's workers, each with its own cache.
# At one minute, with 2 workers and a cycle every 20 s, about 4 requests in 10 missed and read the database
# (bench/server_load.py at 2,000 stations: p99 2.0 s at 60 s, 1.1 s at 300 s). Revocation and rotation do not
# wait for it: they empty every cache at once (the stamp file, NOTIFY).
AUTH_TTL_S = 300.0


@dataclass
class _Cached:
    station: Station
    current: bool  # the token is the station's token_hash (False: a rotated-in next token, not used yet)
    seen_at: float  # monotonic time of the last last_seen write this process made for it
    expires: float
    enrolling: bool = False  # the enrollment retry window is still open: the first use closes it


AUTH_CHANNEL = "province_server_auth"  # PostgreSQL NOTIFY channel: token state changed (any host)


class TokenCache:
    """Token hash -> station for a few seconds, so a sync cycle's requests (and the request gate, which needs
    the station id before reading a body) cost one database lookup instead of one each.

    Revocation and rotation must still take effect at once, also in the other worker processes of this server,
    after ``province-server station revoke`` run on the same host, and on every other host serving the same
    PostgreSQL database:
    - every change of a station's tokens replaces a stamp file named after the database (``bump``), and the cache
      empties itself when the stamp's inode or mtime changed (one ``stat`` per lookup, no database round trip):
      the processes of this host;
    - on PostgreSQL ``bump`` also sends ``NOTIFY province_server_auth``, and each serving process keeps one
      connection listening on it (a thread): a notification empties the cache, on any host. While that listener
      is not connected (starting, or the connection broke) the process caches nothing, so a notification it may
      have missed can never leave a revoked token in its cache; an entry read before a notification arrived is
      never stored after it (``generation``).
    """

    def __init__(self, db_url: str, ttl: float | None = None, db: Database | None = None) -> None:
        self.ttl = float(os.environ.get(AUTH_TTL_ENV, AUTH_TTL_S)) if ttl is None else ttl
        digest = hashlib.sha256(db_url.encode()).hexdigest()[:20]
        self.stamp = Path(tempfile.gettempdir()) / f"province-server-auth-{digest}.stamp"
        self._entries: dict[str, _Cached] = {}
        self._seen_stamp: tuple[int, int] | None = self._read_stamp()
        self._lock = threading.Lock()
        self._db = db if db is not None and db.backend == "postgresql" else None
        self._generation = 0
        self._listening = self._db is None  # SQLite: one host by nature, the stamp is enough
        self._listen_fd: int | None = None  # the listener's socket while it listens
        self._listener: threading.Thread | None = None

    def _read_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.stamp)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def bump(self) -> None:
        """Tell every process serving this database that token state changed (and forget it here)."""
        tmp = self.stamp.with_name(f"{self.stamp.name}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            tmp.write_text(secrets.token_hex(8))
            os.replace(tmp, self.stamp)  # a new inode: a change even within one mtime tick
        except OSError:
            tmp.unlink(missing_ok=True)
        if self._db is not None:
            from sqlalchemy import text

            with self._db.engine.connect() as conn:  # other hosts (and this one's listeners)
                conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": AUTH_CHANNEL})
                conn.commit()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def generation(self) -> int:
        """Read before a database lookup; ``put`` stores the result only if no change was heard since."""
        self._ensure_listener()
        with self._lock:
            return self._generation

    def get(self, token_hash: str) -> _Cached | None:
        if self.ttl <= 0:
            return None
        self._ensure_listener()
        stamp = self._read_stamp()
        with self._lock:
            if stamp != self._seen_stamp:
                self._entries.clear()
                self._generation += 1
                self._seen_stamp = stamp
            if not self._listening or self._notice_pending():
                return None
            entry = self._entries.get(token_hash)
            if entry is not None and entry.expires < time.monotonic():
                del self._entries[token_hash]
                return None
            return entry

    def put(self, token_hash: str, entry: _Cached, generation: int | None = None) -> None:
        if self.ttl > 0:
            with self._lock:
                if self._listening and (generation is None or generation == self._generation):
                    self._entries[token_hash] = entry

    # --- PostgreSQL: hear token changes made by any host ---------------------------------------------------
    def _notice_pending(self) -> bool:
        """Whether the listener's socket holds something its thread has not read yet (a notification that may be
        a revocation): then nothing is answered from the cache until it has. The thread is woken by the same
        data, but a request answered in the event loop can run before it gets the interpreter lock; without this
        check a revocation made on another host was, now and then, not yet seen by a request sent after it."""
        fd = self._listen_fd
        if fd is None:
            return False
        try:
            return bool(io_select.select([fd], [], [], 0)[0])
        except (OSError, ValueError):
            return True  # the socket is being replaced: cache nothing meanwhile

    def _ensure_listener(self) -> None:
        if self._db is None or self.ttl <= 0 or (self._listener is not None and self._listener.is_alive()):
            return
        with self._lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(target=self._listen, daemon=True, name="auth-listener")
                self._listener.start()

    def _listen(self) -> None:
        import psycopg

        assert self._db is not None
        dsn = self._db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {AUTH_CHANNEL}")
                    with self._lock:  # anything may have changed while nobody listened
                        self._entries.clear()
                        self._generation += 1
                        self._listening = True
                        self._listen_fd = conn.fileno()
                    while True:
                        for _note in conn.notifies(timeout=15):
                            self.clear()
                        conn.execute("SELECT 1")  # the connection is still there (else: not listening)
            except Exception:  # any failure: cache nothing until listening again
                with self._lock:
                    self._listening = False
                    self._listen_fd = None
                    self._entries.clear()
                    self._generation += 1
            time.sleep(1.0)


_caches: dict[str, TokenCache] = {}
_caches_lock = threading.Lock()


def token_cache(db: Database) -> TokenCache:
    with _caches_lock:
        cache = _caches.get(db.url)
        if cache is None:
            cache = _caches[db.url] = TokenCache(db.url, db=db)
        return cache


def identify(db: Database, token: str | None) -> Station | None:
    """The active station of a bearer token, or None; cached (see ``TokenCache``). No side effects: the
    request gate uses it to rate-limit and log by station before the body is read."""
    if not token or not token.startswith("st_"):
        return None
    entry = _lookup(db, sha256_hex(token))
    return entry.station if entry is not None else None


def identify_from_cache(db: Database, token: str | None) -> tuple[bool, Station | None]:
    """``identify`` when the answer needs no database: (True, its answer), or (False, None) on a cache miss (then
    call ``identify``, off the event loop). The request gate runs it for every request in the event loop: a
    thread hop per request was a few % of a sync's CPU (py-spy)."""
    if not token or not token.startswith("st_"):
        return True, None
    entry = token_cache(db).get(sha256_hex(token))
    return (True, entry.station) if entry is not None else (False, None)


def _lookup(db: Database, h: str) -> _Cached | None:
    cache = token_cache(db)
    entry = cache.get(h)
    if entry is not None:
        return entry
    generation = cache.generation()
    st = schema.stations
    with db.read() as conn:
        row = conn.execute(select(st.c.id, st.c.name, st.c.commune_code, st.c.province_code, st.c.status,
                                  st.c.last_seen, st.c.token_hash, st.c.next_token_hash, st.c.enroll_hash)
                           .where(or_(st.c.token_hash == h, st.c.next_token_hash == h))).mappings().first()
    if row is None or row["status"] != "active":
        return None
    enrolling = row["enroll_hash"] is not None
    stale = enrolling or row["last_seen"] is None or row["last_seen"] < _ago(LAST_SEEN_EVERY_S)
    now = time.monotonic()
    entry = _Cached(Station(row["id"], row["name"], row["commune_code"], row["province_code"], row["status"],
                            row["last_seen"]), current=row["token_hash"] == h,
                    seen_at=now - LAST_SEEN_EVERY_S if stale else now, expires=now + cache.ttl, enrolling=enrolling)
    cache.put(h, entry, generation)
    return entry


def authenticate(db: Database, token: str | None) -> Station:
    """The station of a bearer token, or 401. A rotated-in token retires the old one on first use."""
    if not token:
        raise unauthorized()
    h = sha256_hex(token)
    entry = _lookup(db, h)
    if entry is None:
        raise unauthorized()
    promote = not entry.current
    stale = time.monotonic() - entry.seen_at >= LAST_SEEN_EVERY_S
    if promote or stale:
        st = schema.stations
        with db.write(feed=False) as conn:
            values: dict[str, Any] = {"last_seen": utcnow()}
            if entry.enrolling:
                # The station holds its token (it just used it): no enrollment retry may replace it any more.
                values |= {"enroll_hash": None, "enroll_expires": None}
            if promote:
                values.update(token_hash=h, next_token_hash=None, bundle_key=st.c.next_bundle_key,
                              next_bundle_key=None)
                # Only if this token is still the station's next one: a revocation or another rotation since
                # the cached lookup wins.
                n = conn.execute(st.update().where(st.c.id == entry.station.id, st.c.next_token_hash == h,
                                                   st.c.status == "active").values(**values)).rowcount
                if n == 0:
                    token_cache(db).clear()
                    raise unauthorized()
            else:
                conn.execute(st.update().where(st.c.id == entry.station.id).values(**values))
        if promote:
            token_cache(db).bump()  # the old token stops working now, in every worker
        else:
            entry.seen_at = time.monotonic()
            entry.enrolling = False
    return entry.station


def authenticated_from_cache(db: Database, token: str | None) -> Station | None:
    """The station of a bearer token when answering needs no database at all (a cached, current token whose
    last-seen mark is fresh): the request is served without a thread of its own for ``authenticate``. None:
    call ``authenticate``."""
    if not token:
        return None
    entry = token_cache(db).get(sha256_hex(token))
    if entry is None or not entry.current or time.monotonic() - entry.seen_at >= LAST_SEEN_EVERY_S:
        return None
    return entry.station


def _ago(seconds: int) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rotate(db: Database, station: Station) -> str:
    """A new token for ``station``. The current one keeps working until the new one is first used (then it
    stops at once), so a rotation answer lost on the way never locks the station out; rotating again before
    that replaces the pending new token."""
    token = "st_" + secrets.token_urlsafe(32)
    st = schema.stations
    with db.write(feed=False) as conn:
        conn.execute(st.update().where(st.c.id == station.id).values(
            next_token_hash=sha256_hex(token), next_bundle_key=bundle_key(token)))
    token_cache(db).bump()  # a replaced pending token must not linger in a cache
    return token


def revoke(db: Database, station_id: str) -> bool:
    st = schema.stations
    with db.write(feed=False) as conn:
        n = conn.execute(st.update().where(st.c.id == station_id).values(
            status="revoked", revoked_at=utcnow(), token_hash=None, next_token_hash=None, enroll_hash=None)).rowcount
    token_cache(db).bump()  # revocation takes effect at once, in every worker of this host
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
