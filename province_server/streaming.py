"""Reading ``POST /v1/sync/stream``: a compressed stream of ``/v1/sync`` bodies, one per line, applied one by one
as they arrive (docs/sync-protocol.md, "Streamed exchange").

The body middleware passes this path through unread (``middleware.STREAM_PATH``), so the bounds of an ordinary
body are kept here, as the stream flows: the bytes on the wire, each decoded line, the number of lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from station_client.sync import codings

from .errors import ApiError
from .middleware import MAX_BODY
from .models import SyncIn

MAX_FRAMES = 100  # lines per stream: 200,000 changes at the most
MAX_STREAM_RAW = 64 * 1024 * 1024  # compressed bytes on the wire


def _stop(code: str, vi: str, en: str, status: int, **details: Any) -> dict[str, Any]:
    return ApiError(status, code, vi, en, **details).body() | {"status": status}


async def read_frames(request: Request, take: Callable[[SyncIn], None]) -> dict[str, Any] | None:
    """Feed each line of the request's stream, read as ``SyncIn``, to ``take`` (off the event loop), in order.
    Returns None when every line was taken, else the refusal that stopped the stream (with its HTTP ``status``):
    the lines before it were taken, none after it."""
    coding = request.headers.get("content-encoding", "identity").strip().lower() or "identity"
    try:
        decoder = codings.LineDecoder(coding, MAX_BODY)
    except codings.CodingError:
        return _stop("body.encoding", "Kiểu nén không được hỗ trợ (chỉ zstd, gzip).",
                     "Unsupported Content-Encoding (only zstd or gzip).", 415)
    stopped: dict[str, Any] | None = None
    frames = 0
    size = 0

    async def apply(line: bytes) -> dict[str, Any] | None:
        nonlocal frames
        frames += 1
        if frames > MAX_FRAMES:
            return _stop("stream.too_long", f"Tối đa {MAX_FRAMES} phần mỗi luồng gửi.",
                         f"At most {MAX_FRAMES} parts per stream.", 413, limit=MAX_FRAMES)
        try:
            frame = SyncIn.model_validate_json(line)
        except ValidationError as exc:
            return _stop("body.invalid", "Một phần của luồng gửi không đọc được.",
                         "A part of the stream could not be read.", 422, frame=frames - 1,
                         errors=exc.errors(include_url=False, include_input=False, include_context=False)[:5])
        try:
            await run_in_threadpool(take, frame)
        except ApiError as err:
            return err.body() | {"status": err.status, "frame": frames - 1}
        return None

    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_STREAM_RAW:
                return _stop("body.too_large", "Luồng gửi quá lớn.", "The stream is too large.", 413,
                             limit=MAX_STREAM_RAW)
            if stopped is not None:
                continue  # read to the end (bounded above), so the station reads the answer, not a reset
            try:
                lines = decoder.feed(chunk)
            except codings.TooLarge:
                stopped = _stop("body.too_large", "Một phần của luồng gửi quá lớn.",
                                "A part of the stream is too large.", 413, limit=MAX_BODY)
                continue
            except codings.CodingError:
                stopped = _stop(f"body.{coding}", f"Dữ liệu nén {coding} bị hỏng.",
                                f"The {coding}-compressed body is corrupt.", 400)
                continue
            for line in lines:
                stopped = await apply(line)
                if stopped is not None:
                    break
    except ClientDisconnect:
        # The link broke mid-stream: the frames applied so far stay applied (the station sends them again and
        # hears "duplicate"); nobody is left to answer.
        return _stop("stream.cut", "Luồng gửi bị cắt giữa chừng.", "The stream was cut off.", 400)
    if stopped is None:
        try:
            for line in decoder.finish():
                stopped = await apply(line)
                if stopped is not None:
                    break
        except codings.CodingError:
            stopped = _stop(f"body.{coding}", "Luồng gửi bị cắt giữa chừng.", "The stream was cut off.", 400)
    return stopped
