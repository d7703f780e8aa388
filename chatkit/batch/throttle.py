"""Stay under a rate limit on the client side: two token buckets (chatkit/bucket.py), one for requests,
one for tokens.

The platform counts a request's tokens before it runs: the prompt plus the output limit.
The runner does the same with the exact offline tokenizer, and waits before sending
whatever would go over a limit, so a big job meets few 429s instead of many.
"""

from __future__ import annotations

import asyncio
import time

from ..bucket import Bucket


class Throttle:
    """Await :meth:`acquire` before each request: it returns once the request fits both limits.

    ``clock`` (seconds) and ``sleep`` are ``time.monotonic`` and ``asyncio.sleep``; a test passes
    its own to see every wait without waiting.

    >>> throttle = Throttle(rpm=60, tpm=10_000)      # doctest: +SKIP
    >>> await throttle.acquire(tokens=250)           # doctest: +SKIP
    """

    # Aim a little under the limits: the server's buckets start and refill by its own clock,
    # and a request arriving a few milliseconds early would get a 429.
    MARGIN = 0.95

    def __init__(self, rpm: float | None = None, tpm: float | None = None, *, clock=time.monotonic,
                 sleep=asyncio.sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self.requests = Bucket(rpm * self.MARGIN, clock()) if rpm else None
        self.tokens = Bucket(tpm * self.MARGIN, clock()) if tpm else None
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int = 0) -> None:
        # A request larger than a whole minute's tokens waits for a full bucket, then empties it.
        wanted = [(b, min(n, b.size)) for b, n in ((self.requests, 1), (self.tokens, tokens)) if b]
        async with self._lock:  # first come, first served
            while True:
                now = self.clock()
                wait = max((b.refill(now).wait(n) for b, n in wanted), default=0.0)
                if not wait:
                    break
                await self.sleep(wait)
            for bucket, amount in wanted:
                bucket.take(amount)

