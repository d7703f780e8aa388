"""Background responses, input token counts, and what the sandbox refuses to pretend.

Background: the request returns at once with status "queued"; the response can be polled,
its stream resumed after a sequence number, and cancelled. A parameter the sandbox cannot
honour is refused with a 400 that says so, never silently ignored.
"""

from __future__ import annotations

import json
import time

import openai
import pytest

WEATHER = {"type": "function", "name": "get_weather", "strict": True,
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"], "additionalProperties": False}}


@pytest.fixture
def model(sandbox):
    return sandbox.engine.model_id


def wait_until_done(client, response, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while response.status in ("queued", "in_progress"):
        assert time.monotonic() < deadline, f"still {response.status} after {seconds} s"
        time.sleep(0.1)
        response = client.responses.retrieve(response.id)
    return response


def test_a_background_response_is_queued_then_polled_to_completion(client, model):
    queued = client.responses.create(model=model, input="Say hi.", background=True, max_output_tokens=16)
    assert queued.status == "queued" and queued.background
    done = wait_until_done(client, queued)
    assert done.status in ("completed", "incomplete") and done.output_text and done.usage.output_tokens > 0


def test_cancelling_a_background_response_stops_the_model(scripted, monkeypatch):
    # A scripted answer a word every 20 ms: still running when the cancel arrives, whatever a
    # sampled story's length would have been (a real model sometimes ends a "long" story in 0.3 s).
    monkeypatch.setattr(scripted.engine, "delay", 0.02)
    scripted.engine.enqueue("word " * 500)
    client = openai.OpenAI(api_key=scripted.key, base_url=scripted.base_url, max_retries=0)
    model = scripted.engine.model_id
    running = client.responses.create(model=model, input="Tell me a very long story.", background=True,
                                      max_output_tokens=1500)
    with client.responses.retrieve(running.id, stream=True) as stream:
        next(e for e in stream if e.type == "response.output_text.delta")  # the model is writing
    cancelled = client.responses.cancel(running.id)
    assert cancelled.status == "cancelled"
    assert client.responses.retrieve(running.id).status == "cancelled"
    with client.responses.retrieve(running.id, stream=True) as stream:  # every event, replayed to the end
        words = sum(e.type == "response.output_text.delta" for e in stream)
    assert 1 <= words < 500  # the model stopped mid-story: the stream ended without the rest
    monkeypatch.setattr(scripted.engine, "delay", 0.0)
    assert client.responses.create(model=model, input="Hi", max_output_tokens=16).output_text == "OK"  # free again


def test_a_background_stream_can_be_resumed_after_a_sequence_number(client, model):
    with client.responses.create(model=model, input="Tell me a story.", background=True, stream=True,
                                 max_output_tokens=40) as stream:
        first = []
        for event in stream:
            first.append(event)
            if event.sequence_number == 5:
                break
    rid = first[0].response.id
    assert [e.type for e in first[:3]] == ["response.created", "response.queued", "response.in_progress"]
    with client.responses.retrieve(rid, stream=True, starting_after=5) as stream:
        rest = list(stream)
    assert rest[0].sequence_number == 6 and rest[-1].type in ("response.completed", "response.incomplete")
    deltas = [e.delta for e in first + rest if e.type == "response.output_text.delta"]
    assert "".join(deltas) == client.responses.retrieve(rid).output_text


def test_background_needs_store(client, model):
    with pytest.raises(openai.BadRequestError) as error:
        client.responses.create(model=model, input="Hi", background=True, store=False)
    assert error.value.param == "background"


def test_only_background_responses_can_be_cancelled(client, model):
    done = client.responses.create(model=model, input="Hi", max_output_tokens=16)
    with pytest.raises(openai.BadRequestError, match="background=true"):
        client.responses.cancel(done.id)


def test_input_tokens_counts_what_create_would_bill(client, model):
    request = dict(model=model, input="What is the weather in Paris?", instructions="Be brief.", tools=[WEATHER])
    counted = client.responses.input_tokens.count(**request)
    billed = client.responses.create(**request, tool_choice="required")
    assert counted.input_tokens == billed.usage.input_tokens > 0


# --- refused, never silently ignored -----------------------------------------------

@pytest.mark.parametrize("params, param", [
    ({"reasoning_effort": "low"}, "reasoning_effort"),
    ({"modalities": ["text", "audio"]}, "modalities"),
    ({"functions": [{"name": "f"}]}, "functions"),
])
def test_chat_parameters_the_sandbox_cannot_honour(client, model, params, param):
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}], **params)
    assert error.value.param == param and "not supported" in error.value.message


def test_an_unknown_parameter_is_refused_by_name(client, model):
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument supplied: temprature"):
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}],
                                       extra_body={"temprature": 0})
    with pytest.raises(openai.BadRequestError, match="Unknown parameter: 'temprature'"):
        client.responses.create(model=model, input="Hi", extra_body={"temprature": 0})


def test_metadata_parameters_are_accepted(client, model):
    reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}], max_tokens=2,
                                           user="learner-1", metadata={"lesson": "03"}, store=False)
    assert reply.choices


@pytest.mark.parametrize("tool", ["web_search", "file_search", "code_interpreter"])
def test_hosted_tools_are_refused_with_what_to_do(client, model, tool):
    with pytest.raises(openai.BadRequestError) as error:
        client.responses.create(model=model, input="Hi", tools=[{"type": tool}])
    assert error.value.param == "tools[0].type" and "function tool" in error.value.message


def test_a_strict_schema_that_breaks_the_rules_gets_the_platforms_400(client, model):
    loose = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
             "required": ["a"], "additionalProperties": False}
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}],
                                       response_format={"type": "json_schema", "json_schema": {
                                           "name": "Loose", "strict": True, "schema": loose}})
    assert error.value.param == "response_format"
    assert "Invalid schema for response_format 'Loose'" in error.value.message and "Missing 'b'" in error.value.message
    with pytest.raises(openai.BadRequestError, match="function 'get_weather'.*additionalProperties"):
        client.responses.create(model=model, input="Hi", tools=[{**WEATHER, "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}])


def test_a_tool_without_strict_is_strict_where_possible_and_otherwise_called_loosely(client, model):
    """LangChain's bind_tools sends no 'strict' and no additionalProperties: the platform calls it, not a 400."""
    loose = {k: v for k, v in WEATHER.items() if k != "strict"}
    loose["parameters"] = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    reply = client.responses.create(model=model, input="What is the weather in Paris?", tools=[loose],
                                    tool_choice="required", temperature=0, max_output_tokens=200)
    (call,) = [item for item in reply.output if item.type == "function_call"]
    assert call.name == "get_weather" and isinstance(json.loads(call.arguments), dict)


def test_reasoning_effort_none_is_accepted_as_what_the_sandbox_does(client, model):
    """GPT-6 models take temperature only with reasoning off; the same code runs on the sandbox."""
    chat = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}], max_tokens=2,
                                          temperature=0, reasoning_effort="none")
    response = client.responses.create(model=model, input="Hi", max_output_tokens=16, temperature=0,
                                       reasoning={"effort": "none"})
    assert chat.choices and response.reasoning.effort == "none"
    with pytest.raises(openai.BadRequestError, match="does not reason.*smollm2-135m-reasoning"):
        client.responses.create(model=model, input="Hi", reasoning={"effort": "low"})
