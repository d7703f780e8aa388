"""Every parameter of both APIs, sent with its default, is accepted; a value the sandbox cannot honour is a 400.

The tables below list each parameter of ``client.chat.completions.create`` and
``client.responses.create`` with the value that asks for the platform's default (from the
SDK's docstrings and the platform's reference), and, where the sandbox cannot do what another
value asks, one such value and the ``param`` its 400 names. A parameter the installed SDK has
and a table lacks fails the first tests, so a new one cannot be silently ignored.

Deprecated parameters (the SDK's docstrings say so: ``functions``, ``function_call``,
``max_tokens``, ``prompt_cache_retention``, ``reasoning.generate_summary``) are in the tables
like the others: none is skipped. Requests go to the scripted engine: acceptance is decided by
the wire, before any generation.
"""

from __future__ import annotations

import typing
from typing import NamedTuple

import openai
import pytest
from openai.types.chat.completion_create_params import CompletionCreateParamsStreaming as ChatParams
from openai.types.responses.response_create_params import ResponseCreateParamsStreaming as ResponsesParams

from support import client_for


class P(NamedTuple):
    """A parameter's default value; a value the sandbox refuses (None: it honours every valid value) and the
    ``param`` its 400 names (the parameter itself unless told); other parameters the default needs."""

    default: object
    refused: object = None
    where: str | None = None
    needs: dict = {}


CHAT_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
RESPONSES_TOOL = {"type": "function", **CHAT_TOOL["function"]}
CACHE_HINT, END_USER = "lesson-3", "user-1234"

CHAT = {
    "audio": P(None, {"voice": "alloy", "format": "wav"}),
    "frequency_penalty": P(0),
    "function_call": P(None, "auto"),
    "functions": P(None, [{"name": "f"}]),
    "logit_bias": P({}),
    "logprobs": P(False),
    "max_completion_tokens": P(None),
    "max_tokens": P(None),
    "metadata": P({}),
    "modalities": P(["text"], ["text", "audio"]),
    "moderation": P(None, {"model": "omni-moderation-latest"}),
    "n": P(1),
    "parallel_tool_calls": P(True),
    "prediction": P(None, {"type": "content", "content": "Hello"}),
    "presence_penalty": P(0),
    "prompt_cache_key": P(CACHE_HINT),
    "prompt_cache_options": P({"mode": "implicit", "ttl": "30m"}, {"ttl": "12h"}, "prompt_cache_options.ttl"),
    "prompt_cache_retention": P("24h"),
    "reasoning_effort": P("none", "high"),  # the sandbox's model does not reason: "none" is what it does
    "response_format": P({"type": "text"}),
    "safety_identifier": P(END_USER),
    "seed": P(None),
    "service_tier": P("auto", "priority"),
    "stop": P(None),
    "store": P(False, True),
    "stream": P(False),
    "stream_options": P({"include_usage": False, "include_obfuscation": True}, needs={"stream": True}),
    "temperature": P(1),
    "tool_choice": P("auto", needs={"tools": [CHAT_TOOL]}),
    "tools": P(None, []),  # the platform refuses an empty list of tools in Chat Completions
    "top_logprobs": P(0, needs={"logprobs": True}),
    "top_p": P(1),
    "user": P(END_USER),
    "verbosity": P("medium", "low"),
    "web_search_options": P(None, {}),
}

