"""A plain JSON webhook, for your own site or a test: the answer comes back in the response.

Request: ``POST`` ``{"message_id": …, "user_id": …, "text": …}`` (optionally ``conversation_id``)
with ``x-chatkit-timestamp`` (seconds) and ``x-chatkit-signature``, the hex
HMAC-SHA256 of ``f"{timestamp}.{body}"`` under the shared secret (Stripe and Slack
sign the same way). Response: ``{"reply_to": message_id, "text": answer}``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from ...messages import say
from .base import (
    BadPayload,
    Incoming,
    header,
    load_json,
    require_fresh,
    require_match,
    require_secret,
)

DOCS = "chatkit/bot/platforms/webhook.py"
WINDOW = 5 * 60  # seconds: long enough for clock drift, short enough to make replays useless


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp + "." + body`` under ``secret``.

    >>> signature("s3cret", "1700000000", b'{"text": "hi"}')[:16]
    'd900b6502d4bf92a'
    """
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, now: float | None = None) -> dict:
    """The two headers a sender adds to ``body`` (what the test platform and your site do)."""
    stamp = str(int(time.time() if now is None else now))
    return {"x-chatkit-timestamp": stamp, "x-chatkit-signature": signature(secret, stamp, body)}


def verify(headers: Mapping[str, str], body: bytes, secret: str, *, now: float | None = None) -> None:
    """Raise Forged unless the signature matches ``secret`` and the timestamp is within 5 minutes."""
    require_secret(secret, say("bot.platforms.webhook.secret"), DOCS)
    stamp = header(headers, "x-chatkit-timestamp")
    require_fresh(stamp, WINDOW, now, what=say("bot.platforms.header", name="x-chatkit-timestamp"), docs=DOCS)
    require_match(signature(secret, stamp, body), header(headers, "x-chatkit-signature"),
                  say("bot.platforms.header", name="x-chatkit-signature"), docs=DOCS,
                  fix=say("bot.platforms.webhook.signature.fix"))


def parse(body: bytes) -> Incoming:
    """The message in the body; BadPayload when a field is missing or not a string."""
    data = load_json(body, say("bot.platforms.webhook"), DOCS)
    missing = [k for k in ("message_id", "user_id", "text") if not (isinstance(data.get(k), str) and data[k])]
    if missing:
        raise BadPayload(say("bot.platforms.webhook.missing.what", missing=", ".join(missing)),
                         fix=say("bot.platforms.webhook.missing.fix"), docs=DOCS)
    conversation = data.get("conversation_id")
    return Incoming(platform="webhook", message_id=data["message_id"], user_id=data["user_id"],
                    conversation_id=conversation if isinstance(conversation, str) and conversation
                    else data["user_id"], text=data["text"])


def reply(settings, incoming: Incoming, text: str) -> None:
    """Nothing to send: the answer goes back in the HTTP response (see :func:`response`)."""
    return


def response(incoming: Incoming, text: str) -> dict:
    """The JSON body answering ``incoming``."""
    return {"reply_to": incoming.message_id, "text": text}
