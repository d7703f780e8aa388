"""Issue 24: open schemas, cut-off forced calls, and no silent grammar failures.

Generation tests use the real model at temperature 0 (the scripted engine cannot follow a
grammar); the checks before and after generation use the scripted engine, whose replies
ignore the grammar just as a runtime that dropped it would.
"""

from __future__ import annotations

import json

import openai
import pytest

from chatkit.sandbox.structured import cut_calls
from support import client_for

# instructor's shape: properties and required, no additionalProperties, no strict.
OPEN_WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
FLAT_OPEN_WEATHER = {"type": "function", **OPEN_WEATHER["function"]}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
PERSON = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name", "age"], "additionalProperties": False}


@pytest.fixture
def model(sandbox):
    return sandbox.engine.model_id


def _grammars(engine, monkeypatch) -> list:
    seen, original = [], engine.generate

    def recording(prompt, sampling, cancel=None):
        seen.append(sampling.grammar)
        return original(prompt, sampling, cancel)

    monkeypatch.setattr(engine, "generate", recording)
    return seen


def _grammar_schema(grammar: str) -> dict:
    return json.loads(grammar.split("%json ", 1)[1].rsplit("\n", 1)[0].strip())


# --- 1. open schemas generate their declared properties only ---------------------------

def test_an_open_tool_schema_generates_only_its_declared_properties(sandbox, client, model, monkeypatch):
    grammars = _grammars(sandbox.engine, monkeypatch)
    completion = client.chat.completions.create(model=model, temperature=0, max_tokens=60, messages=ASK,
                                                tools=[OPEN_WEATHER], tool_choice="required")
    call = completion.choices[0].message.tool_calls[0]
    assert set(json.loads(call.function.arguments)) <= {"city"}
    arguments = _grammar_schema(grammars[-1])["properties"]["tool_calls"]["items"]["properties"]["arguments"]
    assert arguments["additionalProperties"] is False


@pytest.mark.parametrize("choice, most", [("required", 3),
                                          ({"type": "function", "function": {"name": "get_weather"}}, 1)])
def test_a_function_named_by_tool_choice_is_called_exactly_once(scripted, monkeypatch, choice, most):
    grammars = _grammars(scripted.engine, monkeypatch)
    client_for(scripted).chat.completions.create(model=scripted.engine.model_id, messages=ASK, tools=[OPEN_WEATHER],
                                                 tool_choice=choice)
    assert _grammar_schema(grammars[-1])["properties"]["tool_calls"]["maxItems"] == most


def test_a_schema_that_allows_extra_keys_keeps_allowing_them(scripted, monkeypatch):
    grammars = _grammars(scripted.engine, monkeypatch)
    scripted.engine.enqueue('{"a": "x", "b": "y"}')
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True}
    completion = client_for(scripted).chat.completions.create(
        model=scripted.engine.model_id, messages=ASK,
        response_format={"type": "json_schema", "json_schema": {"name": "open", "schema": schema}})
    assert json.loads(completion.choices[0].message.content) == {"a": "x", "b": "y"}
    assert _grammar_schema(grammars[-1])["additionalProperties"] is True


def test_the_request_echo_keeps_the_schema_as_sent(scripted):
    scripted.engine.enqueue('{"a": "x"}')
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    response = client_for(scripted).responses.create(
        model=scripted.engine.model_id, input="json please",
        text={"format": {"type": "json_schema", "name": "open", "schema": schema}})
    assert response.text.format.schema_ == schema


# --- 2. a cut-off forced call is a tool call ----------------------------------------------

