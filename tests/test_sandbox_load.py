"""Many clients at once, some hanging up mid-stream, with and without rate limits: the sandbox keeps answering.

Thirty clients of the official async SDK stream from the scripted sandbox, slowed down to
a word every 2 ms, for a few seconds; a third of them hang up after the first word or
before the first byte. Every request that ends is answered 200, or 429 with a
``retry-after`` when a rate limit is on; afterwards every generation the load started has been
let go by its reader, and a plain request is answered.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import Counter

import openai
import pytest

from chatkit.sandbox.limits import SETTINGS
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.serving import bind
from support import async_client_for, client_for, wait_until

pytestmark = pytest.mark.slow

MODEL = ScriptedEngine.model_id
REPLY = "one two three four five six seven eight nine ten"
HI = [{"role": "user", "content": "Hi"}]
CLIENTS = 30
SECONDS = 3.0  # of load per test; the model answers about 40 streams a second, one at a time


@pytest.fixture
def busy(scripted, monkeypatch):
    """The scripted sandbox, a word every 2 ms, keeping every generation in ``generations``; its delay,
    reply and limits are put back afterwards."""
    engine, limits = scripted.engine, scripted.limits
    settings = {name: getattr(limits, name) for name in SETTINGS}
    engine.delay, engine.default = 0.002, REPLY
    scripted.generations = []
    generate = engine.generate

    def kept(*args, **kwargs):
        scripted.generations.append(generate(*args, **kwargs))
        return scripted.generations[-1]

    monkeypatch.setattr(engine, "generate", kept)
    yield scripted
    engine.delay, engine.default = 0.0, "OK"
    limits.update(**settings)
    limits.reset()
    assert engine.queue == []


async def start(client: openai.AsyncOpenAI, api: str):
    """A stream of the Chat Completions or the Responses API, open once its headers have come."""
    if api == "chat":
        return await client.chat.completions.create(model=MODEL, messages=HI, stream=True)
    return await client.responses.create(model=MODEL, input="Hi", stream=True)


async def read(stream, hang_up: bool) -> str:
    words = []
    async with stream:  # leaving the block early closes the connection mid-stream
        async for event in stream:
            if hasattr(event, "choices"):
                words += [choice.delta.content for choice in event.choices if choice.delta.content]
            elif event.type == "response.output_text.delta":
                words.append(event.delta)
            if hang_up and words:
                return "hung up"
    assert "".join(words) == REPLY
    return "read"


async def one_request(client: openai.AsyncOpenAI, turn: int, index: int) -> str:
    """Client ``index``'s ``turn``-th request: it reads the whole stream, hangs up, or gives up waiting."""
    api = "chat" if (index + turn) % 2 else "responses"
    if index % 3:
        return await read(await start(client, api), hang_up=False)
    if turn % 2:
        return await read(await start(client, api), hang_up=True)
    try:
        stream = await asyncio.wait_for(start(client, api), 0.005)
    except asyncio.TimeoutError:
        return "gave up"
    return await read(stream, hang_up=False)


async def client_loop(box, index: int, deadline: float, outcomes: Counter) -> None:
    async with async_client_for(box, timeout=30) as client:
        turn = 0
        while time.monotonic() < deadline:
            try:
                outcomes[await one_request(client, turn, index)] += 1
            except openai.RateLimitError as exc:
                assert exc.response.headers["retry-after"].isdigit(), exc.response.headers
                outcomes["429"] += 1
                await asyncio.sleep(0.01)  # a real client waits longer; this one keeps the pressure on
            turn += 1


def load(box) -> Counter:
    """What ``CLIENTS`` clients got for ``SECONDS`` seconds: counts of "read", "hung up", "gave up", "429"."""
    async def main() -> Counter:
        deadline, outcomes = time.monotonic() + SECONDS, Counter()
        loops = [client_loop(box, index, deadline, outcomes) for index in range(CLIENTS)]
        await asyncio.wait_for(asyncio.gather(*loops), SECONDS + 30)  # a hang fails the test instead of blocking it
        return outcomes

    return asyncio.run(main())


def assert_well(box, caplog) -> None:
    """No error logged (a 500 that no client saw, say); no generation is left running for a client gone
    (its reader sets ``cancel`` when it stops reading, at the end or when the client hangs up); and a
    plain request is answered."""
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    started = [gen for gen in box.generations if gen.tokens]  # a request given up before its stream began ran none
    assert started
    wait_until(lambda: all(gen.cancel.is_set() for gen in started), "every stream of the load to be let go")
    client = client_for(box, timeout=10)
    assert client.chat.completions.create(model=MODEL, messages=HI).choices[0].message.content == REPLY
    assert box.alive


def test_every_connection_turns_nagles_algorithm_off():
    """With it on, every response's body waited 40 ms for the client's delayed ACK. asyncio, which serves
    the sandbox, turns it off on each accepted connection of a socket that says it is TCP: serving.bind's."""
    async def nodelay_of_an_accepted_connection() -> int:
        accepted = asyncio.get_running_loop().create_future()

        def on_connect(reader, writer) -> None:
            accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=bind("127.0.0.1", 0))
        async with server:
            _, writer = await asyncio.open_connection(*server.sockets[0].getsockname())
            writer.close()
            return await asyncio.wait_for(accepted, 10)

    assert asyncio.run(nodelay_of_an_accepted_connection()) != 0


def test_thirty_streaming_clients_some_hanging_up(busy, caplog):
    outcomes = load(busy)
    assert outcomes["read"] and outcomes["hung up"] and outcomes["gave up"], outcomes
    assert outcomes["429"] == 0
    assert_well(busy, caplog)


def test_thirty_streaming_clients_under_a_rate_limit(busy, caplog):
    busy.limits.update(rpm=60)  # a full minute's bucket of 60, then one more request a second
    outcomes = load(busy)
    assert outcomes["read"] and outcomes["429"], outcomes
    assert busy.limits.refused["rate_limit_exceeded"] >= outcomes["429"]  # some went to clients that gave up
    busy.limits.reset()
    assert_well(busy, caplog)
