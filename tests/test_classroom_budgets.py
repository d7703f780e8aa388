"""Money budgets per student: priced from chatkit/prices.json, never converted, answered with the platform's 429.

The student is the official client; the stand-in upstream answers with the usage each test chooses.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import httpx
import openai
import pytest

from chatkit.__main__ import main
from chatkit.classroom import gateway as gateway_module
from chatkit.classroom.cli import _announce
from chatkit.classroom.limits import start_of_day
from chatkit.classroom.store import CLASS, Budget, Call, SQLiteStore, Student
from chatkit.classroom.upstreams import Upstream, Upstreams
from classroom_support import StandIn, class_of

HELLO = [{"role": "user", "content": "Hello"}]
MILLION_IN = {"prompt_tokens": 1_000_000, "completion_tokens": 0, "total_tokens": 1_000_000}
MINI = "gpt-4.1-mini"  # $0.40 per million input tokens in chatkit/prices.json
FLASH = "deepseek-flash"  # ¥2 per million input tokens
SANDBOX = "smollm2-135m-instruct"  # 0 in the table: free


@pytest.fixture
def store(tmp_path):
    with class_of(tmp_path / "classroom.sqlite3", Student("ada", "Ada"), Student("bo", "Bo")) as store:
        yield store


@pytest.fixture
def upstream():
    with StandIn() as up:
        up.usage = MILLION_IN
        yield up


@pytest.fixture
def gateway(store, upstream):
    with gateway_module.Gateway.start(store, Upstreams([Upstream(upstream.name, upstream.base_url, "sk-t")])) as gw:
        yield gw


def student(gateway, store, who: str = "ada", retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(api_key=store.issue_key(who), base_url=gateway.base_url, max_retries=retries)


def ask(client, model: str = MINI):
    return client.chat.completions.create(model=model, messages=HELLO)


def spent_before(store, at: float, model: str = MINI, input_tokens: int = 2_500_000) -> None:
    """A call recorded at ``at`` (2.5M input tokens of gpt-4.1-mini: $1.00)."""
    store.record(Call("ada", "/chat/completions", model, 200, input_tokens, 0, "up", at=at))


def test_over_the_days_money_is_insufficient_quota_which_the_sdk_does_not_retry(store, upstream, gateway):
    store.set_budget(Budget(spend_per_day=0.5))
    client = student(gateway, store, retries=2)
    ask(client)
    ask(client)  # $0.40 spent: still under the budget
    with pytest.raises(openai.RateLimitError) as caught:
        ask(client)
    assert (caught.value.code, caught.value.type) == ("insufficient_quota", "insufficient_quota")
    assert caught.value.body["message"].startswith("You exceeded your current quota, please check your plan")
    assert "you have spent $0.800000 of your $0.5 for today (UTC). Ask your teacher" in caught.value.message
    assert len(upstream.requests) == 2
    assert [c.status for c in store.calls("ada")] == [429, 200, 200]  # one refusal: the SDK did not retry it
    ask(student(gateway, store, "bo"))  # each student has their own budget

    usage = client.get("/classroom/usage", cast_to=httpx.Response).json()
    assert (usage["spend_today"], usage["spend_in_course"]) == ("$0.800000", "$0.800000")
    assert (usage["limits"]["spend_per_day"], usage["limits"]["currency"]) == (0.5, "USD")


def test_money_per_course_counts_every_day(store, upstream, gateway):
    spent_before(store, time.time() - 10 * 86_400)  # $1.00, ten days ago
    store.set_budget(Budget(spend_per_course=1.0))
    with pytest.raises(openai.RateLimitError) as caught:
        ask(student(gateway, store))
    assert "you have spent $1.000000 of your $1 for the course" in caught.value.message
    assert upstream.requests == []


def test_the_next_utc_day_restores_the_days_money(store, upstream, gateway):
    store.set_budget(Budget(spend_per_day=1.0))
    spent_before(store, start_of_day(time.time()) - 1)  # $1.00, the second before today's UTC midnight
    client = student(gateway, store)
    ask(client)
    spent_before(store, time.time())  # $1.00 more, today
    with pytest.raises(openai.RateLimitError):
        ask(client)
    assert len(upstream.requests) == 1


def test_a_model_with_no_price_is_refused_under_a_money_budget_and_the_sandboxs_are_free(store, upstream, gateway):
    store.set_budget(Budget(spend_per_day=0.1))
    client = student(gateway, store)
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client, "my-vllm-model")
    assert (caught.value.code, caught.value.param) == ("model_not_priced", "model")
    assert "no USD price for the model 'my-vllm-model'" in caught.value.message
    assert "limit this model by tokens instead" in caught.value.message
    assert upstream.requests == []
    for _ in range(3):
        ask(client, SANDBOX)  # 3M tokens, free: nothing counts against the budget
    assert len(upstream.requests) == 3
    store.set_budget(Budget(tokens_per_day=10**9))
    ask(client, "my-vllm-model")  # no money budget: a token budget limits it


def test_a_yuan_budget_counts_models_priced_in_yuan_and_never_converts_dollars(store, upstream, gateway):
    store.set_budget(Budget(spend_per_day=5, currency="CNY"))
    client = student(gateway, store)
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client, MINI)
    assert "no CNY price for the model 'gpt-4.1-mini'" in caught.value.message
    ask(client, SANDBOX)  # free in every currency
    for _ in range(3):
        ask(client, FLASH)  # ¥2 each
    with pytest.raises(openai.RateLimitError) as caught:
        ask(client, FLASH)
    assert "you have spent ¥6.000000 of your ¥5 for today (UTC)" in caught.value.message
    assert [body["model"] for _, _, body in upstream.requests] == [SANDBOX] + [FLASH] * 3


def test_the_quota_message_in_chinese(store, upstream, gateway, monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    store.set_budget(Budget(spend_per_course=1, currency="CNY"))
    spent_before(store, time.time(), FLASH, 1_000_000)  # ¥2
    with pytest.raises(openai.RateLimitError) as caught:
        ask(student(gateway, store), FLASH)
    said = "api-errors. 在这个班里，你在整门课中已花费 ¥2.000000，花费上限是 ¥1。需要更多的话，请找老师。"
    assert said in str(caught.value)


class Started(Exception):
    """What the test's Gateway.start raises: ``classroom serve`` got as far as starting the gateway."""


