"""The Files and Batch APIs of the sandbox, through the official SDK over real HTTP.

A batch is a JSONL file of requests: it is validated (a bad line fails the whole batch,
naming the line), run in the background (a request that fails lands in the error file,
the others in the output file), and can be cancelled or expire. Its state lives in
SQLite, so a restarted sandbox finishes it without losing or repeating a line. Most
tests use a scripted engine; a long ``delay`` holds a request until the test cancels or stops it.
"""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from chatkit.sandbox import batches, batchworker, files
from chatkit.sandbox.batchstore import BatchStore
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from chatkit.sandbox.store import Store
from support import client_for, record_generations, wait_until

FINAL = ("completed", "failed", "expired", "cancelled")


@pytest.fixture
def box(tmp_path):
    with Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path) as box:
        yield box


def chat_line(custom_id: str, model: str, text: str = "Hi", **extra) -> dict:
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": model, "messages": [{"role": "user", "content": text}], **extra}}


def upload(client, lines: list, name: str = "requests.jsonl"):
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    return client.files.create(file=(name, text.encode()), purpose="batch")


def submit(client, lines: list, endpoint: str = "/v1/chat/completions"):
    return client.batches.create(input_file_id=upload(client, lines).id, endpoint=endpoint, completion_window="24h")


def wait(client, batch, until=FINAL, seconds: float = 30):
    """The batch as it is once its status is one of ``until``."""
    return wait_until(lambda: (now := client.batches.retrieve(batch.id)).status in until and now,
                      f"batch {batch.id} to be {' or '.join(until)}", seconds)


def results(client, file_id: str | None) -> dict[str, dict]:
    """A results file as {custom_id: line}; checks that no custom_id comes twice."""
    if file_id is None:
        return {}
    lines = [json.loads(line) for line in client.files.content(file_id).text.splitlines()]
    by_id = {line["custom_id"]: line for line in lines}
    assert len(by_id) == len(lines), "a custom_id came back twice"
    return by_id


# --- the whole round trip --------------------------------------------------------------

ENDPOINT_LINES = {
    "/v1/chat/completions": lambda i, model: chat_line(f"q{i}", model, f"Question {i}"),
    "/v1/responses": lambda i, model: {"custom_id": f"q{i}", "method": "POST", "url": "/v1/responses",
                                       "body": {"model": model, "input": f"Question {i}"}},
    "/v1/completions": lambda i, model: {"custom_id": f"q{i}", "method": "POST", "url": "/v1/completions",
                                         "body": {"model": model, "prompt": f"Question {i}"}},
}


def answer(endpoint: str, body: dict) -> str:
    if endpoint == "/v1/chat/completions":
        return body["choices"][0]["message"]["content"]
    if endpoint == "/v1/completions":
        return body["choices"][0]["text"]
    return body["output"][0]["content"][0]["text"]


@pytest.mark.parametrize("endpoint", list(ENDPOINT_LINES))
def test_a_batch_runs_to_completion_and_results_join_by_custom_id(box, endpoint):
    client, model = client_for(box), box.engine.model_id
    box.engine.enqueue(*[f"Answer {i}" for i in range(5)])  # the worker runs the lines in order
    uploaded = upload(client, [ENDPOINT_LINES[endpoint](i, model) for i in range(5)])
    assert (uploaded.object, uploaded.purpose, uploaded.status, uploaded.filename) == \
        ("file", "batch", "processed", "requests.jsonl") and uploaded.id.startswith("file-") and uploaded.bytes > 0
    batch = client.batches.create(input_file_id=uploaded.id, endpoint=endpoint, completion_window="24h",
                                  metadata={"lesson": "10"})
    assert batch.status == "validating" and batch.id.startswith("batch_") and batch.metadata == {"lesson": "10"}
    assert batch.expires_at == batch.created_at + 24 * 3600
    done = wait(client, batch)
    assert done.status == "completed" and done.error_file_id is None and done.model == model
    assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (5, 5, 0)
    assert done.created_at <= done.in_progress_at <= done.finalizing_at <= done.completed_at
    assert done.usage.input_tokens > 0 and done.usage.output_tokens == 10
    output = results(client, done.output_file_id)
    assert set(output) == {f"q{i}" for i in range(5)}
    for custom_id, line in output.items():
        assert line["id"].startswith("batch_req_") and line["error"] is None
        assert line["response"]["status_code"] == 200 and line["response"]["request_id"].startswith("req_")
        assert answer(endpoint, line["response"]["body"]) == f"Answer {custom_id[1:]}"
    out_file = client.files.retrieve(done.output_file_id)
    assert out_file.purpose == "batch_output" and out_file.filename == f"{done.id}_output.jsonl"
    assert sum(day["requests"] for day in box.store.usage()) == 5  # recorded like any request


