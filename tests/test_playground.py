"""The playground without a browser: move sliders, click Run, check what reached the server and the screen."""

from __future__ import annotations

import math

import openai
import pytest

from chatkit.widgets import Playground
from chatkit.widgets import calls
from playground_support import box, make_client, recording_box, status, wait_until, wait_until_free  # noqa: F401


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
    assert pg.model.options == ("scripted-test-model",)
    assert pg.model.value == "scripted-test-model"


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
    assert wait_until(lambda: "stale" in pg.text), "the first run never started streaming"
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
    client = openai.OpenAI(api_key=sandbox.key, base_url=sandbox.base_url, max_retries=0)
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
    assert wait_until(lambda: len(pg.text) > 40, 30), "the first run never streamed"
    shown = pg.text
    pg.prompt.value = "Name a colour."
    pg.max_tokens.value = 5
    pg.run(timeout=60)
    assert shown not in pg.text
    assert generations[0].finish_reason == "cancelled"
    assert generations[0].tokens < 512
    assert wait_until_free(sandbox.engine.lock, 10)
    assert pg.result.completion_tokens <= 5


def test_real_logprob_free_settings_are_valid_for_the_sandbox(sandbox):
    pg = real_playground(sandbox, prompt="Hi", max_tokens=3, seed=1, presence_penalty=1.0, frequency_penalty=1.0)
    pg.top_p.value = 0.9
    result = pg.run(timeout=60)
    assert result.finish_reason in {"stop", "length"}
    assert pg.error is None and not math.isnan(result.seconds)
