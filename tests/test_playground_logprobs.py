"""The token-probability view: the math of temperature, and the chart on the real model."""

from __future__ import annotations

import doctest
import math

import openai
import pytest

from chatkit.errors import ChatkitError
from chatkit.sandbox.reasoner import MODEL_ID as REASONING
from chatkit.widgets import TokenProbabilities, logprobs
from chatkit.widgets.logprobs import bars, reshape, show_token
from support import client_for

THREE = [math.log(0.6), math.log(0.3), math.log(0.1)]


def entropy(ps):
    return -sum(p * math.log(p) for p in ps if p > 0)


def test_temperature_one_keeps_the_distribution():
    assert reshape(THREE, 1.0) == pytest.approx([0.6, 0.3, 0.1])


def test_temperature_zero_keeps_only_the_favourite():
    assert reshape([math.log(0.2), math.log(0.7), math.log(0.1)], 0) == [0.0, 1.0, 0.0]


def test_low_temperature_sharpens_and_high_temperature_flattens():
    cold, hot = reshape(THREE, 0.5), reshape(THREE, 2.0)
    assert cold[0] > 0.6 > hot[0]
    assert entropy(cold) < entropy(reshape(THREE, 1.0)) < entropy(hot)
    assert cold == pytest.approx([0.36 / 0.46, 0.09 / 0.46, 0.01 / 0.46])  # p**2, normalised
    assert sorted(hot, reverse=True) == hot  # the order never changes


def test_the_chart_is_plain_html_with_one_bar_per_share():
    chart = bars([(" Paris", 0.8, 0.9), ("\n", 0.2, 0.1)], 0.5)
    assert chart.count("chatkit-logprob-bar") == 4
    assert "␣Paris" in chart and "⏎" in chart and "at temperature 0.5" in chart
    assert "width:160.0px" in chart and "80.0%" in chart
    assert show_token("") == "∅"


def test_docstring_examples_run():
    result = doctest.testmod(logprobs, extraglobs={"math": math})
    assert result.attempted > 0 and result.failed == 0


def view_on(sandbox, **options) -> TokenProbabilities:
    client = client_for(sandbox)
    client.default_model = sandbox.engine.model_id
    return TokenProbabilities(client, **options)


def test_on_the_real_model_each_token_has_its_alternatives(sandbox):
    view = view_on(sandbox, prompt="What is the capital of France?", tokens=3, top=5)
    view.run_button.click()
    assert view.wait(60)
    assert view.error is None, view.status.value
    assert len(view.tokens) == 3 and len(view.position.options) == 3
    first = view.alternatives(0)
    assert len(first) == 5 and sum(p for _, p in first) == pytest.approx(1, abs=1e-3)
    assert first[0][0] == view.tokens[0]  # greedy: the token written is the favourite
    assert view.chart.value.count("chatkit-logprob-row") == 5


def test_the_temperature_slider_redraws_without_a_request(sandbox):
    view = view_on(sandbox, prompt="What is the capital of France?", tokens=2, top=5).run()
    before = view.chart.value
    view.temperature.value = 0.0
    assert view.chart.value != before and "at temperature 0" in view.chart.value
    assert "100.0%" in view.chart.value
    view.position.value = 1
    assert show_token(view.tokens[1]) in view.chart.value


def test_an_error_shows_in_the_widget(sandbox):
    view = view_on(sandbox, model="no-such-model")
    view.run_button.click()
    assert view.wait(10)
    assert "no model named" in view.status.value and "Fix" in view.status.value
    with pytest.raises(openai.NotFoundError):
        view.run()


def test_on_a_reasoning_model_logprobs_wait_for_effort_none(sandbox):
    view = view_on(sandbox, prompt="What is the capital of France?", model=REASONING, tokens=2, top=3)
    assert view.effort.value == "medium" and view.run_button.disabled
    assert view.reasoning.note.value.count(f"logprobs off: {REASONING} takes sampling settings only at reasoning "
                                           "effort none. Set reasoning_effort to none, or leave logprobs out.") == 1
    with pytest.raises(ChatkitError, match="logprobs off"):
        view.run()
    view.effort.value = "none"
    assert not view.run_button.disabled and view.reasoning.note.value == ""
    assert view.params()["reasoning_effort"] == "none" and "max_completion_tokens" in view.params()
    view.run(timeout=60)
    assert view.error is None and len(view.tokens) == 2 and len(view.alternatives(0)) == 3


def test_a_model_that_always_reasons_never_gives_logprobs(sandbox):
    view = view_on(sandbox, model="gpt-6.2-sol")  # known to chatkit: nothing is sent
    assert view.run_button.disabled and "none" not in view.effort.options
    assert "logprobs off: gpt-6.2-sol reasons at every effort and never takes sampling settings." in \
        view.reasoning.note.value


def test_a_plain_model_shows_no_effort(sandbox):
    view = view_on(sandbox)
    assert view.effort.layout.display == "none" and not view.run_button.disabled
    assert "reasoning_effort" not in view.params() and view.params()["max_tokens"] == 5
