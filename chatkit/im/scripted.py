"""A scripted bot for the local chat platform: records callbacks, answers from a queue.

It does what a real bot does with Lanying, in a few lines: check the ``signature`` header,
parse the callback, answer the webhook at once, then send the reply through
``/message/send`` as a growing stream (a first message, then updates of it). Tests use
it to drive the platform; a learner can use it to see the page work before writing a bot.

>>> with LocalPlatform.start() as im, ScriptedBot.start(im, delay=0.2) as bot:   # doctest: +SKIP
...     bot.enqueue("Hello! How can I help?")      # the next answer; then "You said: …"
"""

from __future__ import annotations

import threading

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..bot.intake import MAX_BODY
from ..bot.platforms import Forged, lanying
from ..errors import ChatkitError
from ..messages import say
from ..serving import Background
from ..web import read_body

MAX_HISTORY = 1000


class ScriptedBot(Background):
    """A webhook on 127.0.0.1 that answers Lanying callbacks; ``history`` holds what it received.

    **Parameters:**
    - ``settings``: a :class:`lanying.Settings` to check callbacks and send replies with (None: only record);
    - ``status``: the HTTP status the webhook answers (e.g. 500 to see deliveries fail);
    - ``delay``: seconds between the pieces of a streamed reply; ``words``: words per piece.
    """

    thread_name = "chatkit-scripted-bot"

    def __init__(self, settings: lanying.Settings | None = None, status: int = 200, delay: float = 0.0,
                 words: int = 2) -> None:
        self.settings, self.status, self.delay, self.words = settings, status, delay, words
        self.queue: list[str] = []
        self.history: list[dict] = []  # {"path", "headers", "body"} of every request, in order
        self.sent: list[dict] = []  # the JSON answers of /message/send
        self.errors: list[str] = []  # what went wrong while replying
        app = Starlette(routes=[Route("/{path:path}", callback, methods=["POST"])],
                        exception_handlers={HTTPException: bare_status})
        app.state.bot = self
        super().__init__(app)

    def not_started(self) -> ChatkitError:
        return ChatkitError(say("bot.not_started.what"), fix=say("bot.not_started.fix"))

    @classmethod
    def start(cls, platform=None, **knobs) -> ScriptedBot:
        """Serve on a free loopback port; with ``platform`` (a LocalPlatform), connect both ways."""
        settings = None
        if platform is not None:
            env = platform.env()
            settings = lanying.Settings(app_id=env["LANYING_APP_ID"], bot_user_id=env["LANYING_BOT_USER_ID"],
                                        admin_token=env["LANYING_ADMIN_TOKEN"],
                                        callback_signature=env["LANYING_CALLBACK_SIGNATURE"],
                                        endpoint=env["LANYING_API_ENDPOINT"])
        bot = cls(settings, **knobs)
        if platform is not None:
            platform.bot_webhook = bot.url
        return bot

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/lanying/messages"

    def enqueue(self, *replies: str) -> None:
        self.queue.extend(replies)

    def received(self, path: str, headers: dict, body: bytes) -> int:
        """Record one request; start replying when it is a customer's text; return the status to answer."""
        if len(self.history) < MAX_HISTORY:
            self.history.append({"path": path, "headers": headers, "body": body})
        if self.status != 200 or self.settings is None:
            return self.status
        try:
            lanying.verify(headers, body, self.settings.callback_signature)
        except Forged:
            return 401
        incoming = lanying.parse(body, self.settings.bot_user_id)
        if incoming is not None and not incoming.is_from_bot:
            answer = self.queue.pop(0) if self.queue else f"You said: {incoming.text}"
            # Answer the webhook first, reply afterwards: platforms retry a slow callback.
            threading.Thread(target=self._reply, args=(incoming, answer), daemon=True).start()
        return 200

    def _reply(self, incoming, answer: str) -> None:
        words = answer.split(" ")
        pieces = [" ".join(words[:i]) for i in range(self.words, len(words), self.words)] + [answer]
        first = None
        with httpx.Client(timeout=10, trust_env=False) as client:
            for i, text in enumerate(pieces):
                if i:
                    threading.Event().wait(self.delay)
                out = (lanying.reply(self.settings, incoming, text) if first is None
                       else lanying.update(self.settings, incoming, first, text))
                response = client.request(out.method, out.url, headers=out.headers, json=out.json)
                if response.status_code != 200:
                    self.errors.append(f"{response.status_code}: {response.text[:200]}")
                    return
                self.sent.append(response.json())
                first = first or lanying.sent_id(response.json())


async def callback(request: Request) -> Response:
    """Any POST: recorded by the bot, which says the status to answer (413 for a body over MAX_BODY)."""
    body = await read_body(request, MAX_BODY, lambda: HTTPException(413), lambda: HTTPException(400))
    return Response(status_code=request.app.state.bot.received(request.url.path, dict(request.headers), body))


async def bare_status(request: Request, exc: HTTPException) -> Response:
    return Response(status_code=exc.status_code)