def test_the_batch_api_on_the_real_model(client, sandbox):
    model = sandbox.engine.model_id
    lines = [chat_line(f"c{i}", model, f"Say the number {i}.", max_tokens=8, temperature=0) for i in range(3)]
    done = wait(client, submit(client, lines), seconds=120)
    assert done.status == "completed" and done.request_counts.completed == 3
    output = results(client, done.output_file_id)
    assert set(output) == {"c0", "c1", "c2"}
    for line in output.values():
        body = line["response"]["body"]
        assert body["model"] == model and 0 < body["usage"]["completion_tokens"] <= 8


# --- validation: one bad line fails the whole batch, naming the line ----------------------

def bad_files(model: str) -> dict[str, tuple[list, int, str]]:
    good = chat_line("a", model)
    return {
        "not JSON": ([good, '{"custom_id": "b", "method": "POST",'], 2, "invalid_json_line"),
        "NaN": ([good, json.dumps(chat_line("b", model, temperature=float("nan")))], 2, "invalid_json_line"),
        "duplicate custom_id": ([good, chat_line("b", model), chat_line("a", model)], 3, "duplicate_custom_id"),
        "missing custom_id": ([good, {**chat_line("b", model), "custom_id": None}], 2, "missing_required_parameter"),
        "wrong url": ([good, {**chat_line("b", model), "url": "/v1/embeddings"}], 2, "invalid_url"),
        "method GET": ([{**good, "method": "GET"}], 1, "invalid_method"),
        "two models": ([good, chat_line("b", model), chat_line("c", "gpt-6-mini")], 3, "mismatched_model"),
        "body not an object": ([good, {**good, "custom_id": "b", "body": "hi"}], 2, "invalid_request"),
    }


@pytest.mark.parametrize("case", list(bad_files("m")))
def test_a_malformed_file_fails_validation_naming_the_line(box, case):
    client = client_for(box)
    lines, line_number, code = bad_files(box.engine.model_id)[case]
    failed = wait(client, submit(client, lines))
    assert failed.status == "failed" and failed.failed_at and failed.in_progress_at is None
    assert failed.output_file_id is None and failed.error_file_id is None and failed.request_counts.total == 0
    assert [(e.line, e.code) for e in failed.errors.data] == [(line_number, code)]
    assert failed.errors.data[0].message
    assert box.engine.history == []  # nothing ran


def test_blank_lines_are_skipped_but_still_counted(box):
    client, model = client_for(box), box.engine.model_id
    failed = wait(client, submit(client, [chat_line("a", model), "", "not json"]))
    assert [(e.line, e.code) for e in failed.errors.data] == [(3, "invalid_json_line")]


def test_a_file_with_too_many_requests_fails(box, monkeypatch):
    monkeypatch.setattr(batchworker, "MAX_REQUESTS", 3)
    client, model = client_for(box), box.engine.model_id
    failed = wait(client, submit(client, [chat_line(f"q{i}", model) for i in range(4)]))
    assert failed.status == "failed"
    error = failed.errors.data[-1]
    assert (error.line, error.code) == (4, "too_many_requests") and "Split it" in error.message


def test_an_empty_file_fails(box):
    client = client_for(box)
    failed = wait(client, submit(client, [""]))
    assert failed.status == "failed" and failed.errors.data[0].code == "empty_file"


# --- requests that fail when they run --------------------------------------------------

