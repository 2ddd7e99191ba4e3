"""Exponential backoff with full jitter: ``uniform(0, min(cap, base * 2**n))``.

Full jitter spreads the retries of a hundred stations that lost the link at the same moment, so they do not
come back as one wave (the AWS architecture blog's comparison of jitter strategies).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

RETRY_AFTER_MAX = 900.0  # seconds


@dataclass
class Backoff:
    base: float = 1.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        delay = self.rng.uniform(0, ceiling)
        if retry_after is not None:
            # The server said when (429/503 Retry-After): never earlier than that, even above our own cap (coming
            # back sooner only earns another 429), but still jittered above it; bounded against a silly value.
            delay = min(max(retry_after, 0.0), RETRY_AFTER_MAX) + delay * 0.1
        return delay

    def reset(self) -> None:
        self.attempt = 0
