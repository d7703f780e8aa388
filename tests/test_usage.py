"""The usage dashboard: a hand-made call log, read, summed and drawn, with every number checked."""

from __future__ import annotations

import doctest
import io
import json
import math
import subprocess
import sys
import warnings

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from chatkit import usage
from chatkit.sandbox.store import Store

matplotlib.use("Agg")  # no window and no display needed; pyplot picks its backend only when first drawing

MINI, TUNED = "gpt-4.1-mini", "ft:gpt-4.1-mini:acme"  # TUNED is not in the price table


def call(time, model=MINI, status=200, error=None, latency=0.5, tokens=(None, None), cost=None,
         retry=0, stream=False, endpoint="/responses", method="POST"):
    """One record as chatkit.calllog writes it."""
    priced = model if cost is not None else None
    return {"time": f"2026-11-26T{time}Z", "backend": "openai", "method": method, "endpoint": endpoint,
            "model": model, "status": status, "error": error, "request_id": "req_1" if status else None,
            "latency_s": latency, "stream": stream, "input_tokens": tokens[0], "output_tokens": tokens[1],
            "cost": cost, "priced_as": priced, "retry": retry}


RECORDS = [
    call("03:00:05.000", latency=0.4, tokens=(100, 20), cost=0.000072),
    call("03:00:20.250", latency=0.6, tokens=(200, 40), cost=0.000144),
    call("03:00:40.000", status=429, error="rate_limit_exceeded", latency=0.1),
    call("03:00:41.500", latency=0.8, tokens=(200, 40), cost=0.000144, retry=1),
    call("03:01:10.000", latency=0.5, tokens=(50, 10), cost=0.000036, stream=True),
    call("03:01:30.000", status=None, error="timeout", latency=5.0),
    call("03:01:50.000", latency=1.2, tokens=(300, 60), cost=0.000216),
    call("03:03:00.000", TUNED, latency=0.7, tokens=(10, 5)),
    call("03:03:20.000", TUNED, latency=0.9, tokens=(20, 10)),
    call("03:03:40.000", TUNED, latency=1.1, tokens=(30, 15)),
    call("03:04:30.000", latency=0.3, tokens=(100, 20), cost=0.000072),  # written before the one below
    call("03:04:00.000", None, latency=0.05, endpoint="/models", method="GET"),
]
RECORDS[1].update(prompt="Hi", answer="Hello!")  # text logging on: not part of the table


@pytest.fixture
def log_file(tmp_path):
    lines = [json.dumps(record) for record in RECORDS]
    lines.insert(3, '{"time": "2026-11-26T03:05:00.000Z", "model": "gpt-4.')  # a write cut short
    lines.insert(7, "")  # blank: ignored, not counted
    lines.insert(9, json.dumps({"time": "yesterday", "model": MINI}))  # no readable time
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def calls(log_file):
    return usage.read_log(log_file)


# --- read_log ---------------------------------------------------------------------------

def test_read_log_keeps_the_records_in_time_order(calls):
    assert len(calls) == 12
    assert list(calls.columns) == list(usage.COLUMNS)  # prompt and answer are left out
    assert calls["time"].is_monotonic_increasing
    assert str(calls["time"].dt.tz) == "UTC"
    assert calls["time"].iloc[1] == pd.Timestamp("2026-11-26 03:00:20.250", tz="UTC")
    assert calls["endpoint"].iloc[10] == "/models" and pd.isna(calls["model"].iloc[10])


def test_read_log_counts_corrupt_lines_not_blank_ones(calls):
    assert calls.attrs["skipped"] == 2


def test_read_log_keeps_missing_values_missing(calls):
    timeout = calls[calls["error"] == "timeout"].iloc[0]
    assert pd.isna(timeout["status"]) and pd.isna(timeout["input_tokens"]) and math.isnan(timeout["cost"])
    assert calls["retry"].tolist().count(1) == 1
    assert calls["stream"].sum() == 1


def test_read_log_reads_records_lines_and_frames_alike(calls, log_file):
    from_dicts = usage.read_log(iter(RECORDS))  # what iterating a CallLog gives
    with open(log_file, encoding="utf-8") as lines:
        from_lines = usage.read_log(lines)
    pd.testing.assert_frame_equal(from_dicts, calls)
    pd.testing.assert_frame_equal(from_lines, calls)
    pd.testing.assert_frame_equal(usage.read_log(calls), calls)
    assert usage.read_log(calls).attrs["skipped"] == 2


