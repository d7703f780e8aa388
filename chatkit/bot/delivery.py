"""Answering in the background: ask the Bot, then send the answer through the platform's API.

These functions run on the service's worker threads (see ``workers.py``), never on the
event loop: the Bot and ``httpx.Client`` block. Nothing here logs a token, a secret, a
``sessionWebhook`` or the user's text; model errors are logged as ``explain(exc).line()``.

With a durable store (``Bot(store=...)``) each taken message stays "in flight" until its
answer is delivered, and :func:`recover` deals with those a restart interrupted: one
nobody saw a word of is answered again; one the user may have seen is never sent again
in full, only ended by a short note (a growing Lanying message is cut and marked).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ..conversation import CUT
from ..errors import ChatkitError
from ..failures import explain
from ..messages import say
from ..retry import Failed, retry_once
from .access import AccessToken
from .bot import Bot, Refusal
from .platforms import ADAPTERS, Incoming, Outgoing, Refused, lanying
from .store import Store

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
    """The Bot's user id: one queue and one set of limits per user on each platform."""
    return f"{incoming.platform}:{incoming.user_id}"


def chat_key(incoming: Incoming) -> str:
    """The Bot's chat: the same user has one memory per chat (a private chat, each group)."""
    return f"{incoming.platform}:{incoming.conversation_id}"


class Sender:
    """Sends :class:`Outgoing` requests with one ``httpx.Client``, retrying once when it may help."""

    def __init__(self, retry_pause: float = 0.5) -> None:
        self.retry_pause = retry_pause
        self.client = httpx.Client(timeout=_TIMEOUT, follow_redirects=False)
        if not any(isinstance(f, _HideQueries) for f in _httpx_log.filters):
            _httpx_log.addFilter(_HideQueries())

    def send(self, out: Outgoing, token: AccessToken | None = None) -> dict | None:
        """The platform's JSON answer (``{}`` if not JSON), or None when delivery failed (logged).

        With a ``token``, the request carries it (Feishu's tenant access token). Raises
        ``Refused`` when the platform will not give the app a token.
        """
        outcome, attempts = retry_once(lambda: self._attempt(out, token), self.retry_pause)
        if not isinstance(outcome, Failed):
            return outcome
        log.warning("Could not deliver a reply to %s (%s, %d attempts); going on.", _where(out.url), outcome.why,
                    attempts)
        return None

    def exchange(self, out: Outgoing) -> tuple[int, dict] | Failed:
        """One request: the status and the JSON answer, or why no answer came."""
        try:
            # No body at all when there is no JSON (WeCom's token GET), not an empty object.
            response = self.client.request(out.method, out.url, headers=out.headers, json=out.json or None)
        except httpx.HTTPError as exc:
            # A read timeout may mean the message did arrive: one retry risks a duplicate,
            # none risks a lost answer; platforms drop exact repeats more often than not.
            return Failed(type(exc).__name__)
        return response.status_code, _json(response)

    def _attempt(self, out: Outgoing, token: AccessToken | None) -> dict | Failed:
        got = self.exchange(out) if token is None else self._with(out, token)
        return got if isinstance(got, Failed) else _failure(*got) or got[1]

    def _with(self, out: Outgoing, token: AccessToken) -> tuple[int, dict] | Failed:
        used = token.get()
        if isinstance(used, Failed):
            return used
        got = self.exchange(token.sign(out, used))
        if isinstance(got, Failed) or not token.rejected(got[1]):
            return got
        used = token.renew(used)  # revoked, or expired early: one new token, one more try
        return used if isinstance(used, Failed) else self.exchange(token.sign(out, used))

    def close(self) -> None:
        self.client.close()


@dataclass
class Context:
    """What every background answer needs: the bot, the sender, the settings, the update pace."""

    bot: Bot
    sender: Sender
    settings: object  # BotSettings
    update_every: float = 1.0
    tokens: dict[str, AccessToken] = field(default_factory=dict)  # platform -> its access token (Feishu, WeCom)


def answer(ctx: Context, incoming: Incoming) -> None:
    """Ask the Bot and send its whole answer (Feishu, DingTalk, WeCom): one message."""
    said = str(ask(ctx.bot, incoming))
    if ctx.bot.store is not None:
        ctx.bot.store.sending(incoming, said)
    send(ctx, incoming, said)


def send(ctx: Context, incoming: Incoming, text: str) -> None:
    """Send ``text`` as a new message answering ``incoming`` (Feishu, DingTalk, Lanying)."""
    settings = ctx.settings.platform(incoming.platform)
    try:
        out = ADAPTERS[incoming.platform].reply(settings, incoming, text)
        ctx.sender.send(out, ctx.tokens.get(incoming.platform))
    except Refused as exc:  # the app id or secret is wrong: every reply will fail until it is fixed
        log.error("Cannot answer %s: %s", _who(incoming), exc)
    except ChatkitError as exc:  # e.g. DingTalk's sessionWebhook expired while the model wrote
        log.warning("Cannot answer %s: %s", _who(incoming), exc.what)


