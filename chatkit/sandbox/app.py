"""The sandbox's HTTP API: routes, key checks, OpenAI-shaped errors and headers."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from ..keys import mask_key
from . import chat, completions, responses
from .background import Jobs
from .wire import APIError, model_not_found

log = logging.getLogger("chatkit.sandbox")
KEYS_HELP = "Create one with 'python -m chatkit keys create', or use chatkit.connect(), which makes one for you."


def create_app(engine, store) -> Starlette:
    """Build the ASGI app serving ``engine`` (a LlamaEngine or ScriptedEngine) with ``store``."""

    def authenticate(request: Request):
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token:
            raise APIError(401, "You didn't provide an API key. You need to provide your API key in an "
                           "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). "
                           + KEYS_HELP)
        info = store.check_key(token)
        if info is None or not info.active:
            why = " This key was revoked." if info else ""
            raise APIError(401, f"Incorrect API key provided: {mask_key(token)}.{why} {KEYS_HELP}",
                           code="invalid_api_key")
        return info

    async def json_body(request: Request) -> dict:
        raw = await request.body()
        try:
            return json.loads(raw)
        except ValueError:
            raise APIError(400, "We could not parse the JSON body of your request. (HINT: This likely means "
                           "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                           "payload, but what was sent was not valid JSON.)") from None

    def model_object() -> dict:
        return {"id": engine.model_id, "object": "model", "created": 1730419200, "owned_by": "chatkit-sandbox"}

    async def list_models(request: Request):
        authenticate(request)
        return JSONResponse({"object": "list", "data": [model_object()]})

    async def get_model(request: Request):
        authenticate(request)
        if request.path_params["model"] != engine.model_id:
            raise model_not_found(request.path_params["model"])
        return JSONResponse(model_object())

    async def chat_completions(request: Request):
        key = authenticate(request)
        body = await json_body(request)
        if body.get("stream") if isinstance(body, dict) else False:
            events = await chat.stream(engine, body, lambda p, c: store.add_usage(key.id, p, c))
            return StreamingResponse(events, media_type="text/event-stream")
        obj, prompt_tokens, completion_tokens = await chat.complete(engine, body)
        store.add_usage(key.id, prompt_tokens, completion_tokens)
        return JSONResponse(obj)

    async def text_completions(request: Request):
        key = authenticate(request)
        body = await json_body(request)
        if body.get("stream") if isinstance(body, dict) else False:
            events = await completions.stream(engine, body, lambda p, c: store.add_usage(key.id, p, c))
            return StreamingResponse(events, media_type="text/event-stream")
        obj, prompt_tokens, completion_tokens = await completions.complete(engine, body)
        store.add_usage(key.id, prompt_tokens, completion_tokens)
        return JSONResponse(obj)

    jobs = Jobs()

    async def create_response(request: Request):
        key = authenticate(request)
        body = await json_body(request)
        streamed = body.get("stream") if isinstance(body, dict) else False
        if body.get("background") if isinstance(body, dict) else False:
            job = jobs.start(engine, store, key.id, body)
            if streamed:
                return StreamingResponse(job.follow(), media_type="text/event-stream")
            return JSONResponse(job.run.snapshot("queued"))
        if streamed:
            return StreamingResponse(await responses.stream(engine, store, key.id, body),
                                     media_type="text/event-stream")
        return JSONResponse(await responses.create(engine, store, key.id, body))

    async def count_input_tokens(request: Request):
        authenticate(request)
        return JSONResponse(await responses.input_tokens(engine, store, await json_body(request)))

    def stored_response(rid: str) -> dict:
        found = store.load_response(rid)
        if found is None:
            raise APIError(404, f"Response with id '{rid}' not found.", param="response_id")
        return found[0]

    async def one_response(request: Request):
        authenticate(request)
        rid = request.path_params["response_id"]
        if request.method == "DELETE":
            if not store.delete_response(rid):
                raise APIError(404, f"Response with id '{rid}' not found.", param="response_id")
            return JSONResponse({"id": rid, "object": "response.deleted", "deleted": True})
        found = stored_response(rid)
        if request.query_params.get("stream") == "true":
            after = request.query_params.get("starting_after", "-1")
            if not after.lstrip("-").isdigit():
                raise APIError(400, "Invalid 'starting_after': expected an integer.", param="starting_after")
            return StreamingResponse(jobs.get(rid).follow(int(after)), media_type="text/event-stream")
        return JSONResponse(found)

    async def cancel_response(request: Request):
        authenticate(request)
        rid = request.path_params["response_id"]
        stored_response(rid)
        job = jobs.get(rid)
        job.run.gen.cancel.set()
        await asyncio.wait({job.task}, timeout=10)  # the model stops at its next token
        return JSONResponse(stored_response(rid))

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
        return JSONResponse(body, status_code=500)

    routes = [
        Route("/v1/models", list_models),
        Route("/v1/models/{model:path}", get_model),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/completions", text_completions, methods=["POST"]),
        Route("/v1/responses", create_response, methods=["POST"]),
        Route("/v1/responses/input_tokens", count_input_tokens, methods=["POST"]),
        Route("/v1/responses/{response_id}", one_response, methods=["GET", "DELETE"]),
        Route("/v1/responses/{response_id}/cancel", cancel_response, methods=["POST"]),
    ]
    handlers = {APIError: api_error, HTTPException: http_error, Exception: server_error}
    app = Starlette(routes=routes, exception_handlers=handlers)
    return OpenAIHeaders(app)


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
