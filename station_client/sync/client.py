"""HTTP to the province: one ``requests.Session`` (connection reuse), explicit timeouts, compression (zstd once the
province says it decodes it, else gzip; answers in zstd or gzip), classified errors.

No retries here: the engine decides (a POST must only be retried by code that knows it is idempotent, which
ours is through change ids). Every failure leaves as one of the ``errors`` classes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from .. import __version__ as APP_VERSION
from . import codings
from .errors import (
    AuthError,
    BadRequest,
    CursorAhead,
    ForbiddenError,
    OfflineError,
    ProtocolError,
    SyncError,
    TooLarge,
    TransientError,
)

GZIP_ABOVE = 1024  # bodies below this go uncompressed (a no-op exchange)
ACCEPT_ENCODING = "zstd, gzip"
MAX_ANSWER = 256 * 1024 * 1024  # a decoded zstd answer above this is refused (a feed page is a few MB)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0  # between bytes, not for the whole body: a slow link still delivers a large page


@dataclass
class TrafficStats:
    requests: int = 0
    body_bytes_up: int = 0
    body_bytes_down: int = 0


def check_server_url(url: str) -> str:
    """HTTPS always; plain HTTP only to this machine (demo and tests). Returns the URL without a trailing /."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return url.rstrip("/")
    raise SyncError("Địa chỉ máy chủ tỉnh phải dùng https:// (http:// chỉ dùng cho máy này khi thử nghiệm).",
                    "The province server address must use https:// (http:// only for this machine, for testing).",
                    code="url.insecure")


