"""The classroom gateway: an OpenAI-compatible server in front of the teacher's upstreams, one key per student.

Every call walks the same steps (:func:`forward`): the student's key is checked (a wrong or revoked
one gets the platform's own 401), the body is read within limits, the model is checked against the
class's list, the student's day and course allowance and per-minute limits are applied (the
platform's own 429s, limits.py), and the call goes to an upstream with the *teacher's* key in place of
the student's (upstreams.py: round-robin, failover). The answer comes back with only the headers a
client needs (nothing that names the teacher's key, organization or project), a stream is relayed
event by event as it arrives, and the call is recorded for the student (store.py).

A streamed Chat Completions or Completions call asks the upstream for its usage
(``stream_options.include_usage``) when the student did not, so every call has its tokens; the
extra last chunk is then taken out, and the student's chunks carry ``"usage": null`` as they do on the
platform when usage is asked for.

Students share the teacher's key upstream, so the gateway keeps who made which stored response: a
student can fetch, delete or continue (``previous_response_id``) only their own, and the same holds
for files and batches (``/v1/files``, ``/v1/batches``: files.py, which also says how a batch's tokens
count against the student's allowance). The same goes for exercise results (``/v1/classroom/results``:
a notebook's ``check()`` posts ✓/✗, report.py) and usage: the key decides whose. The teacher's
dashboard and its admin routes are dashboard.py's.

The gateway listens on 127.0.0.1. Named another address (``--host 0.0.0.0``), it warns: keys would
cross the network in clear text. One way to serve a classroom network with TLS keeps the gateway on
loopback and puts Caddy in front, the only program listening on the network::

    python -m chatkit classroom serve --port 8790
    caddy reverse-proxy --from class.example.edu --to 127.0.0.1:8790

Given a host name in ``--from``, Caddy serves HTTPS with a certificate it obtains itself (the name's
DNS must point at this machine, ports 80 and 443 open); on a network without a public name,
``--internal-certs`` makes Caddy its own authority, which the students' machines must then trust.
Sources: https://caddyserver.com/docs/quick-starts/reverse-proxy and the ``caddy reverse-proxy``
manual page (https://manpages.ubuntu.com/manpages/noble/man8/caddy-reverse-proxy.8.html), checked
2026-12-06. Students then use ``OPENAI_BASE_URL=https://class.example.edu/v1``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import secrets
import time

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, Router

from ..errors import ChatkitError
from ..messages import say
from ..sandbox.http import parse_json
from ..sandbox.wire import APIError
from ..serving import Background
from ..web import read_body
from .caller import authenticate
from .dashboard import ROUTES as DASHBOARD
from .files import ROUTES as FILES
from .limits import Meter, check_allowance, check_model, counted, spent, start_of_day
from .relay import TIMEOUT, Relay, finished, gateway_error, json_object, passed, read, safe, scrub, send, usage_of
from .store import Call, ClassStore, Result, Student
from .upstreams import Upstream, Upstreams

log = logging.getLogger("chatkit.classroom")

MAX_BODY = 4_000_000  # bytes: a long prompt is far smaller; more is a mistake or an attack
EXERCISE = re.compile(r"[\w.-]{1,100}")  # an exercise's name, as check() is given it: "03-ask"
BODY_TIMEOUT = 30.0  # seconds a client may take to send its body


# --- what the student sent ---------------------------------------------------------------

async def json_body(request: Request) -> dict:
    """The request's JSON object, read within :data:`MAX_BODY` bytes and :data:`BODY_TIMEOUT` seconds."""
    try:
        raw = await asyncio.wait_for(read_body(request, MAX_BODY, too_large, cut_off), BODY_TIMEOUT)
    except asyncio.TimeoutError:
        error = gateway_error(408, "classroom.gateway.slow_body", seconds=f"{BODY_TIMEOUT:g}")
        error.headers["connection"] = "close"  # the rest of the body may still come: this connection is done
        raise error from None
    body = await asyncio.to_thread(parse_json, raw)  # the platform's 400s for bad JSON
    if not isinstance(body, dict):
        raise APIError(400, "The request body must be a JSON object.")
    return body


def too_large() -> APIError:
    return gateway_error(413, "classroom.gateway.too_large", limit=MAX_BODY, code="request_too_large")


def cut_off() -> APIError:
    return gateway_error(400, "classroom.gateway.cut_off")


# --- a call ---------------------------------------------------------------------------

async def chat_completions(request: Request):
    return await forward(request, "/chat/completions")


async def text_completions(request: Request):
    return await forward(request, "/completions")


async def create_response(request: Request):
    return await forward(request, "/responses")


