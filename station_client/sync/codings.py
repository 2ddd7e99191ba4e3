"""Content codings of sync bodies, shared by the station and the province (docs/sync-protocol.md, "Compression").

zstd (the ``zstandard`` package) is preferred both ways, gzip is kept for older peers. A zstd body is decoded
with its output bounded (a small body must not become gigabytes in memory) and checked whole (a truncated frame
is corrupt, not a shorter body). Nothing here knows HTTP beyond the header values.
"""

from __future__ import annotations

import gzip
import io

import zstandard

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Station uploads. Measured on 500 new residents (309 KB of JSON) and 2,000 audit entries (2.1 MB): level 12 gives
# 37.8 KB / 331 KB in 31 / 176 ms, level 19 35.2 KB / 296 KB in 455 / 2,247 ms (gzip-9: 42.1 KB / 370 KB): past
# 12 each saved byte costs more CPU time than it saves at 256 kbit/s.
ZSTD_LEVEL = 12
MAX_WINDOW = 1 << 23  # 8 MiB: a frame asking for a larger window (more decoder memory) is refused


class CodingError(ValueError):
    """A compressed body that cannot be decoded."""


class TooLarge(CodingError):
    """The decoded body would pass the limit."""


def zstd_compress(raw: bytes, level: int = ZSTD_LEVEL) -> bytes:
    # The content size in the frame lets the peer size its buffer once; no checksum (TCP and TLS already check).
    return zstandard.ZstdCompressor(level=level, write_content_size=True).compress(raw)


def zstd_decompress(body: bytes, limit: int) -> bytes:
    """Decode a zstd body of one or more frames into at most ``limit`` bytes: ``TooLarge`` above it,
    ``CodingError`` for a corrupt or truncated body."""
    dctx = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
    try:
        # Bounded first: never more than limit + 1 bytes, whatever the frames claim.
        out = dctx.stream_reader(io.BytesIO(body), read_across_frames=True).read(limit + 1)
        if len(out) > limit:
            raise TooLarge(f"more than {limit} bytes")
        # Then whole: every frame must end (a truncated frame decodes to less without complaint above). The
        # output of this pass is the same bytes again, so it is bounded too.
        rest = body
        while rest:
            obj = dctx.decompressobj()
            obj.decompress(rest)
            if not obj.eof:
                raise CodingError("truncated zstd frame")
            rest = obj.unused_data
    except zstandard.ZstdError as exc:
        raise CodingError(str(exc)) from exc
    if not body:
        raise CodingError("empty zstd body")
    return out


def gzip_decompress(body: bytes, limit: int) -> bytes:
    import zlib

    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise CodingError(str(exc)) from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise TooLarge(f"more than {limit} bytes")
    if not inflater.eof:
        raise CodingError("truncated gzip stream")
    return out


def gzip_compress(raw: bytes, level: int = 9) -> bytes:
    return gzip.compress(raw, compresslevel=level, mtime=0)


def codings(header: str | None) -> dict[str, float]:
    """``Accept-Encoding`` (or a response's ``Accept-Encoding``: RFC 7694) as ``{coding: q}``, lower case."""
    out: dict[str, float] = {}
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        out[name] = q
    return out


def pick(header: str | None, offered: tuple[str, ...] = ("zstd", "gzip")) -> str | None:
    """The first of ``offered`` (in our order of preference) the header accepts with q > 0, else None."""
    accepted = codings(header)
    star = accepted.get("*", 0.0)
    for name in offered:
        if accepted.get(name, star) > 0:
            return name
    return None
