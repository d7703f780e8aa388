"""A chat window: message bubbles, an input box, replies that stream in, Stop and Clear.

It talks to a client (Chat Completions, streamed, with a :class:`~chatkit.Conversation` as
its memory) or to a :class:`~chatkit.bot.Bot`. As in the playground, each request runs in a
worker thread, so the kernel stays free while the model writes; Stop closes the stream, and
the server stops generating at its next token.
"""

from __future__ import annotations

import contextlib
import html
import time

import ipywidgets as w

from ..bot.bot import RESET_COMMANDS, Refusal
from ..bubbles import _BOX, _STYLES, _div
from ..connect import connect
from ..conversation import CUT, Conversation
from ..errors import ChatkitError
from ..messages import say
from . import calls
from .panel import Panel, classed
from .turn import Turn, estimate

_UNDER = "color:#666;font-size:12px;margin:0 8px 6px"  # the line under a bubble


class ChatWindow(Panel):
    """A chat in the notebook: type, press Enter, watch the reply stream into a bubble.

    **Parameters:** ``client`` (default ``chatkit.connect()``; the window keeps a
    :class:`~chatkit.Conversation`, ``history``), ``model`` (default ``client.default_model``)
    and ``system``, the system prompt, editable in its panel. Or ``bot``, a
    :class:`~chatkit.bot.Bot`: the window calls ``bot.stream(user_id, text)``, and the bot's
    client, model, memory, limits and prompt (shown read-only) are used.

    Stop ends the reply being written (the part shown stays, marked ``[…]``); Clear forgets the
    conversation. Under each reply: its tokens, estimated cost and time (``last_turn``). The
    same from code: ``send(text)``, ``wait()``, ``run(text)``, ``stop()``, ``clear()``, ``messages``.

    >>> chat = ChatWindow(chatkit.connect(), system="Answer in one sentence.")  # doctest: +SKIP
    >>> chat.run("What is a token?")           # send(text), then wait() for the reply  # doctest: +SKIP
    'A token is a piece of a word.'
    >>> chat.last_turn.tokens, chat.messages[0]                                 # doctest: +SKIP
    (31, {'role': 'user', 'content': 'What is a token?'})
    """

    def __init__(self, client=None, *, bot=None, model: str | None = None,
                 system: str = "You are a helpful assistant.", user_id: str = "you") -> None:
        super().__init__()
        if bot is not None and client is not None and client is not bot.client:
            raise ChatkitError(say("widgets.chat.both.what"), fix=say("widgets.chat.both.fix"))
        if bot is not None:
            client, model, system = bot.client, bot.model, bot.instructions
        elif client is None:
            client = connect()
        self.client, self.bot, self.user_id = client, bot, user_id
        self.model = model or calls.default_model(client)
        self.last_turn: Turn | None = None  # the newest finished reply: tokens, cost, seconds
        self._messages: list[dict] = []  # as shown, one per bubble in self._bubbles
        self._bubbles: list[w.HTML] = []
        self._replying, self._stop_run = False, 0
        self._build(system)
        self._history = None if bot is not None else self._new_history()

    def _build(self, system: str) -> None:
        self.system = classed(w.Textarea(system, disabled=self.bot is not None,
                                         layout={"width": "95%", "height": "7em"}), "chatkit-system")
        title = say("widgets.chat.system_bot") if self.bot is not None else say("widgets.chat.system")
        self.system_panel = w.Accordion(children=[self.system], titles=(title,), selected_index=None)
        self.log = classed(w.VBox(layout={"width": "100%", "max_width": "680px"}), "chatkit-chat-log")
        self.input = classed(w.Text(placeholder=say("widgets.chat.placeholder"), layout={"width": "360px"}),
                             "chatkit-chat-input")
        # Enter: ipywidgets 8's Text sends a "submit" message, which the deprecated on_submit
        # listened to. Its advised replacement, continuous_update=False, also fires on blur: a
        # click on Stop or Clear would send a half-typed message. So the box syncs as one types.
        self.input.on_msg(self._on_input_message)
        self.send_button = classed(w.Button(description=say("widgets.chat.send"), button_style="primary",
                                            icon="paper-plane"), "chatkit-send")
        self.stop_button = classed(w.Button(description=say("widgets.chat.stop"), icon="stop", disabled=True),
                                   "chatkit-stop")
        self.clear_button = classed(w.Button(description=say("widgets.chat.clear"), icon="trash"), "chatkit-clear")
        self.send_button.on_click(self._safely(self._submit))
        self.stop_button.on_click(self._safely(self.stop))
        self.clear_button.on_click(self._safely(self.clear))
        bar = w.HBox([self.input, self.send_button, self.stop_button, self.clear_button])
        self.widget = classed(w.VBox([self.system_panel, self.log, bar, self.status, self.errors]), "chatkit-chat")

    def _on_input_message(self, _box, content: dict, _buffers) -> None:
        if content.get("event") == "submit":  # Enter
            self._safely(self._submit)()

    def _submit(self) -> None:
        """What Enter and Send do: send the box's text and empty the box."""
        if self.input.value.strip():
            self.send(self.input.value)
            self.input.value = ""

    # --- what a notebook calls ---------------------------------------------------------

    @property
    def messages(self) -> list[dict]:
        """The messages as shown, oldest first: ``{"role": "user" | "assistant", "content": …}``."""
        with self._lock:
            return [dict(m) for m in self._messages]

    @property
    def history(self) -> Conversation:
        """What the next request carries: the window's Conversation, or the bot's for ``user_id``."""
        return self.bot.conversation(self.user_id) if self.bot is not None else self._history

    def _new_history(self) -> Conversation:
        return Conversation(self.client, instructions=self.system.value, model=self.model)

    def send(self, text: str) -> None:
        """Send ``text`` as the user; the reply streams into the window (``wait()`` for it)."""
        if not text.strip():
            raise ChatkitError(say("widgets.chat.empty.what"), fix=say("widgets.chat.empty.fix"))
        with self._lock:
            if self._replying:
                raise ChatkitError(say("widgets.chat.busy.what"), fix=say("widgets.chat.busy.fix"))
            run_id = self._next_run()
            if self._history is not None:
                self._history.instructions = self.system.value  # edits apply from the next message
            self._add("user", text)
            self._add("assistant", "")
            self._busy(True)
            self._say("writing…")
            history = self._history  # the one this message joins, even if Clear replaces it meanwhile
        self._launch(run_id, lambda rid: self._reply(rid, text, history))

    def run(self, text: str, timeout: float | None = None) -> str:
        """Send ``text``, wait for the reply and return it as shown; raise if the request failed."""
        self.send(text)
        self.wait(timeout)
        self._raise_error()
        return self.messages[-1]["content"]

    def stop(self) -> None:
        """Stop the reply being written: the stream is closed at the next piece (``wait()`` for it)."""
        with self._lock:
            if self._replying:
                self._stop_run = self._run_id
                self.stop_button.disabled = True
                self._say("stopping…")

    def clear(self) -> None:
        """Forget the conversation: empty the window and start a new history (``bot.reset`` with a bot)."""
        with self._lock:
            run_id = self._next_run()  # a reply still streaming becomes stale and closes its stream
            self._busy(False)
            self._messages, self._bubbles, self.last_turn = [], [], None
            self.log.children = ()
            if self._history is not None:
                self._history = self._new_history()
            self._say(html.escape(say("widgets.chat.cleared")))
        if self.bot is not None:  # after the old stream: it holds the user's lock until it closes
            self._launch(run_id, lambda rid: self.bot.reset(self.user_id))

    # --- the worker ----------------------------------------------------------------------

    def _launch(self, run_id: int, job) -> None:
        previous = self._thread

        def in_order(rid: int) -> None:
            if previous is not None:
                previous.join()  # one request at a time: a stale reply closes its stream first
            job(rid)

        super()._launch(run_id, in_order)

    def _halted(self, run_id: int) -> bool:
        return not self.current(run_id) or self._stop_run == run_id

    def _reply(self, run_id: int, text: str, history: Conversation | None) -> None:
        turn, start = Turn(self.model), time.perf_counter()
        try:
            if self.bot is None:
                self._show_stream(run_id, turn, history.stream(text))
                self._count(run_id, turn, history)
            else:
                self._ask_bot(run_id, text, turn)
        except Exception:
            with self._lock:
                if self.current(run_id):
                    self._unanswered(text)
            raise  # the Panel shows it: explain(exc).line() in the status
        turn.seconds = time.perf_counter() - start
        with self._lock:
            if self.current(run_id):
                self._finish(turn)

    def _ask_bot(self, run_id: int, text: str, turn: Turn) -> None:
        refused = self._show_stream(run_id, turn, self.bot.stream(self.user_id, text))
        if refused or text.strip().lower() in RESET_COMMANDS:
            turn.input_tokens = turn.output_tokens = 0  # answered without a model call
        else:
            self._count(run_id, turn, self.bot.conversation(self.user_id))

    def _show_stream(self, run_id: int, turn: Turn, pieces) -> bool:
        """Show the pieces until the stream ends or Stop or Clear closes it; True if a Refusal came."""
        refused = False
        with contextlib.closing(pieces):
            for piece in pieces:
                refused = refused or isinstance(piece, Refusal)
                self._write(run_id, turn, str(piece))  # shown before the check: the conversation keeps what came
                if self._halted(run_id):
                    turn.stopped = True
                    break  # closing the stream stops the model; the conversation keeps the part with CUT
        return refused

    def _count(self, run_id: int, turn: Turn, conv: Conversation) -> None:
        """The turn's tokens as the server reported them, or counted by chatkit when it did not (stopped)."""
        reply = conv.last_reply
        if reply is not None and reply.input_tokens is not None:
            turn.input_tokens, turn.output_tokens = reply.input_tokens, reply.output_tokens
        elif self.current(run_id):
            estimate(turn, conv, conv.messages[:-1])  # what was sent: the history before this answer

    # --- the screen ----------------------------------------------------------------------

    def _add(self, role: str, text: str) -> None:
        self._messages.append({"role": role, "content": text})
        self._bubbles.append(classed(w.HTML(layout={"width": "100%"}), f"chatkit-bubble-{role}"))
        self._show(-1)
        self.log.children = tuple(self._bubbles)

    def _show(self, index: int, note: str = "") -> None:
        message = self._messages[index]
        self._bubbles[index].value = _bubble(message["role"], message["content"], note)

    def _write(self, run_id: int, turn: Turn, piece: str) -> None:
        with self._lock:
            if self.current(run_id):  # a cleared reply's late text never reaches the screen
                turn.text += piece
                self._messages[-1]["content"] = turn.text
                self._show(-1)

    def _busy(self, replying: bool) -> None:
        self._replying = replying
        self.stop_button.disabled = not replying

    def _finish(self, turn: Turn) -> None:
        self._busy(False)
        self.last_turn = turn
        self._messages[-1]["content"] = _shown(turn)
        self._show(-1, note=str(turn))
        self._say(html.escape(say("widgets.chat.stopped")) if turn.stopped else "")

    def _unanswered(self, text: str) -> None:
        """After an error the question stays, marked, and goes back into the box: Enter retries."""
        self._busy(False)
        self._show(-2, note=say("widgets.chat.unanswered"))
        if not self._messages[-1]["content"]:
            del self._messages[-1], self._bubbles[-1]
            self.log.children = tuple(self._bubbles)
        if not self.input.value:
            self.input.value = text


def _shown(turn: Turn) -> str:
    return turn.text.rstrip() + CUT if turn.stopped else turn.text


def _bubble(role: str, text: str, note: str = "") -> str:
    """One message as a bubble (escaped), with a small line under it."""
    align = "right" if role == "user" else "left"
    under = f"<div class='chatkit-turn' style='{_UNDER};text-align:{align}'>{html.escape(note)}</div>" if note else ""
    return (f"<div style='{_BOX};line-height:1.4;display:flex;flex-direction:column'>"
            f"{_div(_STYLES[role], text or '…')}{under}</div>")
