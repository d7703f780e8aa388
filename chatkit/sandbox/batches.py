"""The Batch API: a JSONL file of requests in, two JSONL files of results out, later.

``POST /v1/batches`` takes an uploaded file (see files.py) and answers at once with a
batch in status ``validating``; the worker (batchworker.py) checks every line, runs the
requests one by one and writes the output and error files. Poll ``GET
/v1/batches/{id}``; ``POST /v1/batches/{id}/cancel`` stops it at the next request. The
platform bills batch requests at half price and runs them within 24 hours; the sandbox
records their tokens in the key's usage like any other request.

>>> batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions",
...                               completion_window="24h")   # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

from .files import list_object, no_such_file, page_params
from .http import authenticate, json_body
from .wire import APIError, _Request, parse

ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/completions")
WINDOW = 24 * 60 * 60  # seconds in "24h", the one completion window; tests shorten it to see a batch expire


class BatchRequest(_Request):
    UNKNOWN = "Unknown parameter: '{param}'."
    input_file_id: str
    endpoint: str
    completion_window: Literal["24h"]
    metadata: dict[str, str] | None = None
    output_expires_after: dict | None = None  # accepted; the sandbox keeps output files until they are deleted


def check(req: BatchRequest) -> None:
    if req.endpoint not in ENDPOINTS:
        raise APIError(400, f"Invalid value for 'endpoint': {req.endpoint[:60]!r}. The sandbox runs batches for "
                       f"{', '.join(ENDPOINTS)}. (The platform also batches embeddings, moderations, images and "
                       "videos, which the sandbox does not serve.)", param="endpoint", code="invalid_value")
    metadata = req.metadata or {}
    if len(metadata) > 16:
        raise APIError(400, f"Invalid 'metadata': too many properties. Expected an object with at most 16 "
                       f"properties, but got {len(metadata)} instead.", param="metadata",
                       code="object_above_max_properties")
    for key, value in metadata.items():
        if len(key) > 64 or len(value) > 512:
            raise APIError(400, "Invalid 'metadata': keys may be 64 characters long and values 512, at most.",
                           param=f"metadata.{key[:64]}", code="string_above_max_length")


def new_batch(req: BatchRequest, now: int) -> dict:
    """A batch as the platform shows it just after creation (its counts are added when it is read)."""
    return {"id": "batch_" + secrets.token_hex(16), "object": "batch", "endpoint": req.endpoint, "model": None,
            "errors": None, "input_file_id": req.input_file_id, "completion_window": req.completion_window,
            "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": now,
            "in_progress_at": None, "expires_at": now + WINDOW, "finalizing_at": None, "completed_at": None,
            "failed_at": None, "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "metadata": req.metadata}


def no_such_batch(batch_id: str) -> APIError:
    return APIError(404, f"No batch found with id '{batch_id[:100]}'.", param="batch_id")


# --- routes ------------------------------------------------------------------------

async def create_batch(request: Request):
    key, worker = authenticate(request), request.app.state.batches
    req = parse(BatchRequest, await json_body(request))
    check(req)
    found = await asyncio.to_thread(worker.files.get, req.input_file_id, key.id)
    if found is None:
        raise no_such_file(req.input_file_id, param="input_file_id")
    if found["purpose"] != "batch":
        raise APIError(400, f"The file {req.input_file_id} was uploaded with purpose '{found['purpose']}', not "
                       "'batch'. Use the id of the JSONL file you uploaded with purpose='batch'.",
                       param="input_file_id", code="invalid_value")
    batch = new_batch(req, int(worker.clock()))
    await asyncio.to_thread(worker.db.add, key.id, batch)
    worker.start()
    return JSONResponse(await asyncio.to_thread(worker.db.get, batch["id"], key.id))


async def get_batch(request: Request):
    key, worker = authenticate(request), request.app.state.batches
    worker.start()  # after a restart, the first poll resumes the unfinished batches
    found = await asyncio.to_thread(worker.db.get, request.path_params["batch_id"], key.id)
    if found is None:
        raise no_such_batch(request.path_params["batch_id"])
    return JSONResponse(found)


async def list_batches(request: Request):
    key, worker = authenticate(request), request.app.state.batches
    worker.start()
    after, limit = page_params(request, default=20, most=100)
    return JSONResponse(list_object(await asyncio.to_thread(worker.db.page, key.id, after, limit + 1), limit))


async def cancel_batch(request: Request):
    key, worker = authenticate(request), request.app.state.batches
    batch_id = request.path_params["batch_id"]
    found = await asyncio.to_thread(worker.db.get, batch_id, key.id)
    if found is None:
        raise no_such_batch(batch_id)
    if found["status"] not in ("validating", "in_progress", "cancelling"):
        raise APIError(400, f"Cannot cancel a batch with status '{found['status']}': only a batch that is "
                       "validating or in progress can be cancelled.", param="batch_id", code="invalid_state")
    await asyncio.to_thread(worker.db.change, batch_id, "cancelling", ("validating", "in_progress"),
                            int(worker.clock()))
    worker.interrupt(batch_id)
    return JSONResponse(await asyncio.to_thread(worker.db.get, batch_id, key.id))
