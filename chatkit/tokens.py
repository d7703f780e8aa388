"""Count tokens offline, exactly as the model will, and estimate what they cost.

OpenAI's models read text as tokens. GPT-4o, GPT-4.1, GPT-5 and the o-series use the
``o200k_base`` encoding; GPT-4 and GPT-3.5 use ``cl100k_base``. The encoding files ship
inside the ``bpe-openai`` package (the same bytes tiktoken downloads, checked by their
SHA-256 in the tests), so nothing is downloaded. The sandbox model has its own
tokenizer, and its counts come from the sandbox's engine itself; so do the counts of your
own models that this process's sandbox serves: the sandbox tells this module which engine
counts which model (:func:`count_with`), as this module sits below the sandbox.

>>> from chatkit import tokens
>>> tokens.count("Hello, world!", "gpt-4.1-mini")
4
>>> tokens.encode("Hello, world!", encoding="cl100k_base")
[9906, 11, 1917, 0]
>>> tokens.count_messages([{"role": "user", "content": "Hello, world!"}], "gpt-4o")
11
>>> print(tokens.estimate_cost("gpt-6-luna", 1_000, 500))
$0.000350 for gpt-6-luna (1,000 input + 500 output tokens; prices of 2026-12-06)
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from .errors import ChatkitError
from .messages import say

ENCODINGS = ("o200k_base", "cl100k_base")
SANDBOX = "sandbox"  # the sandbox model's own tokenizer, from its engine
DOCS = "notebooks/05-manage-conversation-context.ipynb"

# Model name prefixes, most specific first ("gpt-4o" before "gpt-4").
_PREFIXES = (
    ("gpt-4o", "o200k_base"), ("chatgpt-4o", "o200k_base"), ("gpt-4.1", "o200k_base"),
    ("gpt-4.5", "o200k_base"), ("gpt-5", "o200k_base"), ("o1", "o200k_base"), ("o3", "o200k_base"),
    ("o4", "o200k_base"), ("gpt-4", "cl100k_base"), ("gpt-3.5", "cl100k_base"), ("gpt-35", "cl100k_base"),
    ("text-embedding-3", "cl100k_base"), ("text-embedding-ada-002", "cl100k_base"),
)

# OpenAI's cookbook, "How to count tokens with tiktoken": every message costs its
# tokens plus 3 (<|start|>role<|message|>…<|end|>), a name 1 more, and every reply is
# primed with 3 (<|start|>assistant<|message|>).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3


class TokenizerError(ChatkitError, LookupError):
    """chatkit does not know which tokenizer a model uses."""


def encoding_name(model: str) -> str:
    """The encoding a model uses: ``"o200k_base"``, ``"cl100k_base"`` or ``"sandbox"``.

    ``"sandbox"`` for the sandbox's model, and for your own models this process's sandbox serves.

    >>> encoding_name("gpt-4.1-mini"), encoding_name("gpt-4-turbo")
    ('o200k_base', 'cl100k_base')
    """
    if model in _engines:
        return SANDBOX
    for prefix, name in _PREFIXES:
        if model.startswith(prefix):
            return name
    raise TokenizerError(say("tokens.unknown_model.what", model=model), fix=say("tokens.unknown_model.fix"),
                         docs=DOCS)


# The engines that count the tokens of the sandbox's models, by model id (and SANDBOX: its built-in model's),
# each as a function that loads it on first use. Filled by the sandbox (chatkit/sandbox/server.py, models.py).
_engines: dict[str, Callable[[], object]] = {}


def count_with(model: str, engine: Callable[[], object]) -> None:
    """Count ``model``'s tokens with the engine ``engine()`` gives (anything with ``render`` and ``tokenize``)."""
    _engines[model] = engine


@functools.cache
def _bpe(name: str):
    with warnings.catch_warnings():  # bpe-openai 0.1.4 reads its files with a deprecated call
        warnings.simplefilter("ignore", DeprecationWarning)
        import bpe_openai

        return bpe_openai.get_encoding(name)


