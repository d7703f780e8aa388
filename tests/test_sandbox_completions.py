"""The legacy Completions endpoint, through the official client's ``client.completions.create``.

Plumbing runs on the scripted engine; a few checks use the real model with a handful of tokens.
"""

from __future__ import annotations

import openai
import pytest

from support import client_for

# A quick-start prompt of the GPT-3 days: the chat is one string, and the model writes the next line.
GUIDE = ("The following is a conversation with an AI assistant.\n\n"
         "User: Hello, who are you?\nAI: I am an AI assistant. How can I help?\n"
         "User: What is the capital of France?\nAI:")
STORY = "Once upon a time, in a land far away,"


def complete(box, key: str | None = None, **params):
    """One legacy completion; greedy unless told otherwise."""
    params.setdefault("model", box.engine.model_id)
    params.setdefault("prompt", STORY)
    params.setdefault("temperature", 0)
    return client_for(box, key).completions.create(**params)


def joined(chunks) -> str:
    return "".join(c.choices[0].text for c in chunks if c.choices)


# --- the real model ------------------------------------------------------------------

def test_the_guides_transcript_prompt_gets_the_next_ai_line(sandbox):
    reply = complete(sandbox, prompt=GUIDE, max_tokens=30, stop=["User:"])
    assert reply.object == "text_completion"
    assert reply.id.startswith("cmpl-")
    assert reply.model == sandbox.engine.model_id
    (choice,) = reply.choices
    assert choice.text.strip() and "User:" not in choice.text
    assert choice.finish_reason == "stop"  # it started the next "User:" line: stopped before it
    assert choice.logprobs is None
    assert reply.usage.prompt_tokens == len(sandbox.engine.tokenize(GUIDE))  # plain text, no chat template
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_max_tokens_defaults_to_16(sandbox):
    reply = complete(sandbox, prompt=STORY)
    assert reply.usage.completion_tokens == 16
    assert reply.choices[0].finish_reason == "length"


def test_streamed_text_equals_the_non_streamed_text(sandbox):
    whole = complete(sandbox, max_tokens=8)
    chunks = list(complete(sandbox, max_tokens=8, stream=True, stream_options={"include_usage": True}))
    *body, last = chunks
    assert joined(chunks) == whole.choices[0].text
    assert {c.object for c in chunks} == {"text_completion"} and len({c.id for c in chunks}) == 1
    assert body[-1].choices[0].finish_reason == "length"
    assert all(c.choices[0].finish_reason is None for c in body[:-1])
    assert last.choices == [] and last.usage.completion_tokens == 8
    assert last.usage.prompt_tokens == whole.usage.prompt_tokens


def test_logprobs_have_the_legacy_shape(sandbox):
    reply = complete(sandbox, max_tokens=5, logprobs=2)
    text, lp = reply.choices[0].text, reply.choices[0].logprobs
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == len(lp.text_offset) == 5
    assert "".join(lp.tokens) == text
    # Offsets count from the start of the prompt, as if the completion followed it.
    assert lp.text_offset == [len(STORY) + len("".join(lp.tokens[:i])) for i in range(5)]
    for token, logprob, top in zip(lp.tokens, lp.token_logprobs, lp.top_logprobs, strict=True):
        assert 2 <= len(top) <= 3  # the 2 most likely, and the sampled token if it is not among them
        assert logprob <= 0 and top[token] == pytest.approx(logprob)
        assert max(top, key=top.get) == token  # greedy picks the most likely token


def test_streamed_logprobs_match_the_non_streamed_ones(sandbox):
    whole = complete(sandbox, max_tokens=4, logprobs=1).choices[0].logprobs
    parts = [c.choices[0].logprobs for c in complete(sandbox, max_tokens=4, logprobs=1, stream=True)
             if c.choices[0].logprobs]
    assert [t for p in parts for t in p.tokens] == whole.tokens
    assert [o for p in parts for o in p.text_offset] == whole.text_offset


def test_an_empty_prompt_starts_a_new_document(sandbox):
    reply = complete(sandbox, prompt="", max_tokens=2)
    assert reply.usage.prompt_tokens == 1 and reply.usage.completion_tokens == 2