@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_a_cut_off_forced_call_comes_back_as_a_tool_call(client, model, choice):
    completion = client.chat.completions.create(model=model, temperature=0, max_tokens=18, messages=ASK,
                                                tools=[OPEN_WEATHER], tool_choice=choice)
    choice = completion.choices[0]
    assert choice.finish_reason == "length" and choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather" and call.function.arguments.startswith("{")
    assert "tool_calls" not in call.function.arguments


def test_a_cut_off_forced_call_streams_as_tool_call_deltas(client, model):
    chunks = list(client.chat.completions.create(model=model, temperature=0, max_tokens=18, messages=ASK,
                                                 tools=[OPEN_WEATHER], tool_choice="required", stream=True))
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    assert not any(d.content for d in deltas)
    calls = [d.tool_calls[0] for d in deltas if d.tool_calls]
    assert calls[0].function.name == "get_weather"
    assert "".join(c.function.arguments or "" for c in calls).startswith("{")
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"


def test_a_cut_off_forced_call_is_an_incomplete_function_call_item(client, model):
    response = client.responses.create(model=model, temperature=0, max_output_tokens=18, input="Weather in Paris?",
                                       tools=[FLAT_OPEN_WEATHER], tool_choice="required")
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    (item,) = response.output
    assert item.type == "function_call" and item.status == "incomplete" and item.name == "get_weather"
    assert item.arguments.startswith("{") and "tool_calls" not in item.arguments


def test_a_cut_off_forced_call_streams_as_function_call_events(client, model):
    events = list(client.responses.create(model=model, temperature=0, max_output_tokens=18, input="Weather in Paris?",
                                          tools=[FLAT_OPEN_WEATHER], tool_choice="required", stream=True))
    kinds = [e.type for e in events]
    assert "response.output_text.delta" not in kinds and kinds[-1] == "response.incomplete"
    done = next(e for e in events if e.type == "response.output_item.done")
    assert done.item.type == "function_call" and done.item.status == "incomplete"


# --- 3. no silent grammar failures ----------------------------------------------------------

@pytest.mark.parametrize("schema, feature", [
    ({"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^x": {}}},
     "patternProperties"),
    ({"type": "object", "properties": {"a": {"$ref": "#/properties/b"}, "b": {"type": "string"}}}, "$ref"),
    ({"type": "object", "properties": {"a": {"type": "string", "not": {"const": "x"}}}}, "not"),
])
def test_a_schema_the_sandbox_cannot_enforce_is_refused_naming_the_feature(scripted, schema, feature):
    client = client_for(scripted)
    with pytest.raises(openai.BadRequestError) as chat:
        client.chat.completions.create(model=scripted.engine.model_id, messages=ASK, response_format={
            "type": "json_schema", "json_schema": {"name": "x", "schema": schema}})
    tool = {"type": "function", "name": "f", "parameters": schema}
    with pytest.raises(openai.BadRequestError) as responses:
        client.responses.create(model=scripted.engine.model_id, input="hi", tools=[tool])
    for error in (chat.value, responses.value):
        assert error.code == "unsupported_schema" and feature in error.message
    assert not scripted.engine.history  # refused before anything ran


@pytest.mark.parametrize("reply", ["OK", '{"name": "Ann"}', '{"name": "Ann", "age": "old"}',
                                   '{"name": "Ann", "age": 3, "x": 1}'])
def test_an_answer_that_breaks_its_schema_is_an_error_not_a_reply(scripted, reply, caplog):
    scripted.engine.enqueue(reply)
    with pytest.raises(openai.APIStatusError) as caught:
        client_for(scripted).chat.completions.create(model=scripted.engine.model_id, messages=ASK, response_format={
            "type": "json_schema", "json_schema": {"name": "person", "schema": PERSON, "strict": True}})
    assert caught.value.status_code == 422 and caught.value.code == "schema_violation"
    assert "person" in caught.value.message
    assert any("schema" in r.getMessage() for r in caplog.records)


def test_tool_arguments_that_break_the_schema_are_an_error(scripted):
    scripted.engine.enqueue('{"tool_calls": [{"name": "get_weather", "arguments": {"town": 3}}]}')
    with pytest.raises(openai.APIStatusError) as caught:
        client_for(scripted).responses.create(model=scripted.engine.model_id, input="hi", tools=[FLAT_OPEN_WEATHER],
                                              tool_choice="required")
    assert caught.value.status_code == 422 and caught.value.code == "schema_violation"


def test_a_streamed_answer_that_breaks_its_schema_ends_with_an_error(scripted):
    scripted.engine.enqueue("OK")
    with pytest.raises(openai.APIError) as caught:
        list(client_for(scripted).chat.completions.create(
            model=scripted.engine.model_id, messages=ASK, stream=True, response_format={
                "type": "json_schema", "json_schema": {"name": "person", "schema": PERSON}}))
    assert "person" in caught.value.message


