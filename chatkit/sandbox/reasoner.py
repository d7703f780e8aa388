"""The sandbox's reasoning model: SmolLM2 that thinks, hidden, before it answers.

Served as ``smollm2-135m-reasoning`` next to the plain model, it behaves on the wire as the
platform's reasoning models do (gpt-6-luna's efforts, in ``chatkit/prices.json``): before the
answer the model really writes reasoning tokens, in the same assistant turn, and the answer
is written after them, reading them. The reasoning is never part of the answer; it counts in
the output tokens and ``reasoning_tokens``, and a token limit too small for both ends with
no answer at all, as on the platform.

Two choices, and why:

- **A fixed number of reasoning tokens per effort** (``THINKING``): a real model thinks as
  long as the question needs, but a 135M model left to itself stops after a line or rambles
  to the limit. Fixed counts make "more effort, more tokens, more cost" visible and repeat.
- **Greedy, as temperature 0**: reasoning models refuse ``temperature``, so the model picks
  its own; the most likely token keeps the tiny model on topic and the stored outputs of
  the notebooks repeatable. The platform's reasoning models sample, and their answers vary.

>>> from chatkit.sandbox.scripted import ScriptedEngine
>>> base = ScriptedEngine(); base.enqueue("17 plus 25 is 42.", "42")
>>> gen = Reasoner(base).generate(base.render([{"role": "user", "content": "17+25?"}]), Sampling(effort="low"))
>>> "".join(p.text for p in gen), gen.reasoning_tokens, gen.tokens
('42', 5, 6)
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

from ..reasoning import default_effort, efforts
from .engine import DEFAULT_MAX_TOKENS, Generation, Piece, Sampling
from .wire import APIError

MODEL_ID = "smollm2-135m-reasoning"
# Hidden tokens written before the answer, per effort (the platform's are hundreds to many thousands).
THINKING = {"none": 0, "low": 32, "medium": 64, "high": 128, "xhigh": 192, "max": 256}
# How the turn reads to the model: its notes, then its answer (a thinking model's <think>…</think>, in words).
OPEN = "Let me think step by step.\n"
CLOSE = "\n\nFinal answer:\n"


class Reasoner:
    """A reasoning model made of a plain engine: ``base`` thinks, hidden, then answers.

    It shares ``base``'s loaded weights, tokenizer and slots: no second copy in memory.
    A real thinking model (thinker.py) changes how the turn reads (``opening``, ``closing``)
    and how each step samples (:meth:`_thinking`, :meth:`_answering`); the steps are these.
    """

    opening, closing = OPEN, CLOSE
    special = False  # whether the markers are the tokenizer's own (Qwen3's <think>), not plain words

    def __init__(self, base, model_id: str = MODEL_ID) -> None:
        self.base, self.model_id = base, model_id
        self.efforts = efforts(MODEL_ID)
        self.default_effort = default_effort(MODEL_ID)
        assert set(self.efforts) == set(THINKING), "prices.json and THINKING must list the same efforts"

    def __getattr__(self, name: str):  # render, tokenize, context_window, vocab_size, slots...: the base's
        return getattr(self.base, name)

    def generate(self, prompt: list[int], sampling: Sampling, cancel: threading.Event | None = None) -> Generation:
        """Think for the effort's tokens (none at ``"none"``), then answer; ``max_tokens`` covers both."""
        effort = sampling.effort or self.default_effort
        if not THINKING[effort]:
            return self.base.generate(prompt, sampling, cancel)
        return Generation(lambda gen: self._run(gen, list(prompt), sampling, THINKING[effort]), cancel)

    def _run(self, gen: Generation, prompt: list[int], s: Sampling, thinking: int) -> Iterator[Piece]:
        limit = s.max_tokens
        notes = prompt + self.base.tokenize(self.opening, special=self.special)
        steps = thinking if limit is None else min(thinking, limit)
        think = self.base.generate(notes, self._thinking(steps), _Linked(gen.cancel))
        said = []
        for piece in think:
            said.append(piece.text)
            yield Piece("", reasoning=piece.text)
            if gen.cancel.is_set():
                think.cancel.set()
        gen.reasoning_text, gen.reasoning_tokens = "".join(said), think.tokens
        gen.tokens = think.tokens
        if think.finish_reason == "cancelled" or gen.cancel.is_set():
            gen.finish_reason = "cancelled"
            return
        if limit is not None and think.tokens >= limit:  # no room left for an answer: the classic pitfall
            gen.finish_reason = "length"
            return
        rest = DEFAULT_MAX_TOKENS if limit is None else limit - think.tokens
        answer_prompt = (notes + self.base.tokenize(gen.reasoning_text, special=self.special)
                         + self.base.tokenize(self.closing, special=self.special))
        answer = self.base.generate(answer_prompt, self._answering(s, rest), _Linked(gen.cancel))
        for piece in answer:
            yield piece
            if gen.cancel.is_set():
                answer.cancel.set()
        gen.tokens += answer.tokens
        gen.finish_reason = answer.finish_reason

    def _thinking(self, steps: int) -> Sampling:
        """How the notes are written: greedy, for ``steps`` tokens, the end of the turn ruled out."""
        quiet = dict.fromkeys(getattr(self.base, "end_tokens", ()), -100.0)
        return Sampling(temperature=0.0, max_tokens=steps, logit_bias=quiet or None)

    def _answering(self, s: Sampling, rest: int) -> Sampling:
        """How the answer is written after them: greedy, with the request's other settings."""
        return dataclasses.replace(s, temperature=0.0, top_p=1.0, max_tokens=rest, effort=None)


