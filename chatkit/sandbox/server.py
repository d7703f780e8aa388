"""Run the sandbox: in a background thread of this process, or in the foreground."""

from __future__ import annotations

import threading

from ..errors import SandboxError
from ..messages import say
from ..serving import Background

_lock = threading.Lock()
_start_lock = threading.Lock()
_running: "Sandbox | None" = None
_engine = None


def shared_engine():
    """The one LlamaEngine of this process, loaded on first use."""
    global _engine
    with _lock:
        if _engine is None:
            from .engine import LlamaEngine

            _engine = LlamaEngine()
        return _engine


class Sandbox:
    """A running sandbox server on 127.0.0.1.

    >>> box = Sandbox.start()            # doctest: +SKIP
    >>> box.base_url                     # doctest: +SKIP
    'http://127.0.0.1:54321/v1'
    >>> box.limits.update(rpm=20)        # the platform's rate limits, imitated: see limits.py  # doctest: +SKIP
    Limits(rpm=20, tpm=None, quota_tokens=None, latency_ms=None)
    >>> Sandbox.start(models=["models/Qwen2.5-0.5B-Instruct.gguf"]).models.ids   # your own models  # doctest: +SKIP
    ['smollm2-135m-instruct', 'smollm2-135m-reasoning', 'qwen2.5-0.5b-instruct']
    """

    def __init__(self, serving: Background, store, engine, key: str, host: str, limits=None, models=None) -> None:
        from .models import Models

        self._serving, self.port = serving, serving.port
        self.store, self.engine, self.host, self.limits = store, engine, host, limits
        self.models = models or Models([engine])  # every model served, by id; ``engine`` is the default
        self.key = key  # a key for this process only: never stored, never printed
        self.base_url = f"http://{host}:{self.port}/v1"

    def __repr__(self) -> str:
        from ..keys import mask_key

        return f"<Sandbox {self.base_url} model={','.join(self.models.ids)} key={mask_key(self.key)}>"

    @classmethod
    def start(cls, engine=None, data_dir=None, host: str = "127.0.0.1", port: int = 0, limits=None,
              models=(), apis=None) -> "Sandbox":
        """Start serving in a daemon thread and return once it accepts connections.

        ``limits``: a :class:`~chatkit.sandbox.limits.Limits` (rate limits, quota, latency); none by default.
        ``models``: your own GGUF files to serve too, each ``"path"`` or ``"id=path"`` (see models.py);
        they are loaded now, and a wrong file raises a SandboxError that says what to check.
        ``apis``: the APIs to serve, all by default; ``{"chat"}`` plays a provider with Chat Completions
        only, whose /v1/responses answers 404 (see ``app.APIS``).
        """
        from ..config import data_dir as default_data_dir
        from .app import create_app
        from .limits import Limits
        from .models import serve
        from .store import Store

        from .engine import MODEL_ID
        from .reasoner import Reasoner

        engine = engine or shared_engine()
        # The built-in model is served twice: plain, and as a reasoning model (reasoner.py), on one copy of its weights.
        served = serve(engine, ([Reasoner(engine)] if engine.model_id == MODEL_ID else []) + list(models))
        store = Store(default_data_dir(data_dir))
        key, _ = store.create_key("this Python process", persist=False)
        limits = limits or Limits()
        app = create_app(engine, store, limits, models=served, apis=apis)  # before binding: it checks ``apis``
        serving = Background(app, host, port, "chatkit-sandbox",
                             lambda: SandboxError(say("sandbox.not_started.what"), fix=say("sandbox.not_started.fix")))
        return cls(serving, store, engine, key, host, limits, served)

    @property
    def alive(self) -> bool:
        return self._serving.alive

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or ``timeout`` passes); True if it stopped."""
        return self._serving.wait(timeout)

    def stop(self) -> None:
        self._serving.stop()


def ensure_running(data_dir=None) -> Sandbox:
    """The sandbox of this process, started on first call (about a second), with CHATKIT_SANDBOX_MODELS too."""
    global _running
    with _start_lock:
        if _running is None or not _running.alive:
            from ..config import sandbox_models

            _running = Sandbox.start(data_dir=data_dir, models=sandbox_models())
        return _running


def serving(base_url: str) -> "Sandbox | None":
    """The sandbox of this process that answers at ``base_url``, if there is one."""
    box = _running
    return box if box is not None and box.alive and box.base_url.rstrip("/") == base_url.rstrip("/") else None
