"""A real reasoning model (Qwen3) served as the platform's reasoning models are.

Qwen3 writes its reasoning in the reply itself, ``<think>\\n…\\n</think>\\n\\n`` and then the
answer. The sandbox turns that into the reasoning API it imitates (reasoner.py): the text
inside the block is reasoning, counted in ``reasoning_tokens`` and summarised in the reasoning
item, never part of the answer, streaming included (a tag cut across two chunks is held back
until it is whole). A limit that runs out inside the block ends with no answer at all.

Effort, mapped onto the model's own switch, the chat template's ``enable_thinking`` (the
catalogue's ``thinking_switch``; Qwen's documentation: "Passing enable_thinking=False to
tokenizer.apply_chat_template will strictly prevent the model from generating thinking
content", https://github.com/QwenLM/Qwen3/blob/main/README.md, checked 2026-12-06):

- ``"none"``, ``"minimal"``: thinking off. The template then writes an empty block where the
  answer starts, and the model answers at once.
- ``"low"`` to ``"max"``: thinking on, all alike: Qwen3 has no budget, so it thinks as long as
  it judges the question needs. A model with no switch refuses ``"none"`` and ``"minimal"``
  with the platform's 400, as a model that lists no such effort does.

While it thinks, it samples as Qwen recommends for thinking mode (temperature 0.6, top-p 0.95;
greedy decoding makes it repeat itself endlessly), since a reasoning request may not set them.
A grammar (structured outputs, tool calls) would forbid the ``<think>`` block, so such a
request thinks first and then answers under the grammar, the two steps the built-in
reasoning model takes (reasoner.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

from ..reasoning import OFF, default_effort, thinking_efforts
from .engine import DEFAULT_MAX_TOKENS, Generation, Piece, Sampling
from .reasoner import Reasoner, _Linked

OPEN, CLOSE = "<think>", "</think>"
# Qwen3's thinking mode: llama.cpp's `--temp 0.6 --top-p 0.95` in https://github.com/QwenLM/Qwen3/blob/main/README.md
# (checked 2026-12-06; its top-k 20 and min-p 0 the sandbox does not set).
SAMPLING = {"temperature": 0.6, "top_p": 0.95}


class Thinker(Reasoner):
    """A thinking model's engine (``base``) as a reasoning model; ``switch`` is its template's variable, or None.

    >>> from chatkit.sandbox.scripted import ScriptedEngine
    >>> base = ScriptedEngine(); base.enqueue(["<thi", "nk>\\nAdd them.\\n</th", "ink>\\n\\n", "42"])
    >>> gen = Thinker(base, "enable_thinking", "qwen3").generate([1], Sampling(effort="low"))
    >>> "".join(p.text for p in gen), gen.reasoning_text, gen.reasoning_tokens, gen.tokens
    ('42', 'Add them.', 3, 4)
    """

    opening, closing = OPEN + "\n", CLOSE + "\n\n"  # the notes end with their own line break
    special = True

    def __init__(self, base, switch: str | None, model_id: str) -> None:
        self.base, self.model_id, self.thinking_switch = base, model_id, switch
        self.efforts = thinking_efforts(switch)
        self.default_effort = default_effort(model_id) or "medium"  # as chatkit.reasoning has it for a catalogue name

    def generate(self, prompt: list[int], sampling: Sampling, cancel: threading.Event | None = None) -> Generation:
        """Answer, the thinking split off; ``sampling.effort`` None (legacy completions): the text as written."""
        if sampling.effort is None:
            return self.base.generate(prompt, sampling, cancel)
        if sampling.effort in OFF:
            return Generation(lambda gen: self._split(gen, prompt, sampling), cancel)
        if sampling.grammar:
            return Generation(lambda gen: self._run(gen, list(prompt), sampling, DEFAULT_MAX_TOKENS), cancel)
        return Generation(lambda gen: self._split(gen, prompt, dataclasses.replace(sampling, **SAMPLING)), cancel)

    def _split(self, gen: Generation, prompt: list[int], s: Sampling) -> Iterator[Piece]:
        """One generation, read as it comes: the block's text is reasoning, the rest the answer."""
        inner = self.base.generate(prompt, s, _Linked(gen.cancel))
        split = Split()
        for piece in inner:
            yield from split.feed(piece)
            gen.tokens = inner.tokens
            if split.state != "answer" and split.opened:
                gen.reasoning_tokens = inner.tokens  # the tags and the blank line after them are not the answer
            if gen.cancel.is_set():
                inner.cancel.set()
        yield from split.end()
        gen.tokens, gen.reasoning_text = inner.tokens, split.reasoning.strip()
        gen.finish_reason = "cancelled" if gen.cancel.is_set() else inner.finish_reason

    def _thinking(self, steps: int) -> Sampling:
        return Sampling(**SAMPLING, max_tokens=steps, stop=[CLOSE])

    def _answering(self, s: Sampling, rest: int) -> Sampling:
        return dataclasses.replace(s, **SAMPLING, max_tokens=rest, effort=None)


