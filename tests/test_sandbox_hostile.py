"""The sandbox is a server: hostile and malformed requests get a 4xx in OpenAI's shape, never a 500.

Each case here once ended in a 500, a blocked model or a leak (issue 11's probe). The
fuzz test at the end throws random JSON at every field and asserts the same; test_sandbox_fuzz.py
sweeps wider, with thousands of requests.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import stat

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit.sandbox.http import MAX_BODY
from chatkit.sandbox.server import Sandbox
from support import wait_until


def post(box, path: str, raw: bytes | str, key: str | None = None, **headers) -> httpx.Response:
    headers = {"authorization": f"Bearer {key or box.key}", "content-type": "application/json", **headers}
    return httpx.post(box.base_url + path, content=raw, headers=headers, timeout=30)


def assert_openai_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    return error


def chat_body(scripted, **fields) -> dict:
    return {"model": scripted.engine.model_id, "messages": [{"role": "user", "content": "Hi"}], **fields}


def test_json_nested_a_thousand_levels_deep(scripted):
    deep = "[" * 1000 + "]" * 1000
    raw = json.dumps(chat_body(scripted)).replace('"Hi"', '"Hi", "extra": ' + deep, 1)
    assert "nested" in assert_openai_error(post(scripted, "/chat/completions", raw), 400)["message"]


@pytest.mark.parametrize("where", ["content", "model", "previous_response_id", "logit_bias"])
def test_a_lone_surrogate_anywhere(scripted, where):
    if where == "previous_response_id":
        raw = f'{{"model": "{scripted.engine.model_id}", "input": "Hi", "previous_response_id": "resp_\\ud800"}}'
        response = post(scripted, "/responses", raw)
    else:
        body = json.dumps(chat_body(scripted, logit_bias={"1": 1}))
        target = {"content": '"Hi"', "model": f'"{scripted.engine.model_id}"', "logit_bias": '"1"'}[where]
        response = post(scripted, "/chat/completions", body.replace(target, target[:-1] + '\\ud800"', 1))
    assert "Unicode" in assert_openai_error(response, 400)["message"]


def test_a_logit_bias_key_of_five_thousand_digits(scripted):
    raw = json.dumps(chat_body(scripted, logit_bias={"9" * 5000: 1}))
    assert assert_openai_error(post(scripted, "/chat/completions", raw), 400)["param"] == "logit_bias"


def test_a_stop_string_too_long_to_check_every_token(scripted):
    raw = json.dumps(chat_body(scripted, stop="x" * 250_000))
    assert assert_openai_error(post(scripted, "/chat/completions", raw), 400)["param"] == "stop"
    assert scripted.engine.history == []  # refused before the model ran


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_over_the_limit_is_refused_before_it_is_read(scripted, declared):
    huge = json.dumps(chat_body(scripted, messages=[{"role": "user", "content": "a" * (MAX_BODY + 10)}])).encode()
    if declared:
        response = post(scripted, "/chat/completions", huge)
    else:  # chunked, with no Content-Length to trust
        response = post(scripted, "/chat/completions", iter([huge[i:i + 65536] for i in range(0, len(huge), 65536)]))
    assert assert_openai_error(response, 413)["code"] == "request_too_large"


def test_a_client_that_hangs_up_mid_body_is_no_sandbox_bug(scripted, caplog):
    caplog.set_level(logging.DEBUG, logger="chatkit")
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: sandbox\r\nAuthorization: Bearer {scripted.key}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    with socket.create_connection(("127.0.0.1", scripted.port)) as sock:
        sock.sendall(head.encode() + b'{"model": ')
    # The sandbox says what it made of the hang-up: a debug note, or the error log of a 500.
    records = wait_until(lambda: [r for r in caplog.records if r.name.startswith("chatkit")], "the sandbox's log")
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("DEBUG", "The client of /v1/chat/completions hung up before sending the whole body.")]


@pytest.mark.parametrize("schema", [{"type": "object", "properties": 5}, {"type": "object", "$defs": []},
                                    {"type": "object", "properties": {"a": {"type": "string"}}, "required": True},
                                    {"type": "object", "properties": {"a": {"items": {"enum": None}}}}])
def test_a_schema_keyword_of_the_wrong_type(scripted, schema):
    tools = [{"type": "function", "function": {"name": "f", "parameters": schema}}]
    error = assert_openai_error(post(scripted, "/chat/completions", json.dumps(chat_body(scripted, tools=tools))), 400)
    assert error["param"] == "tools[0].function.parameters" and "is not of type" in error["message"]


def test_a_trailing_slash_does_not_redirect(scripted):
    response = httpx.get(scripted.base_url + "/models/", headers={"authorization": f"Bearer {scripted.key}",
                                                                   "host": "evil.example"})
    assert "location" not in response.headers
    assert_openai_error(response, 404)


def test_a_stored_response_belongs_to_the_key_that_made_it(scripted):
    key_a, _ = scripted.store.create_key("a")
    key_b, _ = scripted.store.create_key("b")
    alice = openai.OpenAI(api_key=key_a, base_url=scripted.base_url, max_retries=0)
    bob = openai.OpenAI(api_key=key_b, base_url=scripted.base_url, max_retries=0)
    mine = alice.responses.create(model=scripted.engine.model_id, input="My secret is 42.")
    with pytest.raises(openai.NotFoundError):
        bob.responses.retrieve(mine.id)
    with pytest.raises(openai.NotFoundError):
        bob.responses.delete(mine.id)
    with pytest.raises(openai.BadRequestError, match="not found"):
        bob.responses.create(model=scripted.engine.model_id, input="What is my secret?", previous_response_id=mine.id)
    assert alice.responses.retrieve(mine.id).id == mine.id  # still there for its owner


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_the_sandbox_database_is_readable_by_its_owner_only(scripted):
    assert stat.S_IMODE(scripted.store.path.stat().st_mode) == 0o600


class BrokenEngine:
    model_id, context_window = "broken-model", 2048

    def render(self, messages):
        raise RuntimeError("a bug in the engine")


def test_a_server_error_closes_the_connection(tmp_path):
    with Sandbox.start(engine=BrokenEngine(), data_dir=tmp_path) as box:
        raw = json.dumps({"model": "broken-model", "messages": [{"role": "user", "content": "Hi"}]})
        response = post(box, "/chat/completions", raw)
    assert_openai_error(response, 500)
    assert response.headers["connection"] == "close"


# --- fuzzing: random JSON in every field --------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
FIELDS = ["model", "messages", "temperature", "top_p", "max_tokens", "stop", "seed", "n", "logprobs",
          "top_logprobs", "logit_bias", "stream", "response_format", "tools", "tool_choice", "input",
          "instructions", "text", "previous_response_id", "background", "prompt", "echo"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/chat/completions", "/responses", "/completions", "/responses/input_tokens"]),
       field=st.sampled_from(FIELDS), value=JSON)
def test_random_values_in_any_field_never_get_a_server_error(scripted, path, field, value):
    base = {"model": scripted.engine.model_id, "max_tokens": 2} if path != "/responses" else {
        "model": scripted.engine.model_id, "max_output_tokens": 16}
    base.update({"messages": [{"role": "user", "content": "Hi"}]} if path == "/chat/completions" else
                {"prompt": "Hi"} if path == "/completions" else {"input": "Hi"})
    try:
        raw = json.dumps({**base, field: value}, allow_nan=True)
    except (TypeError, ValueError):
        return
    response = post(scripted, path, raw)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_openai_error(response, response.status_code)
