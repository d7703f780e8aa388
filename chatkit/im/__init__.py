"""A local chat platform for learning and tests: it imitates Lanying IM (蓝莺IM) for a bot.

The way the sandbox stands in for OpenAI, this stands in for the chat service: a web
page where you chat as a made-up customer, and Lanying's side of a bot integration
(callbacks to the bot's webhook, ``/message/send`` for its replies). Pointing a bot at
the real Lanying is a change of ``LANYING_API_ENDPOINT`` and the credentials.

>>> from chatkit.im import LocalPlatform
>>> im = LocalPlatform.start(bot_webhook="http://127.0.0.1:8787")    # doctest: +SKIP
>>> im.url, im.credentials                                             # doctest: +SKIP
('http://127.0.0.1:54321/', Credentials(app_id='local3f9a…', …, admin_token='…Q2xk', …))

From a terminal: ``python -m chatkit im serve --bot http://127.0.0.1:8787 --env-file .env``.
"""

from .credentials import Credentials
from .server import LocalPlatform

__all__ = ["Credentials", "LocalPlatform"]
