"""The dashboard of notebook 07: four charts drawn from the call log."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from ..tokens import SIGNS, money
from .tables import NO_MODEL, TOTAL, errors, over_time, read_log, summary

# Bucket sizes the dashboard picks from, finest first, with how its axis names them.
BUCKETS = {"1s": "second", "10s": "10 seconds", "1min": "minute", "10min": "10 minutes",
           "1h": "hour", "1D": "day"}
MAX_BUCKETS = 60
TITLES = ("Tokens over time, by model", "Cost by model", "Latency", "Errors by kind")




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
    table = summary(df)
    table = table[~table.index.str.startswith(TOTAL)]
    cost, currency = table["cost"], table["currency"]
    names = sorted(currency.dropna().unique())
    ax.barh(cost.index, cost.fillna(0))
    for y, (value, code) in enumerate(zip(cost, currency.fillna(""), strict=True)):
        if pd.isna(value):
            ax.text(0, y, " price unknown", va="center", color="0.3")
        elif len(names) > 1:  # one axis cannot measure yuan and dollars: each bar says its amount
            ax.text(value, y, " " + money(value, code), va="center", fontsize="small")
    ax.invert_yaxis()  # the most used model on top
    ax.set_xlim(left=0)
    if len(names) > 1:
        ax.set_xticks([])
        ax.set_xlabel("each model in its own currency: ¥ yuan, $ US dollars")
    else:
        sign = SIGNS.get(names[0], "") if names else "$"
        ax.xaxis.set_major_formatter(StrMethodFormatter(sign + "{x:,.4g}"))
        ax.set_xlabel("yuan (CNY)" if sign == "¥" else "US dollars")


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