def _sandbox_engine(model: str | None = None):
    """The engine that counts ``model``'s tokens in this process: one of your own models', else the built-in one."""
    return _engines.get(model, _engines[SANDBOX])()


def _choose(model: str | None, encoding) -> object:
    """An encoding name, or an engine (anything with ``render`` and ``tokenize``)."""
    if encoding is None and model is None:
        raise TokenizerError(say("tokens.no_choice.what"), fix=say("tokens.no_choice.fix"), docs=DOCS)
    choice = encoding if encoding is not None else _estimated(model)
    if isinstance(choice, str) and choice not in ENCODINGS + (SANDBOX,):
        raise TokenizerError(say("tokens.unknown_encoding.what", encoding=choice),
                             fix=say("tokens.unknown_encoding.fix", encodings=", ".join(ENCODINGS + (SANDBOX,))),
                             docs=DOCS)
    return _sandbox_engine(model) if choice == SANDBOX else choice


class EstimateWarning(UserWarning):
    """chatkit has no tokenizer for a model, so its counts are o200k_base's: an estimate."""


def _estimated(model: str) -> str:
    """The model's encoding; for a model chatkit has no tokenizer for, o200k_base, with one warning per model.

    GPT-6's tokenizer is unpublished, and DeepSeek's, Qwen's or GLM's are not OpenAI's: a budget or an
    estimate still needs a count, and a close one serves it better than an error on every message.
    """
    try:
        return encoding_name(model)
    except TokenizerError:
        if model not in _warned:
            _warned.add(model)
            warnings.warn(say("tokens.estimated", model=model), EstimateWarning, stacklevel=4)
        return "o200k_base"


_warned: set[str] = set()


def encode(text: str, model: str | None = None, *, encoding=None) -> list[int]:
    """The token ids of ``text``, as the model sees them (special tokens count as plain text).

    **Parameters:** ``model`` (e.g. ``"gpt-4.1-mini"``), or ``encoding``: ``"o200k_base"``,
    ``"cl100k_base"``, ``"sandbox"`` or an engine.

    >>> encode("tokens!", "gpt-4o")
    [64329, 0]
    """
    choice = _choose(model, encoding)
    if isinstance(choice, str):
        return _bpe(choice).encode(text, disallowed_special=())
    return list(choice.tokenize(text))


def count(text: str, model: str | None = None, *, encoding=None) -> int:
    """How many tokens ``text`` is for ``model`` (or ``encoding``).

    >>> count("你好，世界", "gpt-4o"), count("你好，世界", "gpt-4")
    (3, 6)
    """
    return len(encode(text, model, encoding=encoding))


def count_messages(messages: list[dict], model: str | None = None, *, encoding=None) -> int:
    """The prompt tokens a list of chat messages costs, with the chat format's overhead.

    For OpenAI's encodings this is the cookbook's count: each message's role, content and
    name, plus 3 per message, 1 per name, and 3 for the start of the reply. For the
    sandbox it is the exact prompt the sandbox bills (``usage.prompt_tokens``).

    >>> count_messages([{"role": "system", "content": "Be brief."},
    ...                 {"role": "user", "content": "Hi"}], "gpt-4.1-mini")
    15
    """
    choice = _choose(model, encoding)
    if not isinstance(choice, str):
        return len(choice.render([_plain(m) for m in messages]))
    total = REPLY_PRIMING
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            total += count(str(value), encoding=choice)
            total += TOKENS_PER_NAME if key == "name" else 0
    return total


def _plain(message: dict) -> dict:
    """A message as the sandbox renders it: "developer" is "system", content is text."""
    role = "system" if message["role"] == "developer" else message["role"]
    return {"role": role, "content": message.get("content") or ""}


# --- what a request counts against a tokens-per-minute limit -----------------------

