"""What your calls used: tokens, cost, latency and errors, read from chatkit's call log.

A :class:`chatkit.calllog.CallLog` writes one JSON line per HTTP call. This module reads
those lines into a pandas table, sums them per model, per error and per minute, and
draws the dashboard of notebook 07. It is not imported by ``import chatkit``: pandas
and matplotlib load only when a notebook asks for a dashboard.

>>> from chatkit import usage
>>> calls = usage.read_log([
...     {"time": "2026-11-26T03:01:02.123Z", "model": "gpt-4.1-mini", "status": 200, "latency_s": 0.8,
...      "input_tokens": 1000, "output_tokens": 500, "cost": 0.0012},
...     {"time": "2026-11-26T03:01:05.001Z", "model": "gpt-4.1-mini", "status": 429,
...      "error": "rate_limit_exceeded", "latency_s": 0.2},
... ])
>>> usage.summary(calls)[["calls", "errors", "input_tokens", "cost", "p50_latency_s"]]
              calls  errors  input_tokens    cost  p50_latency_s
model
gpt-4.1-mini      2       1          1000  0.0012            0.5
total             2       1          1000  0.0012            0.5
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

# The call log's fields (chatkit.calllog) and the type each is read as. Times keep the
# log's milliseconds; "Int64" and "string" hold a missing value as <NA>, never as 0 or "".
COLUMNS = {
    "time": "datetime64[ms, UTC]", "backend": "string", "method": "string", "endpoint": "string",
    "model": "string", "status": "Int64", "error": "string", "request_id": "string",
    "latency_s": "float64", "stream": "bool", "input_tokens": "Int64", "output_tokens": "Int64",
    "cost": "float64", "priced_as": "string", "retry": "int64",
}
USAGE_COLUMNS = ("key_id", "day", "requests", "input_tokens", "output_tokens")  # Store.usage() rows
TOTAL = "total"
NO_MODEL = "(no model)"  # e.g. GET /models, or a call refused before it named one
# Bucket sizes the dashboard picks from, finest first, with how its axis names them.
BUCKETS = {"1s": "second", "10s": "10 seconds", "1min": "minute", "10min": "10 minutes",
           "1h": "hour", "1D": "day"}
MAX_BUCKETS = 60
TITLES = ("Tokens over time, by model", "Cost by model", "Latency", "Errors by kind")


# --- reading the log ----------------------------------------------------------------------

def read_log(source) -> pd.DataFrame:
    """The call log as a table: one row per HTTP call, oldest first, times in UTC.

    **Parameters:**

    * **source** - a path to the JSON-lines file, an iterable of records (a ``CallLog``,
      a list of dicts, lines of text) or a DataFrame (checked and copied).

    Lines that are not a JSON object, and records without a readable ``time``, are
    skipped and counted in ``table.attrs["skipped"]``; blank lines are ignored. A missing
    or empty file gives an empty table with all the columns: no calls yet.

    >>> calls = read_log(['{"time": "2026-11-26T03:01:02.123Z", "model": "gpt-4.1-mini"}', '{"time": 1'])
    >>> calls[["model", "status", "retry"]]
              model  status  retry
    0  gpt-4.1-mini    <NA>      0
    >>> print(calls.loc[0, "time"], calls.attrs["skipped"])
    2026-11-26 03:01:02.123000+00:00 1
    """
    if isinstance(source, pd.DataFrame):
        return _typed(source, source.attrs.get("skipped", 0))
    if isinstance(source, (str, os.PathLike)):
        return _read_file(source)
    records, skipped = _records(source)
    return _typed(pd.DataFrame.from_records(records), skipped)


def _read_file(path) -> pd.DataFrame:
    # CallLog creates its file when it is made; before that there is simply nothing to show.
    if not os.path.exists(path):
        return _typed(pd.DataFrame(), 0)
    with open(path, "rb") as lines:
        records, skipped = _records(lines)
    return _typed(pd.DataFrame.from_records(records), skipped)


def _records(items: Iterable) -> tuple[list[dict], int]:
    """The dicts among ``items`` (JSON text is parsed), and how many items were not one."""
    records, skipped = [], 0
    for item in items:
        if isinstance(item, (str, bytes)):
            if not item.strip():
                continue
            item = _loads(item)
        if isinstance(item, dict):
            records.append(item)
        else:
            skipped += 1
    return records, skipped


def _loads(line: str | bytes):
    try:
        return json.loads(line)
    except ValueError:  # also bytes that are not UTF-8 (a line cut in the middle of a character)
        return None


def _typed(frame: pd.DataFrame, skipped: int) -> pd.DataFrame:
    """Only the log's columns, each of its type; rows without a readable time dropped."""
    frame = frame.reindex(columns=list(COLUMNS))
    time = _times(frame["time"])
    readable = time.notna()
    columns = {"time": time[readable].astype(COLUMNS["time"])}
    columns.update({name: _convert(frame.loc[readable, name], dtype) for name, dtype in COLUMNS.items()
                    if name != "time"})
    table = pd.DataFrame(columns).sort_values("time", kind="stable").reset_index(drop=True)
    table.attrs["skipped"] = skipped + int((~readable).sum())
    return table


