"""Shared fixtures: one real sandbox per session, and no test ever sees a real key."""

from __future__ import annotations

import pytest

from chatkit.config import SETTING_NAMES
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import client_for

# The environment for notebook kernels is set in ../conftest.py, which `pytest notebooks` loads too.


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No OPENAI_* or CHATKIT_* settings, and a working folder with no .env above it."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """The real sandbox (SmolLM2 via llama.cpp) on a free loopback port."""
    with Sandbox.start(data_dir=tmp_path_factory.mktemp("sandbox-data")) as box:
        yield box


@pytest.fixture
def client(sandbox):
    """The official client, talking to the real sandbox over HTTP."""
    return client_for(sandbox)


@pytest.fixture(scope="session")
def scripted_box(tmp_path_factory):
    with Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path_factory.mktemp("scripted-data")) as box:
        yield box


@pytest.fixture
def scripted(scripted_box):
    """A sandbox whose engine answers from a queue: ``scripted.engine.enqueue("Hi")``."""
    scripted_box.engine.queue.clear()
    scripted_box.engine.history.clear()
    scripted_box.engine.default = "OK"
    return scripted_box
