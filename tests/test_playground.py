"""The playground without a browser: move sliders, click Run, check what reached the server and the screen."""

from __future__ import annotations

import doctest
import math
from types import SimpleNamespace

import openai
import pytest

from chatkit.errors import ChatkitError
from chatkit.providers import first_chat_model
from chatkit.reasoning import efforts
from chatkit.widgets import Playground, calls, effort
from playground_support import (  # noqa: F401
    REASONING,
    Wire,
    box,
    make_client,
    note,
    recording_box,
    status,
    wait_until_free,
)
from support import client_for, wait_until


@pytest.fixture
def pg(box):
    """A playground on the recording sandbox that only sends when told (Run or .run())."""
    return Playground(make_client(box), prompt="Name a colour.", auto_run=False)


def test_the_sliders_set_what_is_sent(box, pg):
    box.engine.enqueue("Teal is a colour.")
    pg.system.value = "Answer in one sentence."
    pg.temperature.value, pg.top_p.value, pg.max_tokens.value = 0.7, 0.5, 20
    pg.seed.value = "7"
    pg.presence_penalty.value, pg.frequency_penalty.value = 0.5, -0.3
    pg.run_button.click()
    assert pg.wait(10)
    sent = box.engine.samplings[-1]
    assert (sent.temperature, sent.top_p, sent.max_tokens, sent.seed) == (0.7, 0.5, 20, 7)
    assert (sent.presence_penalty, sent.frequency_penalty) == (0.5, -0.3)
    assert box.engine.history[-1] == [{"role": "system", "content": "Answer in one sentence."},
                                      {"role": "user", "content": "Name a colour."}]
    assert pg.requests == [pg.params()]
    assert pg.text == "Teal is a colour."
    assert "Teal is a colour." in pg.output.value
    assert "temperature=0.7" in status(pg) and "finish_reason: stop" in status(pg)


def test_without_instructions_only_the_prompt_is_sent(box, pg):
    pg.run()
    assert box.engine.history == [[{"role": "user", "content": "Name a colour."}]]
    assert "seed" not in pg.requests[0]


def test_moving_a_slider_sends_a_new_request(box):
    box.engine.enqueue("first", "second")
    pg = Playground(make_client(box), prompt="Hi")
    pg.temperature.value = 1.3
    assert pg.wait(10)
    pg.max_tokens.value = 42
    assert pg.wait(10)
    assert [(s.temperature, s.max_tokens) for s in box.engine.samplings] == [(1.3, 100), (1.3, 42)]
    assert pg.text == "second"


def test_run_waits_for_a_request_already_on_its_way(box):
    pg = Playground(make_client(box), prompt="Hi")
    pg.temperature.value = 0.4  # the slider starts a request...
    pg.run()                    # ...and run() with the same settings waits for it
    assert len(box.engine.samplings) == 1


def test_the_model_picker_lists_the_servers_models(box, pg):
    assert pg.model.options == ("scripted-test-model", REASONING)
    assert pg.model.value == "scripted-test-model"


def test_the_model_picker_offers_exactly_the_models_connect_would_choose():
    listed = ["text-embedding-3-small", "davinci-002", "gpt-4.1-mini", "babbage-002", "whisper-1", "dall-e-3",
              "omni-moderation-latest", "tts-1-hd", "gpt-6-luna", "qwen2.5:0.5b", "bge-reranker-v2", "gpt-realtime"]
    client = SimpleNamespace(default_model=None, models=SimpleNamespace(
        list=lambda: [SimpleNamespace(id=model) for model in listed]))
    offered = Playground(client, auto_run=False).model.options
    # connect() takes the first chat model a server lists (providers.first_chat_model).
    chosen = {model for model in listed if first_chat_model([model]) == model}
    assert set(offered) == chosen == {"gpt-4.1-mini", "gpt-6-luna", "qwen2.5:0.5b"}


def test_the_model_picker_puts_the_clients_reasoning_model_second(box):
    client = make_client(box)
    client.reasoning_model = "gpt-6-luna"  # not served here: offered all the same, as a wanted model is
    assert Playground(client, auto_run=False).model.options == ("scripted-test-model", "gpt-6-luna", REASONING)


