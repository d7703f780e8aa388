"""A log of every HTTP call a client makes: one JSON line each, and never the key.

The official client sends its requests through an httpx transport; :func:`watch` gives
it one that notes each call (time, model, status, tokens, cost and its currency, retries…) after the
answer has been read, and asks a :class:`~chatkit.budget.Budget` before anything is sent.
No monkeypatching: ``watch`` returns a copy of the client with another ``http_client``.

>>> log = chatkit.CallLog("calls.jsonl")                                     # doctest: +SKIP
>>> client = chatkit.connect(log=log)                                        # doctest: +SKIP
>>> client.responses.create(model=client.default_model, input="Hi")         # doctest: +SKIP
>>> log.records[-1]["status"], log.records[-1]["output_tokens"]              # doctest: +SKIP
(200, 9)
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx2
import openai
from openai import DEFAULT_CONNECTION_LIMITS

from .budget import BudgetExceeded
from .tokens import estimate_cost

logger = logging.getLogger("chatkit.calls")
logging.getLogger("chatkit").addHandler(logging.NullHandler())  # silent until the app configures logging
MAX_CAPTURE = 4_000_000  # bytes of an answer kept to read its usage; larger bodies are files, not chats
API_NOUNS = ("chat", "responses", "completions", "embeddings", "models", "files", "batches", "moderations")


class CallLog:
    """Where call records go: a list in memory, a JSON-lines file (yours only), and ``logging``.

    ``include_text=True`` also keeps what was sent and the answer's text (off by default:
    logs are copied around more than conversations should be). ``price_as`` prices every
    call as if made with that model, to see what the sandbox's calls would cost.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, include_text: bool = False,
                 price_as: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.include_text, self.price_as = include_text, price_as
        self.records: list[dict] = []
        self._lock = threading.Lock()
        if self.path is not None:
            # Created readable by its owner only: with include_text it holds conversations.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))

    def __repr__(self) -> str:
        where = f" -> {self.path}" if self.path else ""
        return f"<CallLog {len(self.records)} calls{where}>"

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(list(self.records))

    def add(self, record: dict) -> None:
        """Keep one call's record, append it to the file, and tell ``logging``."""
        with self._lock:
            self.records.append(record)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(json.dumps(record, ensure_ascii=False) + "\n")
        level = logging.INFO if record["error"] is None else logging.WARNING
        logger.log(level, "%s %s %s %s in %.2f s%s", record["method"], record["endpoint"], record["model"] or "-",
                   record["status"] or record["error"], record["latency_s"], _tokens(record), extra={"call": record})


def watch(client, *, log: CallLog | None = None, budget=None, refuse=None):
    """A copy of ``client`` whose calls go to ``log`` and are checked against ``budget``.

    Works with ``openai.OpenAI`` and ``openai.AsyncOpenAI`` (and chatkit's own clients).
    ``refuse(request)``, if given, may raise to stop a request before it is sent (connect() uses
    it for endpoints the live provider lacks: ``chatkit.providers.refusal``).
    """
    watcher = Watcher(log=log, budget=budget, backend=_backend(client), refuse=refuse)
    if isinstance(client, openai.AsyncOpenAI):
        transport = AsyncWatchedTransport(httpx2.AsyncHTTPTransport(limits=DEFAULT_CONNECTION_LIMITS), watcher)
        http_client = openai.DefaultAsyncHttpx2Client(transport=transport)
    else:
        transport = WatchedTransport(httpx2.HTTPTransport(limits=DEFAULT_CONNECTION_LIMITS), watcher)
        http_client = openai.DefaultHttpx2Client(transport=transport)
    return client.with_options(http_client=http_client)


