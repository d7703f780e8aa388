"""A token bucket: the rate limit of the platform, and of whoever stays under it.

The sandbox refuses requests with one (sandbox/limits.py, the platform's 429s imitated);
the batch runner waits with one before sending (batch/throttle.py). Both pass the time in,
so a test can move a fake clock by hand.
"""

from __future__ import annotations

MINUTE = 60.0  # seconds: the platform's limits are per minute
EPSILON = 1e-9  # an amount that fits to the last float bit fits


class Bucket:
    """Holds up to ``size`` units (a minute's allowance), starts full and refills at ``size`` per minute,
    continuously; ``now`` is the time in seconds on the caller's clock.

    >>> bucket = Bucket(60, now=0.0)       # one unit back every second
    >>> bucket.take(60); bucket.wait(2)
    2.0
    >>> bucket.refill(now=2.0).wait(2)
    0.0
    """

    def __init__(self, size: float, now: float) -> None:
        self.size, self.level, self.time = size, float(size), now

    def refill(self, now: float) -> Bucket:
        self.level = min(self.size, self.level + (now - self.time) * self.size / MINUTE)
        self.time = now
        return self

    def wait(self, amount: float) -> float:
        """Seconds until ``amount`` fits: 0 if it fits now."""
        missing = amount - self.level
        return 0.0 if missing <= EPSILON else missing * MINUTE / self.size

    def take(self, amount: float) -> None:
        self.level -= amount
