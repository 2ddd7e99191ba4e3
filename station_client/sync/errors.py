"""Every way a sync can fail, classified once (../shared/sync.md rule 4, the protocol's error table).

Each error carries plain words for the officer in Vietnamese and English. ``retryable`` errors are retried
with backoff inside a cycle and by the scheduler; the others stop the cycle and wait for a person or a fix.
"""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    code = "sync.error"
    retryable = False

    def __init__(self, vi: str, en: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(en)
        self.vi = vi
        self.en = en
        if code:
            self.code = code
        self.details = details or {}


class TransientError(SyncError):
    """Network errors, 5xx, 429: back off and retry."""

    code = "transient"
    retryable = True

    def __init__(self, vi: str, en: str, *, code: str | None = None, retry_after: float | None = None,
                 details: dict[str, Any] | None = None):
        super().__init__(vi, en, code=code, details=details)
        self.retry_after = retry_after


class OfflineError(TransientError):
    """The province cannot be reached at all (no route, refused, DNS): the link is down. Not an error for
    the officer: changes are kept and sent when the link returns."""

    code = "offline"


class AuthError(SyncError):
    """401: the token is unknown, revoked or rotated. Only re-enrolling helps."""

    code = "auth"


class ForbiddenError(SyncError):
    code = "forbidden"


class CursorAhead(SyncError):
    """409 ``cursor.ahead``: the province lost history (restored from a backup)."""

    code = "cursor.ahead"


class TooLarge(SyncError):
    """413: halve the batch."""

    code = "too_large"


class BadRequest(SyncError):
    """400/422: the server could not read the request (a bug here or there); isolate the change and move on."""

    code = "bad_request"


class ProtocolError(SyncError):
    """An answer this station cannot understand (not JSON, wrong shape, unexpected status)."""

    code = "protocol"
    retryable = True


class NotEnrolled(SyncError):
    code = "not_enrolled"

    def __init__(self) -> None:
        super().__init__("Trạm chưa được đăng ký với Công an tỉnh. Hãy đăng ký (mã do tỉnh cấp) để đồng bộ.",
                         "This station is not enrolled with the province. Enroll it (with the province's code) "
                         "to sync.")


class Cancelled(SyncError):
    """The cycle was stopped (app closing, or the watchdog replaced a stuck worker)."""

    code = "cancelled"
    retryable = True

    def __init__(self) -> None:
        super().__init__("Đồng bộ đã dừng.", "Sync was stopped.")