class Watcher:
    """What the transports share: the budget asked before sending, the log told after reading."""

    def __init__(self, log: CallLog | None, budget, backend: str, refuse=None) -> None:
        self.log, self.budget, self.backend, self.refuse = log, budget, backend, refuse

    def start(self, request) -> dict:
        if self.refuse is not None:
            self.refuse(request)  # raises before anything is sent or counted
        sent = _json(request)
        call = {"time": _now(), "backend": self.backend, "method": request.method,
                "endpoint": endpoint(request.url.path), "model": sent.get("model"), "status": None,
                "error": None, "request_id": None, "latency_s": 0.0, "stream": bool(sent.get("stream")),
                "input_tokens": None, "output_tokens": None, "reasoning_tokens": None, "cost": None,
                "currency": None, "priced_as": None, "retry": int(request.headers.get("x-stainless-retry-count") or 0)}
        if self.log is not None and self.log.include_text:
            call["prompt"] = sent.get("messages", sent.get("input", sent.get("prompt")))
        call["_started"], call["_reserved"] = time.perf_counter(), None
        if self.budget is not None:
            try:
                call["_reserved"] = self.budget.reserve(sent)
            except BudgetExceeded:
                call["error"] = "budget_exceeded"
                self.finish(call, None, b"", settle=False)
                raise
        return call

    def failed(self, call: dict, exc: Exception) -> None:
        call["error"] = "timeout" if isinstance(exc, httpx2.TimeoutException) else "connection_error"
        self.finish(call, None, b"")

    def finish(self, call: dict, response, body: bytes, settle: bool = True) -> None:
        call["latency_s"] = round(time.perf_counter() - call.pop("_started"), 4)
        reserved = call.pop("_reserved")
        if response is not None:
            call["status"], call["request_id"] = response.status_code, response.headers.get("x-request-id")
            read_answer(call, body, response.headers.get("content-type", ""),
                        keep_text=self.log is not None and self.log.include_text)
        self._price(call)
        if self.budget is not None and settle:
            self.budget.settle(reserved, call)
        if self.log is not None:
            self.log.add(call)

    def _price(self, call: dict) -> None:
        model = (self.log.price_as if self.log is not None and self.log.price_as else None) or call["model"]
        if model and call["input_tokens"] is not None:
            cost = estimate_cost(model, call["input_tokens"], call["output_tokens"] or 0)
            call["cost"], call["priced_as"] = cost.total, model if cost.known else None
            call["currency"] = cost.currency if cost.known else None  # "USD", "CNY": costs add up per currency


class _Tee:
    """The answer's bytes, passed on as they arrive and kept (up to a limit) to read its usage."""

    def __init__(self, watcher: Watcher, call: dict, response) -> None:
        self.watcher, self.call, self.response = watcher, call, response
        self.kept, self.done = bytearray(), False

    def keep(self, chunk: bytes) -> bytes:
        if len(self.kept) < MAX_CAPTURE:
            self.kept += chunk
        return chunk

    def finish(self) -> None:
        if not self.done:
            self.done = True
            self.watcher.finish(self.call, self.response, bytes(self.kept))


class _SyncTee(_Tee, httpx2.SyncByteStream):
    def __iter__(self):
        for chunk in self.response.stream:
            yield self.keep(chunk)

    def close(self) -> None:
        try:
            self.response.close()
        finally:
            self.finish()


class _AsyncTee(_Tee, httpx2.AsyncByteStream):
    async def __aiter__(self):
        async for chunk in self.response.stream:
            yield self.keep(chunk)

    async def aclose(self) -> None:
        try:
            await self.response.aclose()
        finally:
            self.finish()


