"""A scripted engine: replies from a queue, for fast tests of the plumbing.

It speaks the same interface as :class:`~chatkit.sandbox.engine.LlamaEngine`, so the
server, keys and errors can be tested in milliseconds. Notebooks never use it.

>>> engine = ScriptedEngine()
>>> engine.enqueue("Hello there!")
>>> "".join(p.text for p in engine.generate(engine.render([{"role": "user", "content": "hi"}]), Sampling()))
'Hello there!'
"""

from __future__ import annotations

import re
import threading

from .engine import Generation, Piece, Sampling
from .structured import example

__all__ = ["ScriptedEngine", "Sampling"]


class ScriptedEngine:
    """Answers with the queued replies in order, one word per token; then with ``default`` (or, asked to follow
    a grammar, with the smallest JSON it allows). A reply queued as a list is sent as those pieces, one token
    each: a real model's stream, say a ``<think>`` tag cut across two chunks.

    ``delay`` (seconds) is waited before each word, as a slow model would: for tests of timing
    (cancelling, restarting mid-batch). Cancelling cuts the wait short.
    """

    model_id = "scripted-test-model"
    context_window = 2048

    def __init__(self, default: str = "OK", delay: float = 0.0) -> None:
        self.default, self.delay = default, delay
        self.queue: list[str] = []
        self.history: list[list[dict]] = []  # the messages of every request, in order
        self.variables: list[dict] = []  # the template variables of every render (a thinking model's switch)
        self.lock = threading.Lock()
        self._last: list[dict] = []

    def enqueue(self, *replies: str | list[str]) -> None:
        self.queue.extend(replies)

    def tokenize(self, text: str, special: bool = False) -> list[int]:
        return [len(word) for word in re.findall(r"\S+\s*", text)]

    def render(self, messages: list[dict], **variables) -> list[int]:
        self._last = messages
        self.variables.append(variables)
        return _Prompt(self.tokenize(" ".join(f"{m['role']}: {m['content']}" for m in messages)), messages)

    def generate(self, prompt: list[int], sampling: Sampling, cancel: threading.Event | None = None) -> Generation:
        # The messages travel with their prompt: requests are prepared in parallel threads.
        self.history.append(getattr(prompt, "messages", self._last))
        # Nothing queued and a grammar to follow: the smallest output it allows, as a model held to it would write.
        reply = self.queue.pop(0) if self.queue else example(sampling.grammar) if sampling.grammar else self.default
        delay = self.delay

        def run(gen: Generation):
            words = reply if isinstance(reply, list) else re.findall(r"\S+\s*", reply)
            limit = sampling.max_tokens or len(words)
            gen.finish_reason = "length" if limit < len(words) else "stop"
            for word in words[:limit]:
                if gen.cancel.wait(delay):  # True at once if cancelled; waits ``delay`` otherwise
                    gen.finish_reason = "cancelled"
                    return
                gen.tokens += 1
                yield Piece(word)

        return Generation(run, cancel)


class _Prompt(list):
    """Prompt tokens that remember the messages they were rendered from."""

    def __init__(self, tokens: list[int], messages: list[dict]) -> None:
        super().__init__(tokens)
        self.messages = messages
