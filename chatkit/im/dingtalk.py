"""DingTalk's side (钉钉), imitated: robot callbacks signed with the AppSecret, and the ``sessionWebhook``
they carry, where the bot posts its answer. The shapes are the adapter's: :mod:`chatkit.bot.platforms.dingtalk`.

Each callback has the ``timestamp`` (ms) and ``sign`` headers DingTalk sends and a ``sessionWebhook``
on this platform (``/robot/sendBySession?session=…``) that expires, as DingTalk's does: the session
in its query is the only credential, so it never appears in ``state.calls`` or a log line.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..bot.platforms import dingtalk
from ..bot.service import PATHS
from ..bot.settings import BotSettings
from ..keys import mask_key
from ..messages import say
from .app import PlatformError, json_body, text
from .credentials import DEFAULT_BOT_USER_ID, LOOPBACK, Saved
from .delivery import Callback, note

NAME = "dingtalk"
BOT_ROUTE = PATHS[NAME]
SEND_PATH = "/robot/sendBySession"
SESSION_LIFE = 90 * 60  # seconds; the saved payload's sessionWebhookExpiredTime is 90 minutes after createAt
CORP_ID = "dinglocal0corp0id"
ROBOT_ID = f"$:LWCP_v1:$robot{DEFAULT_BOT_USER_ID}"


@dataclass(frozen=True, repr=False)
class Credentials(Saved):
    """A DingTalk robot's AppSecret; the bot reads ``DINGTALK_REPLY_HOSTS`` to accept this platform's sessions."""

    NAMES = {"app_secret": "DINGTALK_APP_SECRET"}
    SECRETS = ("app_secret",)
    ENDPOINT = "DINGTALK_REPLY_HOSTS"

    app_secret: str = field(repr=False)
    app_id = CORP_ID  # shown on the page; the bot needs no id to check a robot callback

    @classmethod
    def generate(cls) -> Credentials:
        return cls(secrets.token_urlsafe(32))

    @classmethod
    def endpoint(cls, url: str) -> str:
        """The host a ``sessionWebhook`` of this platform has: the one the bot must accept."""
        return urlsplit(url).hostname or ""

    @classmethod
    def is_local(cls, value: str) -> bool:
        return all(host.strip() in LOOPBACK for host in value.split(","))


class Sessions:
    """Each customer's current session (the credential of its ``sessionWebhook``) and when it expires."""

    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self._sessions: dict[str, tuple[str, float]] = {}  # session -> (customer uid, expires at)
        self._lock = threading.Lock()

    def open(self, customer: str) -> tuple[str, float]:
        """The customer's session with at least half its life left, else a new one; and its expiry."""
        with self._lock:
            now = self.clock()
            self._sessions = {s: (uid, at) for s, (uid, at) in self._sessions.items() if at > now}
            for session, (uid, at) in self._sessions.items():
                if uid == customer and at - now > SESSION_LIFE / 2:
                    return session, at
            session = secrets.token_urlsafe(24)
            self._sessions[session] = (customer, now + SESSION_LIFE)
            return session, now + SESSION_LIFE

    def customer(self, session: str) -> str | None:
        """Whose conversation ``session`` answers, or None when it is unknown or expired."""
        with self._lock:
            uid, at = self._sessions.get(session, (None, 0.0))
            return uid if at > self.clock() else None


def title() -> str:
    return say("im.platform.dingtalk")


def bot_uid(credentials: Credentials) -> str:
    return DEFAULT_BOT_USER_ID


def prepare(state) -> None:
    state.sessions = Sessions()


def connect(state, send) -> None:
    """DingTalk does not check a robot's address before calling it."""


def bot_settings(credentials: Credentials, url: str) -> BotSettings:
    return BotSettings(dingtalk=dingtalk.Settings(credentials.app_secret,
                                                  allowed_reply_hosts=(Credentials.endpoint(url),)))


def callback(state, message: dict) -> Callback:
    """The robot callback for a one-to-one text message, signed with the AppSecret."""
    uid, base = message["from"], state.base_url.rstrip("/")
    session, expires = state.sessions.open(uid)
    body = {"conversationId": f"cid{uid}", "chatbotCorpId": CORP_ID, "chatbotUserId": ROBOT_ID,
            "msgId": f"msg{message['id']}", "senderNick": state.store.user(uid).name, "isAdmin": False,
            "senderStaffId": uid, "sessionWebhookExpiredTime": int(expires * 1000),
            "createAt": int(message["created_at"] * 1000), "senderCorpId": CORP_ID, "conversationType": "1",
            "senderId": f"$:LWCP_v1:${uid}", "sessionWebhook": f"{base}{SEND_PATH}?session={session}",
            "text": {"content": message["text"]}, "msgtype": "text"}
    stamp = str(int(time.time() * 1000))
    headers = {"content-type": "application/json; charset=utf-8", "timestamp": stamp,
               "sign": dingtalk.signature(stamp, state.credentials.app_secret)}
    shown = {**body, "sessionWebhook": f"{base}{SEND_PATH}?session={mask_key(session)}"}
    return Callback(state.bot_webhook, headers, json.dumps(body, ensure_ascii=False).encode(), shown)


def _error(status: int, message: str) -> PlatformError:
    # DingTalk's shape; the real error codes are not documented for this case: the HTTP status stands in.
    return PlatformError(status, message, {"errcode": status, "errmsg": message})


async def send_by_session(request: Request) -> JSONResponse:
    """The bot's answer, posted to a ``sessionWebhook``: shown on the page in that customer's conversation."""
    state = request.app.state
    customer = state.sessions.customer(request.query_params.get("session", ""))
    if customer is None:
        raise _error(403, say("im.dingtalk.no_session"))
    body = await json_body(request, _error)
    content = body.get("text") if isinstance(body, dict) and body.get("msgtype") == "text" else None
    if not isinstance(content, dict):
        raise _error(400, say("im.dingtalk.body"))
    said = text(content.get("content"), "text.content", _error)
    state.store.add(bot_uid(state.credentials), customer, said)
    note(state, "platform", "POST", SEND_PATH, 200)
    return JSONResponse({"errcode": 0, "errmsg": "ok"})


ROUTES = [Route(SEND_PATH, send_by_session, methods=["POST"])]
