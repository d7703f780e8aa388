"""A real thinking model (Qwen3) through the reasoning API the sandbox imitates (chatkit/sandbox/thinker.py).

No thinking model can be downloaded here, so a scripted engine writes what Qwen3 writes: the
reasoning between <think> and </think>, then the answer, in one stream (as one word per token,
or as given pieces, a tag cut across two). Through the official SDK, the reasoning must count
in the usage and never reach the answer, and the effort must reach the model's own switch.
"""

from __future__ import annotations

import json
import re

import jinja2.sandbox
import openai
import pytest
from pydantic import BaseModel

from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from chatkit.sandbox.thinker import SAMPLING, Thinker
from support import client_for

MODEL, STUBBORN = "qwen3-scripted", "always-thinks"  # the second has no switch: it cannot stop thinking
ASK = [{"role": "user", "content": "What is 17 + 25?"}]
# What Qwen3 writes in thinking mode: its reasoning inside the block, a blank line, then the answer.
THOUGHT = ("<think>\nOkay, the user is asking what 17 plus 25 is. Let me add them. 17 plus 20 is 37, and 5 more "
           "makes 42.\n</think>\n\n")
ANSWER = "17 + 25 = **42**."
THOUGHT_TOKENS = len(re.findall(r"\S+\s*", THOUGHT))  # the scripted engine's tokens: one per word
# The same, as a stream whose chunks cut both tags in two.
SPLIT = ["<thi", "nk>\nOkay, 17 + 20 is 37", ", plus 5 is 42.\n</", "think>", "\n", "\n17 + 25", " = 42."]


class Recording(ScriptedEngine):
    """The scripted engine, remembering how each generation was asked to sample."""

    def __init__(self) -> None:
        super().__init__()
        self.samplings = []

    def generate(self, prompt, sampling, cancel=None):
        self.samplings.append(sampling)
        return super().generate(prompt, sampling, cancel)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    base = Recording()
    thinkers = [Thinker(base, "enable_thinking", MODEL), Thinker(base, None, STUBBORN)]
    with Sandbox.start(engine=base, models=thinkers, data_dir=tmp_path_factory.mktemp("thinking")) as box:
        yield box


@pytest.fixture
def base(box):
    box.engine.queue.clear()
    box.engine.variables.clear()
    box.engine.samplings.clear()
    return box.engine


@pytest.fixture
def client(box):
    return client_for(box)


def failure(call) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as caught:
        call()
    return caught.value


# --- the block is reasoning, the rest the answer ---------------------------------------------

def test_chat_returns_the_answer_and_counts_the_block_as_reasoning(client, base):
    base.enqueue(THOUGHT + ANSWER)
    chat = client.chat.completions.create(model=MODEL, messages=ASK)
    assert chat.choices[0].message.content == ANSWER and chat.choices[0].finish_reason == "stop"
    details = chat.usage.completion_tokens_details
    assert details.reasoning_tokens == THOUGHT_TOKENS
    assert chat.usage.completion_tokens == THOUGHT_TOKENS + len(ANSWER.split())


def test_responses_start_with_a_reasoning_item_summarised_from_the_block(client, base):
    base.enqueue(THOUGHT + ANSWER)
    reply = client.responses.create(model=MODEL, input="What is 17 + 25?",
                                    reasoning={"effort": "high", "summary": "concise"})
    assert [item.type for item in reply.output] == ["reasoning", "message"]
    assert reply.output[0].summary[0].text == "Okay, the user is asking what 17 plus 25 is."
    assert reply.output_text == ANSWER and reply.reasoning.effort == "high"
    assert reply.usage.output_tokens_details.reasoning_tokens == THOUGHT_TOKENS


