"""A multi-turn conversation that remembers, counts its tokens and stays inside a budget.

The API does not remember anything between calls: each request must carry the
conversation. :class:`Conversation` keeps it for you, and shows what it sends.

>>> conv = Conversation(chatkit.connect(), instructions="Answer in one sentence.")  # doctest: +SKIP
>>> conv.ask("My name is Ada.")                                               # doctest: +SKIP
>>> conv.ask("What is my name?")                                              # doctest: +SKIP
'Your name is Ada.'
>>> for piece in conv.stream("Spell it."):                                    # doctest: +SKIP
...     print(piece, end="")
A-d-a.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import openai

from . import tokens
from .bubbles import render
from .errors import ChatkitError
from .failures import explain
from .messages import say
from .providers import supports
from .reasoning import greedy

APIS = ("chat", "responses")
STRATEGIES = ("drop_oldest", "summarize")
FORMAT = "chatkit.conversation/1"
DOCS = "notebooks/05-manage-conversation-context.ipynb"
SUMMARY_PREFIX = "Summary of the earlier conversation: "
# Short on purpose: the sandbox's tiny model keeps names and facts with this prompt and
# loses them with longer ones. Larger models summarize well with it too.
SUMMARIZE = "Write a short summary:\n"
# Ends an answer whose stream was stopped early: the model sees it was cut off, and "go on" works.
CUT = " […]"
# Why a Responses answer is incomplete, in the words of Chat Completions' finish_reason.
_INCOMPLETE = {"max_output_tokens": "length"}


@dataclass
class Trim:
    """What the budget removed before one request, in tokens and messages."""

    strategy: str
    budget: int
    tokens_before: int
    tokens_after: int
    removed: list[dict] = field(default_factory=list)
    summary: str | None = None

    def __str__(self) -> str:
        what = say("conversation.trim.summarized" if self.summary is not None else "conversation.trim.dropped",
                   count=len(self.removed))
        return say("conversation.trim", budget=self.budget, what=what, before=self.tokens_before,
                   after=self.tokens_after)


@dataclass(frozen=True)
class Reply:
    """The newest answer: its text, why it ended and the tokens the server reported.

    ``finish_reason`` uses Chat Completions' words ("stop", "length"…), for either API. The
    token counts are None when the server reported none, as for a stream stopped early.
    """

    text: str
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None  # of the output tokens, those a reasoning model thought


class Conversation:
    """A chat with memory: instructions, the turns so far, and ``ask()`` or ``stream()`` for the next one.

    **Parameters:**

    - ``client``: from ``chatkit.connect()``. ``model`` defaults to ``client.default_model``.
    - ``instructions``: the system message. It is sent with every request and never trimmed.
    - ``api="chat"``: Chat Completions. Every request sends the whole history. You pay for
      all of it each turn, but you see and control exactly what the model gets, and it
      works on every OpenAI-compatible server.
    - ``api="responses"``: the Responses API. Each request sends only the new message and
      ``previous_response_id``; the server keeps the history. Requests are small, but the
      server still bills the whole history as input, it must store the responses
      (``store=True``), and you cannot edit what it remembers: after a trim the next
      request sends the trimmed history and starts a new chain. On a provider whose
      Responses API keeps nothing (DeepSeek, Ollama: ``supports(client, "stored_responses")``
      is False), every request sends the whole history instead, as with ``"chat"``.
    - ``budget``: the most input tokens a request may cost (counted with
      :mod:`chatkit.tokens` before sending). ``None``: no limit, until the model's
      context window is full and the API answers ``context_length_exceeded``.
    - ``strategy``: ``"drop_oldest"`` forgets the oldest turns; ``"summarize"`` asks the
      model to summarize them into one message, which keeps facts but costs a call.
    - ``encoding``: the tokenizer for counting, when the model is not one chatkit knows.
    - ``max_output_tokens`` and other options (``temperature``…) go to every request.

    After each ``ask()`` or ``stream()``, ``last_trim`` says what the budget removed (or is
    ``None``), ``last_reply`` is the answer with its tokens (a :class:`Reply`), and
    ``input_tokens`` lists the input tokens billed per request.

    >>> conv = Conversation(client, budget=1000, strategy="summarize")     # doctest: +SKIP
    """

    def __init__(self, client, *, instructions: str | None = None, model: str | None = None,
                 api: str = "chat", budget: int | None = None, strategy: str = "drop_oldest",
                 encoding=None, max_output_tokens: int | None = None, **options) -> None:
        _check_choice("api", api, APIS)
        _check_choice("strategy", strategy, STRATEGIES)
        self.client, self.api, self.budget, self.strategy = client, api, budget, strategy
        self.model = model or getattr(client, "default_model", None)
        if not self.model:
            raise ChatkitError(say("conversation.no_model.what"), fix=say("conversation.no_model.fix"), docs=DOCS)
        self.instructions, self.encoding = instructions, encoding
        self.max_output_tokens, self.options = max_output_tokens, options
        self.turns: list[dict] = []
        self.summary: str | None = None
        self.previous_response_id: str | None = None
        # Chain requests with previous_response_id only where the server keeps responses (or nobody knows).
        self._chained = api == "responses" and supports(client, "stored_responses") is not False
        self.last_trim: Trim | None = None
        self.last_reply: Reply | None = None
        self.trims: list[Trim] = []
        self.input_tokens: list[int] = []

    # --- what is sent ---------------------------------------------------------------

    @property
    def messages(self) -> list[dict]:
        """The messages the next request will carry: instructions, summary, turns."""
        head = [{"role": "system", "content": self.instructions}] if self.instructions else []
        if self.summary is not None:
            head.append({"role": "system", "content": SUMMARY_PREFIX + self.summary})
        return head + [dict(m) for m in self.turns]

    def count(self, messages: list[dict] | None = None) -> int:
        """Input tokens for ``messages`` (default: the conversation as it stands).

        Exact for the sandbox and for Chat Completions on OpenAI; for the Responses API on
        OpenAI the same formula is a close estimate.
        """
        messages = self.messages if messages is None else messages
        if self.encoding is not None:
            return tokens.count_messages(messages, encoding=self.encoding)
        return tokens.count_messages(messages, self.model)

    # --- a turn ---------------------------------------------------------------------

    def ask(self, text: str) -> str:
        """Send ``text`` with the conversation so far; append the reply and return it.

        With a ``budget``, the oldest turns are trimmed first (see ``last_trim``). If the
        request fails, ``text`` is taken back, so you can retry or change something.

        >>> conv.ask("What is the name of my cat?")                    # doctest: +SKIP
        'Your cat is called Pixel.'
        """
        self.turns.append({"role": "user", "content": text})
        try:
            self.fit()
            reply = self._send_chat() if self.api == "chat" else self._send_responses()
        except Exception as exc:
            self.turns.pop()
            _explain(exc)
            raise
        self._record(reply)
        return reply.text

    def stream(self, text: str) -> Iterator[str]:
        """Like :meth:`ask`, but yield the reply in pieces as the model writes them.

        Nothing is sent until the first piece is asked for. When the stream ends, the turn
        joins the conversation as ``ask()`` adds it (and ``last_reply``, ``input_tokens``).
        Closed early (``close()``, or a ``break`` that drops it): the connection closes, the
        model stops, and the part received is kept, ending with ``CUT`` ("[…]"), so the model
        sees it was cut off. If the request fails, even half-way, ``text`` is taken back and
        no part of the reply is kept, as ``ask()`` does.

        >>> for piece in conv.stream("Tell me a short story."):        # doctest: +SKIP
        ...     print(piece, end="")
        Once upon a time, a cat named Pixel...
        """
        self.turns.append({"role": "user", "content": text})
        parts: list[str] = []  # what was yielded so far
        try:
            self.fit()
            reply = yield from (self._stream_chat(parts) if self.api == "chat" else self._stream_responses(parts))
        except GeneratorExit:  # raised only at a yield: the reader stopped it
            self.previous_response_id = None  # the server's copy lacks the CUT: start a new chain
            self._record(Reply("".join(parts).rstrip() + CUT))
            raise
        except Exception as exc:
            self.turns.pop()
            _explain(exc)
            raise
        self._record(reply)

    def fit(self) -> Trim | None:
        """Trim the history to the budget now, as ``ask`` does before sending (see ``last_trim``).

        For code that sends ``conv.messages`` itself.
        """
        self.last_trim = self._fit() if self.budget is not None else None
        return self.last_trim

    def _record(self, reply: Reply) -> None:
        self.turns.append({"role": "assistant", "content": reply.text})
        self.last_reply = reply
        if reply.input_tokens is not None:
            self.input_tokens.append(reply.input_tokens)

    def _limit(self, key: str) -> dict:
        return {key: self.max_output_tokens} if self.max_output_tokens else {}

    def _chat_request(self) -> dict:
        return {"model": self.model, "messages": self.messages, **self._limit("max_completion_tokens"), **self.options}

    def _responses_request(self) -> dict:
        history = self.messages[1:] if self.instructions else self.messages
        if self.previous_response_id and self._chained:
            history = history[-1:]  # the server remembers the rest
        chain = {"previous_response_id": self.previous_response_id, "store": True} if self._chained else {}
        return {"model": self.model, "instructions": self.instructions, "input": history, **chain,
                **self._limit("max_output_tokens"), **self.options}

    def _send_chat(self) -> Reply:
        done = self.client.chat.completions.create(**self._chat_request())
        choice = done.choices[0]
        return _chat_reply(choice.message.content or "", choice.finish_reason, done.usage)

    def _send_responses(self) -> Reply:
        done = self.client.responses.create(**self._responses_request())
        self.previous_response_id = done.id if self._chained else None
        return _responses_reply(done.output_text, done)

    def _stream_chat(self, parts: list[str]) -> Generator[str, None, Reply]:
        finish, usage = None, None
        with self.client.chat.completions.create(**self._chat_request(), stream=True,
                                                 stream_options={"include_usage": True}) as chunks:
            for chunk in chunks:
                usage = chunk.usage or usage  # in a last chunk without choices
                if chunk.choices:
                    finish = chunk.choices[0].finish_reason or finish
                    if chunk.choices[0].delta.content:
                        parts.append(chunk.choices[0].delta.content)
                        yield parts[-1]
        return _chat_reply("".join(parts), finish, usage)

    def _stream_responses(self, parts: list[str]) -> Generator[str, None, Reply]:
        done = None
        with self.client.responses.create(**self._responses_request(), stream=True) as events:
            for event in events:
                if event.type == "response.output_text.delta":
                    parts.append(event.delta)
                    yield event.delta
                elif event.type in ("response.completed", "response.incomplete"):
                    done = event.response
                elif event.type in ("response.failed", "error"):
                    failed = getattr(event, "response", None)
                    message = failed.error.message if failed is not None and failed.error else event.message
                    raise openai.APIError(message, events.response.request, body=None)
        self.previous_response_id = done.id if done is not None and self._chained else None  # no id: no chain
        return _responses_reply("".join(parts), done)

    # --- the budget -----------------------------------------------------------------

    def _fit(self) -> Trim | None:
        """Trim the oldest turns until the request fits the budget; None if it already did."""
        before = self.count()
        if before <= self.budget:
            return None
        floor = self.count(self.messages[:1] * bool(self.instructions) + self.turns[-1:])
        if floor > self.budget:
            raise ChatkitError(say("conversation.over_budget.what", tokens=floor, budget=self.budget),
                               fix=say("conversation.over_budget.fix"), docs=DOCS)
        removed = []
        while len(self.turns) > 1 and self._over(reserve=self._summary_room(removed)):
            removed.append(self.turns.pop(0))
        while len(self.turns) > 1 and self.turns[0]["role"] == "assistant":
            removed.append(self.turns.pop(0))  # start the history with a user message
        if self.strategy == "summarize" and removed:
            try:
                self._summarize(removed)
            except Exception:
                self.turns[:0] = removed  # nothing is lost when the summary call fails
                raise
        while self.summary and self._over():
            self.summary = _shorter(self.summary) or None  # a summary longer than promised
        self.previous_response_id = None  # the server's copy still holds what was trimmed
        trim = Trim(self.strategy, self.budget, before, self.count(), removed,
                    self.summary if self.strategy == "summarize" else None)
        self.trims.append(trim)
        return trim

    def _over(self, reserve: int = 0) -> bool:
        return self.count() + reserve > self.budget

    def _summary_room(self, removed: list[dict]) -> int:
        """Tokens to keep free for the summary that will replace what is removed."""
        if self.strategy != "summarize" or (not removed and self.summary is None):
            return 0
        return self._summary_tokens() + 20

    def _summary_tokens(self) -> int:
        return max(30, min(120, self.budget // 4))

    def _summarize(self, removed: list[dict]) -> None:
        """Replace the removed turns (and any older summary) by one summary the model writes."""
        lines = [f"Earlier summary: {self.summary}"] if self.summary else []
        lines += [f"{m['role'].capitalize()}: {m['content']}" for m in removed]
        done = self.client.chat.completions.create(
            model=self.model, **greedy(self.model), max_completion_tokens=self._summary_tokens(),
            messages=[{"role": "user", "content": SUMMARIZE + "\n".join(lines)}])
        self.summary = (done.choices[0].message.content or "").strip()

    # --- save, load, show ------------------------------------------------------------

    def to_dict(self) -> dict:
        """Everything but the client, as plain JSON-ready data."""
        return {"format": FORMAT, "model": self.model, "api": self.api, "instructions": self.instructions,
                "budget": self.budget, "strategy": self.strategy, "max_output_tokens": self.max_output_tokens,
                "options": self.options, "summary": self.summary, "turns": self.turns,
                "encoding": self.encoding if isinstance(self.encoding, str) else None,
                "previous_response_id": self.previous_response_id, "input_tokens": self.input_tokens,
                "trims": [asdict(t) for t in self.trims]}

    def save(self, path: str | Path) -> Path:
        """Write the conversation to a JSON file; :meth:`load` reads it back."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, client) -> Conversation:
        """A conversation saved with :meth:`save`, continuing with ``client``."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ChatkitError(say("conversation.not_saved.what", name=Path(path).name),
                               fix=say("conversation.not_saved.fix"), docs=DOCS)
        conv = cls(client, instructions=data["instructions"], model=data["model"], api=data["api"],
                   budget=data["budget"], strategy=data["strategy"],
                   max_output_tokens=data["max_output_tokens"], encoding=data.get("encoding"), **data["options"])
        conv.turns, conv.summary, conv.input_tokens = data["turns"], data["summary"], data["input_tokens"]
        conv.previous_response_id = data["previous_response_id"]
        conv.trims = [Trim(**t) for t in data["trims"]]
        conv.last_trim = None
        return conv

    def __repr__(self) -> str:
        return f"<Conversation {self.model} api={self.api!r}: {len(self.turns)} messages, {self.count()} tokens>"

    def _repr_html_(self) -> str:
        return render(self)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ChatkitError(say("conversation.unknown_choice.what", name=name, value=value),
                           fix=say("conversation.unknown_choice.fix", allowed=", ".join(map(repr, allowed))),
                           docs=DOCS)


def _shorter(text: str) -> str:
    words = text.split()
    return " ".join(words[: max(0, len(words) * 3 // 4)])


def _chat_reply(text: str, finish_reason: str | None, usage) -> Reply:
    if usage is None:
        return Reply(text, finish_reason)
    details = usage.completion_tokens_details
    return Reply(text, finish_reason, usage.prompt_tokens, usage.completion_tokens,
                 details.reasoning_tokens if details else None)


def _responses_reply(text: str, response) -> Reply:
    if response is None:  # a stream that ended without its last event
        return Reply(text)
    reason = response.incomplete_details.reason if response.incomplete_details else None
    finish = "stop" if response.status == "completed" else _INCOMPLETE.get(reason, reason)
    usage = response.usage
    if usage is None:
        return Reply(text, finish)
    details = usage.output_tokens_details
    return Reply(text, finish, usage.input_tokens, usage.output_tokens, details.reasoning_tokens if details else None)


def _explain(exc: Exception) -> None:
    """Add what to do next to an API error (the last line of the traceback the learner sees)."""
    if isinstance(exc, openai.APIError) and hasattr(exc, "add_note"):
        exc.add_note(explain(exc).line())
