"""The requests behind the tuning widgets: one streamed chat completion, its result, its errors.

Kept apart from the widgets so it reads like the code a learner would write by hand: a
one-turn :class:`~chatkit.Conversation` and a loop over ``conv.stream(prompt)``.
"""

from __future__ import annotations

import contextlib
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import openai

from ..conversation import Conversation
from ..errors import ChatkitError
from ..messages import say
from ..providers import is_chat_model
from ..reasoning import limit_name
from ..tokens import Cost
from ..tokens import estimate_cost as price


@dataclass
class Result:
    """What one run produced: the text, why it stopped, the tokens it used and how long it took."""

    text: str
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None  # of the completion tokens, those a reasoning model thought
    seconds: float = 0.0
    first_token_seconds: float | None = None
    cost: Cost | None = None  # in the currency the model's provider bills in
    cached: bool = False
    params: dict | None = None  # the request that produced it

    def __str__(self) -> str:
        return " · ".join(([say("widgets.calls.cached")] if self.cached else []) + summary(self))


def summary(result: Result) -> list[str]:
    """The facts of a run, one short phrase each: settings, tokens, why it stopped, time, cost."""
    parts = [describe(result.params or {})]
    if result.prompt_tokens is not None:
        parts.append(say("widgets.calls.tokens", input=result.prompt_tokens, output=result.completion_tokens)
                     + (say("widgets.effort.reasoning_tokens", count=result.reasoning_tokens)
                        if result.reasoning_tokens else ""))
    reason = f"finish_reason: {result.finish_reason}"
    parts.append(reason + (say("widgets.calls.cut_off") if result.finish_reason == "length" else ""))
    timing = say("widgets.calls.seconds", seconds=result.seconds)
    if result.first_token_seconds is not None:
        timing += say("widgets.calls.first_token", seconds=result.first_token_seconds)
    parts.append(say("widgets.calls.first_run", timing=timing) if result.cached else timing)
    if result.cost is not None and result.cost.known and not result.cached:
        parts.append(say("widgets.calls.cost", cost=result.cost.money) if result.cost.total
                     else say("widgets.calls.free"))
    return parts


def describe(params: dict) -> str:
    """The sampling settings of a request, short: 'temperature=0.7, top_p=1, max_tokens=100'."""
    shown = [f"reasoning_effort={params['reasoning_effort']}"] if params.get("reasoning_effort") else []
    shown += [f"{name}={params[name]:g}" for name in ("temperature", "top_p") if name in params]
    shown += [f"{name}={params[name]}" for name in ("max_tokens", "max_completion_tokens", "seed")
              if params.get(name) is not None]
    shown += [f"{name}={params[name]:g}" for name in ("presence_penalty", "frequency_penalty") if params.get(name)]
    return ", ".join(shown)


def messages(prompt: str, system: str = "") -> list[dict]:
    """The chat messages for a prompt and optional instructions (a system message)."""
    head = [{"role": "system", "content": system}] if system.strip() else []
    return head + [{"role": "user", "content": prompt}]


def with_limit(params: dict) -> dict:
    """``params`` with its ``max_tokens`` named as the model needs: ``max_completion_tokens`` for a reasoning model.

    >>> with_limit({"model": "gpt-6-luna", "max_tokens": 50})
    {'model': 'gpt-6-luna', 'max_completion_tokens': 50}
    """
    name = limit_name(params["model"])
    return {(name if key == "max_tokens" else key): value for key, value in params.items()}


def cache_key(params: dict) -> str | None:
    """A key for the cache, or None when the answer is random (temperature above 0 and no seed)."""
    if params.get("temperature") == 0 or params.get("seed") is not None:
        return json.dumps(params, sort_keys=True)
    return None


def stream_chat(client, params: dict, on_text: Callable[[str], None], stale: Callable[[], bool]) -> Result | None:
    """Stream one chat completion, handing each piece of text to ``on_text``.

    ``params`` holds the ``model``, the ``messages`` (instructions, then the prompt) and the
    settings. Returns None as soon as ``stale()`` is true: closing the stream closes the
    connection, and the server stops generating at its next token.
    """
    *system, prompt = params["messages"]
    settings = {name: value for name, value in params.items() if name not in ("model", "messages")}
    conv = Conversation(client, model=params["model"], instructions=system[0]["content"] if system else None,
                        **settings)
    start, first = time.perf_counter(), None
    with contextlib.closing(conv.stream(prompt["content"])) as pieces:
        for piece in pieces:
            if stale():
                return None
            first = first or time.perf_counter()
            on_text(piece)
    reply = conv.last_reply
    return Result(reply.text, reply.finish_reason, reply.input_tokens, reply.output_tokens, reply.reasoning_tokens,
                  seconds=time.perf_counter() - start, first_token_seconds=None if first is None else first - start,
                  params=params)


def estimate_cost(model: str, result: Result) -> Cost | None:
    """What this run cost, in its provider's currency (``chatkit.tokens``); None without tokens."""
    if result.prompt_tokens is None or result.completion_tokens is None:
        return None
    return price(model, result.prompt_tokens, result.completion_tokens)  # .known is False: a model without a price


def default_model(client) -> str:
    """The model a widget uses when none is given: the client's ``default_model``."""
    model = getattr(client, "default_model", None)
    if not model:
        raise ChatkitError(say("widgets.calls.no_model.what"), fix=say("widgets.calls.no_model.fix"))
    return model


def chat_models(client) -> list[str]:
    """The ids from ``client.models.list()`` that can chat: the default model first, then the reasoning model."""
    first = [m for m in (getattr(client, "default_model", None), _reasoning_model(client)) if m]
    ids = sorted(m.id for m in client.models.list() if is_chat_model(m.id))
    return list(dict.fromkeys(first)) + [i for i in ids if i not in first]


def _reasoning_model(client) -> str | None:
    """The client's reasoning model (``chatkit.connect()`` knows one for the sandbox), if it has one."""
    try:
        return getattr(client, "reasoning_model", None)
    except ChatkitError:  # a backend without one: the property says how to name one
        return None


def is_expected(exc: BaseException) -> bool:
    """Errors a learner causes (bad setting, wrong key): a sentence is enough, no traceback."""
    return isinstance(exc, (ChatkitError, openai.APIError))


def format_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