class Split:
    """A thinking model's reply, piece by piece, split into reasoning and answer.

    ``state``: ``"start"`` (is a ``<think>`` coming?), ``"thinking"``, ``"after"`` (the blank
    line after ``</think>``), ``"answer"``. Text that may be the start of a tag is held back
    until the next piece says whether it is one.
    """

    def __init__(self) -> None:
        self.state, self.opened, self.reasoning = "start", False, ""
        self._held: list[Piece] = []  # pieces at the start, kept whole for their logprobs
        self._tail = ""  # thinking text that may be the start of </think>

    def feed(self, piece: Piece) -> Iterator[Piece]:
        if self.state == "start":
            self._held.append(piece)
            text = "".join(p.text for p in self._held).lstrip()
            if text.startswith(OPEN):
                self.state, self.opened, self._held = "thinking", True, []
                yield from self._think(text[len(OPEN):])
            elif not OPEN.startswith(text):
                self.state, held, self._held = "answer", self._held, []
                yield from held
        elif self.state == "thinking":
            yield from self._think(piece.text)
        elif self.state == "after":
            yield from self._answer(piece.text)
        else:
            yield piece

    def end(self) -> Iterator[Piece]:
        """What is left when the model stops: a part of a tag is reasoning cut short, never the answer."""
        if self.state == "start" and self._held and not "".join(p.text for p in self._held).strip():
            yield from self._held  # only blank text: an answer after all
        elif self.state == "thinking" and self._tail:
            self.reasoning += self._tail
            yield Piece("", reasoning=self._tail)
        self._held, self._tail = [], ""

    def _think(self, text: str) -> Iterator[Piece]:
        text = self._tail + text
        before, found, after = text.partition(CLOSE)
        if found:
            self._tail, self.state = "", "after"
        else:
            keep = next((n for n in range(min(len(CLOSE) - 1, len(text)), 0, -1) if CLOSE.startswith(text[-n:])), 0)
            before, self._tail = text[:len(text) - keep], text[len(text) - keep:]
        if before:
            self.reasoning += before
            yield Piece("", reasoning=before)
        if found:
            yield from self._answer(after)

    def _answer(self, text: str) -> Iterator[Piece]:
        if self.state == "after":
            text = text.lstrip()
            if not text:
                return
            self.state = "answer"
        yield Piece(text)


def switch(engine, effort: str | None) -> dict:
    """The chat-template variables that set a thinking model's thinking for ``effort``; ``{}`` for any other model.

    >>> switch(Thinker(None, "enable_thinking", "qwen3"), "none"), switch(object(), "low")
    ({'enable_thinking': False}, {})
    """
    name = getattr(engine, "thinking_switch", None)
    return {name: effort not in OFF} if name and effort is not None else {}
