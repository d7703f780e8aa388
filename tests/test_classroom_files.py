"""Files and Batches through the classroom gateway, with the official client as each student and the real sandbox
upstream: the round trip of notebook 06, isolation between students, the batch's tokens counted once, admission."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import httpx
import openai
import pytest

from chatkit.classroom import files as files_module
from chatkit.classroom.gateway import Gateway, create_app
from chatkit.classroom.relay import TIMEOUT
from chatkit.classroom.store import Budget, Call, Student
from chatkit.classroom.upstreams import Upstream, Upstreams
from chatkit.keys import mask_key
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from classroom_support import class_of
from support import client_for, wait_until

ADA, BO = Student("ada", "Ada"), Student("bo", "Bo")
FINAL = ("completed", "failed", "expired", "cancelled")
UNKNOWN_FILE, UNKNOWN_BATCH = "file-" + "0" * 24, "batch_" + "0" * 32


def requests(model: str, max_tokens: int = 4) -> bytes:
    """Two short chat requests as a batch's JSONL file."""
    return "".join(json.dumps({"custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions",
                               "body": {"model": model, "messages": [{"role": "user", "content": f"Say {i}."}],
                                        "max_tokens": max_tokens, "temperature": 0}}) + "\n"
                   for i in range(2)).encode()


def upload(client: openai.OpenAI, model: str, max_tokens: int = 4):
    return client.files.create(file=("requests.jsonl", requests(model, max_tokens)), purpose="batch")


def create(client: openai.OpenAI, file_id: str):
    return client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h")


def wait(client: openai.OpenAI, batch_id: str):
    return wait_until(lambda: (now := client.batches.retrieve(batch_id)).status in FINAL and now,
                      f"batch {batch_id} to end", 120)


def student(gateway: Gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url=gateway.base_url, max_retries=0)


def teachers(box: Sandbox) -> Upstream:
    return Upstream(box.base_url.split("//")[1], box.base_url, box.key)


class Leaky(httpx.AsyncBaseTransport):
    """The way to the upstream, where every error quotes the key it was sent, as a careless server might."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.inner.handle_async_request(request)
        if answer.status_code < 400:
            return answer
        body = json.loads(await answer.aread())
        body["error"]["message"] += f" (sent {request.headers['authorization']})"
        return httpx.Response(answer.status_code, headers={"content-type": "application/json"},
                              stream=httpx.ByteStream(json.dumps(body).encode()))  # a stream: the gateway reads it


@pytest.fixture(scope="module")
def made(tmp_path_factory, sandbox):
    """A class whose gateway reaches the real sandbox through :class:`Leaky`, and Ada's finished batch."""
    with class_of(tmp_path_factory.mktemp("class") / "classroom.sqlite3", ADA, BO) as store:
        app = create_app(store, Upstreams([teachers(sandbox)]))
        app.state.client = httpx.AsyncClient(transport=Leaky(), timeout=TIMEOUT, follow_redirects=False,
                                             trust_env=False)
        with Gateway(app, "127.0.0.1", 0) as gateway:
            ada, bo = student(gateway, store.issue_key("ada")), student(gateway, store.issue_key("bo"))
            uploaded = upload(ada, sandbox.engine.model_id)
            batch = wait(ada, create(ada, uploaded.id).id)
            yield SimpleNamespace(store=store, gateway=gateway, ada=ada, bo=bo, file=uploaded, batch=batch)


def test_notebook_06s_batch_round_trip_through_the_gateway(made, sandbox):
    done, ada = made.batch, made.ada
    assert (done.status, done.request_counts.completed, done.input_file_id) == ("completed", 2, made.file.id)
    lines = [json.loads(line) for line in ada.files.content(done.output_file_id).text.splitlines()]
    assert sorted(line["custom_id"] for line in lines) == ["q0", "q1"]
    assert all(line["response"]["status_code"] == 200 for line in lines)
    assert {f.id for f in ada.files.list()} == {made.file.id, done.output_file_id}  # the output is Ada's now
    assert [f.id for f in ada.files.list(purpose="batch")] == [made.file.id]
    assert [b.id for b in ada.batches.list()] == [done.id]
    assert client_for(sandbox).batches.retrieve(done.id).input_file_id == made.file.id  # made with the teacher's key


