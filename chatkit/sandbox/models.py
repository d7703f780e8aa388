"""Your own local models: GGUF files the sandbox serves next to the built-in SmolLM2.

    python -m chatkit serve --model qwen3-1.7b           # a catalogue model, once pulled
    python -m chatkit serve --model ~/models/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf
    python -m chatkit serve --model qwen=~/models/qwen.gguf --model llama=~/models/llama.gguf

In a notebook, put the same list, comma-separated, in ``CHATKIT_SANDBOX_MODELS`` (the
environment or ``.env``) before ``chatkit.connect()`` starts the sandbox;
``CHATKIT_MODEL`` can then make one of them the client's default model. A catalogue model
named by ``CHATKIT_MODEL`` (or ``CHATKIT_REASONING_MODEL``) is served without being listed:
see :func:`wanted`.

A catalogue model (``python -m chatkit models list``, chatkit/hub/) is served under its
catalogue name, from the file ``python -m chatkit models pull NAME`` verified; a reasoning
one thinks as the platform's reasoning models do (thinker.py). Any other file is served
under its own id: its name in lower case without ``.gguf`` (other
characters than letters, digits and ``.-_:`` become ``-``), or the id given as ``id=path``.
``/v1/models`` lists the built-in model first, then yours; a request's ``model`` picks the
engine, and an id that is not listed gets the platform's 404 ``model_not_found``. Each
engine reads its own file's chat template and tokenizer, and keeps the context window the
model was trained with, up to 4,096 tokens (``engine.MAX_CONTEXT_WINDOW``).

Two choices, and why:

- **Loaded when the sandbox starts**, not at the first request: a wrong file fails at once
  with what to check, and the first answer is not held up by a load of several seconds
  (a client could time out). A loaded model keeps about its file's size in memory until
  the process ends; serve only the models you use.
- **One request at a time for your models**, one model at a time in the whole sandbox:
  requests take turns in the order they arrive (turns.py). Only the built-in model
  answers several at once (CHATKIT_SANDBOX_PARALLEL): each request in flight holds a cache
  for the whole window, 47 MB for SmolLM2 but about 0.5 GB for a 7B model's 4,096 tokens.
  Each engine uses all cores but one (``engine.default_threads``), so two models generating
  at once would fight for the same cores and both crawl. A request for one model waits
  while another model answers.

Nothing is downloaded here: the sandbox serves only files already on disk.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import hub, tokens
from ..errors import SandboxError
from ..messages import say
from .engine import MAX_CONTEXT_WINDOW, LlamaEngine
from .thinker import Thinker

DOCS = "python -m chatkit serve --help"
CATALOGUE_DOCS = "python -m chatkit models list"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_lock = threading.Lock()
_loaded: dict[tuple[str, Path], object] = {}  # (model id, resolved path) -> engine, once per process


@dataclass(frozen=True)
class ModelFile:
    """A GGUF file to serve, and the model id requests name it by; a catalogue model's facts in ``entry``."""

    model_id: str
    path: Path | None  # None: a catalogue model not pulled yet
    entry: hub.Entry | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, spec: str | os.PathLike) -> ModelFile:
        """``"path/to/File.gguf"`` (the id comes from the name), ``"id=path/to/file.gguf"`` or a catalogue name.

        A path with ``=`` in its name and no folder before it is written ``./a=b.gguf``.

        >>> ModelFile.parse("models/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf").model_id
        'qwen2.5-0.5b-instruct-q4_k_m'
        >>> ModelFile.parse("qwen=models/qwen.gguf").model_id
        'qwen'
        """
        text = os.fspath(spec).strip()
        entry = hub.catalogue().get(text)
        if entry is not None:
            return cls(text, hub.pulled(text), entry)
        head, sep, tail = text.partition("=")
        if not sep or "/" in head or "\\" in head:
            return cls(_id_from_name(Path(text).name), Path(text).expanduser())
        if not _ID.fullmatch(head) or not tail.strip():
            raise SandboxError(say("sandbox.bad_spec.what", text=text), fix=say("sandbox.bad_spec.fix"), docs=DOCS)
        return cls(head, Path(tail.strip()).expanduser())

    def check(self) -> ModelFile:
        """Itself, if ``path`` is a readable GGUF file; else a SandboxError that says what to check."""
        if self.path is None:
            raise SandboxError(say("sandbox.not_pulled.what", name=self.model_id),
                               fix=say("sandbox.not_pulled.fix", name=self.model_id), docs=CATALOGUE_DOCS)
        path = self.path.absolute()
        if path.is_dir():
            raise SandboxError(say("sandbox.folder.what", path=path),
                               fix=say("sandbox.folder.fix", inside=path / "NAME.gguf"), docs=DOCS)
        try:
            with open(path, "rb") as f:
                magic = f.read(4)
        except FileNotFoundError:
            raise SandboxError(say("sandbox.no_file.what", path=path, model_id=self.model_id),
                               fix=say("sandbox.no_file.fix", cwd=Path.cwd()), docs=DOCS) from None
        except OSError as exc:
            raise SandboxError(say("sandbox.unreadable.what", path=path, reason=exc.strerror),
                               fix=say("sandbox.unreadable.fix"), docs=DOCS) from None
        if magic != b"GGUF":
            raise SandboxError(say("sandbox.not_gguf.what", path=path), fix=say("sandbox.not_gguf.fix"), docs=DOCS)
        return self

    def load(self):
        """A LlamaEngine for this file (a catalogue reasoning model's, as a Thinker), or a SandboxError."""
        import jinja2

        try:
            engine = LlamaEngine(self.path, model_id=self.model_id, context_window=MAX_CONTEXT_WINDOW)
        except RuntimeError:  # xllamacpp says only "Failed to init server"
            raise SandboxError(say("sandbox.cannot_load.what", path=self.path.absolute()),
                               fix=say("sandbox.cannot_load.fix"), docs=DOCS) from None
        except jinja2.TemplateError as exc:
            raise SandboxError(say("sandbox.bad_template.what", path=self.path.absolute(), error=exc),
                               fix=say("sandbox.bad_template.fix"), docs=DOCS) from None
        entry = self.entry or _pulled_as(self.path)
        if entry is not None and entry.reasoning:
            return Thinker(engine, entry.thinking_switch, self.model_id)
        return engine


