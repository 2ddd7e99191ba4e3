"""The FastAPI application: the sync API (docs/sync-protocol.md), admin endpoints and receipt lookup."""

from __future__ import annotations

import json
import logging
import os
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from . import __version__, ops, stations
from .config import DB_ENV
from .db import Database
from .errors import ApiError, admin_only, error_body, forbidden_scope, not_found
from .exchange import (
    PROVINCE,
    Actor,
    apply_changes,
    commune_digest,
    cursor_ahead,
    head_seq,
    read_feed,
    record_state,
)
from .middleware import BodyGuard
from .models import (
    ID_PATTERN,
    KIND_PATTERN,
    MAX_CHANGES,
    AdminRecordIn,
    AuditIn,
    ChangeIn,
    EnrollIn,
    ReferenceIn,
    StationIn,
    SyncIn,
)
from .ratelimit import RateLimiter

log = logging.getLogger("province_server.app")


class ApiJSON(JSONResponse):
    """Compact JSON; falls back to ASCII escapes if a value holds a lone surrogate (cannot be UTF-8)."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


_bearer = HTTPBearer(auto_error=False, description="Station token (from /v1/enroll) or admin token")


def _token(creds: HTTPAuthorizationCredentials | None) -> str | None:
    return creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else None


def create_app(db: Database) -> FastAPI:
    app = FastAPI(title="Province sync server", version=__version__, default_response_class=ApiJSON,
                  description="Sync API between commune police stations and the provincial data centre. "
                              "See docs/sync-protocol.md.")
    app.state.db = db

    def station_auth(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)
                     ) -> stations.Station:
        token = _token(creds)
        station = stations.authenticate(db, token)
        request.state.station_id = station.id
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
        request.state.refusal = exc.code
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

    @app.post("/v1/enroll", tags=["auth"])
    def enroll(body: EnrollIn, request: Request) -> dict[str, Any]:
        from station_client.domain.units import commune

        station, token = stations.enroll(db, body.code, body.device)
        request.state.station_id = station.id
        unit = commune(station.commune_code)
        return {"station_id": station.id, "station_name": station.name, "commune_code": station.commune_code,
                "commune_name": unit.name if unit else "", "province_code": station.province_code,
                "token": token, "epoch": db.epoch()}

    @app.get("/v1/lookup/{code}", tags=["public"])
    def lookup(code: str = Path(max_length=40)) -> dict[str, Any]:
        return ops.lookup(db, code)

    # --- station -------------------------------------------------------------------------------------------

    @app.post("/v1/token/rotate", tags=["auth"])
    def rotate(station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """A new token; the presented one keeps working until the new one is first used, then stops at once."""
        return {"token": stations.rotate(db, station)}

    @app.get("/v1/whoami", tags=["auth"])
    def whoami(station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """Who this token is (a cheap authenticated call: a station confirms a rotated token with it)."""
        return {"station_id": station.id, "station_name": station.name, "commune_code": station.commune_code,
                "province_code": station.province_code}

    @app.post("/v1/sync", tags=["sync"])
    def sync(body: SyncIn, station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        if len(body.changes) > MAX_CHANGES:
            raise ApiError(413, "batch.too_large", f"Tối đa {MAX_CHANGES} thay đổi mỗi lần gửi.",
                           f"At most {MAX_CHANGES} changes per request.", limit=MAX_CHANGES)
        actor = Actor(station.id, station.commune_code)
        results: list[Any] = []
        if body.changes:
            with db.read() as conn:
                head, epoch = head_seq(conn), db.get_meta(conn, "epoch")
            if body.epoch is not None and body.epoch != epoch:
                # The database was restored since the station last heard from it: nothing is applied (every
                # change is answered ``deferred``/``epoch.changed``, and again inside the write transaction should
                # a restore happen in between); the station re-sends its history tagged with its epoch.
                results = apply_changes(db, actor, body.changes, epoch=body.epoch)
                return {"epoch": epoch, "results": results, "feed": [], "cursor": body.cursor, "more": False,
                        "head": head, "digest": None,
                        "server_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
            # An ahead cursor means the server lost history: answer before applying anything.
            if body.cursor > head:
                raise cursor_ahead(body.cursor, head)
            results = apply_changes(db, actor, body.changes, epoch=body.epoch)
        with db.read() as conn:
            epoch = db.get_meta(conn, "epoch")
            page = read_feed(conn, actor, body.cursor, body.limit, body.resync)
            digest = None
            if body.digest is not None:
                if page.entries or page.more or body.changes:
                    digest = "skipped"
                else:
                    count, total = commune_digest(conn, station.commune_code)
                    digest = "match" if (count, total) == (body.digest.count, body.digest.sum) else "mismatch"
        return {"epoch": epoch, "results": results, "feed": page.entries, "cursor": page.cursor, "more": page.more,
                "head": page.head, "digest": digest, "server_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

    @app.post("/v1/audit", tags=["sync"], responses={409: {"description": "audit.gap: resend from last_seq; "
                                                                   "audit.hash / audit.link / audit.rewritten: "
                                                                   "refused (a broken or rewritten chain)"}})
    def push_audit(body: AuditIn, station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        """The station's audit entries in seq order, each chaining to the previous one stored (see
        province_server/audit.py). Idempotent: an entry already stored is acknowledged again."""
        from . import audit

        if len(body.entries) > audit.MAX_ENTRIES:
            raise audit.too_many(len(body.entries))
        entries = sorted((e.model_dump() for e in body.entries), key=lambda e: e["seq"])
        return audit.accept(db, station.id, entries)

    @app.get("/v1/records/{kind}/{record_id}", tags=["sync"])
    def get_record(kind: str = Path(pattern=KIND_PATTERN), record_id: str = Path(pattern=ID_PATTERN),
                   station: stations.Station = Depends(station_auth)) -> dict[str, Any]:
        with db.read() as conn:
            state = record_state(conn, kind, record_id)
        if state is None:
            raise not_found("Không có hồ sơ này.", "No such record.")
        if state["commune_code"] not in ("", station.commune_code):
            ops.log_denial(db, station.id, kind, record_id, "read")
            raise forbidden_scope()
        return state

    # --- admin ---------------------------------------------------------------------------------------------

    @app.post("/v1/admin/stations", tags=["admin"])
    def admin_add_station(body: StationIn, _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        station, code = stations.add_station(db, body.commune_code, body.name)
        return {"station_id": station.id, "name": station.name, "commune_code": station.commune_code,
                "enrollment_code": code}

    @app.get("/v1/admin/stations", tags=["admin"])
    def admin_list_stations(_admin: str = Depends(admin_auth)) -> list[dict[str, Any]]:
        return stations.list_stations(db)

    @app.post("/v1/admin/stations/{station_id}/revoke", tags=["admin"])
    def admin_revoke(station_id: str = Path(pattern=ID_PATTERN), _admin: str = Depends(admin_auth)
                     ) -> dict[str, Any]:
        if not stations.revoke(db, station_id):
            raise not_found("Không có trạm này.", "No such station.")
        return {"station_id": station_id, "status": "revoked"}

    @app.get("/v1/admin/stats", tags=["admin"])
    def admin_stats(period: str | None = Query(None, max_length=40), _admin: str = Depends(admin_auth)
                    ) -> dict[str, Any]:
        if period is None:
            return ops.stats(db)
        from .statistics import period_table

        return period_table(db, period)

    @app.get("/v1/admin/records/{kind}/{record_id}", tags=["admin"])
    def admin_get_record(kind: str = Path(pattern=KIND_PATTERN), record_id: str = Path(pattern=ID_PATTERN),
                         _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        with db.read() as conn:
            state = record_state(conn, kind, record_id)
        if state is None:
            raise not_found("Không có hồ sơ này.", "No such record.")
        return state

    @app.put("/v1/admin/records/{kind}/{record_id}", tags=["admin"])
    def admin_put_record(body: AdminRecordIn, kind: str = Path(pattern=KIND_PATTERN),
                         record_id: str = Path(pattern=ID_PATTERN), _admin: str = Depends(admin_auth)
                         ) -> dict[str, Any]:
        change = ChangeIn(change_id=f"province-{uuid.uuid4()}", kind=kind, id=record_id,
                          op="delete" if body.deleted else "upsert", fields=body.fields)
        result = apply_changes(db, Actor(PROVINCE, None), [change], new_commune=body.commune_code)[0]
        if isinstance(result, dict) and result.get("status") == "rejected":
            raise ApiError(422, result["code"], "Hồ sơ không hợp lệ.", "The record is invalid.",
                           problems=result["problems"])
        with db.read() as conn:
            return record_state(conn, kind, record_id) or {}

    @app.post("/v1/admin/reference/{kind}", tags=["admin"])
    def admin_load_reference(body: ReferenceIn, kind: str = Path(pattern=KIND_PATTERN),
                             _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        return ops.load_reference(db, kind, body)

    @app.get("/v1/admin/replay", tags=["admin"])
    def admin_replay_status(_admin: str = Depends(admin_auth)) -> dict[str, Any]:
        """After a restore: whether re-sent changes may still wait for one another, and how many wait."""
        return ops.replay_status(db)

    @app.post("/v1/admin/replay/close", tags=["admin"])
    def admin_replay_close(_admin: str = Depends(admin_auth)) -> dict[str, Any]:
        """Close the replay window now: every waiting change is judged (a conflict where it differs)."""
        return ops.close_replay_window(db)

    @app.post("/v1/bundles/import", tags=["admin"])
    def import_bundle(request_body: dict[str, Any], _admin: str = Depends(admin_auth)) -> dict[str, Any]:
        from .bundles import import_bundle as do_import

        return do_import(db, request_body)

    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodyGuard, identify=lambda token: getattr(stations.identify(db, token), "id", None),
                       limiter=RateLimiter.from_env())
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
    pool = int(os.environ.get("PROVINCE_SERVER_POOL", "10"))
    db = Database(os.environ[DB_ENV], pool_size=pool)
    return create_app(db)

