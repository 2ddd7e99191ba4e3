"""Console routes. Every page needs a staff session (``auth.session_of``) and one of the roles it names; every
POST needs the session's CSRF token too; every change, export, login and refusal is written to ``staff_audit``.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from station_client.domain import statistics as st

from .. import receipts, stations
from ..db import Database
from ..errors import ApiError
from ..ratelimit import RateLimiter, retry_after_header
from . import auth, queries

HERE = Path(__file__).parent
SESSION_COOKIE = "pc_session"
LOGIN_CSRF_COOKIE = "pc_login_csrf"
LANG_COOKIE = "pc_lang"
LOOKUP_RATE_ENV = "PROVINCE_SERVER_LOOKUP_RATE"
LOOKUP_BURST_ENV = "PROVINCE_SERVER_LOOKUP_BURST"
LOGIN_RATE_ENV = "PROVINCE_SERVER_LOGIN_RATE"
LOGIN_BURST_ENV = "PROVINCE_SERVER_LOGIN_BURST"

READERS = ("admin", "viewer")
NAV = (
    ("overview", "/console/", "Tổng quan", "Overview", READERS),
    ("stations", "/console/stations", "Trạm", "Stations", READERS),
    ("statistics", "/console/statistics", "Thống kê", "Statistics", READERS),
    ("conflicts", "/console/conflicts", "Xung đột, rà soát", "Conflicts, reviews", READERS),
    ("audit", "/console/audit", "Nhật ký trạm", "Audit", READERS),
    ("reference", "/console/reference", "Danh mục", "Reference data", READERS),
    ("inbox", "/console/inbox", "Tin báo đã chuyển", "Transferred reports", ("admin", "agency")),
    ("staff", "/console/staff", "Tài khoản", "Staff", ("admin",)),
    ("log", "/console/log", "Nhật ký thao tác", "Action log", ("admin",)),
)


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


class Refused(Exception):
    def __init__(self, status: int, vi: str, en: str) -> None:
        self.status = status
        self.vi = vi
        self.en = en


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def secure_cookies(request: Request) -> bool:
    """``Secure`` on every cookie unless the console is reached over plain HTTP on a loopback address (local
    use, tests). Behind a TLS proxy the host is not loopback, so the flag is set; over plain HTTP from another
    host the browser then never sends the session back: the console must be served over HTTPS."""
    return request.url.scheme == "https" or not _loopback(request.url.hostname or "")


def install(app: FastAPI, db: Database) -> None:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["role_names"] = auth.ROLES
    templates.env.filters["vn"] = queries.local_time
    router = APIRouter(include_in_schema=False)
    lookup_limiter = RateLimiter(rate=float(os.environ.get(LOOKUP_RATE_ENV, 0.5)),
                                 burst=max(1.0, float(os.environ.get(LOOKUP_BURST_ENV, 30))))
    # Failed logins per client address (the per-account lockout does not stop one password tried on many
    # usernames): BURST failures, then one a minute; a successful login costs nothing.
    login_limiter = RateLimiter(rate=float(os.environ.get(LOGIN_RATE_ENV, 1 / 60)),
                                burst=max(1.0, float(os.environ.get(LOGIN_BURST_ENV, 20))))

    def lang_of(request: Request) -> str:
        return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"

    def render(request: Request, name: str, session: auth.Session | None, status: int = 200,
               **context: Any) -> HTMLResponse:
        lang = lang_of(request)

        def t(vi: str, en: str) -> str:
            return en if lang == "en" else vi

        nav = [(key, url, t(vi, en)) for key, url, vi, en, roles in NAV
               if session is not None and session.staff.role in roles]
        response = templates.TemplateResponse(request, name, {
            "t": t, "lang": lang, "session": session, "staff": session.staff if session else None,
            "csrf": session.csrf if session else "", "nav": nav, "path": request.url.path,
            "query": str(request.url.query), **context}, status_code=status)
        _headers(response)
        return response

    def _headers(response: Response) -> None:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                       "style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
                                                       "form-action 'self'; base-uri 'none'")

    def page(request: Request, roles: Iterable[str]) -> auth.Session:
        """The request's session, or a redirect to the login page; 403 (audited) for a role not in ``roles``."""
        session = auth.session_of(db, request.cookies.get(SESSION_COOKIE))
        if session is None:
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise Redirect("/console/login?next=" + quote(nxt, safe=""))
        if session.staff.role not in roles:
            auth.record(db, session.staff.username, "denied." + request.method.lower(), request.url.path, "denied",
                        client_of(request), {"role": session.staff.role})
            raise Refused(403, "Vai trò của bạn không được dùng chức năng này.",
                          "Your role may not use this function.")
        return session

    async def form_of(request: Request, roles: Iterable[str]) -> tuple[auth.Session, dict[str, str]]:
        """A POST: the session, then its CSRF token (refused and audited without it), then the role."""
        session = auth.session_of(db, request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise Redirect("/console/login")
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not auth.csrf_ok(session.csrf, form.get("csrf")):
            auth.record(db, session.staff.username, "csrf.refused", request.url.path, "denied", client_of(request))
            raise Refused(403, "Biểu mẫu thiếu mã chống giả mạo (CSRF) hoặc mã đã hết hạn; tải lại trang rồi thử lại.",
                          "The form lacks its anti-forgery (CSRF) token or the token expired; reload the page.")
        return page(request, roles), form

    @app.exception_handler(Redirect)
    async def _redirect(_request: Request, exc: Redirect) -> Response:
        return RedirectResponse(exc.url, status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        session = auth.session_of(db, request.cookies.get(SESSION_COOKIE))
        return render(request, "refused.html", session, status=exc.status, message_vi=exc.vi, message_en=exc.en)

    # --- login --------------------------------------------------------------------------------------------

    def login_page(request: Request, error: str = "", status: int = 200, username: str = "") -> HTMLResponse:
        token = queries.new_csrf()
        response = render(request, "login.html", None, status=status, login_csrf=token, error=error,
                          username=username, next=request.query_params.get("next", ""))
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/console",
                            secure=secure_cookies(request), max_age=3600)
        return response

    @router.get("/console/login")
    def login_get(request: Request) -> Response:
        return login_page(request)

    @router.post("/console/login")
    async def login_post(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        lang = lang_of(request)
        wait = login_limiter.peek(client_of(request))
        if wait > 0:
            auth.record(db, "", "login", form.get("username", "")[:32], "denied", client_of(request),
                        {"reason": "rate_limited"})
            retry = retry_after_header(wait)
            msg = (f"Too many failed logins from this address; try again in {retry} s." if lang == "en"
                   else f"Quá nhiều lần đăng nhập sai từ địa chỉ này; thử lại sau {retry} giây.")
            limited = login_page(request, msg, 429)
            limited.headers["Retry-After"] = retry
            return limited
        if not auth.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf")):
            auth.record(db, "", "csrf.refused", "/console/login", "denied", client_of(request))
            msg = ("The form lacks its anti-forgery token; try again." if lang == "en"
                   else "Biểu mẫu thiếu mã chống giả mạo; hãy thử lại.")
            return login_page(request, msg, 403)
        try:
            token, _session = auth.login(db, form.get("username", ""), form.get("password", ""), client_of(request))
        except auth.LoginRefused as exc:
            login_limiter.take(client_of(request))
            return login_page(request, exc.en if lang == "en" else exc.vi, 401 if exc.code == "login.wrong" else 423,
                              username=form.get("username", "")[:32])
        nxt = form.get("next", "")
        if not nxt.startswith("/console/") or nxt.startswith("//"):
            nxt = "/console/inbox" if _session.staff.role == "agency" else "/console/"
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=secure_cookies(request), max_age=auth.SESSION_HOURS * 3600)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
        return response

    @router.post("/console/logout")
    async def logout(request: Request) -> Response:
        session, _ = await form_of(request, auth.ROLES)
        auth.logout(db, session, client_of(request))
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/console/password")
    def password_get(request: Request) -> Response:
        return render(request, "password.html", page(request, auth.ROLES))

    @router.post("/console/password")
    async def password_post(request: Request) -> Response:
        session, form = await form_of(request, auth.ROLES)
        if form.get("new", "") != form.get("confirm", ""):
            return render(request, "password.html", session, 400, error_vi="Hai lần nhập mật khẩu mới không khớp.",
                          error_en="The two new passwords differ.")
        try:
            auth.change_password(db, session, form.get("current", ""), form.get("new", ""), client_of(request))
        except auth.StaffError as exc:
            return render(request, "password.html", session, 400, error_vi=exc.vi, error_en=exc.en)
        return render(request, "password.html", session, notice_vi="Đã đổi mật khẩu; các phiên đăng nhập khác đã "
                      "kết thúc.", notice_en="Password changed; your other sessions have ended.")

    @router.get("/console/lang")
    def set_lang(request: Request, to: str = "vi", next: str = "/console/") -> Response:
        target = next if next.startswith("/") and not next.startswith("//") else "/console/"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(LANG_COOKIE, "en" if to == "en" else "vi", samesite="lax", secure=secure_cookies(request),
                            max_age=365 * 86400, httponly=True)
        return response

    # --- overview -----------------------------------------------------------------------------------------

    def period_or_refuse(text: str | None) -> st.Period:
        try:
            return queries.parse_period(text)
        except ValueError:
            raise Refused(400, "Kỳ không hợp lệ (ví dụ 2026-10, 2026-Q4, 2026).",
                          "Invalid period (e.g. 2026-10, 2026-Q4, 2026).") from None

    @router.get("/console/")
    def overview(request: Request, period: str = "", sort: str = "", dir: str = "asc", q: str = "",
                 only: str = "") -> Response:
        session = page(request, READERS)
        p = period_or_refuse(period)
        rows = queries.sort_filter(queries.overview(db, p), sort, dir == "desc", q[:64], only)
        name = "overview_table.html" if request.headers.get("HX-Request") else "overview.html"
        return render(request, name, session, active="overview", rows=rows, period=p, sort=sort, dir=dir, q=q[:64],
                      only=only, quiet_hours=queries.QUIET_HOURS)

    @router.get("/console")
    def console_root() -> Response:
        return RedirectResponse("/console/", status_code=307)

    # --- stations -----------------------------------------------------------------------------------------

    def stations_page(request: Request, session: auth.Session, status: int = 200, **extra: Any) -> HTMLResponse:
        return render(request, "stations.html", session, status=status, active="stations",
                      stations=queries.station_rows(db), **extra)

    @router.get("/console/stations")
    def stations_get(request: Request) -> Response:
        return stations_page(request, page(request, READERS))

    @router.post("/console/stations")
    async def stations_add(request: Request) -> Response:
        session, form = await form_of(request, ("admin",))
        commune, name = form.get("commune_code", "").strip(), form.get("name", "").strip()[:200]

        try:
            station, code = stations.add_station(db, commune, name)
        except ApiError as exc:
            auth.record(db, session.staff.username, "station.add", commune[:16], "failed", client_of(request),
                        {"code": exc.code})
            return stations_page(request, session, 400, error_vi=exc.vi, error_en=exc.en, form=form)
        auth.record(db, session.staff.username, "station.add", station.id, "ok", client_of(request),
                    {"commune_code": station.commune_code})
        return stations_page(request, session, new_code={"station": station, "code": code,
                                                         "expires": queries.station_expiry(db, station.id)})

    @router.post("/console/stations/{station_id}/revoke")
    async def stations_revoke(request: Request, station_id: str) -> Response:
        session, _ = await form_of(request, ("admin",))
        ok = stations.revoke(db, station_id[:32])
        auth.record(db, session.staff.username, "station.revoke", station_id[:32], "ok" if ok else "failed",
                    client_of(request))
        return stations_page(request, session, 200 if ok else 404,
                             notice_vi=f"Đã thu hồi trạm {station_id}." if ok else "Không có trạm này.",
                             notice_en=f"Station {station_id} revoked." if ok else "No such station.")

    @router.post("/console/stations/{station_id}/reissue")
    async def stations_reissue(request: Request, station_id: str) -> Response:
        session, _ = await form_of(request, ("admin",))
        code = queries.reissue_code(db, station_id[:32])
        auth.record(db, session.staff.username, "station.reissue", station_id[:32], "ok" if code else "failed",
                    client_of(request))
        if code is None:
            return stations_page(request, session, 404, notice_vi="Không có trạm này hoặc trạm đã bị thu hồi.",
                                 notice_en="No such station, or it was revoked.")
        row = next(r for r in queries.station_rows(db) if r["id"] == station_id)
        return stations_page(request, session, new_code={"station": row, "code": code,
                                                         "expires": queries.station_expiry(db, station_id)})

    @router.post("/console/officers")
    async def officers_issue(request: Request) -> Response:
        """An officer account for a commune's stations (``officers.issue``, as ``province-server officer add``):
        the one-time password is shown once; ``disable`` turns the account off at the commune's stations."""
        from .. import officers

        session, form = await form_of(request, ("admin",))
        commune = form.get("commune_code", "").strip()[:8]
        username = form.get("username", "").strip().lower()[:32]
        role = form.get("role", "officer")
        disable = form.get("op") == "disable"
        if queries.commune_name(commune) == commune or role not in ("officer", "station_head"):
            return stations_page(request, session, 400, error_vi="Mã xã/phường hoặc vai trò không hợp lệ.",
                                 error_en="Unknown commune code or role.", officer_form=form)
        try:
            _rid, password = officers.issue(db, commune, username, form.get("full_name", "").strip()[:120]
                                            or username, role, active=not disable)
        except ValueError as exc:
            auth.record(db, session.staff.username, "officer." + ("disable" if disable else "issue"),
                        f"{commune}/{username}", "failed", client_of(request))
            return stations_page(request, session, 400, error_vi="Tài khoản không hợp lệ: " + str(exc),
                                 error_en="Invalid account: " + str(exc), officer_form=form)
        auth.record(db, session.staff.username, "officer." + ("disable" if disable else "issue"),
                    f"{commune}/{username}", "ok", client_of(request), {"role": role})
        if disable:
            return stations_page(request, session, notice_vi=f"Đã khóa tài khoản {username} tại {commune}; các trạm "
                                 "nhận ở lần đồng bộ tiếp theo.", notice_en=f"{username} disabled at {commune}; "
                                 "the stations take it at their next sync.")
        return stations_page(request, session, officer_password={"username": username, "commune": commune,
                                                                 "password": password})

    # --- statistics ---------------------------------------------------------------------------------------

    def province(p: st.Period) -> dict[str, Any]:
        return queries.province_table(db, p)

    @router.get("/console/statistics")
    def statistics_get(request: Request, period: str = "") -> Response:
        session = page(request, READERS)
        p = period_or_refuse(period)
        table = province(p)
        from ..statistics import HEADLINE

        bars = [(f"{r['commune_code']} {queries.commune_name(r['commune_code'])}",
                 float(r["computed"]["dossiers.resolved.on_time_rate"])
                 if r["computed"].get("dossiers.resolved.on_time_rate") is not None else None,
                 f"({r['computed'].get('dossiers.resolved', 0)})") for r in table["communes"]]
        received = [(f"{r['commune_code']} {queries.commune_name(r['commune_code'])}",
                     float(r["computed"].get("dossiers.received", 0)), "") for r in table["communes"]]
        return render(request, "statistics.html", session, active="statistics", period=p, table=table,
                      headline=HEADLINE, names={r["commune_code"]: queries.commune_name(r["commune_code"])
                                                for r in table["communes"]},
                      chart_rate=queries.bar_chart(bars, max_value=100.0),
                      chart_received=queries.bar_chart(received, unit=""))

    @router.get("/console/statistics/commune/{code}")
    def statistics_commune(request: Request, code: str, period: str = "") -> Response:
        session = page(request, READERS)
        p = period_or_refuse(period)
        from ..statistics import province_table

        table = province_table(db, p, communes=[code[:8]])
        row = table["communes"][0] if table["communes"] else None
        keys = sorted({*row["computed"], *(row["submitted"] or {})}) if row else []
        return render(request, "statistics_commune.html", session, active="statistics", period=p, row=row,
                      keys=keys, code=code[:8], commune_name=queries.commune_name(code[:8]))

    @router.get("/console/statistics/export.{fmt}")
    def statistics_export(request: Request, fmt: str, period: str = "") -> Response:
        session = page(request, READERS)
        if fmt not in ("csv", "xlsx"):
            raise Refused(404, "Không có định dạng này.", "No such format.")
        p = period_or_refuse(period)
        from station_client.statistics_export import write_csv, write_xlsx

        from ..statistics import export_tables

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"thong-ke-{p.label}.{fmt}"
            (write_csv if fmt == "csv" else write_xlsx)(path, export_tables(province(p)))
            data = path.read_bytes()
        auth.record(db, session.staff.username, "statistics.export", p.label, "ok", client_of(request),
                    {"format": fmt})
        media = "text/csv; charset=utf-8" if fmt == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(data, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="thong-ke-{p.label}.{fmt}"', "Cache-Control": "no-store"})

    # --- conflicts, audit, inbox --------------------------------------------------------------------------

    @router.get("/console/conflicts")
    def conflicts_get(request: Request) -> Response:
        session = page(request, READERS)
        return render(request, "conflicts.html", session, active="conflicts", conflicts=queries.open_conflicts(db),
                      reviews=queries.open_reviews(db))

    @router.get("/console/audit")
    def audit_get(request: Request) -> Response:
        session = page(request, READERS)
        return render(request, "audit.html", session, active="audit", results=queries.audit_results(db))

    def inbox_page(request: Request, session: auth.Session, status: int = 200, **extra: Any) -> HTMLResponse:
        from station_client.domain import agency as ag
        from station_client.domain.crime_reports import AGENCY_DECISIONS, AGENCY_EXTENSIONS
        from station_client.domain.deadlines import OUTCOMES

        return render(request, "inbox.html", session, status=status, active="inbox",
                      reports=queries.transferred_reports(db), decisions=AGENCY_DECISIONS,
                      extensions=AGENCY_EXTENSIONS, stages=ag.STAGES, outcomes=OUTCOMES, **extra)

    @router.get("/console/inbox")
    def inbox_get(request: Request) -> Response:
        return inbox_page(request, page(request, ("admin", "agency")))

    @router.post("/console/inbox/{record_id}/{action}")
    async def inbox_act(request: Request, record_id: str, action: str) -> Response:
        from . import agency

        session, form = await form_of(request, ("agency",))
        action = action[:20]
        details = {k: form.get(k, "")[:2000] for k in ("decision", "ground", "decision_no", "date")}
        try:
            seen = int(form.get("version", ""))
        except ValueError:
            raise Refused(400, "Thiếu phiên bản hồ sơ.", "The record version is missing.") from None
        try:
            version = agency.act(db, record_id[:64], action, details, seen, session.staff.username)
        except agency.DecisionRefused as exc:
            auth.record(db, session.staff.username, f"agency.{action}", record_id[:64], "failed", client_of(request),
                        {"decision": details["decision"][:20], "status": exc.status})
            return inbox_page(request, session, exc.status, error_vi=exc.vi, error_en=exc.en)
        auth.record(db, session.staff.username, f"agency.{action}", record_id[:64], "ok", client_of(request),
                    {"decision": details["decision"][:20], "version": version})
        return inbox_page(request, session, notice_vi="Đã ghi; xã nhận ở lần đồng bộ tiếp theo.",
                          notice_en="Saved; the commune gets it at its next sync.")

    # --- reference data -----------------------------------------------------------------------------------

    def reference_page(request: Request, session: auth.Session, status: int = 200, **extra: Any) -> HTMLResponse:
        from . import reference

        year = request.query_params.get("year", "")
        rows, own = reference.override_rows(db, int(year) if year.isdigit() and len(year) == 4 else None)
        classes = reference.commune_classes(db)
        communes = sorted({r["commune_code"] for r in queries.station_rows(db)} | set(classes))
        return render(request, "reference.html", session, status=status, active="reference", overrides=rows,
                      own=own, classes=[{"code": c, "name": queries.commune_name(c), **classes.get(c, {})}
                                        for c in communes], lookup_url=stations.lookup_base_url(db, ""),
                      **_catalogue_context(request, session, extra), **extra)

    def _catalogue_context(request: Request, session: auth.Session, extra: dict[str, Any]) -> dict[str, Any]:
        """The procedure and rule lists, and the edit form of the one named by ``?procedure=`` / ``?rule=``
        (admin only), prefilled from the record unless a posted form is shown again."""
        from . import reference_catalogue as rc

        procs, rule_rows = rc.procedures(db), rc.rules(db)
        out: dict[str, Any] = {"procedures": procs, "rules": rule_rows, "units": rc.unit_choices(),
                               "document_forms": rc.document_forms(), "unit_label": rc.unit_label,
                               "money": rc.money, "anchor_label": rc.anchor_label}
        if not session.staff.is_admin:
            return out
        key = request.query_params.get("procedure", "")
        if "proc_form" not in extra and key:
            p = next((x for x in procs if x["key"] == key), None)
            if p is not None:
                out["proc_form"] = {"key": p["key"], "name": p.get("name") or "", "name_en": p.get("name_en") or "",
                                    "amount": str(p["duration"]["amount"]), "unit": p["duration"]["unit"],
                                    "fee_in_person": "" if p.get("fee_in_person") is None else str(p["fee_in_person"]),
                                    "fee_online": "" if p.get("fee_online") is None else str(p["fee_online"]),
                                    "documents": rc.documents_text(p.get("documents")),
                                    "active": "0" if p.get("active") is False else "1"}
        key = request.query_params.get("rule", "")
        if "rule_form" not in extra and key:
            r = next((x for x in rule_rows if x["key"] == key), None)
            if r is not None:
                out["rule_form"] = {"key": r["key"], "amount": str(r["amount"]), "unit": r["unit"],
                                    "extension": str((r.get("extension") or {}).get("amount") or ""),
                                    "legal_basis": r.get("legal_basis") or ""}
        return out

    @router.get("/console/reference")
    def reference_get(request: Request) -> Response:
        return reference_page(request, page(request, READERS))

    @router.post("/console/reference/calendar")
    async def reference_calendar(request: Request) -> Response:
        from . import reference

        session, form = await form_of(request, ("admin",))
        override, problems = reference.parse_override(form)
        delete = form.get("op") == "delete"
        if override is None:
            return reference_page(request, session, 400, problems=problems, cal_form=form)
        if form.get("confirm") != "1":
            return reference_page(request, session, preview=reference.preview_override(db, override, delete),
                                  preview_kind="calendar", cal_form=form)
        reference.save_override(db, override, delete)
        auth.record(db, session.staff.username, "reference.calendar." + ("delete" if delete else "save"),
                    override.day.isoformat(), "ok", client_of(request), {"type": override.type})
        return reference_page(request, session, notice_vi=f"Đã lưu ngày {override.day:%d/%m/%Y}; các trạm nhận khi "
                              "đồng bộ.", notice_en=f"{override.day:%d/%m/%Y} saved; stations take it at their sync.")

    @router.post("/console/reference/commune")
    async def reference_commune(request: Request) -> Response:
        from . import reference

        session, form = await form_of(request, ("admin",))
        values, problems = reference.parse_class(form)
        if values is None:
            return reference_page(request, session, 400, problems=problems, class_form=form)
        if form.get("confirm") != "1":
            return reference_page(request, session, preview=reference.preview_class(db, values),
                                  preview_kind="commune", class_form=form)
        reference.save_class(db, values)
        auth.record(db, session.staff.username, "reference.commune_class", values["commune_code"], "ok",
                    client_of(request), {"remote": values["remote"]})
        return reference_page(request, session, notice_vi=f"Đã lưu phân loại {values['commune_name']}.",
                              notice_en=f"Classification of {values['commune_name']} saved.")

    @router.post("/console/reference/lookup-url")
    async def reference_lookup_url(request: Request) -> Response:
        from . import reference

        session, form = await form_of(request, ("admin",))
        url = form.get("url", "").strip().rstrip("/")
        if not url.startswith(("https://", "http://")) or " " in url or len(url) > 200:
            return reference_page(request, session, 400, lookup_form={"url": url}, problems=[reference.Problem(
                "Địa chỉ phải bắt đầu bằng https:// (hoặc http://), không có dấu cách, tối đa 200 ký tự.",
                "The address must start with https:// (or http://), with no spaces, at most 200 characters.")])
        if form.get("confirm") != "1":
            return reference_page(request, session, preview=reference.preview_lookup_url(db, url),
                                  preview_kind="lookup", lookup_form={"url": url})
        stations.set_lookup_base_url(db, url)
        auth.record(db, session.staff.username, "reference.lookup_url", url, "ok", client_of(request), {})
        return reference_page(request, session, notice_vi="Đã lưu địa chỉ trang tra cứu; các trạm nhận khi đồng bộ.",
                              notice_en="Lookup address saved; stations take it at their sync.")

    @router.post("/console/reference/procedure")
    async def reference_procedure(request: Request) -> Response:
        from . import reference_catalogue as rc

        session, form = await form_of(request, ("admin",))
        key = form.get("key", "").strip()[:64]
        current = rc.get_procedure(db, key)
        if current is None:
            return reference_page(request, session, 404, problems=[rc.Problem(
                f"Không có thủ tục mã {key} trong danh mục.", f"No procedure {key} in the catalogue.")])
        record, problems = rc.parse_procedure(form, current)
        if record is None:
            return reference_page(request, session, 400, problems=problems, proc_form=form)
        if form.get("confirm") != "1":
            return reference_page(request, session, change=rc.preview_procedure(db, current, record),
                                  preview_kind="procedure", proc_form=form)
        change = rc.preview_procedure(db, current, record)
        rc.save_procedure(db, current["record_id"], record)
        auth.record(db, session.staff.username, "reference.procedure.save", key, "ok", client_of(request),
                    {"changed": [label for label, _, _ in change.diff], "duration": record["duration"]})
        return reference_page(request, session, notice_vi=f"Đã lưu thủ tục {record['name']}; các trạm nhận khi đồng "
                              "bộ.", notice_en=f"Procedure {key} saved; stations take it at their sync.")

    @router.post("/console/reference/rule")
    async def reference_rule(request: Request) -> Response:
        from . import reference_catalogue as rc

        session, form = await form_of(request, ("admin",))
        key = form.get("key", "").strip()[:100]
        current = rc.get_rule(db, key)
        if current is None:
            return reference_page(request, session, 404, problems=[rc.Problem(
                f"Không có quy định thời hạn mã {key}.", f"No deadline rule {key}.")])
        record, problems = rc.parse_rule(form, current)
        if record is None:
            return reference_page(request, session, 400, problems=problems, rule_form=form)
        if form.get("confirm") != "1":
            return reference_page(request, session, change=rc.preview_rule(db, current, record),
                                  preview_kind="rule", rule_form=form)
        rc.save_rule(db, current["record_id"], record)
        auth.record(db, session.staff.username, "reference.rule.save", key, "ok", client_of(request),
                    {"amount": record["amount"], "unit": record["unit"], "extension": record.get("extension")})
        return reference_page(request, session, notice_vi=f"Đã lưu quy định thời hạn {key}; các trạm nhận khi đồng "
                              "bộ.", notice_en=f"Deadline rule {key} saved; stations take it at their sync.")

    # --- staff (admin) ------------------------------------------------------------------------------------

    def staff_page(request: Request, session: auth.Session, status: int = 200, **extra: Any) -> HTMLResponse:
        return render(request, "staff.html", session, status=status, active="staff", staff_rows=auth.list_staff(db),
                      **extra)

    @router.get("/console/staff")
    def staff_get(request: Request) -> Response:
        return staff_page(request, page(request, ("admin",)))

    @router.post("/console/staff")
    async def staff_add(request: Request) -> Response:
        session, form = await form_of(request, ("admin",))
        try:
            added = auth.add_staff(db, form.get("username", ""), form.get("full_name", ""), form.get("role", ""),
                                   form.get("password", ""), by=session.staff.username)
        except auth.StaffError as exc:
            auth.record(db, session.staff.username, "staff.add", form.get("username", "")[:32], "failed",
                        client_of(request), {"reason": exc.en})
            return staff_page(request, session, 400, error_vi=exc.vi, error_en=exc.en)
        return staff_page(request, session, notice_vi=f"Đã tạo tài khoản {added.username}.",
                          notice_en=f"Account {added.username} created.")

    def staff_action(action: Callable[..., bool], vi: str, en: str) -> Callable[..., Any]:
        async def handler(request: Request, username: str) -> Response:
            session, _ = await form_of(request, ("admin",))
            if username == session.staff.username and action is not auth.unlock:
                raise Refused(400, "Không thể tự vô hiệu hóa tài khoản của mình.", "You cannot disable yourself.")
            ok = action(db, username[:32], by=session.staff.username, client=client_of(request))
            return staff_page(request, session, 200 if ok else 404, notice_vi=vi.format(username),
                              notice_en=en.format(username))
        return handler

    router.add_api_route("/console/staff/{username}/unlock", staff_action(
        auth.unlock, "Đã mở khóa {}.", "{} unlocked."), methods=["POST"])
    router.add_api_route("/console/staff/{username}/disable", staff_action(
        lambda d, u, **kw: auth.set_active(d, u, False, **kw), "Đã vô hiệu hóa {}.", "{} disabled."),
        methods=["POST"])
    router.add_api_route("/console/staff/{username}/enable", staff_action(
        lambda d, u, **kw: auth.set_active(d, u, True, **kw), "Đã kích hoạt {}.", "{} enabled."), methods=["POST"])

    @router.get("/console/log")
    def log_get(request: Request, user: str = "") -> Response:
        session = page(request, ("admin",))
        return render(request, "log.html", session, active="log", entries=auth.recent_audit(db, 300, user or None),
                      user=user)

    # --- public lookup ------------------------------------------------------------------------------------

    def lookup_page(request: Request, status: int, **context: Any) -> HTMLResponse:
        response = render(request, "lookup.html", None, status=status, **context)
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    @router.get("/tra-cuu")
    def lookup_form(request: Request, code: str = "") -> Response:
        if code.strip():
            return RedirectResponse("/tra-cuu/" + quote(code.strip()[:40], safe=""), status_code=303)
        return lookup_page(request, 200, result=None, code="")

    @router.get("/tra-cuu/{code}")
    def lookup_get(request: Request, code: str) -> Response:
        wait = lookup_limiter.take(client_of(request))
        if wait > 0:
            retry = retry_after_header(wait)
            response = lookup_page(request, 429, result=None, code=code[:40], error="rate", retry=retry)
            response.headers["Retry-After"] = retry
            return response
        params = receipts.link_params(dict(request.query_params))
        checked = None
        if params is not None:  # a receipt's QR link: verified with the receiving station's key
            try:
                checked = receipts.check(db, code[:40], params)
            except ApiError:
                return lookup_page(request, 400, result=None, code=code[:40], error="invalid")
        try:
            result = queries.lookup(db, code[:40])
        except ValueError:
            return lookup_page(request, 400, result=None, code=code[:40], error="check")
        if result is None and checked is not None:
            # Genuine, printed while the station was offline: the province has not heard of the dossier yet.
            pending = checked.answer() | {"received_local": queries.local_time(checked.answer()["received_at"])}
            return lookup_page(request, 200, result=None, pending=pending, code=checked.link.lookup_code)
        if result is None:
            return lookup_page(request, 404, result=None, code=code[:40], error="unknown")
        return lookup_page(request, 200, result=result, code=result["lookup_code"], verified=checked is not None)

    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
