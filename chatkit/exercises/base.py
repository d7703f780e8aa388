"""What every exercise check is made of: the answer that is wrong, the exercise, and a record of
what the learner's function sent and received."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import openai

from ..messages import say


class Wrong(Exception):
    """The answer runs but does not do what the exercise asks; the message says what is off."""


@dataclass
class Exercise:
    name: str
    function: str  # the name the learner's function has in the notebook
    run: Callable[[Callable], str]  # raises Wrong, or returns what the success message says
    solution: str  # the reference solution's source

    @property
    def hint(self) -> str:
        """The catalogue's ``<name>.hint``, in the learner's language."""
        return say(f"{self.name}.hint")


# --- what the learner's function sent and received -------------------------------

@dataclass
class Call:
    path: str
    body: dict
    status: int
    answer: dict


@contextmanager
def recorded(function: Callable, name: str = "client"):
    """Point the function's ``client`` at a copy that records every request and its answer."""
    namespace = function.__globals__
    original = namespace.get(name)
    if not isinstance(original, (openai.OpenAI,)):
        raise Wrong(say("exercises.use_client", function=function.__name__, name=name))
    calls: list[Call] = []

    def on_response(response) -> None:
        response.read()
        try:
            answer = json.loads(response.text)
        except ValueError:
            answer = {}
        body = json.loads(response.request.content or b"{}")
        calls.append(Call(response.request.url.path, body, response.status_code, answer))

    http = openai.DefaultHttpx2Client(event_hooks={"response": [on_response]})
    namespace[name] = original.with_options(http_client=http)
    try:
        yield calls
    finally:
        namespace[name] = original
        http.close()
