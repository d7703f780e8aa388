"""WeCom (企业微信) self-built apps: encrypted message callbacks in, ``message/send`` out.

Everything below was checked on 2026-12-06 against WeCom's documentation (the receiving pages
are the copies under 服务商代开发, whose protocol is the self-built app's):

- Receiving (URL check, 5 s, three retries, empty 200): https://developer.work.weixin.qq.com/document/path/96466
- Message XML (text and the others): https://developer.work.weixin.qq.com/document/path/96467
- Crypto (signature, AES, receiveid) with a worked example: https://developer.work.weixin.qq.com/document/path/90968
- Access token (gettoken, 7200 s, may end early): https://developer.work.weixin.qq.com/document/path/91039
- Sending (message/send, text up to 2048 bytes): https://developer.work.weixin.qq.com/document/path/90236
- Error codes (40014 不合法的access_token): https://developer.work.weixin.qq.com/document/path/90455

WeCom calls the app's URL with ``msg_signature``, ``timestamp`` and ``nonce`` in the query
string: a GET with an encrypted ``echostr`` when the URL is saved (answer its plaintext,
:func:`echo`), then a POST per message whose XML body holds one ``Encrypt`` field. The
signature is sha1 of the sorted token, timestamp, nonce and ciphertext; the ciphertext is
AES-256-CBC (:mod:`.aes`) of 16 random bytes, the message's length (4 bytes, big-endian), the
message XML, and the receiving corp id, which must be ours. WeCom forwards what a member sends
in the app's chat ("企业成员在企业微信应用里发送消息时"), never what the app itself sends, so
the conversation is the member and no message is the bot's own. WeCom wants a 200 within 5
seconds (an empty body: no passive reply) and retries three times otherwise; answers go
through ``message/send`` later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import quote, urlencode
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXML

from ...errors import ConfigError
from ...messages import say
from . import aes
from .base import BadPayload, Forged, Incoming, Outgoing, Refused, require_fresh, require_match, require_secret

DOCS = "https://developer.work.weixin.qq.com/document/path/90968"
RECEIVE_DOCS = "https://developer.work.weixin.qq.com/document/path/96466"
TOKEN_DOCS = "https://developer.work.weixin.qq.com/document/path/91039"
SEND_DOCS = "https://developer.work.weixin.qq.com/document/path/90236"
WINDOW = 5 * 60  # seconds a signed request stays acceptable (WeCom names none; as Feishu's)
BLOCK = 32  # WeCom pads to a multiple of 32 bytes, not AES's 16
TEXT_LIMIT = 2048  # bytes of text in one message/send
TOKEN_PATH = "/cgi-bin/gettoken"
SEND_PATH = "/cgi-bin/message/send"
# The token lasts ``expires_in`` seconds (7200 normally) and WeCom may revoke it sooner; renew 5
# minutes ahead, and once more whenever WeCom answers 40014 (不合法的access_token, on the error
# code page) or 42001 (access_token expired, the answer to a token past its time; WxJava renews
# on both).
RENEW_BEFORE = 5 * 60
INVALID_TOKEN = frozenset({40014, 42001})


@dataclass(frozen=True)
class Settings:
    """The app's settings from the WeCom admin console (no secret in the repr).

    ``corp_id`` (My Company > Company Info), ``agent_id`` and ``secret`` (the app's page) buy
    the access token replies need; ``token`` and ``encoding_aes_key`` (the app's "Receive
    messages" > "Set API receive" page) prove that WeCom sent a callback and decrypt it.
    """

    corp_id: str
    agent_id: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    encoding_aes_key: str = field(repr=False)
    api_base: str = "https://qyapi.weixin.qq.com"

    def __post_init__(self) -> None:
        _key(self.encoding_aes_key)  # a mistyped key fails now, not at the first message
        if not str(self.agent_id).isdigit():
            raise ConfigError(say("bot.platforms.wecom.agent_id.what"), fix=say("bot.platforms.wecom.agent_id.fix"),
                              docs=SEND_DOCS)


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """sha1 of the four values sorted and joined, in hex, as in ``msg_signature`` (WeCom's example).

    >>> signature("QDG6eK", "1409659589", "263014780", "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt"
    ...           "3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
    '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3'
    """
    return hashlib.sha1("".join(sorted((token, timestamp, nonce, encrypted))).encode()).hexdigest()


def encrypt(encoding_aes_key: str, text: str, receive_id: str) -> str:
    """``text`` encrypted for ``receive_id`` (a corp id) the way WeCom does, in base64.

    >>> key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    >>> decrypt(key, encrypt(key, "<xml/>", "wx5823bf96d3bd56c7"), "wx5823bf96d3bd56c7")
    '<xml/>'
    """
    key, message = _key(encoding_aes_key), text.encode()
    plain = os.urandom(16) + struct.pack(">I", len(message)) + message + receive_id.encode()
    return base64.b64encode(aes.encrypt(key, key[:16], plain, block=BLOCK)).decode()


def decrypt(encoding_aes_key: str, encrypted: str, receive_id: str) -> str:
    """The message inside ``encrypted``; Forged when it does not decrypt with this key or is for another corp."""
    key = _key(encoding_aes_key)
    try:
        plain = aes.decrypt(key, key[:16], base64.b64decode(encrypted, validate=True), block=BLOCK)
        (length,) = struct.unpack(">I", plain[16:20])
        if len(plain) < 20 + length:
            raise ValueError("the length runs past the end")
        message, receiver = plain[20:20 + length].decode(), plain[20 + length:].decode()
    except (ValueError, struct.error) as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise Forged(say("bot.platforms.wecom.decrypt.what", why=_why(exc)),
                     fix=say("bot.platforms.wecom.decrypt.fix"), docs=DOCS) from None
    if not hmac.compare_digest(receiver.encode(), receive_id.encode()):
        raise Forged(say("bot.platforms.wecom.elsewhere.what"), fix=say("bot.platforms.wecom.elsewhere.fix"),
                     docs=DOCS)
    return message


def callback_body(settings: Settings, xml_text: str, timestamp: str, nonce: str) -> tuple[dict, bytes]:
    """What WeCom sends for the message ``xml_text``: the signed query string and the encrypted body.

    For tests and the local chat platform, which imitate WeCom.
    """
    encrypted = encrypt(settings.encoding_aes_key, xml_text, settings.corp_id)
    body = (f"<xml><ToUserName><![CDATA[{settings.corp_id}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]>"
            f"</Encrypt><AgentID><![CDATA[{settings.agent_id}]]></AgentID></xml>")
    return _signed(settings, encrypted, timestamp, nonce), body.encode()


def url_check(settings: Settings, text: str, timestamp: str, nonce: str) -> dict:
    """The query string of WeCom's GET when the callback URL is saved: ``text`` encrypted as ``echostr``."""
    encrypted = encrypt(settings.encoding_aes_key, text, settings.corp_id)
    return {**_signed(settings, encrypted, timestamp, nonce), "echostr": encrypted}


def echo(query: Mapping[str, str], settings: Settings, *, now: float | None = None) -> str:
    """The answer to WeCom's URL check: the decrypted ``echostr``, once its signature is checked."""
    encrypted = query.get("echostr") or ""
    _check(query, encrypted, settings.token, now)
    return decrypt(settings.encoding_aes_key, encrypted, settings.corp_id)


def verify(query: Mapping[str, str], body: bytes, secret: str, *, now: float | None = None) -> None:
    """Raise Forged unless ``msg_signature`` in the query matches the body's ``Encrypt`` for the token ``secret``
    and ``timestamp`` is within ``WINDOW``; BadPayload when the body is not WeCom's XML."""
    require_secret(secret, say("bot.platforms.wecom.secret"), DOCS)
    _check(query, _encrypted(body), secret, now)


def parse(body: bytes, settings: Settings) -> Incoming | None:
    """The text message in a callback, or None for anything else (events, pictures, another app's).

    Call it after :func:`verify`: it decrypts ``Encrypt`` and reads the message XML.

    >>> s = Settings("wx5823bf96d3bd56c7", "218", "app-secret", "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    >>> _, body = callback_body(s, "<xml><FromUserName>zhangsan</FromUserName><MsgType>text</MsgType>"
    ...                            "<Content>hi</Content><MsgId>1</MsgId><AgentID>218</AgentID></xml>", "1", "n")
    >>> msg = parse(body, s)
    >>> msg.text, msg.user_id, msg.conversation_id
    ('hi', 'zhangsan', 'zhangsan')
    """
    message = _xml(decrypt(settings.encoding_aes_key, _encrypted(body), settings.corp_id).encode())
    if _field(message, "MsgType") != "text" or _field(message, "AgentID") != str(settings.agent_id):
        return None
    user = _field(message, "FromUserName")
    return Incoming(platform="wecom", message_id=_field(message, "MsgId"), user_id=user, conversation_id=user,
                    text=_field(message, "Content"), reply_handle=user)


def reply(settings: Settings, incoming: Incoming, text: str) -> Outgoing:
    """Send ``text`` to the member from the app; :func:`sign` adds the access token."""
    return Outgoing("POST", settings.api_base.rstrip("/") + SEND_PATH, {"Content-Type": "application/json"},
                    {"touser": incoming.reply_handle or incoming.user_id, "msgtype": "text",
                     "agentid": int(settings.agent_id), "text": {"content": _fit(text)}})


def token_request(settings: Settings) -> Outgoing:
    """The GET that buys an access token; the secret is in its query string, which no repr shows.

    >>> token_request(Settings("ww1", "1000002", "app-secret-0123", "t", "a" * 43))
    Outgoing(GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?…, headers={}, json={})
    """
    query = urlencode({"corpid": settings.corp_id, "corpsecret": settings.secret})
    return Outgoing("GET", f"{settings.api_base.rstrip('/')}{TOKEN_PATH}?{query}")


def read_token(answer: dict) -> tuple[str, float]:
    """The token and its lifetime in seconds from WeCom's answer, or Refused saying what to set.

    >>> read_token({"errcode": 0, "errmsg": "ok", "access_token": "accesstoken000001", "expires_in": 7200})
    ('accesstoken000001', 7200.0)
    """
    token, expires, code = answer.get("access_token"), answer.get("expires_in"), answer.get("errcode")
    if code == 0 and isinstance(token, str) and token and isinstance(expires, (int, float)) and expires > 0:
        return token, float(expires)
    said = str(answer.get("errmsg") or "")[:120]
    raise Refused(say("bot.platforms.wecom.refused.what", code=code, said=said),
                  fix=say("bot.platforms.wecom.refused.fix"), docs=TOKEN_DOCS)


def sign(out: Outgoing, token: str) -> Outgoing:
    """``out`` with the access token in its query string, where WeCom wants it."""
    return replace(out, url=f"{out.url}{'&' if '?' in out.url else '?'}access_token={quote(token, safe='')}")


def rejected(answer: dict) -> bool:
    """True when WeCom refused the request because of its token (see ``INVALID_TOKEN``)."""
    return answer.get("errcode") in INVALID_TOKEN


def _key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, TypeError):
        key = b""
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise ConfigError(say("bot.platforms.wecom.aes_key.what", length=len(encoding_aes_key)),
                          fix=say("bot.platforms.wecom.aes_key.fix"), docs=DOCS)
    return key


def _signed(settings: Settings, encrypted: str, timestamp: str, nonce: str) -> dict:
    return {"msg_signature": signature(settings.token, timestamp, nonce, encrypted), "timestamp": timestamp,
            "nonce": nonce}


def _check(query: Mapping[str, str], encrypted: str, token: str, now: float | None) -> None:
    stamp, nonce = query.get("timestamp") or "", query.get("nonce") or ""
    require_fresh(stamp, WINDOW, now, what=say("bot.platforms.wecom.parameter", name="timestamp"), docs=RECEIVE_DOCS)
    require_match(signature(token, stamp, nonce, encrypted), query.get("msg_signature") or "",
                  say("bot.platforms.wecom.parameter", name="msg_signature"), docs=DOCS,
                  fix=say("bot.platforms.wecom.signature.fix"))


def _encrypted(body: bytes) -> str:
    encrypted = _field(_xml(body), "Encrypt")
    if not encrypted:
        raise BadPayload(say("bot.platforms.wecom.xml.what", why=say("bot.platforms.wecom.no_encrypt")),
                         fix=say("bot.platforms.wecom.xml.fix"), docs=RECEIVE_DOCS)
    return encrypted


def _xml(data: bytes) -> Element:
    """The root element; BadPayload for anything but plain XML (a DTD, and so any entity, is refused)."""
    try:
        return SafeXML.fromstring(data, forbid_dtd=True)
    except (ValueError, SyntaxError) as exc:  # defusedxml's refusals are ValueErrors, ParseError a SyntaxError
        raise BadPayload(say("bot.platforms.wecom.xml.what", why=_why(exc)), fix=say("bot.platforms.wecom.xml.fix"),
                         docs=RECEIVE_DOCS) from None


def _field(root: Element, name: str) -> str:
    """The text of the child ``name`` (CDATA or not), or "" when it is missing."""
    return (root.findtext(name) or "").strip()


def _fit(text: str) -> str:
    """``text`` cut to ``TEXT_LIMIT`` bytes of UTF-8 on a character boundary, marked with "…" if cut."""
    data = text.encode()
    if len(data) <= TEXT_LIMIT:
        return text
    return data[:TEXT_LIMIT - len("…".encode())].decode(errors="ignore") + "…"


def _why(exc: Exception) -> str:
    return type(exc).__name__  # never the text: it can quote the body
