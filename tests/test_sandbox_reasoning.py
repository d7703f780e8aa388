"""The sandbox's reasoning model, through the official SDK: it behaves on the wire as gpt-6-luna does.

It writes hidden reasoning tokens before the answer (more for a higher effort, none at "none"),
counts them in the usage, starts the Responses output with a reasoning item, never lets the
reasoning into the answer, refuses what the platform refuses, and ends with an empty answer
when the limit runs out while it thinks. Streaming, structured outputs, tools and batches work
with it as with the plain model.
"""

from __future__ import annotations

import json
import time

import openai
import pytest
from pydantic import BaseModel

from chatkit import reasoning
from chatkit.sandbox import reasoner
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import client_for

MODEL = reasoner.MODEL_ID
QUESTION = "What is 17 + 25?"
ASK = [{"role": "user", "content": QUESTION}]


def failure(call) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as caught:
        call()
    return caught.value


# --- what it writes, and what it bills -----------------------------------------------------

@pytest.mark.parametrize("effort", ["low", "medium"])
def test_responses_count_hidden_reasoning_as_output_and_return_a_reasoning_item(client, effort):
    reply = client.responses.create(model=MODEL, input=QUESTION, reasoning={"effort": effort})
    thought = reply.usage.output_tokens_details.reasoning_tokens
    assert thought == reasoner.THINKING[effort]
    assert reply.usage.output_tokens > thought  # the answer's tokens come on top
    assert [item.type for item in reply.output] == ["reasoning", "message"]
    assert reply.output[0].id.startswith("rs_") and reply.output[0].summary == []  # no summary unless asked
    assert reply.reasoning.effort == effort and reply.output_text.strip()


def test_more_effort_more_reasoning_tokens_none_at_none(client):
    spent = {e: client.responses.create(model=MODEL, input="Hi", reasoning={"effort": e}, max_output_tokens=300)
             .usage.output_tokens_details.reasoning_tokens for e in ("none", "low", "high")}
    assert spent["none"] == 0 < spent["low"] < spent["high"]


def test_the_default_effort_is_medium_as_on_gpt_6_luna(client):
    reply = client.responses.create(model=MODEL, input="Hi")
    assert reply.reasoning.effort == reasoning.default_effort(MODEL) == "medium"
    assert reply.usage.output_tokens_details.reasoning_tokens == reasoner.THINKING["medium"]


def test_at_effort_none_it_is_the_plain_model_and_takes_a_temperature(client):
    reply = client.responses.create(model=MODEL, input=QUESTION, reasoning={"effort": "none"}, temperature=0,
                                    max_output_tokens=30)
    plain = client.responses.create(model="smollm2-135m-instruct", input=QUESTION, temperature=0,
                                    max_output_tokens=30)
    assert [item.type for item in reply.output] == ["message"]
    assert reply.output_text == plain.output_text and reply.usage.output_tokens_details.reasoning_tokens == 0


def test_a_summary_when_asked_is_made_of_the_reasoning_and_the_answer_holds_none_of_it(sandbox, client):
    reply = client.responses.create(model=MODEL, input=QUESTION, reasoning={"effort": "low", "summary": "auto"})
    (summary,) = reply.output[0].summary
    assert summary.type == "summary_text" and summary.text.strip()
    assert reply.reasoning.summary == "auto"
    assert summary.text.rstrip(".")[:40] not in reply.output_text


def test_chat_completions_report_reasoning_tokens_and_return_only_the_answer(client):
    chat = client.chat.completions.create(model=MODEL, messages=ASK, reasoning_effort="low")
    details = chat.usage.completion_tokens_details
    assert details.reasoning_tokens == reasoner.THINKING["low"] < chat.usage.completion_tokens
    assert chat.choices[0].message.content.strip()


def test_the_reasoning_never_leaks_into_the_answer():
    """With a scripted model, the reasoning's words are known: none of them reach the answer or the stream."""
    base = ScriptedEngine()
    with Sandbox.start(engine=base, models=[reasoner.Reasoner(base, "scripted-reasoner")]) as box:
        client = client_for(box)
        base.enqueue("SECRET-THOUGHT carrots", "The answer.")
        reply = client.responses.create(model="scripted-reasoner", input="Hi", reasoning={"effort": "low"})
        base.enqueue("SECRET-THOUGHT carrots", "The answer.")
        chunks = list(client.chat.completions.create(model="scripted-reasoner", messages=[
            {"role": "user", "content": "Hi"}], reasoning_effort="low", stream=True))
    assert reply.output_text == "The answer." and "SECRET" not in json.dumps(reply.model_dump())
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == "The answer."
    assert reply.usage.output_tokens_details.reasoning_tokens == 2  # two scripted words of reasoning