class WatchedTransport(httpx2.BaseTransport):
    """An httpx transport that asks the budget before sending and logs each call once read."""

    def __init__(self, inner: httpx2.BaseTransport, watcher: Watcher) -> None:
        self.inner, self.watcher = inner, watcher

    def handle_request(self, request):
        call = self.watcher.start(request)
        try:
            response = self.inner.handle_request(request)
        except Exception as exc:
            self.watcher.failed(call, exc)
            raise
        return httpx2.Response(response.status_code, headers=response.headers,
                               stream=_SyncTee(self.watcher, call, response), extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()


class AsyncWatchedTransport(httpx2.AsyncBaseTransport):
    """The same, for ``AsyncOpenAI``."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, watcher: Watcher) -> None:
        self.inner, self.watcher = inner, watcher

    async def handle_async_request(self, request):
        call = self.watcher.start(request)
        try:
            response = await self.inner.handle_async_request(request)
        except Exception as exc:
            self.watcher.failed(call, exc)
            raise
        return httpx2.Response(response.status_code, headers=response.headers,
                               stream=_AsyncTee(self.watcher, call, response), extensions=response.extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()


# --- reading a request and its answer ---------------------------------------------------

def endpoint(path: str) -> str:
    """The API path without the base URL's prefix, ids replaced by ``{id}``.

    >>> endpoint("/v1/responses/resp_68a1b2c3d4")
    '/responses/{id}'
    >>> endpoint("/compatible-mode/v1/chat/completions")
    '/chat/completions'
    """
    parts = [p for p in path.split("/") if p]
    start = next((i for i, part in enumerate(parts) if part in API_NOUNS), 0)
    return "/" + "/".join("{id}" if re.search(r"[_\d]", part) and i > start else part
                          for i, part in enumerate(parts[start:], start))


def read_answer(call: dict, body: bytes, content_type: str, keep_text: bool = False) -> None:
    """Fill the call's tokens, error and (if asked) answer text from the response body."""
    events = _events(body) if "event-stream" in content_type else [_loads(body)]
    pieces = []
    for event in events:
        if not isinstance(event, dict):
            continue
        usage = event.get("usage") or (event.get("response") or {}).get("usage")
        if isinstance(usage, dict):
            call["input_tokens"] = usage.get("input_tokens", usage.get("prompt_tokens"))
            call["output_tokens"] = usage.get("output_tokens", usage.get("completion_tokens"))
            details = usage.get("output_tokens_details") or usage.get("completion_tokens_details") or {}
            call["reasoning_tokens"] = details.get("reasoning_tokens")  # hidden, and counted in output_tokens
        error = event.get("error")
        if isinstance(error, dict):
            call["error"] = str(error.get("code") or error.get("type") or "error")
        pieces.extend(_text(event))
        call["model"] = call["model"] or event.get("model")
    if call["status"] and call["status"] >= 400 and call["error"] is None:
        call["error"] = f"http_{call['status']}"
    if keep_text:
        call["answer"] = "".join(pieces)


def _text(event: dict) -> list[str]:
    if event.get("type") == "response.output_text.delta":
        return [event.get("delta") or ""]
    if event.get("object") == "response":
        return [part.get("text", "") for item in event.get("output") or [] for part in item.get("content") or []
                if part.get("type") == "output_text"]
    found = []
    for choice in event.get("choices") or []:
        piece = (choice.get("delta") or choice.get("message") or {}).get("content")
        found.append(piece if isinstance(piece, str) else choice.get("text") or "")
    return found


def _events(body: bytes) -> list:
    lines = body.decode("utf-8", "replace").splitlines()
    return [_loads(line[5:].strip().encode()) for line in lines if line.startswith("data:")]


def _loads(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return None


def _json(request) -> dict:
    try:
        body = json.loads(request.content) if request.content else {}
    except (ValueError, httpx2.RequestNotRead):
        return {}  # a file upload, for instance
    return body if isinstance(body, dict) else {}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _tokens(record: dict) -> str:
    if record["input_tokens"] is None:
        return ""
    return f", {record['input_tokens']}+{record['output_tokens'] or 0} tokens"


def _backend(client) -> str:
    host = client.base_url.host
    return "sandbox" if host in ("127.0.0.1", "localhost") and _is_sandbox(client) else host


def _is_sandbox(client) -> bool:
    return str(client.api_key).startswith("sk-sandbox-")
