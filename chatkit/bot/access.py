"""An access token the bot buys with its app id and secret, kept fresh for every reply (Feishu, WeCom).

Feishu's tenant access token and WeCom's access token last two hours. One :class:`AccessToken`
per app holds it for all the worker threads: the first reply fetches it, later replies reuse it, and the first
reply after it enters its last ``RENEW_BEFORE`` seconds fetches a new one. A lock makes
that one request however many threads need a token at once. When the platform still calls
the token invalid (revoked, or the clock was wrong), :meth:`renew` gets one new token and the
sender tries once more (``delivery.Sender``). When the platform turns the app id and secret
down, the same refusal answers every reply for ``PAUSE`` seconds without asking again: a wrong
secret costs one request a minute, not one per message. Neither the secret nor the token is ever
in a repr or a log line.

>>> token = AccessToken(feishu, settings, sender.exchange)     # doctest: +SKIP
>>> token.get()                                                # doctest: +SKIP
't-g1044…'
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from types import ModuleType

from ..keys import mask_key
from ..retry import Failed
from .platforms import Outgoing, Refused

PAUSE = 60.0  # seconds a refused app id and secret are not tried again (fixing them means a restart anyway)

Exchange = Callable[[Outgoing], "tuple[int, dict] | Failed"]  # one HTTP request: the status and JSON, or why not


class AccessToken:
    """The token of one app on one platform, fetched when missing or about to expire.

    **Parameters:** ``platform``: the adapter module (``token_request``, ``read_token``,
    ``sign``, ``rejected``, ``RENEW_BEFORE``); ``settings``: its ``Settings``; ``exchange``:
    sends one request (``Sender.exchange``); ``clock``: seconds, monotonic (tests move it).
    """

    def __init__(self, platform: ModuleType, settings, exchange: Exchange,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.platform, self.settings, self.exchange, self.clock = platform, settings, exchange, clock
        self._lock = threading.Lock()
        self._token = ""
        self._renew_at = -math.inf
        self._refused: tuple[float, Refused] | None = None  # until when, and the platform's refusal

    def get(self) -> str | Failed:
        """The token to send with; Failed when the platform could not be reached (try again later).

        Raises ``Refused`` when the platform turned the app id and secret down.
        """
        with self._lock:
            if self._token and self.clock() < self._renew_at:
                return self._token
            return self._fetch()

    def renew(self, stale: str) -> str | Failed:
        """A token other than ``stale``, which the platform just called invalid."""
        with self._lock:
            if self._token and self._token != stale:  # another thread renewed it meanwhile
                return self._token
            return self._fetch()

    def sign(self, out: Outgoing, token: str) -> Outgoing:
        return self.platform.sign(out, token)

    def rejected(self, answer: dict) -> bool:
        """True when the platform's answer says the token is invalid: renew once and send again."""
        return self.platform.rejected(answer)

    def _fetch(self) -> str | Failed:
        if self._refused and self.clock() < self._refused[0]:
            raise self._refused[1]
        got = self.exchange(self.platform.token_request(self.settings))
        if isinstance(got, Failed):
            return Failed(f"no access token: {got.why}", again=got.again)
        status, answer = got
        if status == 429 or status >= 500:
            return Failed(f"no access token: HTTP {status}")
        try:
            token, lifetime = self.platform.read_token(answer)
        except Refused as refused:  # a wrong id or secret
            self._refused = (self.clock() + PAUSE, refused)
            raise
        self._refused = None
        # Renew the platform's RENEW_BEFORE seconds ahead (Feishu only hands out a new token then), or
        # halfway through a lifetime shorter than that.
        self._token = token
        self._renew_at = self.clock() + lifetime - min(self.platform.RENEW_BEFORE, lifetime / 2)
        return token

    def __repr__(self) -> str:
        left = self._renew_at - self.clock()
        state = f"{mask_key(self._token)}, renews in {left / 60:.0f} min" if self._token else "not fetched yet"
        return f"<AccessToken {self.platform.__name__.rpartition('.')[2]}: {state}>"
