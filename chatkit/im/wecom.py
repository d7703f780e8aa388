"""WeCom's side (企业微信), imitated: encrypted XML callbacks signed in the query string, the URL check,
``gettoken`` and ``message/send``. The crypto and the shapes are the adapter's: :mod:`chatkit.bot.platforms.wecom`.

- Before the first message to a new address, a GET with an encrypted ``echostr`` the bot must decrypt
  and answer in plain text.
- ``GET /cgi-bin/gettoken?corpid=…&corpsecret=…``: an access token for 7200 s; asked again while it is
  valid, the same one (WeCom's docs); after, a new one.
- ``POST /cgi-bin/message/send?access_token=…``: the bot's answer, shown on the page. An expired token
  gets errcode 42001, an unknown one 40014, none 41001, each with HTTP 200 as WeCom answers.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..bot.platforms import wecom
from ..bot.service import PATHS
from ..bot.settings import BotSettings
from ..messages import say
from ..retry import Failed
from .app import PlatformError, json_body, text
from .credentials import DEFAULT_BOT_USER_ID, Saved
from .delivery import Callback, note
from .tokens import Tokens

NAME = "wecom"
BOT_ROUTE = PATHS[NAME]
LIFE = 7200  # seconds an access token lasts (wecom.TOKEN_DOCS)
# WeCom's global error codes (https://developer.work.weixin.qq.com/document/path/90313, checked 2026-12-06):
# 40001 invalid secret, 40014 invalid access_token, 41001 access_token missing, 42001 access_token expired.
WRONG_SECRET, BAD_TOKEN, NO_TOKEN, EXPIRED = 40001, 40014, 41001, 42001


@dataclass(frozen=True, repr=False)
class Credentials(Saved):
    """A WeCom app: the corp id, its agent id and secret, and the callback's Token and EncodingAESKey."""

    NAMES = {"corp_id": "WECOM_CORP_ID", "agent_id": "WECOM_AGENT_ID", "secret": "WECOM_SECRET",
             "token": "WECOM_TOKEN", "encoding_aes_key": "WECOM_ENCODING_AES_KEY"}
    SECRETS = ("secret", "token", "encoding_aes_key")
    ENDPOINT = "WECOM_API_ENDPOINT"

    corp_id: str
    agent_id: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    encoding_aes_key: str = field(repr=False)

    @classmethod
    def generate(cls) -> Credentials:
        # The console's EncodingAESKey: 43 characters, 32 random bytes in base64 without the "=".
        key = base64.b64encode(os.urandom(32)).decode()[:43]
        return cls(f"ww{secrets.token_hex(8)}", "1000002", secrets.token_urlsafe(32), secrets.token_hex(16), key)

    @property
    def app_id(self) -> str:
        return self.corp_id

    def settings(self, api_base: str = "") -> wecom.Settings:
        return wecom.Settings(self.corp_id, self.agent_id, self.secret, self.token, self.encoding_aes_key,
                              **({"api_base": api_base} if api_base else {}))


def title() -> str:
    return say("im.platform.wecom")


def bot_uid(credentials: Credentials) -> str:
    return DEFAULT_BOT_USER_ID


def prepare(state) -> None:
    state.tokens, state.verified = Tokens(LIFE, 0), None


def bot_settings(credentials: Credentials, url: str) -> BotSettings:
    return BotSettings(wecom=credentials.settings(Credentials.endpoint(url)))


# --- what the platform sends the bot ---------------------------------------------------------

def message_xml(state, message: dict) -> str:
    """The text message as WeCom writes it, before encryption."""
    c = state.credentials
    return (f"<xml><ToUserName>{_cdata(c.corp_id)}</ToUserName><FromUserName>{_cdata(message['from'])}"
            f"</FromUserName><CreateTime>{int(message['created_at'])}</CreateTime><MsgType>{_cdata('text')}"
            f"</MsgType><Content>{_cdata(message['text'])}</Content><MsgId>{message['id']}</MsgId>"
            f"<AgentID>{c.agent_id}</AgentID></xml>")


