"""The FastAPI application: the sync API (docs/sync-protocol.md), admin endpoints and receipt lookup."""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from station_client.domain import receipt_link

from . import __version__, json_answer, ops, stations
from .config import DB_ENV
from .console.queries import app_version_noted, note_app_version
from .db import Database
from .errors import ApiError, admin_only, error_body, not_found
from .exchange import (
    PROVINCE,
    Actor,
    apply_changes,
    compare_digest,
    deferred,
    head_and_epoch,
    head_seq,
    push_changes,
    read_buckets,
    read_feed,
    record_state,
)
from .fast_sync import SyncFastPath
from .middleware import BodyGuard, Compress, MethodGuard
from .models import (
    ID_PATTERN,
    KIND_PATTERN,
    MAX_CHANGES,
    AdminRecordIn,
    AuditIn,
    BucketsIn,
    ChangeIn,
    EnrollIn,
    ErrorOut,
    ReferenceIn,
    StationIn,
    SyncIn,
)
from .ratelimit import RateLimiter, enroll_limiter_from_env

log = logging.getLogger("province_server.app")


class ApiJSON(JSONResponse):
    """Compact UTF-8 JSON (json_answer.render: orjson; ASCII escapes if a value holds a lone surrogate)."""

    def render(self, content: Any) -> bytes:
        return json_answer.render(content)


_bearer = HTTPBearer(auto_error=False, description="Station token (from /v1/enroll) or admin token")

