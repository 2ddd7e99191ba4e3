"""Enrollment (the province's one-time code for a station token) and building an engine for an enrolled station.

The station's identity (server address, station id, commune) lives in ``sync_state``; the token lives in the
OS keyring or a 0600 file (``credentials``). A province CA file given at enrollment is copied into the data
folder, so sync keeps verifying TLS against it after the USB stick is gone.
"""

from __future__ import annotations

import hashlib
import json
import platform
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..store import Store, receipt_keys
from ..store import sync_ops as ops
from .client import SyncClient, Timeouts, check_server_url
from .credentials import TokenStore
from .engine import EngineConfig, SyncEngine
from .errors import NotEnrolled, SyncError, TransientError

CA_FILE = "province-ca.pem"
_KEYS = ("server_url", "station_id", "station_name", "commune_code", "commune_name", "province_code", "ca_file")
ENROLL_NONCE = "enroll.nonce"  # sync_state: JSON {"for": hash of server + code, "nonce"} until enrolled
ENROLL_TRIES = 3  # a lost answer is retried at once with the same nonce (the province gives the token again)
ENROLL_RETRY_S = 1.0
ZSTD_UP = "server.zstd_up"  # sync_state: "1" once the province said it decodes zstd request bodies


@dataclass(frozen=True)
class StationIdentity:
    server_url: str
    station_id: str
    station_name: str = ""
    commune_code: str = ""
    commune_name: str = ""
    province_code: str = ""
    ca_file: str | None = None


def data_dir_of(store: Store) -> Path:
    return Path(store.path).parent


def load_identity(store: Store) -> StationIdentity | None:
    values = {k: ops.get_state(store, f"station.{k}") for k in _KEYS}
    if not values["server_url"] or not values["station_id"]:
        return None
    return StationIdentity(**{k: (v or "") for k, v in values.items() if k != "ca_file"},
                           ca_file=values["ca_file"] or None)


def enroll(store: Store, server_url: str, code: str, *, ca_file: str | Path | None = None,
           device: str | None = None, timeouts: Timeouts | None = None) -> StationIdentity:
    """Exchange ``code`` for this station's token and remember who the station is."""
    server_url = check_server_url(server_url)
    data_dir = data_dir_of(store)
    stored_ca: str | None = None
    if ca_file:
        src = Path(ca_file)
        if not src.is_file():
            raise SyncError(f"Không tìm thấy tệp chứng chỉ {src}.", f"CA file not found: {src}.", code="ca.missing")
        stored_ca = str(data_dir / CA_FILE)
        if src.resolve() != Path(stored_ca).resolve():
            shutil.copyfile(src, stored_ca)
    nonce = enrollment_nonce(store, server_url, code)
    client = SyncClient(server_url, ca_file=stored_ca, timeouts=timeouts or Timeouts(connect=10, read=30))
    try:
        for attempt in range(ENROLL_TRIES):
            try:
                answer = client.enroll(code.strip(), device or f"{platform.node()} ({platform.system()})", nonce)
                break
            except TransientError:
                # The answer may have been lost after the province enrolled us: the same code and nonce again
                # get this station's token (a fresh one). An officer's later retry does the same.
                if attempt + 1 == ENROLL_TRIES:
                    raise
                time.sleep(ENROLL_RETRY_S * (attempt + 1))
    finally:
        client.close()
    try:
        token = str(answer["token"])
        identity = StationIdentity(server_url=server_url, station_id=str(answer["station_id"]),
                                   station_name=str(answer.get("station_name") or ""),
                                   commune_code=str(answer.get("commune_code") or ""),
                                   commune_name=str(answer.get("commune_name") or ""),
                                   province_code=str(answer.get("province_code") or ""), ca_file=stored_ca)
    except KeyError as exc:
        raise SyncError("Máy chủ tỉnh trả lời đăng ký thiếu thông tin.", "The enrollment answer is incomplete.",
                        code="protocol") from exc
    TokenStore(data_dir).save(token)
    previous = load_identity(store)
    values: dict[str, str | None] = {f"station.{k}": getattr(identity, k) for k in _KEYS}
    values[ENROLL_NONCE] = None  # enrolled: the retry window is not needed any more
    if previous is None or previous.station_id != identity.station_id or previous.server_url != server_url:
        # Another station identity (or server): what this file knew of the old one's history means nothing.
        values |= {ops.EPOCH: str(answer.get("epoch")) if answer.get("epoch") else None, ops.CURSOR: None,
                   ops.RESYNC: None, ops.LAST_ERROR: None, ops.AUDIT_PUSHED: None, ops.AUDIT_REFUSED: None}
        # nor does the old identity's receipt key or lookup address (the answer's, if any, follow)
        values |= {receipt_keys.KEY: None, receipt_keys.KEY_ID: None, receipt_keys.BASE_URL: None}
    values |= receipt_keys.state_values(answer)  # the receipt key and lookup base URL (docs/sync-protocol.md)
    ops.set_state(store, values)
    return identity


