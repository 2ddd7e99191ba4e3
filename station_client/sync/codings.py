"""Content codings of sync bodies, shared by the station and the province (docs/sync-protocol.md, "Compression").

zstd (the ``zstandard`` package) is preferred both ways, gzip is kept for older peers. A zstd body is decoded
with its output bounded (a small body must not become gigabytes in memory) and checked whole (a truncated frame
is corrupt, not a shorter body). Nothing here knows HTTP beyond the header values.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable, Iterator

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
        out = _read_bounded(dctx.stream_reader(io.BytesIO(body), read_across_frames=True), limit + 1)
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


_READ_CHUNK = 1 << 17


def _read_bounded(reader: zstandard.ZstdDecompressionReader, most: int) -> bytes:
    """At most ``most`` bytes from ``reader``, read in chunks: one ``read(most)`` sets aside a buffer of ``most``
    bytes at once (8 MB for a request at the province, 256 MB for an answer at the station), which cost a 6 KB
    sync body 40 of its 90 us to decode (measured)."""
    parts: list[bytes] = []
    got = 0
    while got < most:
        part = reader.read(min(_READ_CHUNK, most - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


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


# --- streamed bodies (POST /v1/sync/stream: one JSON object per line) ---------------------------------------------

def encode_lines(lines: Iterable[bytes], zstd: bool) -> Iterator[bytes]:
    """Compress NDJSON lines as one stream, flushed at the end of every line, so the peer can act on each line
    as soon as it arrives while the compressor keeps its window across lines (later lines still refer back to
    earlier ones). zstd (``Content-Encoding: zstd``) or gzip."""
    if zstd:
        comp = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj()
        for line in lines:
            yield comp.compress(line) + comp.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        yield comp.flush()
        return
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for line in lines:
        yield deflate.compress(line) + deflate.flush(zlib.Z_SYNC_FLUSH)
    yield deflate.flush()


class LineDecoder:
    """The province's side of ``encode_lines``: compressed chunks in, complete lines out, each line bounded
    (``line_limit`` decoded bytes: a line that grows past it is ``TooLarge`` before it is held whole in memory).
    ``finish`` checks that the stream ended (a truncated stream is corrupt, not shorter)."""

    def __init__(self, coding: str, line_limit: int) -> None:
        self.coding = coding
        self.line_limit = line_limit
        self.pending = b""
        self._zstd = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW).decompressobj() \
            if coding == "zstd" else None
        self._gzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if coding == "gzip" else None
        if coding not in ("zstd", "gzip", "identity"):
            raise CodingError(f"unsupported coding {coding}")

    def feed(self, chunk: bytes) -> list[bytes]:
        lines: list[bytes] = []
        try:
            if self._zstd is not None:
                # zstd has no output bound per call: fed a kilobyte at a time, one call yields at most about 32 MB
                # (RLE blocks), checked against the line limit before the next.
                for start in range(0, len(chunk), 1024):
                    lines += self._take(self._zstd.decompress(chunk[start:start + 1024]))
            elif self._gzip is not None:
                data = self._gzip.decompress(chunk, self.line_limit + 1)
                lines += self._take(data)
                while self._gzip.unconsumed_tail:
                    lines += self._take(self._gzip.decompress(self._gzip.unconsumed_tail, self.line_limit + 1))
            else:
                lines += self._take(chunk)
        except (zstandard.ZstdError, zlib.error) as exc:
            raise CodingError(str(exc)) from exc
        return lines

    def _take(self, data: bytes) -> list[bytes]:
        if b"\n" not in data:
            self.pending += data
            lines: list[bytes] = []
        else:
            *lines, rest = (self.pending + data).split(b"\n")
            self.pending = rest
        if len(self.pending) > self.line_limit or any(len(line) > self.line_limit for line in lines):
            raise TooLarge(f"more than {self.line_limit} bytes in a line")
        return [line for line in lines if line.strip()]

    def finish(self) -> list[bytes]:
        ended = (self._zstd is None or self._zstd.eof) and (self._gzip is None or self._gzip.eof)
        if not ended:
            raise CodingError("truncated stream")
        rest, self.pending = self.pending, b""
        return [rest] if rest.strip() else []
