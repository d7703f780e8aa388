"""What every exercise check is made of: the answer that is wrong, the exercise, and a record of
what the learner's function sent and received."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import httpx2

from ..messages import say


class Wrong(Exception):
    """The answer runs but does not do what the exercise asks; the message says what is off."""


@dataclass
class Exercise:
    name: str
    function: str  # the name the learner's function has in the notebook
    run: Callable[[Callable], str]  # raises Wrong, or returns what the success message says
    solution: str  # the reference solution's source

    def hint(self, more: bool = False) -> str:
        """The catalogue's ``<name>.hint`` (a nudge: the idea to use), or ``<name>.hint_more`` (how to use it)."""
        return say(f"{self.name}.hint_more" if more else f"{self.name}.hint")


# --- what the learner's function sent and received -------------------------------

@dataclass
class Call:
    path: str
    body: dict
    status: int
    answer: dict  # {} for a stream: the check judges what was asked, and what the function returned


@contextmanager
def recorded():
    """Record every request any official client sends meanwhile, and its answer.

    The patch is on the class, not on a notebook variable: the learner's function may use the
    notebook's ``client``, a ``plain = OpenAI(...)`` of its own, ``chatkit.connect()``, or make a
    client inside itself, and each of them sends through ``httpx2.Client.send`` (the openai
    package's HTTP client is an ``httpx2.Client``).
    """
    calls: list[Call] = []
    send = httpx2.Client.send

    def recording(client, request, *, stream: bool = False, **options):
        response = send(client, request, stream=stream, **options)
        answer = {}
        if not stream:
            response.read()
            with suppress(ValueError):
                answer = json.loads(response.text)
        calls.append(Call(request.url.path, json.loads(request.content or b"{}"), response.status_code, answer))
        return response

    httpx2.Client.send = recording
    try:
        yield calls
    finally:
        httpx2.Client.send = send
