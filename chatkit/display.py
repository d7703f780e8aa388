"""Readable views of API objects for notebooks."""

from __future__ import annotations

import html
import unicodedata
from datetime import datetime, timezone


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: a Chinese character takes two.

    >>> columns("API key"), columns("API 密钥")
    (7, 8)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns, as ``str.ljust`` pads to characters."""
    return text + " " * (width - columns(text))


class Table:
    """Two columns, field and value: prints as text, shows as HTML in Jupyter."""

    def __init__(self, rows: list[tuple[str, object]], title: str = "") -> None:
        self.rows = [(str(k), "" if v is None else str(v)) for k, v in rows]
        self.title = title

    def __str__(self) -> str:
        width = max((len(k) for k, _ in self.rows), default=0)
        lines = [self.title] if self.title else []
        return "\n".join(lines + [f"{k.ljust(width)}  {v}" for k, v in self.rows])

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in self.rows)
        caption = f"<caption style='text-align:left'>{html.escape(self.title)}</caption>" if self.title else ""
        return f"<table class='chatkit-table'>{caption}{body}</table>"

    def __repr__(self) -> str:
        return str(self)


def _when(timestamp) -> str:
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _short(text: str | None, limit: int = 80) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def anatomy(obj) -> Table:
    """The parts of a Responses or Chat Completions result, one per row.

    >>> print(anatomy(client.responses.create(model=m, input="Hi")))  # doctest: +SKIP
    id             resp_...
    ...
    """
    if getattr(obj, "object", "") == "response":
        usage = obj.usage
        return Table([
            ("id", obj.id), ("object", obj.object), ("created_at", _when(obj.created_at)), ("model", obj.model),
            ("status", obj.status),
            ("incomplete because", obj.incomplete_details.reason if obj.incomplete_details else None),
            ("output_text", _short(obj.output_text)),
            ("usage.input_tokens", usage.input_tokens), ("usage.output_tokens", usage.output_tokens),
            ("usage.total_tokens", usage.total_tokens),
        ], title="Response (Responses API)")
    choice = obj.choices[0]
    return Table([
        ("id", obj.id), ("object", obj.object), ("created", _when(obj.created)), ("model", obj.model),
        ("choices", len(obj.choices)), ("choices[0].finish_reason", choice.finish_reason),
        ("choices[0].message.role", choice.message.role),
        ("choices[0].message.content", _short(choice.message.content)),
        ("usage.prompt_tokens", obj.usage.prompt_tokens), ("usage.completion_tokens", obj.usage.completion_tokens),
        ("usage.total_tokens", obj.usage.total_tokens),
    ], title="ChatCompletion (Chat Completions API)")
