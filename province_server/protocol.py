"""uvicorn's HTTP protocol with TCP_NODELAY always set, on httptools where it is installed.

With several workers uvicorn hands each one a listening socket rebuilt from a file descriptor whose ``proto``
is 0, so asyncio does not recognise it as TCP and skips TCP_NODELAY on accepted connections. Nagle's algorithm
and the client's delayed ACK then add ~40 ms to every response on a kept-alive connection (measured: 20 ms →
60 ms per sync). Setting the option ourselves removes that.

httptools (a C parser, what ``uvicorn[standard]`` installs) parses a request for a fraction of h11's CPU, which is
pure Python; h11 stays the fallback where httptools has no wheel.
"""

from __future__ import annotations

import asyncio
import socket
from contextlib import suppress
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


def _no_delay(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # no httptools: h11 only
    _HTTPTOOLS = False
else:
    _HTTPTOOLS = True

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)


def http_protocol() -> type[Any]:
    """The protocol class the server runs: httptools' if it imports, else h11's (module-level classes: uvicorn
    hands them to its worker processes by name)."""
    return NoDelayHttpToolsProtocol if _HTTPTOOLS else NoDelayH11Protocol


def event_loop() -> str:
    """uvicorn's ``loop`` setting: uvloop (libuv's event loop, less CPU per request than asyncio's) if installed."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"