def test_the_kernel_is_not_blocked_while_the_model_writes(box, pg):
    box.engine.delay = 0.05
    box.engine.enqueue("word " * 200)
    pg.start()
    assert pg.running  # start() returned while the answer is still being written
    pg.temperature.value = 0.1
    pg.max_tokens.value = 1
    pg.run()  # supersedes it, so the test ends quickly


def test_a_superseded_run_is_closed_and_its_late_text_dropped(box, pg):
    box.engine.delay = 0.02
    box.engine.enqueue("stale " * 500, "fresh answer")
    pg.start()
    wait_until(lambda: "stale" in pg.text, "the first run to start streaming")
    pg.prompt.value = "Another question."
    pg.run_button.click()  # new settings: supersede the first run
    assert pg.wait(10)
    first, second = box.engine.generations
    assert pg.text == "fresh answer"
    assert "stale" not in pg.output.value
    assert first.cancel.is_set() and first.finish_reason == "cancelled"
    assert first.tokens < 500, "the superseded request ran to the end"
    assert wait_until_free(box.engine.lock, 5)
    assert second.finish_reason == "stop"
    assert len(pg.requests) == 2


def test_temperature_zero_is_served_from_the_cache(box, pg):
    box.engine.enqueue("Blue.", "Something else.")
    pg.temperature.value = 0
    first = pg.run()
    assert not first.cached and "cached" not in status(pg)
    pg.output.value = ""
    pg.run_button.click()
    assert len(box.engine.samplings) == 1, "a cache hit must not send a request"
    assert len(pg.requests) == 1
    assert pg.result.cached and pg.text == "Blue." and "Blue." in pg.output.value
    assert 'class="chatkit-cached"' in pg.status.value and "cached no request sent" in status(pg)


def test_a_fixed_seed_is_cached_but_random_sampling_is_not(box, pg):
    box.engine.enqueue("one", "two", "three")
    pg.temperature.value = 1.0
    pg.run()
    pg.run()
    assert len(box.engine.samplings) == 2 and pg.text == "two"  # random: always a new request
    pg.seed.value = "5"
    pg.run()
    pg.run()
    assert len(box.engine.samplings) == 3 and pg.result.cached and pg.text == "three"


def test_changing_the_prompt_misses_the_cache(box, pg):
    pg.temperature.value = 0
    pg.run()
    pg.prompt.value = "Name a fruit."
    pg.run()
    assert len(box.engine.samplings) == 2 and not pg.result.cached


def test_an_unknown_model_shows_in_the_widget(box):
    pg = Playground(make_client(box), model="no-such-model", auto_run=False)
    assert pg.model.value == "no-such-model"
    pg.run_button.click()
    assert pg.wait(10)
    assert "no model named 'no-such-model' (404 model_not_found)" in status(pg)
    assert "Fix: Pick a model from the list" in status(pg)
    assert isinstance(pg.error, openai.NotFoundError)
    with pytest.raises(openai.NotFoundError):
        pg.run()


def test_a_bad_seed_shows_in_the_widget_and_sends_nothing(box):
    pg = Playground(make_client(box))
    pg.seed.value = "forty-two"  # a change: the playground tries to run
    assert "The seed must be a whole number, not 'forty-two'" in status(pg)
    assert "Fix: Type a number such as 42" in status(pg)
    assert box.engine.samplings == [] and pg.requests == []


