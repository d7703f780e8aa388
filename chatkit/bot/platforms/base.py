"""What every platform adapter is made of: the message in and the request out, the two errors, and
the checks that refuse a forged webhook (see the package's docstring)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...errors import ChatkitError, ConfigError
from ...keys import mask_key
from ...messages import say
from ...web import load_json as _parse

# Header values a request may show in full; any other value (a token) is masked.
_PUBLIC_HEADERS = {"content-type", "app_id"}


class Forged(ChatkitError):
    """A webhook request the platform did not send (wrong signature, stale, or misdirected)."""


class BadPayload(ChatkitError, ValueError):
    """A webhook body that is not the JSON the platform documents."""


class Refused(ChatkitError):
    """The platform would not give the bot an access token: its app id or secret is wrong."""


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
    """The body as a JSON object, or BadPayload (also for nesting too deep to parse)."""
    try:
        data = _parse(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise BadPayload(say("bot.platforms.not_json.what", platform=platform),
                         fix=say("bot.platforms.not_json.fix", platform=platform), docs=docs)
    return data


def ident(value) -> str:
    """An id from a body, as text: a string or an integer; "" for anything else (a list, a float, true)."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def text_field(value, field: str, platform: str, docs: str) -> str:
    """A message's text, or BadPayload when the field holds something else (a list, an object)."""
    if not isinstance(value, str):
        raise BadPayload(say("bot.platforms.not_text.what", platform=platform, field=field),
                         fix=say("bot.platforms.not_json.fix", platform=platform), docs=docs)
    return value


def require_secret(secret: str | None, name: str, docs: str) -> None:
    """Refuse to check a request against an empty secret (which would accept anyone)."""
    if not secret:
        raise ConfigError(say("bot.platforms.no_secret.what", name=name),
                          fix=say("bot.platforms.no_secret.fix", name=name), docs=docs)


def require_match(expected: str, received: str, what: str, *, fix: str, docs: str) -> None:
    """Compare in constant time (a timing leak would let an attacker guess byte by byte)."""
    if not hmac.compare_digest(expected.encode(), (received or "").encode()):
        said = say("bot.platforms.missing") if not received else say("bot.platforms.mismatch")
        raise Forged(say("bot.platforms.forged.what", what=what, said=said), fix=fix, docs=docs)


def require_fresh(sent_at: str, window: float, now: float | None, *, scale: int = 1,
                  what: str, docs: str) -> float:
    """The timestamp (``scale`` units per second) as seconds, or Forged when outside ``window``."""
    try:
        seconds = int(sent_at) / scale
    except (TypeError, ValueError):
        raise Forged(say("bot.platforms.no_time.what", what=what), fix=say("bot.platforms.no_time.fix"),
                     docs=docs) from None
    gap = abs((time.time() if now is None else now) - seconds)
    if gap > window:
        raise Forged(say("bot.platforms.stale.what", what=what, minutes=gap / 60, allowed=window / 60),
                     fix=say("bot.platforms.stale.fix"), docs=docs)
    return seconds