def test_read_log_fills_optional_columns():
    calls = usage.read_log([{"time": "2026-11-26T03:00:00.000Z", "model": MINI}, "not json", 42])
    assert list(calls.columns) == list(usage.COLUMNS)
    assert calls["retry"].tolist() == [0] and calls["stream"].tolist() == [False]
    assert calls.attrs["skipped"] == 2


# --- tables -----------------------------------------------------------------------------

def test_summary_per_model_and_total(calls):
    table = usage.summary(calls)
    assert table.index.tolist() == [MINI, TUNED, usage.NO_MODEL, "total"]
    counts = ["calls", "errors", "retries", "input_tokens", "output_tokens"]
    assert table[counts].to_dict("index") == {
        MINI: {"calls": 8, "errors": 2, "retries": 1, "input_tokens": 950, "output_tokens": 190},
        TUNED: {"calls": 3, "errors": 0, "retries": 0, "input_tokens": 60, "output_tokens": 30},
        usage.NO_MODEL: {"calls": 1, "errors": 0, "retries": 0, "input_tokens": 0, "output_tokens": 0},
        "total": {"calls": 12, "errors": 2, "retries": 1, "input_tokens": 1010, "output_tokens": 220},
    }


def test_summary_cost_is_unknown_not_zero(calls):
    cost = usage.summary(calls)["cost"]
    assert cost[MINI] == pytest.approx(0.000684, abs=1e-12)  # the 429 and the timeout are free
    assert math.isnan(cost[TUNED])  # its price is unknown
    assert cost[usage.NO_MODEL] == 0.0  # GET /models is free
    assert math.isnan(cost["total"])  # a total without TUNED's calls would be wrong


def test_summary_latency_percentiles(calls):
    table = usage.summary(calls)
    # MINI's latencies, sorted: 0.1 0.3 0.4 0.5 | 0.6 0.8 1.2 5.0
    assert table.loc[MINI, "p50_latency_s"] == pytest.approx(0.55)
    assert table.loc[MINI, "p95_latency_s"] == pytest.approx(1.2 + 0.65 * (5.0 - 1.2))
    assert table.loc[TUNED, "p50_latency_s"] == pytest.approx(0.9)
    assert table.loc["total", "p50_latency_s"] == pytest.approx(0.65)
    assert table.loc["total", "p95_latency_s"] == pytest.approx(2.91)


def test_errors_by_status_and_kind(calls):
    table = usage.errors(calls)
    assert table.columns.tolist() == ["status", "error", "calls"]
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        [429, "rate_limit_exceeded", 1],
        [None, "timeout", 1],
    ]


def test_errors_counts_a_status_without_a_code():
    calls = usage.read_log([{"time": "2026-11-26T03:00:00Z", "status": 500}] * 2
                           + [{"time": "2026-11-26T03:00:01Z", "status": 200}])
    assert usage.errors(calls)["calls"].tolist() == [2]


def test_over_time_per_minute(calls):
    table = usage.over_time(calls)
    assert table.index.tolist() == [pd.Timestamp(f"2026-11-26 03:0{m}", tz="UTC") for m in range(5)]
    assert table["calls"].tolist() == [4, 3, 0, 3, 2]
    assert table["errors"].tolist() == [1, 1, 0, 0, 0]
    assert table["retries"].tolist() == [1, 0, 0, 0, 0]
    assert table["input_tokens"].tolist() == [500, 350, 0, 60, 100]
    assert table["output_tokens"].tolist() == [100, 70, 0, 30, 20]
    assert table["cost"].tolist()[:3] == pytest.approx([0.00036, 0.000252, 0.0])
    assert math.isnan(table["cost"].iloc[3]) and table["cost"].iloc[4] == pytest.approx(0.000072)


def test_over_time_other_buckets(calls):
    assert usage.over_time(calls, "10min")["calls"].tolist() == [12]
    assert usage.over_time(calls, "30s")["calls"].tolist() == [2, 2, 1, 2, 0, 0, 2, 1, 1, 1]


def test_sandbox_usage_from_the_store(tmp_path):
    store = Store(tmp_path)
    store.add_usage("key_b", 10, 5)
    store.add_usage("key_b", 20, 7)
    store.add_usage("key_a", 1, 1)
    table = usage.sandbox_usage(store.usage())
    day = table.index.get_level_values("day")[0]
    assert table.index.names == ["key_id", "day"]
    assert table.to_dict("index") == {
        ("key_a", day): {"requests": 1, "input_tokens": 1, "output_tokens": 1},
        ("key_b", day): {"requests": 2, "input_tokens": 30, "output_tokens": 12},
    }