def ask(bot: Bot, incoming: Incoming) -> str | Refusal | Apology:
    """The Bot's answer (a Refusal is an answer too), or an Apology when the model failed."""
    try:
        return bot.reply(user_key(incoming), incoming.text, chat_key(incoming))
    except Exception as exc:  # noqa: BLE001 - a worker has no caller to raise to: the user gets an apology
        log.error("The model could not answer %s: %s", _who(incoming), explain(exc).line())
        return Apology()


def tracked(ctx: Context, incoming: Incoming, job: Callable[[Context, Incoming], object]) -> Callable[[], object]:
    """``job`` for the workers, with ``incoming`` kept in flight in the bot's store until it is done.

    Call it when the message is taken, not when a worker starts it: a message still waiting
    in the queue at a restart is answered after it.
    """
    store = ctx.bot.store
    if store is None:
        return lambda: job(ctx, incoming)
    store.begin(incoming)

    def run():
        try:
            return job(ctx, incoming)
        finally:
            store.done(incoming)
    return run


def recover(ctx: Context, workers) -> int:
    """Deal with the answers a restart interrupted (see the module's docstring); how many there were."""
    store = ctx.bot.store
    if store is None:
        return 0
    unfinished = store.in_flight()
    for incoming, stage, shown, sent_id in unfinished:
        if incoming.platform not in JOBS:  # the webhook's caller lost its connection: let its retry in
            store.done(incoming)
            store.unsee(f"{incoming.platform}:{incoming.message_id}")
        elif stage == "asking":
            workers.submit(user_key(incoming), tracked(ctx, incoming, JOBS[incoming.platform]))
        else:
            workers.submit(user_key(incoming), tracked(ctx, incoming, _mark_cut(shown, sent_id)))
    if unfinished:
        log.warning("Restarted with %d unfinished answers: the unseen ones are answered again, the others "
                    "marked as interrupted.", len(unfinished))
    return len(unfinished)


def _mark_cut(shown: str | None, sent_id: str | None):
    """The job ending an answer the user may have seen part of: never the whole answer again."""
    def job(ctx: Context, incoming: Incoming) -> None:
        note = say("bot.interrupted")
        if shown and sent_id and incoming.platform == "lanying":
            text = f"{shown.rstrip()}{CUT}\n{note}"
            ctx.sender.send(lanying.update(ctx.settings.lanying, incoming, sent_id, text))
        else:
            send(ctx, incoming, note)
        user, chat = user_key(incoming), chat_key(incoming)
        # The turn is in memory already when the restart came after the model had finished.
        if shown and {"role": "user", "content": incoming.text} not in ctx.bot.conversation(user, chat).turns[-2:]:
            ctx.bot.remember(user, incoming.text, f"{shown.rstrip()}{CUT}", chat)
    return job


def stream_lanying(ctx: Context, incoming: Incoming) -> None:
    """Stream the answer into one Lanying message: the first piece, then updates of the whole text."""
    shown = Growing(ctx.sender, ctx.settings.lanying, incoming, ctx.update_every, ctx.bot.store)
    text = ""
    try:
        for piece in ctx.bot.stream(user_key(incoming), incoming.text, chat_key(incoming)):
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

    def __init__(self, sender: Sender, settings: lanying.Settings, incoming: Incoming, every: float,
                 store: Store | None = None) -> None:
        self.sender, self.settings, self.incoming, self.every = sender, settings, incoming, every
        self.store = store  # told what is shown before it is sent, so a restart never sends it again
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
            self._sending(text)
            self.mid = _sent_id(self.sender.send(lanying.reply(self.settings, self.incoming, text)))
            if self.mid is not None:
                self._sending(text)  # now a restart can amend this message instead of sending another
        else:
            self._sending(text)
            self.sender.send(lanying.update(self.settings, self.incoming, self.mid, text))
        self.shown, self.at = text, now

    def _sending(self, text: str) -> None:
        if self.store is not None:
            self.store.sending(self.incoming, text, self.mid)


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
    # Errors can come back as 200s: Lanying says code 200 when fine, Feishu code 0, DingTalk errcode 0.
    code = answer.get("code", answer.get("errcode"))
    said = str(answer.get("message") or answer.get("msg") or answer.get("errmsg") or "")[:120]
    if 400 <= status < 500 and code not in (None, status):  # Feishu's 400s name the reason in "code"
        return Failed(f"HTTP {status}, code {code}{': ' + said if said else ''}", again=status == 429)
    if status >= 400:
        return Failed(f"HTTP {status}", again=status == 429 or status >= 500)
    if code not in (None, 0, 200, "0", "200"):
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


# What answers each platform in the background.
JOBS = {"lanying": stream_lanying, "feishu": answer, "dingtalk": answer, "wecom": answer}
