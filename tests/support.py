"""Helpers every test module may import (``from support import wait_until, client_for``).

Fixtures live in conftest.py; these are plain functions, so module-level helpers can call them too.
"""

from __future__ import annotations

import time

import openai


def wait_until(condition, what, timeout: float = 10, pause=lambda: time.sleep(0.01)):
    """Poll ``condition()`` until it returns something true, and return that; fail naming ``what`` (a string,
    or a callable asked then) after ``timeout`` seconds. The timeout guards against a hang: it is not a
    speed test. ``pause`` runs between polls (a browser test lets the page work meanwhile).

    >>> wait_until(lambda: 42, "the answer")
    42
    """
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what() if callable(what) else what}"
        pause()
    return result


def record_generations(engine, monkeypatch) -> list:
    """Every Generation ``engine`` starts from now until the test ends, in order: its ``cancel`` and
    ``finish_reason`` show what the server did with it. Works on the real engine and the scripted one."""
    started, original = [], engine.generate

    def recording(prompt, sampling, cancel=None):
        started.append(original(prompt, sampling, cancel))
        return started[-1]

    monkeypatch.setattr(engine, "generate", recording)
    return started


def client_for(box, key: str | None = None, **options) -> openai.OpenAI:
    """The official client for a running sandbox ``box`` (its own key unless ``key``), without retries."""
    return openai.OpenAI(api_key=key or box.key, base_url=box.base_url, **{"max_retries": 0, **options})


def async_client_for(box, key: str | None = None, **options) -> openai.AsyncOpenAI:
    """The official async client for ``box``, as :func:`client_for`."""
    return openai.AsyncOpenAI(api_key=key or box.key, base_url=box.base_url, **{"max_retries": 0, **options})


def send(handler, status: int, data: bytes, content_type: str = "application/json") -> None:
    """Answer a stand-in server's request (a ``BaseHTTPRequestHandler``) with ``data``, its length said."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