# --- the classic pitfall: a limit too small for reasoning plus answer --------------------------

def test_a_limit_used_up_by_reasoning_ends_incomplete_with_no_answer(client):
    reply = client.responses.create(model=MODEL, input=QUESTION, max_output_tokens=50)  # medium thinks for 64
    assert (reply.status, reply.incomplete_details.reason) == ("incomplete", "max_output_tokens")
    assert reply.output_text == "" and [item.type for item in reply.output] == ["reasoning"]
    assert reply.usage.output_tokens == reply.usage.output_tokens_details.reasoning_tokens == 50


def test_the_same_pitfall_in_chat_completions(client):
    chat = client.chat.completions.create(model=MODEL, messages=ASK, max_completion_tokens=20)
    assert chat.choices[0].finish_reason == "length" and chat.choices[0].message.content == ""
    assert chat.usage.completion_tokens == chat.usage.completion_tokens_details.reasoning_tokens == 20


def test_a_limit_with_room_for_both_answers(client):
    reply = client.responses.create(model=MODEL, input=QUESTION, reasoning={"effort": "low"}, max_output_tokens=80)
    assert reply.output_text.strip() and reply.usage.output_tokens <= 80


# --- what the platform refuses -------------------------------------------------------------

@pytest.mark.parametrize("setting, code", [({"temperature": 0.7}, "unsupported_value"),
                                           ({"top_p": 0.5}, "unsupported_parameter"),
                                           ({"logprobs": True}, "unsupported_parameter"),
                                           ({"max_tokens": 40}, "unsupported_parameter")])
def test_chat_refuses_sampling_settings_and_max_tokens_as_the_platform_does(client, setting, code):
    error = failure(lambda: client.chat.completions.create(model=MODEL, messages=ASK, **setting))
    (param,) = setting
    assert (error.status_code, error.body["param"], error.body["code"]) == (400, param, code)


def test_the_temperature_error_quotes_the_value_as_sent(client):
    error = failure(lambda: client.chat.completions.create(model=MODEL, messages=ASK, temperature=0))
    assert error.body["message"] == ("Unsupported value: 'temperature' does not support 0 with this model. "
                                     "Only the default (1) value is supported.")


def test_the_default_temperature_passes_as_on_the_platform(client):
    chat = client.chat.completions.create(model=MODEL, messages=ASK, temperature=1, reasoning_effort="low",
                                          max_completion_tokens=60)
    assert chat.usage.completion_tokens_details.reasoning_tokens > 0


@pytest.mark.parametrize("setting", [{"temperature": 0.2}, {"top_p": 0.9}])
def test_responses_refuse_sampling_settings_at_any_effort_but_none(client, setting):
    error = failure(lambda: client.responses.create(model=MODEL, input="Hi", reasoning={"effort": "low"}, **setting))
    (param,) = setting
    assert error.status_code == 400 and error.body["param"] == param
    assert error.body["message"] == f"Unsupported parameter: '{param}' is not supported with this model."


def test_an_effort_the_model_lacks_and_an_effort_nobody_knows(client):
    chat = failure(lambda: client.chat.completions.create(model=MODEL, messages=ASK, reasoning_effort="minimal"))
    assert chat.body["message"] == ("Unsupported value: 'reasoning_effort' does not support 'minimal' with this "
                                    "model. Supported values are: 'none', 'low', 'medium', 'high', 'xhigh', and "
                                    "'max'.")
    resp = failure(lambda: client.responses.create(model=MODEL, input="Hi", reasoning={"effort": "minimal"}))
    assert (resp.body["param"], resp.body["code"]) == ("reasoning.effort", "unsupported_value")
    assert f"with the '{MODEL}' model" in resp.body["message"]
    odd = failure(lambda: client.responses.create(model=MODEL, input="Hi", reasoning={"effort": "banana"}))
    assert (odd.body["code"], odd.body["param"]) == ("invalid_value", "reasoning.effort")
    assert odd.body["message"].endswith("'xhigh', and 'max'.")


