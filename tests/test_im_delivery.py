"""The local chat platform delivers each customer's messages to the bot in the order they were sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chatkit.im import LocalPlatform
from support import wait_until


@pytest.fixture
def held_bot():
    """A bot webhook that records each callback and holds the one saying "first" until ``release`` is set."""
    events, release = [], threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            text = json.loads(self.rfile.read(int(self.headers["content-length"])))["content"]
            events.append(("arrived", text))
            if text == "first":
                release.wait(10)
            events.append(("answered", text))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", events, release
    release.set()
    server.shutdown()


def test_a_customers_next_message_waits_for_the_one_before_but_not_for_others(held_bot):
    url, events, release = held_bot
    with LocalPlatform.start(bot_webhook=url) as platform:
        alice, bob = list(platform.customers())[:2]
        platform.send(alice, "first")
        wait_until(lambda: ("arrived", "first") in events, "the first callback")
        platform.send(alice, "second")
        platform.send(bob, "other")
        wait_until(lambda: ("answered", "other") in events, "Bob's callback, while Alice's first is held")
        release.set()
        wait_until(lambda: ("answered", "second") in events, "Alice's second callback")
    assert events.index(("answered", "first")) < events.index(("arrived", "second"))