def test_a_batchs_usage_is_recorded_once_however_often_it_is_read(made):
    for _ in range(3):
        made.ada.batches.retrieve(made.batch.id)
    list(made.ada.batches.list())
    [call] = [c for c in made.store.calls("ada") if c.endpoint == "/batches"]
    usage = made.batch.usage
    assert (call.input_tokens, call.output_tokens, call.status) == (usage.input_tokens, usage.output_tokens, 200)
    assert call.output_tokens > 0 and made.store.tokens_used("ada") == usage.input_tokens + usage.output_tokens


def test_a_student_cannot_reach_another_students_files_or_batches(made, sandbox):
    """Bo gets exactly what the platform answers for an id it does not know, whatever he does with Ada's."""
    bo, teacher = made.bo, client_for(sandbox)
    unknown = {"file": caught(teacher.files.retrieve, UNKNOWN_FILE), "batch": caught(teacher.batches.retrieve,
                                                                                    UNKNOWN_BATCH),
               "input": caught(create, teacher, UNKNOWN_FILE)}

    def as_unknown(kind: str, resource: str) -> dict:
        body = unknown[kind]
        return {**body, "message": body["message"].replace(UNKNOWN_FILE if kind != "batch" else UNKNOWN_BATCH,
                                                           resource)}

    for file_id in (made.file.id, made.batch.output_file_id):
        for call in (bo.files.retrieve, bo.files.content, bo.files.delete):
            assert caught(call, file_id) == as_unknown("file", file_id)
        assert caught(create, bo, file_id) == as_unknown("input", file_id)
    for call in (bo.batches.retrieve, bo.batches.cancel):
        assert caught(call, made.batch.id) == as_unknown("batch", made.batch.id)
    assert list(bo.files.list()) == [] and list(bo.batches.list()) == []
    assert made.ada.files.retrieve(made.file.id).id == made.file.id  # Bo's delete did not reach it
    assert [c.endpoint for c in made.store.calls("bo")] == []  # and he spent nothing


def caught(call, *args) -> dict:
    """The body of the 404 ``call(*args)`` raises."""
    with pytest.raises(openai.NotFoundError) as error:
        call(*args)
    return error.value.body


def test_the_teachers_key_reaches_no_student_and_no_log(made, sandbox, caplog):
    """Canary: every byte Ada and Bo can receive from these routes, and every log record, searched for the key."""
    caplog.set_level(logging.DEBUG)
    ada_key, bo_key = made.ada.api_key, made.bo.api_key
    seen = []
    with httpx.Client(base_url=made.gateway.base_url, headers={"authorization": f"Bearer {ada_key}"}) as raw:
        uploaded = raw.post("/files", files={"file": ("r.jsonl", requests(sandbox.engine.model_id))},
                            data={"purpose": "batch"})
        gone = uploaded.json()["id"]
        seen += [uploaded, raw.get("/files"), raw.get(f"/files/{made.file.id}"),
                 raw.get(f"/files/{made.batch.output_file_id}/content"), raw.get("/batches"),
                 raw.get(f"/batches/{made.batch.id}"), raw.delete(f"/files/{gone}")]
        seen.append(raw.get(f"/files/{gone}/content"))  # still Ada's, gone upstream: the upstream's 404
        seen.append(raw.post(f"/batches/{made.batch.id}/cancel"))  # completed: the upstream's 400
        seen.append(raw.post("/batches", json={"input_file_id": gone, "endpoint": "/v1/chat/completions",
                                               "completion_window": "24h"}))
        seen.append(raw.get(f"/batches/{made.batch.id}", headers={"authorization": f"Bearer {bo_key}"}))
    assert [r.status_code for r in seen] == [200] * 7 + [404, 400, 404, 404]
    received = "\n".join(f"{r.headers}\n{r.content.decode()}" for r in seen)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (sandbox.key, sandbox.key[8:30]):
        assert secret not in received and secret not in logged
    for secret in (ada_key, bo_key):
        assert secret not in logged
    assert f"(sent Bearer {mask_key(sandbox.key)})" in received  # the upstream did quote the key: masked on the way


# --- admission and limits --------------------------------------------------------------------

@pytest.fixture
def classroom(tmp_path, sandbox):
    with class_of(tmp_path / "classroom.sqlite3", ADA) as store, \
            Gateway.start(store, Upstreams([teachers(sandbox)])) as gateway:
        yield store, student(gateway, store.issue_key("ada"))


