"""Feishu / Lark (飞书): ``im.message.receive_v1`` events in, message replies out.

Events: https://open.feishu.cn/document/server-docs/im-v1/message/events/receive
Reply: https://open.feishu.cn/document/server-docs/im-v1/message/reply
Tenant access token: see ``TOKEN_DOCS``; :class:`chatkit.bot.access.AccessToken` keeps one fresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from ...messages import say
from ...web import load_json as parse_json
from .base import (
    BadPayload,
    Incoming,
    Outgoing,
    Refused,
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

# A self-built app's tenant access token (checked 2026-12-06 at TOKEN_DOCS): POST
# {"app_id", "app_secret"} to TOKEN_PATH; the answer is {"code": 0, "msg": "ok",
# "tenant_access_token": "t-…", "expire": 7200}, ``expire`` in seconds, at most 2 hours. With
# less than 30 minutes left the endpoint hands out a new token (both stay valid); with 30 or
# more it hands back the same one, so renewing earlier than that gains nothing.
TOKEN_DOCS = ("https://open.feishu.cn/document/ukTMukTMukTM/ukDNz4SO0MjL5QzM/auth-v3/auth/"
              "tenant_access_token_internal")
TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
RENEW_BEFORE = 30 * 60  # seconds before expiry
# Answers meaning "this token is no good": renew once and send again. 99991663 (tenant access
# token invalid) and 99991671 (access token invalid) are ErrCodeTenantAccessTokenInvalid and
# ErrCodeAccessTokenInvalid in Feishu's own SDKs (larksuite/oapi-sdk-go, oapi-sdk-java);
# 99991661 is the token missing or malformed.
INVALID_TOKEN = frozenset({99991661, 99991663, 99991671})


@dataclass(frozen=True)
class Settings:
    """The app's credentials from the Feishu console (no secret in the repr).

    ``app_id`` and ``app_secret`` (Credentials & Basic Info) buy the 2-hour tenant access
    token the replies need; ``verification_token`` and ``encrypt_key`` (Events and callbacks)
    prove that Feishu sent an event.
    """

    verification_token: str = field(repr=False)
    app_id: str
    app_secret: str = field(repr=False)
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
    """Answer ``incoming`` in its chat, as a reply to it; :func:`sign` adds the tenant access token."""
    message_id = quote(incoming.reply_handle or "", safe="")  # from the body: keep it one path segment
    url = f"{settings.api_base.rstrip('/')}/open-apis/im/v1/messages/{message_id}/reply"
    return Outgoing("POST", url, {"Content-Type": "application/json; charset=utf-8"},
                    {"msg_type": "text", "content": json.dumps({"text": text}, ensure_ascii=False)})


def token_request(settings: Settings) -> Outgoing:
    """The request for a tenant access token (its repr hides the secret, which is in the body).

    >>> token_request(Settings("v", "cli_a1b2", "secret-0123456789")).url
    'https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal'
    """
    return _Secret("POST", settings.api_base.rstrip("/") + TOKEN_PATH,
                   {"Content-Type": "application/json; charset=utf-8"},
                   {"app_id": settings.app_id, "app_secret": settings.app_secret})


def read_token(answer: dict) -> tuple[str, float]:
    """The token and its lifetime in seconds from Feishu's answer, or Refused saying what to set.

    >>> read_token({"code": 0, "msg": "ok", "tenant_access_token": "t-caecc734c2e3", "expire": 7200})
    ('t-caecc734c2e3', 7200.0)
    """
    token, expire, code = answer.get("tenant_access_token"), answer.get("expire"), answer.get("code")
    if code == 0 and isinstance(token, str) and token and isinstance(expire, (int, float)) and expire > 0:
        return token, float(expire)
    said = str(answer.get("msg") or "")[:120]
    raise Refused(say("bot.platforms.feishu.refused.what", code=code, said=said),
                  fix=say("bot.platforms.feishu.refused.fix"), docs=TOKEN_DOCS)


def sign(out: Outgoing, token: str) -> Outgoing:
    """``out`` with the tenant access token as its bearer."""
    return replace(out, headers={**out.headers, "Authorization": f"Bearer {token}"})


def rejected(answer: dict) -> bool:
    """True when Feishu refused the request because of its token (see ``INVALID_TOKEN``)."""
    return answer.get("code") in INVALID_TOKEN


@dataclass(frozen=True, repr=False)
class _Secret(Outgoing):
    """A request whose body holds a secret: its repr leaves the body out."""

    def __repr__(self) -> str:
        return f"Outgoing({self.method} {self.url}, body hidden)"


def _plain(body: bytes) -> dict:
    data = load_json(body, say("bot.platforms.feishu"), DOCS)
    if "encrypt" in data:
        raise BadPayload(say("bot.platforms.feishu.encrypted.what"), fix=say("bot.platforms.feishu.encrypted.fix"),
                         docs=DOCS)
    return data


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
