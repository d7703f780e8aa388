"""The bot as a web service: chat platforms call it with each message, it answers through their API.

    POST /lanying/messages     Lanying IM message callbacks (answers stream as message updates)
    POST /feishu/events        Feishu / Lark events, with the url_verification challenge
    POST /dingtalk/messages    DingTalk robot messages (answers go to the sessionWebhook)
    GET  /wecom/callback       WeCom's URL check when the callback URL is saved (decrypts echostr)
    POST /wecom/callback       WeCom app messages, encrypted (answers go through message/send)
    POST /webhook              a plain signed JSON webhook: the answer comes back in the response
    GET  /health               which platforms are on, and how many answers are waiting

Each route checks the sender first (401 when forged), answers within milliseconds and
writes the answer in the background: platforms call again when a callback is slow, and
that would duplicate answers. Re-deliveries are dropped by message id, the bot's own
messages are ignored, each user's messages are answered in order, and at most
``workers`` model calls run at once.

>>> with BotService.start(bot, BotSettings.from_env()) as service:     # doctest: +SKIP
...     print(service.callback_urls())
{'lanying': 'http://127.0.0.1:54321/lanying/messages'}
"""

from __future__ import annotations

import asyncio
import logging
import math

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import connect
from ..errors import ChatkitError
from ..failures import explain
from ..messages import say
from ..serving import Background
from .access import AccessToken
from .bot import Bot, Refusal, Shop
from .delivery import Apology, Context, Sender, answer, ask, recover, stream_lanying, tracked, user_key
from .intake import accept, wecom_url_check
from .platforms import feishu, webhook, wecom
from .platforms.dedupe import SeenIds
from .settings import BotSettings, title
from .store import RETENTION, Store
from .workers import Workers

log = logging.getLogger("chatkit.bot")
PATHS = {"lanying": "/lanying/messages", "feishu": "/feishu/events", "dingtalk": "/dingtalk/messages",
         "wecom": "/wecom/callback", "webhook": "/webhook"}


# --- the routes ------------------------------------------------------------------------

async def _in_background(request: Request, platform: str, job) -> JSONResponse:
    found = await accept(request, platform)
    if isinstance(found, JSONResponse):
        return found
    context = request.app.state.context
    request.app.state.workers.submit(user_key(found), tracked(context, found, job)).add_done_callback(_report)
    log.info("Accepted %s message %s from user %s.", title(platform), found.message_id, found.user_id)
    return JSONResponse({"status": "accepted"})


def _report(future) -> None:
    """Log a background answer that failed in an unexpected way (nobody else reads its Future)."""
    if not future.cancelled() and future.exception() is not None:
        log.error("A background answer failed: %s", explain(future.exception()).line())


async def lanying_messages(request: Request) -> JSONResponse:
    return await _in_background(request, "lanying", stream_lanying)


async def feishu_events(request: Request) -> JSONResponse:
    return await _in_background(request, "feishu", answer)


async def dingtalk_messages(request: Request) -> JSONResponse:
    return await _in_background(request, "dingtalk", answer)


async def wecom_messages(request: Request) -> Response:
    """WeCom takes an empty 200 as "received, no passive reply"; any other body would be read as a reply."""
    response = await _in_background(request, "wecom", answer)
    return Response(status_code=200) if response.status_code == 200 else response


async def webhook_messages(request: Request) -> JSONResponse:
    """The answer in the response: 200; 429 for a Refusal (with Retry-After); 502 when the model
    failed (the text is an apology); 409 for a message id already answered."""
    found = await accept(request, "webhook")
    if isinstance(found, JSONResponse):
        return found
    state = request.app.state
    job = tracked(state.context, found, lambda context, incoming: ask(context.bot, incoming))
    said = await asyncio.wrap_future(state.workers.submit(user_key(found), job))
    status = 429 if isinstance(said, Refusal) else 502 if isinstance(said, Apology) else 200
    headers = {"Retry-After": str(math.ceil(said.retry_after))} if isinstance(said, Refusal) else None
    return JSONResponse(webhook.response(found, str(said)), status_code=status, headers=headers)


async def health(request: Request) -> JSONResponse:
    state = request.app.state
    return JSONResponse({"status": "ok", "platforms": state.settings.enabled(), "pending": state.workers.pending})