def test_a_failing_request_lands_in_the_error_file_and_the_others_succeed(box):
    client, model = client_for(box), box.engine.model_id
    lines = [chat_line("ok1", model), chat_line("hot", model, temperature=5), chat_line("ok2", model),
             chat_line("long", model, "word " * 3000), chat_line("streamed", model, stream=True)]
    done = wait(client, submit(client, lines))
    assert done.status == "completed"
    assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (5, 2, 3)
    assert set(results(client, done.output_file_id)) == {"ok1", "ok2"}
    errors = results(client, done.error_file_id)
    assert set(errors) == {"hot", "long", "streamed"}
    hot = errors["hot"]["response"]
    assert hot["status_code"] == 400 and hot["body"]["error"]["param"] == "temperature"
    assert errors["long"]["response"]["body"]["error"]["code"] == "context_length_exceeded"
    assert errors["streamed"]["response"]["body"]["error"]["param"] == "stream"
    assert all(line["error"] is None for line in errors.values())  # as on the platform: the body holds it


# --- cancel, expiry, restart -------------------------------------------------------------

def test_cancelling_stops_the_running_request_and_keeps_finished_lines(tmp_path, monkeypatch):
    # The first two requests end at once (an empty reply); the third would wait a minute for its one word,
    # so only the cancel can end it while the test waits.
    engine = ScriptedEngine("held", delay=60)
    engine.enqueue("", "")
    generations = record_generations(engine, monkeypatch)
    with Sandbox.start(engine=engine, data_dir=tmp_path) as box:
        client = client_for(box)
        batch = submit(client, [chat_line(f"q{i}", engine.model_id) for i in range(10)])
        wait_until(lambda: len(generations) == 3, "the batch's third request to reach the model")
        cancelling = client.batches.cancel(batch.id)
        assert cancelling.status in ("cancelling", "cancelled") and cancelling.cancelling_at
        wait_until(generations[2].cancel.is_set, "the sandbox to cancel the running request")
        cancelled = wait(client, cancelling)
        assert cancelled.status == "cancelled" and cancelled.cancelled_at and cancelled.completed_at is None
        assert [gen.finish_reason for gen in generations] == ["stop", "stop", "cancelled"]  # nothing ran after it
        assert (cancelled.request_counts.completed, cancelled.request_counts.total) == (2, 10)
        assert set(results(client, cancelled.output_file_id)) == {"q0", "q1"}
        with pytest.raises(openai.BadRequestError, match="Cannot cancel a batch with status 'cancelled'"):
            client.batches.cancel(batch.id)


def test_a_batch_past_its_window_expires_and_reports_the_rest_as_batch_expired(tmp_path, monkeypatch):
    monkeypatch.setattr(batches, "WINDOW", 2)  # seconds instead of 24 hours
    with Sandbox.start(engine=ScriptedEngine(delay=0.3), data_dir=tmp_path) as box:
        client, model = client_for(box), box.engine.model_id
        expired = wait(client, submit(client, [chat_line(f"q{i}", model) for i in range(10)]))
        assert expired.status == "expired" and expired.expired_at >= expired.expires_at
        output, errors = results(client, expired.output_file_id), results(client, expired.error_file_id)
        assert output and errors and set(output) | set(errors) == {f"q{i}" for i in range(10)}
        assert not set(output) & set(errors)
        for line in errors.values():
            assert line["response"] is None and line["error"]["code"] == "batch_expired"
        assert (expired.request_counts.completed, expired.request_counts.failed) == (len(output), len(errors))


