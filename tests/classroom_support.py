"""A stand-in upstream for the classroom's tests: an OpenAI-compatible server on 127.0.0.1 that records every request.

It answers Chat Completions, Responses and the models list with fixed usage, streams when asked
(holding its last event until ``release`` is set, so a test can see the first event arrive first),
and can fail on demand (``fail_with = 500``). Its answers also carry headers a gateway must not pass
on: an organization id, a cookie, its own rate limits.
"""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from chatkit.classroom.gateway import Gateway
from chatkit.classroom.store import SQLiteStore, Student
from chatkit.classroom.upstreams import Upstream, Upstreams
from support import send

USAGE = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
SECRET_HEADERS = {"openai-organization": "org-teacherorg123456", "openai-project": "proj_teacher123456",
                  "set-cookie": "__cf_bm=teachercookie", "x-ratelimit-limit-requests": "10000"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default, 5, resets connections when a whole class calls at once


class StandIn:
    """``with StandIn() as up:`` serves until the block ends; ``up.requests`` holds (path, headers, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, dict | None]] = []
        self.fail_with: int | None = None
        self.error_body: dict | None = None  # what a 4xx answer says (fail_with below 500)
        self.usage = USAGE  # what a Chat Completions answer says it used
        self.release = threading.Event()  # a stream's last event waits for it
        self.release.set()
        self.first_sent, self.last_sent = threading.Event(), threading.Event()
        self.hold = threading.Event()  # set: the answer waits for ``release`` before its headers (a slow upstream)
        self.close_stream = threading.Event()  # a stream's connection stays open after its last event until set
        self.close_stream.set()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.name = f"127.0.0.1:{self.server.server_port}"
        self.base_url = f"http://{self.name}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.close_stream.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                upstream.requests.append((self.path, dict(self.headers), None))
                if upstream.fail_with:
                    return send(self, upstream.fail_with, b'{"error": {"message": "down"}}')
                if "/responses/" in self.path:
                    return self._answer(200, {"id": self.path.rsplit("/", 1)[-1], "object": "response",
                                              "status": "completed", "output": []})
                models = {"object": "list", "data": [{"id": m, "object": "model"} for m in ("gpt-ok", "gpt-other")]}
                self._answer(200, models)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                upstream.requests.append((self.path, dict(self.headers), body))
                if upstream.hold.is_set():
                    upstream.release.wait(10)
                if upstream.fail_with:
                    return self._answer(upstream.fail_with, upstream.error_body or {"error": {"message": "boom"}})
                if body.get("stream"):
                    return self._stream(body)
                if self.path.endswith("/responses"):
                    return self._answer(200, {"id": f"resp_{len(upstream.requests)}", "object": "response",
                                              "status": "completed", "model": body["model"], "output": [],
                                              "usage": {"input_tokens": 7, "output_tokens": 5, "total_tokens": 12}})
                self._answer(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                                   "model": body["model"], "usage": upstream.usage,
                                   "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant", "content": "Hello, class."}}]})

            def _answer(self, status: int, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                for name, value in {**SECRET_HEADERS, "Content-Type": "application/json",
                                    "Content-Length": str(len(raw)), "x-request-id": "req_standin"}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, body: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                for name, value in SECRET_HEADERS.items():
                    self.send_header(name, value)
                self.end_headers()
                with_usage = (body.get("stream_options") or {}).get("include_usage")
                for i, word in enumerate(["Hel", "lo", "!"]):
                    if i == 2:
                        upstream.release.wait(10)
                    self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                                 "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
                                 **({"usage": None} if with_usage else {})})
                    if i == 0:
                        upstream.first_sent.set()
                if with_usage:
                    self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                                 "choices": [], "usage": USAGE})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                upstream.last_sent.set()
                upstream.close_stream.wait(10)

            def _event(self, data: dict) -> None:
                self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                self.wfile.flush()

        return Handler


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def class_of(path: Path, *students: Student):
    """A class's store at ``path`` with ``students`` on its roster, closed when the block ends."""
    store = SQLiteStore(path)
    store.add_students(list(students))
    try:
        yield store
    finally:
        store.close()


@contextmanager
def gateway_for(store, teacher_key: str = "sk-teacher"):
    """A running gateway for ``store`` whose one upstream is a fresh stand-in."""
    with StandIn() as up, Gateway.start(store, Upstreams([Upstream(up.name, up.base_url, teacher_key)])) as running:
        yield running
