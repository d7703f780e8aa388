"""TokenProbabilities: the next-token choices the model weighed, and what temperature does to them.

The API returns, for each token it wrote, the log probabilities of the most likely
alternatives (``logprobs=True, top_logprobs=N``). Temperature T reshapes a
distribution as p_i^(1/T), normalised: below 1 the favourite grows, above 1 the
choices even out, and at 0 only the favourite is left. Computed here, in Python, so the
slider needs no new request.
"""

from __future__ import annotations

import html
import math

import ipywidgets as w

from ..connect import connect
from ..messages import say
from . import calls
from .effort import EffortControl
from .panel import Panel, classed


def reshape(logprobs: list[float], temperature: float) -> list[float]:
    """Probabilities after applying ``temperature`` to these log probabilities (renormalised).

    >>> [round(p, 2) for p in reshape([math.log(0.6), math.log(0.3), math.log(0.1)], 1)]
    [0.6, 0.3, 0.1]
    >>> [round(p, 2) for p in reshape([math.log(0.6), math.log(0.3), math.log(0.1)], 0)]
    [1.0, 0.0, 0.0]
    """
    if not logprobs:
        return []
    if temperature <= 0:  # greedy: all the weight on the most likely token
        best = max(range(len(logprobs)), key=logprobs.__getitem__)
        return [1.0 if i == best else 0.0 for i in range(len(logprobs))]
    scaled = [lp / temperature for lp in logprobs]
    top = max(scaled)
    weights = [math.exp(s - top) for s in scaled]
    total = sum(weights)
    return [x / total for x in weights]


def bars(rows: list[tuple[str, float, float]], temperature: float) -> str:
    """A horizontal bar chart in plain HTML: one row per token, model vs. reshaped probability."""
    heads = ("token", say("widgets.logprobs.model"), say("widgets.logprobs.at", temperature=temperature))
    lines = ["<tr>" + "".join(f"<th style='text-align:left'>{html.escape(head)}</th>" for head in heads) + "</tr>"]
    for token, before, after in rows:
        lines.append(f"<tr class='chatkit-logprob-row'><td><code>{html.escape(show_token(token))}</code></td>"
                     f"<td>{_bar(before, '#afb8c1')}</td><td>{_bar(after, '#0969da')}</td></tr>")
    return f"<table class='chatkit-logprob-chart' style='border-collapse:collapse'>{''.join(lines)}</table>"


def _bar(p: float, color: str) -> str:
    width = max(0.0, min(1.0, p)) * 200
    return (f"<div class='chatkit-logprob-bar' style='display:flex;align-items:center;gap:6px'>"
            f"<div style='width:{width:.1f}px;height:14px;background:{color}'></div>"
            f"<span style='font-size:90%'>{p:.1%}</span></div>")


def show_token(token: str) -> str:
    """A token with its spaces and newlines made visible: ' Paris' → '␣Paris'."""
    return token.replace(" ", "␣").replace("\n", "⏎") or "∅"