ROUTES = [Route(PATHS["lanying"], lanying_messages, methods=["POST"]),
          Route(PATHS["feishu"], feishu_events, methods=["POST"]),
          Route(PATHS["dingtalk"], dingtalk_messages, methods=["POST"]),
          Route(PATHS["wecom"], wecom_messages, methods=["POST"]),
          Route(PATHS["wecom"], wecom_url_check, methods=["GET"]),
          Route(PATHS["webhook"], webhook_messages, methods=["POST"]),
          Route("/health", health, methods=["GET"])]


def create_app(bot: Bot, settings: BotSettings, *, workers: int = 4, update_every: float = 1.0,
               retry_pause: float = 0.5) -> Starlette:
    """The Starlette app; ``app.state.workers`` and ``app.state.context.sender`` need closing after use."""
    app = Starlette(routes=ROUTES)
    seen = bot.store if bot.store is not None else SeenIds()  # a store remembers them across restarts
    app.state.settings, app.state.seen, app.state.workers = settings, seen, Workers(workers)
    sender = Sender(retry_pause)
    tokens = {name: AccessToken(module, settings.platform(name), sender.exchange)
              for name, module in (("feishu", feishu), ("wecom", wecom)) if settings.platform(name)}
    app.state.context = Context(bot, sender, settings, update_every, tokens)
    return app


# --- running it -------------------------------------------------------------------------

class BotService(Background):
    """The bot's web service, running in a background thread of this process.

    **Parameters of** :meth:`start`: ``bot``; ``settings`` (default ``BotSettings.from_env()``);
    ``host`` and ``port`` (0: a free port); ``workers``: model calls at most at once;
    ``update_every``: seconds between two updates of a streamed Lanying answer;
    ``retry_pause``: seconds before the one retry of a failed delivery.

    >>> service = BotService.start(bot, settings)          # doctest: +SKIP
    >>> service.url                                         # doctest: +SKIP
    'http://127.0.0.1:54321'
    >>> service.stop()                                      # doctest: +SKIP
    """

    thread_name = "chatkit-bot"

    def not_started(self) -> ChatkitError:
        return ChatkitError(say("bot.not_started.what"), fix=say("bot.not_started.fix"))

    @classmethod
    def start(cls, bot: Bot, settings: BotSettings | None = None, host: str = "127.0.0.1", port: int = 0,
              **options) -> BotService:
        """Start serving in a daemon thread and return once it accepts connections."""
        settings = settings if settings is not None else BotSettings.from_env()
        if settings.time_zone():
            bot.serve_in(settings.time_zone())  # the quota's day starts at the platform's users' midnight
        service = cls(create_app(bot, settings, **options), host, port)
        recover(service.app.state.context, service.app.state.workers)  # answers a restart interrupted
        return service

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def settings(self) -> BotSettings:
        return self.app.state.settings

    def callback_urls(self) -> dict[str, str]:
        """The URL to give each enabled platform as its message callback."""
        return {name: self.url + PATHS[name] for name in self.settings.enabled()}

    def stop(self) -> None:
        """Stop taking messages, let running answers finish (up to 5 s), drop the rest."""
        super().stop()
        self.app.state.workers.close()
        self.app.state.context.sender.close()

    def __repr__(self) -> str:
        return f"<BotService {self.url}: {', '.join(self.settings.enabled()) or 'no platform enabled'}>"


def serve(host: str = "127.0.0.1", port: int = 8787) -> int:
    """``python -m chatkit bot serve``: the example shop's bot on the live backend, until Ctrl+C."""
    settings = BotSettings.from_env()
    store = Store()  # durable: a restarted bot remembers its conversations and the messages it took
    bot = Bot(connect(), Shop.example(), store=store)
    with BotService.start(bot, settings, host, port) as service:
        try:
            print(say("bot.serve.serving", shop=bot.shop.name, model=bot.model, url=service.url), flush=True)
            for name, path in PATHS.items():
                where = (f"{service.url}{path}  ({settings.describe(name)})" if settings.platform(name)
                         else say("bot.serve.off", needs=settings.needs(name)))
                print(f"  {title(name):9} {where}", flush=True)
            print(say("bot.serve.state", path=store.path, days=store.retention_days, variable=RETENTION), flush=True)
            while not service.wait(timeout=0.5):  # short waits let Ctrl+C through
                pass
        except KeyboardInterrupt:
            pass
    print(say("bot.serve.stopped"), flush=True)
    return 0
