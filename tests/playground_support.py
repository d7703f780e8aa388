"""A scripted sandbox for the tuning widgets: it keeps every request's settings and can talk slowly.

Import the fixtures into a test module: ``from playground_support import box, make_client``.
"""

from __future__ import annotations

import html
import re
import threading
import time

import pytest

from chatkit.connect import OpenAI
from chatkit.sandbox.engine import Generation
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox


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
    box = Sandbox.start(engine=RecordingEngine(), data_dir=tmp_path_factory.mktemp("recording-data"))
    yield box
    box.stop()


@pytest.fixture
def box(recording_box):
    """A sandbox with a RecordingEngine: ``box.engine.enqueue("Hi")``, ``box.engine.samplings``."""
    recording_box.engine.reset()
    yield recording_box
    recording_box.engine.delay = 0.0


def make_client(box) -> OpenAI:
    """chatkit's client (with ``default_model``) for a sandbox."""
    client = OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    client.default_model = box.engine.model_id
    return client


def wait_until(condition, seconds: float = 10) -> bool:
    """Poll ``condition()`` until true or ``seconds`` pass (a guard against hangs, not a speed test)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def wait_until_free(lock: threading.Lock, seconds: float = 10) -> bool:
    return wait_until(lambda: not lock.locked(), seconds)


def status(widget) -> str:
    """The status line as a learner reads it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", widget.status.value))
