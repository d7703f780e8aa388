"""Money in the provider's currency: yuan for the Chinese providers, dollars for OpenAI, never mixed.

Each cost carries its currency (chatkit/prices.json); a budget counts one currency and refuses a
call priced in another before it is sent; the call log's tables sum each currency apart; the chat
window shows the sign of the currency the model is billed in.
"""

from __future__ import annotations

import math

import pytest

import chatkit
from chatkit import providers, tokens, usage
from chatkit.calllog import CallLog
from chatkit.widgets.turn import Turn
from support import client_for

MODEL = "scripted-test-model"
HI = [{"role": "user", "content": "Hi"}]
YUAN, DOLLARS = "deepseek-flash", "gpt-4.1-mini"


def priced(model: str) -> dict:
    return tokens.model_facts(model)


def test_a_chinese_model_costs_yuan_per_million_tokens():
    price = priced(YUAN)
    cost = tokens.estimate_cost(YUAN, 1_000_000, 500_000)
    assert cost.currency == "CNY" and cost.total == pytest.approx(price["input"] + price["output"] / 2)
    assert str(cost).startswith(f"¥{cost.total:.6f} for deepseek-flash (1,000,000 input + 500,000 output")
    assert (cost.prices_date, cost.source) == (price["checked"], price["source"])


def test_a_cost_speaks_chinese_with_its_sign(monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    assert str(tokens.estimate_cost(YUAN, 1_000, 0)).startswith("deepseek-flash 约 ¥0.002000（输入 1,000 个 token")
    assert "$" in str(tokens.estimate_cost(DOLLARS, 1_000, 0))


def test_every_chinese_price_is_sourced_and_dated():
    yuan = {model: price for model, price in tokens.price_table()["models"].items() if price.get("currency") == "CNY"}
    assert YUAN in yuan
    for model, price in yuan.items():
        assert price["source"].startswith("https://") and price["checked"], model


def test_the_chinese_presets_default_models_are_priced_in_yuan_where_priced():
    for name, preset in providers.table()["providers"].items():
        facts = priced(preset["model"]) if preset.get("model") else None
        if facts is not None and name != "openai":
            assert facts.get("currency") == "CNY", name


def test_a_yuan_budget_adds_up_yuan(scripted):
    scripted.engine.default = "word " * 20
    budget = chatkit.Budget(yuan=0.001, price_as=YUAN)
    client = chatkit.watch(client_for(scripted), budget=budget)
    with pytest.raises(chatkit.BudgetExceeded, match="of the budget's ¥0.001 is spent or held"):
        for _ in range(100):
            client.chat.completions.create(model=MODEL, messages=HI, max_tokens=30)
    assert 0 < budget.spent <= 0.001 and budget.currency == "CNY" and budget.calls < 100
    assert repr(budget).startswith(f"Budget(¥{budget.spent:.6f} of ¥0.001 spent")


@pytest.mark.parametrize("limit, model, theirs", [({"dollars": 1}, YUAN, "yuan"), ({"yuan": 1}, DOLLARS, "US dollars")])
def test_a_budget_refuses_a_cost_in_another_currency(scripted, limit, model, theirs):
    budget = chatkit.Budget(**limit, price_as=model)
    client = chatkit.watch(client_for(scripted), budget=budget)
    sent = len(scripted.engine.history)
    with pytest.raises(chatkit.BudgetExceeded, match=f"is priced in {theirs}") as refused:
        client.chat.completions.create(model=MODEL, messages=HI, max_tokens=5)
    assert "never adds two currencies" in str(refused.value) and "Budget(yuan=" in refused.value.fix
    assert len(scripted.engine.history) == sent and budget.spent == 0 and budget.calls == 0  # nothing was sent


def test_a_budget_counts_one_currency():
    with pytest.raises(chatkit.ChatkitError, match="both dollars= and yuan="):
        chatkit.Budget(dollars=1, yuan=7)


def test_the_log_records_each_calls_currency(scripted):
    log = CallLog(price_as=YUAN)
    chatkit.watch(client_for(scripted), log=log).chat.completions.create(model=MODEL, messages=HI)
    assert log.records[-1]["currency"] == "CNY" and log.records[-1]["priced_as"] == YUAN


def call(model: str, cost: float | None, currency: str | None) -> dict:
    return {"time": "2026-12-06T03:01:02Z", "model": model, "status": 200, "latency_s": 0.5,
            "input_tokens": 10, "output_tokens": 5, "cost": cost, "currency": currency}


def test_the_dashboard_sums_each_currency_apart():
    calls = [call(YUAN, 0.25, "CNY"), call(YUAN, 0.5, "CNY"), call(DOLLARS, 0.125, "USD")]
    table = usage.summary(calls)
    assert table.loc["total CNY", ["cost", "currency", "calls"]].tolist() == [0.75, "CNY", 2]
    assert table.loc["total USD", ["cost", "currency", "calls"]].tolist() == [0.125, "USD", 1]
    assert math.isnan(table.loc["total", "cost"]) and table.loc["total", "calls"] == 3  # no sum of yuan and dollars
    buckets = usage.over_time(calls)
    assert buckets[["cost CNY", "cost USD"]].iloc[0].tolist() == [0.75, 0.125] and math.isnan(buckets["cost"].iloc[0])


def test_one_currency_has_one_total():
    table = usage.summary([call(YUAN, 0.25, "CNY"), call(YUAN, 0.5, "CNY")])
    assert table.index.tolist() == [YUAN, "total"]
    assert table.loc["total", ["cost", "currency"]].tolist() == [0.75, "CNY"]


def test_the_chat_window_shows_the_models_currency():
    yuan, dollars = Turn(YUAN, input_tokens=1_000, output_tokens=1_000), Turn(DOLLARS, input_tokens=1_000,
                                                                                output_tokens=1_000)
    assert "cost: about ¥0.010000" in str(yuan) and yuan.price.currency == "CNY"
    assert "cost: about $0.002000" in str(dollars)
