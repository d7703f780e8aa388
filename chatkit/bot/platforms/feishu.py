"""Feishu / Lark (飞书): ``im.message.receive_v1`` events in, message replies out.

Events: https://open.feishu.cn/document/server-docs/im-v1/message/events/receive
Reply: https://open.feishu.cn/document/server-docs/im-v1/message/reply
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from ...messages import say
from ...web import load_json as parse_json
from .base import (
    BadPayload,
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

DOCS = "https://open.feishu.cn/document/server-docs/im-v1/message/events/receive"
WINDOW = 5 * 60  # seconds a signed request stays acceptable


@dataclass(frozen=True)
class Settings:
    """The app's secrets from the Feishu console (none of them in the repr)."""

    verification_token: str = field(repr=False)
    tenant_access_token: str = field(repr=False)  # lasts 2 hours: refresh it with the app secret
    encrypt_key: str = field(default="", repr=False)
    api_base: str = "https://open.feishu.cn"  # Lark: https://open.larksuite.com


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """sha256(timestamp + nonce + encrypt_key + body), in hex, as in ``X-Lark-Signature``.

    >>> signature("1700000000", "n1", "key", b"{}")[:12]
    '305fd45e16fa'
    """
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def verify(headers: Mapping[str, str], body: bytes, secret: str, *, encrypt_key: str = "",
           now: float | None = None) -> None:
    """Raise Forged unless Feishu sent the request.

    With an ``encrypt_key``, the ``X-Lark-Signature`` header must match :func:`signature`
    and ``X-Lark-Request-Timestamp`` be within ``WINDOW``; without one, the token in the
    body must equal the verification token ``secret``. (An Encrypt Key also encrypts every
    body, which :func:`parse` refuses: the standard library has no AES.)
    """
    if encrypt_key:
        stamp, nonce = header(headers, "X-Lark-Request-Timestamp"), header(headers, "X-Lark-Request-Nonce")
        require_fresh(stamp, WINDOW, now, what=say("bot.platforms.header", name="X-Lark-Request-Timestamp"),
                      docs=DOCS)
        require_match(signature(stamp, nonce, encrypt_key, body), header(headers, "X-Lark-Signature"),
                      say("bot.platforms.header", name="X-Lark-Signature"), docs=DOCS,
                      fix=say("bot.platforms.feishu.signature.fix"))
        return
    require_secret(secret, say("bot.platforms.feishu.secret"), DOCS)
    data = load_json(body, say("bot.platforms.feishu"), DOCS)
    head = data.get("header") if isinstance(data.get("header"), dict) else {}
    token = head.get("token") or data.get("token")  # schema 2.0 events, or url_verification
    require_match(secret, token if isinstance(token, str) else "", say("bot.platforms.feishu.token"), docs=DOCS,
                  fix=say("bot.platforms.feishu.token.fix"))


def challenge(body: bytes) -> dict | None:
    """The answer to Feishu's ``url_verification`` request, or None for any other body.

    Call it after :func:`verify`: Feishu expects ``{"challenge": …}`` back within a second.

    >>> challenge(b'{"type": "url_verification", "challenge": "abc", "token": "t"}')
    {'challenge': 'abc'}
    """
    data = _plain(body)
    if data.get("type") != "url_verification":
        return None
    return {"challenge": str(data.get("challenge", ""))}


def parse(body: bytes) -> Incoming | None:
    """The text message in an ``im.message.receive_v1`` event, or None for anything else.

    Mentions (``@_user_1``) are removed from the text; ``is_from_bot`` is set when an app sent it.
    """
    data = _plain(body)
    event = _dict(data.get("event"))
    message, sender = _dict(event.get("message")), _dict(event.get("sender"))
    event_type = _dict(data.get("header")).get("event_type")
    if event_type != "im.message.receive_v1" or message.get("message_type") != "text":
        return None
    try:
        content = parse_json(message.get("content") or "{}")
    except (TypeError, ValueError):  # not a string, not JSON, or nested too deeply
        content = None
    if not isinstance(content, dict):
        raise BadPayload(say("bot.platforms.feishu.content.what"), fix=say("bot.platforms.feishu.content.fix"),
                         docs=DOCS)
    text = text_field(content.get("text", ""), "content.text", say("bot.platforms.feishu"), DOCS)
    mentions = message.get("mentions") if isinstance(message.get("mentions"), list) else []
    for key in (_dict(mention).get("key") for mention in mentions):
        text = text.replace(key, "") if isinstance(key, str) and key else text
    message_id = ident(message.get("message_id"))
    return Incoming(platform="feishu", message_id=message_id,
                    user_id=ident(_dict(sender.get("sender_id")).get("open_id")),
                    conversation_id=ident(message.get("chat_id")), text=text.strip(),
                    is_from_bot=sender.get("sender_type") == "app", reply_handle=message_id)


def reply(settings: Settings, incoming: Incoming, text: str) -> Outgoing:
    """Answer ``incoming`` in its chat, as a reply to it, with the tenant access token."""
    message_id = quote(incoming.reply_handle or "", safe="")  # from the body: keep it one path segment
    url = f"{settings.api_base.rstrip('/')}/open-apis/im/v1/messages/{message_id}/reply"
    return Outgoing("POST", url, {"Authorization": f"Bearer {settings.tenant_access_token}",
                                  "Content-Type": "application/json; charset=utf-8"},
                    {"msg_type": "text", "content": json.dumps({"text": text}, ensure_ascii=False)})


def _plain(body: bytes) -> dict:
    data = load_json(body, say("bot.platforms.feishu"), DOCS)
    if "encrypt" in data:
        raise BadPayload(say("bot.platforms.feishu.encrypted.what"), fix=say("bot.platforms.feishu.encrypted.fix"),
                         docs=DOCS)
    return data


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