def test_sandbox_usage_sorts_by_key_then_day():
    rows = [{"key_id": "key_s", "day": "2026-11-26", "requests": 2, "input_tokens": 9, "output_tokens": 4},
            {"key_id": "key_a", "day": "2026-11-26", "requests": 1, "input_tokens": 3, "output_tokens": 1},
            {"key_id": "key_s", "day": "2026-11-25", "requests": 5, "input_tokens": 50, "output_tokens": 20}]
    table = usage.sandbox_usage(rows)
    assert [(key, str(day.date())) for key, day in table.index] == [
        ("key_a", "2026-11-26"), ("key_s", "2026-11-25"), ("key_s", "2026-11-26")]
    assert table["requests"].tolist() == [1, 5, 2]


# --- an empty log -----------------------------------------------------------------------

@pytest.mark.parametrize("source", ["empty file", "missing file", "no records"])
def test_an_empty_log_gives_empty_tables(tmp_path, source):
    path = tmp_path / "calls.jsonl"
    if source == "empty file":
        path.write_text("", encoding="utf-8")
    calls = usage.read_log([] if source == "no records" else path)
    assert calls.empty and list(calls.columns) == list(usage.COLUMNS) and calls.attrs["skipped"] == 0
    assert usage.summary(calls)[["calls", "errors", "input_tokens", "cost"]].to_dict("index") == {
        "total": {"calls": 0, "errors": 0, "input_tokens": 0, "cost": 0.0}}
    assert usage.errors(calls).empty and usage.over_time(calls).empty
    assert usage.sandbox_usage([]).empty


def test_plot_of_an_empty_log_says_so():
    fig = usage.plot([])
    assert len(fig.axes) == 4
    assert all(texts(ax) == ["no calls yet"] for ax in fig.axes)
    fig.savefig(io.BytesIO(), format="png")  # draws without error


# --- the plot ---------------------------------------------------------------------------

def texts(ax) -> list[str]:
    return [text.get_text().strip() for text in ax.texts]


def test_plot_draws_four_titled_panels(calls):
    open_before = plt.get_fignums()
    fig = usage.plot(calls)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert plt.get_fignums() == open_before  # closed in pyplot: a notebook shows it once
    assert [ax.get_title() for ax in fig.axes] == list(usage.TITLES)
    assert tuple(fig.get_size_inches()) == (9, 6)
    assert "12 calls" in fig.get_suptitle()
    fig.savefig(io.BytesIO(), format="png")  # draws without error


def test_plot_panels_show_the_numbers(calls):
    tokens, cost, latency, errors = usage.plot(calls).axes
    lines = {line.get_label(): sum(line.get_ydata()) for line in tokens.get_lines()}
    assert lines == {MINI: 950 + 190, TUNED: 60 + 30}  # no line for GET /models: it used no tokens
    assert tokens.get_ylabel() == "tokens per 10 seconds"
    assert texts(cost) == ["price unknown"]  # TUNED's bar
    assert [t.get_text() for t in latency.get_legend().get_texts()] == ["p50 0.65 s", "p95 2.91 s"]
    assert [label.get_text() for label in errors.get_yticklabels()] == ["rate_limit_exceeded (429)", "timeout"]


def test_plot_says_when_no_price_and_no_errors_are_known():
    calls = usage.read_log([{"time": "2026-11-26T03:00:00Z", "model": TUNED, "status": 200,
                             "input_tokens": 5, "output_tokens": 2, "latency_s": 0.3}])
    _, cost, _, errors = usage.plot(calls).axes
    assert texts(cost) == ["price unknown"]
    assert texts(errors) == ["no errors"]


# --- good manners -----------------------------------------------------------------------

def test_nothing_prints_or_warns(log_file, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pandas FutureWarning would show in every notebook
        calls = usage.read_log(log_file)
        usage.summary(calls), usage.errors(calls), usage.over_time(calls), usage.plot(calls)
        usage.sandbox_usage([{"key_id": "k", "day": "2026-11-26", "requests": 1, "input_tokens": 1,
                              "output_tokens": 1}])
        usage.plot([])
    assert capsys.readouterr() == ("", "")


def test_import_chatkit_does_not_load_pandas_or_matplotlib():
    code = "import sys, chatkit; print(sorted({'chatkit.usage', 'pandas', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_docstring_examples_run():
    result = doctest.testmod(usage, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
