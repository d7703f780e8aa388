"""Stay under a rate limit on the client side: two token buckets, one for requests, one for tokens.

The platform counts a request's tokens before it runs: the prompt plus the output limit.
The runner does the same with the exact offline tokenizer, and waits before sending
whatever would go over a limit, so a big job meets few 429s instead of many.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    """``capacity`` units that refill evenly over a minute (``capacity`` per minute)."""

    capacity: float
    level: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.level, self.stamp = self.capacity, time.monotonic()

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.capacity / 60)
        self.stamp = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` units are available (0 if they are)."""
        missing = min(amount, self.capacity) - self.level
        return max(0.0, missing * 60 / self.capacity)


class Throttle:
    """Await :meth:`acquire` before each request: it returns once the request fits both limits.

    >>> throttle = Throttle(rpm=60, tpm=10_000)      # doctest: +SKIP
    >>> await throttle.acquire(tokens=250)           # doctest: +SKIP
    """

    # Aim a little under the limits: the server's buckets start and refill by its own clock,
    # and a request arriving a few milliseconds early would get a 429.
    MARGIN = 0.95

    def __init__(self, rpm: float | None = None, tpm: float | None = None) -> None:
        self.requests = Bucket(rpm * self.MARGIN) if rpm else None
        self.tokens = Bucket(tpm * self.MARGIN) if tpm else None
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int = 0) -> None:
        async with self._lock:  # first come, first served
            while True:
                now = time.monotonic()
                for bucket in (self.requests, self.tokens):
                    if bucket:
                        bucket.refill(now)
                waits = [b.wait_for(n) for b, n in ((self.requests, 1), (self.tokens, tokens)) if b]
                if max(waits, default=0) <= 0:
                    break
                await asyncio.sleep(max(waits))
            if self.requests:
                self.requests.level -= 1
            if self.tokens:
                self.tokens.level -= min(tokens, self.tokens.capacity)

    def pause(self, seconds: float) -> None:
        """After a 429, empty the buckets so that nothing is sent for about ``seconds``."""
        for bucket in (self.requests, self.tokens):
            if bucket:
                bucket.level = min(bucket.level, -seconds * bucket.capacity / 60)
