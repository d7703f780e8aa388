"""Thousands of odd requests at the scripted sandbox: never a 5xx, every error in OpenAI's shape, no leak.

test_sandbox_hostile.py keeps the cases that once broke something; this file sweeps the
space around them. Everything is deterministic (fixed tables, a seeded Random, Hypothesis
derandomized), so a failure in CI fails the same way on a laptop:

- every field of a rich, valid request, at every depth, replaced by a value of the wrong type;
- NaN, Infinity and numbers too large for a float anywhere; unknown fields;
- bodies that are not a JSON object; odd Authorization headers; every method on every route; odd paths;
- then two thousand of all of these again, with the process's memory measured before and after.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import sys
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit.sandbox.app import ROUTES
from chatkit.sandbox.scripted import ScriptedEngine
from test_sandbox_hostile import assert_openai_error

pytestmark = pytest.mark.slow

MODEL = ScriptedEngine.model_id
SCHEMA = {"type": "object", "additionalProperties": False, "required": ["city", "days", "tags"],
          "properties": {"city": {"type": "string", "enum": ["Paris", "Oslo"]},
                         "days": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                         "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}}},
          "$defs": {"Tag": {"type": "string"}}}
# One valid request per endpoint, using as many of its fields as fit together; the key after
# "#" only tells two bodies for the same path apart.
BODIES = {
    "/chat/completions#tools": {
        "model": MODEL, "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "Sunny."}],
        "tools": [{"type": "function", "function": {"name": "weather", "description": "Look it up.",
                                                    "parameters": SCHEMA, "strict": True}}],
        "tool_choice": {"type": "function", "function": {"name": "weather"}}, "parallel_tool_calls": False,
        "max_tokens": 5, "stop": ["\n\n"], "logit_bias": {"1": 1}, "n": 2, "seed": 1, "temperature": 0.5,
        "top_p": 0.9, "presence_penalty": 0.1, "logprobs": True, "top_logprobs": 2,
        "stream_options": {"include_usage": True}, "metadata": {"lesson": "3"}, "user": "u1"},
    "/chat/completions#format": {
        "model": MODEL, "messages": [{"role": "user", "content": "Answer in JSON."}], "max_completion_tokens": 5,
        "response_format": {"type": "json_schema", "json_schema": {"name": "forecast", "schema": SCHEMA,
                                                                   "strict": True}}},
    "/completions": {"model": MODEL, "prompt": ["Once upon a time"], "max_tokens": 3, "stop": "\n", "logprobs": 2,
                     "n": 2, "best_of": 1, "logit_bias": {"2": -1}, "seed": 7, "suffix": None},
    "/responses": {
        "model": MODEL, "instructions": "Answer in JSON.", "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
            {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "Sunny."}],
        "tools": [{"type": "function", "name": "weather", "parameters": SCHEMA, "strict": True}],
        "tool_choice": {"type": "function", "name": "weather"}, "max_output_tokens": 16, "store": False,
        "text": {"format": {"type": "json_schema", "name": "forecast", "schema": SCHEMA, "strict": True}},
        "reasoning": {"effort": "none"}, "truncation": "disabled", "metadata": {"lesson": "5"}},
    "/responses/input_tokens": {"model": MODEL, "input": "Hi", "instructions": "Be brief.",
                                "tools": [{"type": "function", "name": "weather", "parameters": SCHEMA}]},
    # Checked whole before the file is looked up: a batch never starts.
    "/batches": {"input_file_id": "file-none", "endpoint": "/v1/chat/completions", "completion_window": "24h",
                 "metadata": {"lesson": "9"}},
}
WRONG = [None, True, -1, -(10**400), 1.5, "", "x\x00é😀\u202e\ufeff", "a" * 300, [], {}, [None, "x"], {"": {}}]
NOT_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"]


@pytest.fixture
def http(scripted):
    """A keep-alive HTTP client of the scripted sandbox, with its key."""
    headers = {"authorization": f"Bearer {scripted.key}", "content-type": "application/json"}
    with httpx.Client(base_url=scripted.base_url, headers=headers, timeout=30) as http:
        yield http


def answered(response: httpx.Response) -> httpx.Response:
    """The response, checked: no server error, and any other error in OpenAI's shape."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_openai_error(response, response.status_code)
    return response


def places(node: object, where: tuple = ()):
    """Every place in a JSON document, the root included, as a tuple of keys and indexes."""
    yield where
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from places(value, where + (key,))


