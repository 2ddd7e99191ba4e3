"""ASGI layers around the API: body limits and gzip request bodies, JSON request logs, last-resort errors.

Bodies are bounded before they are parsed: ``Content-Length`` first, then while reading, then while
decompressing (a 1 MB gzip bomb must not become 1 GB in memory). Request logs are one JSON object per line with
the station id, method, path, status and milliseconds — never bodies or query strings (personal data).
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .errors import error_body

MAX_RAW_BODY = 8 * 1024 * 1024
MAX_BODY = 8 * 1024 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("province_server.access")


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def _too_large(limit: int) -> dict[str, Any]:
    return error_body("body.too_large", f"Dữ liệu gửi lên quá lớn (tối đa {limit // 1048576} MiB); hãy chia nhỏ.",
                      f"Request body too large (at most {limit // 1048576} MiB); send smaller batches.",
                      limit=limit)


class BodyGuard:
    def __init__(self, app: ASGIApp, max_raw: int = MAX_RAW_BODY, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_raw = max_raw
        self.max_body = max_body

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
            entry = {"ts": round(time.time(), 3), "station": scope["state"].get("station_id"),
                     "method": scope.get("method"), "path": scope.get("path"), "status": state["status"],
                     "ms": round((time.perf_counter() - started) * 1000, 1)}
            access_log.info(json.dumps(entry))

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_json(send, 400, error_body("header.content_length", "Content-Length không hợp lệ.",
                                                       "Invalid Content-Length header."))
                return
            if declared > self.max_raw:
                await _send_json(send, 413, _too_large(self.max_raw))
                return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
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
            if size > self.max_raw:
                await _send_json(send, 413, _too_large(self.max_raw))
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding == b"gzip":
            try:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                body = inflater.decompress(body, self.max_body + 1)
                if len(body) > self.max_body or inflater.unconsumed_tail:
                    await _send_json(send, 413, _too_large(self.max_body))
                    return
                if not inflater.eof:
                    raise zlib.error("truncated")
            except zlib.error:
                await _send_json(send, 400, error_body("body.gzip", "Dữ liệu nén gzip bị hỏng.",
                                                       "The gzip-compressed body is corrupt."))
                return
            scope["headers"] = [(k, v) for k, v in scope["headers"]
                                if k.lower() not in (b"content-encoding", b"content-length")]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        elif encoding not in (b"identity", b""):
            await _send_json(send, 415, error_body("body.encoding", "Kiểu nén không được hỗ trợ (chỉ gzip).",
                                                   "Unsupported Content-Encoding (only gzip)."))
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    return f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
