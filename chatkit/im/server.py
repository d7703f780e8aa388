"""Run the local chat platform in a background thread, the way the sandbox runs.

>>> with LocalPlatform.start(bot_webhook="http://127.0.0.1:8787/lanying/messages") as im:  # doctest: +SKIP
...     print(im.url)                       # open it in a browser and chat as a customer
...     bot_settings = im.env()             # LANYING_* settings for the bot, secrets in full
http://127.0.0.1:54321/

``platform="feishu"`` (or "dingtalk", "wecom") imitates that platform's side instead: its
callbacks, its signatures and its API, from the modules in ``SIDES``.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from ..errors import ChatkitError
from ..messages import say
from ..serving import Background
from . import dingtalk, feishu, lanying, wecom
from .app import create_app
from .credentials import Credentials, Saved
from .delivery import shown_url
from .store import Store, example_users

SIDES = {"lanying": lanying, "feishu": feishu, "dingtalk": dingtalk, "wecom": wecom}  # the platforms it can imitate
BOT_ROUTE = lanying.BOT_ROUTE


class LocalPlatform(Background):
    """A running local imitation of a chat platform: a chat page for people, the platform's API for a bot.

    ``url`` is both the page's address and the bot's API endpoint (``LANYING_API_ENDPOINT``,
    ``FEISHU_API_ENDPOINT``…); ``credentials`` holds the platform's ids and secrets (masked in reprs);
    ``calls`` lists the requests between the platform and the bot, newest last.
    """

    thread_name = "chatkit-im"

    def not_started(self) -> ChatkitError:
        return ChatkitError(say("im.not_started.what"), fix=say("im.not_started.fix"))

    def __repr__(self) -> str:
        webhook = shown_url(self.bot_webhook) if self.bot_webhook else None
        return (f"<LocalPlatform {self.platform} {self.url} app_id={self.credentials.app_id} "
                f"bot_webhook={webhook}>")

    @classmethod
    def start(cls, host: str = "127.0.0.1", port: int = 0, bot_webhook: str | None = None, *,
              platform: str = "lanying", app_id: str | None = None, admin_token: str | None = None,
              callback_signature: str | None = None, bot_user_id: str | None = None,
              credentials: Saved | None = None) -> LocalPlatform:
        """Start serving in a daemon thread and return once it accepts connections.

        **Parameters:**
        - ``bot_webhook``: the URL the platform posts each customer message to (None: keep them);
        - ``platform``: the platform to imitate, a name in ``SIDES`` ("lanying", "feishu", "dingtalk"…);
        - ``credentials``: the platform's credentials (``feishu.Credentials.generate(encrypt=True)``…);
          random ones by default. For Lanying, ``app_id``, ``admin_token``, ``callback_signature`` and
          ``bot_user_id`` set single values.
        """
        side = imitating(platform)
        if credentials is None:
            credentials = (Credentials.generate(app_id, bot_user_id, admin_token, callback_signature)
                           if side is lanying else side.Credentials.generate())
        store = Store(example_users(side.bot_uid(credentials)))
        webhook = webhook_url(bot_webhook, side.BOT_ROUTE) if bot_webhook else None  # checked before starting
        app = create_app(store, credentials, side, webhook, host)
        side.prepare(app.state)
        running = cls(app, host, port)
        app.state.base_url = running.url  # known once the port is: DingTalk's sessionWebhook points here
        return running

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def platform(self) -> str:
        """The name of the platform imitated: "lanying", "feishu", "dingtalk"…"""
        return self.app.state.side.NAME

    @property
    def credentials(self) -> Saved:
        return self.app.state.credentials

    @property
    def calls(self) -> list[dict]:
        """The requests between the platform and the bot, oldest first: ``to`` ("bot" or "platform"),
        ``method``, ``path`` (never its query), ``status`` and, for a callback, the ``body`` it carried
        (secrets masked)."""
        return list(self.app.state.calls)

    @property
    def store(self) -> Store:
        return self.app.state.store

    @property
    def bot_webhook(self) -> str | None:
        """Where customer messages go; set it when the bot starts after the platform."""
        return self.app.state.bot_webhook

    @bot_webhook.setter
    def bot_webhook(self, url: str | None) -> None:
        self.app.state.bot_webhook = webhook_url(url, self.app.state.side.BOT_ROUTE) if url else None

    def env(self) -> dict[str, str]:
        """The bot's settings (``LANYING_*``, ``FEISHU_*``…), secrets in full: for the bot, never to print."""
        return self.credentials.env(self.url)

    def env_lines(self, masked: bool = True) -> list[str]:
        """``NAME=value`` lines for the bot's .env; secrets masked unless ``masked=False``."""
        return self.credentials.env_lines(self.url, masked=masked)

    def save_env(self, env_file=".env"):
        """Write the bot's settings into ``env_file`` (mode 0600, kept out of git); returns its path."""
        return self.credentials.save(self.url, env_file)

    def bot_settings(self):
        """A bot's :class:`~chatkit.bot.BotSettings` for this platform: what ``.env`` would hold."""
        return self.app.state.side.bot_settings(self.credentials, self.url)

    def customers(self) -> dict[str, str]:
        """The made-up customers, name -> uid."""
        return {u.name: u.uid for u in self.store.users.values() if not u.is_bot}

    def send(self, customer: str, text: str) -> dict:
        """Type ``text`` as ``customer`` (a name or uid), as the page does; returns the stored message."""
        import httpx

        uid = self.customers().get(customer, customer)
        response = httpx.post(f"{self.url.rstrip('/')}/api/messages", json={"from": uid, "text": text}, timeout=10)
        response.raise_for_status()
        return response.json()

    def reply_to(self, message: dict, timeout: float = 60.0, settle: float = 1.5) -> dict | None:
        """The bot's answer to ``message`` once it stops growing (no update for ``settle`` s), or None."""
        deadline, seen, last_change = time.monotonic() + timeout, None, time.monotonic()
        while time.monotonic() < deadline:
            answer = next((m for m in self.store.messages() if m["from"] == message["to"]
                           and m["to"] == message["from"] and float(m["created_at"]) >= float(message["created_at"])),
                          None)
            if answer is not None and (answer["text"], answer["updates"]) != seen:
                seen, last_change = (answer["text"], answer["updates"]), time.monotonic()
            elif answer is not None and time.monotonic() - last_change > settle:
                return answer
            time.sleep(0.05)
        return None

    def stop(self) -> None:
        self.store.close()  # end the pages' event streams, or shutdown would wait for them
        super().stop()
        self.app.state.deliveries.close(timeout=0)  # deliveries not started are dropped


def imitating(platform: str):
    """The module of ``platform``'s side, or a ChatkitError naming the platforms there are."""
    if platform not in SIDES:
        raise ChatkitError(say("im.no_such_platform.what", platform=platform),
                           fix=say("im.no_such_platform.fix", choices=", ".join(SIDES)))
    return SIDES[platform]


def webhook_url(url: str, route: str = BOT_ROUTE) -> str:
    """The bot's webhook: ``url`` itself, or with the chatkit bot's ``route`` when it has no path.

    >>> webhook_url("http://127.0.0.1:8787"), webhook_url("http://127.0.0.1:8787/", "/feishu/events")
    ('http://127.0.0.1:8787/lanying/messages', 'http://127.0.0.1:8787/feishu/events')
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChatkitError(say("im.bad_webhook.what", url=url), fix=say("im.bad_webhook.fix", route=route))
    return url if parts.path not in ("", "/") else url.rstrip("/") + route
