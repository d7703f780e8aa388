"""DingTalk (钉钉) robots: signed messages in, answers posted to the ``sessionWebhook``.

Protocol: https://open.dingtalk.com/document/isvapp/receive-message
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...errors import ChatkitError
from ...messages import say
from .base import (
    Forged,
    Incoming,
    Outgoing,
    header,
    ident,
    load_json,
    require_fresh,
    require_match,
    require_secret,
    text_field,
)

DOCS = "https://open.dingtalk.com/document/isvapp/receive-message"
WINDOW = 60 * 60  # DingTalk: "more than 1 hour from the current time" is invalid
DINGTALK_HOSTS = ("oapi.dingtalk.com", "api.dingtalk.com")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Settings:
    """The robot's AppSecret, and the hosts a ``sessionWebhook`` may point to."""

    app_secret: str = field(repr=False)
    # To answer a local test platform too: DINGTALK_HOSTS + ("127.0.0.1",). Plain http is
    # accepted for loopback hosts only.
    allowed_reply_hosts: tuple[str, ...] = DINGTALK_HOSTS


def signature(timestamp: str, app_secret: str) -> str:
    """base64(hmac_sha256(app_secret, timestamp + "\\n" + app_secret)), as in the ``sign`` header.

    >>> signature("1577262236757", "this is a secret")
    'DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA='
    """
    digest = hmac.new(app_secret.encode(), f"{timestamp}\n{app_secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(headers: Mapping[str, str], body: bytes, secret: str, *, now: float | None = None) -> None:
    """Raise Forged unless the ``timestamp`` (ms, within an hour) and ``sign`` headers match ``secret``."""
    require_secret(secret, say("bot.platforms.dingtalk.secret"), DOCS)
    stamp = header(headers, "timestamp")
    require_fresh(stamp, WINDOW, now, scale=1000, what=say("bot.platforms.header", name="timestamp"), docs=DOCS)
    require_match(signature(stamp, secret), header(headers, "sign"), say("bot.platforms.header", name="sign"),
                  docs=DOCS, fix=say("bot.platforms.dingtalk.sign.fix"))


def parse(body: bytes) -> Incoming | None:
    """The text message in a robot callback, or None for other message types.

    ``is_from_bot`` is set when the sender is the robot itself (``senderId == chatbotUserId``).
    """
    title = say("bot.platforms.dingtalk")
    data = load_json(body, title, DOCS)
    text = data.get("text") if isinstance(data.get("text"), dict) else {}
    if data.get("msgtype") != "text":
        return None
    expires, sender = data.get("sessionWebhookExpiredTime"), ident(data.get("senderId"))
    return Incoming(platform="dingtalk", message_id=ident(data.get("msgId")),
                    user_id=ident(data.get("senderStaffId")) or sender,
                    conversation_id=ident(data.get("conversationId")),
                    text=text_field(text.get("content", ""), "text.content", title, DOCS).strip(),
                    is_from_bot=bool(sender) and sender == data.get("chatbotUserId"),
                    reply_handle=ident(data.get("sessionWebhook")),
                    reply_expires_at=expires / 1000 if isinstance(expires, (int, float)) else None)


def reply(settings: Settings, incoming: Incoming, text: str, *, now: float | None = None) -> Outgoing:
    """POST ``text`` to the conversation's ``sessionWebhook``, if it is DingTalk's and still valid.

    The address comes from the request body: without the host check, one forged body
    would make the bot POST its answers (and the user's question) anywhere.
    """
    url = incoming.reply_handle or ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # "https://[oapi…": no host anyone can reach
        parts, host = urlsplit(""), ""
    allowed = settings.allowed_reply_hosts
    # A single string would turn `in` into a substring test ("ding" in "oapi.dingtalk.com").
    allowed = {h.strip().lower() for h in (allowed.split(",") if isinstance(allowed, str) else allowed)}
    if host not in allowed or not (parts.scheme == "https" or host in _LOOPBACK):
        raise Forged(say("bot.platforms.dingtalk.elsewhere.what", host=host or say("bot.platforms.dingtalk.no_host")),
                     fix=say("bot.platforms.dingtalk.elsewhere.fix"), docs=DOCS)
    expires = incoming.reply_expires_at
    if expires is not None and expires < (time.time() if now is None else now):
        raise ChatkitError(say("bot.platforms.dingtalk.expired.what"), fix=say("bot.platforms.dingtalk.expired.fix"),
                           docs=DOCS)
    return Outgoing("POST", url, {"Content-Type": "application/json"},
                    {"msgtype": "text", "text": {"content": text}})
