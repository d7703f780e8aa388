"""Chat platforms, each behind the same three functions: ``verify``, ``parse``, ``reply``.

A platform calls the bot with each new message (a webhook) and the bot calls the
platform back to answer. Each adapter module turns one platform's webhook into an
:class:`Incoming` and the answer into an :class:`Outgoing` request; none of them does
any networking, so they can be tested with saved payloads.

- ``verify(headers, body, secret, …)`` raises :class:`Forged` unless the platform sent it;
- ``parse(body, …)`` gives an :class:`Incoming`, or None for events that are not a text
  message for the bot (``is_from_bot`` marks messages a bot wrote: never answer those);
- ``reply(settings, incoming, text)`` gives the :class:`Outgoing` request that answers.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...errors import ChatkitError, ConfigError
from ...keys import mask_key

# Header values a request may show in full; any other value (a token) is masked.
_PUBLIC_HEADERS = {"content-type", "app_id"}


class Forged(ChatkitError):
    """A webhook request the platform did not send (wrong signature, stale, or misdirected)."""


class BadPayload(ChatkitError, ValueError):
    """A webhook body that is not the JSON the platform documents."""


@dataclass(frozen=True)
class Incoming:
    """One text message for the bot, whatever platform it came from."""

    platform: str
    message_id: str  # the same on every re-delivery: feed it to dedupe.SeenIds
    user_id: str
    conversation_id: str
    text: str
    is_from_bot: bool = False
    # Where to answer (DingTalk's sessionWebhook, Feishu's message id). A sessionWebhook
    # lets anyone post into the conversation, so it stays out of the repr.
    reply_handle: str | None = field(default=None, repr=False)
    reply_expires_at: float | None = None  # seconds since the epoch


@dataclass(frozen=True)
class Outgoing:
    """An HTTP request to send to the platform; its repr never shows a token."""

    method: str
    url: str
    headers: dict = field(default_factory=dict)
    json: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = {k: v if k.lower() in _PUBLIC_HEADERS else mask_key(v) for k, v in self.headers.items()}
        url, _, query = self.url.partition("?")
        return f"Outgoing({self.method} {url}{'?…' if query else ''}, headers={shown}, json={self.json!r})"


def header(headers: Mapping[str, str], name: str) -> str:
    """The value of a header whatever its case, or "" when it is missing."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), "")
    return value


def load_json(body: bytes, platform: str, docs: str) -> dict:
    """The body as a JSON object, or BadPayload."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise BadPayload(f"The {platform} request body is not a JSON object.",
                         fix=f"Send the body {platform} documents.", docs=docs)
    return data


def require_secret(secret: str | None, name: str, docs: str) -> None:
    """Refuse to check a request against an empty secret (which would accept anyone)."""
    if not secret:
        raise ConfigError(f"No {name} is configured, so no request can be checked.",
                          fix=f"Copy the {name} from the platform's console into the bot's settings.",
                          docs=docs)


def require_match(expected: str, received: str, what: str, *, fix: str, docs: str) -> None:
    """Compare in constant time (a timing leak would let an attacker guess byte by byte)."""
    if not hmac.compare_digest(expected.encode(), (received or "").encode()):
        said = "is missing" if not received else "does not match"
        raise Forged(f"The request's {what} {said}.", fix=fix, docs=docs)


def require_fresh(sent_at: str, window: float, now: float | None, *, scale: int = 1,
                  what: str, docs: str) -> float:
    """The timestamp (``scale`` units per second) as seconds, or Forged when outside ``window``."""
    try:
        seconds = int(sent_at) / scale
    except (TypeError, ValueError):
        raise Forged(f"The request's {what} is missing or not a number.",
                     fix="Only the platform's own requests carry it; ignore this one.", docs=docs) from None
    gap = abs((time.time() if now is None else now) - seconds)
    if gap > window:
        raise Forged(f"The request's {what} is {gap / 60:.0f} minutes away from this computer's clock "
                     f"(at most {window / 60:.0f} allowed).",
                     fix="An old request may be replayed by someone else; if the platform really sent "
                         "it, set this computer's clock right (sync it with internet time).", docs=docs)
    return seconds


# Imported last: each adapter imports the names defined above.
from . import dingtalk, feishu, lanying, webhook

ADAPTERS = {"lanying": lanying, "feishu": feishu, "dingtalk": dingtalk, "webhook": webhook}

__all__ = ["ADAPTERS", "BadPayload", "Forged", "Incoming", "Outgoing"]
