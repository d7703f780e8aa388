"""The sandbox: a local stand-in for the OpenAI platform, backed by a real small model.

>>> box = chatkit.sandbox.running()   # starts it on first use       # doctest: +SKIP
>>> box.base_url                                                     # doctest: +SKIP
'http://127.0.0.1:50123/v1'
"""

from .server import Sandbox, ensure_running as running

__all__ = ["Sandbox", "running"]