RESPONSES = {
    "access_programs": P({"cyber": "standard"}, {"cyber": "daybreak_red"}, "access_programs.cyber"),
    "background": P(False),
    "background_options": P({"completion_window": "soonest", "continuation_id": CACHE_HINT},
                            {"completion_window": "8h"}, "background_options.completion_window"),
    "context_management": P([], [{"type": "compaction", "compact_threshold": 1000}]),
    "conversation": P(None, "conv_123"),
    "image": P({"context_compression": "auto"}, {"context_compression": "enabled"}, "image.context_compression"),
    "include": P([], ["reasoning.encrypted_content"]),
    "instructions": P(None),
    "max_output_tokens": P(None),
    "max_tool_calls": P(None),
    "metadata": P({}),
    "moderation": P(None, {"model": "omni-moderation-latest"}),
    "parallel_tool_calls": P(True),
    "previous_response_id": P(None),
    "prompt": P(None, {"id": "pmpt_123"}),
    "prompt_cache_key": P(CACHE_HINT),
    "prompt_cache_options": P({"mode": "implicit", "ttl": "30m", "prewarm": False, "comparison_response_id": None},
                              {"prewarm": True}, "prompt_cache_options.prewarm"),
    "prompt_cache_retention": P("24h"),
    "reasoning": P({"effort": "none", "summary": None, "generate_summary": None, "context": "auto",
                    "mode": "standard"}, {"mode": "pro"}, "reasoning.mode"),
    "safety_identifier": P(END_USER),
    "service_tier": P("auto", "flex"),
    "store": P(True),
    "stream": P(False),
    "stream_options": P({"include_obfuscation": True}, needs={"stream": True}),
    "temperature": P(1),
    "text": P({"format": {"type": "text"}, "verbosity": "medium"}, {"verbosity": "high"}, "text.verbosity"),
    "tool_choice": P("auto", needs={"tools": [RESPONSES_TOOL]}),
    "tools": P([]),
    "top_logprobs": P(0, 5),
    "top_p": P(1),
    "truncation": P("disabled", "auto"),
    "user": P(END_USER),
}

# What every request of the tests sends anyway.
BASE = {"chat": {"model", "messages"}, "responses": {"model", "input"}}
APIS = {"chat": (CHAT, ChatParams), "responses": (RESPONSES, ResponsesParams)}


def _keys(typed_dict) -> set[str]:
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


def _options_type(typed_dict, name: str):
    """The TypedDict a parameter takes, when it takes exactly one (an object of options), else None."""
    kind = typing.get_type_hints(typed_dict)[name]
    found = [a for a in typing.get_args(kind) or (kind,) if hasattr(a, "__optional_keys__")]
    return found[0] if len(found) == 1 else None


def send(box, api: str, params: dict):
    """One request through the official client; a stream is read to its end."""
    client = client_for(box)
    if api == "chat":
        result = client.chat.completions.create(model=box.engine.model_id, messages=[{"role": "user", "content": "Hi"}],
                                                **params)
    else:
        result = client.responses.create(model=box.engine.model_id, input="Hi", **params)
    return list(result) if params.get("stream") else result


# --- the tables are the SDK's parameters ----------------------------------------------------

@pytest.mark.parametrize("api", APIS)
def test_the_table_lists_every_parameter_of_the_sdk(api):
    table, params = APIS[api]
    sdk = _keys(params)
    assert sdk - BASE[api] - set(table) == set(), f"parameters of the SDK's {api} API missing from the table"
    assert set(table) - sdk == set(), f"parameters in the table that the SDK's {api} API no longer has"


@pytest.mark.parametrize("api, name", [(api, name) for api, (table, params) in APIS.items()
                                       for name, p in table.items()
                                       if isinstance(p.default, dict) and _options_type(params, name)])
def test_an_object_of_options_lists_every_option_of_the_sdk(api, name):
    table, params = APIS[api]
    assert set(table[name].default) == _keys(_options_type(params, name)), f"{api} {name}: list every option"


# --- defaults are accepted; other values the sandbox cannot honour are refused ---------------

@pytest.mark.parametrize("api, name", [(api, name) for api, (table, _) in APIS.items() for name in table])
def test_a_parameter_sent_with_its_default_is_accepted(scripted, api, name):
    p = APIS[api][0][name]
    result = send(scripted, api, {name: p.default, **p.needs})
    assert result and scripted.engine.history, "answered"


@pytest.mark.parametrize("api", APIS)
def test_every_default_at_once_is_accepted(scripted, api):
    """What a framework sends: many parameters, each at its default, in one request."""
    table = APIS[api][0]
    params = {name: p.default for name, p in table.items()}
    for p in table.values():
        params.update(p.needs)
    events = send(scripted, api, params)
    assert events and len(scripted.engine.history) == 1


@pytest.mark.parametrize("api, name", [(api, name) for api, (table, _) in APIS.items() for name, p in table.items()
                                       if p.refused is not None])
def test_a_value_the_sandbox_cannot_honour_is_a_400_naming_it(scripted, api, name):
    p = APIS[api][0][name]
    with pytest.raises(openai.BadRequestError) as caught:
        send(scripted, api, {name: p.refused, **p.needs})
    where = p.where or name
    assert caught.value.param == where and f"'{where}'" in caught.value.message
    assert caught.value.type == "invalid_request_error"
    assert not scripted.engine.history  # refused before anything ran