def _times(values: pd.Series) -> pd.Series:
    """ISO 8601 text (or datetimes, from a DataFrame) as UTC times; anything else as NaT."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        # pandas would read a number as seconds since 1970: a log's time is always text
        values = values.map(lambda value: value if isinstance(value, (str, datetime)) else None)
    return pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")


def _convert(values: pd.Series, dtype: str) -> pd.Series:
    """``values`` as ``dtype``; what cannot be read becomes missing, never an exception."""
    if dtype == "bool":
        return values.eq(True)  # only a JSON true streams; null or anything else does not
    if dtype in ("Int64", "int64", "float64"):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        numbers = numbers.where(numbers.abs() < 1e15)  # inf, or past what an integer holds, is not a reading
        if dtype == "float64":
            return numbers
        return numbers.round().astype("Int64") if dtype == "Int64" else numbers.fillna(0).round().astype(dtype)
    return values.astype(dtype)


# --- tables -------------------------------------------------------------------------------

def summary(df) -> pd.DataFrame:
    """One row per model and a ``total`` row: calls, errors, retries, tokens, cost, latency.

    **Parameters:**

    * **df** - a table from :func:`read_log` (or anything it reads).

    ``calls`` counts every HTTP call, retries included; ``retries`` those the client sent
    again. ``cost`` is in US dollars, and NaN when a successful call's price is unknown:
    a partial sum would look like a real total. ``p50_latency_s`` and ``p95_latency_s``
    are the median and 95th percentile of the latency in seconds. Models with the most
    calls come first.

    >>> calls = read_log([{"time": "2026-11-26T03:01:02Z", "model": "my-model", "status": 200,
    ...                    "input_tokens": 7, "output_tokens": 3, "latency_s": 0.4}])
    >>> summary(calls)[["calls", "output_tokens", "cost"]]
              calls  output_tokens  cost
    model
    my-model      1              3   NaN
    total         1              3   NaN
    """
    df = read_log(df)
    model = df["model"].fillna(NO_MODEL).rename("model")
    per_call = _per_call(df)
    rows = per_call.groupby(model).sum().sort_index().sort_values("calls", ascending=False, kind="stable")
    total = per_call.sum().to_frame(TOTAL).T.astype(per_call.dtypes.to_dict())
    table = pd.concat([rows, total]).rename_axis("model")
    table["cost"] = table["cost"].where(table.pop("unpriced") == 0)
    return table.join(_latency(df["latency_s"], model))


def _per_call(df: pd.DataFrame) -> pd.DataFrame:
    """One row of numbers per call, that add up: counts, tokens, the known cost."""
    failed = _failed(df)
    return pd.DataFrame({
        "calls": 1,
        "errors": failed.astype("int64"),
        "retries": (df["retry"] > 0).astype("int64"),
        "input_tokens": df["input_tokens"].fillna(0).astype("int64"),
        "output_tokens": df["output_tokens"].fillna(0).astype("int64"),
        "cost": df["cost"].fillna(0.0),
        # A failed call is not billed, and a call naming no model (GET /models) is free; a
        # successful call to a model with no cost has an unknown price (or no usage in its stream).
        "unpriced": (df["cost"].isna() & ~failed & df["model"].notna()).astype("int64"),
    }, index=df.index)


def _failed(df: pd.DataFrame) -> pd.Series:
    """Calls with an error, an HTTP status of 400 or more, or no response at all."""
    status = df["status"]
    return (df["error"].notna() | status.isna() | status.ge(400).fillna(False)).astype(bool)


def _latency(latency: pd.Series, model: pd.Series) -> pd.DataFrame:
    """p50 and p95 of ``latency`` per model and for the total."""
    names = {0.5: "p50_latency_s", 0.95: "p95_latency_s"}
    rows = {name: latency.groupby(model).quantile(q) for q, name in names.items()}
    table = pd.DataFrame(rows, columns=list(names.values()))
    table.loc[TOTAL] = [latency.quantile(q) for q in names]
    return table


def errors(df) -> pd.DataFrame:
    """Failed calls counted by HTTP status and error kind, most frequent first.

    ``status`` is <NA> when no response arrived (a timeout, a connection error, a call
    the budget stopped); ``error`` is the code the API sent, or chatkit's name for it.

    >>> calls = read_log([{"time": "2026-11-26T03:01:02Z", "status": 429, "error": "rate_limit_exceeded"},
    ...                   {"time": "2026-11-26T03:01:03Z", "status": 429, "error": "rate_limit_exceeded"},
    ...                   {"time": "2026-11-26T03:01:09Z", "status": None, "error": "timeout"},
    ...                   {"time": "2026-11-26T03:01:10Z", "status": 200}])
    >>> errors(calls)
       status                error  calls
    0     429  rate_limit_exceeded      2
    1    <NA>              timeout      1
    """
    failed = read_log(df)
    failed = failed[_failed(failed)]
    counts = failed.groupby(["status", "error"], dropna=False).size().rename("calls").reset_index()
    counts = counts.sort_values(["calls", "status", "error"], ascending=[False, True, True], kind="stable")
    return counts.astype({"calls": "int64"}).reset_index(drop=True)


def over_time(df, freq: str = "1min") -> pd.DataFrame:
    """Calls, errors, retries, tokens and cost per time bucket (UTC), quiet buckets included.

    **Parameters:**

    * **df** - a table from :func:`read_log` (or anything it reads).
    * **freq** - the bucket size, as pandas writes it: ``"10s"``, ``"1min"``, ``"1h"``, ``"1D"``.

    ``cost`` is NaN in a bucket where a successful call's price is unknown.

    >>> calls = read_log([{"time": "2026-11-26T03:01:02Z", "status": 200, "input_tokens": 5},
    ...                   {"time": "2026-11-26T03:03:30Z", "status": 200, "input_tokens": 7}])
    >>> over_time(calls)[["calls", "input_tokens"]]
                               calls  input_tokens
    time
    2026-11-26 03:01:00+00:00      1             5
    2026-11-26 03:02:00+00:00      0             0
    2026-11-26 03:03:00+00:00      1             7
    """
    df = read_log(df)
    table = _per_call(df).set_axis(df["time"]).resample(freq).sum()
    table["cost"] = table["cost"].where(table.pop("unpriced") == 0)
    return table


def sandbox_usage(store_rows: Iterable[dict]) -> pd.DataFrame:
    """The sandbox's own count of requests and tokens, per key and day (UTC).

    **Parameters:**

    * **store_rows** - the rows of ``chatkit.sandbox.store.Store.usage()``: dicts with
      ``key_id``, ``day`` (``"YYYY-MM-DD"``), ``requests``, ``input_tokens`` and ``output_tokens``.

    >>> sandbox_usage([{"key_id": "key_session", "day": "2026-11-26", "requests": 3,
    ...                 "input_tokens": 120, "output_tokens": 45}])
                            requests  input_tokens  output_tokens
    key_id      day
    key_session 2026-11-26         3           120             45
    """
    table = pd.DataFrame.from_records(list(store_rows), columns=list(USAGE_COLUMNS))
    table["day"] = pd.to_datetime(table["day"], format="%Y-%m-%d")
    table = table.astype({"key_id": "string", "requests": "int64", "input_tokens": "int64",
                          "output_tokens": "int64"})
    return table.sort_values(["key_id", "day"], kind="stable").set_index(["key_id", "day"])


# --- the dashboard ------------------------------------------------------------------------

def plot(df) -> Figure:
    """The dashboard: tokens over time by model, cost by model, latency, errors by kind.

    **Parameters:**

    * **df** - a table from :func:`read_log` (or anything it reads).

    Returns a 2×2 matplotlib figure, 9×6 inches. It is not left open in pyplot, so a
    notebook shows it once, as the cell's result; save it with ``fig.savefig("usage.png")``.

    >>> fig = plot([])
    >>> [ax.get_title() for ax in fig.axes]
    ['Tokens over time, by model', 'Cost by model', 'Latency', 'Errors by kind']
    """
    df = read_log(df)
    fig, axes = plt.subplots(2, 2, figsize=(9, 6), layout="constrained")
    plt.close(fig)  # it is returned: an open pyplot figure would be shown a second time
    panels = (_plot_tokens, _plot_cost, _plot_latency, _plot_errors)
    for ax, title, draw in zip(axes.flat, TITLES, panels, strict=True):
        ax.set_title(title)
        if df.empty:
            _say(ax, "no calls yet")
        else:
            draw(ax, df)
    fig.suptitle(_headline(df))
    return fig


def _headline(df: pd.DataFrame) -> str:
    if df.empty:
        return "Usage: no calls yet"
    first, last = df["time"].iloc[0], df["time"].iloc[-1]
    calls = f"{len(df):,} call" + ("s" if len(df) > 1 else "")
    return f"Usage: {calls}, {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"


def _say(ax, text: str) -> None:
    """Write ``text`` in the middle of an empty panel."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _bucket(times: pd.Series) -> str:
    """The finest bucket size that cuts the log's time span into at most MAX_BUCKETS."""
    span = times.max() - times.min()
    return next((freq for freq in BUCKETS if span / pd.Timedelta(freq) <= MAX_BUCKETS), "1D")


