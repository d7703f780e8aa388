"""Provider behaviour known before sending (chatkit/behaviour.py), through connect() against stand-in servers.

Each stand-in is a small HTTP server on 127.0.0.1 that answers as the provider documents (Kimi's 400 for a
temperature above 1, or for temperature 0 with n > 1) and records every request it receives, and how many
were in flight at once. The tests assert what reached it: nothing, for a value out of the provider's range.
"""

from __future__ import annotations

import asyncio
import json
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

import chatkit
from chatkit import providers
from chatkit.batch.runner import run_batch
from chatkit.behaviour import NoEffectWarning, OutOfRange, batch_limits, ignored
from chatkit.failures import explain
from chatkit.providers import preset
from support import send

KEY = "sk-" + "s" * 44 + "T3st"
HI = [{"role": "user", "content": "Hi"}]
HOLD = 0.5  # seconds a request waits for a second one to arrive, so that two sent together overlap


class StandIn:
    """A provider's Chat Completions on 127.0.0.1: ``requests`` it received, ``most_at_once`` in flight."""

    def __init__(self, refuse) -> None:
        self.refuse, self.requests, self.in_flight, self.most_at_once = refuse, [], 0, 0
        self.lock, self.overlap = threading.Lock(), threading.Event()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append(body)
                with stand_in.lock:
                    stand_in.in_flight += 1
                    stand_in.most_at_once = max(stand_in.most_at_once, stand_in.in_flight)
                    if stand_in.in_flight > 1:
                        stand_in.overlap.set()
                stand_in.overlap.wait(HOLD)  # a second request sent meanwhile is in flight with this one
                with stand_in.lock:
                    stand_in.in_flight -= 1
                problem = stand_in.refuse(body)
                status, answer = (400, {"error": {"message": problem, "type": "invalid_request_error"}}) if problem \
                    else (200, completion(body["model"]))
                data = json.dumps(answer).encode()
                send(self, status, data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def completion(model: str) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def kimi_refuses(body: dict) -> str | None:
    """Moonshot's documented 400s on moonshot-v1 models (platform.kimi.com/docs/api/models-overview)."""
    temperature = body.get("temperature", 0.3)
    if not 0 <= temperature <= 1:
        return f"invalid temperature: {temperature}, must be in [0, 1]"
    if temperature == 0 and body.get("n", 1) > 1:
        return "invalid n: when temperature is 0, n must be 1"
    return None


def deepseek_refuses(body: dict) -> str | None:
    """DeepSeek: temperature in [0, 2]; while thinking (the default) it is accepted and has no effect."""
    return None if 0 <= body.get("temperature", 1) <= 2 else "temperature must be in [0, 2]"


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch):
    """No base URL remembered from another test (connect() remembers which provider a URL is)."""
    monkeypatch.setattr(providers, "_live", {})


@pytest.fixture
def kimi(monkeypatch):
    """Kimi's stand-in, and the settings that make connect() use the moonshot preset there."""
    with StandIn(kimi_refuses) as stand_in:
        play(monkeypatch, stand_in, "moonshot", "MOONSHOT_API_KEY", "moonshot-v1-8k")
        yield stand_in


@pytest.fixture
def deepseek(monkeypatch):
    with StandIn(deepseek_refuses) as stand_in:
        play(monkeypatch, stand_in, "deepseek", "DEEPSEEK_API_KEY", "deepseek-flash")
        yield stand_in


