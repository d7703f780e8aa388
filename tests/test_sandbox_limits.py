"""Rate limits, quota and latency on the sandbox, through the official client over real HTTP.

Each test starts its own scripted sandbox with the limits it needs. Most of them pass a
clock they move by hand, so a minute goes by without waiting for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import httpx
import openai
import pytest

from chatkit.__main__ import main
from chatkit.errors import ChatkitError
from chatkit.sandbox import app as sandbox_app
from chatkit.sandbox.engine import DEFAULT_MAX_TOKENS
from chatkit.sandbox.limits import Limits, duration
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox

MODEL = ScriptedEngine.model_id
HI = [{"role": "user", "content": "Hi"}]  # 2 prompt tokens for the scripted engine: "user: Hi"
PROMPT = 2


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def start(tmp_path):
    """``start(rpm=3, clock=clock)``: a scripted sandbox under those limits, stopped after the test."""
    boxes = []

    def start(engine=None, **settings) -> Sandbox:
        box = Sandbox.start(engine=engine or ScriptedEngine(), data_dir=tmp_path / f"box{len(boxes)}",
                            limits=Limits(**settings))
        boxes.append(box)
        return box

    yield start
    for box in boxes:
        box.stop()


def client_for(box, retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=retries)


def hi(box, **params):
    """A chat request; returns the raw response (headers, then ``.parse()``)."""
    return client_for(box).chat.completions.with_raw_response.create(model=MODEL, messages=HI, **params)


def refused(box, **params) -> openai.RateLimitError:
    with pytest.raises(openai.RateLimitError) as caught:
        hi(box, **params)
    return caught.value


# --- off by default ------------------------------------------------------------------

def test_limits_are_off_by_default(start):
    box = start()
    assert not box.limits.active
    assert repr(box.limits) == "Limits(rpm=None, tpm=None, quota_tokens=None, latency_ms=None)"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: hi(box, max_tokens=2000), range(40)))
    assert all(a.parse().choices[0].message.content == "OK" for a in answers)
    assert not any(name.startswith("x-ratelimit") for name in answers[0].headers)  # no limit, nothing to report


# --- headers ------------------------------------------------------------------------

def test_headers_report_both_limits_and_go_down(start, clock):
    box = start(rpm=10, tpm=10_000, clock=clock)
    seen = [hi(box, max_tokens=20).headers for _ in range(3)]
    cost = PROMPT + 20
    assert [h["x-ratelimit-limit-requests"] for h in seen] == ["10"] * 3
    assert [h["x-ratelimit-remaining-requests"] for h in seen] == ["9", "8", "7"]
    assert [h["x-ratelimit-reset-requests"] for h in seen] == ["6s", "12s", "18s"]  # one request back every 6 s
    assert [h["x-ratelimit-limit-tokens"] for h in seen] == ["10000"] * 3
    assert [int(h["x-ratelimit-remaining-tokens"]) for h in seen] == [10_000 - cost * n for n in (1, 2, 3)]
    assert [h["x-ratelimit-reset-tokens"] for h in seen] == ["132ms", "264ms", "396ms"]  # 22 tokens = 132 ms
    clock.advance(6)
    assert hi(box).headers["x-ratelimit-remaining-requests"] == "7"  # 8 after the refill, 7 after this request


def test_headers_tell_the_moment_the_request_was_counted(start):
    box = start(engine=ScriptedEngine(delay=0.3), rpm=600)  # the real clock: 10 requests back per second
    assert hi(box).headers["x-ratelimit-remaining-requests"] == "599"  # not 600, as 0.3 s later


def test_headers_on_every_authenticated_response_only(start, clock):
    box = start(rpm=10, clock=clock)
    listed = client_for(box).models.with_raw_response.list()
    assert listed.headers["x-ratelimit-remaining-requests"] == "10"  # reported, not counted
    assert "x-ratelimit-limit-tokens" not in listed.headers  # TPM is off: no header for it
    wrong_key = httpx.get(box.base_url + "/models", headers={"authorization": "Bearer sk-sandbox-wrong"})
    assert wrong_key.status_code == 401 and "x-ratelimit-limit-requests" not in wrong_key.headers


def test_every_generating_route_counts_and_nothing_else_does(start, clock):
    box = start(rpm=100, clock=clock)
    client = client_for(box)

    def remaining(raw) -> int:
        return int(raw.headers["x-ratelimit-remaining-requests"])

    counted = [
        hi(box),
        client.completions.with_raw_response.create(model=MODEL, prompt="Once upon"),
        client.responses.with_raw_response.create(model=MODEL, input="Hi"),
        client.responses.with_raw_response.create(model=MODEL, input="Hi", background=True),
    ]
    for raw in (hi(box, stream=True), client.responses.with_raw_response.create(model=MODEL, input="Hi", stream=True)):
        counted.append(raw)
        list(raw.parse())  # read the stream to its end
    assert [remaining(raw) for raw in counted] == [99, 98, 97, 96, 95, 94]
    free = [client.responses.input_tokens.with_raw_response.count(model=MODEL, input="Hi"),
            client.models.with_raw_response.list()]
    assert [remaining(raw) for raw in free] == [94, 94]


def test_batch_api_requests_do_not_count(start, clock):
    box = start(rpm=1, tpm=600, clock=clock)  # fewer than the batch holds, in requests and in tokens
    client = client_for(box)
    lines = [{"custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions",
              "body": {"model": MODEL, "messages": HI}} for i in range(5)]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    upload = client.files.create(file=("requests.jsonl", text.encode()), purpose="batch")
    batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
    deadline = time.monotonic() + 30
    while batch.status not in ("completed", "failed", "expired", "cancelled"):
        assert time.monotonic() < deadline, f"batch still {batch.status}"
        time.sleep(0.05)
        batch = client.batches.retrieve(batch.id)
    assert batch.status == "completed" and batch.request_counts.completed == 5
    assert hi(box, max_tokens=20).headers["x-ratelimit-remaining-requests"] == "0"  # the whole minute was left


# --- requests per minute --------------------------------------------------------------

def test_over_the_rpm_limit_is_a_429_the_sdk_understands(start, clock):
    box = start(rpm=2, clock=clock)
    hi(box), hi(box)
    error = refused(box)
    assert error.status_code == 429 and error.code == "rate_limit_exceeded" and error.type == "requests"
    assert error.param is None
    message = error.body["message"]
    assert message.startswith(f"Rate limit reached for {MODEL} in organization org-sandbox on requests per min (RPM): "
                              "Limit 2, Used 2, Requested 1. Please try again in 30s.")
    assert "platform.openai.com/account/rate-limits" in error.message and ".limits" in error.message
    headers = error.response.headers
    assert headers["retry-after-ms"] == "30000" and headers["retry-after"] == "30"
    assert headers["x-ratelimit-remaining-requests"] == "0" and headers["x-ratelimit-reset-requests"] == "1m0s"
    assert box.limits.refused["rate_limit_exceeded"] == 1


def test_refused_requests_take_nothing_and_the_bucket_refills(start, clock):
    box = start(rpm=6, clock=clock)  # one request back every 10 s
    for _ in range(6):
        hi(box)
    for _ in range(5):
        refused(box)
    clock.advance(4)
    assert "try again in 6s" in refused(box).message
    clock.advance(6)
    assert hi(box).headers["x-ratelimit-remaining-requests"] == "0"  # the five refusals took nothing
    assert refused(box).response.headers["retry-after"] == "10"
    clock.advance(60)
    assert hi(box).headers["x-ratelimit-remaining-requests"] == "5"  # a full minute: full again, minus this one


def test_a_bad_request_is_refused_before_it_counts(start, clock):
    box = start(rpm=2, tpm=1000, clock=clock)
    with pytest.raises(openai.BadRequestError) as caught:
        hi(box, temperature=9)
    assert caught.value.response.headers["x-ratelimit-remaining-requests"] == "2"
    assert hi(box).headers["x-ratelimit-remaining-requests"] == "1"


# --- tokens per minute ----------------------------------------------------------------

def test_tokens_are_counted_before_the_request_runs(start, clock):
    box = start(tpm=1000, clock=clock)
    first = hi(box, max_tokens=900)
    assert first.parse().usage.total_tokens == PROMPT + 1  # it used 3 tokens...
    assert first.headers["x-ratelimit-remaining-tokens"] == str(1000 - PROMPT - 900)  # ...and counted 902
    error = refused(box, max_tokens=200)  # would use 3 tokens too, but reserves 202 and 98 are left
    assert error.type == "tokens" and error.code == "rate_limit_exceeded"
    assert "on tokens per min (TPM): Limit 1000, Used 902, Requested 202. Please try again in 6.24s." in error.message
    assert error.response.headers["retry-after-ms"] == "6240" and error.response.headers["retry-after"] == "7"
    assert hi(box, max_tokens=96).headers["x-ratelimit-remaining-tokens"] == "0"  # 98 fit exactly


def test_an_unset_limit_counts_the_sandbox_cap_and_n_counts_each_choice(start, clock):
    box = start(tpm=100_000, clock=clock)
    assert hi(box).headers["x-ratelimit-remaining-tokens"] == str(100_000 - PROMPT - DEFAULT_MAX_TOKENS)
    box.limits.reset()
    assert hi(box, n=3, max_tokens=10).headers["x-ratelimit-remaining-tokens"] == str(100_000 - PROMPT - 30)
    box.limits.reset()
    legacy = client_for(box).completions.with_raw_response.create(model=MODEL, prompt="Once upon")
    assert legacy.headers["x-ratelimit-remaining-tokens"] == str(100_000 - 2 - 16)  # the legacy default: 16
    box.limits.reset()
    new = client_for(box).responses.with_raw_response.create(model=MODEL, input="Hi", max_output_tokens=40)
    assert new.headers["x-ratelimit-remaining-tokens"] == str(100_000 - PROMPT - 40)


def test_a_request_larger_than_the_whole_tpm_is_never_retried(start, clock):
    box = start(tpm=100, clock=clock)
    with pytest.raises(openai.RateLimitError) as caught:
        client_for(box, retries=2).chat.completions.create(model=MODEL, messages=HI, max_tokens=500)
    error = caught.value
    message = error.body["message"]
    assert message.startswith(f"Request too large for {MODEL} in organization org-sandbox on tokens per min (TPM): "
                              "Limit 100, Requested 502. The input or output tokens must be reduced")
    assert error.response.headers["x-should-retry"] == "false"
    assert box.limits.refused["rate_limit_exceeded"] == 1  # one try reached the sandbox


# --- the SDK's retries ----------------------------------------------------------------

def test_the_sdk_waits_retry_after_then_succeeds(start, caplog):
    caplog.set_level(logging.INFO, logger="openai")  # the SDK logs each wait before a retry
    box = start(tpm=1200)  # the real clock: 20 tokens come back every second
    hi(box, max_tokens=1200 - PROMPT)  # takes the whole minute's allowance
    told = []  # the retry-after-ms of every 429

    def record(response: httpx.Response) -> None:
        if response.status_code == 429:
            told.append(response.headers["retry-after-ms"])

    http = httpx.Client(event_hooks={"response": [record]})
    client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=2, http_client=http)
    reply = client.chat.completions.create(model=MODEL, messages=HI, max_tokens=20 - PROMPT)
    assert reply.choices[0].message.content == "OK"
    assert box.limits.refused["rate_limit_exceeded"] == 1  # refused once; the retry after retry-after fitted
    assert 0 < int(told[0]) <= 1000  # 20 tokens at 20 a second, less what came back meanwhile
    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Retrying request in")]
    assert waits == [f"Retrying request in {int(told[0]) / 1000:f} seconds (retry 1 of 2)"]


# --- the quota --------------------------------------------------------------------

def test_a_spent_quota_is_a_billing_error_and_not_retried(start):
    box = start(quota_tokens=10)
    box.engine.enqueue("one two three four five six seven eight")  # 2 + 8 = 10 tokens: all of it
    hi(box)
    with pytest.raises(openai.RateLimitError) as caught:
        client_for(box, retries=2).chat.completions.create(model=MODEL, messages=HI)
    error = caught.value
    assert error.code == "credit_balance_exhausted" and error.type == "insufficient_quota"
    message = error.body["message"]
    assert message.startswith("You exceeded your current quota, please check your plan and billing details.")
    assert "used 10 of its 10 quota tokens" in error.message and "limits.reset()" in error.message
    assert error.response.headers["x-should-retry"] == "false"
    assert box.limits.refused["credit_balance_exhausted"] == 1  # the SDK sent it once: no retry
    box.limits.reset()
    assert hi(box).parse().choices[0].message.content == "OK"


def test_the_quota_counts_usage_since_it_was_set(start):
    box = start()
    box.engine.enqueue("one two three four five six seven eight")
    hi(box)  # 10 tokens before any quota
    box.limits.update(quota_tokens=5)
    box.engine.enqueue("one two three")
    hi(box)  # the quota starts here: 5 tokens
    assert refused(box).code == "credit_balance_exhausted"


# --- latency ------------------------------------------------------------------------

class Latency:
    """The sandbox's latency wait, recorded; with ``together=n``, each wait lasts until ``n`` are waiting at once."""

    def __init__(self, together: int = 1) -> None:
        self.together, self.waits, self.waiting, self.most = together, [], 0, 0
        self.give_up = None

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.waiting += 1
        self.most = max(self.most, self.waiting)
        # Waits that never overlap give up after a while, all at once; `most` tells the test.
        self.give_up = self.give_up or time.monotonic() + 10
        while self.most < self.together and time.monotonic() < self.give_up:
            await asyncio.sleep(0.01)
        self.waiting -= 1


