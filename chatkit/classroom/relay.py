"""Between the gateway and its upstreams: the call sent with the teacher's key, the answer made fit for a student.

:func:`send` tries the upstreams in turn (upstreams.py) until one gives an answer worth reading;
only the headers a client needs come back (:func:`passed`), an error's text loses anything shaped
like a key or an organization id (:func:`safe`), and a stream is relayed event by event as it
arrives (:class:`Relay`), with the usage of every answer read on the way (:func:`usage_of`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time

import anyio
import httpx

from ..keys import KEYISH, mask_key
from ..messages import say
from ..sandbox.wire import APIError
from .store import Call
from .upstreams import Upstream

log = logging.getLogger("chatkit.classroom")

TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=30.0, pool=30.0)  # read: between two bytes of an answer
MAX_ANSWER = 20_000_000  # bytes of an upstream's non-streamed answer the gateway holds at once
MAX_EVENT = 1_000_000  # bytes of one stream event: a chunk of text or a final response is far smaller
PASSED_HEADERS = ("content-type", "x-request-id", "openai-processing-ms", "openai-version")
TRY_NEXT = {401, 403, 429}  # the upstream refused the teacher's key or is busy: another may serve the call
SSE_END = re.compile(rb"\r?\n\r?\n")
ORG_ID = re.compile(r"\b(?:org|proj)-[A-Za-z0-9_-]{6,}")


def gateway_error(status: int, key: str, *, code: str | None = None, **fields) -> APIError:
    """An error of the gateway itself, in the platform's shape and the class's language."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return APIError(status, say(key, **fields), type=kind, code=code)


def timed_out(request: httpx.Request) -> APIError:
    """The 504 of an upstream that stopped answering ``request`` for longer than its read timeout."""
    seconds = request.extensions["timeout"]["read"]
    return gateway_error(504, "classroom.gateway.upstream_timeout", seconds=f"{seconds:g}")


async def send(state, method: str, path: str, body: dict | None = None, pinned: str | None = None,
               form: tuple[bytes, str] | None = None) -> tuple[Upstream, httpx.Response]:
    """The first upstream's answer that is worth the student's reading (a stream not yet read), with failover.

    ``state``: the app's, with ``client`` (an httpx.AsyncClient) and ``upstreams``. ``pinned``: the
    only upstream to ask, the one that keeps a stored response, file or batch the call reads or uses.
    ``form``: an upload as the student sent it (its bytes and content type), sent on instead of ``body``.
    """
    content, kind = form or (None, None)
    if body is not None:
        content, kind = json.dumps(body, ensure_ascii=False).encode(), "application/json"
    busy = False
    for upstream in [u for u in state.upstreams.order() if pinned in (None, u.name)]:
        outgoing = state.client.build_request(method, upstream.base_url + path, content=content,
                                              headers=_upstream_headers(upstream, kind))
        try:
            answer = await state.client.send(outgoing, stream=True)
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):  # it may be working on it: not twice
            _failed(state, upstream, "no answer in time")
            raise timed_out(outgoing) from None
        except httpx.TransportError as exc:  # refused, reset, or not HTTP: no answer came, another may give one
            _failed(state, upstream, f"{type(exc).__name__}: {exc}")
            continue
        if answer.status_code >= 500 or answer.status_code in TRY_NEXT:
            busy = busy or answer.status_code == 429
            try:
                said = (await read(answer, upstream))[:300].decode(errors="replace")
            except APIError:
                said = ""
            _failed(state, upstream, f"HTTP {answer.status_code}: {said}")
            continue
        state.upstreams.worked(upstream)
        return upstream, answer
    if busy:
        raise APIError(429, say("classroom.gateway.upstream_busy"), type="requests", code="rate_limit_exceeded",
                       headers={"retry-after": "5"})
    raise gateway_error(502, "classroom.gateway.upstream_down")


def _failed(state, upstream: Upstream, why: str) -> None:
    why = scrub(state, why.encode()).decode(errors="replace")
    log.warning("upstream %s failed (%s); trying the next one", upstream.name, why)
    state.upstreams.failed(upstream, why)


def _upstream_headers(upstream: Upstream, content_type: str | None) -> dict[str, str]:
    """Only what the upstream needs: none of the student's headers (their key, cookies) go on."""
    headers = {"accept-encoding": "identity", "user-agent": "chatkit-classroom"}
    if content_type:
        headers["content-type"] = content_type
    if upstream.key:
        headers["authorization"] = f"Bearer {upstream.key}"
    return headers


def passed(answer: httpx.Response) -> dict[str, str]:
    """The upstream's headers a client needs, and no other (not its organization, project, cookies or limits)."""
    return {name: answer.headers[name] for name in PASSED_HEADERS if name in answer.headers}


