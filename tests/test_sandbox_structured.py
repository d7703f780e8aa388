"""Structured outputs and tool calls on the real model, through the official SDK's helpers.

The scenarios follow the openai-python repository's examples (parsing, parsing_stream,
parsing_tools, responses/structured_outputs, responses/streaming, streaming tools):
the same code runs against the sandbox, and the grammar makes even the tiny model's
output parse and match the schema every time.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import List, Literal, Union

import openai
import pytest
from pydantic import BaseModel

from support import client_for

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city.", "strict": True,
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"], "additionalProperties": False}}}
FLAT_WEATHER = {"type": "function", **WEATHER["function"]}  # the Responses API's shape
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Paris?"}]


class Step(BaseModel):
    explanation: str
    output: str


class MathResponse(BaseModel):
    steps: List[Step]
    final_answer: str


class Table(str, Enum):
    orders = "orders"
    customers = "customers"


class Condition(BaseModel):
    column: str
    operator: Literal["=", ">", "<"]
    value: Union[str, int]


class Query(BaseModel):
    table_name: Table
    columns: List[str]
    conditions: List[Condition]
    limit: Union[int, None]


@pytest.fixture
def model(sandbox):
    return sandbox.engine.model_id


# --- Chat Completions --------------------------------------------------------------

def test_parse_returns_a_nested_pydantic_object(client, model):
    completion = client.chat.completions.parse(
        model=model, temperature=0, response_format=MathResponse,
        messages=[{"role": "system", "content": "You are a helpful math tutor."},
                  {"role": "user", "content": "solve 8x + 31 = 2"}])
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, MathResponse) and parsed.steps and isinstance(parsed.steps[0], Step)


def test_parse_while_streaming(client, model):
    with client.chat.completions.stream(model=model, temperature=0, response_format=MathResponse,
                                        messages=[{"role": "user", "content": "solve 8x + 31 = 2"}]) as stream:
        deltas = [event.delta for event in stream if event.type == "content.delta"]
        final = stream.get_final_completion()
    assert len(deltas) > 1 and isinstance(final.choices[0].message.parsed, MathResponse)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sampled_json_still_matches_the_schema(client, model, seed):
    completion = client.chat.completions.parse(model=model, temperature=1.0, seed=seed, response_format=Query,
                                               messages=[{"role": "user", "content": "Find my recent orders."}])
    assert isinstance(completion.choices[0].message.parsed, Query)


def test_json_object_mode_gives_a_json_object(client, model):
    completion = client.chat.completions.create(
        model=model, temperature=0, max_tokens=200, response_format={"type": "json_object"},
        messages=[{"role": "user", "content": "Describe a cat as JSON."}])
    assert isinstance(json.loads(completion.choices[0].message.content), dict)


def test_a_strict_tool_with_enums_and_unions_yields_parsed_arguments(client, model):
    completion = client.chat.completions.parse(
        model=model, temperature=0, tools=[openai.pydantic_function_tool(Query)], tool_choice="required",
        messages=[{"role": "user", "content": "look up all my orders in May that were not delivered on time"}])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.function.name == "Query" and isinstance(call.function.parsed_arguments, Query)


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_tool_choice_forces_a_call(client, model, choice):
    completion = client.chat.completions.create(model=model, temperature=0, messages=ASK_WEATHER,
                                                tools=[WEATHER], tool_choice=choice)
    call = completion.choices[0].message.tool_calls[0]
    assert call.id.startswith("call_") and call.type == "function"
    assert set(json.loads(call.function.arguments)) == {"city"}


def test_tool_choice_none_answers_in_text(client, model):
    completion = client.chat.completions.create(model=model, temperature=0, max_tokens=20, messages=ASK_WEATHER,
                                                tools=[WEATHER], tool_choice="none")
    assert completion.choices[0].message.tool_calls is None and completion.choices[0].message.content


def test_the_follow_up_with_the_tool_result_is_answered(client, model):
    first = client.chat.completions.create(model=model, temperature=0, messages=ASK_WEATHER, tools=[WEATHER],
                                           tool_choice="required")
    message = first.choices[0].message
    messages = ASK_WEATHER + [message.model_dump(exclude_none=True),
                              {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "18°C, sunny"}]
    answer = client.chat.completions.create(model=model, temperature=0, max_tokens=30, messages=messages,
                                            tools=[WEATHER], tool_choice="none")
    assert answer.choices[0].message.content  # the tiny model's words vary; a real model reads the result


def test_tool_calls_stream_in_the_platforms_delta_shape(client, model):
    chunks = list(client.chat.completions.create(model=model, temperature=0, messages=ASK_WEATHER,
                                                 tools=[WEATHER], tool_choice="required", stream=True))
    calls = [d for c in chunks if c.choices and (d := c.choices[0].delta.tool_calls)]
    assert calls[0][0].id and calls[0][0].function.name == "get_weather"
    arguments = "".join(d[0].function.arguments or "" for d in calls)
    assert set(json.loads(arguments)) == {"city"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"


# --- Responses -----------------------------------------------------------------------

def test_responses_parse_with_text_format(client, model):
    response = client.responses.parse(model=model, temperature=0, input="solve 8x + 31 = 2",
                                      text_format=MathResponse)
    assert isinstance(response.output_parsed, MathResponse)
    assert response.text.format.type == "json_schema"


def test_responses_stream_with_text_format(client, model):
    with client.responses.stream(model=model, temperature=0, input="solve 8x + 31 = 2",
                                 text_format=MathResponse) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert "response.output_text.delta" in kinds and isinstance(final.output_parsed, MathResponse)


def test_responses_function_call_and_its_output(client, model):
    first = client.responses.create(model=model, temperature=0, input="What is the weather in Paris?",
                                    tools=[FLAT_WEATHER], tool_choice="required")
    (call,) = first.output
    assert call.type == "function_call" and call.name == "get_weather" and call.call_id.startswith("call_")
    result = {"type": "function_call_output", "call_id": call.call_id, "output": "18°C, sunny"}
    answer = client.responses.create(model=model, temperature=0, max_output_tokens=30, tools=[FLAT_WEATHER],
                                     tool_choice="none", input=ASK_WEATHER + [call, result])
    chained = client.responses.create(model=model, temperature=0, max_output_tokens=30, tools=[FLAT_WEATHER],
                                      tool_choice="none", previous_response_id=first.id, input=[result])
    assert answer.output_text and chained.output_text == answer.output_text  # the same history either way


def test_responses_stream_function_call_events(client, model):
    events = list(client.responses.create(model=model, temperature=0, input="What is the weather in Paris?",
                                          tools=[FLAT_WEATHER], tool_choice="required", stream=True))
    kinds = [e.type for e in events]
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert "response.function_call_arguments.delta" in kinds and kinds[-1] == "response.completed"
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert json.loads(done.arguments) == json.loads(events[-1].response.output[0].arguments)


def test_auto_calls_after_a_question_and_answers_after_the_result(client, model):
    first = client.chat.completions.create(model=model, temperature=0, messages=ASK_WEATHER, tools=[WEATHER])
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    result = {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "18°C, sunny"}
    second = client.chat.completions.create(model=model, temperature=0, max_tokens=30, tools=[WEATHER],
                                            messages=ASK_WEATHER + [message.model_dump(exclude_none=True), result])
    assert second.choices[0].message.tool_calls is None and second.choices[0].message.content


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_tool_result_reaches_the_model_as_a_note_under_the_question(scripted, api):
    """The tiny model repeats its own earlier call if shown it; it answers from a note under the question."""
    client = client_for(scripted)
    model, result = scripted.engine.model_id, '{"status": "shipped"}'
    if api == "chat":
        client.chat.completions.create(model=model, messages=[
            {"role": "user", "content": "Where is order 7?"},
            {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                                                  "function": {"name": "order_status", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": result}])
    else:
        client.responses.create(model=model, input=[
            {"role": "user", "content": "Where is order 7?"},
            {"type": "function_call", "call_id": "call_1", "name": "order_status", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": result}])
    seen = scripted.engine.history[-1]
    assert seen[-1] == {"role": "user", "content": f"Where is order 7?\n\n(Result of order_status: {result})"}
    assert all(m["role"] != "tool" and "tool_calls" not in m["content"] for m in seen)