class TokenProbabilities(Panel):
    """For each token of a short answer, the alternatives the model weighed, as bars.

    Pick a position to see the top alternatives there; move the temperature slider to
    see how temperature would reshape them (no new request needed). The shares are
    renormalised over the alternatives shown. A reasoning model gives log probabilities only
    at reasoning effort "none" (``effort="none"``, or the menu): at any other effort the
    button is off and a line says why.

    >>> view = TokenProbabilities(prompt="The capital of France is")   # doctest: +SKIP
    >>> view.run().alternatives(0)[:2]                                  # doctest: +SKIP
    [('Paris', 0.81), ('the', 0.05)]
    """

    def __init__(self, client=None, prompt: str = "The capital of France is", *, system: str = "",
                 model: str | None = None, effort: str | None = None, tokens: int = 5, top: int = 10,
                 temperature: float = 1.0) -> None:
        super().__init__()
        if client is None:
            client = connect()
        self.client, self.system, self.model = client, system, model or calls.default_model(client)
        self.tokens_wanted, self.top = tokens, top
        self.entries: list = []  # one logprob entry per token of the answer
        self.prompt = classed(w.Textarea(prompt, description="prompt", layout={"width": "95%"}), "chatkit-prompt")
        self.run_button = classed(w.Button(description=say("widgets.logprobs.run"), button_style="primary"),
                                  "chatkit-run")
        self.position = classed(w.Dropdown(description="token", options=[]), "chatkit-logprobs-position")
        self.temperature = classed(w.FloatSlider(temperature, min=0, max=2, step=0.1, description="temperature"),
                                    "chatkit-logprobs-temperature")
        self.chart = classed(w.HTML(), "chatkit-logprobs-chart")
        self.reasoning = EffortControl(self.model, effort)
        self.effort = self.reasoning.dropdown
        self.effort.observe(self._safely(self._gate), "value")
        self.run_button.on_click(self._safely(self.start))
        self.position.observe(self._safely(self.redraw), "value")
        self.temperature.observe(self._safely(self.redraw), "value")
        self.widget = classed(w.VBox([self.prompt, self.effort, self.reasoning.note, self.run_button,
                                       w.HBox([self.position, self.temperature]), self.chart, self.status,
                                       self.errors]), "chatkit-logprobs")
        self._gate()

    @property
    def tokens(self) -> list[str]:
        """The tokens of the answer, in order."""
        return [entry.token for entry in self.entries]

    def params(self) -> dict:
        """The request: greedy, short, with the top alternatives of every token."""
        return calls.with_limit({"model": self.model, "messages": calls.messages(self.prompt.value, self.system),
                                 **self.reasoning.request(), "temperature": 0, "max_tokens": self.tokens_wanted,
                                 "logprobs": True, "top_logprobs": self.top})

    def _gate(self) -> None:
        """Turn the button off while the model refuses logprobs at the chosen effort; a line says why."""
        self.run_button.disabled = bool(self.reasoning.rule_out({"logprobs": True}))

    def start(self) -> None:
        """Ask for the probabilities in a worker thread; the chart appears when they arrive."""
        self.reasoning.check(self.reasoning.refused({"logprobs": True}))
        with self._lock:
            run_id = self._next_run()
            self._say(say("widgets.logprobs.asking"))
        self._launch(run_id, self._work)

    def _model_name(self) -> str:
        return self.model

    def _work(self, run_id: int) -> None:
        reply = self.client.chat.completions.create(**self.params())
        logprobs = reply.choices[0].logprobs
        with self._lock:
            if not self.current(run_id):
                return
            self.entries = list(logprobs.content if logprobs and logprobs.content else [])
            if not self.entries:
                self._say(html.escape(say("widgets.logprobs.none_sent")), ok=False)
                return
            self.position.options = [(f"{i + 1}: {show_token(t)}", i) for i, t in enumerate(self.tokens)]
            self.position.value = 0
            self.redraw()
            self._say(say("widgets.logprobs.answer", answer=f"<code>{html.escape(''.join(self.tokens))}</code>"))

    def alternatives(self, position: int, temperature: float = 1.0) -> list[tuple[str, float]]:
        """The top alternatives at ``position`` and their probabilities at ``temperature``."""
        top = self.entries[position].top_logprobs
        shares = reshape([alt.logprob for alt in top], temperature)
        return [(alt.token, round(p, 4)) for alt, p in zip(top, shares, strict=True)]

    def redraw(self) -> None:
        """Draw the chart for the chosen token and temperature."""
        if not self.entries or self.position.value is None:
            return
        temperature = self.temperature.value
        model = self.alternatives(self.position.value, 1.0)
        shaped = self.alternatives(self.position.value, temperature)
        rows = [(token, p, q) for (token, p), (_, q) in zip(model, shaped, strict=True)]
        self.chart.value = bars(rows, temperature)