def replaced(node: object, where: tuple, value: object) -> object:
    """A copy of ``node`` with ``value`` at ``where``."""
    if not where:
        return value
    copy = json.loads(json.dumps(node))
    parent = copy
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    return copy


def with_literal(body: object, where: tuple, literal: str) -> str:
    """``body`` as JSON text with ``literal`` (``NaN``, ``1e400``…) written at ``where``."""
    return json.dumps(replaced(body, where, "\x00literal")).replace('"\\u0000literal"', literal)


def path_of(name: str) -> str:
    return name.split("#")[0]


# --- the body -------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(BODIES))
def test_a_wrong_value_in_any_field_at_any_depth(http, name):
    body = BODIES[name]
    assert http.post(path_of(name), json=body).status_code == (404 if name == "/batches" else 200)
    for where in places(body):
        for value in WRONG:
            answered(http.post(path_of(name), content=json.dumps(replaced(body, where, value))))


@pytest.mark.parametrize("literal", NOT_FINITE)
def test_nan_and_infinity_anywhere_get_a_400(http, literal):
    for name, body in BODIES.items():
        for where in places(body):
            error = assert_openai_error(http.post(path_of(name), content=with_literal(body, where, literal)), 400)
            assert "not finite" in error["message"] and literal in error["message"]


@pytest.mark.parametrize("field", ["foo", "", "\x00", "é", "a" * 1000, "__proto__", "Model"])
def test_an_unknown_field_is_named_in_the_400(http, field):
    for name, body in BODIES.items():
        error = assert_openai_error(http.post(path_of(name), json={**body, field: 1}), 400)
        assert (error["code"], error["param"]) == ("unknown_parameter", field)


JSON_PATHS = sorted({path_of(name) for name in BODIES})
NOT_AN_OBJECT = [b"", b"{", b"}", b"\x00", b"\xef\xbb\xbf{}", "{}".encode("utf-16"), b'{"model": "x",}',
                 b"{'model': 'x'}", b"[" * 65 + b"]" * 65, b'"\\ud800"', b"9" * 5000, b'{"a": 1}{"b": 2}', b"null",
                 b"[]", b'"text"', b"\x1f\x8b\x08\x00", b"model=x&messages=y"]
CONTENT_TYPES = [b"application/json", b"text/plain", b"application/x-www-form-urlencoded", b"", b"json; charset=\xe9"]


@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(JSON_PATHS), raw=st.sampled_from(NOT_AN_OBJECT) | st.binary(max_size=200),
       content_type=st.sampled_from(CONTENT_TYPES))
def test_bytes_that_are_not_a_json_object_get_a_400(http, path, raw, content_type):
    assert_openai_error(http.post(path, content=raw, headers={"content-type": content_type}), 400)


@pytest.mark.parametrize("content_type, raw", [
    (b"application/json", b'{"purpose": "batch"}'),
    (b"multipart/form-data", b""),
    (b"multipart/form-data; boundary=", b"--\r\n"),
    (b"multipart/form-data; boundary=x", b"\x00" * 100),
    (b"multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\nbatch\r\n--x--"),
    (b"multipart/form-data; boundary=\xe9", b"--\xe9\r\n"),
])
def test_an_upload_that_is_not_a_form_gets_a_400(http, content_type, raw):
    assert_openai_error(http.post("/files", content=raw, headers={"content-type": content_type}), 400)


# --- the headers, the method and the path ----------------------------------------------

def odd_authorizations(key: str) -> dict[str, list[tuple[bytes, bytes]]]:
    auth = b"authorization"
    return {"missing": [], "empty": [(auth, b"")], "scheme only": [(auth, b"Bearer")],
            "another scheme": [(auth, b"Basic " + key.encode())], "no scheme": [(auth, key.encode())],
            "UTF-8": [(auth, "Bearer clé-😀".encode())], "Latin-1": [(auth, b"Bearer cl\xe9")],
            "very long": [(auth, b"Bearer sk-" + b"x" * 8000)], "two keys": [(auth, f"Bearer {key} {key}".encode())],
            "two keys, a comma": [(auth, f"Bearer {key}, Bearer {key}".encode())],
            "two headers, the first wrong": [(auth, b"Bearer sk-wrong"), (auth, f"Bearer {key}".encode())]}


