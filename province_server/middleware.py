"""ASGI layers around the API: the station gate (who, how often), body limits and compressed request bodies (zstd,
gzip), compressed responses, JSON request logs, last-resort errors.

A station request is identified from its bearer token (a cached lookup, ``stations.identify``) and rate-limited
per station before anything else is read, so a flood costs no body reads. Bodies are bounded before they are
parsed: ``Content-Length`` first, then while reading (a chunked body is counted as it streams), then while
decompressing (a 1 MB gzip or zstd bomb must not become 1 GB in memory). Request logs are one JSON object per
line with the station id, method, path, status, milliseconds and the worker's process id, plus the refusal
``code`` of a refused request — never bodies, field names or values, or query strings (personal data). Refusals
are logged at WARNING, so they are kept even when per-request lines are turned off (``--quiet``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from station_client.sync import codings

from .errors import error_body
from .ratelimit import RateLimiter, retry_after_header

# Request bodies the server decodes, as it says in its responses' ``Accept-Encoding`` (RFC 7694).
ACCEPTED_CODINGS = b"zstd, gzip"
MAX_RAW_BODY = 8 * 1024 * 1024
MAX_BODY = 8 * 1024 * 1024
# Read by its endpoint as it streams (province_server/streaming.py keeps the bounds): never buffered here.
STREAM_PATH = "/v1/sync/stream"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("province_server.access")


async def _send_json(send: Send, status: int, body: dict[str, Any],
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


def _refuse(scope: Scope, code: str) -> None:
    """Note why a request was refused, for its log line (the app's error handlers do the same)."""
    scope["state"]["refusal"] = code


def _bearer(headers: dict[bytes, bytes]) -> str | None:
    value = headers.get(b"authorization", b"").decode("latin-1").strip()
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _too_large(limit: int) -> dict[str, Any]:
    return error_body("body.too_large", f"Dữ liệu gửi lên quá lớn (tối đa {limit // 1048576} MiB); hãy chia nhỏ.",
                      f"Request body too large (at most {limit // 1048576} MiB); send smaller batches.",
                      limit=limit)


class BodyGuard:
    def __init__(self, app: ASGIApp, max_raw: int = MAX_RAW_BODY, max_body: int = MAX_BODY,
                 identify: Callable[[str], str | None] | None = None, limiter: RateLimiter | None = None,
                 enroll_limiter: RateLimiter | None = None,
                 identify_from_cache: Callable[[str], tuple[bool, str | None]] | None = None) -> None:
        self.app = app
        self.max_raw = max_raw
        self.max_body = max_body
        self.identify = identify  # bearer token -> station id (None: not an active station's token)
        # The same answer when it needs no database ((False, None): it does), in the event loop.
        self.identify_from_cache = identify_from_cache
        self.limiter = limiter
        self.enroll_limiter = enroll_limiter  # refused enrollments per client address (ratelimit.py)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 0}
        scope.setdefault("state", {})

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            await send(message)

        try:
            await self._handle(scope, receive, send_wrapper)
        except Exception as exc:  # the last resort: never a traceback to the client
            print(json.dumps({"event": "error", "path": scope.get("path"), "error": type(exc).__name__,
                              "where": _where(exc)}), file=sys.stderr, flush=True)
            if not state["status"]:
                await _send_json(send_wrapper, 500, error_body(
                    "server.error", "Lỗi máy chủ; thử lại sau.", "Server error; try again later."))
        finally:
            refused = state["status"] >= 400 or not state["status"]
            level = logging.WARNING if refused else logging.INFO
            if access_log.isEnabledFor(level):  # (``--quiet``: no line made only to be dropped)
                entry: dict[str, Any] = {
                    "ts": round(time.time(), 3), "station": scope["state"].get("station_id"),
                    "method": scope.get("method"), "path": scope.get("path"), "status": state["status"],
                    "ms": round((time.perf_counter() - started) * 1000, 1), "pid": os.getpid()}
                if refused:
                    entry["code"] = scope["state"].get("refusal") or (f"http.{state['status']}" if state["status"]
                                                                      else "disconnected")
                access_log.log(level, json.dumps(entry))

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.enroll_limiter is not None and self.enroll_limiter.enabled and scope.get("path") == "/v1/enroll":
            await self._enroll(scope, receive, send, self.enroll_limiter)
            return
        await self._gate(scope, receive, send)

    async def _enroll(self, scope: Scope, receive: Receive, send: Send, limiter: RateLimiter) -> None:
        """Enrollment codes are guessed from a client address, not a station: its refused attempts are counted
        (a bucket per address) and, once spent, answered 429 before anything is read or looked up."""
        address = str((scope.get("client") or ("unknown",))[0])
        wait = limiter.peek(address)
        if wait > 0:
            _refuse(scope, "rate_limited")
            retry = retry_after_header(wait)
            await _send_json(send, 429, error_body(
                "rate_limited", f"Quá nhiều lần đăng ký sai từ địa chỉ này; thử lại sau {retry} giây.",
                f"Too many refused enrollment attempts from this address; retry after {retry} s.",
                retry_after=int(retry)), headers=[(b"retry-after", retry.encode())])
            return
        status = 0

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self._gate(scope, receive, capture)
        if 400 <= status < 500 and status != 429:
            limiter.take(address)

    async def _gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        token = _bearer(headers)
        if token is not None and self.identify is not None:
            # A cache hit is a dict lookup, answered here; a miss reads the database, off the event loop.
            known, station_id = self.identify_from_cache(token) if self.identify_from_cache else (False, None)
            if not known:
                station_id = await run_in_threadpool(self.identify, token)
            if station_id is not None:
                scope["state"]["station_id"] = station_id
                wait = self.limiter.take(station_id) if self.limiter is not None else 0.0
                if wait > 0:
                    _refuse(scope, "rate_limited")
                    retry = retry_after_header(wait)
                    await _send_json(send, 429, error_body(
                        "rate_limited", f"Trạm gửi quá nhiều yêu cầu; thử lại sau {retry} giây.",
                        f"Too many requests from this station; retry after {retry} s.", retry_after=int(retry)),
                        headers=[(b"retry-after", retry.encode())])
                    return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                _refuse(scope, "header.content_length")
                await _send_json(send, 400, error_body("header.content_length", "Content-Length không hợp lệ.",
                                                       "Invalid Content-Length header."))
                return
            if declared > self.max_raw:
                _refuse(scope, "body.too_large")
                await _send_json(send, 413, _too_large(self.max_raw))
                return
        if scope.get("method") not in ("POST", "PUT", "PATCH") or scope.get("path") == STREAM_PATH:
            if scope.get("path") == STREAM_PATH:
                coding = headers.get(b"content-encoding", b"identity").strip().lower().decode("latin-1")
                scope["state"]["body_coding"] = coding  # (Compress: a zstd sender needs no word about zstd)
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_raw:  # a chunked (or lying) body: refused as soon as it passes the limit
                _refuse(scope, "body.too_large")
                await _send_json(send, 413, _too_large(self.max_raw))
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding in (b"gzip", b"zstd"):
            name = encoding.decode()
            try:
                decode = codings.zstd_decompress if name == "zstd" else codings.gzip_decompress
                body = await run_in_threadpool(decode, body, self.max_body) if len(body) > 65536 \
                    else decode(body, self.max_body)
            except codings.TooLarge:
                _refuse(scope, "body.too_large")
                await _send_json(send, 413, _too_large(self.max_body))
                return
            except codings.CodingError:
                code = f"body.{name}"
                _refuse(scope, code)
                await _send_json(send, 400, error_body(code, f"Dữ liệu nén {name} bị hỏng.",
                                                       f"The {name}-compressed body is corrupt."))
                return
            scope["headers"] = [(k, v) for k, v in scope["headers"]
                                if k.lower() not in (b"content-encoding", b"content-length")]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
            scope["state"]["body_coding"] = name  # (Compress: a zstd sender needs no word about zstd)
        elif encoding not in (b"identity", b""):
            _refuse(scope, "body.encoding")
            await _send_json(send, 415, error_body("body.encoding", "Kiểu nén không được hỗ trợ (chỉ zstd, gzip).",
                                                   "Unsupported Content-Encoding (only zstd or gzip)."),
                             headers=[(b"accept-encoding", ACCEPTED_CODINGS)])
            return
        await self.app(scope, replay_body(body, receive), send)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """``receive`` with a body already read given first, whole."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


class Compress:
    """Response bodies in the coding the client prefers among ours: zstd, then gzip (``Accept-Encoding``), at
    ``minimum_size`` bytes and above; ``Vary: Accept-Encoding`` on every answer. A client that lists zstd is told
    which codings the server decodes in requests (``Accept-Encoding: zstd, gzip``, RFC 7694) in every answer to a
    request it did not send in zstd, so it may compress its next bodies with zstd; a 415 says it to every client.
    Our answers are whole JSON bodies: a body sent in parts is collected first (none of ours is a stream)."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024, zstd_level: int = 6, gzip_level: int = 9) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.zstd_level = zstd_level
        self.gzip_level = gzip_level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = ""
        for key, value in scope.get("headers", []):
            if key.lower() == b"accept-encoding":
                accept = value.decode("latin-1")
        coding = codings.pick(accept)
        # A client that lists zstd but did not send this body in zstd is told it may (a zstd sender knows).
        advertise = "zstd" in codings.codings(accept) and scope.get("state", {}).get("body_coding") != "zstd"
        start: Message | None = None
        parts: list[bytes] = []

        async def compress(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(parts)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"vary"]
            names = {k.lower() for k, _ in headers}
            vary = [v for k, v in start.get("headers", []) if k.lower() == b"vary"]
            headers.append((b"vary", b", ".join([*vary, b"Accept-Encoding"]) if vary else b"Accept-Encoding"))
            if advertise and b"accept-encoding" not in names:
                headers.append((b"accept-encoding", ACCEPTED_CODINGS))
            if coding is not None and len(body) >= self.minimum_size and b"content-encoding" not in names:
                if coding == "zstd":
                    body = codings.zstd_compress(body, self.zstd_level)
                else:
                    body = codings.gzip_compress(body, self.gzip_level)
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers += [(b"content-encoding", coding.encode()), (b"content-length", str(len(body)).encode())]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, compress)
        if start is not None and not parts:  # an answer without a body message (never ours): pass its head on
            await send(start)


class MethodGuard:
    """HTTP methods at the API's edge: ``OPTIONS`` on a known path is answered 204 with the complete ``Allow``
    (every method of every route on that path, and OPTIONS), and a 405 carries the same complete ``Allow`` —
    the router alone lists only the methods of the first route that matched the path. ``allowed(scope)`` gives
    the methods of the routes matching the request's path (empty: no such path, answered 404 by the app)."""

    def __init__(self, app: ASGIApp, allowed: Callable[[Scope], set[str]]) -> None:
        self.app = app
        self.allowed = allowed

    def _allow(self, scope: Scope) -> set[str]:
        methods = self.allowed(scope)
        return methods | {"OPTIONS"} if methods else set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "OPTIONS":
            allow = self._allow(scope)
            if allow:
                await send({"type": "http.response.start", "status": 204,
                            "headers": [(b"allow", ", ".join(sorted(allow)).encode()), (b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
                return

        async def complete_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = self._allow(scope)
                if allow:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message = {**message, "headers": [*headers, (b"allow", ", ".join(sorted(allow)).encode())]}
            await send(message)

        await self.app(scope, receive, complete_allow)


def _where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    return f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
