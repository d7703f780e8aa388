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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from ..bot.platforms import Forged, lanying

MAX_BODY = 64 * 1024
MAX_HISTORY = 1000


class ScriptedBot:
    """A webhook on 127.0.0.1 that answers Lanying callbacks; ``history`` holds what it received.

    **Parameters:**
    - ``settings``: a :class:`lanying.Settings` to check callbacks and send replies with (None: only record);
    - ``status``: the HTTP status the webhook answers (e.g. 500 to see deliveries fail);
    - ``delay``: seconds between the pieces of a streamed reply; ``words``: words per piece.
    """

    def __init__(self, settings: lanying.Settings | None = None, status: int = 200, delay: float = 0.0,
                 words: int = 2) -> None:
        self.settings, self.status, self.delay, self.words = settings, status, delay, words
        self.queue: list[str] = []
        self.history: list[dict] = []  # {"path", "headers", "body"} of every request, in order
        self.sent: list[dict] = []  # the JSON answers of /message/send
        self.errors: list[str] = []  # what went wrong while replying
        self._server: ThreadingHTTPServer | None = None

    @classmethod
    def start(cls, platform=None, **knobs) -> "ScriptedBot":
        """Serve on a free loopback port; with ``platform`` (a LocalPlatform), connect both ways."""
        settings = None
        if platform is not None:
            env = platform.env()
            settings = lanying.Settings(app_id=env["LANYING_APP_ID"], bot_user_id=env["LANYING_BOT_USER_ID"],
                                        admin_token=env["LANYING_ADMIN_TOKEN"],
                                        callback_signature=env["LANYING_CALLBACK_SIGNATURE"],
                                        endpoint=env["LANYING_API_ENDPOINT"])
        bot = cls(settings, **knobs)
        bot._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        bot._server.daemon_threads = True
        bot._server.bot = bot
        threading.Thread(target=bot._server.serve_forever, kwargs={"poll_interval": 0.05},  # quick to stop
                         name="chatkit-scripted-bot", daemon=True).start()
        if platform is not None:
            platform.bot_webhook = bot.url
        return bot

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/lanying/messages"

    def enqueue(self, *replies: str) -> None:
        self.queue.extend(replies)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "ScriptedBot":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

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


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # the name http.server calls
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self.send_response(413)
            self.end_headers()
            return
        body = self.rfile.read(length)
        status = self.server.bot.received(self.path, dict(self.headers.items()), body)
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:  # quiet: tests read .history instead
        pass