class _Linked(threading.Event):
    """A step's own stop signal, also set when the whole generation's is.

    Each step (thinking, answering) is a generation of the base engine, which sets its own
    signal when it ends; the answer must not read that as "the reader went away".
    """

    def __init__(self, outer: threading.Event) -> None:
        super().__init__()
        self.outer = outer

    def is_set(self) -> bool:
        return super().is_set() or self.outer.is_set()


def summary(text: str, kind: str | None) -> list[dict]:
    """The reasoning item's ``summary``: empty unless asked for; else the reasoning's first sentences.

    The platform has a second model write the summary; the sandbox shows the first sentence
    (``"concise"``) or first three (``"auto"``, ``"detailed"``) of what its model thought.

    >>> summary("First, add. Then check. Done. More.", "concise")
    [{'type': 'summary_text', 'text': 'First, add.'}]
    >>> summary("anything", None)
    []
    """
    if not kind or not text.strip():
        return []
    sentences = [s.strip() for s in text.replace("\n", " ").split(". ") if s.strip()]
    keep = sentences[:1 if kind == "concise" else 3]
    joined = ". ".join(keep)
    return [{"type": "summary_text", "text": joined if joined.endswith(".") else joined + "."}]


def reasons(engine) -> bool:
    """Whether ``engine`` is a reasoning model (a :class:`Reasoner`), whose requests take an effort."""
    return getattr(engine, "efforts", None) is not None


def effort_for(engine, effort: str | None, sent: dict, *, param: str) -> str | None:
    """The effort a request runs at, after the platform's checks; else the APIError it answers.

    ``param`` names the effort as the request spells it: ``"reasoning_effort"`` (Chat
    Completions) or ``"reasoning.effort"`` (Responses), whose error bodies differ on the
    platform. ``sent`` holds the request's sampling settings by name, as sent. A model that
    does not reason accepts only ``"none"``; a reasoning model refuses an effort it does not
    list, and the sampling settings at any effort but ``"none"``. The wording is the
    platform's, as quoted in client libraries' issues (checked 2026-12-06).
    """
    if not reasons(engine):  # a plain model: only "none" is what it does anyway
        if effort not in (None, "none"):
            raise APIError(400, f"Unsupported parameter: '{param}' is not supported with this model. "
                           f"{NOT_REASONING}", param=param, code="unsupported_parameter")
        return effort
    allowed = engine.efforts
    if effort is not None and effort not in allowed:
        listed = ", ".join(f"'{e}'" for e in allowed[:-1]) + f", and '{allowed[-1]}'"
        said = (f"'reasoning_effort' does not support '{effort}' with this model" if param == "reasoning_effort"
                else f"'{effort}' is not supported with the '{engine.model_id}' model")
        raise APIError(400, f"Unsupported value: {said}. Supported values are: {listed}.", param=param,
                       code="unsupported_value")
    effort = effort or engine.default_effort
    if effort != "none":
        for name, value in sent.items():
            _refuse_sampling(name, value, chat=param == "reasoning_effort")
    return effort


def _refuse_sampling(name: str, value, *, chat: bool) -> None:
    """The platform's 400 for a sampling setting sent while the model reasons (its default temperature passes)."""
    if value is None or value is False or (name == "temperature" and value == 1):
        return
    if name == "temperature" and chat:
        raise APIError(400, f"Unsupported value: 'temperature' does not support {value} with this model. Only the "
                       "default (1) value is supported.", param="temperature", code="unsupported_value")
    # On the Responses API the platform has been seen to send this one with no code (a GPT-5 model, 2026).
    raise APIError(400, f"Unsupported parameter: '{name}' is not supported with this model.", param=name,
                   code="unsupported_parameter" if chat else None)


NOT_REASONING = (f"This sandbox model does not reason: the only effort it accepts is \"none\". "
                 f"For a reasoning model, use '{MODEL_ID}'.")