def play(monkeypatch, stand_in: StandIn, name: str, variable: str, model: str) -> None:
    monkeypatch.setenv("CHATKIT_PROVIDER", name)
    monkeypatch.setenv(variable, KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", stand_in.base_url)
    monkeypatch.setenv("CHATKIT_MODEL", model)


def failure(call):
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


# --- a value outside the provider's range never leaves the machine ------------------------------------

def test_the_stand_in_refuses_what_kimi_refuses(kimi):
    plain = openai.OpenAI(api_key=KEY, base_url=kimi.base_url, max_retries=0)  # no chatkit in the way
    error = failure(lambda: plain.chat.completions.create(model="moonshot-v1-8k", messages=HI, temperature=1.4))
    assert isinstance(error, openai.BadRequestError) and len(kimi.requests) == 1


def test_a_temperature_above_kimis_range_is_refused_before_sending(kimi):
    client = chatkit.connect()
    error = failure(lambda: client.chat.completions.create(model=client.default_model, messages=HI,
                                                           temperature=1.4))
    assert isinstance(error, OutOfRange) and isinstance(error, openai.OpenAIError)
    assert kimi.requests == []  # nothing sent, so nothing billed, and the SDK did not retry
    line = str(error)
    assert "\n" not in line
    assert line.startswith("Moonshot Kimi accepts temperature from 0 to 1 on moonshot-v1 models (checked ")
    assert "this request sends 1.4." in line and "Send a temperature from 0 to 1" in line
    found = explain(error)
    assert (found.kind, found.retry) == ("out_of_range", False)
    assert "nothing was sent" in found.cause


def test_temperature_zero_with_several_answers_is_refused_on_kimi(kimi):
    client = chatkit.connect()
    error = failure(lambda: client.chat.completions.create(model=client.default_model, messages=HI,
                                                           temperature=0, n=3))
    assert isinstance(error, OutOfRange) and kimi.requests == []
    assert "accepts n equal to 1 when temperature is 0" in str(error)


def test_a_value_in_range_is_sent(kimi):
    client = chatkit.connect()
    reply = client.chat.completions.create(model=client.default_model, messages=HI, temperature=0.7, n=2)
    assert reply.choices[0].message.content == "OK"
    assert [r["temperature"] for r in kimi.requests] == [0.7]


def test_the_range_holds_only_for_the_models_it_names(kimi):
    # kimi-k2.6 and later fix their own sampling settings: chatkit does not guess, the server answers.
    client = chatkit.connect(max_retries=0)
    error = failure(lambda: client.chat.completions.create(model="kimi-k2.6", messages=HI, temperature=1.4))
    assert isinstance(error, openai.BadRequestError) and len(kimi.requests) == 1


def test_the_refusal_is_in_the_learners_language(kimi, monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    client = chatkit.connect()
    error = failure(lambda: client.chat.completions.create(model=client.default_model, messages=HI,
                                                           temperature=1.5))
    assert str(error).startswith("Moonshot Kimi 只接受 0 到 1 之间的 temperature（适用于 moonshot-v1 系列模型，核对于 ")
    assert kimi.requests == []


# --- a setting that will have no effect is said once -------------------------------------------------

def test_deepseek_says_once_that_temperature_does_nothing_while_it_thinks(deepseek):
    client = chatkit.connect()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")  # Python's own once-per-place filter must not hide a second warning
        for temperature in (0.2, 1.5, 1.5):
            client.chat.completions.create(model=client.default_model, messages=HI, temperature=temperature)
    said = [w for w in seen if issubclass(w.category, NoEffectWarning)]
    assert len(said) == 1 and len(deepseek.requests) == 3  # accepted and sent, as DeepSeek does
    text = str(said[0].message)
    assert text.startswith("DeepSeek's model thinks on this request, and while it thinks it accepts temperature")
    assert "extra_body={'thinking': {'type': 'disabled'}} (Chat Completions API)" in text
    assert "reasoning={'effort': 'none'} (Responses API)" in text


def test_with_thinking_off_deepseek_says_nothing(deepseek):
    client = chatkit.connect()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        client.chat.completions.create(model=client.default_model, messages=HI, temperature=1.5,
                                       extra_body={"thinking": {"type": "disabled"}})
    assert not [w for w in seen if issubclass(w.category, NoEffectWarning)]
    assert deepseek.requests[0]["thinking"] == {"type": "disabled"}


def test_deepseek_refuses_a_temperature_above_two_before_sending(deepseek):
    client = chatkit.connect()
    error = failure(lambda: client.chat.completions.create(model=client.default_model, messages=HI,
                                                           temperature=2.5))
    assert isinstance(error, OutOfRange) and deepseek.requests == []


def test_thinking_off_on_the_responses_api_counts_too():
    deepseek = preset("deepseek")
    body = {"model": "deepseek-flash", "input": "Hi", "temperature": 1.5}
    assert ignored(deepseek, "responses", body) == ["temperature"]
    assert ignored(deepseek, "responses", {**body, "reasoning": {"effort": "none"}}) == []


def test_a_provider_off_by_default_warns_when_thinking_is_turned_on():
    qianfan = preset("qianfan")
    body = {"model": "deepseek-v3.2", "messages": HI, "top_p": 0.5}
    assert ignored(qianfan, "chat", body) == []
    assert ignored(qianfan, "chat", {**body, "thinking": {"type": "enabled"}}) == ["top_p"]


# --- the batch runner keeps to the entry tier's limits -----------------------------------------------

def test_every_preset_records_its_behaviour_with_a_date_and_sources():
    for provider in providers.presets().values():
        facts = provider.behaviour
        assert facts and facts["checked"] and facts["sources"], provider.name
        assert {"ranges", "thinking", "limits"} <= set(facts), provider.name


def test_kimis_entry_tier_limits_are_known():
    assert batch_limits("moonshot") == {"concurrency": 1, "rpm": 3, "tpm": 500000}
    assert batch_limits("ollama") == {}


def test_run_batch_sends_one_at_a_time_on_kimis_entry_tier(kimi):
    results = asyncio.run(run_batch(chatkit.connect_async(), ["Hi", "Hello"], progress=False))
    assert [r.status for r in results] == ["ok", "ok"]
    assert kimi.most_at_once == 1


def test_a_concurrency_the_caller_sets_wins(kimi):
    results = asyncio.run(run_batch(chatkit.connect_async(), ["Hi", "Hello"], concurrency=2, progress=False))
    assert [r.status for r in results] == ["ok", "ok"]
    assert kimi.most_at_once == 2
