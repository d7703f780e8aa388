"""A web app served in a background thread on a loopback port: how the sandbox, the bot service,
the local chat platform and its scripted bot all run inside a notebook or a test."""

from __future__ import annotations

import signal
import socket
import threading
import time
from contextlib import contextmanager

from .errors import SandboxError
from .messages import say


class Background:
    """uvicorn serving ``app`` in a daemon thread on ``host:port`` (port 0: any free one); a context manager.

    Each server is a subclass that names its thread and says what failed when it did not start
    (:meth:`not_started`). The constructor returns once the server accepts connections, or raises
    ``not_started()`` when it has not within ``timeout`` seconds; ``port`` is the one it got.

    >>> with Sandbox.start() as box:       # stopped at the end of the block, even on an error  # doctest: +SKIP
    ...     box.port
    54321
    """

    thread_name = "chatkit-server"

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, timeout: float = 10) -> None:
        import uvicorn

        sock = bind(host, port)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, name=self.thread_name,
                                        daemon=True)
        self._thread.start()
        self.app, self.host, self.port = app, host, sock.getsockname()[1]
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise self.not_started()
            time.sleep(0.005)

    def not_started(self) -> Exception:
        """The error to raise when the server did not start: each server says it in its own words."""
        raise NotImplementedError

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or ``timeout`` passes); True if it stopped."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``, or a SandboxError that says the port is taken."""
    # IPPROTO_TCP, not the default 0: asyncio turns Nagle's algorithm off only on sockets that say they are TCP,
    # and with it on, every response waited 40 ms for the client's delayed ACK between its headers and body.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SandboxError(say("sandbox.cannot_listen.what", host=host, port=port, reason=exc.strerror),
                           fix=say("sandbox.cannot_listen.fix")) from None
    sock.listen(64)
    return sock


@contextmanager
def kill_as_ctrl_c():
    """Inside the block, SIGTERM (``kill``) raises KeyboardInterrupt, so a server stops as cleanly as on Ctrl+C."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt
