"""A reader that goes away stops the model: the engine is free for the next request."""

from __future__ import annotations

import asyncio
import threading
import time

import openai
import pytest

from chatkit.sandbox import runner
from chatkit.sandbox.engine import Generation, Piece, Sampling
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import record_generations, wait_until

# Without its end-of-turn tokens the model talks until the context window is full:
# about 2000 tokens, 40 s or more on two cores. Only cancellation ends it sooner.
STORY = "Tell me a story."


def endless(engine) -> dict[str, int]:
    """A logit_bias that forbids every end-of-turn token of the real model."""
    return {str(i): -100 for i in engine.end_tokens}


def slow_generation(steps: int = 1000, delay: float = 0.005) -> tuple[Generation, list[int]]:
    """A fake generation that checks ``cancel`` between pieces, as the engines do."""
    produced: list[int] = []

    def run(gen: Generation):
        gen.finish_reason = "length"
        for i in range(steps):
            if gen.cancel.is_set():
                gen.finish_reason = "cancelled"
                return
            time.sleep(delay)
            produced.append(i)
            yield Piece(str(i))

    return Generation(run), produced


class SlowEngine(ScriptedEngine):
    """Holds its lock while it talks, one word every 10 ms for 10 s, like a slow model."""

    def __init__(self) -> None:
        super().__init__()
        self.generations: list[Generation] = []

    def generate(self, prompt, sampling, cancel=None):
        def run(gen: Generation):
            with self.lock:
                for i in range(1000):
                    if gen.cancel.is_set():
                        gen.finish_reason = "cancelled"
                        return
                    time.sleep(0.01)
                    gen.tokens += 1
                    yield Piece(f"w{i} ")
            gen.finish_reason = "length"

        self.generations.append(Generation(run, cancel))
        return self.generations[-1]


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    box = Sandbox.start(engine=SlowEngine(), data_dir=tmp_path_factory.mktemp("slow-data"))
    yield box
    box.stop()


def open_stream(box, api: str):
    client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    if api == "chat":
        return client.chat.completions.create(model=box.engine.model_id, stream=True,
                                              messages=[{"role": "user", "content": "Hi"}])
    return client.responses.create(model=box.engine.model_id, input="Hi", stream=True)


# --- over HTTP ----------------------------------------------------------------------

@pytest.mark.parametrize("api", ["chat", "responses"])
def test_closing_a_stream_cancels_the_generation(slow, api):
    stream = open_stream(slow, api)
    for count, _ in enumerate(stream):
        if count == 5:
            break
    stream.close()
    gen = slow.engine.generations[-1]
    wait_until(lambda: gen.finish_reason == "cancelled", "the generation to stop after its stream closed")
    assert gen.cancel.is_set()


def test_closing_a_stream_early_frees_the_engine(client, sandbox, monkeypatch):
    generations = record_generations(sandbox.engine, monkeypatch)
    stream = client.chat.completions.create(
        model=sandbox.engine.model_id, messages=[{"role": "user", "content": STORY}],
        temperature=0, stream=True, logit_bias=endless(sandbox.engine))
    received = 0
    for chunk in stream:
        received += bool(chunk.choices and chunk.choices[0].delta.content)
        if received == 3:
            break
    stream.close()
    wait_until(lambda: not sandbox.engine.running, "the model to stop generating for the closed stream")
    assert generations[0].finish_reason == "cancelled"  # stopped by the closed stream, not at the end of its tokens
    reply = client.with_options(timeout=60).chat.completions.create(  # a guard against a hang, not a speed test
        model=sandbox.engine.model_id, messages=[{"role": "user", "content": "Hi"}], max_tokens=2)
    assert reply.usage.completion_tokens == 2 and generations[1].finish_reason == "length"
    assert not sandbox.engine.running


def test_the_engine_stops_at_the_next_token_when_cancelled(sandbox):
    engine, cancel = sandbox.engine, threading.Event()
    prompt = engine.render([{"role": "user", "content": STORY}])
    logit_bias = {int(i): bias for i, bias in endless(engine).items()}
    gen = engine.generate(prompt, Sampling(temperature=0, logit_bias=logit_bias), cancel)
    for count, _ in enumerate(gen, start=1):
        assert engine.running == 1
        if count == 3:
            cancel.set()
    assert gen.finish_reason == "cancelled"
    assert gen.tokens <= 4
    assert not engine.running


# --- runner.pieces on its own -----------------------------------------------------------

def test_closing_pieces_early_cancels_and_waits_for_the_worker():
    gen, produced = slow_generation()

    async def read_two_then_close():
        stream = runner.pieces(gen)
        first = [(await anext(stream)).text, (await anext(stream)).text]
        await stream.aclose()
        return first

    assert asyncio.run(read_two_then_close()) == ["0", "1"]
    assert gen.cancel.is_set()
    # aclose() returned only once the worker thread had stopped.
    assert gen.finish_reason == "cancelled"
    assert len(produced) < 10


def test_cancelling_the_reading_task_cancels_the_generation():
    gen, produced = slow_generation()

    async def read_forever_then_cancel():
        async def read():
            async for _ in runner.pieces(gen):
                pass

        task = asyncio.create_task(read())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(read_forever_then_cancel())
    assert gen.cancel.is_set()
    wait_until(lambda: gen.finish_reason == "cancelled", "the model thread to stop")
    assert len(produced) < 1000


def test_pieces_runs_to_the_end_when_read_to_the_end():
    gen, produced = slow_generation(steps=5, delay=0)
    reply = asyncio.run(runner.collect(gen))
    assert reply.text == "01234"
    assert reply.logprobs == []
    assert gen.finish_reason == "length"


def test_an_error_in_the_model_reaches_the_reader():
    def run(gen: Generation):
        yield Piece("partial")
        raise RuntimeError("model exploded")

    async def read_all():
        return [p.text async for p in runner.pieces(Generation(run))]

    with pytest.raises(RuntimeError, match="model exploded"):
        asyncio.run(read_all())


def test_the_event_loop_keeps_running_while_the_model_works():
    gen, _ = slow_generation(steps=20, delay=0.01)
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    async def main():
        ticker = asyncio.create_task(tick())
        await runner.collect(gen)
        ticker.cancel()

    asyncio.run(main())
    assert ticks > 5
