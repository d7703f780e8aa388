"""Requests at once are decoded together: several in flight in one batch, more waiting for a slot in order.

The real model, through the engine and through the official SDK: two generations write tokens
at the same time; a request beyond the slots waits (it is not refused) and runs when a slot
is freed, by a reader that finishes or cancels; a request cancelled while it waits never takes
one; and a seeded or greedy request answers the same text and logprobs alone and in a full batch.
"""

from __future__ import annotations

import threading

import pytest

from chatkit.config import DEFAULT_PARALLEL, MAX_PARALLEL, SANDBOX_PARALLEL, sandbox_parallel
from chatkit.errors import ConfigError
from chatkit.sandbox.engine import LlamaEngine, Sampling
from chatkit.sandbox.reasoner import MODEL_ID as REASONING
from chatkit.sandbox.turns import Turns
from support import wait_until

STORY = "Tell me a story."
HANG = 60  # seconds: a guard against a hang, not a speed test


def endless(engine) -> dict[int, float]:
    """A logit_bias that forbids every end-of-turn token: only max_tokens or cancelling ends the reply."""
    return dict.fromkeys(engine.end_tokens, -100.0)


class Reader:
    """Reads one generation in a thread of its own; after each piece it waits for ``go`` (set at once if asked)."""

    def __init__(self, engine, text: str, *, go: bool = True, **sampling) -> None:
        self.gen = engine.generate(engine.render([{"role": "user", "content": text}]), Sampling(**sampling))
        self.first, self.go, self.error = threading.Event(), threading.Event(), None
        if go:
            self.go.set()
        self.pieces: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for piece in self.gen:
                self.pieces.append(piece.text)
                self.first.set()
                assert self.go.wait(HANG)
        except BaseException as exc:  # noqa: BLE001 - the test thread re-raises it
            self.error = exc

    def finish(self, cancel: bool = False) -> Reader:
        if cancel:
            self.gen.cancel.set()
        self.go.set()
        self.thread.join(HANG)
        assert not self.thread.is_alive() and self.error is None, self.error
        return self


@pytest.fixture(scope="module")
def pair():
    """The model with two slots."""
    return LlamaEngine(slots=2)


def both_writing(pair, max_tokens: int | None = None) -> tuple[Reader, Reader]:
    """Two endless generations (or of ``max_tokens``) holding both slots, their readers paused after one token."""
    readers = (Reader(pair, STORY, go=False, temperature=0, max_tokens=max_tokens, logit_bias=endless(pair)),
               Reader(pair, "Describe the sea.", go=False, temperature=0, logit_bias=endless(pair)))
    wait_until(lambda: all(r.first.is_set() for r in readers), "both slots to write a token", HANG)
    return readers


def test_the_slots_come_from_chatkit_sandbox_parallel(monkeypatch):
    monkeypatch.delenv(SANDBOX_PARALLEL, raising=False)
    assert sandbox_parallel() == DEFAULT_PARALLEL
    monkeypatch.setenv(SANDBOX_PARALLEL, " 3 ")
    assert sandbox_parallel() == 3
    for wrong in ("0", str(MAX_PARALLEL + 1), "four", "2.5"):
        monkeypatch.setenv(SANDBOX_PARALLEL, wrong)
        with pytest.raises(ConfigError) as caught:
            sandbox_parallel()
        assert repr(wrong) in caught.value.what and f"1 to {MAX_PARALLEL}" in caught.value.what
        assert f"default ({DEFAULT_PARALLEL})" in caught.value.fix


def test_two_generations_write_tokens_at_the_same_time(sandbox):
    engine = sandbox.engine
    a, b = (Reader(engine, text, go=False, temperature=0, max_tokens=32, logit_bias=endless(engine))
            for text in (STORY, "Describe the sea."))
    # Each reader holds its generation open after one token: one at a time, the second would never start.
    wait_until(lambda: a.first.is_set() and b.first.is_set(), "both generations to write a token", HANG)
    assert engine.running == 2
    for reader in (a, b):
        assert reader.finish().gen.finish_reason == "length" and reader.gen.tokens == 32
    assert engine.running == 0


def test_a_request_beyond_the_slots_waits_for_one_then_runs(pair):
    a, b = both_writing(pair, max_tokens=8)
    c = Reader(pair, "Hi", temperature=0, max_tokens=4)
    wait_until(lambda: pair.waiting == 1, "the third request to wait for a slot", HANG)
    assert not c.first.is_set() and pair.running == 2
    assert a.finish().gen.finish_reason == "length"  # read to its end: its slot is free
    assert c.finish().gen.finish_reason == "length" and c.gen.tokens == 4 and c.pieces
    b.finish(cancel=True)
    assert (pair.running, pair.waiting) == (0, 0)


