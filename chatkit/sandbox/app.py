"""The sandbox's HTTP API: routes wired to the endpoint modules, OpenAI-shaped errors and headers.

Every route is a plain function here or in an endpoint module (files.py, batches.py); what
they share (the engine, the store, the background jobs) lives on ``request.app.state``, and
what each does first (check the key, read the body within limits) is in http.py. The sandbox
is a server, so every request is treated as possibly hostile: checks and tokenizing run off
the event loop, and stored responses belong to the key that made them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route, Router

from . import batches, chat, completions, files, responses
from .background import Jobs
from .batchworker import Worker
from .http import authenticate, json_body
from .limits import Limits, LimitsMiddleware, admit
from .models import Models
from .wire import APIError, model_not_found

log = logging.getLogger("chatkit.sandbox")


# --- routes ----------------------------------------------------------------------

def model_object(engine) -> dict:
    return {"id": engine.model_id, "object": "model", "created": 1730419200, "owned_by": "chatkit-sandbox"}


async def list_models(request: Request):
    authenticate(request)
    return JSONResponse({"object": "list", "data": [model_object(e) for e in request.app.state.models]})


async def get_model(request: Request):
    authenticate(request)
    engine = request.app.state.models.get(request.path_params["model"])
    if engine is None:
        raise model_not_found(request.path_params["model"])
    return JSONResponse(model_object(engine))


def engine_for(request: Request, body):
    """The engine of the model the body names (the default one if none is listed: its checks answer 404)."""
    engine = request.app.state.models.engine_for(body)
    request.state.model_id = engine.model_id  # a 429 names the model asked for
    return engine


async def chat_completions(request: Request):
    return await _complete(request, chat)


async def text_completions(request: Request):
    return await _complete(request, completions)


async def _complete(request: Request, endpoint):
    """Chat Completions and legacy Completions: the same steps, each with its own module."""
    key, state = authenticate(request), request.app.state
    body = await json_body(request)
    engine = engine_for(request, body)
    prepared = await asyncio.to_thread(endpoint.prepare, engine, body)  # checks and tokenizing, once
    await admit(request, key.id, prepared.counted)
    record = functools.partial(state.store.add_usage, key.id)
    if prepared.stream:
        events = await endpoint.stream(engine, prepared, record)
        return StreamingResponse(events, media_type="text/event-stream")
    return JSONResponse(await endpoint.complete(engine, prepared, record))


async def create_response(request: Request):
    key, state = authenticate(request), request.app.state
    body = await json_body(request)
    run = await asyncio.to_thread(responses.Run, engine_for(request, body), state.store, key.id, body)  # checks, once
    await admit(request, key.id, run.prepared.counted)
    if run.req.background:
        job = state.jobs.start(run)
        if run.req.stream:
            return StreamingResponse(job.follow(), media_type="text/event-stream")
        return JSONResponse(job.run.snapshot("queued"))
    if run.req.stream:
        return StreamingResponse(await responses.stream(run), media_type="text/event-stream")
    return JSONResponse(await responses.create(run))


async def count_input_tokens(request: Request):
    key, state = authenticate(request), request.app.state
    body = await json_body(request)
    return JSONResponse(await responses.input_tokens(engine_for(request, body), state.store, key.id, body))


def stored_response(request: Request, key) -> dict:
    """A stored response of this key (another key's is "not found", as on the platform)."""
    rid = request.path_params["response_id"]
    found = request.app.state.store.load_response(rid, key.id)
    if found is None:
        raise APIError(404, f"Response with id '{rid}' not found.", param="response_id")
    return found[0]


async def one_response(request: Request):
    key, state = authenticate(request), request.app.state
    rid = request.path_params["response_id"]
    if request.method == "DELETE":
        if not state.store.delete_response(rid, key.id):
            raise APIError(404, f"Response with id '{rid}' not found.", param="response_id")
        return JSONResponse({"id": rid, "object": "response.deleted", "deleted": True})
    found = stored_response(request, key)
    if request.query_params.get("stream") == "true":
        after = request.query_params.get("starting_after", "-1")
        if not (after.lstrip("-").isdigit() and len(after) < 10):
            raise APIError(400, "Invalid 'starting_after': expected an integer.", param="starting_after")
        return StreamingResponse(state.jobs.get(rid).follow(int(after)), media_type="text/event-stream")
    return JSONResponse(found)


async def cancel_response(request: Request):
    key, state = authenticate(request), request.app.state
    stored_response(request, key)
    job = state.jobs.get(request.path_params["response_id"])
    job.run.gen.cancel.set()
    await asyncio.wait({job.task}, timeout=10)  # the model stops at its next token
    return JSONResponse(stored_response(request, key))


# --- errors ----------------------------------------------------------------------

async def api_error(request: Request, exc: APIError):
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def http_error(request: Request, exc: HTTPException):
    # Unknown routes answer like OpenAI's: e.g. the retired /v1/engines/... endpoints.
    message = f"Invalid URL ({request.method} {request.url.path})"
    return JSONResponse(APIError(exc.status_code, message).body(), status_code=exc.status_code)


async def server_error(request: Request, exc: Exception):
    log.exception("sandbox bug while serving %s", request.url.path)
    body = APIError(500, "The sandbox had an error while processing your request. Its log has the details.",
                    type="server_error").body()
    # Close the connection: after a failure mid-request, a kept-alive connection may be unusable.
    return JSONResponse(body, status_code=500, headers={"connection": "close"})


ROUTES = [
    Route("/v1/models", list_models),
    Route("/v1/models/{model:path}", get_model),
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/completions", text_completions, methods=["POST"]),
    Route("/v1/responses", create_response, methods=["POST"]),
    Route("/v1/responses/input_tokens", count_input_tokens, methods=["POST"]),
    Route("/v1/responses/{response_id}", one_response, methods=["GET", "DELETE"]),
    Route("/v1/responses/{response_id}/cancel", cancel_response, methods=["POST"]),
    Route("/v1/files", files.upload, methods=["POST"]),
    Route("/v1/files", files.list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", files.one_file, methods=["GET", "DELETE"]),
    Route("/v1/files/{file_id}/content", files.file_content, methods=["GET"]),
    Route("/v1/batches", batches.create_batch, methods=["POST"]),
    Route("/v1/batches", batches.list_batches, methods=["GET"]),
    Route("/v1/batches/{batch_id}", batches.get_batch, methods=["GET"]),
    Route("/v1/batches/{batch_id}/cancel", batches.cancel_batch, methods=["POST"]),
]
# The APIs a sandbox can leave out, to play a provider that lacks them (Sandbox.start(apis={"chat"}) is
# DeepSeek-like): their routes are not mounted, so they answer the 404 of an unknown URL. /v1/models stays.
APIS = {"chat": ("/v1/chat/",), "completions": ("/v1/completions",), "responses": ("/v1/responses",),
        "batch": ("/v1/files", "/v1/batches")}


def routes(apis=None) -> list[Route]:
    """The routes of ``apis`` (names in APIS; None: all of them), and /v1/models."""
    dropped = tuple(prefix for api, prefixes in APIS.items() if apis is not None and api not in apis
                    for prefix in prefixes)
    return [route for route in ROUTES if not route.path.startswith(dropped)] if dropped else ROUTES


def create_app(engine, store, limits: Limits | None = None, models: Models | None = None,
               apis=None) -> LimitsMiddleware:
    """The ASGI app serving ``engine`` (a LlamaEngine or ScriptedEngine) with ``store``, under ``limits``.

    ``models``: every engine served, by id (models.py), ``engine`` first; just ``engine`` by default.
    ``apis``: the APIs to serve (see APIS), e.g. ``{"chat"}``; all by default.
    """
    unknown = set(apis or ()) - set(APIS)
    if unknown:
        raise ValueError(f"Unknown API {sorted(unknown)}: the sandbox's APIs are {', '.join(APIS)}.")
    app = Starlette(exception_handlers={APIError: api_error, HTTPException: http_error, Exception: server_error})
    # No redirect from "/v1/models/" to "/v1/models": it would be built from the client's Host header.
    app.router = Router(routes=routes(apis), redirect_slashes=False)
    app.state.engine, app.state.store, app.state.jobs = engine, store, Jobs()
    app.state.models = models or Models([engine])
    app.state.files = files.FileStore(store.path)
    # Started by the first Batch API request.
    app.state.batches = Worker(engine, store, app.state.files, models=app.state.models)
    app.state.limits = limits or Limits()
    return LimitsMiddleware(OpenAIHeaders(app), app.state.limits)  # outermost: latency is not processing time


class OpenAIHeaders:
    """ASGI middleware: ``x-request-id``, ``openai-processing-ms`` and ``openai-version`` on every response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, request_id = time.perf_counter(), "req_" + secrets.token_hex(16)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                ms = str(int((time.perf_counter() - start) * 1000))
                extra = [(b"x-request-id", request_id.encode()), (b"openai-processing-ms", ms.encode()),
                         (b"openai-version", b"2020-10-01")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