# Output tokens counted for a request that sets no output limit: the most the sandbox then writes
# (its engine stops there), and on the legacy Completions endpoint its documented default.
DEFAULT_OUTPUT_LIMIT = 512
LEGACY_OUTPUT_LIMIT = 16
OUTPUT_LIMITS = ("max_output_tokens", "max_completion_tokens", "max_tokens")  # Responses, Chat, legacy names


@dataclass(frozen=True)
class RequestTokens:
    """What a request counts against a tokens-per-minute limit before it runs (see :func:`request_tokens`)."""

    input: int
    output: int  # the output limit times n
    limited: bool  # False: the request set no output limit, and ``output`` is the default's

    @property
    def total(self) -> int:
        return self.input + self.output


def request_tokens(request: dict, model: str, *, input_tokens: int | None = None) -> RequestTokens:
    """The tokens ``request`` counts against a tokens-per-minute limit, counted before it runs.

    One rule for the sandbox's rate limits, the batch runner's throttle and the spending guard:
    the input's tokens plus the output it may write, its output limit (``max_output_tokens``,
    ``max_completion_tokens`` or ``max_tokens``) times ``n``; a request without a limit counts
    :data:`DEFAULT_OUTPUT_LIMIT` per choice (:data:`LEGACY_OUTPUT_LIMIT` for a legacy ``prompt``).
    It is on the safe side of the platform's own count (notebook 06).

    Only the input's count can differ between them: the sandbox passes ``input_tokens``, the
    exact prompt its model reads; without it the input is counted offline from the request's
    text (:func:`count_messages` for ``model``; ``o200k_base`` for a model chatkit has no
    tokenizer for), which is exact for plain messages to the sandbox and an estimate otherwise.

    >>> counted = request_tokens({"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 50, "n": 2},
    ...                          "gpt-4.1-mini")
    >>> counted.input, counted.output, counted.total
    (8, 100, 108)
    """
    limit = next((request[name] for name in OUTPUT_LIMITS if isinstance(request.get(name), int)), None)
    choices = request.get("n") if isinstance(request.get("n"), int) else 1
    if limit is None:
        output = (DEFAULT_OUTPUT_LIMIT if _legacy_prompt(request) is None else LEGACY_OUTPUT_LIMIT) * choices
    else:
        output = limit * choices
    if input_tokens is None:
        input_tokens = _input_tokens(request, model)
    return RequestTokens(input_tokens, output, limit is not None)


def _input_tokens(request: dict, model: str) -> int:
    """The request's input counted offline: its messages (instructions first) or legacy prompt, and its tools."""
    how = {"model": model}
    try:
        encoding_name(model)
    except TokenizerError:  # chatkit has no tokenizer for this model: o200k_base, OpenAI's current encoding
        how = {"encoding": "o200k_base"}
    tools = count(json.dumps(request["tools"], ensure_ascii=False), **how) if request.get("tools") else 0
    prompt = _legacy_prompt(request)
    if prompt is not None:
        return count(prompt, **how) + tools  # the legacy endpoint reads its prompt as plain text: no chat format
    return count_messages(_messages(request), **how) + tools


def _legacy_prompt(request: dict) -> str | None:
    """The text of a legacy Completions request's ``prompt`` (None for Chat Completions and Responses)."""
    prompt = request.get("prompt")
    if prompt is None or "messages" in request or "input" in request:
        return None
    return prompt if isinstance(prompt, str) else "".join(p for p in prompt if isinstance(p, str))


def _messages(request: dict) -> list[dict]:
    """The request's text as chat messages: ``instructions``, then ``messages`` or ``input`` (a string or items)."""
    said = request.get("messages") or request.get("input") or []
    said = [{"role": "user", "content": said}] if isinstance(said, str) else said
    system = [{"role": "system", "content": request["instructions"]}] if request.get("instructions") else []
    # An input item without a role (a function call's output) is read as the user's turn, its output as the text.
    return system + [{"role": m.get("role") or "user", "content": _text(m.get("content", m.get("output")))}
                     for m in said if isinstance(m, dict)]