def callback(state, message: dict) -> Callback:
    """The POST WeCom makes: the query signed, the XML body holding the message encrypted."""
    query, body = wecom.callback_body(state.credentials.settings(), message_xml(state, message), *_stamp())
    shown = {"query": sorted(query), "xml": {"ToUserName": state.credentials.corp_id, "Encrypt": "…",
                                             "AgentID": state.credentials.agent_id},
             "decrypted": {"FromUserName": message["from"], "MsgType": "text", "Content": message["text"],
                           "MsgId": message["id"]}}
    return Callback(f"{state.bot_webhook}?{urlencode(query)}", {"content-type": "text/xml"}, body, shown)


def connect(state, send) -> str | None:
    """WeCom's URL check, once per bot address: the bot must answer the decrypted ``echostr``; why not, or None."""
    if state.verified == state.bot_webhook:
        return None
    plain = str(secrets.randbelow(10**19))
    query = wecom.url_check(state.credentials.settings(), plain, *_stamp())
    answer = send(Callback(f"{state.bot_webhook}?{urlencode(query)}", {}, b"",
                           {"query": sorted(query)}, method="GET"))
    if isinstance(answer, Failed):
        return say("im.wecom.url_check", why=answer.why)
    if answer.status_code != 200 or answer.text != plain:
        return say("im.wecom.url_check", why=say("im.wecom.not_echoed", status=answer.status_code))
    state.verified = state.bot_webhook
    return None


def _stamp() -> tuple[str, str]:
    return str(int(time.time())), str(secrets.randbelow(10**9))


def _cdata(value) -> str:
    # "]]>" would end the section early: split it across two sections.
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


# --- what the bot calls -------------------------------------------------------------------

def _error(status: int, message: str, code: int | None = None) -> PlatformError:
    # WeCom's shape; where the real code is not known, the HTTP status stands in for it.
    return PlatformError(status, message, {"errcode": code or status, "errmsg": message})


async def gettoken(request: Request) -> JSONResponse:
    state, query = request.app.state, request.query_params
    c = state.credentials
    right = hmac.compare_digest(query.get("corpid", "").encode(), c.corp_id.encode()) & hmac.compare_digest(
        query.get("corpsecret", "").encode(), c.secret.encode())
    note(state, "platform", "GET", wecom.TOKEN_PATH, 200)
    if not right:
        return JSONResponse({"errcode": WRONG_SECRET, "errmsg": say("im.wecom.wrong_secret")})
    issued, left = state.tokens.issue()
    return JSONResponse({"errcode": 0, "errmsg": "ok", "access_token": issued, "expires_in": left})


async def send(request: Request) -> JSONResponse:
    """The bot's answer to a member (``touser``), shown on the page from the bot to that customer."""
    state = request.app.state
    refused = _token_refused(state.tokens, request.query_params.get("access_token", ""))
    if refused:
        note(state, "platform", "POST", wecom.SEND_PATH, 200, code=refused["errcode"])
        return JSONResponse(refused)
    body = await json_body(request, _error)
    c, store = state.credentials, state.store
    if not isinstance(body, dict) or body.get("msgtype") != "text" or not isinstance(body.get("text"), dict):
        raise _error(400, say("im.wecom.send_body"))
    if body.get("agentid") != int(c.agent_id) or isinstance(body.get("agentid"), bool):
        raise _error(400, say("im.wecom.agent", agent=c.agent_id))
    said = text(body["text"].get("content"), "text.content", _error)
    to = body.get("touser")
    customer = store.user(to) if isinstance(to, str) else None  # one member: not "a|b", not "@all"
    if customer is None or customer.is_bot:
        raise _error(400, say("im.wecom.touser", known=", ".join(u for u, v in store.users.items() if not v.is_bot)))
    answer = store.add(bot_uid(c), customer.uid, said)
    note(state, "platform", "POST", wecom.SEND_PATH, 200)
    return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": answer["id"]})


def _token_refused(tokens: Tokens, token: str) -> dict | None:
    if not token:
        return {"errcode": NO_TOKEN, "errmsg": say("im.wecom.no_token", path=wecom.TOKEN_PATH)}
    state = tokens.state(token)
    if state == "valid":
        return None
    code, key = (EXPIRED, "im.wecom.expired") if state == "expired" else (BAD_TOKEN, "im.wecom.bad_token")
    return {"errcode": code, "errmsg": say(key, path=wecom.TOKEN_PATH)}


ROUTES = [Route(wecom.TOKEN_PATH, gettoken, methods=["GET"]), Route(wecom.SEND_PATH, send, methods=["POST"])]