def test_a_batch_past_the_students_allowance_or_models_never_reaches_the_upstream(classroom, sandbox):
    store, ada = classroom
    model, teacher = sandbox.engine.model_id, client_for(sandbox)
    small, large = upload(ada, model), upload(ada, model, max_tokens=600)
    before = len(list(teacher.batches.list()))
    store.set_budget(Budget(tokens_per_day=1_000))
    with pytest.raises(openai.RateLimitError) as too_large:  # 2 requests of up to 600 tokens each, and more input
        create(ada, large.id)
    assert too_large.value.code == "insufficient_quota" and "you have 1,000 left" in too_large.value.message
    assert too_large.value.response.headers["x-should-retry"] == "false"
    store.record(Call("ada", "/chat/completions", model, 200, 600, 400))  # the day's tokens, spent
    with pytest.raises(openai.RateLimitError) as spent:
        create(ada, small.id)
    assert spent.value.code == "insufficient_quota" and "used 1,000 of your 1,000 tokens" in spent.value.message
    store.set_budget(Budget(models=("gpt-other",)))
    with pytest.raises(openai.NotFoundError) as model_refused:
        create(ada, small.id)
    assert model_refused.value.code == "model_not_found"
    assert len(list(teacher.batches.list())) == before
    store.set_budget(Budget(tokens_per_day=100_000, models=(model,)))
    admitted = create(ada, small.id)  # within the allowance, an allowed model: it goes on
    assert ada.batches.cancel(admitted.id).status in ("cancelling", "cancelled", "completed")


def test_a_batch_that_could_cost_more_than_the_money_left_never_reaches_the_upstream(classroom, sandbox):
    store, ada = classroom
    teacher = client_for(sandbox)
    priced = upload(ada, "gpt-6-luna", max_tokens=100_000)  # up to 2 x 100,000 output tokens at $0.50 a million
    before = len(list(teacher.batches.list()))
    store.set_budget(Budget(spend_per_day=0.05))
    with pytest.raises(openai.RateLimitError) as too_dear:
        create(ada, priced.id)
    assert too_dear.value.code == "insufficient_quota" and "could cost up to $0.1000" in too_dear.value.message
    assert "you have $0.050000 left" in too_dear.value.message
    assert len(list(teacher.batches.list())) == before
    store.set_budget(Budget(spend_per_day=0.5))
    admitted = create(ada, priced.id)  # $0.10 at most, of $0.50: it goes on
    assert ada.batches.cancel(admitted.id).status in ("cancelling", "cancelled", "completed", "failed")


def test_each_files_and_batches_call_counts_against_requests_per_minute(classroom):
    store, ada = classroom
    store.set_budget(Budget(rpm=2))
    ada.files.list()
    ada.batches.list()
    with pytest.raises(openai.RateLimitError) as caught_429:
        ada.files.list()
    assert caught_429.value.code == "rate_limit_exceeded"
    assert caught_429.value.response.headers["x-ratelimit-limit-requests"] == "2"


def test_an_upload_past_the_limit_is_the_platforms_400(classroom, monkeypatch):
    store, ada = classroom
    monkeypatch.setattr(files_module, "MAX_FILE", 1_000)
    with pytest.raises(openai.BadRequestError) as caught_400:
        ada.files.create(file=("r.jsonl", b"x" * (1_000 + files_module.FORM_OVERHEAD)), purpose="batch")
    assert caught_400.value.body == {
        "message": "File is too large. The classroom gateway accepts files of up to 1,000 bytes (the platform takes up "
                   "to 200 MB for a batch). Split your requests into several files, one batch each.",
        "type": "invalid_request_error", "param": None, "code": None}
    assert list(ada.files.list()) == []


def test_a_batch_goes_to_the_upstream_that_holds_its_file(tmp_path, scripted):
    with Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path / "second") as second, \
            class_of(tmp_path / "classroom.sqlite3", ADA) as store, \
            Gateway.start(store, Upstreams([teachers(scripted), teachers(second)])) as gateway:
        ada = student(gateway, store.issue_key("ada"))
        first_file, second_file = upload(ada, ScriptedEngine.model_id), upload(ada, ScriptedEngine.model_id)
        assert store.owner(first_file.id)[1] != store.owner(second_file.id)[1]  # one on each upstream, in turn
        for uploaded in (second_file, first_file):  # the next in turn is never the one holding second_file
            done = wait(ada, create(ada, uploaded.id).id)
            assert done.status == "completed" and store.owner(done.id)[1] == store.owner(uploaded.id)[1]
