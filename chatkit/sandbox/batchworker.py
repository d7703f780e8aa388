"""The batch worker: one asyncio task per sandbox runs every batch, one request at a time.

It runs on the server's event loop and starts with the first Batch API request, so a
restarted sandbox resumes an unfinished batch at the first poll. Each request goes
through the code of the synchronous endpoint (``chat.complete``…) and waits its turn
for the one model thread with everyone else's, so a batch holds a notebook up for one
request at most. Batch requests never pass through the routes, so they do not count
against a key's rate limits, as on the platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
import sys
import time

from . import chat, completions, http, responses
from .batchstore import BatchStore, output_line
from .files import FileStore
from .models import Models
from .wire import APIError

log = logging.getLogger("chatkit.sandbox")
MAX_REQUESTS = 1_000  # per batch. The platform takes 50,000; the sandbox's model needs about a second for each.
MAX_ERRORS = 100  # validation errors listed on a failed batch
POLL = 1.0  # seconds between looks at the SQLite file when idle: expiries, and batches of other processes
# Seconds a worker keeps the batches after it last renewed its lease (every step, and every LEASE / 3 s
# while a request runs): after a crash, another sandbox on the same data folder waits this long.
LEASE = 15.0


class Worker:
    """Runs the batches stored in one SQLite file. ``clock`` (seconds, like time.time) is injectable for tests.

    ``models`` (models.py) picks each request's engine by its ``model``; by default, ``engine`` serves all.
    """

    def __init__(self, engine, store, files: FileStore, clock=time.time, models=None) -> None:
        self.engine, self.store, self.files, self.clock = engine, store, files, clock
        self.models = models or Models([engine])
        self.db = BatchStore(store.path)
        self.owner = secrets.token_hex(8)  # this worker, in the lease that keeps two from running one batch
        self.task: asyncio.Task | None = None
        self.wake: asyncio.Event | None = None
        self.current: tuple[str, asyncio.Task] | None = None  # (batch id, task) of the request running now

    def start(self) -> None:
        """Run the worker on this event loop (if it is not running already) and wake it up."""
        if self.task is None or self.task.done():
            self.wake = asyncio.Event()
            self.task = asyncio.get_running_loop().create_task(self._loop(), name="chatkit-batches")
        self.wake.set()

    def interrupt(self, batch_id: str) -> None:
        """Stop the running request if it belongs to ``batch_id``: the model stops at its next token."""
        if self.current and self.current[0] == batch_id:
            self.current[1].cancel()
        self.start()

    async def _loop(self) -> None:
        try:
            while True:
                try:
                    busy = await self.step()
                except Exception:
                    if sys.is_finalizing() or _executor_closed():
                        return  # Python is exiting around the sandbox's daemon thread: nothing to do
                    log.exception("sandbox bug in the batch worker; trying again in %s s", POLL)
                    busy = False
                if not busy:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), POLL)
                    self.wake.clear()
        finally:
            self.db.release(self.owner)  # a restarted sandbox can go on at once

    async def step(self) -> bool:
        """Do the next piece of work (a status change, or one request); False if there is none."""
        now = self.clock()
        if not await asyncio.to_thread(self.db.claim, self.owner, now, LEASE):
            return False
        batches = await asyncio.to_thread(self.db.active)
        if not batches:
            return False
        # Status changes first (cancels, expiries, validation); then the next request of the oldest batch.
        urgent = [(key_id, b) for key_id, b in batches if b["status"] != "in_progress" or now >= b["expires_at"]]
        key_id, batch = (urgent or batches)[0]
        await self._advance(key_id, batch, now)
        return True

    async def _advance(self, key_id: str, batch: dict, now: float) -> None:
        bid, status, stamp = batch["id"], batch["status"], int(now)
        if status == "cancelling":
            await asyncio.to_thread(self.db.finish, bid, "cancelled", ("cancelling",), stamp)
        elif status == "finalizing":
            await asyncio.to_thread(self.db.finish, bid, "completed", ("finalizing",), stamp)
        elif now >= batch["expires_at"]:
            await asyncio.to_thread(self.db.finish, bid, "expired", ("validating", "in_progress"), stamp)
        elif status == "validating":
            await self._validate(key_id, batch, stamp)
        else:
            await self._run_next(key_id, batch)

    async def _validate(self, key_id: str, batch: dict, now: int) -> None:
        content = await asyncio.to_thread(self.files.content, batch["input_file_id"], key_id)
        if content is None:
            requests, model = [], None
            errors = [problem("file_not_found", f"The input file {batch['input_file_id']} was deleted before the "
                              "batch started. Upload it again and create a new batch.", "input_file_id")]
        else:
            requests, model, errors = await asyncio.to_thread(check_lines, content, batch["endpoint"])
        if errors:
            await asyncio.to_thread(self.db.change, batch["id"], "failed", ("validating",), now,
                                    errors={"object": "list", "data": errors[:MAX_ERRORS]})
        else:
            await asyncio.to_thread(self.db.start, batch["id"], model, requests, now)

    async def _run_next(self, key_id: str, batch: dict) -> None:
        request = await asyncio.to_thread(self.db.next_request, batch["id"])
        if request is None:
            await asyncio.to_thread(self.db.change, batch["id"], "finalizing", ("in_progress",), int(self.clock()))
            return
        line, custom_id, body = request
        task = asyncio.get_running_loop().create_task(
            run_request(self.models.engine_for(body), self.store, key_id, batch["endpoint"], body))
        self.current = (batch["id"], task)
        if not await self._wait(task, batch["expires_at"]):
            return  # the request stays to do
        status, response, tokens = task.result()
        result = output_line(custom_id, {"status_code": status, "request_id": "req_" + secrets.token_hex(16),
                                         "body": response})
        await asyncio.to_thread(self.db.record, batch["id"], line, status == 200, result, tokens)

    async def _wait(self, task: asyncio.Task, expires_at: int) -> bool:
        """Wait for the request, keeping the lease; False if it was cancelled, or the batch expired first."""
        try:
            while not task.done() and (left := expires_at - self.clock()) > 0:
                await asyncio.wait({task}, timeout=min(left, LEASE / 3))
                if not task.done() and not await asyncio.to_thread(self.db.claim, self.owner, self.clock(), LEASE):
                    break  # another sandbox took over the batches: it runs this request again
        finally:  # also when the sandbox stops mid-request
            self.current = None
            task.cancel()  # the model stops at its next token; nothing if the request has ended
        if task.done() and not task.cancelled():
            return True
        await asyncio.wait({task})  # until the model has stopped
        return False


async def run_request(engine, store, key_id: str, endpoint: str, body: dict) -> tuple[int, dict, tuple[int, int]]:
    """(status code, response body, (input, output) tokens) of one request, run as its endpoint runs it."""
    try:
        for name in ("stream", "background"):
            if body.get(name):
                raise APIError(400, f"A batch runs each request whole: '{name}' is not supported in the Batch API. "
                               "Remove it from the request's body.", param=name, code="unsupported_parameter")
        if endpoint == "/v1/responses":
            run = await asyncio.to_thread(responses.Run, engine, store, key_id, body)
            obj = await responses.create(run)  # it records its usage itself
            return 200, obj, (obj["usage"]["input_tokens"], obj["usage"]["output_tokens"])
        api = chat if endpoint == "/v1/chat/completions" else completions
        prepared = await asyncio.to_thread(api.prepare, engine, body)
        obj = await api.complete(engine, prepared, functools.partial(store.add_usage, key_id))
        return 200, obj, (obj["usage"]["prompt_tokens"], obj["usage"]["completion_tokens"])
    except APIError as exc:
        return exc.status, exc.body(), (0, 0)
    except Exception:
        log.exception("sandbox bug while running a batch request")
        return 500, APIError(500, "The sandbox had an error while processing this request. Its log has the "
                             "details.", type="server_error").body(), (0, 0)


# --- validation ----------------------------------------------------------------------

def problem(code: str, message: str, param: str | None = None, line: int | None = None) -> dict:
    return {"code": code, "message": message, "param": param, "line": line}


def check_lines(content: bytes, endpoint: str) -> tuple[list[tuple[int, str, str]], str | None, list[dict]]:
    """An input file's requests as (line, custom_id, body as JSON), its one model, and what is wrong with it."""
    requests: list[tuple[int, str, str]] = []
    errors: list[dict] = []
    seen: set[str] = set()
    model, model_line = None, 0
    for number, raw in enumerate(content.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if len(requests) + len(errors) >= MAX_REQUESTS:
            errors.append(problem("too_many_requests", f"The file holds more than {MAX_REQUESTS:,} requests, the "
                                  "most a sandbox batch takes (the platform takes 50,000). Split it into several "
                                  "batches.", line=number))
            break
        data, wrong = parse_line(raw)
        wrong = wrong or check_request(data, endpoint, seen)
        if wrong is None and isinstance(data["body"].get("model"), str):
            if model is None:
                model, model_line = data["body"]["model"], number
            elif data["body"]["model"] != model:
                wrong = problem("mismatched_model", f"The model '{data['body']['model'][:100]}' differs from the "
                                f"model of the other requests ('{model}', line {model_line}). A batch runs one model: "
                                "put the requests of each model in a file of their own.", "body.model")
        if wrong:
            errors.append({**wrong, "line": number})
        else:
            requests.append((number, data["custom_id"], json.dumps(data["body"])))
    if not requests and not errors:
        errors.append(problem("empty_file", "The input file holds no requests. Write one request per line, e.g. "
                              '{"custom_id": "q1", "method": "POST", "url": "' + endpoint + '", "body": {...}}.'))
    return requests, model, errors


def parse_line(raw: bytes) -> tuple[dict | None, dict | None]:
    """The line as a JSON object, or the problem with it; checked as the synchronous endpoints check a body."""
    if len(raw) > http.MAX_BODY:
        return None, problem("request_too_large", f"This line is longer than a request may be ({http.MAX_BODY:,} "
                             "bytes). The model's context window holds about 8,000 characters: send less.")
    if http.depth(raw) > http.MAX_DEPTH:
        return None, problem("invalid_json_line", f"This line nests arrays and objects more than {http.MAX_DEPTH} "
                             "levels deep.")
    try:
        data = json.loads(raw, parse_constant=http.finite, parse_float=http.finite)
    except APIError as exc:  # NaN, Infinity, 1e400: not JSON, and not writable back as JSON
        return None, problem("invalid_json_line", exc.message)
    except ValueError:
        return None, problem("invalid_json_line", "This line is not parseable as valid JSON. Write each request "
                             "on one line, with no line breaks inside it.")
    if not http.valid_unicode(data):
        return None, problem("invalid_json_line", "This line holds text that is not valid Unicode (a lone "
                             "surrogate such as \\ud800). Send UTF-8 text.")
    if not isinstance(data, dict):
        return None, problem("invalid_json_line", "This line is not a JSON object: each line is one request, "
                             "{\"custom_id\": …, \"method\": \"POST\", \"url\": …, \"body\": {…}}.")
    return data, None


def check_request(data: dict, endpoint: str, seen: set[str]) -> dict | None:
    """What is wrong with one request line (custom_id, method, url, body), or None."""
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return problem("missing_required_parameter", "Missing required parameter: 'custom_id'. Give every request "
                       "a unique custom_id (a string): it is how you find its result.", "custom_id")
    if custom_id in seen:
        return problem("duplicate_custom_id", f"The custom_id '{custom_id[:100]}' is a duplicate of another "
                       "request's. The custom_id parameter must be unique for each request in a batch.", "custom_id")
    seen.add(custom_id)
    if data.get("method") != "POST":
        return problem("invalid_method", f"Invalid 'method': {str(data.get('method'))[:40]!r}. Every request in a "
                       "batch uses 'POST'.", "method")
    if data.get("url") != endpoint:
        return problem("invalid_url", f"The url {str(data.get('url'))[:100]!r} does not match the batch's endpoint "
                       f"({endpoint}). A batch runs one endpoint: use that url on every line.", "url")
    if not isinstance(data.get("body"), dict):
        return problem("invalid_request", "The request's 'body' must be a JSON object: the body you would send "
                       f"to {endpoint}.", "body")
    return None


def _executor_closed() -> bool:
    """True once the event loop's default thread pool has shut down (the process is exiting)."""
    try:
        asyncio.get_running_loop().run_in_executor(None, int).cancel()
    except RuntimeError:
        return True
    return False
