"""The sandbox: a local stand-in for the OpenAI platform, backed by a real small model.

>>> box = chatkit.sandbox.running()   # starts it on first use       # doctest: +SKIP
>>> box.base_url                                                     # doctest: +SKIP
'http://127.0.0.1:50123/v1'
"""

from ..config import read_settings
from ..messages import say
from .server import Sandbox
from .server import ensure_running as running

__all__ = ["Sandbox", "running", "simulate"]


def simulate(**settings) -> str:
    """Give the live sandbox a network delay, rate limits or a quota; with a real backend, do nothing.

    Settings: ``latency_ms``, ``rpm``, ``tpm``, ``quota_tokens`` (0 or None turns one off).
    Returns a sentence that says what is simulated, for the notebook to show.

    >>> print(chatkit.sandbox.simulate(latency_ms=1000))      # doctest: +SKIP
    Simulated on the sandbox: latency_ms=1000 (every other limit off)
    """
    if read_settings().backend != "sandbox":
        return say("sandbox.simulated_none")
    limits = running().limits
    limits.update(**{"latency_ms": None, "rpm": None, "tpm": None, "quota_tokens": None, **settings})
    shown = ", ".join(f"{k}={v}" for k, v in settings.items() if v)
    return say("sandbox.simulated", shown=shown) if shown else say("sandbox.simulated_nothing")
