"""Run the sandbox: in a background thread of this process, or in the foreground."""

from __future__ import annotations

import threading

from .. import tokens
from ..config import chosen_models, sandbox_models, sandbox_parallel
from ..config import data_dir as default_data_dir
from ..errors import SandboxError
from ..keys import mask_key
from ..messages import say
from ..serving import Background
from .engine import MODEL_ID, LlamaEngine
from .reasoner import MODEL_ID as REASONING_ID
from .reasoner import Reasoner

_lock = threading.Lock()
_start_lock = threading.Lock()
_running: Sandbox | None = None
_engine = None


def shared_engine():
    """The one LlamaEngine of this process, loaded on first use."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = LlamaEngine(slots=sandbox_parallel())
        return _engine


# The built-in model and its reasoning twin count their tokens with this engine (chatkit.tokens cannot import it).
for _model in (tokens.SANDBOX, MODEL_ID, REASONING_ID):
    tokens.count_with(_model, shared_engine)


class Sandbox(Background):
    """A running sandbox server on 127.0.0.1; ``with Sandbox.start() as box:`` stops it at the end.

    >>> box = Sandbox.start()            # doctest: +SKIP
    >>> box.base_url                     # doctest: +SKIP
    'http://127.0.0.1:54321/v1'
    >>> box.limits.update(rpm=20)        # the platform's rate limits, imitated: see limits.py  # doctest: +SKIP
    Limits(rpm=20, tpm=None, quota_tokens=None, latency_ms=None)
    >>> Sandbox.start(models=["models/Qwen2.5-0.5B-Instruct.gguf"]).models.ids   # your own models  # doctest: +SKIP
    ['smollm2-135m-instruct', 'smollm2-135m-reasoning', 'qwen2.5-0.5b-instruct']
    """

    thread_name = "chatkit-sandbox"

    def __init__(self, app, store, engine, key: str, host: str, port: int, limits, models) -> None:
        self.store, self.engine, self.limits = store, engine, limits
        self.models = models  # every model served, by id; ``engine`` is the default
        self.key = key  # a key for this process only: never stored, never printed
        super().__init__(app, host, port)
        self.base_url = f"http://{host}:{self.port}/v1"

    def not_started(self) -> SandboxError:
        return SandboxError(say("sandbox.not_started.what"), fix=say("sandbox.not_started.fix"))

    def __repr__(self) -> str:
        return f"<Sandbox {self.base_url} model={','.join(self.models.ids)} key={mask_key(self.key)}>"

    @classmethod
    def start(cls, engine=None, data_dir=None, host: str = "127.0.0.1", port: int = 0, limits=None,
              models=(), apis=None) -> Sandbox:
        """Start serving in a daemon thread and return once it accepts connections.

        ``limits``: a :class:`~chatkit.sandbox.limits.Limits` (rate limits, quota, latency); none by default.
        ``models``: your own GGUF files to serve too, each ``"path"`` or ``"id=path"`` (see models.py);
        they are loaded now, and a wrong file raises a SandboxError that says what to check.
        ``apis``: the APIs to serve, all by default; ``{"chat"}`` plays a provider with Chat Completions
        only, whose /v1/responses answers 404 (see ``app.APIS``).
        """
        # here, not at the top: connect() imports this module, and the web stack should load only
        # when a sandbox starts
        from .app import create_app
        from .limits import Limits
        from .models import serve
        from .store import Store

        engine = engine or shared_engine()
        # The built-in model is served twice: plain, and as a reasoning model (reasoner.py), on one copy of its weights.
        served = serve(engine, ([Reasoner(engine)] if engine.model_id == MODEL_ID else []) + list(models))
        store = Store(default_data_dir(data_dir))
        key, _ = store.create_key("this Python process", persist=False)
        limits = limits or Limits()
        app = create_app(engine, store, limits, models=served, apis=apis)  # before binding: it checks ``apis``
        return cls(app, store, engine, key, host, port, limits, served)


def ensure_running(data_dir=None) -> Sandbox:
    """The sandbox of this process, started on first call (about a second), with CHATKIT_SANDBOX_MODELS too
    (and a pulled catalogue model CHATKIT_MODEL names: models.wanted)."""
    global _running
    from .models import wanted  # here, as in start(): the web stack loads only when a sandbox starts

    with _start_lock:
        if _running is None or not _running.alive:
            _running = Sandbox.start(data_dir=data_dir, models=wanted(sandbox_models(), chosen_models()))
        return _running


def serving(base_url: str) -> Sandbox | None:
    """The sandbox of this process that answers at ``base_url``, if there is one."""
    box = _running
    return box if box is not None and box.alive and box.base_url.rstrip("/") == base_url.rstrip("/") else None
