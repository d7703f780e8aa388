"""The JupyterHub hooks, called as a hub calls them, with stand-in spawners: no hub is installed or run.

The README's ``jupyterhub_config.py`` is executed as written (its data folder and upstream pointed at the
test's), and the service it defines is started as the hub starts it: its command, with only its
``environment`` and PATH.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import httpx
import openai
import pytest

from chatkit.classroom.gateway import Gateway
from chatkit.classroom.jupyterhub import HubClassroom
from chatkit.classroom.store import FILE_NAME, SQLiteStore
from chatkit.classroom.upstreams import Upstream, Upstreams
from classroom_support import StandIn, closed_port
from support import wait_until

HELLO = [{"role": "user", "content": "Hello"}]
README = Path(__file__).resolve().parent.parent / "README.md"
TEACHER_KEY = "sk-proj-TEACHERHUBCANARY" + "8" * 40


def spawner(name: str = "ada") -> SimpleNamespace:
    """What the hooks read of a JupyterHub Spawner: the user's name, the environment to add to, the hub's log."""
    return SimpleNamespace(user=SimpleNamespace(name=name), environment={"KEPT": "yes"},
                           log=logging.getLogger("test.hub.spawner"))


class Config:
    """``c`` of a jupyterhub_config.py: ``c.Section.option = value``."""

    def __getattr__(self, section: str) -> SimpleNamespace:
        return self.__dict__.setdefault(section, SimpleNamespace())


@pytest.fixture
def upstream():
    with StandIn() as up:
        yield up


@pytest.fixture
def hub(tmp_path, upstream):
    """A HubClassroom and the gateway it names, on one data folder."""
    store = SQLiteStore(tmp_path / "class" / FILE_NAME)
    with Gateway.start(store, Upstreams([Upstream(upstream.name, upstream.base_url, TEACHER_KEY)])) as gateway:
        yield HubClassroom(str(tmp_path / "class"), port=gateway.port), store
    store.close()


def ask(environment: dict) -> str:
    client = openai.OpenAI(api_key=environment["OPENAI_API_KEY"], base_url=environment["OPENAI_BASE_URL"],
                           max_retries=0)
    return client.chat.completions.create(model="gpt-ok", messages=HELLO).choices[0].message.content


def test_a_spawned_server_gets_a_working_key_and_joins_the_roster(hub, upstream):
    classroom, store = hub
    ada = spawner()
    classroom.pre_spawn_hook(ada)
    assert ada.environment["KEPT"] == "yes" and ada.environment["OPENAI_BASE_URL"] == classroom.base_url
    assert ask(ada.environment) == "Hello, class."
    assert upstream.requests[-1][1]["authorization"] == f"Bearer {TEACHER_KEY}"
    assert [(s.id, s.name) for s in store.students()] == [("ada", "ada")]
    assert [c.status for c in store.calls("ada")] == [200]


def test_a_second_spawn_revokes_the_first_key_and_a_stop_revokes_the_last(hub):
    classroom, store = hub
    first, second = spawner(), spawner()
    classroom.pre_spawn_hook(first)
    classroom.pre_spawn_hook(second)
    assert first.environment["OPENAI_API_KEY"] != second.environment["OPENAI_API_KEY"]
    with pytest.raises(openai.AuthenticationError):
        ask(first.environment)
    assert ask(second.environment) == "Hello, class."
    assert len(store.students()) == 1  # added once
    classroom.post_stop_hook(second)
    with pytest.raises(openai.AuthenticationError):
        ask(second.environment)


def test_no_key_in_the_hubs_log(hub, caplog):
    classroom, _ = hub
    ada = spawner()
    with caplog.at_level(logging.DEBUG):
        classroom.pre_spawn_hook(ada)
        classroom.post_stop_hook(ada)
    assert [r.getMessage() for r in caplog.records if r.name == "test.hub.spawner"] == [
        "classroom: ada's server starts with a new class key; their previous key no longer works.",
        "classroom: ada's server stopped, and its class key with it."]
    key = ada.environment["OPENAI_API_KEY"]
    assert key not in caplog.text and key[-12:] not in caplog.text


def readme_config(data: Path, upstream_url: str) -> str:
    """The README's jupyterhub_config.py, with the class's data folder and upstream pointed at the test's."""
    found = re.search(r"```python\n(# jupyterhub_config\.py\n.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert found, "README.md has no ```python block starting with '# jupyterhub_config.py'"
    return found.group(1).replace('"/srv/classroom"', repr(str(data))).replace("https://api.openai.com/v1",
                                                                                upstream_url)


def test_the_readmes_jupyterhub_config_runs_the_gateway_and_keys_the_servers(tmp_path, upstream, monkeypatch):
    monkeypatch.setenv("CLASS_UPSTREAM_KEY", TEACHER_KEY)
    port = closed_port()
    source = readme_config(tmp_path / "class", upstream.base_url).replace(
        "    options=(", f"    port={port},\n    options=(")
    c = Config()
    exec(compile(source, "jupyterhub_config.py", "exec"), {"c": c})
    [service] = c.JupyterHub.services
    assert service["environment"] == {"CLASS_UPSTREAM_KEY": TEACHER_KEY}  # handed to the gateway alone
    assert TEACHER_KEY not in " ".join(service["command"]) + service["url"]
    # As the hub starts a managed service: its command, its environment, and PATH (JupyterHub's env_keep).
    gateway = subprocess.Popen(service["command"], env={"PATH": os.environ["PATH"], **service["environment"]},
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: _answers(service["url"]), "the gateway the hub started answers", timeout=60)
        ada = spawner()
        c.Spawner.pre_spawn_hook(ada)
        assert ask(ada.environment) == "Hello, class."
        assert upstream.requests[-1][1]["authorization"] == f"Bearer {TEACHER_KEY}"
        c.Spawner.post_stop_hook(ada)
        with pytest.raises(openai.AuthenticationError):
            ask(ada.environment)
    finally:
        gateway.terminate()
        output = gateway.communicate(timeout=30)[0]
    assert "rpm=20" in output and TEACHER_KEY not in output


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/v1/models").status_code == 401  # up, and asking for a key
    except httpx.HTTPError:
        return False