def test_a_streamed_response_that_breaks_its_schema_ends_failed(scripted):
    scripted.engine.enqueue("OK")
    events = list(client_for(scripted).responses.create(
        model=scripted.engine.model_id, input="json please", stream=True,
        text={"format": {"type": "json_schema", "name": "person", "schema": PERSON}}))
    assert events[-1].type == "response.failed" and events[-1].response.error.code == "schema_violation"
    assert "response.output_text.done" not in [e.type for e in events]


# Older pydantic versions wrap a described reference in an allOf of one: the same values match it.
PET = {"type": "object", "properties": {"kind": {"enum": ["cat", "dog"]}}, "required": ["kind"],
       "additionalProperties": False}
OWNER = {"type": "object", "$defs": {"Pet": PET}, "required": ["pet"], "additionalProperties": False,
         "properties": {"pet": {"allOf": [{"$ref": "#/$defs/Pet"}], "description": "The owner's pet."}}}


@pytest.mark.parametrize("strict", [True, None])
def test_an_all_of_around_one_ref_is_inlined_and_enforced(scripted, monkeypatch, strict):
    grammars = _grammars(scripted.engine, monkeypatch)
    client = client_for(scripted)
    fmt = {"type": "json_schema", "json_schema": {"name": "owner", "schema": OWNER, "strict": strict}}
    ask = dict(model=scripted.engine.model_id, messages=ASK, response_format=fmt)
    assert json.loads(client.chat.completions.create(**ask).choices[0].message.content) == {"pet": {"kind": "cat"}}
    assert _grammar_schema(grammars[-1])["properties"]["pet"] == {"$ref": "#/$defs/Pet",
                                                                   "description": "The owner's pet."}
    scripted.engine.enqueue('{"pet": {"kind": "fish"}}')
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(**ask)
    assert caught.value.code == "schema_violation" and "$.pet.kind" in caught.value.message


def test_a_tool_whose_schema_has_an_all_of_around_one_ref_is_called_with_it(scripted, monkeypatch):
    grammars = _grammars(scripted.engine, monkeypatch)
    tool = {"type": "function", "name": "adopt", "parameters": OWNER}
    response = client_for(scripted).responses.create(model=scripted.engine.model_id, input="hi", tools=[tool],
                                                     tool_choice="required")
    assert json.loads(response.output[0].arguments) == {"pet": {"kind": "cat"}}
    assert "allOf" not in grammars[-1]


def test_the_real_model_answers_an_all_of_around_one_ref(client, model):
    completion = client.chat.completions.create(model=model, temperature=0, max_tokens=30, messages=[
        {"role": "user", "content": "Which pet do you have?"}], response_format={
        "type": "json_schema", "json_schema": {"name": "owner", "schema": OWNER, "strict": True}})
    assert json.loads(completion.choices[0].message.content)["pet"]["kind"] in ("cat", "dog")


def test_an_all_of_of_several_schemas_is_still_refused(scripted):
    schema = {**OWNER, "properties": {"pet": {"allOf": [{"$ref": "#/$defs/Pet"}, {"required": ["kind"]}]}}}
    with pytest.raises(openai.BadRequestError) as caught:
        client_for(scripted).chat.completions.create(model=scripted.engine.model_id, messages=ASK, response_format={
            "type": "json_schema", "json_schema": {"name": "owner", "schema": schema}})
    assert caught.value.code == "unsupported_schema" and "allOf" in caught.value.message


def test_calls_cut_inside_a_later_call_keep_the_complete_ones():
    tools = [{"name": "get_weather"}, {"name": "get_time"}]
    text = ('{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}, '
            '{"name": "get_time", "arguments": {"zo')
    first, second = cut_calls(text, tools)
    assert (first["name"], first["arguments"], first.get("status")) == ("get_weather", '{"city": "Paris"}', None)
    assert (second["name"], second["arguments"], second["status"]) == ("get_time", '{"zo', "incomplete")
    (only,) = cut_calls('{"tool_calls": [{"name": "get_ti', tools)
    assert (only["name"], only["arguments"]) == ("get_time", "")
