"""``POST /v1/sync`` served from the ASGI layer, past FastAPI's routing, dependency and body layers.

Every station sends one such request per cycle, and at load the layers between the middleware and the endpoint
cost more than a tenth of the server's CPU (py-spy at 2,000 stations every 20 s: routing through every route,
dependency solving, the thread-pool wrappers, and the body parsed by ``json`` and then validated from Python
objects, where pydantic can validate the JSON text in one pass).

Only the common case is taken here: a JSON body (``Content-Type`` absent or JSON) that validates, from a token the
cache answers without the database, whose app version is already noted. Anything else goes on to the route, with
the body replayed as it came, and is answered exactly as before (refusals included). The endpoint's own function
runs either way, so this layer can make a request cheaper but never change its answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi.security.utils import get_authorization_scheme_param
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .errors import ApiError
from .middleware import ASGIApp, Receive, Scope, Send, replay_body
from .models import SyncIn
from .stations import Station

PATH = "/v1/sync"

# (bearer token, User-Agent) -> the station, when known without the database; None: the route's dependency decides.
Identify = Callable[[str, str], Station | None]
Serve = Callable[[SyncIn, Request, Station], Response]  # the endpoint's function, run in a worker thread
OnError = Callable[[Request, ApiError], Awaitable[Response]]  # the app's handler of ApiError


def _json_type(value: str) -> bool:
    """What FastAPI parses as JSON: no Content-Type, ``application/json`` or ``application/*+json``."""
    media = value.split(";", 1)[0].strip().lower()
    return not media or media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class SyncFastPath:
    def __init__(self, app: ASGIApp, identify: Identify, serve: Serve, on_error: OnError) -> None:
        self.app = app
        self.identify = identify
        self.serve = serve
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") != PATH:
            await self.app(scope, receive, send)
            return
        station = self._station(scope)
        if station is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away: no one to answer (as BodyGuard does)
        try:
            parsed = SyncIn.model_validate_json(body)
        except ValidationError:
            # The route answers it (400 body.json or 422 body.invalid, as always): JSON that ``json`` reads and
            # pydantic's parser does not (a lone surrogate, another UTF than 8) never reaches a changed answer.
            await self.app(scope, replay_body(body, receive), send)
            return
        scope.setdefault("state", {})["station_id"] = station.id
        request = Request(scope, receive)
        try:
            response = await run_in_threadpool(self.serve, parsed, request, station)
        except ApiError as exc:
            response = await self.on_error(request, exc)
        await response(scope, receive, send)

    def _station(self, scope: Scope) -> Station | None:
        """The station, when the route would take this request as JSON from it and knowing it needs no database."""
        authorization = agent = None
        content_type = ""
        for key, value in scope.get("headers", []):
            name = key.lower()
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"user-agent" and agent is None:
                agent = value.decode("latin-1")
            elif name == b"content-type" and not content_type:
                content_type = value.decode("latin-1")
        if not _json_type(content_type):
            return None
        # The route's bearer dependency reads the header the same way (scheme, one space, the rest).
        scheme, token = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer" or not token:
            return None
        return self.identify(token, agent or "")


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body (None: the client went away first). BodyGuard has read and bounded it already."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)

