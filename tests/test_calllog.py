"""The call log and the spending guard, through the official client over real HTTP."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import stat

import httpx2
import openai
import pytest

import chatkit
from chatkit.calllog import CallLog, WatchedTransport, Watcher, endpoint
from support import client_for

MODEL = "scripted-test-model"
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture
def log(tmp_path):
    return CallLog(tmp_path / "calls.jsonl")


def test_one_line_per_call_with_the_usage_the_client_saw(scripted, log):
    client = chatkit.watch(client_for(scripted), log=log)
    reply = client.chat.completions.create(model=MODEL, messages=HI)
    answer = client.responses.create(model=MODEL, input="Hi")
    lines = [json.loads(line) for line in log.path.read_text().splitlines()]
    assert lines == log.records and len(lines) == 2
    chat, responses = lines
    assert (chat["endpoint"], chat["status"], chat["model"], chat["retry"]) == ("/chat/completions", 200, MODEL, 0)
    assert (chat["input_tokens"], chat["output_tokens"]) == (reply.usage.prompt_tokens, reply.usage.completion_tokens)
    assert chat["request_id"] == reply._request_id and chat["latency_s"] > 0
    assert (responses["endpoint"], responses["output_tokens"]) == ("/responses", answer.usage.output_tokens)
    assert chat["backend"] == "sandbox" and chat["cost"] == 0.0 or chat["cost"] is None


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_streamed_answers_are_logged_when_read_to_the_end(scripted, log, api):
    scripted.engine.enqueue("Hello there")
    client = chatkit.watch(client_for(scripted), log=CallLog(include_text=True))
    if api == "chat":
        stream = client.chat.completions.create(model=MODEL, messages=HI, stream=True,
                                                stream_options={"include_usage": True})
    else:
        stream = client.responses.create(model=MODEL, input="Hi", stream=True)
    with stream:
        list(stream)
    (call,) = client._client._transport.watcher.log.records
    assert call["stream"] and call["answer"] == "Hello there" and call["output_tokens"] > 0


def test_text_only_when_asked_and_never_the_key(scripted, log):
    client = chatkit.watch(client_for(scripted), log=log)
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "my secret question"}])
    written = log.path.read_text()
    assert "secret question" not in written and "prompt" not in log.records[0]
    assert scripted.key not in written and scripted.key[-12:] not in written


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_the_log_file_is_readable_by_its_owner_only(log):
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600


def test_it_goes_to_logging_too(scripted, caplog):
    client = chatkit.watch(client_for(scripted), log=CallLog())
    with caplog.at_level(logging.INFO, logger="chatkit.calls"):
        client.chat.completions.create(model=MODEL, messages=HI)
    (record,) = caplog.records
    assert record.call["status"] == 200 and "POST /chat/completions" in record.getMessage()


def test_errors_are_logged_with_their_code(scripted, log):
    client = chatkit.watch(client_for(scripted), log=log)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-nonexistent", messages=HI)
    assert (log.records[0]["status"], log.records[0]["error"]) == (404, "model_not_found")


def test_a_connection_error_is_logged_without_a_status(log):
    client = chatkit.watch(openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1", max_retries=0), log=log)
    with pytest.raises(openai.APIConnectionError):
        client.models.list()
    assert (log.records[0]["status"], log.records[0]["error"]) == (None, "connection_error")


def test_each_retry_is_a_line_with_the_sdks_retry_count(log):
    answers = iter([httpx2.Response(500, json={"error": {"message": "boom", "type": "server_error"}}),
                    httpx2.Response(200, json={"object": "list", "data": []})])
    watcher = Watcher(log=log, budget=None, backend="mock")
    transport = WatchedTransport(httpx2.MockTransport(lambda request: next(answers)), watcher)
    client = openai.OpenAI(api_key="sk-test", base_url="https://api.example.test/v1", max_retries=1,
                           http_client=httpx2.Client(transport=transport))
    client.models.list()
    assert [(r["status"], r["retry"]) for r in log.records] == [(500, 0), (200, 1)]


def test_price_as_shows_what_the_sandbox_calls_would_cost(scripted):
    log = CallLog(price_as="gpt-4.1-mini")
    chatkit.watch(client_for(scripted), log=log).chat.completions.create(model=MODEL, messages=HI)
    call = log.records[0]
    expected = chatkit.tokens.estimate_cost("gpt-4.1-mini", call["input_tokens"], call["output_tokens"]).total
    assert call["priced_as"] == "gpt-4.1-mini" and call["cost"] == expected > 0


@pytest.mark.parametrize("stream", [False, True])
def test_a_reasoning_models_hidden_tokens_are_logged_and_priced_as_output(sandbox, stream):
    log = CallLog(price_as="gpt-6-luna")
    client = chatkit.watch(client_for(sandbox), log=log)
    answer = client.responses.create(model="smollm2-135m-reasoning", input="Hi", reasoning={"effort": "low"},
                                     max_output_tokens=60, stream=stream)
    if stream:
        list(answer)
    call = log.records[0]
    assert call["reasoning_tokens"] == 32 and call["output_tokens"] > 32
    assert call["cost"] == chatkit.tokens.estimate_cost("gpt-6-luna", call["input_tokens"], call["output_tokens"]).total


def test_the_async_client_is_logged_too(scripted):
    log = CallLog()
    client = chatkit.watch(openai.AsyncOpenAI(api_key=scripted.key, base_url=scripted.base_url), log=log)
    asyncio.run(client.chat.completions.create(model=MODEL, messages=HI))
    assert log.records[0]["status"] == 200


def test_connect_takes_a_log_path(monkeypatch, scripted, tmp_path):
    monkeypatch.setenv("CHATKIT_BACKEND", "sandbox")
    monkeypatch.setattr(importlib.import_module("chatkit.connect"), "ensure_running", lambda data_dir=None: scripted)
    client = chatkit.connect(log=tmp_path / "c.jsonl", max_retries=0)
    client.chat.completions.create(model=MODEL, messages=HI)
    assert client.default_model and len((tmp_path / "c.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize("path, expected", [
    ("/v1/chat/completions", "/chat/completions"), ("/v1/responses/resp_abc123/cancel", "/responses/{id}/cancel"),
    ("/api/paas/v4/chat/completions", "/chat/completions"), ("/v1/models", "/models")])
def test_endpoints_are_named_without_prefix_or_ids(path, expected):
    assert endpoint(path) == expected


# --- the spending guard --------------------------------------------------------------------

def test_the_guard_refuses_before_sending(scripted):
    budget = chatkit.Budget(tokens=100)
    client = chatkit.watch(client_for(scripted), budget=budget, log=(log := CallLog()))
    sent = len(scripted.engine.history)
    with pytest.raises(chatkit.BudgetExceeded) as refused:
        client.chat.completions.create(model=MODEL, messages=HI, max_tokens=500)
    assert len(scripted.engine.history) == sent  # nothing reached the server
    assert "up to" in str(refused.value) and "output limit" in chatkit.explain(refused.value).fix
    assert (budget.refused, budget.calls, log.records[0]["error"]) == (1, 0, "budget_exceeded")


def test_the_guard_counts_what_was_really_used(scripted):
    budget = chatkit.Budget(tokens=200)
    client = chatkit.watch(client_for(scripted), budget=budget)
    reply = client.chat.completions.create(model=MODEL, messages=HI, max_tokens=20)
    assert budget.spent_tokens == reply.usage.total_tokens and budget.calls == 1


def test_the_guard_stops_a_session_once_spent(scripted):
    scripted.engine.default = "word " * 20
    budget = chatkit.Budget(dollars=0.0001, price_as="gpt-4.1-mini")
    client = chatkit.watch(client_for(scripted), budget=budget)
    with pytest.raises(chatkit.BudgetExceeded):
        for _ in range(50):
            client.chat.completions.create(model=MODEL, messages=HI, max_tokens=30)
    assert 0 < budget.spent <= 0.0001 and budget.calls < 50


def test_the_guard_holds_room_for_calls_in_flight():
    budget = chatkit.Budget(tokens=120)
    request = {"model": MODEL, "messages": HI, "max_tokens": 40}  # 8 tokens in (o200k_base's estimate), 40 out
    first, second = budget.reserve(request), budget.reserve(request)  # both still running
    with pytest.raises(chatkit.BudgetExceeded, match="96 of the budget's 120 are used or held"):
        budget.reserve(request)
    budget.settle(first, {"input_tokens": 2, "output_tokens": 3})
    budget.reserve(request)  # the first used far less than it held: room again
    assert (budget.spent_tokens, budget.calls, budget.refused) == (5, 1, 1)
    assert second


def test_a_dollar_budget_needs_a_price(scripted):
    client = chatkit.watch(client_for(scripted), budget=chatkit.Budget(dollars=1))
    with pytest.raises(chatkit.BudgetExceeded, match="cannot price"):
        client.chat.completions.create(model=MODEL, messages=HI)


@pytest.mark.parametrize("limits", [{}, {"dollars": -1}])
def test_a_budget_needs_a_sensible_limit(limits):
    with pytest.raises(chatkit.ChatkitError):
        chatkit.Budget(**limits)
