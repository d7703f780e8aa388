"""Each student's limits, answered with the platform's own 429s, so the course's lessons on limits apply unchanged.

- Requests and tokens per minute are token buckets (chatkit/bucket.py) per student, in this
  process, counted before a call as the platform counts them (:func:`chatkit.tokens.request_tokens`):
  over one, a 429 ``rate_limit_exceeded`` with ``retry-after`` and the ``x-ratelimit-*`` headers.
- Tokens per day (UTC) and per course count what the student really used, as the store recorded
  it: once spent, a 429 ``insufficient_quota`` with ``x-should-retry: false``, which the SDK
  does not retry. Calls in flight can overshoot by what they use.
- A model the class does not allow answers as the platform answers a model you have no access to.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from ..bucket import Bucket
from ..sandbox.limits import bucket_headers, rate_limited
from ..sandbox.wire import APIError, model_not_found
from .store import Budget

ORG = "org-classroom"
LEARN_MORE = ("Visit https://platform.openai.com/account/rate-limits to learn more. (In this class, your teacher "
              "sets the limits.)")
QUOTA = ("You exceeded your current quota, please check your plan and billing details. For more information on this "
         "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.")


class Meter:
    """The per-minute buckets of every student; ``clock`` in seconds (tests pass one they move by hand)."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock, self._lock = clock, threading.Lock()
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def take(self, student: str, budget: Budget, model: str, tokens: int) -> None:
        """Count one call of ``tokens`` against the student's minute, or raise the platform's 429 (taking nothing)."""
        with self._lock:
            wanted = list(self._wanted(student, budget, tokens))
            # Report what blocks longest: a call too large for a whole minute, else the longest wait.
            worst = max(wanted, key=lambda w: (w[1] > w[0].size, w[0].wait(w[1])), default=None)
            if worst and worst[0].wait(worst[1]):
                raise rate_limited(model, *worst, org=ORG, learn_more=LEARN_MORE)
            for bucket, amount, _ in wanted:
                bucket.take(amount)

    def headers(self, student: str, budget: Budget) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers of the student's limits that are on."""
        with self._lock:
            return dict(pair for bucket, _, unit in self._wanted(student, budget, 0)
                        for pair in bucket_headers(bucket, unit))

    def _wanted(self, student: str, budget: Budget, tokens: int):
        now = self.clock()
        for unit, size, amount in (("requests", budget.rpm, 1), ("tokens", budget.tpm, tokens)):
            if size:
                bucket = self._buckets.get((student, unit))
                if bucket is None or bucket.size != size:  # the teacher changed the limit: a full new bucket
                    bucket = self._buckets[(student, unit)] = Bucket(size, now)
                yield bucket.refill(now), amount, unit


def check_model(budget: Budget, model: str) -> None:
    if budget.models is not None and model not in budget.models:
        raise model_not_found(model)


def check_quota(budget: Budget, used_today: int, used_in_course: int) -> None:
    """The 429 of a spent allowance, once the student has used the day's or the course's tokens."""
    for limit, used, period in ((budget.tokens_per_course, used_in_course, "the course"),
                                (budget.tokens_per_day, used_today, "today (UTC)")):
        if limit and used >= limit:
            raise APIError(429, f"{QUOTA} (In this class: you have used {used:,} of your {limit:,} tokens for "
                           f"{period}. Ask your teacher for more.)", type="insufficient_quota",
                           code="insufficient_quota", headers={"x-should-retry": "false"})


def start_of_day(now: float) -> float:
    """The Unix time of the UTC midnight before ``now``: a day's allowance starts there."""
    day = datetime.fromtimestamp(now, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()
