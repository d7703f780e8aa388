"""Access tokens a platform hands out for an app id and secret, and the expiry it checks on every call.

Feishu and WeCom both sell a 2-hour token; they differ only in when asking again gives a new one
(Feishu: in the token's last 30 minutes; WeCom: once it has expired), which is ``renew_before``.

>>> tokens = Tokens(life=7200, renew_before=1800, clock=lambda: 0.0)
>>> token, left = tokens.issue()
>>> tokens.issue() == (token, 7200), tokens.valid(token), tokens.valid("t-forged")
(True, True, False)
"""

from __future__ import annotations

import secrets
import threading
import time

KEPT = 64  # tokens remembered, expired ones included


class Tokens:
    """The tokens handed out, each with its expiry; ``clock`` in seconds (tests move it)."""

    def __init__(self, life: int, renew_before: float, prefix: str = "t-", clock=time.monotonic) -> None:
        self.life, self.renew_before, self.prefix, self.clock = life, renew_before, prefix, clock
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, int]:
        """A token and the seconds it has left: the newest while more than ``renew_before`` are left, else a new one.

        An older token stays valid until it expires: a bot that renewed early may still use it.
        """
        with self._lock:
            now = self.clock()
            newest = max(self._expiry.items(), key=lambda item: item[1], default=None)
            if newest and newest[1] - now >= max(self.renew_before, 1e-9):
                return newest[0], int(newest[1] - now)
            token = f"{self.prefix}{secrets.token_hex(20)}"
            self._expiry[token] = now + self.life
            while len(self._expiry) > KEPT:  # the oldest first: expired ones are kept only to say "expired"
                del self._expiry[min(self._expiry, key=self._expiry.get)]
            return token, self.life

    def state(self, token: str) -> str:
        """"valid", "expired" (handed out here, its time is up) or "unknown"."""
        with self._lock:
            at = self._expiry.get(token)
            return "unknown" if at is None else "valid" if at > self.clock() else "expired"

    def valid(self, token: str) -> bool:
        return self.state(token) == "valid"