def test_the_plain_model_refuses_an_effort_and_names_the_reasoning_model(client):
    error = failure(lambda: client.chat.completions.create(model="smollm2-135m-instruct", messages=ASK,
                                                           reasoning_effort="high"))
    assert error.body["code"] == "unsupported_parameter" and MODEL in error.body["message"]


# --- streaming, structured outputs, tools, batches ---------------------------------------------

def test_a_responses_stream_sends_the_reasoning_item_first_then_the_answer(client):
    events = list(client.responses.create(model=MODEL, input=QUESTION, stream=True,
                                          reasoning={"effort": "low", "summary": "concise"}))
    kinds = [e.type for e in events]
    assert kinds.index("response.reasoning_summary_text.done") < kinds.index("response.output_text.delta")
    added = [e for e in events if e.type == "response.output_item.added"]
    assert [(e.output_index, e.item.type) for e in added] == [(0, "reasoning"), (1, "message")]
    final = events[-1].response
    assert events[-1].type == "response.completed" and final.usage.output_tokens_details.reasoning_tokens == 32
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == final.output_text


def test_the_sdks_stream_helper_and_a_streamed_chat_with_usage(client):
    with client.responses.stream(model=MODEL, input=QUESTION, reasoning={"effort": "low"}) as stream:
        final = stream.get_final_response()
    assert [item.type for item in final.output] == ["reasoning", "message"] and final.output_text
    chunks = list(client.chat.completions.create(model=MODEL, messages=ASK, reasoning_effort="low", stream=True,
                                                 stream_options={"include_usage": True}))
    assert chunks[-1].usage.completion_tokens_details.reasoning_tokens == 32


def test_a_stream_cut_short_while_thinking_ends_incomplete(client):
    events = list(client.responses.create(model=MODEL, input=QUESTION, stream=True, max_output_tokens=40))
    assert events[-1].type == "response.incomplete"
    assert not [e for e in events if e.type == "response.output_text.delta"]


class Sum(BaseModel):
    a: int
    b: int
    total: int


def test_structured_outputs_parse_after_reasoning(client):
    parsed = client.responses.parse(model=MODEL, input=QUESTION, text_format=Sum, reasoning={"effort": "low"})
    assert isinstance(parsed.output_parsed, Sum) and parsed.usage.output_tokens_details.reasoning_tokens == 32
    chat = client.chat.completions.parse(model=MODEL, messages=ASK, response_format=Sum, reasoning_effort="low")
    assert isinstance(chat.choices[0].message.parsed, Sum)


WEATHER = {"type": "function", "name": "get_weather", "description": "Get the current weather in a city.",
           "strict": True, "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                          "required": ["city"], "additionalProperties": False}}


def test_a_tool_call_comes_after_the_reasoning_item_and_the_result_is_answered(client):
    first = client.responses.create(model=MODEL, input="What is the weather in Paris?", tools=[WEATHER],
                                    tool_choice="required", reasoning={"effort": "low"})
    assert [item.type for item in first.output] == ["reasoning", "function_call"]
    call = first.output[1]
    follow = client.responses.create(model=MODEL, tools=[WEATHER], reasoning={"effort": "low"}, input=[
        {"role": "user", "content": "What is the weather in Paris?"}, *first.output,  # reasoning item sent back too
        {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21 °C"}])
    assert follow.output[-1].type == "message" and follow.output_text.strip()


def test_a_batch_of_reasoning_requests_reports_their_reasoning_tokens(client):
    lines = [{"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
              "body": {"model": MODEL, "messages": ASK, "reasoning_effort": "low", "max_completion_tokens": 60}}
             for i in range(2)]
    file = client.files.create(file=("in.jsonl", "\n".join(json.dumps(line) for line in lines).encode()),
                               purpose="batch")
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    for _ in range(600):
        batch = client.batches.retrieve(batch.id)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            break
        time.sleep(0.1)
    assert batch.status == "completed" and batch.request_counts.completed == 2
    assert batch.usage.output_tokens_details.reasoning_tokens == 64  # the batch sums its requests'
    for line in client.files.content(batch.output_file_id).text.splitlines():
        usage = json.loads(line)["response"]["body"]["usage"]
        assert usage["completion_tokens_details"]["reasoning_tokens"] == 32
