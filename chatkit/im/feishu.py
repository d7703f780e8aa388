"""Feishu's side (飞书), imitated: ``im.message.receive_v1`` events to the bot, tenant access tokens
and the reply API for it. The shapes are the adapter's: :mod:`chatkit.bot.platforms.feishu`.

- Each event carries the verification token in its header; with an Encrypt Key it is also signed
  (``X-Lark-Signature``) and, as on Feishu, encrypted (``{"encrypt": …}``).
- Before the first event to a new address, a ``url_verification`` challenge the bot must echo.
- ``POST /open-apis/auth/v3/tenant_access_token/internal``: a token for the app id and secret, valid
  2 hours; asked again with 30 minutes or more left, the same token; with less, a new one (both valid).
- ``POST /open-apis/im/v1/messages/{message_id}/reply``: the bot's answer, shown on the page; a
  missing, unknown or expired token is refused with Feishu's code 99991661 or 99991663 (HTTP 400).
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..bot.platforms import feishu
from ..bot.service import PATHS
from ..bot.settings import BotSettings
from ..keys import mask_key
from ..messages import say
from ..retry import Failed
from ..web import load_json
from .app import PlatformError, json_body, text
from .credentials import DEFAULT_BOT_USER_ID, Saved
from .delivery import Callback, note
from .tokens import Tokens

NAME = "feishu"
BOT_ROUTE = PATHS[NAME]
LIFE = 7200  # seconds a tenant access token lasts (feishu.TOKEN_DOCS)
TENANT = "local0tenant0key"
# Codes from Feishu: 10003 "invalid param" answers a wrong app id or secret, with HTTP 200 (seen in
# larksuite/oapi-sdk-java#33); 99991661 (no token) and 99991663 (invalid token) come with HTTP 400
# (multica-ai/multica#7611). Checked 2026-12-06.
WRONG_SECRET, NO_TOKEN, BAD_TOKEN = 10003, 99991661, 99991663


@dataclass(frozen=True, repr=False)
class Credentials(Saved):
    """A Feishu app's id and secret, its verification token and (optional) Encrypt Key."""

    NAMES = {"app_id": "FEISHU_APP_ID", "app_secret": "FEISHU_APP_SECRET",
             "verification_token": "FEISHU_VERIFICATION_TOKEN", "encrypt_key": "FEISHU_ENCRYPT_KEY"}
    SECRETS = ("app_secret", "verification_token", "encrypt_key")
    ENDPOINT = "FEISHU_API_ENDPOINT"

    app_id: str
    app_secret: str = field(repr=False)
    verification_token: str = field(repr=False)
    encrypt_key: str = field(default="", repr=False)

    @classmethod
    def generate(cls, encrypt: bool = False) -> Credentials:
        """New random credentials; with ``encrypt``, an Encrypt Key too (events signed and encrypted)."""
        return cls(f"cli_{secrets.token_hex(8)}", secrets.token_urlsafe(24), secrets.token_urlsafe(16),
                   secrets.token_urlsafe(16) if encrypt else "")


def title() -> str:
    return say("im.platform.feishu")


def bot_uid(credentials: Credentials) -> str:
    return DEFAULT_BOT_USER_ID


def prepare(state) -> None:
    state.tokens, state.verified = Tokens(LIFE, feishu.RENEW_BEFORE), None


def bot_settings(credentials: Credentials, url: str) -> BotSettings:
    c = credentials
    return BotSettings(feishu=feishu.Settings(c.verification_token, c.app_id, c.app_secret,
                                              encrypt_key=c.encrypt_key, api_base=Credentials.endpoint(url)))


# --- what the platform sends the bot ---------------------------------------------------------

def event(state, message: dict) -> dict:
    """The ``im.message.receive_v1`` event (schema 2.0) for a customer's one-to-one text message."""
    c, sent = state.credentials, str(int(message["created_at"] * 1000))
    return {"schema": "2.0",
            "header": {"event_id": uuid.uuid4().hex, "event_type": "im.message.receive_v1", "create_time": sent,
                       "token": c.verification_token, "app_id": c.app_id, "tenant_key": TENANT},
            "event": {"sender": {"sender_id": {"open_id": f"ou_{message['from']}"}, "sender_type": "user",
                                 "tenant_key": TENANT},
                      "message": {"message_id": f"om_{message['id']}", "root_id": "", "parent_id": "",
                                  "create_time": sent, "chat_id": f"oc_{message['from']}", "chat_type": "p2p",
                                  "message_type": "text", "mentions": [],
                                  "content": json.dumps({"text": message["text"]}, ensure_ascii=False)}}}


