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

from .plots import TITLES, plot
from .tables import COLUMNS, NO_MODEL, TOTAL, USAGE_COLUMNS, errors, over_time, read_log, sandbox_usage, summary

__all__ = ["COLUMNS", "NO_MODEL", "TITLES", "TOTAL", "USAGE_COLUMNS", "errors", "over_time", "plot", "read_log",
           "sandbox_usage", "summary"]
