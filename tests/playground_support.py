"""A scripted sandbox for the tuning widgets: it keeps every request's settings and can talk slowly.

Import the fixtures into a test module: ``from playground_support import box, make_client``.
The sandbox serves the scripted model and, thinking with the same engine, the reasoning model
``REASONING`` (the built-in sandbox's reasoning model, gpt-6-luna's efforts).
"""

from __future__ import annotations

import html
import json
import re
import threading
import time

import openai
import pytest

from chatkit.connect import OpenAI
from chatkit.sandbox.engine import Generation
from chatkit.sandbox.reasoner import MODEL_ID as REASONING  # noqa: F401 - the tests import it from here
from chatkit.sandbox.reasoner import Reasoner
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import wait_until


class RecordingEngine(ScriptedEngine):
    """ScriptedEngine that keeps each request's Sampling and Generation, one word every ``delay`` s."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.samplings: list = []
        self.generations: list[Generation] = []

    def reset(self) -> None:
        self.queue.clear()
        self.history.clear()
        self.samplings.clear()
        self.generations.clear()
        self.delay = 0.0

    def generate(self, prompt, sampling, cancel=None) -> Generation:
        inner = super().generate(prompt, sampling, cancel)

        def run(gen: Generation):
            with self.lock:  # like the real model: one generation at a time
                for piece in inner:
                    time.sleep(self.delay)
                    gen.tokens += 1
                    yield piece
                    if gen.cancel.is_set():
                        gen.finish_reason = "cancelled"
                        return
            gen.finish_reason = inner.finish_reason

        self.samplings.append(sampling)
        self.generations.append(Generation(run, inner.cancel))
        return self.generations[-1]


@pytest.fixture(scope="session")
def recording_box(tmp_path_factory):
    engine = RecordingEngine()
    with Sandbox.start(engine=engine, models=[Reasoner(engine)],
                       data_dir=tmp_path_factory.mktemp("recording-data")) as box:
        yield box


@pytest.fixture
def box(recording_box):
    """A sandbox with a RecordingEngine: ``box.engine.enqueue("Hi")``, ``box.engine.samplings``."""
    recording_box.engine.reset()
    yield recording_box
    recording_box.engine.delay = 0.0


class Wire:
    """What a client really sent and got back over HTTP: each request's JSON body, each answer's status."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.statuses: list[int] = []

    def http_client(self):
        hooks = {"request": [lambda r: self.bodies.append(json.loads(r.content or b"{}"))],
                 "response": [lambda r: self.statuses.append(r.status_code)]}
        return openai.DefaultHttpx2Client(event_hooks=hooks)


def make_client(box, wire: Wire | None = None) -> OpenAI:
    """chatkit's client (with ``default_model``) for a sandbox; with ``wire``, every call is noted there."""
    client = OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0,
                    http_client=None if wire is None else wire.http_client())
    client.default_model = box.engine.model_id
    return client


def wait_until_free(lock: threading.Lock, seconds: float = 10) -> bool:
    """Wait until the engine's lock is free: the model stopped generating."""
    return wait_until(lambda: not lock.locked(), "the model to stop generating", seconds)


def read(line) -> str:
    """An HTML line as a learner reads it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", line.value))


def status(widget) -> str:
    """The status line as a learner reads it."""
    return read(widget.status)


def note(widget) -> str:
    """The line under the effort menu: why a setting is off (empty when none is)."""
    return read(widget.reasoning.note)
