"""Providers chatkit knows by name, and which endpoints each offers: one dated table, ``providers.json``.

``CHATKIT_PROVIDER=deepseek`` (in the environment or ``.env``) with ``DEEPSEEK_API_KEY``
switches the whole course to DeepSeek: base URL, key and model come from the preset
(``chatkit.config.read_settings``). Many providers offer Chat Completions only; a cell
that needs another endpoint asks first, and stops with one line instead of a 404:

>>> supports("moonshot", "responses"), supports("deepseek", "responses"), supports("zhipu", "stream_usage")
(False, True, None)
>>> require("moonshot", "responses")                                # doctest: +ELLIPSIS
Traceback (most recent call last):
chatkit.providers.NotSupported: Moonshot Kimi offers no Responses API (checked 2026-11-26): this cell needs it. ...
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlparse

import openai

from .errors import ChatkitError, ConfigError
from .messages import current, say

DOCS = "notebooks/01-choose-a-model-and-sign-up.ipynb"
PROVIDER = "CHATKIT_PROVIDER"  # the setting that names a preset
# "stored_responses": the server keeps each response, so a request can continue one by previous_response_id.
ENDPOINT_NAMES = {"responses": "Responses API", "chat": "Chat Completions API", "batch": "Batch API",
                  "embeddings": "Embeddings API",
                  "stream_usage": "token usage in streams (stream_options.include_usage)",
                  "stored_responses": "stored responses (previous_response_id)"}
# What a cell can do instead when the live provider lacks an endpoint.
INSTEAD = {"responses": "use client.chat.completions.create", "chat": "use client.responses.create",
           "batch": "send the requests one at a time", "embeddings": "skip this cell",
           "stream_usage": "read the usage from a call without stream=True",
           "stored_responses": "send the whole history each time, as chatkit.Conversation(client) does"}
# The sandbox's own endpoints: facts about chatkit's code, not a provider's documentation.
SANDBOX = "sandbox"
SANDBOX_OFFERS = {"responses": True, "chat": True, "batch": True, "embeddings": False, "stream_usage": True,
                  "stored_responses": True}
# Local servers ignore the key, but the official client refuses to start without one.
LOCAL_KEY = "no-key-needed"
# Words in model ids that name something other than a chat model: embeddings, speech, images...
# and OpenAI's completions-only base models (davinci-002, babbage-002).
NOT_CHAT = ("embed", "whisper", "tts", "dall-e", "moderation", "rerank", "transcri", "image", "audio", "realtime",
            "search", "ocr", "davinci", "babbage")
# Paths of each endpoint, as they end whatever the base URL ("/v1", "/compatible-mode/v1", "/api/paas/v4").
_PATHS = (("/chat/completions", "chat"), ("/responses", "responses"), ("/batches", "batch"), ("/files", "batch"),
          ("/embeddings", "embeddings"))
_REQUESTED = ("chat", "responses", "batch", "embeddings", "stored_responses")  # what a request can need
SUGGESTED = 3  # providers a stop names as places to run the cell: a few, not the whole table
_live: dict[str, str] = {}  # base URL -> provider, for the clients connect() made (local servers have no known host)


class NotSupported(ChatkitError, openai.OpenAIError):
    """The live provider does not offer an endpoint a cell needs (``kind`` "not_offered" in ``explain``).

    An ``openai.OpenAIError`` too, so when a client from ``connect()`` stops a request with it
    before sending, the SDK raises it as it is, without retrying.
    """

    kind = "not_offered"

    def __init__(self, provider: Provider, endpoint: str, what: str | None = None) -> None:
        self.provider, self.endpoint = provider, endpoint
        facts = {"provider": provider.title, "checked": provider.checked,
                 "endpoint": say(f"providers.endpoint.{endpoint}")}
        self.cause = say("providers.not_supported.cause", **facts)
        super().__init__(say("providers.not_supported.what", what=what or say("providers.this_cell"), **facts),
                         fix=say("providers.not_supported.fix", elsewhere=_elsewhere(endpoint),
                                 instead=say(f"providers.instead.{endpoint}")),
                         docs=provider.docs)

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the stop is deliberate, the line says why and what to do.
        return [str(self)]


@dataclass(frozen=True)
class Provider:
    """One provider's preset and dated facts (see ``providers.json``)."""

    name: str  # what CHATKIT_PROVIDER says: "deepseek"
    title: str  # what a learner reads: "DeepSeek"
    checked: str
    docs: str
    base_url: str | None
    key_variable: str | None  # None: a local server, no key needed
    model: str | None  # None: ask the server's /models (or, for Azure, the learner's deployment)
    offers: dict
    hosts: tuple = ()
    notes: tuple = ()
    sources: tuple = ()
    base_url_hint: str | None = None
    model_hint: str | None = None
    reasoning_model: str | None = None  # a model of theirs that reasons, for the cells that teach reasoning
    key_format: dict | None = None  # its keys' documented shape and pattern, with source; None: not documented
    mainland: bool = False  # a mainland-China provider: suggested first to a Chinese reader
    behaviour: dict | None = None  # ranges, thinking, entry-tier limits, with sources: see chatkit/behaviour.py

    @property
    def local(self) -> bool:
        return self.key_variable is None


