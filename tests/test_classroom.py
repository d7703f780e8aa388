"""The classroom gateway, with the official client as the student and a stand-in upstream that records what it got."""

from __future__ import annotations

import json
import logging
import socket
import threading

import httpx
import openai
import pytest

from chatkit.classroom import gateway as gateway_module
from chatkit.classroom.gateway import Gateway
from chatkit.classroom.store import Budget, SQLiteStore, Student
from chatkit.classroom.upstreams import Upstream, Upstreams
from classroom_support import StandIn, class_of, closed_port
from support import wait_until

TEACHER_KEY = "sk-proj-TEACHERCANARY" + "7" * 40  # distinctive: found anywhere, it leaked
HELLO = [{"role": "user", "content": "Hello"}]
WRONG = "sk-class-wrong" + "x" * 30


@pytest.fixture
def store(tmp_path):
    with class_of(tmp_path / "classroom.sqlite3", Student("ada", "Ada"), Student("bo", "Bo")) as store:
        yield store


@pytest.fixture
def upstream():
    with StandIn() as up:
        yield up


def serve(store, *upstreams: Upstream, **options) -> Gateway:
    return Gateway.start(store, Upstreams(list(upstreams)), **options)


def teachers(up: StandIn) -> Upstream:
    return Upstream(up.name, up.base_url, TEACHER_KEY)


@pytest.fixture
def gateway(store, upstream):
    with serve(store, teachers(upstream)) as running:
        yield running


def student(gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url=gateway.base_url, max_retries=0)


def test_a_students_key_works_and_the_teachers_key_goes_upstream(store, upstream, gateway):
    key = store.issue_key("ada")
    answer = student(gateway, key).chat.completions.create(model="gpt-ok", messages=HELLO)
    assert answer.choices[0].message.content == "Hello, class."
    path, headers, body = upstream.requests[-1]
    assert path == "/v1/chat/completions" and body["messages"] == HELLO
    assert headers["authorization"] == f"Bearer {TEACHER_KEY}"
    assert key not in json.dumps(headers)  # nothing of the student's request but its body goes on
    [call] = store.calls("ada")
    assert (call.model, call.status, call.input_tokens, call.output_tokens, call.upstream) == (
        "gpt-ok", 200, 7, 5, upstream.name)