@pytest.mark.parametrize("case", list(odd_authorizations("k")))
def test_an_odd_authorization_header_gets_a_401_that_says_what_to_do(scripted, case):
    body = json.dumps(BODIES["/chat/completions#format"]).encode()
    requests = [("GET", "/models"), ("POST", "/chat/completions"), ("POST", "/responses/input_tokens"),
                ("GET", "/files"), ("GET", "/batches"), ("GET", "/responses/resp_1")]
    with httpx.Client(base_url=scripted.base_url, timeout=30) as http:
        for method, path in requests:
            headers = odd_authorizations(scripted.key)[case] + [(b"content-type", b"application/json")]
            error = assert_openai_error(http.request(method, path, content=body, headers=headers), 401)
            assert "python -m chatkit keys create" in error["message"]
            assert "x" * 50 not in error["message"]  # a key is masked, however long


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


@pytest.mark.parametrize("route", sorted({route.path for route in ROUTES}))
def test_every_method_on_every_route(http, route):
    path = re.sub(r"\{\w+(:\w+)?\}", "x", route)
    allowed = set().union(*(r.methods for r in ROUTES if r.path_regex.match(path)))  # HEAD comes with GET
    for method in METHODS:
        response = http.request(method, path.removeprefix("/v1"), content=b"{}")
        if method == "HEAD":
            assert response.status_code < 500 and response.content == b""
            continue
        answered(response)
        if method not in allowed:
            assert response.status_code == 405


ODD_PATHS = [b"/v1/../v1/models", b"/v1/%2e%2e/v1/models", b"/v1/models%00", b"/v1/%00", b"//v1/models",
             b"/v1/models/%ff", b"/v1/models/..%2f..%2fetc%2fpasswd", b"/" + b"a" * 8000, b"/v1/models/" + b"x" * 8000,
             b"/v1/engines/davinci/completions", b"/v1/responses/%0d%0a", b"/v1/files/%00/content",
             b"/v1/chat/completions/", b"/v1", b"/", b"/v1/models?x=" + b"9" * 5000, b"/v1/files?limit=abc",
             b"/v1/files?limit=-1", b"/v1/files?limit=99999999999", b"/v1/files?order=sideways",
             b"/v1/files?after=%00&purpose=%ff", b"/v1/batches?limit=1e5",
             b"/v1/responses/resp_x?stream=true&starting_after=abc"]


@pytest.mark.parametrize("raw_path", ODD_PATHS, ids=lambda raw: raw[:40].decode())
def test_an_odd_path_gets_an_answer_in_openai_shape(http, raw_path):
    for method in ("GET", "POST", "DELETE"):
        response = answered(http.request(method, http.base_url.copy_with(raw_path=raw_path), content=b"{}"))
        assert not response.is_redirect


# --- all of it again, with the memory watched -------------------------------------------

def odd_requests(key: str) -> list[tuple[str, str | bytes, bytes | str, list]]:
    """Every kind of request above as (method, path or raw path, body, headers): a few hundred."""
    found = []
    for name, body in BODIES.items():
        found += [("POST", path_of(name), json.dumps(replaced(body, where, random.Random(str(where)).choice(WRONG))),
                   []) for where in places(body)]
        found += [("POST", path_of(name), with_literal(body, (), "NaN"), []),
                  ("POST", path_of(name), json.dumps({**body, "stream": True}), [])]
    found += [("POST", path, raw, []) for path in JSON_PATHS for raw in NOT_AN_OBJECT]
    found += [("GET", "/models", b"", headers) for headers in odd_authorizations(key).values()]
    found += [(method, path, b"{}", []) for method in METHODS[:-1] for path in ("/chat/completions", "/files/x")]
    return found + [("GET", raw, b"", []) for raw in ODD_PATHS]


def rss() -> int:
    """This process's resident memory in bytes; the scripted sandbox runs in it, in a thread."""
    status = Path("/proc/self/status")
    if status.exists():
        return int(re.search(r"VmRSS:\s+(\d+) kB", status.read_text())[1]) * 1024
    import resource  # elsewhere the peak, which bounds the growth too

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


@pytest.mark.skipif(os.name == "nt", reason="reads the memory of a POSIX process")
def test_two_thousand_odd_requests_leave_the_memory_flat_and_the_server_well(http, scripted):
    pool, rng = odd_requests(scripted.key), random.Random(11)

    def storm(count: int) -> None:
        for method, path, body, headers in rng.choices(pool, k=count):
            url = http.base_url.copy_with(raw_path=path) if isinstance(path, bytes) else path
            answered(http.request(method, url, content=body, headers=headers or None))

    storm(200)  # warm up: caches, pools and lazily built tables fill once
    gc.collect()
    before = rss()
    storm(2000)
    gc.collect()
    assert rss() - before < 50 * 2**20
    assert http.get("/models").json()["data"][0]["id"] == MODEL