def test_a_streamed_chat_never_shows_a_tag_cut_across_chunks(client, base):
    base.enqueue(SPLIT)
    chunks = list(client.chat.completions.create(model=MODEL, messages=ASK, stream=True,
                                                 stream_options={"include_usage": True}))
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert "".join(deltas) == "17 + 25 = 42."
    assert not [d for d in deltas if "<" in d or ">" in d or "Okay" in d]
    assert chunks[-1].usage.completion_tokens_details.reasoning_tokens == 5  # up to the blank line after </think>
    assert chunks[-1].usage.completion_tokens == len(SPLIT)


def test_a_streamed_response_sends_no_reasoning_text(client, base):
    base.enqueue(SPLIT)
    events = list(client.responses.create(model=MODEL, input="What is 17 + 25?", stream=True))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "17 + 25 = 42."
    assert "Okay" not in json.dumps([e.model_dump() for e in events]) and "think>" not in json.dumps(
        [e.model_dump() for e in events])
    final = events[-1].response
    assert events[-1].type == "response.completed" and final.output_text == "17 + 25 = 42."
    assert [item.type for item in final.output] == ["reasoning", "message"]


def test_an_answer_without_a_block_is_all_answer(client, base):
    base.enqueue(["\n", "Hi", " there."])  # a blank first chunk is held until the next says there is no tag
    chat = client.chat.completions.create(model=MODEL, messages=ASK)
    assert chat.choices[0].message.content == "\nHi there."
    assert chat.usage.completion_tokens_details.reasoning_tokens == 0


# --- a limit that runs out inside the block -----------------------------------------------------

def test_a_chat_cut_while_thinking_ends_with_length_and_no_text(client, base):
    base.enqueue(THOUGHT + ANSWER)
    chat = client.chat.completions.create(model=MODEL, messages=ASK, max_completion_tokens=3)
    assert chat.choices[0].finish_reason == "length" and chat.choices[0].message.content == ""
    assert chat.usage.completion_tokens == chat.usage.completion_tokens_details.reasoning_tokens == 3


def test_a_stream_cut_inside_the_closing_tag_leaks_no_part_of_it(client, base):
    base.enqueue(SPLIT)
    chunks = list(client.chat.completions.create(model=MODEL, messages=ASK, stream=True, max_completion_tokens=3))
    assert not [c for c in chunks if c.choices and c.choices[0].delta.content]  # "</" was held, then hidden
    assert chunks[-1].choices[0].finish_reason == "length"


def test_a_response_cut_while_thinking_is_incomplete_with_only_the_reasoning_item(client, base):
    base.enqueue(THOUGHT + ANSWER)
    reply = client.responses.create(model=MODEL, input="What is 17 + 25?", max_output_tokens=16)
    assert (reply.status, reply.incomplete_details.reason) == ("incomplete", "max_output_tokens")
    assert [item.type for item in reply.output] == ["reasoning"] and reply.output_text == ""
    assert reply.usage.output_tokens == reply.usage.output_tokens_details.reasoning_tokens == 16
    base.enqueue(THOUGHT + ANSWER)
    events = list(client.responses.create(model=MODEL, input="Hi", max_output_tokens=16, stream=True))
    assert events[-1].type == "response.incomplete"
    assert not [e for e in events if e.type == "response.output_text.delta"]


# --- effort: the model's own switch ---------------------------------------------------------------

@pytest.mark.parametrize("effort, thinking", [("none", False), ("minimal", False), ("low", True), ("max", True)])
def test_the_effort_sets_the_chat_templates_switch(client, base, effort, thinking):
    client.chat.completions.create(model=MODEL, messages=ASK, reasoning_effort=effort)
    assert base.variables[-1] == {"enable_thinking": thinking}


def test_the_default_effort_thinks(client, base):
    reply = client.responses.create(model=MODEL, input="Hi")
    assert reply.reasoning.effort == "medium" and base.variables[-1] == {"enable_thinking": True}


def test_thinking_samples_as_qwen_recommends_and_effort_none_as_asked(client, base):
    client.chat.completions.create(model=MODEL, messages=ASK, reasoning_effort="low")
    assert (base.samplings[-1].temperature, base.samplings[-1].top_p) == (SAMPLING["temperature"], SAMPLING["top_p"])
    reply = client.responses.create(model=MODEL, input="Hi", reasoning={"effort": "none"}, temperature=0.2)
    assert base.samplings[-1].temperature == 0.2
    assert [item.type for item in reply.output] == ["message"]