def test_a_revoked_key_gets_the_platforms_401_mid_class(store, gateway):
    key = store.issue_key("ada")
    client = student(gateway, key)
    client.chat.completions.create(model="gpt-ok", messages=HELLO)
    store.revoke("ada")
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-ok", messages=HELLO)
    assert caught.value.body == {"message": f"Incorrect API key provided: sk-…{key[-4:]}. Ask your teacher for your "
                                 "class key (it starts with sk-class-) and copy it whole.",
                                 "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}
    no_key = httpx.post(gateway.base_url + "/chat/completions", json={})
    assert no_key.status_code == 401 and no_key.json()["error"]["message"].startswith("You didn't provide an API key")


def test_over_the_per_minute_limit_the_platforms_429_with_its_headers(store, upstream, gateway):
    store.set_budget(Budget(rpm=2))
    client = student(gateway, store.issue_key("ada"))
    for _ in range(2):
        client.chat.completions.create(model="gpt-ok", messages=HELLO)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-ok", messages=HELLO)
    error, headers = caught.value, caught.value.response.headers
    assert (error.code, error.type) == ("rate_limit_exceeded", "requests")
    assert error.body["message"].startswith("Rate limit reached for gpt-ok in organization org-classroom on requests "
                                            "per min (RPM): Limit 2, Used 2, Requested 1. Please try again in ")
    assert headers["x-ratelimit-limit-requests"] == "2" and headers["x-ratelimit-remaining-requests"] == "0"
    assert int(headers["retry-after"]) >= 1 and "x-ratelimit-reset-requests" in headers
    assert len(upstream.requests) == 2  # the refused call never left the gateway
    assert [c.status for c in store.calls("ada")] == [429, 200, 200]
    other = student(gateway, store.issue_key("bo")).with_raw_response.chat.completions.create(
        model="gpt-ok", messages=HELLO)
    assert other.headers["x-ratelimit-remaining-requests"] == "1"  # each student has their own minute


def test_over_budget_insufficient_quota(store, upstream, gateway):
    store.set_budget(Budget(tokens_per_course=10))
    client = student(gateway, store.issue_key("ada"))
    client.chat.completions.create(model="gpt-ok", messages=HELLO)  # 12 tokens used
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-ok", messages=HELLO)
    assert (caught.value.code, caught.value.type) == ("insufficient_quota", "insufficient_quota")
    assert caught.value.body["message"].startswith("You exceeded your current quota, please check your plan")
    assert "12 of your 10 tokens for the course" in caught.value.message
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert len(upstream.requests) == 1


def test_a_model_the_class_does_not_allow_is_the_platforms_404(store, upstream, gateway):
    store.set_budget(Budget(models=("gpt-ok",)))
    client = student(gateway, store.issue_key("ada"))
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-other", messages=HELLO)
    assert caught.value.code == "model_not_found"
    assert caught.value.body["message"] == "The model `gpt-other` does not exist or you do not have access to it."
    assert upstream.requests == []
    assert [m.id for m in client.models.list()] == ["gpt-ok"]


def test_failover_when_the_first_upstream_is_down(store, upstream):
    down = Upstream("down", f"http://127.0.0.1:{closed_port()}/v1", TEACHER_KEY)
    with StandIn() as failing, serve(store, down, teachers(failing), teachers(upstream)) as gateway:
        failing.fail_with = 500
        client = student(gateway, store.issue_key("ada"))
        client.chat.completions.create(model="gpt-ok", messages=HELLO)
        assert len(failing.requests) == 1 and len(upstream.requests) == 1
        assert store.calls("ada")[0].upstream == upstream.name
        assert gateway.app.state.upstreams.health() == {"down": False, failing.name: False, upstream.name: True}
        upstream.fail_with = 503
        with pytest.raises(openai.InternalServerError) as caught:
            client.chat.completions.create(model="gpt-ok", messages=HELLO)
        assert caught.value.status_code == 502 and "every upstream" in caught.value.message


def test_the_next_call_starts_at_the_next_upstream(store, upstream):
    with StandIn() as second, serve(store, teachers(upstream), teachers(second)) as gateway:
        client = student(gateway, store.issue_key("ada"))
        for _ in range(4):
            client.chat.completions.create(model="gpt-ok", messages=HELLO)
        assert (len(upstream.requests), len(second.requests)) == (2, 2)


def test_a_stored_response_is_read_and_continued_where_it_was_made(store, upstream):
    with StandIn() as second, serve(store, teachers(upstream), teachers(second)) as gateway:
        client = student(gateway, store.issue_key("ada"))
        made = client.responses.create(model="gpt-ok", input="Hi")  # round-robin: the first upstream
        client.responses.retrieve(made.id)
        client.responses.create(model="gpt-ok", input="Go on", previous_response_id=made.id)
        assert [path for path, _, _ in upstream.requests] == ["/v1/responses", f"/v1/responses/{made.id}",
                                                              "/v1/responses"]
        assert second.requests == []


def test_the_teachers_key_reaches_no_student_and_no_log(store, upstream, gateway, caplog):
    """Canary: every byte a student can receive, and every log record, searched for the teacher's key."""
    caplog.set_level(logging.DEBUG)
    key = store.issue_key("ada")
    auth = {"authorization": f"Bearer {key}"}
    seen = []
    with httpx.Client(base_url=gateway.base_url, headers=auth) as raw:
        seen.append(raw.post("/chat/completions", json={"model": "gpt-ok", "messages": HELLO}))
        with raw.stream("POST", "/chat/completions", json={"model": "gpt-ok", "messages": HELLO, "stream": True}) as s:
            s.read()
            seen.append(s)
        seen.append(raw.get("/models"))
        seen.append(raw.get("/classroom/usage"))
        seen.append(raw.post("/responses", json={"model": "gpt-ok", "input": "Hi"}))
        upstream.fail_with, upstream.error_body = 400, {"error": {
            "message": f"Incorrect API key provided: {TEACHER_KEY} in org-teacherorg123456", "code": "x"}}
        seen.append(raw.post("/chat/completions", json={"model": "gpt-ok", "messages": HELLO}))
        upstream.fail_with = 401  # the upstream refuses the teacher's key, and says it in full
        seen.append(raw.post("/chat/completions", json={"model": "gpt-ok", "messages": HELLO}))
        wrong = {"authorization": f"Bearer {WRONG}"}
        seen.append(raw.post("/chat/completions", headers=wrong, json={"model": "gpt-ok"}))
    assert [r.status_code for r in seen] == [200, 200, 200, 200, 200, 400, 502, 401]
    assert upstream.requests[0][1]["authorization"] == f"Bearer {TEACHER_KEY}"  # the canary was really sent
    received = "\n".join(f"{r.headers}\n{r.content.decode()}" for r in seen)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (TEACHER_KEY, TEACHER_KEY[8:30], "teacherorg123456", "proj_teacher", "teachercookie"):
        assert secret not in received, secret
    for secret in (TEACHER_KEY, TEACHER_KEY[8:30], key, WRONG):
        assert secret not in logged, secret
    assert "x-ratelimit-limit-requests: 10000" not in received.lower()  # the teacher's limits are not the student's


def test_a_student_sees_only_their_own_usage_and_stored_responses(store, gateway):
    ada, bo = student(gateway, store.issue_key("ada")), student(gateway, store.issue_key("bo"))
    ada.chat.completions.create(model="gpt-ok", messages=HELLO)
    bos = bo.responses.create(model="gpt-ok", input="Hi")
    bo.responses.create(model="gpt-ok", input="Again")
    usage = ada.get("/classroom/usage?student=bo", cast_to=httpx.Response).json()
    assert (usage["student"], usage["tokens_in_course"], len(usage["calls"])) == ("ada", 12, 1)
    assert bo.get("/classroom/usage", cast_to=httpx.Response).json()["tokens_in_course"] == 24
    with pytest.raises(openai.NotFoundError):
        ada.responses.retrieve(bos.id)
    with pytest.raises(openai.BadRequestError, match=f"Previous response with id '{bos.id}' not found"):
        ada.responses.create(model="gpt-ok", input="Go on", previous_response_id=bos.id)
    assert bo.responses.retrieve(bos.id).id == bos.id


def test_a_stream_passes_chunk_by_chunk_and_its_usage_is_recorded(store, upstream, gateway):
    upstream.release.clear()  # the upstream holds its last chunk until the student has the first
    stream = student(gateway, store.issue_key("ada")).chat.completions.create(
        model="gpt-ok", messages=HELLO, stream=True)
    chunks = iter(stream)
    first = next(chunks)
    assert first.choices[0].delta.content == "Hel" and not upstream.last_sent.is_set()
    upstream.release.set()
    rest = list(chunks)
    assert "".join(c.choices[0].delta.content for c in rest) == "lo!"
    assert all(c.choices for c in rest)  # the usage chunk the gateway asked for is not the student's
    assert upstream.requests[-1][2]["stream_options"] == {"include_usage": True}
    call = wait_until(lambda: store.calls("ada"), "the stream's call recorded")[0]
    assert (call.input_tokens, call.output_tokens, call.status) == (7, 5, 200)


def test_a_student_who_hangs_up_mid_stream_is_recorded(store, upstream, gateway):
    upstream.release.clear()
    client = student(gateway, store.issue_key("ada"))
    with client.chat.completions.create(model="gpt-ok", messages=HELLO, stream=True) as stream:
        next(iter(stream))
    call = wait_until(lambda: store.calls("ada"), "the call recorded when the student hung up")[0]
    assert call.status == 499 and not upstream.last_sent.is_set()


def test_a_stream_read_to_its_end_is_a_success_though_the_student_hangs_up_first(store, upstream, gateway):
    # The SDK closes the connection at [DONE]; the upstream may close its own a moment later.
    upstream.close_stream.clear()
    client = student(gateway, store.issue_key("ada"))
    text = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="gpt-ok", messages=HELLO, stream=True) if c.choices)
    call = wait_until(lambda: store.calls("ada"), "the stream's call recorded")[0]
    upstream.close_stream.set()
    assert text == "Hello!" and (call.status, call.input_tokens, call.output_tokens) == (200, 7, 5)