_ERRORS = {
    400: "Malformed request: not JSON (`body.json`), corrupt gzip or zstd (`body.gzip`, `body.zstd`), bad "
         "Content-Length, or a value the endpoint refuses (e.g. `enroll.unknown`, `commune.unknown`, `lookup.check`, "
         "`period.invalid`)",
    401: "Missing, unknown, revoked or rotated token (`auth.invalid`, `auth.admin_invalid`); `WWW-Authenticate: "
         "Bearer`",
    403: "A station token on an admin endpoint (`auth.admin_required`), or a bundle of an unknown or revoked "
         "station (`bundle.station`)",
    404: "No such resource (`not_found`, `kind.unknown`). A record of another commune is answered exactly like "
         "an unknown one",
    409: "The request contradicts the server's state: `cursor.ahead` (resend and resync), `audit.gap`, "
         "`audit.hash`, `audit.link`, `audit.rewritten`, `record.changed` (an admin edit's `base_version` is stale)",
    410: "Enrollment code used, expired, or its station revoked (`enroll.used`, `enroll.expired`)",
    413: "Body over 8 MiB (`body.too_large`) or more than 2,000 changes (`batch.too_large`, with `limit`)",
    415: "Content-Encoding other than zstd, gzip or identity (`body.encoding`)",
    422: "Body of the wrong structure or types, unknown members, invalid text (`body.invalid` with `errors`), or "
         "an invalid record (`validation`/`text.invalid` with `problems`)",
    429: "Rate limited (`rate_limited`): wait `Retry-After` seconds",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route can answer: each a shared ``ErrorOut`` body."""
    return {status: {"model": ErrorOut, "description": _ERRORS[status]} for status in statuses}


_STATION = (401, 429)  # every station-token route: the token, then the per-station rate limit
_BODY = (400, 413, 415, 422)  # every route with a JSON body
_ADMIN = (401, 403)  # every admin route


def _token(creds: HTTPAuthorizationCredentials | None) -> str | None:
    return creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else None


REQUEST_THREADS_ENV = "PROVINCE_SERVER_THREADS"
REQUEST_THREADS = 8  # threads running endpoint code per worker process (anyio's default is 40)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # Fewer request threads than anyio's 40: the work is CPU and database bound on few cores, so more threads only
    # contend for the interpreter lock and for database connections beyond the pool (each opened and closed
    # again: a PostgreSQL backend started per request under load). The pool holds more than this (db.py).
    # Measured at 1,500 stations every 20 s on two cores (bench/server_load.py): 16 threads p99 461 ms and 20.8 ms
    # of CPU per cycle in all; 8 threads p99 249 ms and 18.5 ms; 4 threads p99 184 ms and 19.2 ms. Eight leave
    # room for requests that wait (a commune's lock, a long first sync) without the contention of sixteen.
    to_thread.current_default_thread_limiter().total_tokens = int(
        os.environ.get(REQUEST_THREADS_ENV, REQUEST_THREADS))
    yield


def create_app(db: Database) -> FastAPI:
    app = FastAPI(title="Province sync server", version=__version__, default_response_class=ApiJSON,
                  description="Sync API between commune police stations and the provincial data centre. "
                              "See docs/sync-protocol.md.", lifespan=_lifespan)
    app.state.db = db

    async def station_auth(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)
                           ) -> stations.Station:
        # Most requests are answered from the token cache with nothing to write: in the event loop, without
        # handing the dependency to a worker thread and back (a thread hop per request, measured in py-spy).
        token = _token(creds)
        agent = request.headers.get("user-agent", "")
        station = known_station(token, agent) if token else None
        if station is None:
            station = await run_in_threadpool(_station_auth, token, agent)
        request.state.station_id = station.id
        return station

    def known_station(token: str, agent: str) -> stations.Station | None:
        """The station of a token when answering needs no database (else None: ``_station_auth``). The sync fast
        path asks the same (``SyncFastPath``)."""
        station = stations.authenticated_from_cache(db, token)
        return station if station is not None and app_version_noted(db, station.id, agent) else None

    def _station_auth(token: str | None, agent: str) -> stations.Station:
        station = stations.authenticate(db, token)
        note_app_version(db, station.id, agent)
        return station

    def admin_auth(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
        token = _token(creds)
        if stations.is_admin(db, token):
            request.state.station_id = PROVINCE
            return PROVINCE
        if token and token.startswith("st_"):
            raise admin_only()
        raise ApiError(401, "auth.admin_invalid", "Mã quản trị không hợp lệ.", "Unknown admin token.",
                       headers={"WWW-Authenticate": "Bearer"})

    # --- errors ------------------------------------------------------------------------------------------

    # Each handler notes its refusal code on the request: the request log line carries it (never the input).
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> ApiJSON:
        request.state.refusal = exc.log_code or exc.code
        return ApiJSON(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> ApiJSON:
        errors = exc.errors()
        request.state.refusal = ("body.json" if any(e.get("type") == "json_invalid" for e in errors)
                                 else "body.invalid")
        # Never echo the input back: it may hold personal data.
        details = [{"loc": [str(x) for x in e.get("loc", ())], "type": e.get("type", ""), "msg": e.get("msg", "")}
                   for e in errors[:20]]
        if any(e.get("type") == "json_invalid" for e in errors):
            return ApiJSON(error_body("body.json", "Dữ liệu gửi lên không phải JSON hợp lệ.",
                                      "The request body is not valid JSON.", errors=details), status_code=400)
        return ApiJSON(error_body("body.invalid", "Dữ liệu gửi lên sai cấu trúc hoặc kiểu dữ liệu.",
                                  "The request body has a wrong structure, type or unknown field.", errors=details),
                       status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> ApiJSON:
        vi = {404: "Không tìm thấy.", 405: "Phương thức không được hỗ trợ."}.get(exc.status_code,
                                                                                "Yêu cầu không hợp lệ.")
        return ApiJSON(error_body(f"http.{exc.status_code}", vi, str(exc.detail)), status_code=exc.status_code,
                       headers=getattr(exc, "headers", None))

    # --- public --------------------------------------------------------------------------------------------

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "epoch": db.epoch(), "db": db.backend, "version": __version__}

    @app.post("/v1/enroll", tags=["auth"], responses=errors(*_BODY, 410, 429))
    def enroll(body: EnrollIn, request: Request) -> dict[str, Any]:
        from station_client.domain.units import commune

        station, token = stations.enroll(db, body.code, body.device, body.nonce)
        request.state.station_id = station.id
        unit = commune(station.commune_code)
        return {"station_id": station.id, "station_name": station.name, "commune_code": station.commune_code,
                "commune_name": unit.name if unit else "", "province_code": station.province_code,
                "token": token, "epoch": db.epoch(), **receipt_info(station, request, with_key=True)}

    def receipt_info(station: stations.Station, request: Request, *, with_key: bool,
                     read: tuple[str | None, str | None] = (None, None)) -> dict[str, Any]:
        """The station's receipt key (or only its fingerprint) and the lookup base URL it prints
        (docs/sync-protocol.md, "Receipt keys"). ``read``: the key and the base URL setting already read in the
        caller's transaction (``stations.receipt_state``); a missing key is read, or made, here."""
        key, base = read if read[0] else (stations.receipt_key(db, station.id),
                                          stations.lookup_base_url(db, str(request.base_url)))
        key, base = key or "", (base or str(request.base_url)).rstrip("/")
        if with_key:
            return {"receipt_key": key, "receipt_key_id": receipt_link.key_id(key), "lookup_base_url": base}
        return {"receipt": {"key_id": receipt_link.key_id(key), "lookup_base_url": base}}

    @app.get("/v1/lookup/{code}", tags=["public"], responses=errors(400, 404, 422))
    def lookup(code: str = Path(max_length=40), s: str | None = Query(None, max_length=32),
               t: str | None = Query(None, max_length=16), d: str | None = Query(None, max_length=64),
               sig: str | None = Query(None, max_length=32)) -> dict[str, Any]:
        """A receipt's lookup: with a receipt link's ``s``, ``t``, ``d`` and ``sig`` the link is verified (a
        genuine receipt not synced yet answers ``known: false``; an altered one is 400 ``receipt.invalid``)."""
        params = {k: v for k, v in (("s", s), ("t", t), ("d", d), ("sig", sig)) if v is not None}
        return ops.lookup(db, code, params or None)

    # --- station -------------------------------------------------------------------------------------------

    @app.post("/v1/token/rotate", tags=["auth"], responses=errors(*_STATION, 413, 415))
    def rotate(station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """A new token; the presented one keeps working until the new one is first used, then stops at once."""
        return {"token": stations.rotate(db, station)}

    @app.get("/v1/receipt-key", tags=["auth"], responses=errors(*_STATION))
    def get_receipt_key(request: Request, station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """The station's receipt key, its fingerprint and the lookup base URL: a station enrolled before receipt
        keys existed, or whose key was re-issued, fetches it when the sync answer's ``receipt.key_id`` differs
        from its own."""
        return receipt_info(station, request, with_key=True)

    @app.get("/v1/whoami", tags=["auth"], responses=errors(*_STATION))
    def whoami(station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """Who this token is (a cheap authenticated call: a station confirms a rotated token with it)."""
        return {"station_id": station.id, "station_name": station.name, "commune_code": station.commune_code,
                "province_code": station.province_code}

    @app.post("/v1/sync", tags=["sync"], responses=errors(*_STATION, *_BODY, 409))
    def sync(body: SyncIn, request: Request, station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        return serve_sync(body, request, station)  # type: ignore[return-value]  # (see serve_sync)

    def serve_sync(body: SyncIn, request: Request, station: stations.Station) -> ApiJSON:
        """``POST /v1/sync``'s answer: from the route, or from ``SyncFastPath`` for the common case."""
        out = push_part(body, station)
        if out.get("feed") is None:  # (an epoch the station does not know yet: no feed with it)
            out |= pull_part(body, station, request)
        # The answer as it is (JSON types only): a response object skips FastAPI's re-validation of the dict
        # through pydantic (py-spy: 4 % of a request's CPU).
        return ApiJSON(out | ride_audit(body, station))

    def push_part(body: SyncIn, station: stations.Station, held: set[tuple[str, str]] | None = None
                  ) -> dict[str, Any]:
        """Apply an exchange's changes: ``results``, plus the whole answer's other members when the station's
        epoch is not the database's. ``held`` (a stream): records with a change deferred in an earlier frame;
        their later changes are not applied now either (``deferred``/``stream.held``), as a station holds them
        back between exchanges."""
        if len(body.changes) > MAX_CHANGES:
            raise ApiError(413, "batch.too_large", f"Tối đa {MAX_CHANGES} thay đổi mỗi lần gửi.",
                           f"At most {MAX_CHANGES} changes per request.", limit=MAX_CHANGES)
        actor = Actor(station.id, station.commune_code)
        if not body.changes and held is None:
            return {"results": []}
        go = [c for c in body.changes if (c.kind, c.id) not in held] if held else body.changes
        # The epoch and the feed's head are read in the apply's own transaction (no read of their own first).
        pushed = push_changes(db, actor, go, epoch=body.epoch, cursor=body.cursor)
        if body.epoch is not None and body.epoch != pushed.epoch:
            # The database was restored since the station last heard from it: nothing is applied (every
            # change is answered ``deferred``/``epoch.changed``); the station re-sends its history tagged with its
            # epoch.
            return {"epoch": pushed.epoch, "results": [deferred("epoch.changed") for _ in body.changes], "feed": [],
                    "cursor": body.cursor, "more": False, "head": pushed.head, "digest": None,
                    "server_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if not held:
            return {"results": pushed.results, "epoch": pushed.epoch, "head": pushed.head}
        applied = iter(pushed.results)
        return {"results": [next(applied) if (c.kind, c.id) not in held else deferred("stream.held")
                            for c in body.changes], "epoch": pushed.epoch, "head": pushed.head}

    def pull_part(body: SyncIn, station: stations.Station, request: Request) -> dict[str, Any]:
        """The answer after the changes: epoch, the feed from the station's cursor, the divergence check."""
        actor = Actor(station.id, station.commune_code)
        with db.statement_reads() as conn:
            # After the apply: head and epoch in one statement, then the feed up to that head (every seq at or below
            # it is committed, so a later statement sees all of them).
            head, epoch = head_and_epoch(conn)
            page = read_feed(conn, actor, body.cursor, body.limit, body.resync, head=head, raw_fields=True)
            digest = None
            buckets = None
            if body.digest is not None:
                if page.entries or page.more or body.changes:
                    digest = "skipped"
                else:
                    digest, buckets = compare_digest(conn, station.commune_code, body.digest)
            receipt = stations.receipt_state(conn, station.id)
        out: dict[str, Any] = {"epoch": epoch, "feed": page.entries, "cursor": page.cursor, "more": page.more,
               "head": page.head, "digest": digest, "server_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if buckets is not None:
            out["digest_buckets"] = buckets
        return out | receipt_info(station, request, with_key=False, read=receipt)

    @app.post("/v1/sync/stream", tags=["sync"], responses=errors(*_STATION, *_BODY))
    async def sync_stream(request: Request, station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """Several exchanges in one request, for a station with thousands of changes to send: the body is a
        compressed stream of ``POST /v1/sync`` bodies, one per line (NDJSON), each applied as it arrives, so the
        province works while the rest is still on the wire. The answer: ``frames``, one ``/v1/sync`` answer per
        line applied, in order; only the last carries the feed (the others answer with an empty feed at the
        sent cursor). A line that cannot be read or applied stops the stream: ``stopped`` carries its refusal and
        the lines after it are not applied. See docs/sync-protocol.md, "Streamed exchange"."""
        from .streaming import read_frames

        answers: list[dict[str, Any]] = []
        held: set[tuple[str, str]] = set()
        last: SyncIn | None = None  # the last frame applied, when its epoch was the database's

        def take(frame: SyncIn) -> None:
            nonlocal last
            out = push_part(frame, station, held)
            last = frame if out.get("feed") is None else None
            if out.get("feed") is None:
                out |= {"feed": [], "cursor": frame.cursor, "more": False, "digest": None,
                        "server_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
            for change, result in zip(frame.changes, out["results"], strict=True):
                if isinstance(result, dict) and result.get("status") == "deferred" \
                        and result.get("code") != "epoch.changed":
                    held.add((change.kind, change.id))
            answers.append(out | ride_audit(frame, station))

        stopped = await read_frames(request, take)
        if last is not None:
            answers[-1] |= await run_in_threadpool(pull_part, last, station, request)
        if not answers and stopped is None:
            stopped = ApiError(400, "stream.empty", "Không có dữ liệu trong luồng gửi.",
                               "The stream carried nothing.").body()
        out: dict[str, Any] = {"frames": answers, "stream": 1}
        if stopped is not None:
            out["stopped"] = stopped
        return ApiJSON(out)  # type: ignore[return-value]  # (as sync's: the feed's fields are RawJSON)

    def ride_audit(body: SyncIn, station: stations.Station) -> dict[str, Any]:
        """The sync answer's audit members: ``audit_rides`` (this province takes audit entries riding on the
        changes: a station then sends them in the exchange instead of ``POST /v1/audit``) and, for a request that
        carried some, ``audit`` (the same body as ``POST /v1/audit``'s answer, or its refusal with ``code``)."""
        from . import audit

        # ``audit_remote``: it also rebuilds ``remote`` entries from its history ("Remote entries").
        out: dict[str, Any] = {"audit_rides": 1, "audit_remote": 1, "stream": 1}
        if body.audit is not None:
            out["audit"] = audit.ride(db, station.id, station.commune_code, body.audit.model_dump(),
                                      [c.model_dump() for c in body.changes])
        return out

    @app.post("/v1/digest/buckets", tags=["sync"])
    def digest_buckets(body: BucketsIn, station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """Digest repair: the current state of the station's commune records in the named buckets (see
        "Divergence check"), in (kind, id) order, ``limit`` at a time; ``next`` continues, null at the end."""
        wanted = {b for b in body.buckets if 0 <= b < 256}
        after = (body.after[0], body.after[1]) if body.after else None
        with db.read() as conn:
            epoch = db.get_meta(conn, "epoch")
            head = head_seq(conn)
            records, nxt = read_buckets(conn, station.commune_code, wanted, after, body.limit)
        return {"epoch": epoch, "head": head, "records": records, "next": list(nxt) if nxt else None}

    @app.post("/v1/audit", tags=["sync"], responses=errors(*_STATION, *_BODY) | {409: {
        "model": ErrorOut, "description": "audit.gap: resend from last_seq; audit.hash / audit.link / "
                                          "audit.rewritten: refused (a broken or rewritten chain)"}})
    def push_audit(body: AuditIn, station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """The station's audit entries in seq order, each chaining to the previous one stored (see
        province_server/audit.py). Idempotent: an entry already stored is acknowledged again."""
        from . import audit

        if len(body.entries) > audit.MAX_ENTRIES:
            raise audit.too_many(len(body.entries))
        entries = sorted((e.model_dump() for e in body.entries), key=lambda e: e["seq"])
        return audit.accept(db, station.id, entries)

    @app.get("/v1/records/{kind}/{record_id}", tags=["sync"], responses=errors(*_STATION, 404, 422))
    def get_record(kind: str = Path(pattern=KIND_PATTERN), record_id: str = Path(pattern=ID_PATTERN),
                   station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        with db.read() as conn:
            state = record_state(conn, kind, record_id)
        if state is not None and state["commune_code"] not in ("", station.commune_code):
            # Logged at the province, but answered exactly like an unknown id: the answer must not tell another
            # commune's station which record ids exist.
            ops.log_denial(db, station.id, kind, record_id, "read")
            refused = not_found("Không có hồ sơ này.", "No such record.")
            refused.log_code = "scope"  # the operator's log says why; the station is told nothing more
            raise refused
        if state is None:
            raise not_found("Không có hồ sơ này.", "No such record.")
        return state

    # --- admin ---------------------------------------------------------------------------------------------

    @app.post("/v1/admin/stations", tags=["admin"], responses=errors(*_ADMIN, *_BODY))
    def admin_add_station(body: StationIn, _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        station, code = stations.add_station(db, body.commune_code, body.name)
        return {"station_id": station.id, "name": station.name, "commune_code": station.commune_code,
                "enrollment_code": code}

    @app.get("/v1/admin/stations", tags=["admin"], responses=errors(*_ADMIN))
    def admin_list_stations(_admin: str = Depends(admin_auth)) -> list[dict[str, Any]]:
        return stations.list_stations(db)

    @app.post("/v1/admin/stations/{station_id}/revoke", tags=["admin"], responses=errors(*_ADMIN, 404, 422))
    def admin_revoke(station_id: str = Path(pattern=ID_PATTERN), _admin: str = Depends(admin_auth)
                     ) -> dict[str, Any]:
        if not stations.revoke(db, station_id):
            raise not_found("Không có trạm này.", "No such station.")
        return {"station_id": station_id, "status": "revoked"}

    @app.get("/v1/admin/stats", tags=["admin"], responses=errors(*_ADMIN, 400, 422))
    def admin_stats(period: str | None = Query(None, max_length=40), _admin: str = Depends(admin_auth)
                    ) -> dict[str, Any]:
        if period is None:
            return ops.stats(db)
        from .statistics import period_table

        return period_table(db, period)

    @app.get("/v1/admin/duplicates", tags=["admin"])
    def admin_duplicates(commune_code: str | None = Query(None, pattern=r"^\d{5}$"),
                         _admin: str = Depends(admin_auth)) -> list[dict[str, Any]]:
        """Open duplicate-person review items (the same personal ID held by two live persons of a commune)."""
        from .duplicates import open_items

        with db.read() as conn:
            return open_items(conn, commune_code)

    @app.get("/v1/admin/records/{kind}/{record_id}", tags=["admin"], responses=errors(*_ADMIN, 404, 422))
    def admin_get_record(kind: str = Path(pattern=KIND_PATTERN), record_id: str = Path(pattern=ID_PATTERN),
                         _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        with db.read() as conn:
            state = record_state(conn, kind, record_id)
        if state is None:
            raise not_found("Không có hồ sơ này.", "No such record.")
        return state

    @app.put("/v1/admin/records/{kind}/{record_id}", tags=["admin"], responses=errors(*_ADMIN, *_BODY, 409))
    def admin_put_record(body: AdminRecordIn, kind: str = Path(pattern=KIND_PATTERN),
                         record_id: str = Path(pattern=ID_PATTERN), _admin: str = Depends(admin_auth)
                         ) -> dict[str, Any]:
        change = ChangeIn(change_id=f"province-{uuid.uuid4()}", kind=kind, id=record_id,
                          op="delete" if body.deleted else "upsert", base_version=body.base_version or 0,
                          fields=body.fields, resolves=None)
        result = apply_changes(db, Actor(PROVINCE, None), [change], new_commune=body.commune_code)[0]
        if isinstance(result, dict) and result.get("status") == "stale":
            raise ApiError(409, "record.changed",
                           "Hồ sơ đã được trạm sửa hoặc xóa sau khi anh/chị mở; hãy xem lại bản hiện tại rồi sửa lại.",
                           "A station changed or deleted this record after you opened it; review the current "
                           "version and edit again.",
                           version=result["version"], deleted=result["deleted"], record=result["record"])
        if isinstance(result, dict) and result.get("status") == "rejected":
            raise ApiError(422, result["code"], "Hồ sơ không hợp lệ.", "The record is invalid.",
                           problems=result["problems"])
        with db.read() as conn:
            return record_state(conn, kind, record_id) or {}

    @app.post("/v1/admin/reference/{kind}", tags=["admin"], responses=errors(*_ADMIN, *_BODY, 404))
    def admin_load_reference(body: ReferenceIn, kind: str = Path(pattern=KIND_PATTERN),
                             _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        return ops.load_reference(db, kind, body)

    @app.get("/v1/admin/replay", tags=["admin"], responses=errors(*_ADMIN))
    def admin_replay_status(_admin: str = Depends(admin_auth)) -> dict[str, Any]:
        """After a restore: whether re-sent changes may still wait for one another, and how many wait."""
        return ops.replay_status(db)

    @app.post("/v1/admin/replay/close", tags=["admin"], responses=errors(*_ADMIN))
    def admin_replay_close(_admin: str = Depends(admin_auth)) -> dict[str, Any]:
        """Close the replay window now: every waiting change is judged (a conflict where it differs)."""
        return ops.close_replay_window(db)

    @app.post("/v1/bundles/import", tags=["admin"], responses=errors(*_ADMIN, *_BODY))
    def import_bundle(request_body: dict[str, Any], _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        from .bundles import import_bundle as do_import

        return do_import(db, request_body)

    def allowed_methods(scope: Any) -> set[str]:
        """Every method of every route whose path matches the request's (Match.PARTIAL: the path, not the
        method; the admin records path has one route for GET and one for PUT)."""
        probe = {"type": "http", "path": scope.get("path", ""), "root_path": scope.get("root_path", ""),
                 "method": scope.get("method", "GET")}
        methods: set[str] = set()
        for route in app.router.routes:
            route_methods = getattr(route, "methods", None)
            if route_methods and route.matches(probe)[0] != Match.NONE:
                methods |= set(route_methods)
        return methods

    from .console.routes import install as install_console

    install_console(app, db)  # the web console and the public lookup page (province_server/console)

    app.add_middleware(MethodGuard, allowed=allowed_methods)
    app.add_middleware(SyncFastPath, identify=known_station, serve=serve_sync, on_error=_api_error)
    # Answers in zstd when the client lists it, else gzip (older stations); see "Compression" in the protocol.
    app.add_middleware(Compress, minimum_size=1024, zstd_level=int(os.environ.get("PROVINCE_SERVER_ZSTD_LEVEL", "6")),
                       gzip_level=9)

    def identify_from_cache(token: str) -> tuple[bool, str | None]:
        known, station = stations.identify_from_cache(db, token)
        return known, station.id if station is not None else None

    app.add_middleware(BodyGuard, identify=lambda token: getattr(stations.identify(db, token), "id", None),
                       identify_from_cache=identify_from_cache,
                       limiter=RateLimiter.from_env(), enroll_limiter=enroll_limiter_from_env())
    return app


def setup_logging() -> None:
    """JSON lines on stderr (set up in each worker process: workers are spawned, not forked)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    # PROVINCE_SERVER_LOG_LEVEL=DEBUG for a fault hunt; personal data stays out even then (docs/security.md).
    level = os.environ.get("PROVINCE_SERVER_LOG_LEVEL")
    if level:
        root.setLevel(level.upper())
    if os.environ.get("PROVINCE_SERVER_QUIET"):
        logging.getLogger("province_server.access").setLevel(logging.WARNING)


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: each worker process opens its own engine and pool."""
    setup_logging()
    pool = int(os.environ.get("PROVINCE_SERVER_POOL", "20"))
    db = Database(os.environ[DB_ENV], pool_size=pool)
    return create_app(db)