def test_sampling_settings_are_refused_while_it_thinks(client):
    error = failure(lambda: client.chat.completions.create(model=MODEL, messages=ASK, temperature=0.2))
    assert (error.status_code, error.body["param"], error.body["code"]) == (400, "temperature", "unsupported_value")


def test_a_model_without_a_switch_refuses_the_efforts_that_turn_thinking_off(client, base):
    for effort in ("none", "minimal"):
        error = failure(lambda e=effort: client.responses.create(model=STUBBORN, input="Hi",
                                                                 reasoning={"effort": e}))
        assert (error.status_code, error.body["code"], error.body["param"]) == (400, "unsupported_value",
                                                                               "reasoning.effort")
        assert error.body["message"].endswith("'low', 'medium', 'high', 'xhigh', and 'max'.")
    assert client.responses.create(model=STUBBORN, input="Hi", reasoning={"effort": "low"}).status == "completed"
    assert base.variables[-1] == {}  # no switch to set


# --- structured outputs and tools: think first, then answer under the grammar ------------------------

class Sum(BaseModel):
    a: int
    b: int
    total: int


def test_a_structured_output_comes_after_the_thinking(client, base):
    base.enqueue("Add 17 and 25.\n", '{"a": 17, "b": 25, "total": 42}')
    parsed = client.responses.parse(model=MODEL, input="What is 17 + 25?", text_format=Sum,
                                    reasoning={"effort": "low"})
    assert parsed.output_parsed == Sum(a=17, b=25, total=42)
    assert [item.type for item in parsed.output] == ["reasoning", "message"]
    assert parsed.usage.output_tokens_details.reasoning_tokens == 4
    assert base.samplings[-2].grammar is None and base.samplings[-1].grammar  # free to think, then held to JSON


WEATHER = {"type": "function", "name": "get_weather", "description": "Get the current weather in a city.",
           "strict": True, "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                          "required": ["city"], "additionalProperties": False}}


def test_a_tool_call_comes_after_the_thinking(client, base):
    base.enqueue("The user wants the weather in Paris.\n")
    reply = client.responses.create(model=MODEL, input="Weather in Paris?", tools=[WEATHER], tool_choice="required")
    assert [item.type for item in reply.output] == ["reasoning", "function_call"]
    assert reply.usage.output_tokens_details.reasoning_tokens == 7


def test_a_batch_answers_without_the_thinking_and_counts_it(client, base):
    from test_sandbox_batches import chat_line, results, submit, wait

    base.enqueue(THOUGHT + ANSWER)
    done = wait(client, submit(client, [chat_line("q", MODEL, "What is 17 + 25?", reasoning_effort="high")]))
    body = results(client, done.output_file_id)["q"]["response"]["body"]
    assert body["choices"][0]["message"]["content"] == ANSWER
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == THOUGHT_TOKENS


# --- the switch reaches the template ------------------------------------------------------------------

# The end of Qwen3's chat template (Qwen/Qwen3-8B tokenizer_config.json, checked 2026-12-06): with
# enable_thinking false it writes an empty block where the answer starts.
QWEN3_TAIL = ("{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}"
              "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
              "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
              "{%- endif %}{%- endif %}")


def test_the_real_engine_hands_the_switch_to_the_chat_template(sandbox, monkeypatch):
    engine = sandbox.engine
    monkeypatch.setattr(engine, "_template", jinja2.sandbox.ImmutableSandboxedEnvironment().from_string(QWEN3_TAIL))
    off = engine.detokenize(engine.render(ASK, enable_thinking=False))
    on = engine.detokenize(engine.render(ASK, enable_thinking=True))
    assert off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n") and on.endswith("<|im_start|>assistant\n")
