"""Answering in the background: ask the Bot, then send the answer through the platform's API.

These functions run on the service's worker threads (see ``workers.py``), never on the
event loop: the Bot and ``httpx.Client`` block. Nothing here logs a token, a secret, a
``sessionWebhook`` or the user's text; model errors are logged as ``explain(exc).line()``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import httpx

from ..conversation import CUT
from ..errors import ChatkitError
from ..failures import explain
from ..messages import say
from ..retry import Failed, retry_once
from .bot import Bot, Refusal
from .platforms import ADAPTERS, Incoming, Outgoing, lanying

log = logging.getLogger("chatkit.bot")
_httpx_log = logging.getLogger("httpx")
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class Apology:
    """The answer when the model failed (the error is logged): the user is asked to try again later."""

    text: str = field(default_factory=lambda: say("bot.apology"))

    def __str__(self) -> str:
        return self.text


def user_key(incoming: Incoming) -> str:
    """The Bot's user id: one memory (and one queue) per user on each platform."""
    return f"{incoming.platform}:{incoming.user_id}"


class Sender:
    """Sends :class:`Outgoing` requests with one ``httpx.Client``, retrying once when it may help."""

    def __init__(self, retry_pause: float = 0.5) -> None:
        self.retry_pause = retry_pause
        self.client = httpx.Client(timeout=_TIMEOUT, follow_redirects=False)
        if not any(isinstance(f, _HideQueries) for f in _httpx_log.filters):
            _httpx_log.addFilter(_HideQueries())

    def send(self, out: Outgoing) -> dict | None:
        """The platform's JSON answer (``{}`` if not JSON), or None when delivery failed (logged)."""
        outcome, attempts = retry_once(lambda: self._attempt(out), self.retry_pause)
        if not isinstance(outcome, Failed):
            return outcome
        log.warning("Could not deliver a reply to %s (%s, %d attempts); going on.", _where(out.url), outcome.why,
                    attempts)
        return None

    def _attempt(self, out: Outgoing) -> dict | Failed:
        try:
            response = self.client.request(out.method, out.url, headers=out.headers, json=out.json)
        except httpx.HTTPError as exc:
            # A read timeout may mean the message did arrive: one retry risks a duplicate,
            # none risks a lost answer; platforms drop exact repeats more often than not.
            return Failed(type(exc).__name__)
        answer = _json(response)
        return _failure(response.status_code, answer) or answer

    def close(self) -> None:
        self.client.close()


@dataclass
class Context:
    """What every background answer needs: the bot, the sender, the settings, the update pace."""

    bot: Bot
    sender: Sender
    settings: object  # BotSettings
    update_every: float = 1.0


def answer(ctx: Context, incoming: Incoming) -> None:
    """Ask the Bot and send its whole answer (Feishu, DingTalk): one message."""
    said = ask(ctx.bot, incoming)
    settings = ctx.settings.platform(incoming.platform)
    try:
        out = ADAPTERS[incoming.platform].reply(settings, incoming, str(said))
    except ChatkitError as exc:  # e.g. DingTalk's sessionWebhook expired while the model wrote
        log.warning("Cannot answer %s: %s", _who(incoming), exc.what)
        return
    ctx.sender.send(out)


def ask(bot: Bot, incoming: Incoming) -> str | Refusal | Apology:
    """The Bot's answer (a Refusal is an answer too), or an Apology when the model failed."""
    try:
        return bot.reply(user_key(incoming), incoming.text)
    except Exception as exc:  # noqa: BLE001 - a worker has no caller to raise to: the user gets an apology
        log.error("The model could not answer %s: %s", _who(incoming), explain(exc).line())
        return Apology()


def stream_lanying(ctx: Context, incoming: Incoming) -> None:
    """Stream the answer into one Lanying message: the first piece, then updates of the whole text."""
    shown = Growing(ctx.sender, ctx.settings.lanying, incoming, ctx.update_every)
    text = ""
    try:
        for piece in ctx.bot.stream(user_key(incoming), incoming.text):
            text += str(piece)  # a Refusal comes whole
            shown.show(text)
    except Exception as exc:  # noqa: BLE001 - a worker has no caller to raise to: the user gets an apology
        log.error("The model could not answer %s: %s", _who(incoming), explain(exc).line())
        apology = say("bot.apology")
        text = f"{text.rstrip()}{CUT}\n{apology}" if text else apology
    shown.show(text, final=True)


class Growing:
    """One Lanying message that grows as the answer streams in: a reply, then updates.

    Updates replace the whole text (``content_type`` 11 with ``related_mid``), at most one
    every ``every`` seconds, and one at the end: a reader sees the answer being written
    without the bot sending a request per token.
    """

    def __init__(self, sender: Sender, settings: lanying.Settings, incoming: Incoming, every: float) -> None:
        self.sender, self.settings, self.incoming, self.every = sender, settings, incoming, every
        self.mid: str | None = None  # the id of the message being updated
        self.shown: str | None = None
        self.at = -math.inf  # when the text was last sent

    def show(self, text: str, final: bool = False) -> None:
        now = time.monotonic()
        if not text or text == self.shown or not (final or now - self.at >= self.every):
            return
        if self.mid is None:
            if self.shown is not None and not final:
                return  # the first message failed or gave no id: send the whole answer at the end
            self.mid = _sent_id(self.sender.send(lanying.reply(self.settings, self.incoming, text)))
        else:
            self.sender.send(lanying.update(self.settings, self.incoming, self.mid, text))
        self.shown, self.at = text, now


def _sent_id(answer: dict | None) -> str | None:
    # The connector reads msg_ids at the top level; accept it inside "data" too.
    if not answer:
        return None
    data = answer.get("data")
    return lanying.sent_id(answer) or (lanying.sent_id(data) if isinstance(data, dict) else None)


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _failure(status: int, answer: dict) -> Failed | None:
    """Why the platform refused, and whether trying again may help; None when it took the message."""
    if status >= 400:
        return Failed(f"HTTP {status}", again=status == 429 or status >= 500)
    # Errors can come back as 200s: Lanying says code 200 when fine, Feishu code 0, DingTalk errcode 0.
    code = answer.get("code", answer.get("errcode"))
    if code not in (None, 0, 200, "0", "200"):
        said = str(answer.get("message") or answer.get("msg") or answer.get("errmsg") or "")[:120]
        return Failed(f"the platform answered code {code}{': ' + said if said else ''}", again=False)
    return None


class _HideQueries(logging.Filter):
    """httpx logs each request's URL at INFO level; a DingTalk sessionWebhook's query is a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_where(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def _where(url: str) -> str:
    """The URL without its query, which can hold a secret (DingTalk's session)."""
    return url.partition("?")[0]


def _who(incoming: Incoming) -> str:
    return f"{incoming.platform} user {incoming.user_id} (message {incoming.message_id})"