def _text(content) -> str:
    """A message's content as text: a string, or the text of its parts."""
    if isinstance(content, list):
        return "".join(part.get("text") or "" for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


# --- cost ---------------------------------------------------------------------------

# Each provider bills in its own currency; chatkit never converts one into another.
SIGNS = {"USD": "$", "CNY": "¥"}


def money(amount: float, currency: str) -> str:
    """An amount with its currency's sign: ``'$0.000350'``, ``'¥0.002000'``.

    >>> money(0.00035, "USD"), money(0.002, "CNY")
    ('$0.000350', '¥0.002000')
    """
    sign = SIGNS.get(currency)
    return f"{sign}{amount:.6f}" if sign else f"{amount:.6f} {currency}"


@dataclass(frozen=True)
class Cost:
    """The estimated price of a call, in ``currency``. ``total`` is ``None`` when the price is unknown."""

    model: str
    input_tokens: int
    output_tokens: int
    input: float | None
    output: float | None
    currency: str  # "USD", "CNY": the currency the provider bills in
    prices_date: str
    source: str

    @property
    def known(self) -> bool:
        return self.input is not None

    @property
    def total(self) -> float | None:
        return None if self.input is None else self.input + self.output

    @property
    def money(self) -> str | None:
        """The total with its currency's sign (``'¥0.000120'``), or None when the price is unknown."""
        return None if self.total is None else money(self.total, self.currency)

    def __str__(self) -> str:
        if not self.known:
            return say("tokens.unknown_price", model=self.model, date=self.prices_date, source=self.source)
        return say("tokens.cost", money=self.money, model=self.model, input=self.input_tokens,
                   output=self.output_tokens, date=self.prices_date)


@functools.cache
def price_table() -> dict:
    """The dated price table in ``chatkit/prices.json``: per million tokens, in each model's currency."""
    return json.loads(resources.files("chatkit").joinpath("prices.json").read_text(encoding="utf-8"))


def model_facts(model: str) -> dict | None:
    """The table's entry for ``model`` (prices, retirement, reasoning efforts), or None if it is not there.

    >>> model_facts("gpt-6-luna")["default_effort"]
    'medium'
    """
    models = price_table()["models"]
    # "gpt-4.1-mini-2025-04-14" is a dated snapshot of "gpt-4.1-mini".
    return models.get(model) or models.get(re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model))


def retirement(model: str) -> datetime.date | None:
    """The day OpenAI retires ``model``, from the dated table (None: no date announced, or unknown).

    >>> retirement("gpt-4.1-mini"), retirement("o3")
    (datetime.date(2027, 1, 14), datetime.date(2026, 12, 11))
    """
    price = model_facts(model) or price_table()["retired"]["models"].get(model)
    return datetime.date.fromisoformat(price["shutdown"]) if price and price.get("shutdown") else None


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> Cost:
    """What a call costs, in the currency its provider bills in, from the dated table in ``chatkit/prices.json``.

    OpenAI's models are priced in US dollars, the Chinese providers' in yuan (``Cost.currency``
    says which, each entry with its own source and date). A model not in the table gives a
    :class:`Cost` whose ``total`` is ``None`` and which prints as "unknown price", never a made-up zero.

    >>> estimate_cost("gpt-4.1-mini", 1_000, 1_000).total
    0.002
    >>> estimate_cost("deepseek-flash", 1_000, 1_000).money
    '¥0.010000'
    >>> estimate_cost("my-own-model", 10, 10).known
    False
    """
    table, price = price_table(), model_facts(model) or {}
    per = table["per_tokens"]
    cost_in = round(input_tokens * price["input"] / per, 10) if price else None
    cost_out = round(output_tokens * price["output"] / per, 10) if price else None
    return Cost(model, input_tokens, output_tokens, cost_in, cost_out, price.get("currency", table["currency"]),
                price.get("checked", table["date"]), price.get("source", table["source"]))

if __name__ == "__main__":
    for name in ("gpt-4.1-mini", "gpt-4"):
        print(f"{name:13} {count('Tokens are pieces of words.', name)} tokens")