def test_every_request_waits_the_latency_first(start):
    latency = Latency()
    box = start(latency_ms=300, sleep=latency.sleep)
    assert hi(box).parse().choices[0].message.content == "OK"
    assert latency.waits == [0.3]


def test_latency_overlaps_between_concurrent_requests(start):
    n, latency = 6, Latency(together=6)
    box = start(latency_ms=300, sleep=latency.sleep)
    client = client_for(box)
    with ThreadPoolExecutor(n) as pool:
        list(pool.map(lambda _: client.chat.completions.create(model=MODEL, messages=HI), range(n)))
    assert latency.most == n  # all six waited at once: one round trip, not six in a row


def test_latency_is_not_processing_time(start, monkeypatch):
    now = [0.0]

    async def latency(seconds: float) -> None:  # the latency passes on a clock...
        now[0] += seconds

    # ...that openai-processing-ms also reads: only the latency moves it
    monkeypatch.setattr(sandbox_app, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    raw = hi(start(latency_ms=200, sleep=latency))
    assert now[0] == 0.2 and raw.headers["openai-processing-ms"] == "0"


# --- settings from Python and from the command line -------------------------------------

def test_limits_change_on_a_running_sandbox(start, clock):
    box = start(clock=clock)
    assert box.limits.update(rpm=1) is box.limits
    hi(box)
    assert refused(box).type == "requests"
    box.limits.reset()
    hi(box)
    box.limits.update(rpm=0)
    assert "x-ratelimit-limit-requests" not in hi(box).headers


def test_settings_are_checked():
    with pytest.raises(TypeError, match="no setting 'rpn': use one of rpm, tpm, quota_tokens, latency_ms"):
        Limits().update(rpn=3)
    with pytest.raises(ValueError, match="rpm must be a whole number of at least 0"):
        Limits(rpm=-1)
    with pytest.raises(ValueError, match="tpm must be"):
        Limits(tpm=2.5)


def test_durations_are_written_as_the_platform_writes_them():
    assert [duration(s) for s in (0, 0.0004, 0.12, 1, 1.2, 8.64, 60, 90.5, 360)] == [
        "0s", "1ms", "120ms", "1s", "1.2s", "8.64s", "1m0s", "1m30.5s", "6m0s"]


def test_serve_takes_the_limits(monkeypatch, capsys):
    given = {}

    def start(**kwargs):
        given.update(kwargs)
        raise ChatkitError("Stopped by the test.")

    monkeypatch.setattr(Sandbox, "start", start)
    assert main(["serve", "--port", "0", "--rpm", "20", "--tpm", "4000", "--quota-tokens", "100000",
                 "--latency-ms", "300"]) == 1
    assert repr(given["limits"]) == "Limits(rpm=20, tpm=4000, quota_tokens=100000, latency_ms=300)"
    assert main(["serve", "--rpm", "-3"]) == 2
    assert "'-3' is not a whole number" in capsys.readouterr().err
