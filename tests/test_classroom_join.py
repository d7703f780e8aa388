"""``classroom join``: a student's .env gets the class's two lines only once the gateway accepts the key."""

from __future__ import annotations

import io
import stat
import sys

import openai
import pytest

from chatkit.__main__ import main
from chatkit.classroom.store import Student
from chatkit.config import read_settings
from classroom_support import class_of, closed_port, gateway_for

HELLO = [{"role": "user", "content": "Hello"}]
ASK_TEACHER = "Ask your teacher for your class key (it starts with sk-class-) and copy it whole."


@pytest.fixture
def store(tmp_path):
    with class_of(tmp_path / "class" / "classroom.sqlite3", Student("ada", "Ada")) as store:
        yield store


@pytest.fixture
def gateway(store):
    with gateway_for(store) as running:
        yield running


def join(url: str, key: str, monkeypatch) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(key + "\n"))  # piped, as `join URL < key.txt` reads it
    return main(["classroom", "join", url])


def test_join_writes_the_two_lines_privately_and_shows_the_key_masked(store, gateway, tmp_path, monkeypatch, capsys):
    key = store.issue_key("ada")
    env = tmp_path / ".env"
    env.touch(mode=0o644)  # an empty .env others can read: it must end readable by its owner only
    env.chmod(0o644)
    assert join(gateway.base_url.removesuffix("/v1") + "/", key, monkeypatch) == 0  # /v1 is added
    assert sorted(env.read_text().splitlines()) == [f"OPENAI_API_KEY={key}", f"OPENAI_BASE_URL={gateway.base_url}"]
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    out = capsys.readouterr()
    assert out.out.count("\n") == 1 and f"sk-…{key[-4:]}" in out.out and "now use the class" in out.out
    assert key not in out.out + out.err
    settings = read_settings(env)  # what every notebook's connect() resolves
    assert (settings.base_url, settings.api_key) == (gateway.base_url, key)


def test_a_wrong_key_writes_nothing_and_says_ask_the_teacher(store, gateway, tmp_path, monkeypatch, capsys):
    wrong = "sk-class-wrong" + "x" * 30
    assert join(gateway.base_url, wrong, monkeypatch) == 1
    assert not (tmp_path / ".env").exists()
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1 and "refused the key sk-…xxxx" in out.err
    assert "Ask your teacher" in out.err and wrong not in out.err


def test_an_unreachable_gateway_writes_nothing(store, tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    assert join(url, store.issue_key("ada"), monkeypatch) == 1
    assert not (tmp_path / ".env").exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"Could not reach the class's gateway at {url} (ConnectError)")


def test_a_students_own_key_is_not_replaced(store, gateway, tmp_path, monkeypatch, capsys):
    env = tmp_path / ".env"
    env.write_text("OPENAI_API_KEY=sk-proj-mine" + "m" * 40 + "\n")
    assert join(gateway.base_url, store.issue_key("ada"), monkeypatch) == 1
    assert env.read_text() == "OPENAI_API_KEY=sk-proj-mine" + "m" * 40 + "\n"
    assert "already holds your own OPENAI_API_KEY (sk-proj-…mmmm)" in capsys.readouterr().err


def test_a_refused_class_key_says_ask_your_teacher_in_the_platforms_shape(store, gateway):
    key = store.issue_key("ada")
    store.revoke("ada")
    with pytest.raises(openai.AuthenticationError) as caught:
        openai.OpenAI(api_key=key, base_url=gateway.base_url, max_retries=0).chat.completions.create(
            model="gpt-ok", messages=HELLO)
    assert caught.value.body == {"message": f"Incorrect API key provided: sk-…{key[-4:]}. {ASK_TEACHER}",
                                 "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}
    with pytest.raises(openai.AuthenticationError) as other:  # a key from elsewhere keeps the platform's words
        openai.OpenAI(api_key="sk-proj-" + "p" * 40, base_url=gateway.base_url, max_retries=0).models.list()
    assert other.value.body["message"].endswith("You can find your API key at "
                                                "https://platform.openai.com/account/api-keys.")


def test_a_key_in_the_shells_environment_that_would_still_win_is_named(store, gateway, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-shell" + "s" * 40)  # the environment beats .env
    assert join(gateway.base_url, store.issue_key("ada"), monkeypatch) == 1
    err = capsys.readouterr().err
    assert "but OPENAI_API_KEY, set in your environment or that file, still take precedence" in err
    assert "sk-proj-shell" not in err