def test_a_restarted_sandbox_finishes_the_batch_without_losing_or_repeating_a_line(tmp_path, monkeypatch):
    engine = ScriptedEngine("held", delay=60)  # as in the cancel test: three lines end at once, the fourth waits
    engine.enqueue("", "", "")
    generations = record_generations(engine, monkeypatch)
    first = Sandbox.start(engine=engine, data_dir=tmp_path)
    client = client_for(first)
    batch = submit(client, [chat_line(f"q{i}", engine.model_id) for i in range(30)])
    wait_until(lambda: len(generations) == 4, "the batch's fourth request to reach the model")
    first.stop()  # mid-batch, with the fourth request running
    assert BatchStore(first.store.path).get(batch.id, "key_session")["request_counts"]["completed"] == 3

    with Sandbox.start(engine=ScriptedEngine("second"), data_dir=tmp_path) as second:
        client = client_for(second)
        done = wait(client, client.batches.retrieve(batch.id))  # the first poll wakes the worker
        assert done.status == "completed" and done.request_counts.completed == 30
        output = results(client, done.output_file_id)
        assert set(output) == {f"q{i}" for i in range(30)}
        said = {custom_id: line["response"]["body"]["choices"][0]["message"]["content"]
                for custom_id, line in output.items()}
        assert said == {f"q{i}": "" if i < 3 else "second" for i in range(30)}  # the stopped one ran again
        assert len(second.engine.history) == 27  # and no finished line ran twice


def test_two_sandboxes_on_one_data_folder_run_each_line_once(tmp_path):
    with Sandbox.start(engine=ScriptedEngine("one", delay=0.01), data_dir=tmp_path) as one, \
            Sandbox.start(engine=ScriptedEngine("two", delay=0.01), data_dir=tmp_path) as two:
        clients = [client_for(one), client_for(two)]
        batch = submit(clients[0], [chat_line(f"q{i}", one.engine.model_id) for i in range(20)])
        for client in clients:
            client.batches.list()  # both workers are awake now; only one holds the lease
        done = wait(clients[1], batch)
        assert set(results(clients[0], done.output_file_id)) == {f"q{i}" for i in range(20)}
        assert len(one.engine.history) + len(two.engine.history) == 20


def test_the_lease_lets_one_worker_run_and_a_line_is_recorded_once(tmp_path):
    db = BatchStore(Store(tmp_path).path)
    assert db.claim("a", 0, 15) and not db.claim("b", 5, 15) and db.claim("a", 10, 15)
    assert not db.claim("b", 20, 15) and db.claim("b", 26, 15)  # a's lease, renewed at 10, ran out at 25
    db.release("b")
    assert db.claim("a", 27, 15)
    db.add("key_a", {"id": "batch_x", "status": "validating"})
    assert db.start("batch_x", "m", [(1, "q1", "{}")], now=1) and not db.start("batch_x", "m", [], now=2)
    assert db.record("batch_x", 1, True, "{}", (1, 1)) and not db.record("batch_x", 1, True, "{}", (1, 1))
    assert db.get("batch_x", "key_a")["request_counts"] == {"total": 1, "completed": 1, "failed": 0}
    assert db.get("batch_x", "key_b") is None


# --- keys, listing, and what is refused -----------------------------------------------------

def test_another_key_cannot_see_the_batch_or_its_files(box):
    client, model = client_for(box), box.engine.model_id
    done = wait(client, submit(client, [chat_line("a", model)]))
    other_key, _ = box.store.create_key("someone else")
    other = client_for(box, other_key)
    for read in (lambda: other.batches.retrieve(done.id), lambda: other.batches.cancel(done.id),
                 lambda: other.files.retrieve(done.input_file_id), lambda: other.files.content(done.output_file_id),
                 lambda: other.files.delete(done.output_file_id),
                 lambda: other.batches.create(input_file_id=done.input_file_id, endpoint="/v1/chat/completions",
                                              completion_window="24h")):
        with pytest.raises(openai.NotFoundError):
            read()
    assert list(other.batches.list()) == [] and list(other.files.list()) == []
    assert client.files.retrieve(done.output_file_id).id == done.output_file_id  # still there for its owner


def test_lists_are_newest_first_and_page_with_after(box):
    client, model = client_for(box), box.engine.model_id
    made = [submit(client, [chat_line("a", model)]).id for _ in range(3)]
    page = client.batches.list(limit=2)
    assert [b.id for b in page.data] == made[:0:-1] and page.has_more
    assert [b.id for b in client.batches.list(limit=2)] == made[::-1]  # the SDK follows the cursor
    assert [b.id for b in client.batches.list(after=made[1])] == [made[0]]
    uploads = [f.id for f in client.files.list(purpose="batch")]
    assert len(uploads) == 3 and [f.id for f in client.files.list(purpose="batch", order="asc")] == uploads[::-1]


