"""Rate limits, a token quota and network latency, per key: the platform's, imitated; off by default.

The batching lesson meets a 429, the SDK's retries and a spent quota, and sees concurrency
pay off although the local model answers one request at a time:

>>> box = chatkit.sandbox.running()                            # doctest: +SKIP
>>> box.limits.update(rpm=20, tpm=4_000, latency_ms=300)       # doctest: +SKIP
Limits(rpm=20, tpm=4000, quota_tokens=None, latency_ms=300)
>>> box.limits.reset()   # full buckets, an unused quota       # doctest: +SKIP

- Each rate limit is a **token bucket**: it holds a minute's allowance and refills
  continuously (rpm=60 gives one request back every second). A request gets in only if
  both buckets hold enough; a refused one takes nothing.
- A request's tokens are counted **before it runs**: prompt + output limit (``max_tokens``,
  ``max_completion_tokens`` or ``max_output_tokens``, times ``n``; when unset 512, or the
  legacy endpoint's 16), by :func:`chatkit.tokens.request_tokens`, the rule chatkit's runner
  and spending guard use too.
- The **quota** counts the tokens really used (as the store records them, Batch API
  included) since it was set or reset; requests in flight can overshoot it a little.
- **Latency**: every request waits ``latency_ms`` before the sandbox reads it, so its
  status, headers and first event come that much later; waits overlap, the model is free.
- Only chat, completions and responses call :func:`admit`: ``/v1/models``,
  ``input_tokens`` and the Batch API's requests never count. A limit that is off sends no
  ``x-ratelimit-*`` headers: there is nothing to report.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter

from ..bucket import EPSILON, Bucket
from .wire import APIError

ORG = "org-sandbox"
SETTINGS = ("rpm", "tpm", "quota_tokens", "latency_ms")
LEARN_MORE = ("Visit https://platform.openai.com/account/rate-limits to learn more. (In the sandbox, "
              "chatkit.sandbox.running().limits shows and changes the limits.)")
QUOTA_DOCS = "https://platform.openai.com/docs/guides/error-codes/api-errors"


def bucket_headers(bucket: Bucket, unit: str) -> list[tuple[str, str]]:
    """The ``x-ratelimit-*`` headers of one limit (``unit``: requests or tokens), as the platform sends them."""
    return [(f"x-ratelimit-limit-{unit}", str(bucket.size)),
            (f"x-ratelimit-remaining-{unit}", str(math.floor(bucket.level + EPSILON))),
            (f"x-ratelimit-reset-{unit}", duration(bucket.wait(bucket.size)))]


class Limits:
    """The sandbox's limits; None or 0 turns each one off.

    **Parameters:** ``rpm`` and ``tpm``, per key and minute; ``quota_tokens``, what a key may
    use in all; ``latency_ms``, a network round trip added to every request; ``clock``,
    seconds as a float (``time.monotonic``; tests pass one they move by hand), and ``sleep``,
    how the latency is waited (``asyncio.sleep``; tests pass one that records it).

    >>> limits = Limits(rpm=2, clock=lambda: 0.0)
    >>> limits.take("key_demo", "demo-model", 10); limits.take("key_demo", "demo-model", 10)
    >>> limits.take("key_demo", "demo-model", 10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chatkit.sandbox.wire.APIError: Rate limit reached for demo-model ... Please try again in 30s. ...
    """

    def __init__(self, rpm: int | None = None, tpm: int | None = None, quota_tokens: int | None = None,
                 latency_ms: float = 0, *, clock=time.monotonic, sleep=asyncio.sleep) -> None:
        self.clock, self.sleep, self._lock = clock, sleep, threading.Lock()
        self._requests: dict[str, Bucket] = {}
        self._tokens: dict[str, Bucket] = {}
        self._quota_start: dict[str, int] = {}  # a key's recorded usage when its quota started counting
        self.refused: Counter[str] = Counter()  # 429s sent, by code: what the lesson can print
        self.rpm = self.tpm = self.quota_tokens = self.latency_ms = None
        self.update(rpm=rpm, tpm=tpm, quota_tokens=quota_tokens, latency_ms=latency_ms)

    def __repr__(self) -> str:
        return "Limits(" + ", ".join(f"{name}={getattr(self, name)}" for name in SETTINGS) + ")"

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in SETTINGS)

    def update(self, **settings) -> Limits:
        """Change some settings; each one changed starts afresh (full buckets, an unused quota)."""
        for name, value in settings.items():
            if name not in SETTINGS:
                raise TypeError(f"Limits has no setting {name!r}: use one of {', '.join(SETTINGS)}.")
            kinds = (int, float) if name == "latency_ms" else int
            if value is not None and (isinstance(value, bool) or not isinstance(value, kinds) or value < 0):
                raise ValueError(f"{name} must be a whole number of at least 0 (0 or None turns it off), "
                                 f"not {value!r}.")
        with self._lock:
            for name, value in settings.items():
                setattr(self, name, value or None)
            for name, table in (("rpm", self._requests), ("tpm", self._tokens), ("quota_tokens", self._quota_start)):
                if name in settings:
                    table.clear()
        return self

    def reset(self) -> None:
        """Full buckets and an unused quota for every key, and no refusals counted."""
        with self._lock:
            for table in (self._requests, self._tokens, self._quota_start, self.refused):
                table.clear()

    def take(self, key_id: str, model: str, tokens: int) -> None:
        """Count one request costing ``tokens`` against the key's limits, or raise the platform's 429."""
        with self._lock:
            now = self.clock()
            wanted = [(bucket, amount, unit) for bucket, amount, unit in (
                (self._bucket(self._requests, self.rpm, key_id, now), 1, "requests"),
                (self._bucket(self._tokens, self.tpm, key_id, now), tokens, "tokens")) if bucket]
            # Report what blocks longest: a request too large for a whole minute, else the longest wait.
            worst = max(wanted, key=lambda w: (w[1] > w[0].size, w[0].wait(w[1])), default=None)
            if worst and worst[0].wait(worst[1]):
                raise self._refuse(rate_limited(model, *worst))
            for bucket, amount, _ in wanted:
                bucket.take(amount)

    def check_quota(self, key_id: str, recorded: int) -> None:
        """Raise the 429 of a spent balance (type ``insufficient_quota``, code ``credit_balance_exhausted``) once
        the key has used its quota; ``recorded``: all its usage so far."""
        with self._lock:
            if not self.quota_tokens:
                return
            spent = recorded - self._quota_start.setdefault(key_id, recorded)
            if spent >= self.quota_tokens:
                raise self._refuse(no_quota(spent, self.quota_tokens))

    def headers(self, key_id: str) -> list[tuple[str, str]]:
        """The ``x-ratelimit-*`` headers of the key's limits that are on."""
        with self._lock:
            now, found = self.clock(), []
            for table, size, unit in ((self._requests, self.rpm, "requests"), (self._tokens, self.tpm, "tokens")):
                bucket = self._bucket(table, size, key_id, now)
                found += bucket_headers(bucket, unit) if bucket else []
        return found

    def _bucket(self, table: dict[str, Bucket], size: int | None, key_id: str, now: float) -> Bucket | None:
        if not size:
            return None
        return table.setdefault(key_id, Bucket(size, now)).refill(now)

    def _refuse(self, error: APIError) -> APIError:
        self.refused[error.code] += 1
        return error


# --- the errors, worded as the platform words them ------------------------------------

UNITS = {"requests": "requests per min (RPM)", "tokens": "tokens per min (TPM)"}


def rate_limited(model: str, bucket: Bucket, amount: int, unit: str, *, org: str = ORG,
                 learn_more: str = LEARN_MORE) -> APIError:
    """The platform's 429 for a full bucket; the classroom's gateway passes its own ``org`` and ``learn_more``."""
    where = f"{model} in organization {org} on {UNITS[unit]}: Limit {bucket.size}"
    if amount > bucket.size:  # waiting cannot help: the SDK is told not to retry
        return APIError(429, f"Request too large for {where}, Requested {amount}. The input or output tokens "
                        f"must be reduced in order to run successfully. {learn_more}", type=unit,
                        code="rate_limit_exceeded", headers={"x-should-retry": "false"})
    wait_ms = max(1, _ms(bucket.wait(amount)))
    used = bucket.size - math.floor(bucket.level + EPSILON)  # Used + remaining = Limit, as in the headers
    return APIError(429, f"Rate limit reached for {where}, Used {used}, Requested {amount}. Please try again in "
                    f"{duration(wait_ms / 1000)}. {learn_more}", type=unit, code="rate_limit_exceeded",
                    headers={"retry-after-ms": str(wait_ms), "retry-after": str(math.ceil(wait_ms / 1000))})


def no_quota(spent: int, quota: int) -> APIError:
    message = ("You exceeded your current quota, please check your plan and billing details. For more information "
               f"on this error, read the docs: {QUOTA_DOCS}. (In the sandbox, this key has used {spent:,} of its "
               f"{quota:,} quota tokens; chatkit.sandbox.running().limits.reset() gives it a new allowance.)")
    return APIError(429, message, type="insufficient_quota", code="credit_balance_exhausted",
                    headers={"x-should-retry": "false"})


def duration(seconds: float) -> str:
    """A wait as the platform writes it (Go's style): ``0s``, ``120ms``, ``1.2s``, ``6m0s``.

    >>> [duration(s) for s in (0, 0.12, 1.2, 360, 90.5)]
    ['0s', '120ms', '1.2s', '6m0s', '1m30.5s']
    """
    ms = _ms(seconds)
    if ms <= 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    minutes, ms = divmod(ms, 60_000)
    rest = f"{ms / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{minutes}m{rest}" if minutes else rest


def _ms(seconds: float) -> int:
    return math.ceil(seconds * 1000 - EPSILON)  # rounded up: waiting that long is always enough


async def admit(request, key_id: str, tokens: int) -> None:
    """Refuse the request with a 429 if its key is over its quota or a rate limit; else count it.

    The route calls it once the request is checked (a 400 comes before any counting), with
    the request's ``tokens`` (``Prepared.counted``, from :func:`chatkit.tokens.request_tokens`).
    """
    state = request.app.state
    limits: Limits = state.limits
    try:
        if limits.quota_tokens:
            rows = await asyncio.to_thread(state.store.usage, key_id)
            limits.check_quota(key_id, sum(row["input_tokens"] + row["output_tokens"] for row in rows))
        if limits.rpm or limits.tpm:
            limits.take(key_id, getattr(request.state, "model_id", state.engine.model_id), tokens)
    finally:  # the headers tell the state just after this request was counted (or refused), not after it ran
        request.state.ratelimit_headers = limits.headers(key_id)


class LimitsMiddleware:
    """ASGI middleware: the simulated latency, then the ``x-ratelimit-*`` headers of an authenticated request.

    A route marks its request authenticated by setting ``request.state.key_id``; :func:`admit`
    leaves the headers of the moment it counted the request in ``request.state.ratelimit_headers``.
    """

    def __init__(self, app, limits: Limits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.limits.latency_ms:
            await self.limits.sleep(self.limits.latency_ms / 1000)  # on the event loop: waits overlap

        async def send_with_headers(message):
            state = scope.get("state", {})
            if message["type"] == "http.response.start" and state.get("key_id"):
                found = state.get("ratelimit_headers")
                found = self.limits.headers(state["key_id"]) if found is None else found
                extra = [(name.encode(), value.encode()) for name, value in found]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