async def read(answer: httpx.Response, upstream: Upstream) -> bytes:
    data = bytearray()
    try:
        async for chunk in answer.aiter_raw():
            data += chunk
            if len(data) > MAX_ANSWER:
                raise gateway_error(502, "classroom.gateway.answer_too_large", upstream=upstream.name)
    except httpx.TimeoutException:
        raise timed_out(answer.request) from None
    except httpx.HTTPError:
        raise gateway_error(502, "classroom.gateway.upstream_down") from None
    finally:
        await answer.aclose()
    return bytes(data)


def scrub(state, data: bytes) -> bytes:
    """``data`` with the teacher's keys and anything shaped like a key or an organization id masked."""
    text = scrub_key(state, data).decode("utf-8", errors="replace")
    text = ORG_ID.sub("org-…", KEYISH.sub(lambda m: mask_key(m.group(0)), text))
    return text.encode()


def safe(state, data: bytes, status: int) -> bytes:
    """An upstream's answer fit for a student: an error's text may name the teacher's organization or key."""
    return scrub_key(state, data) if status < 400 else scrub(state, data)


def scrub_key(state, data: bytes) -> bytes:
    """``data`` without the teacher's keys: cheap enough for every event of a stream."""
    for upstream in state.upstreams.all:
        if upstream.key:
            data = data.replace(upstream.key.encode(), mask_key(upstream.key).encode())
    return data


def json_object(data: bytes) -> dict:
    try:
        found = json.loads(data)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def usage_of(data: dict) -> tuple[int, int] | None:
    """Input and output tokens of an answer or a stream event (Chat, Completions or Responses), if it says."""
    response = data.get("response")
    usage = data.get("usage") or (response.get("usage") if isinstance(response, dict) else None)
    if not isinstance(usage, dict):
        return None
    given = usage.get("input_tokens", usage.get("prompt_tokens")), usage.get("output_tokens",
                                                                             usage.get("completion_tokens"))
    return given if all(isinstance(n, int) for n in given) else None


def finished(call: Call, status: int, tokens: tuple[int, int] | None = None) -> Call:
    """``call`` as it ended: its status, and its tokens when the answer said them."""
    input_tokens, output_tokens = tokens or (0, 0)
    return dataclasses.replace(call, status=status, input_tokens=input_tokens, output_tokens=output_tokens,
                               at=time.time())


# The events that end a Responses stream (openai-wire.md): after one, nothing more is owed.
ENDS = ("response.completed", "response.incomplete", "response.failed", "error")


class Relay:
    """A stream from the upstream to the student, event by event, as it comes; the call recorded at its end."""

    def __init__(self, state, call: Call, upstream: Upstream, injected: bool) -> None:
        self.state, self.call, self.upstream, self.injected = state, call, upstream, injected
        self.tokens: tuple[int, int] | None = None
        self.ending = False  # the event in hand ends the stream: [DONE], or a Responses stream's end
        self.ended = False  # that event has reached the student

    async def events(self, answer: httpx.Response):
        pending, status = b"", answer.status_code
        try:
            async for chunk in answer.aiter_raw():
                *events, pending = SSE_END.split(pending + chunk)
                if len(pending) > MAX_EVENT:  # an event without end: not a stream the student can use
                    raise httpx.DecodingError("an event without end")
                for event in events:
                    if self._keep(event):
                        yield scrub_key(self.state, event) + b"\n\n"
                        self.ended = self.ending  # resumed: the server has sent it
            if pending.strip():
                yield scrub_key(self.state, pending)
        except httpx.HTTPError as exc:  # the status is sent: all the student can see is the stream ending
            status = 504 if isinstance(exc, httpx.TimeoutException) else 502
            log.warning("upstream %s broke off a stream: %s", self.upstream.name, type(exc).__name__)
        except BaseException:  # the student hung up (the task is cancelled): 499, as nginx logs it
            # ... unless they had the whole answer: the SDK closes the connection at [DONE], at times
            # before the upstream closes its own.
            status = status if self.ended else 499
            raise
        finally:
            # Recorded here, not in a thread: when the student hangs up, this runs while the task is cancelled.
            self.state.store.record(finished(self.call, status, self.tokens))
            log.info("%s %s %s via %s: %s (stream)", self.call.student, self.call.endpoint, self.call.model,
                     self.upstream.name, status)
            with anyio.CancelScope(shield=True):  # cancelled or not, the upstream's connection goes back closed
                await answer.aclose()

    def _keep(self, event: bytes) -> bool:
        """Note what the event says (usage, a stored response's id); False for the usage chunk the gateway added."""
        data = b"".join(line[5:].strip() for line in event.splitlines() if line.startswith(b"data:"))
        if not data.startswith(b"{"):
            self.ending = data == b"[DONE]"
            return True
        parsed = json_object(data)
        self.ending = parsed.get("type") in ENDS
        found = usage_of(parsed)
        if found:
            self.tokens = found
        if parsed.get("type") == "response.created" and isinstance(parsed.get("response"), dict):
            self.state.store.own(self.call.student, str(parsed["response"].get("id")), self.upstream.name)
        return not (self.injected and found and parsed.get("choices") == [])
