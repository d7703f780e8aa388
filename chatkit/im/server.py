"""Run the local chat platform in a background thread, the way the sandbox runs.

>>> with LocalPlatform.start(bot_webhook="http://127.0.0.1:8787/lanying/messages") as im:  # doctest: +SKIP
...     print(im.url)                       # open it in a browser and chat as a customer
...     bot_settings = im.env()             # LANYING_* settings for the bot, secrets in full
http://127.0.0.1:54321/
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from ..bot.platforms import lanying
from ..bot.settings import BotSettings
from ..errors import ChatkitError
from ..messages import say
from ..serving import Background
from .app import create_app
from .credentials import Credentials
from .delivery import shown_url
from .store import Store, example_users

BOT_ROUTE = "/lanying/messages"  # where chatkit's bot service takes Lanying callbacks (chatkit.bot.service.PATHS)


class LocalPlatform(Background):
    """A running local imitation of Lanying IM: a chat page for people, Lanying's API for a bot.

    ``url`` is both the page's address and the bot's ``LANYING_API_ENDPOINT``;
    ``credentials`` holds the app id, the bot's user id and the two secrets (masked in reprs).
    """

    thread_name = "chatkit-im"

    def not_started(self) -> ChatkitError:
        return ChatkitError(say("im.not_started.what"), fix=say("im.not_started.fix"))

    def __repr__(self) -> str:
        webhook = shown_url(self.bot_webhook) if self.bot_webhook else None
        return f"<LocalPlatform {self.url} app_id={self.credentials.app_id} bot_webhook={webhook}>"

    @classmethod
    def start(cls, host: str = "127.0.0.1", port: int = 0, bot_webhook: str | None = None, *,
              app_id: str | None = None, admin_token: str | None = None, callback_signature: str | None = None,
              bot_user_id: str | None = None, credentials: Credentials | None = None) -> LocalPlatform:
        """Start serving in a daemon thread and return once it accepts connections.

        **Parameters:**
        - ``bot_webhook``: the URL the platform posts each customer message to (None: keep them);
        - ``app_id``, ``admin_token``, ``callback_signature``, ``bot_user_id``: the bot's settings;
          random ones are made for any not given (or pass ``credentials`` whole).
        """
        credentials = credentials or Credentials.generate(app_id, bot_user_id, admin_token, callback_signature)
        store = Store(example_users(credentials.bot_user_id))
        app = create_app(store, credentials, webhook_url(bot_webhook) if bot_webhook else None, host)
        return cls(app, host, port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def credentials(self) -> Credentials:
        return self.app.state.credentials

    @property
    def store(self) -> Store:
        return self.app.state.store

    @property
    def bot_webhook(self) -> str | None:
        """Where customer messages go; set it when the bot starts after the platform."""
        return self.app.state.bot_webhook

    @bot_webhook.setter
    def bot_webhook(self, url: str | None) -> None:
        self.app.state.bot_webhook = webhook_url(url) if url else None

    def env(self) -> dict[str, str]:
        """The bot's ``LANYING_*`` settings, secrets in full: pass them to the bot, never print them."""
        return self.credentials.env(self.url)

    def env_lines(self, masked: bool = True) -> list[str]:
        """``NAME=value`` lines for the bot's .env; secrets masked unless ``masked=False``."""
        return self.credentials.env_lines(self.url, masked=masked)

    def save_env(self, env_file=".env"):
        """Write the bot's settings into ``env_file`` (mode 0600, kept out of git); returns its path."""
        return self.credentials.save(self.url, env_file)

    def bot_settings(self):
        """A bot's :class:`~chatkit.bot.BotSettings` for this platform: what ``.env`` would hold."""
        c = self.credentials
        return BotSettings(lanying=lanying.Settings(c.app_id, c.bot_user_id, c.admin_token, c.callback_signature,
                                                    endpoint=self.url.rstrip("/")))

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


def webhook_url(url: str) -> str:
    """The bot's webhook: ``url`` itself, or with the chatkit bot's route when it has no path.

    >>> webhook_url("http://127.0.0.1:8787")
    'http://127.0.0.1:8787/lanying/messages'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChatkitError(say("im.bad_webhook.what", url=url), fix=say("im.bad_webhook.fix", route=BOT_ROUTE))
    return url if parts.path not in ("", "/") else url.rstrip("/") + BOT_ROUTE
