"""The local chat platform's HTTP side: the chat page and its API, and Lanying's ``/message/send``.

Routes (each a plain function below; shared things live on ``request.app.state``):

- ``GET /`` and ``GET /static/{name}``: the chat page (no CDN: it works offline), in the learner's
  language (:mod:`chatkit.im.page`);
- ``GET /api/state``, ``GET /api/events`` (Server-Sent Events), ``POST /api/messages``: the page's API;
- ``POST /message/send``: what a bot calls to answer, with the headers ``app_id`` and ``access-token``.

The other platforms' APIs are routes of their own modules (``feishu.py``, ``dingtalk.py``…), added by
:func:`create_app` for the platform being imitated; every request to them is noted in ``app.state.calls``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from starlette.routing import Route

from ..messages import say
from ..web import load_json, read_body
from . import delivery
from .page import render as render_page
from .store import CLOSED, MAX_TEXT

MAX_BODY = 64 * 1024  # bytes in a request body
MAX_TARGETS = 20  # recipients of one /message/send
HEARTBEAT = 15.0  # seconds between keep-alive comments on an idle event stream
STATIC = Path(__file__).parent / "static"
PAGE_FILES = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css"}
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
DOCS = "https://github.com/maxim-top/lanying-connector"
log = logging.getLogger("chatkit.im")


class PlatformError(Exception):
    """Ends a request with ``body``: by default ``{"code": status, "message": ...}``, the shape of Lanying's
    answers (and of the page's API); each platform's routes pass their own shape."""

    def __init__(self, status: int, message: str, body: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.body = body if body is not None else {"code": status, "message": message}


def create_app(store, credentials, side, bot_webhook: str | None = None, host: str = "127.0.0.1") -> Starlette:
    """The app imitating ``side`` (the module of one platform's side: ``ROUTES``, ``callback``…)."""
    routes = [Route("/", page), Route("/static/{name}", page), Route("/api/state", state),
              Route("/api/events", events), Route("/api/messages", post_message, methods=["POST"]), *side.ROUTES]
    app = Starlette(routes=routes, exception_handlers={PlatformError: _platform_error, HTTPException: _http_error})
    app.state.store, app.state.credentials, app.state.bot_webhook = store, credentials, bot_webhook
    app.state.side, app.state.calls = side, delivery.calls()
    app.state.deliveries = delivery.workers()
    app.state.page_hosts = LOOPBACK_NAMES | {host}
    return app


# --- the page and its API --------------------------------------------------------

async def page(request: Request):
    name = request.path_params.get("name", "index.html")
    _page_guard(request)
    if name not in PAGE_FILES:
        raise PlatformError(404, say("im.error.no_file", name=name))
    if name == "index.html":  # in the learner's language
        return HTMLResponse(render_page(platform=request.app.state.side.NAME), headers=PAGE_HEADERS)
    return FileResponse(STATIC / name, media_type=f"{PAGE_FILES[name]}; charset=utf-8", headers=PAGE_HEADERS)


async def state(request: Request):
    _page_guard(request)
    s = request.app.state
    webhook = s.bot_webhook and delivery.shown_url(s.bot_webhook)
    return JSONResponse({"platform": s.side.NAME, "app_id": s.credentials.app_id, "bot_webhook": webhook,
                         "max_text": MAX_TEXT,
                         "users": [u.as_dict() for u in s.store.users.values()], "messages": s.store.messages()},
                        headers={"Cache-Control": "no-store"})


async def post_message(request: Request):
    """A customer typed a message in the page: store it, then deliver it to the bot in the background."""
    _page_guard(request, writing=True)
    body, store = await json_body(request), request.app.state.store
    if not isinstance(body, dict):
        raise PlatformError(400, say("im.error.page_body"))
    sender = store.user(body.get("from")) if isinstance(body.get("from"), (str, int)) else None
    if sender is None or sender.is_bot:
        raise PlatformError(400, say("im.error.page_from"))
    said = text(body.get("text"), "text").strip()
    if not said:
        raise PlatformError(400, say("im.error.empty"))
    bot = next(user.uid for user in store.users.values() if user.is_bot)
    message = store.add(sender.uid, bot, said, delivery={"status": "pending", "reason": ""})
    delivery.schedule(request.app.state, message)
    return JSONResponse(message, status_code=201)


async def events(request: Request):
    """Every change to a message, as it happens (``event: message``), for the page."""
    _page_guard(request)
    store = request.app.state.store
    queue = store.subscribe()
    if queue is None:
        raise PlatformError(503, say("im.error.too_many_pages"))
    return StreamingResponse(_stream(store, queue), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _stream(store, queue: asyncio.Queue):
    try:
        yield "retry: 1000\n\n"  # after a dropped connection the page reconnects within a second
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), HEARTBEAT)
            except asyncio.TimeoutError:
                yield ": keep-alive\n\n"  # also how a page that has gone away is noticed
                continue
            if event is CLOSED:
                return
            yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
    finally:
        store.unsubscribe(queue)


# --- what the bot calls --------------------------------------------------------------

async def send_message(request: Request):
    """Lanying's ``/message/send``: ``content_type`` 0 sends a text, 11 replaces the text of ``related_mid``."""
    _check_admin(request)
    body, store = await json_body(request), request.app.state.store
    if not isinstance(body, dict):
        raise PlatformError(400, say("im.error.send_body", docs=DOCS))
    if body.get("type") != 1:
        raise PlatformError(400, say("im.error.type", type=body.get("type")))
    sender = _user(store, body.get("from_user_id"), "from_user_id")
    targets = body.get("targets")
    if not isinstance(targets, list) or not 1 <= len(targets) <= MAX_TARGETS:
        raise PlatformError(400, say("im.error.targets", most=MAX_TARGETS))
    targets = [_user(store, uid, "targets") for uid in targets]
    content, kind = text(body.get("content"), "content"), body.get("content_type")
    ext = body.get("ext") or ""
    if not isinstance(ext, str):
        raise PlatformError(400, say("im.error.ext"))
    text(ext, "ext")  # the page shows it: it must be text that can be sent on
    if kind == 0 and type(kind) is int:
        ids = [store.add(sender.uid, to.uid, content, ext=ext)["id"] for to in targets]
    elif kind == 11 and type(kind) is int:
        ids = [_update(store, body.get("related_mid"), sender.uid, content)]
    else:
        raise PlatformError(400, say("im.error.content_type", kind=kind))
    delivery.note(request.app.state, "platform", "POST", request.url.path, 200)
    return JSONResponse({"code": 200, "message": "ok", "msg_ids": ids})


def _update(store, related_mid, sender: str, content: str) -> str:
    if isinstance(related_mid, bool) or not isinstance(related_mid, (str, int)) or related_mid == "":
        raise PlatformError(400, say("im.error.no_related_mid"))
    found = store.get(related_mid)
    if found is None:
        raise PlatformError(404, say("im.error.no_message", id=related_mid, kept=store.max_messages))
    if found["from"] != sender:
        raise PlatformError(403, say("im.error.not_sender", id=related_mid, sender=found["from"]))
    store.edit(related_mid, content)
    return found["id"]


def _check_admin(request: Request) -> None:
    credentials = request.app.state.credentials
    app_id, token = request.headers.get("app_id", ""), request.headers.get("access-token", "")
    # Compared in constant time, both of them: a timing difference would let an attacker guess byte by byte.
    right_app = hmac.compare_digest(app_id.encode(), credentials.app_id.encode())
    right_token = hmac.compare_digest(token.encode(), credentials.admin_token.encode())
    if not (right_app and right_token):
        missing = [name for name, value in (("app_id", app_id), ("access-token", token)) if not value]
        why = (say("im.error.header_missing", headers=say("im.error.and").join(missing)) if missing
               else say("im.error.header_wrong"))
        raise PlatformError(401, say("im.error.unauthorized", why=why))


# --- shared checks ---------------------------------------------------------------------

def _page_guard(request: Request, writing: bool = False) -> None:
    """Refuse other web sites: a page elsewhere must not chat (and spend tokens) through this one."""
    host = request.headers.get("host", "")
    if urlsplit(f"//{host}").hostname not in request.app.state.page_hosts:
        raise PlatformError(403, say("im.error.host", hosts=sorted(request.app.state.page_hosts), host=host[:100]))
    if writing:
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != host:
            raise PlatformError(403, say("im.error.origin"))
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise PlatformError(415, say("im.error.not_json_type"))


async def json_body(request: Request, error=PlatformError):
    """The body parsed as JSON, within ``MAX_BODY``; else ``error(status, message)`` (the platform's shape)."""
    raw = await read_body(request, MAX_BODY, lambda: error(413, say("im.error.too_large", kb=MAX_BODY // 1024)),
                          lambda: error(400, say("im.error.cut")))
    try:
        return load_json(raw)
    except ValueError:
        raise error(400, say("im.error.not_json")) from None


def _user(store, uid, field: str):
    user = store.user(uid) if isinstance(uid, (str, int)) and not isinstance(uid, bool) else None
    if user is None:
        known = ", ".join(store.users)
        raise PlatformError(400, say("im.error.no_user", field=field, uid=str(uid)[:40], known=known))
    return user


def text(value, field: str, error=PlatformError) -> str:
    """``value`` when it is text the page can show; else ``error(400, message)`` (the platform's shape)."""
    if not isinstance(value, str):
        raise error(400, say("im.error.not_text", field=field))
    if len(value) > MAX_TEXT:
        raise error(400, say("im.error.too_long", field=field, length=len(value), most=MAX_TEXT))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(400, say("im.error.surrogate", field=field)) from None
    return value


async def _platform_error(request: Request, exc: PlatformError):
    # One line for the operator; the messages name a field or a header, never its secret value.
    log.warning(say("im.log.refused", method=request.method, route=request.url.path, status=exc.status,
                    why=exc.message))
    if not request.url.path.startswith(("/api/", "/static/")) and request.url.path != "/":
        delivery.note(request.app.state, "platform", request.method, request.url.path, exc.status)
    return JSONResponse(exc.body, status_code=exc.status)


async def _http_error(request: Request, exc: HTTPException):
    return JSONResponse({"code": exc.status_code, "message": exc.detail}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))