def test_a_student_who_asks_for_usage_gets_it(store, gateway):
    stream = student(gateway, store.issue_key("ada")).chat.completions.create(
        model="gpt-ok", messages=HELLO, stream=True, stream_options={"include_usage": True})
    assert [c.usage.total_tokens for c in stream if c.usage] == [12]


def test_a_class_of_30_students_at_once_each_recorded(tmp_path, upstream):
    store = SQLiteStore(tmp_path / "class.sqlite3")
    store.add_students([Student(f"s{i:02}", f"Student {i}") for i in range(30)])
    keys = {f"s{i:02}": store.issue_key(f"s{i:02}") for i in range(30)}
    start, answers = threading.Barrier(30), {}

    def one(sid: str, key: str) -> None:
        client = openai.OpenAI(api_key=key, base_url=gateway.base_url, max_retries=0)
        start.wait()
        answers[sid] = client.chat.completions.create(model="gpt-ok", messages=HELLO).choices[0].message.content

    with serve(store, teachers(upstream)) as gateway:
        threads = [threading.Thread(target=one, args=item) for item in keys.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert set(answers) == set(keys) and set(answers.values()) == {"Hello, class."}
    assert {sid: [c.output_tokens for c in store.calls(sid)] for sid in keys} == {sid: [5] for sid in keys}
    assert len(upstream.requests) == 30


# --- hostile requests ------------------------------------------------------------------------

def test_hostile_bodies_get_clean_4xx(store, upstream, gateway):
    auth = {"authorization": f"Bearer {store.issue_key('ada')}"}
    url = gateway.base_url + "/chat/completions"
    too_large = httpx.post(url, headers=auth, content=b"x" * (gateway_module.MAX_BODY + 1))
    assert too_large.status_code == 413 and "shorter prompt" in too_large.json()["error"]["message"]
    assert httpx.post(url, headers=auth, content=b"{nope").json()["error"]["message"].startswith(
        "We could not parse the JSON body of your request.")
    assert httpx.post(url, headers=auth, json=[1]).status_code == 400
    assert httpx.post(url, headers=auth, json={"messages": HELLO}).json()["error"]["message"] == (
        "you must provide a model parameter")
    assert upstream.requests == []


def test_a_slow_client_gets_408(store, gateway, monkeypatch):
    monkeypatch.setattr(gateway_module, "BODY_TIMEOUT", 0.2)
    key = store.issue_key("ada")
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as conn:  # a hang fails, not blocks
        conn.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode())
        answer = b"".join(iter(lambda: conn.recv(65536), b"")).decode()  # until the gateway gives up and closes
    assert answer.startswith("HTTP/1.1 408") and "did not arrive within" in answer


