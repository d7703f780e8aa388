"""chatkit.batch.run_batch against the sandbox: order, failures, resuming, and a kill mid-run."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import openai
import pytest

from chatkit.batch import QuotaExceeded, read_results, run_batch, runner
from chatkit.batch.throttle import Throttle
from chatkit.connect import AsyncOpenAI
from support import async_client_for


def async_client(box) -> AsyncOpenAI:
    client = async_client_for(box)
    client.default_model = box.engine.model_id
    return client


def run(coro):
    return asyncio.run(coro)


def test_results_come_back_in_input_order_with_usage(scripted):
    scripted.engine.default = "fine"
    prompts = [f"Question {i}" for i in range(12)]
    results = run(run_batch(async_client(scripted), prompts, concurrency=4, max_tokens=5, progress=False))
    assert [r.id for r in results] == [f"item-{i}" for i in range(12)]
    assert all(r.status == "ok" and r.text == "fine" and r.usage["total_tokens"] > 0 for r in results)
    sent = [m[-1]["content"] for m in scripted.engine.history]
    assert sorted(sent) == sorted(prompts)


def test_a_failing_item_is_reported_and_the_others_finish(scripted):
    prompts = [{"custom_id": "good", "prompt": "Hi"}, {"custom_id": "bad", "prompt": "Hi", "temperature": 5},
               {"custom_id": "also-good", "prompt": "Hi"}]
    results = run(run_batch(async_client(scripted), prompts, progress=False))
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert "(400 decimal_above_max_value)" in results[1].error and "temperature" in results[1].error


def test_a_sync_client_gets_a_clear_error(scripted):
    with pytest.raises(Exception, match="connect_async"):
        run(run_batch(openai.OpenAI(api_key=scripted.key, base_url=scripted.base_url), ["Hi"]))


def test_finished_items_are_skipped_when_run_again(scripted, tmp_path):
    out = tmp_path / "results.jsonl"
    run(run_batch(async_client(scripted), ["a", "b", "c"], out=out, progress=False))
    sent = len(scripted.engine.history)
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"id": "item-3", "sta')  # a line cut short by a crash
    results = run(run_batch(async_client(scripted), ["a", "b", "c", "d"], out=out, progress=False))
    assert len(scripted.engine.history) == sent + 1  # only "d" was sent
    assert [r.status for r in results] == ["ok"] * 4
    assert sorted(read_results(out)) == ["item-0", "item-1", "item-2", "item-3"]
    assert all(line.endswith("}") for line in out.read_text().splitlines())


KILLED_RUN = textwrap.dedent("""
    import asyncio, sys, time
    from chatkit.batch import run_batch
    from chatkit.connect import AsyncOpenAI
    from chatkit.sandbox.scripted import ScriptedEngine
    from chatkit.sandbox.server import Sandbox

    class Slow(ScriptedEngine):
        def generate(self, prompt, sampling, cancel=None):
            time.sleep(0.05)
            return super().generate(prompt, sampling, cancel)

    box = Sandbox.start(engine=Slow(), data_dir=sys.argv[2])
    client = AsyncOpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    client.default_model = box.engine.model_id
    asyncio.run(run_batch(client, [f"q{i}" for i in range(200)], out=sys.argv[1], concurrency=2, progress=False))
""")


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_a_kill_mid_run_loses_no_finished_result_and_duplicates_none(scripted, tmp_path):
    out = tmp_path / "results.jsonl"
    child = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(out), str(tmp_path / "data")])
    deadline = time.monotonic() + 60
    while (not out.exists() or len(out.read_bytes().splitlines()) < 10) and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    before = read_results(out)
    assert 10 <= len(before) < 200
    results = run(run_batch(async_client(scripted), [f"q{i}" for i in range(200)], out=out, progress=False))
    assert len(scripted.engine.history) == 200 - len(before)  # finished items were not sent again
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 200 and all(r.status == "ok" for r in results)


class FakeTime:
    """A clock that moves only when the throttle sleeps; ``slept`` lists every wait."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_throttle_keeps_under_its_request_rate():
    fake = FakeTime()
    throttle = Throttle(rpm=600 / Throttle.MARGIN, clock=fake.clock, sleep=fake.sleep)  # 10 a second
    throttle.requests.level = 0  # start empty: pace from the first request

    async def six_at_once():
        await asyncio.gather(*(throttle.acquire() for _ in range(6)))

    run(six_at_once())
    assert fake.slept == pytest.approx([0.1] * 6)  # one wait of a tenth of a second before each request


