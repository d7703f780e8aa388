"""Files and Batches through the classroom gateway: each student sees, reads and uses only their own.

Students share the teacher's key upstream, where every student's files and batches sit side by
side. So the gateway keeps who made what (the store's ``own``/``owner``, as for stored responses):
a student owns the files they upload, the batches they create, and the output and error files a
batch of theirs names, from the first time the gateway reads that batch for them. Another
student's id answers as the platform answers an id it does not know (the 404 of ``No such File
object`` or ``No batch found``), and a list is made of the student's own ids only, each read from
the upstream that keeps it; nothing another student made is fetched for them. A batch goes to the
upstream that holds its input file.

Limits. Each of these calls counts as one request against the student's requests per minute.
Tokens per minute do not apply: batch traffic does not count against the platform's rate limits
(openai-wire.md). A batch's tokens are known only once it has run, hours later on the platform, so
creating one is admitted before it runs, as a call is: a student with no allowance left gets the
same 429 ``insufficient_quota``. When their budget limits tokens, money or models, the gateway
also reads the input file: a model the class does not allow (or, under a money budget, cannot
price) is refused as on a call, and each request is counted as the platform counts a request
before running it (input plus output limit, :func:`chatkit.tokens.request_tokens`); a batch that
could use more tokens than the student has left for the day or the course is refused with
``insufficient_quota`` before it reaches an upstream, and so is one that could cost more than the
money they have left (priced from those counts at the standard price, twice what the platform
bills a batch: on the safe side). Once the batch has ended (completed, failed,
expired or cancelled), the first time it is read its ``usage`` is recorded for the student, and
never again, however often it is read.
Batches still running are not counted yet, as calls in flight are not (limits.py). The platform's
Batch object carries ``usage`` only on batches created after 7 September 2025 (openai-python's
``types/batch.py``, https://github.com/openai/openai-python/blob/main/src/openai/types/batch.py,
checked 2026-12-06); one without it (or from a server that does not report it) is recorded with no
tokens.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..messages import say
from ..sandbox.batches import no_such_batch
from ..sandbox.files import FORM_OVERHEAD, list_object, no_such_file, page_params
from ..sandbox.http import parse_json
from ..sandbox.wire import APIError
from ..tokens import money
from ..web import load_json, read_body
from .caller import authenticate
from .limits import check_allowance, check_model, counted, insufficient_quota, left, spend
from .relay import finished, gateway_error, json_object, passed, read, safe, send, usage_of
from .store import Budget, Call, ClassStore, Student, Usage

log = logging.getLogger("chatkit.classroom")

MAX_FILE = 20_000_000  # bytes of one upload, held in memory while it is sent on; the platform takes 200 MB
MAX_BATCH_BODY = 100_000  # bytes: a file id, an endpoint and 16 metadata pairs are far smaller
BODY_TIMEOUT = 300.0  # seconds a student may take to send an upload: 20 MB over a slow school network
READ_AT_ONCE = 8  # a list reads the student's files or batches from their upstreams this many at a time
FINAL = ("completed", "failed", "expired", "cancelled")


# --- the caller and what they sent ---------------------------------------------------------

async def caller(request: Request, endpoint: str) -> tuple[Student, Budget, dict[str, str]]:
    """The student, their budget and ``x-ratelimit-*`` headers; the call counted as one request of their minute."""
    state = request.app.state
    student = await authenticate(request)
    budget = await asyncio.to_thread(state.store.budget, student.id)
    try:
        state.meter.take(student.id, budget, endpoint, 0)
    except APIError as exc:
        exc.headers = {**state.meter.headers(student.id, budget), **exc.headers}
        raise
    return student, budget, state.meter.headers(student.id, budget)


async def body(request: Request, cap: int, too_large) -> bytes:
    try:
        return await asyncio.wait_for(read_body(request, cap, too_large, cut_off), BODY_TIMEOUT)
    except asyncio.TimeoutError:
        error = gateway_error(408, "classroom.gateway.slow_body", seconds=f"{BODY_TIMEOUT:g}")
        error.headers["connection"] = "close"  # the rest of the body may still come: this connection is done
        raise error from None


def file_too_large() -> APIError:
    """The platform's 400 for a file past its limit, then the class's limit and what to do."""
    return APIError(400, "File is too large. " + say("classroom.files.too_large", limit=MAX_FILE),
                    headers={"connection": "close"})


def batch_body_too_large() -> APIError:
    return gateway_error(413, "classroom.gateway.too_large", limit=MAX_BATCH_BODY, code="request_too_large")


def cut_off() -> APIError:
    return gateway_error(400, "classroom.gateway.cut_off")


async def kept_by(state, student: Student, resource: str, unknown: APIError) -> str:
    """The upstream keeping the student's file or batch ``resource``; another's is ``unknown``, as on the platform."""
    found = await asyncio.to_thread(state.store.owner, resource)
    if found is None or found[0] != student.id:
        raise unknown
    return found[1]


def relayed(state, answer, data: bytes, limits: dict[str, str]) -> Response:
    return Response(safe(state, data, answer.status_code), status_code=answer.status_code,
                    headers={**passed(answer), **limits})


# --- files ---------------------------------------------------------------------------------

async def upload(request: Request):
    """``POST /v1/files``: the multipart form sent on as it came, the file the student's."""
    state = request.app.state
    student, _, limits = await caller(request, "/v1/files")
    raw = await body(request, MAX_FILE + FORM_OVERHEAD, file_too_large)
    upstream, answer = await send(state, "POST", "/files", form=(raw, request.headers.get("content-type", "")))
    return await made(state, student, upstream, answer, limits)


