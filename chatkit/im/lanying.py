"""Lanying IM's side (蓝莺IM), imitated: callbacks signed with the callback signature, ``/message/send``.

Every platform's side is a module like this one (``feishu.py``, ``dingtalk.py``, ``wecom.py``):
``Credentials``, the ``ROUTES`` of its API, the ``callback`` that carries a customer's message to the
bot, ``connect`` (the check a platform makes of a new bot address) and the ``bot_settings`` that
point chatkit's bot at it. The shapes are the adapter's: :mod:`chatkit.bot.platforms.lanying`.
"""

from __future__ import annotations

import json

from starlette.routing import Route

from ..bot.platforms import lanying
from ..bot.service import PATHS
from ..bot.settings import BotSettings
from ..messages import say
from .app import send_message
from .credentials import Credentials
from .delivery import Callback

NAME = "lanying"
BOT_ROUTE = PATHS[NAME]
ROUTES = [Route("/message/send", send_message, methods=["POST"])]


def title() -> str:
    return say("im.platform.lanying")


def bot_uid(credentials: Credentials) -> str:
    return credentials.bot_user_id


def prepare(state) -> None:
    """Nothing to keep: Lanying's admin token does not expire."""


def connect(state, send) -> None:
    """Lanying does not check a bot's address before calling it."""


def callback_body(message: dict, app_id: str) -> dict:
    """The JSON Lanying posts to a bot for a one-to-one text message."""
    return {"msgId": message["id"], "appId": app_id, "from": {"uid": _uid(message["from"])},
            "to": {"uid": _uid(message["to"])}, "type": "CHAT", "ctype": "TEXT",
            "content": message["text"], "ext": message.get("ext") or ""}


def callback(state, message: dict) -> Callback:
    """The callback, signed as Lanying signs it: the ``signature`` header holds the secret itself."""
    body = callback_body(message, state.credentials.app_id)
    headers = {"content-type": "application/json", "signature": state.credentials.callback_signature}
    return Callback(state.bot_webhook, headers, json.dumps(body, ensure_ascii=False).encode(), body)


def bot_settings(credentials: Credentials, url: str) -> BotSettings:
    c = credentials
    return BotSettings(lanying=lanying.Settings(c.app_id, c.bot_user_id, c.admin_token, c.callback_signature,
                                                endpoint=Credentials.endpoint(url)))


def _uid(uid: str):
    # Lanying's user ids are numbers in its JSON.
    return int(uid) if uid.isascii() and uid.isdigit() else uid