@functools.cache
def table() -> dict:
    """The dated table in ``chatkit/providers.json``."""
    return json.loads(resources.files("chatkit").joinpath("providers.json").read_text(encoding="utf-8"))


@functools.cache
def presets() -> dict[str, Provider]:
    """Every preset by name, in the table's order."""
    return {name: Provider(name=name, **{k: tuple(v) if isinstance(v, list) else v for k, v in facts.items()})
            for name, facts in table()["providers"].items()}


def preset(name: str) -> Provider:
    """The preset called ``name``, or a ConfigError that lists the known ones.

    >>> preset("zhipu").base_url
    'https://open.bigmodel.cn/api/paas/v4'
    """
    found = presets().get(name.strip().lower())
    if found is None:
        raise ConfigError(say("providers.unknown.what", name=name),
                          fix=say("providers.unknown.fix", names=", ".join(presets())), docs=DOCS)
    return found


def match(base_url: str | None) -> Provider | None:
    """The preset whose host serves ``base_url``, or the provider connect() used there; None if unknown.

    >>> match("https://api.deepseek.com/v1").name, match("http://localhost:9999/v1")
    ('deepseek', None)
    """
    if not base_url:
        return None
    url = base_url.rstrip("/")
    for known, name in _live.items():
        if url == known or url.startswith(known + "/"):
            return presets()[name]
    host = (urlparse(url).hostname or "").lower()
    for provider in presets().values():
        if any(host == h or (h.startswith(".") and host.endswith(h)) for h in provider.hosts):
            return provider
    return None


def remember(base_url: str, name: str | None) -> None:
    """Note that ``base_url`` is ``name``'s (connect() does it), so explain() knows a local server's 404s."""
    if name in presets():
        _live[base_url.rstrip("/")] = name


def identify(client_or_provider) -> Provider | str | None:
    """The preset (or "sandbox") behind a client or a name; None for a server chatkit does not know."""
    if isinstance(client_or_provider, str):
        return SANDBOX if client_or_provider == SANDBOX else preset(client_or_provider)
    name = getattr(client_or_provider, "provider", None)  # set by chatkit.connect()
    if name == SANDBOX or name in presets():
        return SANDBOX if name == SANDBOX else presets()[name]
    return match(str(getattr(client_or_provider, "base_url", "") or ""))


def supports(client_or_provider, endpoint: str) -> bool | None:
    """Whether the provider offers ``endpoint``: True, False, or None when nobody knows.

    **Parameters:** ``client_or_provider`` -- a client (from ``chatkit.connect()`` or the official
    one) or a preset's name; ``endpoint`` -- "responses", "chat", "batch", "embeddings",
    "stream_usage" or "stored_responses".

    >>> supports("moonshot", "batch")
    True
    """
    if endpoint not in ENDPOINT_NAMES:
        raise ChatkitError(say("providers.unknown_endpoint.what", endpoint=endpoint),
                           fix=say("providers.unknown_endpoint.fix", endpoints=", ".join(ENDPOINT_NAMES)), docs=DOCS)
    provider = identify(client_or_provider)
    if provider is None:
        return None
    return SANDBOX_OFFERS[endpoint] if provider == SANDBOX else provider.offers.get(endpoint)


