"""Per-station rate limiting: a token bucket per station id, checked before a request's body is read.

A station's normal sync is a handful of requests per cycle (a first sync of 100,000 records is ~40), so the
limits are there for a runaway or hostile client, not to pace normal work: ``burst`` requests at once, then
``rate`` per second. Over the limit the answer is 429 with ``Retry-After`` (whole seconds until a token is
back), which the station's backoff honours. The buckets live in each worker process: with N workers a station
can get up to N times the rate (SQLite serves from one worker).

Configured by ``province-server serve --rate R --burst B`` (environment ``PROVINCE_SERVER_RATE`` /
``PROVINCE_SERVER_BURST``); ``--rate 0`` turns limiting off.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field

RATE_ENV = "PROVINCE_SERVER_RATE"
BURST_ENV = "PROVINCE_SERVER_BURST"
DEFAULT_RATE = 20.0  # requests per second, sustained
DEFAULT_BURST = 200.0
MAX_BUCKETS = 50_000  # a province has a few hundred stations; this only bounds memory


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    rate: float = DEFAULT_RATE
    burst: float = DEFAULT_BURST
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_env(cls) -> RateLimiter:
        rate = float(os.environ.get(RATE_ENV, DEFAULT_RATE))
        burst = float(os.environ.get(BURST_ENV, max(DEFAULT_BURST, rate)))
        return cls(rate=rate, burst=max(burst, 1.0))

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, now: float | None = None) -> float:
        """Take one token from ``key``'s bucket. Returns 0 if allowed, else the seconds until a token is back."""
        if not self.enabled:
            return 0.0
        t = time.monotonic() if now is None else now
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                if len(self._buckets) >= MAX_BUCKETS:
                    self._buckets.clear()  # a full refill for everyone is harmless; unbounded memory is not
                b = self._buckets[key] = _Bucket(self.burst, t)
            b.tokens = min(self.burst, b.tokens + (t - b.updated) * self.rate)
            b.updated = t
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate


    def peek(self, key: str, now: float | None = None) -> float:
        """0 if ``key``'s bucket has a token now (none is taken), else the seconds until it has one."""
        if not self.enabled:
            return 0.0
        t = time.monotonic() if now is None else now
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                return 0.0
            tokens = min(self.burst, b.tokens + (t - b.updated) * self.rate)
            return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate


# Enrollment, per client address: a bucket of *refused* attempts (unknown, used or expired codes, malformed
# bodies). A successful enrollment costs nothing, so a province office enrolling fifty stations from behind one
# address is never held up; someone guessing codes gets ``ENROLL_BURST`` tries, then one per ``1/ENROLL_RATE``
# seconds (429 ``rate_limited`` with ``Retry-After``). Per worker process, like the station buckets. Environment
# ``PROVINCE_SERVER_ENROLL_RATE`` / ``PROVINCE_SERVER_ENROLL_BURST``; a rate of 0 turns it off.
ENROLL_RATE_ENV = "PROVINCE_SERVER_ENROLL_RATE"
ENROLL_BURST_ENV = "PROVINCE_SERVER_ENROLL_BURST"
DEFAULT_ENROLL_RATE = 1 / 60  # one refused attempt a minute, sustained
DEFAULT_ENROLL_BURST = 10.0


def enroll_limiter_from_env() -> RateLimiter:
    rate = float(os.environ.get(ENROLL_RATE_ENV, DEFAULT_ENROLL_RATE))
    burst = float(os.environ.get(ENROLL_BURST_ENV, DEFAULT_ENROLL_BURST))
    return RateLimiter(rate=rate, burst=max(burst, 1.0))


def retry_after_header(wait_s: float) -> str:
    """Retry-After takes whole seconds (RFC 9110); never 0, or a client would come straight back."""
    return str(max(1, math.ceil(wait_s)))