async def forward(request: Request, path: str):
    state = request.app.state
    student = await authenticate(request)
    body = await json_body(request)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise APIError(400, "you must provide a model parameter")
    call = Call(student.id, path, model, 0)
    try:  # a refused call is recorded too: the teacher sees who meets their limits, and when no upstream answers
        pinned = await _kept_by(state, student, body.get("previous_response_id"), "previous_response_id")
        limits = await admit(request, student, body, model)
        injected = _ask_for_usage(body, path)
        upstream, answer = await send(state, "POST", path, body, pinned)
    except APIError as exc:
        await asyncio.to_thread(state.store.record, finished(call, exc.status))
        raise
    call = dataclasses.replace(call, upstream=upstream.name)
    headers = {**passed(answer), **limits}
    if answer.headers.get("content-type", "").startswith("text/event-stream"):
        relay = Relay(state, call, upstream, injected)
        return StreamingResponse(relay.events(answer), status_code=answer.status_code, headers=headers)
    data = await read(answer, upstream)
    found = usage_of(json_object(data)) if answer.status_code == 200 else None
    if path == "/responses" and answer.status_code == 200:
        await _own(state, student, json_object(data), upstream)
    await asyncio.to_thread(state.store.record, finished(call, answer.status_code, found))
    log.info("%s %s %s via %s: %s", student.id, path, model, upstream.name, answer.status_code)
    return Response(safe(state, data, answer.status_code), status_code=answer.status_code, headers=headers)


async def admit(request: Request, student: Student, body: dict, model: str) -> dict[str, str]:
    """Check the student's model, allowance and minute; return their ``x-ratelimit-*`` headers."""
    state = request.app.state
    budget = await asyncio.to_thread(state.store.budget, student.id)
    try:
        check_model(budget, model)
        await asyncio.to_thread(check_allowance, state.store, student.id, budget, model, time.time())
        tokens = (await asyncio.to_thread(counted, body, model)).total if budget.tpm else 0
        state.meter.take(student.id, budget, model, tokens)
    except APIError as exc:
        exc.headers = {**state.meter.headers(student.id, budget), **exc.headers}
        raise
    return state.meter.headers(student.id, budget)


def _ask_for_usage(body: dict, path: str) -> bool:
    """Ask a streamed call for its usage if the student did not; True if the gateway added the request."""
    if path == "/responses" or body.get("stream") is not True:
        return False  # a Responses stream always ends with its usage
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        return False
    body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
    return True


# --- what a student may read ------------------------------------------------------------

async def _own(state, student: Student, data: dict, upstream: Upstream) -> None:
    if isinstance(data.get("id"), str):
        await asyncio.to_thread(state.store.own, student.id, data["id"], upstream.name)


async def _kept_by(state, student: Student, resource, param: str) -> str | None:
    """The upstream that keeps the student's stored response ``resource`` (None for no resource).

    Another student's is "not found", as another project's is on the platform.
    """
    if resource is None:
        return None
    found = await asyncio.to_thread(state.store.owner, str(resource))
    if found is None or found[0] != student.id:
        name = "Previous response" if param == "previous_response_id" else "Response"
        raise APIError(404 if param == "response_id" else 400, f"{name} with id '{resource}' not found.", param=param)
    return found[1]


async def one_response(request: Request):
    student = await authenticate(request)
    rid = request.path_params["response_id"]
    pinned = await _kept_by(request.app.state, student, rid, "response_id")
    upstream, answer = await send(request.app.state, request.method, f"/responses/{rid}", pinned=pinned)
    data = await read(answer, upstream)
    return Response(safe(request.app.state, data, answer.status_code), status_code=answer.status_code,
                    headers=passed(answer))


async def list_models(request: Request):
    """The upstream's models the class may use."""
    student = await authenticate(request)
    budget = await asyncio.to_thread(request.app.state.store.budget, student.id)
    upstream, answer = await send(request.app.state, "GET", "/models")
    raw = await read(answer, upstream)
    if answer.status_code != 200:
        return Response(scrub(request.app.state, raw), status_code=answer.status_code, headers=passed(answer))
    data = json_object(raw)
    models = [m for m in data.get("data") or [] if isinstance(m, dict)
              and (budget.models is None or m.get("id") in budget.models)]
    return JSONResponse({"object": "list", "data": models}, status_code=answer.status_code)