class SyncClient:
    def __init__(self, base_url: str, token: str | None = None, *, ca_file: str | None = None,
                 timeouts: Timeouts | None = None, zstd_up: bool = False,
                 on_zstd_up: Callable[[bool], None] | None = None):
        """``zstd_up``: the province is known to decode zstd request bodies (it said so in an earlier answer,
        remembered by the caller); ``on_zstd_up`` is called, on the calling thread, when that knowledge changes:
        an answer's ``Accept-Encoding`` lists zstd, or a zstd body was refused with 415 (an older province)."""
        self.base_url = check_server_url(base_url)
        self.token = token
        self.timeouts = timeouts or Timeouts()
        self.zstd_up = zstd_up
        self.on_zstd_up = on_zstd_up
        self.verify: bool | str = ca_file or True
        self.stats = TrafficStats()
        self._lock = threading.Lock()
        self._session = self._new_session()

    def _new_session(self) -> requests.Session:
        s = requests.Session()
        s.headers["User-Agent"] = f"station-client/{APP_VERSION}"
        s.headers["Accept-Encoding"] = ACCEPT_ENCODING
        s.verify = self.verify
        s.trust_env = False  # a station's proxy variables must not silently reroute (or un-verify) sync
        return s

    def close(self) -> None:
        """Close the connections. Called from another thread (the watchdog), it aborts a request in flight."""
        with self._lock:
            session, self._session = self._session, self._new_session()
        session.close()

    # -------------------------------------------------------------------------------------------- calls
    def exchange(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/sync``: the whole cycle's unit of work."""
        return self._post("/v1/sync", body, auth=True)

    def exchange_stream(self, frames: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """``POST /v1/sync/stream``: several exchange bodies in one request, each compressed and sent as it is
        made (chunked), so the province applies one while the next is on the wire. ``frames`` may be iterated
        again (a retry sends the same bodies)."""
        if not self.token:
            raise AuthError("Trạm chưa có mã xác thực. Hãy đăng ký lại.", "The station has no token. Re-enroll.")
        headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {self.token}",
                   "Content-Encoding": "zstd" if self.zstd_up else "gzip"}
        lines = (json.dumps(f, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" for f in frames)
        resp, content = self._request("POST", "/v1/sync/stream", codings.encode_lines(lines, self.zstd_up), headers,
                                      (self.timeouts.connect, self.timeouts.read))
        return self._decode(resp, content)

    def digest_buckets(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/digest/buckets``: the province's current state of the records in some digest buckets."""
        return self._post("/v1/digest/buckets", body, auth=True)

    def enroll(self, code: str, device: str, nonce: str | None = None) -> dict[str, Any]:
        body = {"code": code, "device": device} | ({"nonce": nonce} if nonce else {})
        return self._post("/v1/enroll", body, auth=False)

    def rotate_token(self) -> dict[str, Any]:
        return self._post("/v1/token/rotate", {}, auth=True)

    def push_audit(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        """``POST /v1/audit``. A 409 about the chain (``audit.gap``: resend from ``last_seq``; ``audit.hash`` /
        ``audit.link`` / ``audit.rewritten``: refused) is an answer, returned with its ``code``, not raised."""
        try:
            return self._post("/v1/audit", {"entries": entries}, auth=True)
        except ProtocolError as exc:
            if str(exc.code).startswith("audit.") and isinstance(exc.details, dict):
                return dict(exc.details)
            raise

    def receipt_key(self) -> dict[str, Any]:
        """``GET /v1/receipt-key``: this station's receipt key, its fingerprint and the lookup base URL."""
        if not self.token:
            raise AuthError("Trạm chưa có mã xác thực. Hãy đăng ký lại.", "The station has no token. Re-enroll.")
        resp, content = self._request("GET", "/v1/receipt-key", None, {"Authorization": f"Bearer {self.token}"},
                                      (self.timeouts.connect, self.timeouts.read))
        return self._decode(resp, content)

    def whoami(self) -> dict[str, Any]:
        """``GET /v1/whoami``: the station this token is (using a rotated-in token retires the old one)."""
        if not self.token:
            raise AuthError("Trạm chưa có mã xác thực. Hãy đăng ký lại.", "The station has no token. Re-enroll.")
        resp, content = self._request("GET", "/v1/whoami", None, {"Authorization": f"Bearer {self.token}"},
                                      (self.timeouts.connect, self.timeouts.read))
        return self._decode(resp, content)

    def healthz(self, timeout: float = 3.0) -> dict[str, Any]:
        """A cheap probe: is the province reachable at all?"""
        resp, content = self._request("GET", "/healthz", None, {}, (min(timeout, self.timeouts.connect), timeout))
        return self._decode(resp, content)

    # -------------------------------------------------------------------------------------------- plumbing
    def _post(self, path: str, body: dict[str, Any], *, auth: bool) -> dict[str, Any]:
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if auth:
            if not self.token:
                raise AuthError("Trạm chưa có mã xác thực. Hãy đăng ký lại.", "The station has no token. Re-enroll.")
            headers["Authorization"] = f"Bearer {self.token}"
        timeout = (self.timeouts.connect, self.timeouts.read)
        zstd = self.zstd_up and len(raw) > GZIP_ABOVE
        resp, content = self._request("POST", path, self._encode(raw, headers, zstd), headers, timeout)
        if zstd and resp.status_code == 415:
            # An older province (or one rolled back) does not decode zstd: gzip from now on, and this body again.
            self._learn_zstd(False)
            resp, content = self._request("POST", path, self._encode(raw, headers, False), headers, timeout)
        return self._decode(resp, content)

    @staticmethod
    def _encode(raw: bytes, headers: dict[str, str], zstd: bool) -> bytes:
        if len(raw) <= GZIP_ABOVE:
            headers.pop("Content-Encoding", None)
            return raw
        headers["Content-Encoding"] = "zstd" if zstd else "gzip"
        return codings.zstd_compress(raw) if zstd else codings.gzip_compress(raw, 9)

    def _learn_zstd(self, accepted: bool) -> None:
        if accepted != self.zstd_up:
            self.zstd_up = accepted
            if self.on_zstd_up is not None:
                self.on_zstd_up(accepted)

    def _request(self, method: str, path: str, data: bytes | Iterator[bytes] | None, headers: dict[str, str],
                 timeout: tuple[float, float]) -> tuple[requests.Response, bytes]:
        """The answer and its body, decoded (urllib3 decodes gzip; zstd is decoded here). ``data`` may be an
        iterator of chunks (sent chunked, counted as they go)."""
        with self._lock:
            session = self._session
        self.stats.requests += 1
        if isinstance(data, bytes | None):
            self.stats.body_bytes_up += len(data or b"")
        else:
            data = self._counted(data)
        try:
            resp = session.request(method, self.base_url + path, data=data, headers=headers, timeout=timeout)
            content = resp.content  # read it all here, inside the try: a reset mid-body is a network error
        except requests.exceptions.SSLError as exc:
            raise SyncError(
                "Không xác minh được chứng chỉ của máy chủ tỉnh (sai chứng chỉ, hoặc đồng hồ máy sai ngày).",
                "The province server's certificate could not be verified (wrong certificate, or this "
                "computer's clock has the wrong date).", code="tls", details={"error": str(exc)}) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise OfflineError("Không kết nối được tới máy chủ tỉnh (hết thời gian chờ).",
                               "Could not reach the province server (connection timed out).") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise TransientError("Máy chủ tỉnh không trả lời kịp; sẽ thử lại.",
                                 "The province server did not answer in time; will retry.",
                                 code="timeout") from exc
        except requests.exceptions.ConnectionError as exc:
            if _is_connect_failure(exc):
                raise OfflineError("Không có kết nối tới máy chủ tỉnh. Dữ liệu đã được lưu và sẽ gửi khi có mạng.",
                                   "No connection to the province server. Changes are saved and will be sent "
                                   "when the link returns.") from exc
            raise TransientError("Kết nối tới máy chủ tỉnh bị ngắt giữa chừng; sẽ thử lại.",
                                 "The connection to the province server broke; will retry.",
                                 code="network") from exc
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise TransientError("Dữ liệu nhận từ máy chủ tỉnh bị cắt; sẽ thử lại.",
                                 "The answer from the province server was cut off; will retry.",
                                 code="network") from exc
        except requests.exceptions.RequestException as exc:
            raise TransientError("Lỗi mạng khi đồng bộ; sẽ thử lại.", "Network error while syncing; will retry.",
                                 code="network", details={"error": str(exc)}) from exc
        self.stats.body_bytes_down += len(content)
        if "zstd" in resp.headers.get("Content-Encoding", "").lower() and content.startswith(codings.ZSTD_MAGIC):
            # (urllib3 decodes zstd itself only with another package; JSON never starts with these bytes.)
            try:
                content = codings.zstd_decompress(content, MAX_ANSWER)
            except codings.CodingError as exc:
                raise TransientError("Dữ liệu nhận từ máy chủ tỉnh bị hỏng; sẽ thử lại.",
                                     "The answer from the province server was corrupt; will retry.",
                                     code="network", details={"error": str(exc)}) from exc
        if "zstd" in codings.codings(resp.headers.get("Accept-Encoding")):
            self._learn_zstd(True)  # RFC 7694: the province decodes zstd request bodies
        return resp, content

    def _counted(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.stats.body_bytes_up += len(chunk)
            if chunk:  # (an empty chunk would end a chunked body early)
                yield chunk

    @staticmethod
    def _decode(resp: requests.Response, content: bytes) -> dict[str, Any]:
        status = resp.status_code
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        if 200 <= status < 300:
            if not isinstance(body, dict):
                raise ProtocolError("Máy chủ tỉnh trả lời không đúng định dạng.",
                                    "The province server's answer is not in the expected format.")
            return body
        info = body if isinstance(body, dict) else {}
        code = str(info.get("code") or status)
        vi = str(info.get("vi") or "")
        en = str(info.get("en") or "")
        if status == 401:
            raise AuthError("Máy chủ tỉnh không chấp nhận mã của trạm (đã thu hồi hoặc thay). Hãy đăng ký lại trạm.",
                            "The province refused this station's token (revoked or replaced). Re-enroll the "
                            "station.", code=code, details=info)
        if status == 403:
            raise ForbiddenError(vi or "Không có quyền.", en or "Forbidden.", code=code, details=info)
        if status == 409 and code == "cursor.ahead":
            raise CursorAhead("Máy chủ tỉnh đã được khôi phục từ bản sao lưu; trạm sẽ gửi lại dữ liệu.",
                              "The province server was restored from a backup; the station will send its data "
                              "again.", code=code, details=info)
        if status == 413:
            raise TooLarge(vi or "Gói dữ liệu quá lớn.", en or "Request too large.", code=code, details=info)
        if status == 429:
            raise TransientError("Máy chủ tỉnh đang bận; sẽ thử lại sau.", "The province server is busy; will retry.",
                                 code="rate_limited", retry_after=_retry_after(resp), details=info)
        if status >= 500:
            raise TransientError(f"Máy chủ tỉnh gặp lỗi ({status}); sẽ thử lại.",
                                 f"The province server had an error ({status}); will retry.", code=f"http.{status}",
                                 retry_after=_retry_after(resp), details=info)
        if status in (400, 422):
            raise BadRequest(vi or f"Máy chủ tỉnh không đọc được yêu cầu ({code}).",
                             en or f"The province server could not read the request ({code}).", code=code,
                             details=info)
        if status in (404, 410) and resp.request.url and resp.request.url.endswith("/v1/enroll"):
            raise BadRequest(vi or "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn.",
                             en or "The enrollment code is wrong, used or expired.", code=code, details=info)
        raise ProtocolError(vi or f"Máy chủ tỉnh trả lời bất thường ({status}).",
                            en or f"Unexpected answer from the province server ({status}).", code=code,
                            details=info)


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _is_connect_failure(exc: requests.exceptions.ConnectionError) -> bool:
    """Whether the TCP connection never opened (link down) rather than broke mid-exchange."""
    text = repr(exc)
    return any(s in text for s in ("NewConnectionError", "Failed to establish", "Name or service not known",
                                   "Connection refused", "No route to host", "Network is unreachable",
                                   "nodename nor servname", "Temporary failure in name resolution"))