def _code_key(server_url: str, code: str) -> str:
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())  # as the province compares codes
    return hashlib.sha256(f"{server_url}\n{normalized}".encode()).hexdigest()


def enrollment_nonce(store: Store, server_url: str, code: str) -> str:
    """The random nonce sent with ``code``: the one kept for this server and code, else a new one — saved before
    it is sent, so a retry after a lost answer (even after a crash or a restart) sends the same one."""
    key = _code_key(server_url, code)
    saved = ops.get_state(store, ENROLL_NONCE)
    if saved:
        try:
            info = json.loads(saved)
        except ValueError:
            info = {}
        if isinstance(info, dict) and info.get("for") == key and isinstance(info.get("nonce"), str):
            return str(info["nonce"])
    nonce = secrets.token_urlsafe(24)
    ops.set_state(store, {ENROLL_NONCE: json.dumps({"for": key, "nonce": nonce})})
    return nonce


SERVER_URL_SETTING = "sync.server_url"  # the head's setting (settings_schema.py; head-only, domain/permissions.py)


def connect_identity(store: Store) -> StationIdentity | None:
    """The identity sync connects with: the enrolled one, at the address the station head set in the settings
    (``sync.server_url``: the province moved its server) when there is one, else the enrollment's."""
    identity = load_identity(store)
    configured = (store.get_setting(SERVER_URL_SETTING) or "").strip()
    if identity is None or not configured or configured == identity.server_url:
        return identity
    return StationIdentity(**{**identity.__dict__, "server_url": configured})


def build_engine(store: Store, *, config: EngineConfig | None = None, timeouts: Timeouts | None = None,
                 cancel: threading.Event | None = None,
                 on_progress: Callable[[], None] | None = None) -> SyncEngine:
    """An engine for this store's enrolled station, at the configured address. Raises ``NotEnrolled``."""
    identity = connect_identity(store)
    token = TokenStore(data_dir_of(store)).load() if identity else None
    if identity is None or not token:
        raise NotEnrolled()
    # Whether the province decodes zstd request bodies, as its answers said (docs/sync-protocol.md,
    # "Compression"): remembered, so even a cycle's first body goes out in zstd.
    client = SyncClient(identity.server_url, token, ca_file=identity.ca_file, timeouts=timeouts,
                        zstd_up=ops.get_state(store, ZSTD_UP) == "1",
                        on_zstd_up=lambda ok: ops.set_state(store, {ZSTD_UP: "1" if ok else None}))
    return SyncEngine(store, client, config, cancel=cancel, server_url=identity.server_url, on_progress=on_progress)


def rotate_token(store: Store, *, timeouts: Timeouts | None = None) -> StationIdentity:
    """Get a new station token from the province and keep it instead of the old one.

    Order matters for a crash or a lost answer at any point: the province keeps the old token working until the
    new one is first used, the new one is saved (one atomic keyring entry or file replace) before it is used,
    and then used once (``whoami``) so the province retires the old one at once. Lost before the save: the old
    token still works (rotate again). Lost after: the next request with the saved token finishes the rotation.
    An offline bundle exported before the rotation is signed with the old token: import it at the province
    before rotating (the province refuses it afterwards).
    """
    identity, token = station_token(store)
    client = SyncClient(identity.server_url, token, ca_file=identity.ca_file,
                        timeouts=timeouts or Timeouts(connect=10, read=30))
    try:
        answer = client.rotate_token()
        new_token = answer.get("token")
        if not isinstance(new_token, str) or not new_token:
            raise SyncError("Máy chủ tỉnh trả lời đổi mã thiếu thông tin.", "The rotation answer has no token.",
                            code="protocol")
        TokenStore(data_dir_of(store)).save(new_token)
        client.token = new_token
        client.whoami()
    finally:
        client.close()
    return identity


def station_token(store: Store) -> tuple[StationIdentity, str]:
    identity = connect_identity(store)
    token = TokenStore(data_dir_of(store)).load() if identity else None
    if identity is None or not token:
        raise NotEnrolled()
    return identity, token