def test_a_file_can_be_deleted(box):
    client = client_for(box)
    uploaded = upload(client, [chat_line("a", box.engine.model_id)])
    deleted = client.files.delete(uploaded.id)
    assert deleted.deleted and deleted.id == uploaded.id
    with pytest.raises(openai.NotFoundError, match="No such File object"):
        client.files.retrieve(uploaded.id)


def test_batch_requests_do_not_count_against_rate_limits(tmp_path):
    from chatkit.sandbox.limits import Limits

    with Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path, limits=Limits(rpm=1)) as box:
        client, model = client_for(box), box.engine.model_id
        done = wait(client, submit(client, [chat_line(f"q{i}", model) for i in range(4)]))
        assert done.request_counts.completed == 4


@pytest.mark.parametrize("declared", [True, False])
def test_an_upload_over_the_cap_gets_413_before_it_is_read(box, declared):
    form = (b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b\r\nContent-Disposition: '
            b'form-data; name="file"; filename="big.jsonl"\r\n\r\n' + b"x" * (files.MAX_FILE + files.FORM_OVERHEAD)
            + b"\r\n--b--\r\n")
    content = form if declared else iter([form[i:i + 65536] for i in range(0, len(form), 65536)])  # chunked
    response = httpx.post(box.base_url + "/files", content=content, timeout=30, headers={
        "authorization": f"Bearer {box.key}", "content-type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "file_too_large"
    assert "20,000,000 bytes" in response.json()["error"]["message"]


def test_a_file_one_byte_over_the_cap_gets_413(box):
    with pytest.raises(openai.APIStatusError, match="Split your requests") as caught:
        client_for(box).files.create(file=("big.jsonl", b"x" * (files.MAX_FILE + 1)), purpose="batch")
    assert caught.value.status_code == 413


@pytest.mark.parametrize("content_type, body, says", [
    ("application/json", b'{"purpose": "batch"}', "multipart/form-data"),
    ("multipart/form-data", b"", "multipart/form-data"),
    ("multipart/form-data; boundary=b", b"garbage", "malformed"),
    ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n", "malformed"),
    ("multipart/form-data; boundary=b",
     b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b--\r\n',
     "Missing required parameter: 'file'"),
])
def test_a_malformed_upload_gets_a_400_in_the_platform_shape(box, content_type, body, says):
    response = httpx.post(box.base_url + "/files", content=body, timeout=30, headers={
        "authorization": f"Bearer {box.key}", "content-type": content_type})
    assert response.status_code == 400 and says in response.json()["error"]["message"]


def test_what_the_sandbox_refuses(box):
    client, model = client_for(box), box.engine.model_id
    with pytest.raises(openai.BadRequestError, match="purpose='batch'") as caught:
        client.files.create(file=("data.jsonl", b"{}"), purpose="fine-tune")
    assert caught.value.param == "purpose"
    with pytest.raises(openai.BadRequestError, match="Must be .jsonl"):
        client.files.create(file=("data.csv", b"{}"), purpose="batch")
    file_id = upload(client, [chat_line("a", model)]).id
    with pytest.raises(openai.BadRequestError, match="'24h'") as caught:
        client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="48h")
    assert caught.value.param == "completion_window"
    with pytest.raises(openai.BadRequestError, match="/v1/responses") as caught:
        client.batches.create(input_file_id=file_id, endpoint="/v1/embeddings", completion_window="24h")
    assert caught.value.param == "endpoint"
    with pytest.raises(openai.NotFoundError, match="No such File object: file-nope"):
        client.batches.create(input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h")
    with pytest.raises(openai.NotFoundError, match="No batch found"):
        client.batches.retrieve("batch_nope")
    with pytest.raises(openai.BadRequestError, match="at most 16"):
        client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h",
                              metadata={str(i): "x" for i in range(17)})
    with pytest.raises(openai.BadRequestError) as caught:
        client.batches.list(limit=0)
    assert caught.value.code == "integer_below_min_value"