def test_an_upstream_that_does_not_answer_is_a_504(store, upstream):
    upstream.hold.set()
    upstream.release.clear()
    short = httpx.Timeout(5.0, read=0.2)  # the upstream holds its answer until released: any read timeout passes
    with serve(store, teachers(upstream), timeout=short) as gateway, pytest.raises(openai.APIStatusError) as caught:
        student(gateway, store.issue_key("ada")).chat.completions.create(model="gpt-ok", messages=HELLO)
    upstream.release.set()
    assert caught.value.status_code == 504 and "did not answer within 0.2 seconds" in caught.value.message
    assert [c.status for c in store.calls("ada")] == [504]


def test_the_gateway_warns_when_it_listens_beyond_loopback(store, upstream, caplog):
    with serve(store, teachers(upstream), host="0.0.0.0"):
        pass
    assert any("TLS" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


# --- the real sandbox behind the gateway -------------------------------------------------------

def test_a_notebook_call_through_the_gateway_to_the_real_sandbox(store, sandbox):
    with serve(store, Upstream("sandbox", sandbox.base_url, sandbox.key)) as gateway:
        client = student(gateway, store.issue_key("ada"))
        model = client.models.list().data[0].id
        answer = client.chat.completions.create(model=model, messages=HELLO, max_tokens=8, temperature=0)
        assert answer.choices[0].message.content
        streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
            model=model, messages=HELLO, max_tokens=8, temperature=0, stream=True) if c.choices)
        assert streamed == answer.choices[0].message.content
        response = client.responses.create(model=model, input="Say hi", max_output_tokens=16)
        assert response.output_text and client.responses.retrieve(response.id).id == response.id
    calls = store.calls("ada")
    assert [c.status for c in calls] == [200, 200, 200]
    assert all(c.input_tokens > 0 and c.output_tokens > 0 for c in calls)
