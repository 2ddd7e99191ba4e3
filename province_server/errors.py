"""API errors: always ``{"code", "vi", "en"}`` (plus details), never a stack trace."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, vi: str, en: str, headers: dict[str, str] | None = None,
                 **details: Any) -> None:
        super().__init__(f"{status} {code}: {en}")
        self.status = status
        self.code = code
        self.vi = vi
        self.en = en
        self.headers = headers
        self.details = details
        self.log_code: str | None = None  # what the request log records, when it must differ from ``code``

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "vi": self.vi, "en": self.en, **self.details}


def error_body(code: str, vi: str, en: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "vi": vi, "en": en, **details}


def unauthorized() -> ApiError:
    return ApiError(401, "auth.invalid", "Mã truy cập của trạm không hợp lệ hoặc đã bị thu hồi; cần đăng ký lại trạm.",
                    "The station token is unknown, revoked or replaced; enroll the station again.",
                    headers={"WWW-Authenticate": "Bearer"})


def admin_only() -> ApiError:
    return ApiError(403, "auth.admin_required", "Chức năng này chỉ dành cho quản trị cấp tỉnh.",
                    "This endpoint needs a province admin token.")


def forbidden_scope() -> ApiError:
    return ApiError(403, "scope", "Hồ sơ này thuộc xã/phường khác.", "This record belongs to another commune.")


def not_found(what_vi: str = "Không tìm thấy.", what_en: str = "Not found.") -> ApiError:
    return ApiError(404, "not_found", what_vi, what_en)


def too_large(en: str, vi: str) -> ApiError:
    return ApiError(413, "body.too_large", vi, en)