def _plot_tokens(ax, df: pd.DataFrame) -> None:
    freq = _bucket(df["time"])
    table = _tokens_by_model(df, freq)
    if table.empty:
        _say(ax, "no tokens used")
        return
    times = table.index.tz_convert(None)  # matplotlib's date axis is in UTC already
    for model in table:
        ax.plot(times, table[model], marker="o", markersize=3, label=model)
    if len(times) == 1:  # else matplotlib widens one point's axis to years
        ax.set_xlim(times[0] - pd.Timedelta(freq), times[0] + pd.Timedelta(freq))
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_ylabel(f"tokens per {BUCKETS[freq]}")
    ax.legend(fontsize="small")


def _tokens_by_model(df: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Input plus output tokens per bucket, a column per model that used any."""
    columns = {}
    for model, calls in df.groupby(df["model"].fillna(NO_MODEL)):
        buckets = over_time(calls, freq)
        columns[model] = buckets["input_tokens"] + buckets["output_tokens"]
    table = pd.DataFrame(columns).fillna(0).astype("int64")
    return table.loc[:, table.sum() > 0]  # a flat line for GET /models says nothing


def _plot_cost(ax, df: pd.DataFrame) -> None:
    cost = summary(df)["cost"].drop(TOTAL)
    ax.barh(cost.index, cost.fillna(0))
    for y, value in enumerate(cost):
        if pd.isna(value):
            ax.text(0, y, " price unknown", va="center", color="0.3")
    ax.invert_yaxis()  # the most used model on top
    ax.set_xlim(left=0)
    ax.xaxis.set_major_formatter(StrMethodFormatter("${x:,.4g}"))
    ax.set_xlabel("US dollars")


def _plot_latency(ax, df: pd.DataFrame) -> None:
    latency = df["latency_s"].dropna()
    if latency.empty:
        _say(ax, "no latency recorded")
        return
    ax.hist(latency, bins=20, color="C0")
    for q, style in ((0.5, "--"), (0.95, ":")):
        value = latency.quantile(q)
        ax.axvline(value, color="k", linestyle=style, label=f"p{round(q * 100)} {value:.2f} s")
    ax.set_xlabel("seconds")
    ax.set_ylabel("calls")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize="small")


def _plot_errors(ax, df: pd.DataFrame) -> None:
    table = errors(df)
    if table.empty:
        _say(ax, "no errors")
        return
    labels = [_error_label(status, kind) for status, kind in zip(table["status"], table["error"], strict=True)]
    ax.barh(labels, table["calls"], color="C3")
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("calls")



def _error_label(status, kind) -> str:
    """``"rate_limit_exceeded (429)"``, or ``"timeout"`` when no response arrived."""
    label = "no code" if pd.isna(kind) else kind
    return label if pd.isna(status) else f"{label} ({status})"

if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m chatkit.usage CALLS.jsonl")
    print(summary(sys.argv[1]).to_string())