async def my_usage(request: Request):
    """The calling student's own usage: the key decides whose, and nothing in the request can change it."""
    student, store = await authenticate(request), request.app.state.store
    budget = await asyncio.to_thread(store.budget, student.id)
    calls = await asyncio.to_thread(store.calls, student.id, 20)
    today = await asyncio.to_thread(store.used_by_model, student.id, start_of_day(time.time()))
    course = await asyncio.to_thread(store.used_by_model, student.id)
    return JSONResponse({
        "object": "classroom.usage", "student": student.id, "name": student.name,
        "tokens_today": sum(u.input_tokens + u.output_tokens for u in today),
        "tokens_in_course": sum(u.input_tokens + u.output_tokens for u in course),
        "spend_today": spent(today, budget), "spend_in_course": spent(course, budget),
        "limits": dataclasses.asdict(budget),
        "calls": [{"at": int(c.at), "endpoint": c.endpoint, "model": c.model, "status": c.status,
                   "input_tokens": c.input_tokens, "output_tokens": c.output_tokens} for c in calls]})


async def post_result(request: Request):
    """A student's ``check()`` reports an exercise: its name and whether it passed, filed under the key's student."""
    student = await authenticate(request)
    body = await json_body(request)
    exercise, passed = body.get("exercise"), body.get("passed")
    if not isinstance(exercise, str) or not EXERCISE.fullmatch(exercise) or not isinstance(passed, bool):
        raise gateway_error(400, "classroom.results.bad")
    result = Result(student.id, exercise, passed, time.time())
    await asyncio.to_thread(request.app.state.store.record_result, result)
    return JSONResponse(_shown(result))


async def my_results(request: Request):
    """The calling student's own results: the key decides whose."""
    student = await authenticate(request)
    results = await asyncio.to_thread(request.app.state.store.results, student.id)
    return JSONResponse({"object": "list", "student": student.id, "data": [_shown(r) for r in results]})


def _shown(result: Result) -> dict:
    return {"object": "classroom.result", "exercise": result.exercise, "passed": result.passed, "at": int(result.at)}


# --- errors -----------------------------------------------------------------------------

async def api_error(request: Request, exc: APIError):
    headers = {"x-request-id": "req_" + secrets.token_hex(16), **exc.headers}
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def http_error(request: Request, exc: HTTPException):
    message = f"Invalid URL ({request.method} {request.url.path})"
    return JSONResponse(APIError(exc.status_code, message).body(), status_code=exc.status_code)


async def server_error(request: Request, exc: Exception):
    log.exception("classroom gateway bug while serving %s", request.url.path)
    body = gateway_error(500, "classroom.gateway.bug").body()
    return JSONResponse(body, status_code=500, headers={"connection": "close"})


ROUTES = [
    Route("/v1/models", list_models),
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/completions", text_completions, methods=["POST"]),
    Route("/v1/responses", create_response, methods=["POST"]),
    Route("/v1/responses/{response_id}", one_response, methods=["GET", "DELETE"]),
    *FILES,
    Route("/v1/classroom/usage", my_usage),
    Route("/v1/classroom/results", post_result, methods=["POST"]),
    Route("/v1/classroom/results", my_results),
    *DASHBOARD,
]


def create_app(store: ClassStore, upstreams: Upstreams, meter: Meter | None = None,
               timeout: httpx.Timeout = TIMEOUT) -> Starlette:
    """The gateway's ASGI app: ``store`` holds the class, ``upstreams`` serve it, each within ``timeout``."""
    app = Starlette(exception_handlers={APIError: api_error, HTTPException: http_error, Exception: server_error})
    app.router = Router(routes=ROUTES, redirect_slashes=False)  # a redirect would be built from the Host header
    app.state.store, app.state.upstreams, app.state.meter = store, upstreams, meter or Meter()
    # At most 32 idle connections kept: httpcore's pool rescans all of them on every request and every
    # answer closed, which took most of the gateway's CPU under 300 streams (bench/classroom_gateway.py).
    app.state.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False,
                                         limits=httpx.Limits(max_connections=500, max_keepalive_connections=32))
    return app


class Gateway(Background):
    """A running gateway; ``with Gateway.start(store, upstreams) as gateway:`` stops it at the end."""

    thread_name = "chatkit-classroom"

    def __init__(self, app, host: str, port: int) -> None:
        super().__init__(app, host, port)
        self.base_url = f"http://{host}:{self.port}/v1"
        if host not in ("127.0.0.1", "localhost", "::1"):
            log.warning(say("classroom.serve.not_loopback", host=host))

    @classmethod
    def start(cls, store: ClassStore, upstreams: Upstreams, host: str = "127.0.0.1", port: int = 0,
              meter: Meter | None = None, timeout: httpx.Timeout = TIMEOUT) -> Gateway:
        return cls(create_app(store, upstreams, meter, timeout), host, port)

    def not_started(self) -> ChatkitError:
        return ChatkitError(say("classroom.serve.not_started.what"), fix=say("classroom.serve.not_started.fix"))