def require(client_or_provider, endpoint: str, what: str | None = None) -> None:
    """Stop with a :class:`NotSupported` if the provider lacks ``endpoint``; go on if it has it or nobody knows.

    ``what`` names what needs the endpoint in the message; default: "this cell", in the learner's language.

    >>> require(chatkit.connect(), "responses", what="this exercise")    # doctest: +SKIP
    """
    if supports(client_or_provider, endpoint) is False:
        raise NotSupported(identify(client_or_provider), endpoint, what)


def refusal(provider: Provider | None):
    """For a client of ``provider``: a check that stops a request to an endpoint it lacks, before it is sent.

    None when the provider offers everything chatkit knows of (nothing to check).
    """
    if not isinstance(provider, Provider) or all(provider.offers.get(e) is not False for e in _REQUESTED):
        return None

    def check(request) -> None:
        lacking = next((e for e in needs(request) if provider.offers.get(e) is False), None)
        if lacking is not None:
            raise NotSupported(provider, lacking, say("providers.this_request"))

    return check


def needs(request) -> list[str]:
    """What a request needs of the provider: the endpoint its path names, and stored responses to continue one.

    >>> import httpx2
    >>> needs(httpx2.Request("POST", "https://api.deepseek.com/responses", json={"previous_response_id": "resp_1"}))
    ['responses', 'stored_responses']
    """
    endpoint = endpoint_of(request.url.path)
    if endpoint is None:
        return []
    chained = endpoint == "responses" and request.method == "POST" and body_of(request).get("previous_response_id")
    return [endpoint, "stored_responses"] if chained else [endpoint]


def endpoint_of(path: str) -> str | None:
    """Which endpoint a request path belongs to: ``"/v1/responses"`` -> "responses"."""
    return next((name for tail, name in _PATHS if tail in path), None)


def body_of(request) -> dict:
    """A request's JSON body as a dict; {} when it has none (or not a JSON object)."""
    try:
        body = json.loads(request.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def is_chat_model(model: str) -> bool:
    """Whether an id from ``models.list()`` names a model that chats (a reasoning model does).

    >>> is_chat_model("gpt-6-luna"), is_chat_model("text-embedding-3-small"), is_chat_model("babbage-002")
    (True, False, False)
    """
    return not any(word in model.lower() for word in NOT_CHAT)


def first_chat_model(ids) -> str | None:
    """The first id that names a chat model, skipping embeddings, speech and image models.

    >>> first_chat_model(["text-embedding-v4", "qwen2.5:0.5b"])
    'qwen2.5:0.5b'
    """
    return next(filter(is_chat_model, ids), None)


def _elsewhere(endpoint: str) -> str:
    """Where a cell that needs ``endpoint`` can run: the sandbox and a few presets known to offer it.

    A Chinese reader gets the mainland providers first: OpenAI refuses requests from mainland China.
    """
    hosted = [p for p in presets().values() if p.offers.get(endpoint) is True and not p.local]
    if current() == "zh":
        hosted.sort(key=lambda p: not p.mainland)  # stable: the table's order within each group
    where = ([say("providers.the_sandbox")] if SANDBOX_OFFERS[endpoint] else []) + [p.title for p in hosted[:SUGGESTED]]
    if len(where) < 2:
        return where[0] if where else say("providers.nowhere")
    return say("providers.either", first=say("providers.separator").join(where[:-1]), second=where[-1])


if __name__ == "__main__":
    for p in presets().values():
        offered = ", ".join(e for e, yes in p.offers.items() if yes) or "nothing"
        model = p.model or ("(asks /models)" if p.local else "(your deployment)")
        print(f"{p.name:<11} {p.base_url or p.base_url_hint:<56} {model:<28} {offered}")
