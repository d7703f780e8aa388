"""Lanying IM (蓝莺IM): message callbacks in, ``/message/send`` out.

Shapes as used by Lanying's own connector: https://github.com/maxim-top/lanying-connector
(``POST /messages`` with a ``signature`` header; replies through the admin REST API).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...messages import say
from ...web import load_json as parse_json
from .base import Incoming, Outgoing, header, ident, load_json, require_match, require_secret, text_field

DOCS = "https://github.com/maxim-top/lanying-connector"
TEXT, STREAM_UPDATE = 0, 11  # content_type values for a new text message and an update of one
# Marks the bot's replies; the connector ignores messages so marked, so two AI bots never
# answer each other forever.
AI_EXT = {"ai": {"role": "ai"}}


@dataclass(frozen=True)
class Settings:
    """What the bot needs from the Lanying console (the admin token stays out of the repr)."""

    app_id: str
    bot_user_id: str
    admin_token: str = field(repr=False)
    callback_signature: str = field(repr=False)
    endpoint: str = "https://s-1-3-api.maximtop.cn"  # the connector's example; use your app's


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> None:
    """Raise Forged unless the ``signature`` header equals the callback signature ``secret``.

    Lanying sends the configured string itself, not an HMAC of the body, and no timestamp:
    only HTTPS keeps it secret, and deduplicating by message id is the only replay guard.
    """
    require_secret(secret, say("bot.platforms.lanying.secret"), DOCS)
    require_match(secret, header(headers, "signature"), say("bot.platforms.lanying.signature"),
                  fix=say("bot.platforms.lanying.signature.fix"), docs=DOCS)


def parse(body: bytes, bot_user_id: str) -> Incoming | None:
    """The text message sent to ``bot_user_id``, or None (not text, or for someone else).

    >>> msg = parse(b'{"msgId": "7", "appId": "a", "type": "CHAT", "ctype": "TEXT", '
    ...             b'"from": {"uid": 2}, "to": {"uid": 1}, "content": "hi", "ext": ""}', "1")
    >>> msg.text, msg.user_id, msg.is_from_bot
    ('hi', '2', False)
    """
    title = say("bot.platforms.lanying")
    data = load_json(body, title, DOCS)
    sender, to = _uid(data.get("from")), _uid(data.get("to"))
    if data.get("type") != "CHAT" or data.get("ctype") != "TEXT" or to != str(bot_user_id):
        return None
    ai = _object(data.get("ext")).get("ai")
    ai_written = isinstance(ai, dict) and ai.get("role") == "ai"
    message_id = ident(data.get("msgId"))
    return Incoming(platform="lanying", message_id=message_id, user_id=sender,
                    conversation_id=f"{ident(data.get('appId'))}:{sender}" if sender else "",
                    text=text_field(data.get("content", ""), "content", title, DOCS),
                    is_from_bot=ai_written or sender == str(bot_user_id), reply_handle=message_id)


def reply(settings: Settings, incoming: Incoming, text: str) -> Outgoing:
    """Send ``text`` from the bot to the user, marked as the bot's (see ``AI_EXT``)."""
    return _send(settings, incoming, TEXT, text)


def update(settings: Settings, incoming: Incoming, related_mid: str, text: str) -> Outgoing:
    """Replace the text of the bot's message ``related_mid`` (a streamed answer growing).

    ``related_mid`` is the id :func:`sent_id` reads from the answer to :func:`reply`.
    """
    return _send(settings, incoming, STREAM_UPDATE, text, related_mid=related_mid)


def sent_id(response: dict) -> str | None:
    """The id of the message ``/message/send`` created, from its JSON answer."""
    ids = response.get("msg_ids") or []
    return str(ids[0]) if ids else None


def _send(settings: Settings, incoming: Incoming, content_type: int, text: str, **extra) -> Outgoing:
    body = {"type": 1, "from_user_id": settings.bot_user_id, "targets": [incoming.user_id],
            "content_type": content_type, "content": text, "ext": json.dumps(AI_EXT), **extra}
    return Outgoing("POST", f"{settings.endpoint.rstrip('/')}/message/send",
                    {"app_id": settings.app_id, "access-token": settings.admin_token}, body)


def _uid(party) -> str:
    return ident(party.get("uid")) if isinstance(party, dict) else ""


def _object(raw) -> dict:
    # ext arrives as a JSON string (sometimes empty, sometimes already an object); it is the
    # app's own field, so text that is not JSON (even nested too deeply) only means "no marker".
    if isinstance(raw, dict):
        return raw
    try:
        value = parse_json(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