def test_an_unexpected_error_shows_its_traceback(box, pg, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the network cable is chewed")

    monkeypatch.setattr(calls, "stream_chat", broken)
    pg.run_button.click()
    assert pg.wait(10)
    assert "Unexpected error: RuntimeError: the network cable is chewed" in status(pg)
    assert any("Traceback" in out.get("text", "") for out in pg.errors.outputs)


def test_a_cut_off_answer_says_so(box, pg):
    box.engine.enqueue("one two three four five")
    pg.max_tokens.value = 2
    result = pg.run()
    assert result.finish_reason == "length" and pg.text == "one two "
    assert "cut off by max_tokens" in status(pg)
    assert "2 out" in status(pg)


# --- the real model -------------------------------------------------------------------

def real_playground(sandbox, **options) -> Playground:
    client = client_for(sandbox)
    client.default_model = sandbox.engine.model_id
    return Playground(client, auto_run=False, **options)


def test_on_the_real_model_the_playground_shows_what_the_api_returns(sandbox, client):
    pg = real_playground(sandbox, prompt="Say hello in French.", temperature=0, max_tokens=12)
    pg.run()
    direct = client.chat.completions.create(model=sandbox.engine.model_id, temperature=0, max_tokens=12, top_p=1,
                                            messages=[{"role": "user", "content": "Say hello in French."}])
    assert pg.text == direct.choices[0].message.content
    assert pg.result.completion_tokens == direct.usage.completion_tokens


def test_on_the_real_model_a_superseded_stream_stops_the_generation(sandbox, monkeypatch):
    generations = []
    original = sandbox.engine.generate

    def recording(prompt, sampling, cancel=None):
        generations.append(original(prompt, sampling, cancel))
        return generations[-1]

    monkeypatch.setattr(sandbox.engine, "generate", recording)
    pg = real_playground(sandbox, prompt="Tell me a long story about a dragon.", temperature=0, max_tokens=512)
    pg.start()
    wait_until(lambda: len(pg.text) > 40, "the first run to stream", 30)
    shown = pg.text
    pg.prompt.value = "Name a colour."
    pg.max_tokens.value = 5
    pg.run(timeout=60)
    assert shown not in pg.text
    assert generations[0].finish_reason == "cancelled"
    assert generations[0].tokens < 512
    wait_until(lambda: not sandbox.engine.running, "the model to stop generating", 10)
    assert pg.result.completion_tokens <= 5


def test_real_logprob_free_settings_are_valid_for_the_sandbox(sandbox):
    pg = real_playground(sandbox, prompt="Hi", max_tokens=3, seed=1, presence_penalty=1.0, frequency_penalty=1.0)
    pg.top_p.value = 0.9
    result = pg.run(timeout=60)
    assert result.finish_reason in {"stop", "length"}
    assert pg.error is None and not math.isnan(result.seconds)


# --- reasoning models: the effort menu, and the sliders it rules out --------------------


def shown(control) -> bool:
    return control.layout.display != "none" and not control.disabled


def chat_bodies(wire: Wire) -> list[dict]:
    return [body for body in wire.bodies if "messages" in body]


def test_choosing_a_reasoning_model_shows_its_efforts_and_turns_temperature_off(box):
    wire = Wire()
    pg = Playground(make_client(box, wire), prompt="Name a colour.", auto_run=False)
    assert not shown(pg.effort) and note(pg) == ""
    pg.model.value = REASONING
    assert shown(pg.effort) and pg.effort.options == efforts(REASONING) and pg.effort.value == "medium"
    assert pg.temperature.disabled and pg.top_p.disabled and not pg.max_tokens.disabled
    assert note(pg) == (f"temperature and top_p off: {REASONING} takes sampling settings only at reasoning effort "
                        "none. Set reasoning_effort to none, or leave temperature and top_p out.")
    pg.run()
    sent = chat_bodies(wire)[-1]
    assert sent["reasoning_effort"] == "medium" and sent["max_completion_tokens"] == 100
    assert not {"temperature", "top_p", "max_tokens"} & set(sent)
    assert pg.error is None and set(wire.statuses) == {200}


def test_effort_none_turns_them_on_and_sends_them_with_the_effort(box):
    wire = Wire()
    pg = Playground(make_client(box, wire), prompt="Name a colour.", model=REASONING, auto_run=False)
    pg.effort.value = "none"
    assert not pg.temperature.disabled and not pg.top_p.disabled and note(pg) == ""
    pg.temperature.value, pg.top_p.value = 0.3, 0.8
    pg.run()
    sent = box.engine.samplings[-1]  # at effort none the reasoning model answers at once, with these settings
    assert (sent.effort, sent.temperature, sent.top_p) == ("none", 0.3, 0.8)
    body = chat_bodies(wire)[-1]
    assert (body["reasoning_effort"], body["temperature"], body["top_p"]) == ("none", 0.3, 0.8)
    assert pg.error is None and set(wire.statuses) == {200}
    assert "reasoning_effort=none, temperature=0.3" in status(pg)


def test_a_plain_model_hides_the_menu_and_sends_no_effort(box):
    wire = Wire()
    pg = Playground(make_client(box, wire), prompt="Name a colour.", model=REASONING, auto_run=False)
    pg.model.value = box.engine.model_id
    assert not shown(pg.effort) and pg.reasoning.value is None and note(pg) == ""
    assert not pg.temperature.disabled and not pg.top_p.disabled
    pg.temperature.value = 0.6
    pg.run()
    assert box.engine.samplings[-1].effort is None and box.engine.samplings[-1].temperature == 0.6
    assert "reasoning_effort" not in chat_bodies(wire)[-1] and pg.error is None


def test_changing_the_model_sends_one_request_and_never_a_refused_one(box, monkeypatch):
    wire = Wire()
    pg = Playground(make_client(box, wire), prompt="Hi")  # auto_run: a change of model runs
    # Each run in the caller's thread: no request is still on its way (and merged) when the menu moves.
    monkeypatch.setattr(pg, "_launch", lambda run_id, job: job(run_id))
    pg.model.value = REASONING
    assert [body["model"] for body in chat_bodies(wire)] == [REASONING]
    assert pg.error is None and set(wire.statuses) == {200}


def test_switching_between_reasoning_models_names_the_new_one(box):
    pg = Playground(make_client(box), model="gpt-6-luna", auto_run=False)  # the same efforts as REASONING
    assert "gpt-6-luna" in note(pg)
    pg.model.value = REASONING  # the menu's options and value stay as they were: no change event
    assert note(pg).startswith(f"temperature and top_p off: {REASONING} takes")
    pg.effort.value = "high"
    pg.model.value = "gpt-6-luna"
    assert pg.effort.value == "medium", "a new model starts at its own default effort"


def test_reasoning_tokens_show_in_the_summary(box):
    box.engine.enqueue("First add seventeen and twenty-five.", "42")  # its thoughts, then its answer
    pg = Playground(make_client(box), prompt="17+25?", model=REASONING, effort="low", auto_run=False)
    result = pg.run()
    assert pg.text == "42" and result.reasoning_tokens == 5 and result.completion_tokens == 6  # a word a token
    assert "6 out (5 of them reasoning)" in status(pg)
    pg.effort.value = "none"
    pg.run()
    assert pg.result.reasoning_tokens == 0 and "reasoning)" not in status(pg)


def test_a_model_without_effort_none_never_takes_temperature(box):
    pg = Playground(make_client(box), model="gpt-6.2-sol", auto_run=False)  # known to chatkit, not served here
    assert "none" not in pg.effort.options and pg.temperature.disabled and pg.top_p.disabled
    assert note(pg).startswith("temperature and top_p off: gpt-6.2-sol reasons at every effort and never takes")
    assert "temperature" not in pg.params() and pg.params()["reasoning_effort"] == "medium"


def test_an_effort_the_model_lacks_is_refused_with_a_fix(box):
    with pytest.raises(ChatkitError, match=r"has no reasoning effort 'minimal'\. Fix: Pick one of none, low,"):
        Playground(make_client(box), model=REASONING, effort="minimal", auto_run=False)
    with pytest.raises(ChatkitError, match="does not reason.*Fix: Leave effort out"):
        Playground(make_client(box), effort="high", auto_run=False)


def test_the_reason_speaks_chinese(box, monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    pg = Playground(make_client(box), model=REASONING, auto_run=False)
    assert note(pg).startswith(f"temperature 和 top_p 已停用，因为 {REASONING} 只在推理强度为 none 时接受采样参数。")


def test_docstring_examples_run():
    for module in (calls, effort):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_on_the_real_reasoning_model_the_summary_counts_its_thinking(sandbox):
    pg = real_playground(sandbox, prompt="What is 2+2?", model=REASONING, effort="low", max_tokens=60)
    result = pg.run(timeout=120)
    assert pg.error is None and result.reasoning_tokens == 32  # the sandbox thinks 32 tokens at effort low
    assert "(32 of them reasoning)" in status(pg)