def _pulled_as(path: Path) -> hub.Entry | None:
    """The catalogue model whose pulled file ``path`` is: given by its path, a reasoning model still thinks."""
    for entry in hub.catalogue().values():
        pulled = hub.pulled(entry.name)
        if pulled is not None and pulled.resolve() == path.resolve():
            return entry
    return None


def _id_from_name(name: str) -> str:
    """A model id from a file's name: lower case, without ``.gguf``."""
    stem = name[:-5] if name.lower().endswith(".gguf") else name
    return re.sub(r"[^a-z0-9._:-]+", "-", stem.lower()).strip("-") or "model"


def load(spec):
    """The engine for ``spec``: an engine as is; a file checked, then loaded once per process."""
    if hasattr(spec, "generate"):
        return spec
    file = (spec if isinstance(spec, ModelFile) else ModelFile.parse(spec)).check()
    key = (file.model_id, file.path.resolve())
    with _lock:
        if key not in _loaded:
            engine = _loaded[key] = file.load()
            tokens.count_with(file.model_id, lambda: engine)  # chatkit.tokens counts this model with it
        return _loaded[key]


def wanted(listed, chosen) -> list:
    """What the sandbox serves besides its own models: ``listed`` (``--model`` or CHATKIT_SANDBOX_MODELS), then each
    catalogue name in ``chosen`` (the client's default and reasoning models) that none of them serves already.

    The one place that decides: ``chatkit.connect()``'s sandbox and ``python -m chatkit serve`` both ask it.
    Any other ``chosen`` name is left to the requests, which get the platform's 404 if nothing serves it.

    >>> wanted(["qwen=q.gguf"], ["qwen", "smollm2-135m-instruct"])
    ['qwen=q.gguf']
    """
    listed = list(listed)
    served = {s.model_id if hasattr(s, "model_id") else ModelFile.parse(s).model_id for s in listed}
    names = hub.catalogue()
    return listed + [name for name in dict.fromkeys(filter(None, chosen)) if name in names and name not in served]


def serve(default, specs=()) -> Models:
    """The models a sandbox serves: ``default`` first, then each spec's, every file checked before any loads.

    A spec is a path, ``"id=path"``, a :class:`ModelFile`, or an engine (tests use ScriptedEngines).
    """
    parsed = [s if hasattr(s, "generate") else (s if isinstance(s, ModelFile) else ModelFile.parse(s)).check()
              for s in specs]
    _check_unique([default.model_id] + [s.model_id for s in parsed])
    return Models([default, *(load(s) for s in parsed)])


def _check_unique(ids: list[str]) -> None:
    twice = next((i for n, i in enumerate(ids) if i in ids[:n]), None)
    if twice is not None:
        raise SandboxError(say("sandbox.same_id.what", model_id=twice), fix=say("sandbox.same_id.fix", model_id=twice),
                           docs=DOCS)


class Models:
    """The engines one sandbox serves, by model id; the first is the default (``Sandbox.engine``).

    >>> from chatkit.sandbox.scripted import ScriptedEngine
    >>> models = Models([ScriptedEngine()])
    >>> models.ids, models.get("gpt-4o")
    (['scripted-test-model'], None)
    """

    def __init__(self, engines) -> None:
        engines = list(engines)
        _check_unique([e.model_id for e in engines])
        self.default = engines[0]
        self._by_id = {e.model_id: e for e in engines}

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return f"Models({self.ids})"

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def get(self, model_id: str):
        """The engine serving ``model_id``, or None."""
        return self._by_id.get(model_id)

    def engine_for(self, body) -> object:
        """The engine a request body names; else the default, whose own checks refuse a missing or unknown model."""
        model = body.get("model") if isinstance(body, dict) else None
        return self._by_id.get(model, self.default) if isinstance(model, str) else self.default
