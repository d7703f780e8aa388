"""The call log read into pandas tables: per call, per model, per error kind, per time bucket."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime

import pandas as pd

# The call log's fields (chatkit.calllog) and the type each is read as. Times keep the
# log's milliseconds; "Int64" and "string" hold a missing value as <NA>, never as 0 or "".
COLUMNS = {
    "time": "datetime64[ms, UTC]", "backend": "string", "method": "string", "endpoint": "string",
    "model": "string", "status": "Int64", "error": "string", "request_id": "string",
    "latency_s": "float64", "stream": "bool", "input_tokens": "Int64", "output_tokens": "Int64",
    "cost": "float64", "currency": "string", "priced_as": "string", "retry": "int64",
}
USAGE_COLUMNS = ("key_id", "day", "requests", "input_tokens", "output_tokens")  # Store.usage() rows
TOTAL = "total"
OLD_CURRENCY = "USD"  # a log written before chatkit recorded the currency priced every call in US dollars
NO_MODEL = "(no model)"  # e.g. GET /models, or a call refused before it named one


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
    """One row per model and a ``total`` row: calls, errors, retries, tokens, cost, currency, latency.

    **Parameters:**

    * **df** - a table from :func:`read_log` (or anything it reads).

    ``calls`` counts every HTTP call, retries included; ``retries`` those the client sent
    again. ``cost`` is in ``currency`` (``USD``, ``CNY``: each provider's own), and NaN when a
    successful call's price is unknown: a partial sum would look like a real total. Yuan and
    dollars never add up: when the log holds both, ``total``'s cost is NaN and one more row
    per currency (``total CNY``, ``total USD``) sums that currency's calls. ``p50_latency_s``
    and ``p95_latency_s`` are the median and 95th percentile of the latency in seconds.
    Models with the most calls come first.

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
    currency = _currency(df)
    names = sorted(currency.dropna().unique())
    per_call = _per_call(df)
    rows = per_call.groupby(model).sum().sort_index().sort_values("calls", ascending=False, kind="stable")
    # The total's currency: the one all priced calls share; with several there is a total per currency.
    totals = {TOTAL: (pd.Series(True, index=df.index), names[0] if len(names) == 1 else pd.NA)}
    if len(names) > 1:
        totals.update({f"{TOTAL} {name}": (currency == name, name) for name in names})
    table = pd.concat([rows] + [_total(per_call[calls], name) for name, (calls, _) in totals.items()])
    table["cost"] = table["cost"].where(table.pop("unpriced") == 0)
    if len(names) > 1:
        table.loc[TOTAL, "cost"] = float("nan")  # yuan and dollars do not add up
    table["currency"] = pd.Series({**currency.groupby(model).first().to_dict(),
                                   **{name: code for name, (_, code) in totals.items()}}, dtype="string")
    latency = {name: df.loc[calls, "latency_s"] for name, (calls, _) in totals.items()}
    return table.rename_axis("model").join(_latency(df["latency_s"], model, latency))


def _total(per_call: pd.DataFrame, name: str) -> pd.DataFrame:
    """The sum of ``per_call``'s rows as one row named ``name``."""
    return per_call.sum().to_frame(name).T.astype(per_call.dtypes.to_dict())


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


def _latency(latency: pd.Series, model: pd.Series, totals: dict[str, pd.Series]) -> pd.DataFrame:
    """p50 and p95 of ``latency`` per model and for each total row (its calls' latencies)."""
    names = {0.5: "p50_latency_s", 0.95: "p95_latency_s"}
    rows = {name: latency.groupby(model).quantile(q) for q, name in names.items()}
    table = pd.DataFrame(rows, columns=list(names.values()))
    for total, values in totals.items():
        table.loc[total] = [values.quantile(q) for q in names]
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

    ``cost`` is NaN in a bucket where a successful call's price is unknown. When the log holds
    more than one currency, ``cost`` is NaN and a column per currency (``cost CNY``, ``cost USD``)
    sums each.

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
    per_call = _per_call(df).set_axis(df["time"])
    table = per_call.resample(freq).sum()
    table["cost"] = table["cost"].where(table.pop("unpriced") == 0)
    currency = _currency(df).set_axis(df["time"])
    names = sorted(currency.dropna().unique())
    if len(names) > 1:  # yuan and dollars do not add up: a cost column per currency instead
        table["cost"] = float("nan")
        for name in names:
            table[f"cost {name}"] = per_call["cost"].where(currency == name, 0.0).resample(freq).sum()
    return table


def _currency(df: pd.DataFrame) -> pd.Series:
    """Each call's currency; a priced call in a log from before chatkit recorded it was in US dollars."""
    return df["currency"].mask(df["currency"].isna() & df["cost"].notna(), OLD_CURRENCY)


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