async def list_files(request: Request):
    state = request.app.state
    student, _, limits = await caller(request, "/v1/files")
    after, limit = page_params(request, default=10_000, most=10_000)
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise APIError(400, f"Invalid value for 'order': {order[:20]!r}. Supported values are: 'asc' and 'desc'.",
                       param="order", code="invalid_value")
    purpose = request.query_params.get("purpose")
    files = [f for _, f in await own_objects(state, student, "file-", "/files/")
             if not purpose or f.get("purpose") == purpose]
    return JSONResponse(page(files[::-1] if order == "desc" else files, after, limit), headers=limits)


async def one_file(request: Request):
    """``GET`` or ``DELETE /v1/files/{id}``: the student's own file only."""
    return await own_file(request, "")


async def file_content(request: Request):
    return await own_file(request, "/content")


async def own_file(request: Request, then: str) -> Response:
    state, file_id = request.app.state, request.path_params["file_id"]
    student, _, limits = await caller(request, "/v1/files")
    pinned = await kept_by(state, student, file_id, no_such_file(file_id))
    upstream, answer = await send(state, request.method, f"/files/{file_id}{then}", pinned=pinned)
    return relayed(state, answer, await read(answer, upstream), limits)


# --- batches -------------------------------------------------------------------------------

async def create_batch(request: Request):
    """``POST /v1/batches`` on the student's own input file, admitted as the module says, on that file's upstream."""
    state = request.app.state
    student, budget, limits = await caller(request, "/v1/batches")
    asked = await asyncio.to_thread(parse_json, await body(request, MAX_BATCH_BODY, batch_body_too_large))
    if not isinstance(asked, dict):
        raise APIError(400, "The request body must be a JSON object.")
    file_id = asked.get("input_file_id")
    if not isinstance(file_id, str):
        raise APIError(400, "Missing required parameter: 'input_file_id'.", param="input_file_id",
                       code="missing_required_parameter")
    pinned = await kept_by(state, student, file_id, no_such_file(file_id, param="input_file_id"))
    try:
        await admit_batch(state, student, budget, file_id, pinned)
    except APIError as exc:  # recorded, as a refused call is: the teacher sees who meets their limits
        await asyncio.to_thread(state.store.record, finished(Call(student.id, "/batches", "", 0), exc.status))
        exc.headers = {**limits, **exc.headers}
        raise
    upstream, answer = await send(state, "POST", "/batches", asked, pinned)
    return await made(state, student, upstream, answer, limits)


async def made(state, student: Student, upstream, answer, limits: dict[str, str]) -> Response:
    """The upstream's answer to a create, relayed; what it made (its ``id``) is the student's from now on."""
    data = await read(answer, upstream)
    resource = json_object(data).get("id")
    if answer.status_code == 200 and isinstance(resource, str):
        await asyncio.to_thread(state.store.own, student.id, resource, upstream.name)
    return relayed(state, answer, data, limits)


async def one_batch(request: Request):
    """``GET /v1/batches/{id}`` and ``POST /v1/batches/{id}/cancel``: the student's own batch only."""
    state, batch_id = request.app.state, request.path_params["batch_id"]
    student, _, limits = await caller(request, "/v1/batches")
    pinned = await kept_by(state, student, batch_id, no_such_batch(batch_id))
    path = f"/batches/{batch_id}" + ("/cancel" if request.method == "POST" else "")
    upstream, answer = await send(state, request.method, path, pinned=pinned)
    data = await read(answer, upstream)
    if answer.status_code == 200:
        await seen(state.store, student, upstream.name, json_object(data))
    return relayed(state, answer, data, limits)


async def list_batches(request: Request):
    state = request.app.state
    student, _, limits = await caller(request, "/v1/batches")
    after, limit = page_params(request, default=20, most=100)
    batches = await own_objects(state, student, "batch_", "/batches/")
    for upstream_name, batch in batches:
        await seen(state.store, student, upstream_name, batch)
    return JSONResponse(page([batch for _, batch in batches][::-1], after, limit), headers=limits)