def callback(state, message: dict) -> Callback:
    return _call(state, event(state, message))


def connect(state, send) -> str | None:
    """The ``url_verification`` challenge, once per bot address; why it failed, or None."""
    if state.verified == state.bot_webhook:
        return None
    challenge = secrets.token_urlsafe(12)
    answer = send(_call(state, {"challenge": challenge, "token": state.credentials.verification_token,
                                "type": "url_verification"}, signed=False))  # Feishu does not sign this one
    if isinstance(answer, Failed):
        return say("im.feishu.challenge", why=answer.why)
    try:
        echoed = answer.json().get("challenge") if answer.status_code == 200 else None
    except (ValueError, AttributeError):
        echoed = None
    if echoed != challenge:
        return say("im.feishu.challenge", why=say("im.feishu.not_echoed", status=answer.status_code))
    state.verified = state.bot_webhook
    return None


def _call(state, plain: dict, signed: bool = True) -> Callback:
    """``plain`` as Feishu sends it: as is, or (with an Encrypt Key) encrypted and ``signed``."""
    key = state.credentials.encrypt_key
    body = json.dumps(plain, ensure_ascii=False)
    headers = {"content-type": "application/json; charset=utf-8"}
    if key:
        body = json.dumps({"encrypt": feishu.encrypt(key, body)})
        if signed:
            headers.update(feishu.signed(key, body.encode(), str(int(time.time())), secrets.token_hex(8)))
    return Callback(state.bot_webhook, headers, body.encode(), _shown(plain))


def _shown(plain: dict) -> dict:
    """``plain`` with the verification token masked (it proves the sender: never shown in full)."""
    head = plain.get("header")
    if isinstance(head, dict):
        return {**plain, "header": {**head, "token": mask_key(head["token"])}}
    return {**plain, "token": mask_key(plain["token"])}


# --- what the bot calls -------------------------------------------------------------------

def _error(status: int, message: str, code: int | None = None) -> PlatformError:
    # Feishu's shape; where the real code is not known, the HTTP status stands in for it.
    return PlatformError(status, message, {"code": code or status, "msg": message})


async def token(request: Request) -> JSONResponse:
    state, body = request.app.state, await json_body(request, _error)
    c = state.credentials
    given = body if isinstance(body, dict) else {}
    app_id, app_secret = (v if isinstance(v, str) else "" for v in (given.get("app_id"), given.get("app_secret")))
    right = hmac.compare_digest(app_id.encode(), c.app_id.encode()) & hmac.compare_digest(
        app_secret.encode(), c.app_secret.encode())
    note(state, "platform", "POST", feishu.TOKEN_PATH, 200)
    if not right:
        return JSONResponse({"code": WRONG_SECRET, "msg": say("im.feishu.wrong_secret")})
    issued, left = state.tokens.issue()
    return JSONResponse({"code": 0, "msg": "ok", "tenant_access_token": issued, "expire": left})


async def reply(request: Request) -> JSONResponse:
    """The bot's answer to a customer's message, shown on the page from the bot to that customer."""
    state = request.app.state
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not bearer:
        raise _error(400, say("im.feishu.no_token", path=feishu.TOKEN_PATH), NO_TOKEN)
    if not state.tokens.valid(bearer):
        raise _error(400, say("im.feishu.bad_token", path=feishu.TOKEN_PATH), BAD_TOKEN)
    body = await json_body(request, _error)
    if not isinstance(body, dict) or body.get("msg_type") != "text":
        raise _error(400, say("im.feishu.reply_body"))
    try:
        content = load_json(text(body.get("content"), "content", _error))
    except ValueError:  # not JSON, or nested too deeply
        content = None
    said = text(content.get("text") if isinstance(content, dict) else None, "content.text", _error)
    mid = request.path_params["message_id"]
    asked = state.store.get(mid.removeprefix("om_")) if mid.startswith("om_") else None
    if asked is None or not state.store.user(asked["to"]).is_bot:  # a customer's message to the bot
        raise _error(404, say("im.feishu.no_message", id=mid[:60]))
    answer = state.store.add(asked["to"], asked["from"], said)
    note(state, "platform", "POST", request.url.path, 200)
    return JSONResponse({"code": 0, "msg": "success", "data": {
        "message_id": f"om_{answer['id']}", "chat_id": f"oc_{asked['from']}", "msg_type": "text"}})


ROUTES = [Route(feishu.TOKEN_PATH, token, methods=["POST"]),
          Route("/open-apis/im/v1/messages/{message_id}/reply", reply, methods=["POST"])]
