"""Reading a platform's callback: size cap, sender check, parse, then ignore, refuse or accept.

Every route of ``service.py`` starts with :func:`accept`. The order matters: the body is
capped before it is read, the sender is checked before the message is parsed or acted on,
and nothing a forged request says is echoed back (the adapters' messages never hold a secret).
"""

from __future__ import annotations

import logging
import math

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse

from ..errors import ChatkitError
from ..messages import say
from ..web import read_body
from .platforms import Forged, Incoming, dingtalk, feishu, lanying, webhook, wecom
from .settings import title

log = logging.getLogger("chatkit.bot")
MAX_BODY = 64 * 1024  # bytes: a chat message callback is a few KB at most


# Each platform's reader: check the sender, then parse (None: nothing to answer).
def _read_lanying(s: lanying.Settings, headers, body: bytes):
    lanying.verify(headers, body, s.callback_signature)
    return lanying.parse(body, s.bot_user_id)


def _read_feishu(s: feishu.Settings, headers, body: bytes):
    feishu.verify(headers, body, s.verification_token, encrypt_key=s.encrypt_key)
    return feishu.challenge(body, s.encrypt_key) or feishu.parse(body, s.encrypt_key)


def _read_dingtalk(s: dingtalk.Settings, headers, body: bytes):
    dingtalk.verify(headers, body, s.app_secret)
    incoming = dingtalk.parse(body)
    if incoming is not None and not incoming.is_from_bot:
        dingtalk.reply(s, incoming, "")  # a sessionWebhook we would refuse: Forged now, before the model call
    return incoming


def _read_wecom(s: wecom.Settings, query, body: bytes):
    wecom.verify(query, body, s.token)
    return wecom.parse(body, s)


def _read_webhook(secret: str, headers, body: bytes):
    webhook.verify(headers, body, secret)
    return webhook.parse(body)


READERS = {"lanying": _read_lanying, "feishu": _read_feishu, "dingtalk": _read_dingtalk, "wecom": _read_wecom,
           "webhook": _read_webhook}


async def accept(request: Request, platform: str) -> Incoming | JSONResponse:
    """The message to answer, or the response that ends the request (refused, ignored, repeated)."""
    state = request.app.state
    settings = state.settings.platform(platform)
    if not settings:
        return _refuse(request, platform, 404, state.settings.why_off(platform))
    try:
        body = await read_body(
            request, MAX_BODY,
            lambda: _Refused(413, say("bot.intake.too_large", kb=MAX_BODY // 1024)),
            lambda: _Refused(400, say("bot.intake.cut")))
    except _Refused as exc:
        return _refuse(request, platform, *exc.args)
    try:
        signed = request.query_params if platform == "wecom" else request.headers  # WeCom signs the URL
        found = READERS[platform](settings, signed, body)
    except Forged as exc:  # the adapters' messages never hold the secret
        return _refuse(request, platform, 401, str(exc), why=exc.what)
    except ChatkitError as exc:  # BadPayload, or a DingTalk sessionWebhook that already expired
        return _refuse(request, platform, 400, str(exc), why=exc.what)
    if isinstance(found, dict):
        return JSONResponse(found)  # Feishu's url_verification challenge
    if found is None or found.is_from_bot:
        return JSONResponse({"status": "ignored", "reason": "not a text message for the bot" if found is None
                             else "written by a bot"})
    unusable = _unusable(found)
    if unusable:
        return _refuse(request, platform, 400, say(unusable, platform=title(platform)))
    if state.workers.busy:  # checked before dedupe, so the platform's retry is not dropped as a repeat
        return _refuse(request, platform, 503, say("bot.intake.busy"), retry_after=60)
    if not state.seen.first_time(f"{platform}:{found.message_id}"):
        return JSONResponse({"status": "duplicate"}, status_code=409 if platform == "webhook" else 200)
    return found


async def wecom_url_check(request: Request) -> PlainTextResponse | JSONResponse:
    """WeCom's GET when the callback URL is saved: the decrypted ``echostr``, as plain text, within a second."""
    settings = request.app.state.settings
    if not settings.wecom:
        return _refuse(request, "wecom", 404, settings.why_off("wecom"))
    try:
        return PlainTextResponse(wecom.echo(request.query_params, settings.wecom))
    except Forged as exc:
        return _refuse(request, "wecom", 401, str(exc), why=exc.what)
    except ChatkitError as exc:
        return _refuse(request, "wecom", 400, str(exc), why=exc.what)


def _unusable(found: Incoming) -> str | None:
    """Why a message cannot be answered (a catalogue key), or None.

    Without a sender the answer has no recipient, and without a conversation every such
    message would share one memory: one chat's words would reach another's model context.
    """
    if not found.message_id:
        return "bot.intake.no_id"
    if not found.user_id:
        return "bot.intake.no_sender"
    if not found.conversation_id:
        return "bot.intake.no_conversation"
    if not all(map(_utf8, (found.message_id, found.user_id, found.conversation_id, found.text))):
        return "bot.intake.not_utf8"  # a lone surrogate ("\ud800") that no model API or platform accepts
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse(request: Request, platform: str, status: int, message: str, *, why: str | None = None,
            retry_after: float | None = None) -> JSONResponse:
    """The error response, and one log line for the operator: the route, the status and why (never the body)."""
    log.warning(say("bot.log.refused", platform=title(platform), route=request.url.path, status=status,
                    why=why or message))
    return error(status, message, retry_after)


class _Refused(Exception):
    """Ends :func:`accept` with ``error(status, message)``, its two arguments."""


def error(status: int, message: str, retry_after: float | None = None) -> JSONResponse:
    headers = {"Retry-After": str(math.ceil(retry_after))} if retry_after else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)
