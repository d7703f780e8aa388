"""Feishu / Lark (飞书): ``im.message.receive_v1`` events in, message replies out.

Events: https://open.feishu.cn/document/server-docs/im-v1/message/events/receive
Reply: https://open.feishu.cn/document/server-docs/im-v1/message/reply
Tenant access token: see ``TOKEN_DOCS``; :class:`chatkit.bot.access.AccessToken` keeps one fresh.
Encrypted events and their signature: see ``ENCRYPT_DOCS``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from ...messages import say
from ...web import load_json as parse_json
from . import aes
from .base import (
    BadPayload,
    Forged,
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
# With an Encrypt Key (checked 2026-12-06 at ENCRYPT_DOCS and in Feishu's Python SDK,
# larksuite/oapi-sdk-python, lark_oapi/event/dispatcher_handler.py) every body, the URL check
# included, is {"encrypt": base64(iv + AES-256-CBC(plaintext))} with key = sha256(Encrypt Key) and
# a random 16-byte IV; the SDK decrypts, checks the verification token inside, answers the
# url_verification challenge unsigned, and checks X-Lark-Signature on every other event.
# The docs' example: Encrypt Key "test key" turns "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=" into
# "hello world".
ENCRYPT_DOCS = ("https://open.feishu.cn/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/"
                "encrypt-key-encryption-configuration-case")


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


def signed(encrypt_key: str, body: bytes, timestamp: str, nonce: str) -> dict:
    """The headers Feishu sends with ``body`` when the app has an Encrypt Key (what :func:`verify` checks).

    >>> signed("key", b"{}", "1700000000", "n1")["X-Lark-Signature"][:12]
    '305fd45e16fa'
    """
    return {"X-Lark-Request-Timestamp": timestamp, "X-Lark-Request-Nonce": nonce,
            "X-Lark-Signature": signature(timestamp, nonce, encrypt_key, body)}


def verify(headers: Mapping[str, str], body: bytes, secret: str, *, encrypt_key: str = "",
           now: float | None = None) -> None:
    """Raise Forged unless Feishu sent the request.

    The token in the body (decrypted with ``encrypt_key`` when encrypted) must equal the
    verification token ``secret``. With an ``encrypt_key``, every event but the URL check
    must also carry an ``X-Lark-Signature`` header matching :func:`signature` and an
    ``X-Lark-Request-Timestamp`` within ``WINDOW`` (Feishu does not sign the URL check).
    """
    require_secret(secret, say("bot.platforms.feishu.secret"), DOCS)
    data = _plain(body, encrypt_key)
    head = data.get("header") if isinstance(data.get("header"), dict) else {}
    token = head.get("token") or data.get("token")  # schema 2.0 events, or url_verification
    require_match(secret, token if isinstance(token, str) else "", say("bot.platforms.feishu.token"), docs=DOCS,
                  fix=say("bot.platforms.feishu.token.fix"))
    if encrypt_key and data.get("type") != "url_verification":
        stamp, nonce = header(headers, "X-Lark-Request-Timestamp"), header(headers, "X-Lark-Request-Nonce")
        require_fresh(stamp, WINDOW, now, what=say("bot.platforms.header", name="X-Lark-Request-Timestamp"),
                      docs=DOCS)
        require_match(signature(stamp, nonce, encrypt_key, body), header(headers, "X-Lark-Signature"),
                      say("bot.platforms.header", name="X-Lark-Signature"), docs=DOCS,
                      fix=say("bot.platforms.feishu.signature.fix"))


def encrypt(encrypt_key: str, plaintext: str) -> str:
    """``plaintext`` encrypted as Feishu encrypts an event body with the app's Encrypt Key, in base64.

    >>> decrypt("test key", encrypt("test key", '{"type": "url_verification"}'))
    '{"type": "url_verification"}'
    """
    iv = os.urandom(aes.BLOCK)
    return base64.b64encode(iv + aes.encrypt(_aes_key(encrypt_key), iv, plaintext.encode())).decode()


def decrypt(encrypt_key: str, encrypted: str) -> str:
    """The plaintext of an ``encrypt`` field; Forged when it does not decrypt with this key (Feishu's example).

    >>> decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")
    'hello world'
    """
    try:
        data = base64.b64decode(encrypted, validate=True)
        return aes.decrypt(_aes_key(encrypt_key), data[:aes.BLOCK], data[aes.BLOCK:]).decode()
    except ValueError as exc:  # base64, length, IV, padding and UTF-8 errors are all ValueErrors
        raise Forged(say("bot.platforms.feishu.decrypt.what", why=type(exc).__name__),
                     fix=say("bot.platforms.feishu.decrypt.fix"), docs=ENCRYPT_DOCS) from None


def challenge(body: bytes, encrypt_key: str = "") -> dict | None:
    """The answer to Feishu's ``url_verification`` request, or None for any other body.

    Call it after :func:`verify`: Feishu expects ``{"challenge": …}`` back within a second.

    >>> challenge(b'{"type": "url_verification", "challenge": "abc", "token": "t"}')
    {'challenge': 'abc'}
    """
    data = _plain(body, encrypt_key)
    if data.get("type") != "url_verification":
        return None
    return {"challenge": str(data.get("challenge", ""))}


def parse(body: bytes, encrypt_key: str = "") -> Incoming | None:
    """The text message in an ``im.message.receive_v1`` event, or None for anything else.

    Mentions (``@_user_1``) are removed from the text; ``is_from_bot`` is set when an app sent it.
    """
    data = _plain(body, encrypt_key)
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


def _plain(body: bytes, encrypt_key: str) -> dict:
    """The body's JSON object, decrypted first when it is ``{"encrypt": …}``."""
    title = say("bot.platforms.feishu")
    data = load_json(body, title, DOCS)
    if "encrypt" not in data:
        return data
    if not encrypt_key:
        raise BadPayload(say("bot.platforms.feishu.encrypted.what"), fix=say("bot.platforms.feishu.encrypted.fix"),
                         docs=ENCRYPT_DOCS)
    encrypted = text_field(data["encrypt"], "encrypt", title, ENCRYPT_DOCS)
    return load_json(decrypt(encrypt_key, encrypted).encode(), title, DOCS)


def _aes_key(encrypt_key: str) -> bytes:
    return hashlib.sha256(encrypt_key.encode()).digest()


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