def test_the_throttle_waits_for_tokens_and_lets_a_huge_request_through_on_a_full_bucket():
    fake = FakeTime()
    throttle = Throttle(tpm=6000 / Throttle.MARGIN, clock=fake.clock, sleep=fake.sleep)  # 100 tokens a second
    run(throttle.acquire(tokens=5900))
    assert fake.slept == []  # fits the full bucket
    run(throttle.acquire(tokens=200))
    assert fake.slept == pytest.approx([1.0])  # 100 left: a second for the missing 100
    run(throttle.acquire(tokens=10**6))  # more than a minute's worth: waits for a full bucket, not forever
    assert fake.slept == pytest.approx([1.0, 60.0])


# --- against the sandbox's rate limits and quota ----------------------------------------

@pytest.fixture
def limited(tmp_path):
    from chatkit.sandbox.limits import Limits
    from chatkit.sandbox.scripted import ScriptedEngine
    from chatkit.sandbox.server import Sandbox

    with Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path, limits=Limits()) as box:
        yield box


def test_the_client_throttle_keeps_the_server_from_refusing_anything(limited, monkeypatch):
    waits = []

    async def sleep(seconds):  # the real wait, recorded
        waits.append(seconds)
        await asyncio.sleep(seconds)

    monkeypatch.setattr(runner, "Throttle", functools.partial(Throttle, sleep=sleep))
    limited.limits.update(rpm=60)
    results = run(run_batch(async_client(limited), ["Hi"] * 63, rpm=60, concurrency=16, progress=False))
    assert all(r.status == "ok" and r.attempts == 1 for r in results)
    assert sum(limited.limits.refused.values()) == 0
    assert len(waits) >= 63 - int(60 * Throttle.MARGIN)  # each request past the bucket's 57 waited its turn


def test_without_the_throttle_the_sdk_retries_the_429s_and_succeeds(limited):
    limited.limits.update(rpm=60)
    results = run(run_batch(async_client(limited), ["Hi"] * 62, concurrency=16, progress=False))
    assert all(r.status == "ok" for r in results)
    assert limited.limits.refused["rate_limit_exceeded"] >= 1
    assert max(r.attempts for r in results) >= 2  # the SDK waited for retry-after, then sent again


def test_an_empty_quota_stops_the_run_at_once(limited, tmp_path):
    limited.engine.default = "word " * 20
    limited.limits.update(quota_tokens=150)
    with pytest.raises(QuotaExceeded, match="billing error") as error:
        run(run_batch(async_client(limited), ["Hi"] * 30, concurrency=2, out=tmp_path / "r.jsonl", progress=False))
    statuses = [r.status for r in error.value.results]
    assert "skipped" in statuses and statuses.count("ok") < 30
    assert len(limited.engine.history) < 30  # the rest were never sent
    assert sorted(read_results(tmp_path / "r.jsonl")) == sorted(r.id for r in error.value.results if r.status == "ok")


def test_no_more_than_concurrency_requests_are_in_flight(limited):
    limited.limits.update(latency_ms=200)
    results = run(run_batch(async_client(limited), ["Hi"] * 9, concurrency=3, progress=False))
    edges = sorted([(r.started, 1) for r in results] + [(r.started + r.latency, -1) for r in results],
                   key=lambda e: (e[0], e[1]))
    in_flight = peak = 0
    for _, step in edges:
        in_flight += step
        peak = max(peak, in_flight)
    assert peak == 3  # all three slots used, never a fourth
