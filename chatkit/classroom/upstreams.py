"""Where the class's calls go: one or several OpenAI-compatible servers, spread round-robin, with failover.

An upstream is a base URL and the key to send it (the teacher's, which stays on the gateway): the
sandbox (default), a provider, or a vLLM / Ollama / llama.cpp server for more capacity. Each call
starts at the next upstream in turn; one that refuses the connection or answers 5xx (or refuses the
teacher's key, or is rate limited itself) is rested for ``rest`` seconds and the call goes on to the
next. A rested upstream is still tried last, so a class whose only upstream blinked is not refused.

>>> pool = Upstreams([Upstream("a", "http://127.0.0.1:8001/v1"), Upstream("b", "http://127.0.0.1:8002/v1")])
>>> [u.name for u in pool.order()], [u.name for u in pool.order()]
(['a', 'b'], ['b', 'a'])
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..errors import ChatkitError
from ..messages import say

REST = 30.0  # seconds an upstream that failed waits before it is tried first again


@dataclass
class Upstream:
    """``key``: what the gateway sends as ``Authorization: Bearer``; never shown (not in repr either)."""

    name: str
    base_url: str
    key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # An OpenAI client's base_url ends with "/": the gateway adds "/chat/completions" to it.
        self.base_url = self.base_url.rstrip("/")

    @classmethod
    def parse(cls, text: str, keys) -> Upstream:
        """``URL`` or ``URL,key=VARIABLE`` (the key read from the environment or .env by ``keys(VARIABLE)``):
        a key on the command line would show in the process list."""
        url, _, option = text.partition(",")
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChatkitError(say("classroom.upstream.bad_url.what", url=url),
                               fix=say("classroom.upstream.bad_url.fix"))
        if parts.username is not None or parts.password is not None:  # it would show in logs and on the dashboard
            shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
            raise ChatkitError(say("classroom.upstream.credentials.what", url=shown),
                               fix=say("classroom.upstream.credentials.fix"))
        key = None
        if option:
            name, _, variable = option.partition("=")
            key = keys(variable.strip()) if name.strip() == "key" and variable.strip() else None
            if not key:
                raise ChatkitError(say("classroom.upstream.no_key.what", option=option.strip()),
                                   fix=say("classroom.upstream.no_key.fix"))
        return cls(parts.netloc + parts.path.rstrip("/"), url.strip().rstrip("/"), key)


class Upstreams:
    """The upstreams of one gateway, in turn; ``clock`` in seconds (tests pass one they move by hand)."""

    def __init__(self, upstreams: list[Upstream], *, rest: float = REST, clock=time.monotonic) -> None:
        if not upstreams or len({u.name for u in upstreams}) < len(upstreams):
            raise ValueError("A classroom needs at least one upstream, each named once.")
        self.all, self.rest, self.clock = list(upstreams), rest, clock
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._rested_until: dict[str, float] = {}
        self.last_error: dict[str, str] = {}  # by upstream name: what went wrong last (for the teacher's log)

    def order(self) -> list[Upstream]:
        """The upstreams to try for one call: healthy ones from the next in turn, then rested ones."""
        with self._lock:
            start = next(self._turn) % len(self.all)
            turn = self.all[start:] + self.all[:start]
            now = self.clock()
            healthy = [u for u in turn if self._rested_until.get(u.name, 0.0) <= now]
        return healthy + [u for u in turn if u not in healthy]

    def failed(self, upstream: Upstream, why: str) -> None:
        with self._lock:
            self._rested_until[upstream.name] = self.clock() + self.rest
            self.last_error[upstream.name] = why

    def worked(self, upstream: Upstream) -> None:
        with self._lock:
            self._rested_until.pop(upstream.name, None)

    def health(self) -> dict[str, bool]:
        """Each upstream's name and whether it is taking calls first (not resting after a failure)."""
        now = self.clock()
        with self._lock:
            return {u.name: self._rested_until.get(u.name, 0.0) <= now for u in self.all}