@pytest.fixture
def no_gateway(monkeypatch):
    def start(*args, **kwargs):
        raise Started

    monkeypatch.setattr(gateway_module.Gateway, "start", start)


def test_serve_refuses_a_money_budget_over_models_it_cannot_price(tmp_path, capsys, no_gateway):
    data = ["--data-dir", str(tmp_path), "--upstream", "http://127.0.0.1:9/v1"]
    assert main(["classroom", "serve", "--spend-per-day", "2.00", "--models", f"{MINI},my-vllm-model", *data]) == 1
    error = capsys.readouterr().err
    assert "A spending limit in USD cannot count the models my-vllm-model" in error and "--tokens-per-day" in error
    assert SQLiteStore(tmp_path / "classroom.sqlite3").budget(CLASS) == Budget()  # nothing was saved

    with pytest.raises(Started):
        main(["classroom", "serve", "--spend-per-course", "20", "--currency", "cny", "--models", f"{FLASH},{SANDBOX}",
              *data])
    assert SQLiteStore(tmp_path / "classroom.sqlite3").budget(CLASS) == Budget(
        spend_per_course=20.0, currency="CNY", models=(FLASH, SANDBOX))
    assert main(["classroom", "serve", "--spend-per-day", "two", *data]) == 2
    assert "'two' is not an amount of money" in capsys.readouterr().err


def test_serve_announces_money_limits_in_their_currency(store, capsys):
    store.set_budget(Budget(tokens_per_day=5000, spend_per_day=0.5, currency="CNY"))
    _announce(SimpleNamespace(base_url="http://127.0.0.1:8790/v1"), store, [])
    assert "Each student's limits: tokens_per_day=5000, spend_per_day=¥0.5" in capsys.readouterr().out
