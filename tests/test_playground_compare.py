"""Compare: one prompt, a grid of settings, every answer in its cell."""

from __future__ import annotations

import pytest

from chatkit.errors import ChatkitError
from chatkit.widgets import Compare
from playground_support import REASONING, Wire, box, make_client, note, recording_box, status  # noqa: F401
from support import client_for, wait_until


def test_every_combination_is_sent_once_in_order(box):
    box.engine.enqueue("a", "b", "c", "d")
    cmp = Compare(make_client(box), prompt="Name a fruit.", grid={"temperature": [0.0, 1.0], "seed": [1, 2]},
                  max_tokens=30, top_p=0.9)
    cmp.run_button.click()
    assert cmp.wait(10)
    sent = [(s.temperature, s.seed, s.max_tokens, s.top_p) for s in box.engine.samplings]
    assert sent == [(0.0, 1, 30, 0.9), (0.0, 2, 30, 0.9), (1.0, 1, 30, 0.9), (1.0, 2, 30, 0.9)]
    assert box.engine.history == [[{"role": "user", "content": "Name a fruit."}]] * 4
    assert {k: r.text for k, r in cmp.results.items()} == {(0.0, 1): "a", (0.0, 2): "b", (1.0, 1): "c", (1.0, 2): "d"}


def test_the_table_puts_each_answer_in_its_cell(box):
    box.engine.enqueue("apple", "apple", "kiwi", "plum")
    cmp = Compare(make_client(box), prompt="Name a fruit.", grid={"temperature": [0.0, 1.5], "seed": [1, 2]}).run()
    table = cmp.table.value
    assert table.count('class="chatkit-compare-cell"') == 4
    assert "<th>temperature=1.5</th>" in table and "<th>seed=2</th>" in table
    # row temperature=1.5: kiwi (seed 1) then plum (seed 2)
    row = table.split("<th>temperature=1.5</th>")[1]
    assert row.index("kiwi") < row.index("plum")
    assert "4 answers, 3 different." in status(cmp)
    assert str(cmp).splitlines()[2] == "temperature=1.5 seed=1: kiwi"


def test_one_parameter_gives_one_column(box):
    cmp = Compare(make_client(box), grid={"top_p": [0.1, 0.5, 1.0]}, temperature=1.0).run()
    assert [s.top_p for s in box.engine.samplings] == [0.1, 0.5, 1.0]
    assert "<th>answer</th>" in cmp.table.value and cmp.table.value.count("chatkit-compare-cell") == 3


def test_three_parameters_are_refused_with_a_fix(box):
    with pytest.raises(ChatkitError, match="one or two parameters.*Fix: Vary two at a time"):
        Compare(make_client(box), grid={"temperature": [0], "seed": [1], "top_p": [1]})


def test_running_again_supersedes_the_first_grid(box):
    box.engine.delay = 0.02
    box.engine.enqueue("slow " * 300)
    cmp = Compare(make_client(box), grid={"temperature": [0.0, 1.0]}, max_tokens=400)
    cmp.start()
    wait_until(lambda: "slow" in cmp.table.value, "the slow run to show")
    box.engine.delay = 0.0
    cmp.prompt.value = "Something else."
    cmp.run()
    assert box.engine.generations[0].finish_reason == "cancelled"
    assert "slow" not in cmp.table.value
    assert [r.text for r in cmp.results.values()] == ["OK", "OK"]


def test_an_error_shows_in_the_widget(box):
    cmp = Compare(make_client(box), grid={"temperature": [0.0]}, model="no-such-model")
    cmp.run_button.click()
    assert cmp.wait(10)
    assert "The server has no model named 'no-such-model' (404 model_not_found). Fix:" in status(cmp)


def test_a_client_without_a_default_model_gets_a_fix(box):

    plain = client_for(box)
    with pytest.raises(ChatkitError, match="no default model.*Fix: Pass model="):
        Compare(plain)
    assert Compare(plain, model=box.engine.model_id).fixed["model"] == box.engine.model_id


# --- reasoning models ------------------------------------------------------------------


def test_on_a_reasoning_model_a_temperature_grid_waits_for_effort_none(box):
    wire = Wire()
    cmp = Compare(make_client(box, wire), grid={"temperature": [0.0, 1.0]}, model=REASONING)
    assert cmp.effort.value == "medium" and cmp.run_button.disabled
    assert note(cmp).startswith(f"temperature off: {REASONING} takes sampling settings only at reasoning effort none.")
    with pytest.raises(ChatkitError, match="temperature off.*Fix: Set reasoning_effort to none"):
        cmp.run()
    assert box.engine.samplings == [] and wire.statuses == []  # nothing was sent
    cmp.effort.value = "none"
    assert not cmp.run_button.disabled and note(cmp) == ""
    cmp.run()
    assert [(s.effort, s.temperature) for s in box.engine.samplings] == [("none", 0.0), ("none", 1.0)]
    assert [(b["reasoning_effort"], b["max_completion_tokens"]) for b in wire.bodies] == [("none", 60)] * 2
    assert cmp.error is None and wire.statuses == [200, 200]


def test_a_grid_of_efforts_shows_each_cells_reasoning_tokens(box):
    box.engine.enqueue("Plain.", "Think it over.", "Thought.")  # effort none answers; effort low thinks, then answers
    cmp = Compare(make_client(box), grid={"reasoning_effort": ["none", "low"]}, model=REASONING).run()
    assert [r.reasoning_tokens for r in cmp.results.values()] == [0, 3]
    cells = cmp.table.value.split('class="chatkit-compare-cell"')[1:]
    assert "1 tokens, stop" in cells[0] and "4 tokens (3 reasoning), stop" in cells[1]


def test_a_plain_model_sends_no_effort(box):
    wire = Wire()
    cmp = Compare(make_client(box, wire), grid={"temperature": [0.5]}).run()
    assert cmp.effort.layout.display == "none" and not cmp.run_button.disabled
    assert "reasoning_effort" not in wire.bodies[0] and box.engine.samplings[0].effort is None
