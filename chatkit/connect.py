"""``connect()``: one call that returns an official OpenAI client pointed at the right place.

No key → the local sandbox (started for you). A key in the environment or ``.env`` →
OpenAI, or whatever ``OPENAI_BASE_URL`` names. ``CHATKIT_PROVIDER=deepseek`` (with
``DEEPSEEK_API_KEY``) → a provider's preset: see chatkit/providers.py. ``CHATKIT_BACKEND``
forces a choice. The client never sends a model the server lacks: the preset's, ``CHATKIT_MODEL``,
or the first chat model the server lists.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import openai

from .behaviour import guard
from .calllog import CallLog, watch
from .config import Settings, read_settings
from .errors import ConfigError
from .failures import explain
from .keys import mask_key
from .messages import say
from .providers import first_chat_model, identify, presets, refusal, remember
from .sandbox.server import ensure_running
from .settings import DOTENV, ENVIRONMENT


@dataclass(frozen=True)
class BackendInfo:
    """Which backend is live. Its repr masks the key, so it is safe to show."""

    backend: str
    base_url: str
    model: str
    key: str  # masked
    key_source: str
    provider: str | None = None  # a preset's title ("DeepSeek"), or None: a server chatkit does not know

    def __str__(self) -> str:
        where = say("connect.info.sandbox") if self.backend == "sandbox" else self.base_url
        provider = say("connect.info.provider", provider=self.provider) if self.provider and self.backend != "sandbox" \
            else ""
        return say("connect.info", backend=self.backend, where=where, provider=provider, base_url=self.base_url,
                   model=self.model, key=self.key, source=self.key_source)


MODEL_DOCS = "notebooks/01-choose-a-model-and-sign-up.ipynb"


def _describe(client) -> str:
    model = client._model or "(first chat model from /models)"
    return (f"<{type(client).__name__} base_url={str(client.base_url)!r} "
            f"model={model!r} key={mask_key(client.api_key)!r}>")


class _Chatkit:
    provider: str | None = None  # a preset's name ("deepseek"), "sandbox", or None: see chatkit.providers
    _model: str | None = None
    _reasoning_model: str | None = None
    __repr__ = _describe

    @property
    def default_model(self) -> str:
        """The model to send: the preset's or CHATKIT_MODEL, else the first chat model the server lists."""
        if self._model is None:
            self._model = server_model(str(self.base_url), self.api_key)
        return self._model

    @default_model.setter
    def default_model(self, model: str | None) -> None:
        self._model = model

    @property
    def reasoning_model(self) -> str:
        """The model the cells that teach reasoning use: the sandbox's, a preset's, or CHATKIT_REASONING_MODEL.

        Without one, a ConfigError in one line says how to name one.
        """
        if self._reasoning_model is None:
            raise ConfigError(say("connect.no_reasoning_model.what", model=self.default_model),
                              fix=say("connect.no_reasoning_model.fix"), docs=MODEL_DOCS)
        return self._reasoning_model

    @reasoning_model.setter
    def reasoning_model(self, model: str | None) -> None:
        self._reasoning_model = model

    def copy(self, **options):
        """The SDK's ``copy``/``with_options``, keeping ``default_model``, ``reasoning_model`` and ``provider``."""
        clone = super().copy(**options)
        clone._model, clone.provider, clone._reasoning_model = self._model, self.provider, self._reasoning_model
        return clone

    with_options = copy


class OpenAI(_Chatkit, openai.OpenAI):
    """The official client, with a ``default_model`` and a repr that masks the key."""


class AsyncOpenAI(_Chatkit, openai.AsyncOpenAI):
    """The official async client, with a ``default_model`` and a repr that masks the key."""


def _resolve(settings: Settings | None) -> tuple[Settings, str, str]:
    settings = settings or read_settings()
    if settings.backend == "sandbox":
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
    return _watched(_tagged(OpenAI(api_key=key, base_url=base_url, **options), settings), log, budget)


def connect_async(*, log=None, budget=None, **options) -> AsyncOpenAI:
    """Like :func:`connect`, but returns an ``openai.AsyncOpenAI`` client."""
    settings, key, base_url = _resolve(options.pop("settings", None))
    return _watched(_tagged(AsyncOpenAI(api_key=key, base_url=base_url, **options), settings), log, budget)


def _tagged(client, settings: Settings):
    """The client, knowing its default model and provider (so ``chatkit.providers.supports`` can answer)."""
    client.default_model, client.provider = settings.model, settings.provider
    client.reasoning_model = settings.reasoning_model
    remember(str(client.base_url), settings.provider)
    return client


@functools.lru_cache(maxsize=32)
def server_model(base_url: str, key: str) -> str:
    """The first chat model the server at ``base_url`` lists: asked once per server and key.

    Raises a ConfigError that says to set CHATKIT_MODEL when the server cannot be asked, or lists
    no chat model (a failure is not remembered: the next use asks again).
    """
    try:
        ids = [m.id for m in openai.OpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=15).models.list()]
    except openai.APIError as exc:
        found = explain(exc)
        raise ConfigError(say("connect.cannot_ask.what", base_url=base_url, what=found.what),
                          fix=say("connect.cannot_ask.fix", fix=found.fix), docs=MODEL_DOCS) from None
    chosen = first_chat_model(ids)
    if chosen is None:
        listed = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "") if ids else say("connect.no_chat_model.none")
        raise ConfigError(say("connect.no_chat_model.what", base_url=base_url, listed=listed),
                          fix=say("connect.no_chat_model.fix"), docs=MODEL_DOCS)
    return chosen


def _watched(client, log, budget):
    # Before sending: a request to an endpoint the provider lacks, or with a value outside its range, stops here.
    provider = identify(client)
    refuse = _both(refusal(provider), guard(provider))
    if log is None and budget is None and refuse is None:
        return client
    log = log if log is None or isinstance(log, CallLog) else CallLog(log)
    return watch(client, log=log, budget=budget, refuse=refuse)


def _both(first, second):
    """One check that runs ``first`` then ``second``, either of which may be None (nothing to check)."""
    if first is None or second is None:
        return first or second

    def check(request) -> None:
        first(request)
        second(request)

    return check


def backend_info() -> BackendInfo:
    """Say which backend ``connect()`` uses: name, base URL, default model, masked key.

    >>> print(chatkit.backend_info())                                # doctest: +SKIP
    Backend: sandbox at the local sandbox (no key needed)
    ...
    """
    settings, key, base_url = _resolve(None)
    source = {"sandbox": say("connect.source.sandbox"), DOTENV: say("connect.source.file", path=settings.env_file),
              ENVIRONMENT: say("connect.source.environment"),
              "none needed": say("connect.source.none_needed")}.get(settings.key_source, settings.key_source)
    if settings.key_variable not in (None, "OPENAI_API_KEY"):
        source = say("connect.source.variable", variable=settings.key_variable, source=source)
    provider = presets()[settings.provider].title if settings.provider in presets() else None
    model = settings.model or say("connect.info.ask_models")
    return BackendInfo(settings.backend, base_url, model, mask_key(key), source, provider)
