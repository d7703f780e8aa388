"""A local chat platform for learning and tests: it imitates Lanying IM (蓝莺IM), Feishu, DingTalk or WeCom.

The way the sandbox stands in for OpenAI, this stands in for the chat service: a web
page where you chat as a made-up customer, and the platform's side of a bot integration
(signed callbacks to the bot's webhook, the API the bot answers through). Each platform's
side is one module here (``lanying.py``, ``feishu.py``, ``dingtalk.py``, ``wecom.py``) built
on the bot's adapter for it. Pointing a bot at the real platform is a change of its API
endpoint variable (``LANYING_API_ENDPOINT``…) and the credentials.

>>> from chatkit.im import LocalPlatform
>>> im = LocalPlatform.start(bot_webhook="http://127.0.0.1:8787")    # doctest: +SKIP
>>> im.url, im.credentials                                             # doctest: +SKIP
('http://127.0.0.1:54321/', Credentials(app_id='local3f9a…', …, admin_token='…Q2xk', …))

From a terminal: ``python -m chatkit im serve --bot http://127.0.0.1:8787 --env-file .env`` (``--imitate feishu``…).
"""

from .credentials import Credentials
from .server import LocalPlatform

__all__ = ["Credentials", "LocalPlatform"]
