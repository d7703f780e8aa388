"""Delivering a customer's message to the bot's webhook, as Lanying calls a bot.

The page never waits for the bot: deliveries run on a few threads, each customer's messages
in the order they were sent, as Lanying delivers them. Each tries twice (one retry after a
short pause, as platforms retry a failed callback, see ``chatkit.retry``) and writes the
outcome on the message, where the page shows it.
"""

from __future__ import annotations

import json
import logging

import httpx

from ..bot.workers import Workers
from ..messages import say
from ..retry import Failed, retry_once

TIMEOUT = 5.0  # seconds the bot has to answer; a bot should answer at once and reply later
RETRY_AFTER = 0.5  # seconds between the first attempt and the retry
AT_ONCE = 8  # deliveries running at once (different customers)
MAX_IN_FLIGHT = 64  # deliveries waiting or running; more are refused, not queued forever
log = logging.getLogger("chatkit.im")


def callback_body(message: dict, app_id: str) -> dict:
    """The JSON Lanying posts to a bot for a one-to-one text message."""
    return {"msgId": message["id"], "appId": app_id, "from": {"uid": _uid(message["from"])},
            "to": {"uid": _uid(message["to"])}, "type": "CHAT", "ctype": "TEXT",
            "content": message["text"], "ext": message.get("ext") or ""}


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
    """Post the callback; on failure wait and try once more; record the outcome on the message."""
    url, credentials, store = state.bot_webhook, state.credentials, state.store
    body = json.dumps(callback_body(message, credentials.app_id), ensure_ascii=False).encode()
    headers = {"content-type": "application/json", "signature": credentials.callback_signature}
    # trust_env=False: the bot usually runs on this computer, and a proxy from the environment
    # would turn a plain "connection refused" into a confusing proxy error.
    with httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
        outcome, _ = retry_once(lambda: _attempt(client, url, headers, body), RETRY_AFTER,
                                lambda failed: store.set_delivery(message["id"], "retrying", failed.why))
    if isinstance(outcome, Failed):
        store.set_delivery(message["id"], "failed", say("im.delivery.twice", why=outcome.why))
    else:
        store.set_delivery(message["id"], "delivered")


def _attempt(client: httpx.Client, url: str, headers: dict, body: bytes) -> Failed | None:
    """None when the bot took the callback (any 2xx), else why not, in words a learner can act on."""
    try:
        with client.stream("POST", url, content=body, headers=headers) as answer:
            if answer.is_success:
                return None
            start = _first_bytes(answer, 200)  # only the start: the answer's size is the bot's choice
    except httpx.TimeoutException:
        return Failed(say("im.delivery.timeout", seconds=TIMEOUT))
    except httpx.HTTPError as exc:
        return Failed(say("im.delivery.unreachable", url=shown_url(url), error=type(exc).__name__))
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


def _uid(uid: str):
    # Lanying's user ids are numbers in its JSON.
    return int(uid) if uid.isascii() and uid.isdigit() else uid


def shown_url(url: str) -> str:
    """The webhook without its query string (which may hold a token)."""
    return url.split("?", 1)[0] + ("?…" if "?" in url else "")
