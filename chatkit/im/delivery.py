"""Delivering a customer's message to the bot's webhook, as the imitated platform calls a bot.

The page never waits for the bot: deliveries run on a few threads, each customer's messages
in the order they were sent, as the platforms deliver them. Each tries twice (one retry after a
short pause, as platforms retry a failed callback, see ``chatkit.retry``) and writes the
outcome on the message, where the page shows it. What the callback looks like (its body, its
signature) is the platform side's business: ``state.side.callback(state, message)``.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ..bot.workers import Workers
from ..messages import say
from ..retry import Failed, retry_once

TIMEOUT = 5.0  # seconds the bot has to answer; a bot should answer at once and reply later
RETRY_AFTER = 0.5  # seconds between the first attempt and the retry
AT_ONCE = 8  # deliveries running at once (different customers)
MAX_IN_FLIGHT = 64  # deliveries waiting or running; more are refused, not queued forever
MAX_CALLS = 200  # requests between the platform and the bot kept in app.state.calls
log = logging.getLogger("chatkit.im")


@dataclass(frozen=True)
class Callback:
    """One request the platform sends the bot: ``url`` (with its query, if the platform signs there),
    ``headers``, the raw ``body``, and ``shown``: what it says, secrets masked (for ``state.calls``)."""

    url: str
    headers: dict = field(repr=False)
    body: bytes = field(repr=False)
    shown: dict | None = None
    method: str = "POST"


def calls() -> deque:
    """The requests between the platform and the bot, newest last (``app.state.calls``)."""
    return deque(maxlen=MAX_CALLS)


def note(state, to: str, method: str, path: str, status: int | None, body: dict | None = None,
         code: int | None = None) -> None:
    """Keep one request between the platform and the bot (``to``: "bot" or "platform") in ``state.calls``.

    ``path`` never holds a query (DingTalk's session and WeCom's token ride there); ``body`` is what a
    callback said, its secrets masked; ``code``, an error code the platform answered with HTTP 200 (WeCom).
    """
    state.calls.append({"to": to, "method": method, "path": path, "status": status,
                        **({"body": body} if body is not None else {}), **({"code": code} if code else {})})


def workers() -> Workers:
    """The threads that deliver one platform's messages (``app.state.deliveries``)."""
    return Workers(AT_ONCE, backlog=MAX_IN_FLIGHT)


def schedule(state, message: dict) -> None:
    """Start delivering ``message`` in the background, after the sender's earlier messages."""
    store, deliveries = state.store, state.deliveries
    if not state.bot_webhook:
        store.set_delivery(message["id"], "not_sent", say("im.delivery.no_bot"))
        return
    if deliveries.busy:
        store.set_delivery(message["id"], "failed", say("im.delivery.busy", count=MAX_IN_FLIGHT))
        return
    deliveries.submit(message["from"], lambda: deliver(state, message)).add_done_callback(_report)


def _report(future) -> None:
    """Log a delivery that failed in an unexpected way (nobody else reads its Future)."""
    if not future.cancelled() and future.exception() is not None:
        log.error("A delivery failed: %r", future.exception())


def deliver(state, message: dict) -> None:
    """Post the callback; on failure wait and try once more; record the outcome on the message.

    A platform that checks the bot's address first (Feishu's url_verification, WeCom's echostr)
    does it before the first delivery to that address: ``state.side.connect``.
    """
    store, side = state.store, state.side
    # trust_env=False: the bot usually runs on this computer, and a proxy from the environment
    # would turn a plain "connection refused" into a confusing proxy error.
    with httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
        refused = side.connect(state, lambda call: exchange(state, client, call))
        if refused:
            store.set_delivery(message["id"], "failed", refused)
            return
        call = side.callback(state, message)
        outcome, _ = retry_once(lambda: _attempt(state, client, call), RETRY_AFTER,
                                lambda failed: store.set_delivery(message["id"], "retrying", failed.why))
    if isinstance(outcome, Failed):
        store.set_delivery(message["id"], "failed", say("im.delivery.twice", why=outcome.why))
    else:
        store.set_delivery(message["id"], "delivered")


def exchange(state, client: httpx.Client, call: Callback) -> httpx.Response | Failed:
    """Send one request to the bot (noted in ``state.calls``); its answer, or why none came."""
    try:
        answer = client.request(call.method, call.url, content=call.body, headers=call.headers)
    except httpx.TimeoutException:
        answer = Failed(say("im.delivery.timeout", seconds=TIMEOUT))
    except httpx.HTTPError as exc:
        answer = Failed(say("im.delivery.unreachable", url=shown_url(call.url), error=type(exc).__name__))
    status = None if isinstance(answer, Failed) else answer.status_code
    note(state, "bot", call.method, urlsplit(call.url).path, status, call.shown)
    return answer


def _attempt(state, client: httpx.Client, call: Callback) -> Failed | None:
    """None when the bot took the callback (any 2xx), else why not, in words a learner can act on."""
    status = None
    try:
        with client.stream(call.method, call.url, content=call.body, headers=call.headers) as answer:
            status = answer.status_code
            if answer.is_success:
                return None
            start = _first_bytes(answer, 200)  # only the start: the answer's size is the bot's choice
    except httpx.TimeoutException:
        return Failed(say("im.delivery.timeout", seconds=TIMEOUT))
    except httpx.HTTPError as exc:
        return Failed(say("im.delivery.unreachable", url=shown_url(call.url), error=type(exc).__name__))
    finally:
        note(state, "bot", call.method, urlsplit(call.url).path, status, call.shown)
    said = start.decode("utf-8", "replace").strip()
    status = f"{answer.status_code} {answer.reason_phrase}"
    return Failed(say("im.delivery.answered_said", status=status, said=said) if said
                  else say("im.delivery.answered", status=status))


def _first_bytes(answer: httpx.Response, limit: int) -> bytes:
    start = b""
    for chunk in answer.iter_bytes():
        start += chunk
        if len(start) >= limit:
            break
    return start[:limit]


def shown_url(url: str) -> str:
    """The webhook without its query string (which may hold a token)."""
    return url.split("?", 1)[0] + ("?…" if "?" in url else "")
