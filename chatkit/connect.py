"""``connect()``: one call that returns an official OpenAI client pointed at the right place.

No key → the local sandbox (started for you). A key in the environment or ``.env`` →
OpenAI, or whatever ``OPENAI_BASE_URL`` names. ``CHATKIT_BACKEND`` forces a choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai

from .config import Settings, read_settings
from .keys import mask_key


@dataclass(frozen=True)
class BackendInfo:
    """Which backend is live. Its repr masks the key, so it is safe to show."""

    backend: str
    base_url: str
    model: str
    key: str  # masked
    key_source: str

    def __str__(self) -> str:
        where = "the local sandbox (no key needed)" if self.backend == "sandbox" else self.base_url
        return (f"Backend: {self.backend} at {where}\nBase URL: {self.base_url}\n"
                f"Default model: {self.model}\nKey: {self.key} (from {self.key_source})")


def _describe(client) -> str:
    return (f"<{type(client).__name__} base_url={str(client.base_url)!r} "
            f"model={getattr(client, 'default_model', '?')!r} key={mask_key(client.api_key)!r}>")


class _Chatkit:
    default_model = "?"
    __repr__ = _describe

    def copy(self, **options):
        """The SDK's ``copy``/``with_options``, keeping ``default_model``."""
        clone = super().copy(**options)
        clone.default_model = self.default_model
        return clone

    with_options = copy


class OpenAI(_Chatkit, openai.OpenAI):
    """The official client, with a ``default_model`` and a repr that masks the key."""


class AsyncOpenAI(_Chatkit, openai.AsyncOpenAI):
    """The official async client, with a ``default_model`` and a repr that masks the key."""


def _resolve(settings: Settings | None) -> tuple[Settings, str, str]:
    settings = settings or read_settings()
    if settings.backend == "sandbox":
        from .sandbox.server import ensure_running

        box = ensure_running()
        return settings, settings.api_key or box.key, box.base_url
    return settings, settings.api_key, settings.base_url


def connect(*, log=None, budget=None, **options) -> OpenAI:
    """Return an ``openai.OpenAI`` client for the live backend.

    Keyword options (``timeout``, ``max_retries``…) go to the client. ``log`` (a
    :class:`~chatkit.calllog.CallLog` or a file path) records every call; ``budget`` (a
    :class:`~chatkit.budget.Budget`) refuses calls that would go over it (notebook 07).

    >>> client = chatkit.connect()                                   # doctest: +SKIP
    >>> client.responses.create(model=client.default_model, input="Hi").output_text  # doctest: +SKIP
    'Hello! How can I help you today?'
    """
    settings, key, base_url = _resolve(options.pop("settings", None))
    client = OpenAI(api_key=key, base_url=base_url, **options)
    client.default_model = settings.model
    return _watched(client, log, budget)


def connect_async(*, log=None, budget=None, **options) -> AsyncOpenAI:
    """Like :func:`connect`, but returns an ``openai.AsyncOpenAI`` client."""
    settings, key, base_url = _resolve(options.pop("settings", None))
    client = AsyncOpenAI(api_key=key, base_url=base_url, **options)
    client.default_model = settings.model
    return _watched(client, log, budget)


def _watched(client, log, budget):
    if log is None and budget is None:
        return client
    from .calllog import CallLog, watch

    return watch(client, log=log if log is None or isinstance(log, CallLog) else CallLog(log), budget=budget)


def backend_info() -> BackendInfo:
    """Say which backend ``connect()`` uses: name, base URL, default model, masked key.

    >>> print(chatkit.backend_info())                                # doctest: +SKIP
    Backend: sandbox at the local sandbox (no key needed)
    ...
    """
    settings, key, base_url = _resolve(None)
    source = {"sandbox": "the sandbox, made for this session", ".env": str(settings.env_file)}.get(
        settings.key_source, settings.key_source)
    return BackendInfo(settings.backend, base_url, settings.model, mask_key(key), source)