def test_a_cancelled_generation_frees_its_slot_for_the_next(pair):
    a, b = both_writing(pair)
    c = Reader(pair, "Hi", go=False, temperature=0, logit_bias=endless(pair))
    wait_until(lambda: pair.waiting == 1, "the third request to wait for a slot", HANG)
    assert a.finish(cancel=True).gen.finish_reason == "cancelled"  # as a client that hangs up, between two tokens
    wait_until(c.first.is_set, "the waiting request to take the freed slot", HANG)
    for reader in (b, c):
        assert reader.finish(cancel=True).gen.finish_reason == "cancelled"
    assert pair.running == 0


def test_a_request_cancelled_while_it_waits_never_takes_a_slot(pair):
    a, b = both_writing(pair)
    c = Reader(pair, "Hi", temperature=0, max_tokens=4)
    wait_until(lambda: pair.waiting == 1, "the third request to wait for a slot", HANG)
    c.finish(cancel=True)
    assert (c.gen.finish_reason, c.gen.tokens, c.pieces) == ("cancelled", 0, [])
    assert (pair.running, pair.waiting) == (2, 0)
    for reader in (a, b):
        reader.finish(cancel=True)


def test_another_model_waits_its_turn_and_first_come_first_served():
    """Two models never decode at once (each wants all cores but one); a request for another model
    stops later ones for the running model from overtaking it."""
    class Model:
        slots = 2

    turns, one, other = Turns(), Model(), Model()
    order, release = [], threading.Event()

    def request(name: str, engine) -> threading.Thread:
        def run() -> None:
            with turns.turn(engine, threading.Event()):
                order.append(name)
                assert release.wait(HANG)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    threads = [request("one-1", one)]
    wait_until(lambda: order == ["one-1"], "the first request to start")
    threads.append(request("other", other))
    wait_until(lambda: turns.waiting(other) == 1, "the other model's request to wait")
    threads.append(request("one-2", one))  # a slot of ``one`` is free, but ``other`` came first
    wait_until(lambda: turns.waiting(one) == 1, "the second request for the first model to wait")
    assert order == ["one-1"]
    release.set()
    for thread in threads:
        thread.join(HANG)
    assert order == ["one-1", "other", "one-2"]


ASKS = [  # greedy with logprobs; sampled with a seed; structured output (a grammar); a reasoning model
    dict(temperature=0, max_tokens=24, logprobs=True, top_logprobs=2),
    dict(temperature=1, seed=7, max_tokens=24, logprobs=True),
    dict(temperature=0, max_tokens=40, response_format={"type": "json_schema", "json_schema": {
        "name": "city", "strict": True, "schema": {"type": "object", "properties": {"city": {"type": "string"}},
                                                   "required": ["city"], "additionalProperties": False}}}),
    dict(model=REASONING, reasoning_effort="low", max_completion_tokens=48),
]


def answer(client, model: str, ask: dict) -> tuple:
    reply = client.chat.completions.create(**{"model": model, **ask},
                                           messages=[{"role": "user", "content": "Name a city in France."}])
    choice = reply.choices[0]
    return choice.message.content, choice.logprobs and choice.logprobs.model_dump(), reply.usage.completion_tokens


def test_seeded_and_greedy_requests_answer_the_same_alone_and_in_a_full_batch(sandbox, client):
    engine = sandbox.engine
    model = engine.model_id
    alone = [answer(client, model, ask) for ask in ASKS]
    # The other slots busy writing long replies, each open once it has written a token.
    load = []
    for i in range(engine.slots - len(ASKS)):
        stream = client.chat.completions.create(
            model=model, stream=True, temperature=1, seed=i, max_tokens=1000, logit_bias=endless(engine),
            messages=[{"role": "user", "content": f"Tell me story number {i}."}])
        next(chunk for chunk in stream if chunk.choices and chunk.choices[0].delta.content)
        load.append(stream)
    together: list = [None] * len(ASKS)

    def ask_at(i: int) -> None:
        together[i] = answer(client, model, ASKS[i])

    threads = [threading.Thread(target=ask_at, args=(i,)) for i in range(len(ASKS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG * 2)
    # The long replies were still being written when the last answer came: they shared its batches.
    assert engine.running == len(load)
    for stream in load:
        stream.close()
    assert together == alone
    wait_until(lambda: not engine.running, "the closed streams to free their slots", HANG)