async def seen(store: ClassStore, student: Student, upstream: str, batch: dict) -> None:
    """What a batch of the student's says: its output and error files are theirs; once it ended, its usage, once."""
    for name in ("output_file_id", "error_file_id"):
        if isinstance(batch.get(name), str):
            await asyncio.to_thread(store.own, student.id, batch[name], upstream)
    if batch.get("status") in FINAL and isinstance(batch.get("id"), str):
        call = finished(Call(student.id, "/batches", str(batch.get("model") or ""), 0, upstream=upstream), 200,
                        usage_of(batch))
        if await asyncio.to_thread(store.record, call, batch["id"]):
            log.info("%s batch %s %s: %s input and %s output tokens", student.id, batch["id"], batch["status"],
                     call.input_tokens, call.output_tokens)


# --- admitting a batch ---------------------------------------------------------------------

async def admit_batch(state, student: Student, budget: Budget, file_id: str, upstream_name: str) -> None:
    """Refuse a batch the student's allowance or models do not cover, with the platform's own errors."""
    if not (budget.models is not None or budget.tokens_per_day or budget.tokens_per_course or budget.counts_money):
        return
    upstream, answer = await send(state, "GET", f"/files/{file_id}/content", pinned=upstream_name)
    content = await read(answer, upstream)
    if answer.status_code != 200:
        return  # the upstream refuses the batch itself, and says why
    requests = await asyncio.to_thread(requests_in, content)
    now = time.time()
    for model in sorted({model for model, _ in requests}):
        check_model(budget, model)
        await asyncio.to_thread(check_allowance, state.store, student.id, budget, model, now)
    sizes = await asyncio.to_thread(lambda: [(model, counted(request, model)) for model, request in requests])
    tokens_left, money_left = await asyncio.to_thread(left, state.store, student.id, budget, now)
    wanted = sum(size.total for _, size in sizes)
    if tokens_left is not None and wanted > tokens_left:
        raise insufficient_quota(say("classroom.batches.too_large", tokens=wanted, left=tokens_left))
    if money_left is not None:
        # At the standard price: the platform bills a batch at half of it, so this is on the safe side.
        cost = spend([Usage(model, 1, size.input, size.output, 0, 0.0) for model, size in sizes], budget.currency)[0]
        if cost > money_left:
            raise insufficient_quota(say("classroom.batches.too_expensive", cost=money(cost, budget.currency),
                                         left=money(max(money_left, 0.0), budget.currency)))


def requests_in(content: bytes) -> list[tuple[str, dict]]:
    """(model, body) of each line of a batch file that names a model; the upstream fails a file with other lines."""
    found = []
    for line in content.splitlines():
        try:
            item = load_json(line)
        except ValueError:
            continue
        request = item.get("body") if isinstance(item, dict) else None
        if isinstance(request, dict) and isinstance(request.get("model"), str):
            found.append((request["model"], request))
    return found


# --- lists ---------------------------------------------------------------------------------

async def own_objects(state, student: Student, prefix: str, path: str) -> list[tuple[str, dict]]:
    """(upstream name, object) of the student's own files or batches (ids starting with ``prefix``), oldest first.

    Each is read from the upstream that keeps it; one it no longer has (deleted) is left out.
    """
    owned = await asyncio.to_thread(state.store.owned, student.id, prefix)
    at_once = asyncio.Semaphore(READ_AT_ONCE)

    async def one(resource: str, upstream_name: str) -> tuple[str, dict] | None:
        async with at_once:
            upstream, answer = await send(state, "GET", path + resource, pinned=upstream_name)
            data = await read(answer, upstream)
        return (upstream.name, json_object(safe(state, data, 200))) if answer.status_code == 200 else None

    return [found for found in await asyncio.gather(*(one(*item) for item in owned)) if found]


def page(rows: list[dict], after: str | None, limit: int) -> dict:
    """The list page after the row ``after`` (none if the student has no such row), as the SDK's cursor reads it."""
    if after is not None:
        ids = [row.get("id") for row in rows]
        rows = rows[ids.index(after) + 1:] if after in ids else []
    return list_object(rows[:limit + 1], limit)


ROUTES = [
    Route("/v1/files", upload, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", one_file, methods=["GET", "DELETE"]),
    Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
    Route("/v1/batches", create_batch, methods=["POST"]),
    Route("/v1/batches", list_batches, methods=["GET"]),
    Route("/v1/batches/{batch_id}", one_batch, methods=["GET"]),
    Route("/v1/batches/{batch_id}/cancel", one_batch, methods=["POST"]),
]