def test_prompt_and_max_tokens_must_fit_the_context_window(sandbox):
    with pytest.raises(openai.BadRequestError) as caught:
        complete(sandbox, max_tokens=2040)
    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "prompt"
    assert "maximum context length is 2048 tokens" in caught.value.message


# --- plumbing, on the scripted engine ---------------------------------------------------

def test_echo_puts_the_prompt_before_the_completion(scripted):
    scripted.engine.enqueue("world", "again")
    assert complete(scripted, prompt="Hello ", echo=True).choices[0].text == "Hello world"
    assert joined(complete(scripted, prompt="Hello ", echo=True, stream=True)) == "Hello again"


def test_a_list_with_one_prompt_is_that_prompt(scripted):
    scripted.engine.enqueue("fine")
    assert complete(scripted, prompt=["How are you?"]).choices[0].text == "fine"


def test_n_gives_that_many_choices(scripted):
    scripted.engine.enqueue("a b", "c d e")
    reply = complete(scripted, n=2)
    assert [(c.index, c.text, c.finish_reason) for c in reply.choices] == [(0, "a b", "stop"), (1, "c d e", "stop")]
    assert reply.usage.completion_tokens == 5


def test_n_choices_stream_one_after_the_other(scripted):
    scripted.engine.enqueue("a b", "c")
    chunks = list(complete(scripted, n=2, stream=True))
    for index, text in [(0, "a b"), (1, "c")]:
        assert "".join(c.choices[0].text for c in chunks if c.choices[0].index == index) == text


def test_the_scripted_engine_also_stops_at_16_tokens(scripted):
    scripted.engine.enqueue(" ".join(["word"] * 20))
    reply = complete(scripted)
    assert reply.usage.completion_tokens == 16 and reply.choices[0].finish_reason == "length"


@pytest.mark.parametrize("stream", [False, True])
def test_unknown_model(scripted, stream):
    with pytest.raises(openai.NotFoundError) as caught:
        complete(scripted, model="gpt-3.5-turbo-instruct", stream=stream)
    assert caught.value.status_code == 404
    assert caught.value.code == "model_not_found"
    assert "gpt-3.5-turbo-instruct" in caught.value.message


@pytest.mark.parametrize("params, param, message", [
    ({"suffix": "!"}, "suffix", "Unsupported parameter: 'suffix' is not supported with this model."),
    ({"best_of": 2}, "best_of", "Unsupported value: 'best_of' does not support 2 in the sandbox"),
    ({"echo": True, "logprobs": 1}, None,
     "Setting 'echo' and 'logprobs' at the same time is not supported for this model."),
    ({"prompt": ["One", "Two"]}, "prompt", "The sandbox takes one prompt per request"),
    ({"prompt": []}, "prompt", "The sandbox takes one prompt per request"),
    ({"prompt": [15496, 11]}, "prompt", "not as token ids"),
    ({"prompt": [[15496, 11]]}, "prompt", "not as token ids"),
    ({"logprobs": 6}, "logprobs", "Expected a value <= 5, but got 6 instead."),
    ({"logprobs": False}, "logprobs", "Invalid type for 'logprobs'"),
    ({"max_tokens": 0}, "max_tokens", "Expected a value >= 1"),
    ({"n": 9}, "n", "Expected a value <= 8"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "Expected an array with maximum length 4"),
    ({"logit_bias": {"x": 1}}, "logit_bias", "Invalid key in 'logit_bias': x."),
])
def test_refused_parameters(scripted, params, param, message):
    with pytest.raises(openai.BadRequestError) as caught:
        complete(scripted, **params)
    assert caught.value.status_code == 400
    assert caught.value.param == param
    assert caught.value.message.startswith(message) or message in caught.value.message
    assert scripted.engine.history == []  # refused before the model ran


def test_user_is_accepted(scripted):
    assert complete(scripted, user="learner-1").choices[0].text == "OK"


def test_usage_is_recorded_for_plain_and_streamed_completions(scripted):
    key, info = scripted.store.create_key("metered")
    scripted.engine.enqueue("one two three", "four five")
    reply = complete(scripted, key)
    list(complete(scripted, key, stream=True))
    (row,) = scripted.store.usage(info.id)
    assert row["requests"] == 2
    assert row["input_tokens"] == 2 * reply.usage.prompt_tokens
    assert row["output_tokens"] == 3 + 2
