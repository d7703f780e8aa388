"""The playground: a prompt, sliders for every sampling parameter, and the answer as it streams."""

from __future__ import annotations

import html

import ipywidgets as w

from ..connect import connect
from ..errors import ChatkitError
from ..messages import say
from . import calls
from .effort import EffortControl
from .panel import Panel, classed

SLIDER = {"continuous_update": False, "style": {"description_width": "130px"}, "layout": {"width": "420px"}}


class Playground(Panel):
    """Try a prompt with live sliders: temperature, top_p, max_tokens, seed, penalties, model, reasoning effort.

    Moving a slider (on release) or pressing Run sends a new request; a request still
    running is superseded: its stream is closed and its late text dropped. Runs at
    temperature 0 or with a seed are repeatable, so a repeat is served from a cache and
    marked "cached". ``pg.requests`` lists the parameters actually sent.

    For a reasoning model a ``reasoning_effort`` menu appears (``pg.effort``); at an effort
    other than "none" the model refuses temperature and top_p, so those sliders are off, a
    line under the menu says why, and the request leaves them out.

    **Parameters:** ``client`` (default ``chatkit.connect()``), ``prompt``, ``system``
    (instructions, optional), ``model``, ``effort`` (default: the model's own), the starting
    values of the sliders, and ``auto_run`` (False: only Run sends a request).

    >>> pg = Playground(prompt="Name a colour.")       # doctest: +SKIP
    >>> pg.temperature.value = 0                        # doctest: +SKIP
    >>> pg.run().text                                   # doctest: +SKIP
    'Blue.'
    """

    def __init__(self, client=None, prompt: str = "Write a haiku about tea.", system: str = "", *,
                 model: str | None = None, effort: str | None = None, temperature: float = 1.0, top_p: float = 1.0,
                 max_tokens: int = 100, seed: int | None = None, presence_penalty: float = 0.0,
                 frequency_penalty: float = 0.0, auto_run: bool = True) -> None:
        super().__init__()
        if client is None:
            client = connect()
        self.client, self.auto_run = client, auto_run
        self.requests: list[dict] = []  # the parameters of every request sent, in order
        self.result: calls.Result | None = None
        self._cache: dict[str, calls.Result] = {}
        self._pieces: list[str] = []
        self._inflight: dict | None = None
        self._following = False  # True while the effort menu follows a new model: no run until it is done
        self._build(prompt, system, model, effort, temperature, top_p, max_tokens, seed, presence_penalty,
                    frequency_penalty)
        self._gate()

    # --- the widget --------------------------------------------------------------------

    def _build(self, prompt, system, model, effort, temperature, top_p, max_tokens, seed, presence, frequency) -> None:
        self.prompt = classed(w.Textarea(prompt, description="prompt", layout={"width": "95%"}), "chatkit-prompt")
        self.system = classed(w.Textarea(system, description="instructions",
                                         placeholder=say("widgets.playground.system"), layout={"width": "95%"}),
                              "chatkit-system")
        models = self._models(model)
        self.model = classed(w.Dropdown(options=models, value=model or models[0], description="model"),
                             "chatkit-model")
        self.reasoning = EffortControl(self.model.value, effort)
        self.effort = self.reasoning.dropdown
        self.temperature = classed(w.FloatSlider(temperature, min=0, max=2, step=0.1, description="temperature",
                                                  **SLIDER), "chatkit-temperature")
        self.top_p = classed(w.FloatSlider(top_p, min=0, max=1, step=0.05, description="top_p", **SLIDER),
                              "chatkit-top-p")
        self.max_tokens = classed(w.IntSlider(max_tokens, min=1, max=512, description="max_tokens", **SLIDER),
                                   "chatkit-max-tokens")
        self.seed = classed(w.Text("" if seed is None else str(seed), description="seed",
                                   placeholder=say("widgets.playground.seed"), continuous_update=False),
                            "chatkit-seed")
        self.presence_penalty = classed(w.FloatSlider(presence, min=-2, max=2, step=0.1,
                                                       description="presence_penalty", **SLIDER),
                                         "chatkit-presence-penalty")
        self.frequency_penalty = classed(w.FloatSlider(frequency, min=-2, max=2, step=0.1,
                                                        description="frequency_penalty", **SLIDER),
                                          "chatkit-frequency-penalty")
        self.run_button = classed(w.Button(description=say("widgets.playground.run"), button_style="primary",
                                           icon="play"), "chatkit-run")
        self.output = classed(w.HTML(_pre("")), "chatkit-output")
        self.model.observe(self._safely(self._follow_model), "value")  # before _on_change: the menu first
        self.effort.observe(self._safely(self._gate), "value")
        for control in self.controls:
            control.observe(self._on_change, "value")
        self.run_button.on_click(self._safely(self.start))
        sliders = w.VBox([self.model, self.effort, self.reasoning.note, self.temperature, self.top_p,
                          self.max_tokens, self.seed, self.presence_penalty, self.frequency_penalty])
        self.widget = classed(w.VBox([self.system, self.prompt, sliders, self.run_button, self.output,
                                       self.status, self.errors]), "chatkit-playground")

    @property
    def controls(self) -> list[w.Widget]:
        """The settings whose change starts a new run (the prompt waits for Run)."""
        return [self.model, self.effort, self.temperature, self.top_p, self.max_tokens, self.seed,
                self.presence_penalty, self.frequency_penalty]

    def _models(self, wanted: str | None) -> list[str]:
        try:
            ids = calls.chat_models(self.client)
        except Exception as exc:  # noqa: BLE001 - the playground still works with the default model
            self._show_error(exc)
            ids = []
        if wanted is None and not ids:
            wanted = calls.default_model(self.client)
        return ids if wanted is None or wanted in ids else [wanted] + ids

    def _model_name(self) -> str:
        return self.model.value

    def _follow_model(self) -> None:
        self._following = True
        try:
            self.reasoning.follow(self.model.value)
        finally:
            self._following = False
        self._gate()

    def _sampling(self) -> dict:
        return {"temperature": round(self.temperature.value, 2), "top_p": round(self.top_p.value, 2)}

    def _gate(self) -> None:
        """Turn off the sliders the model refuses at the chosen effort; the line under the menu says why."""
        off = self.reasoning.rule_out(self._sampling())
        self.temperature.disabled, self.top_p.disabled = "temperature" in off, "top_p" in off

    def _on_change(self, _change) -> None:
        if self.auto_run and not self._following:
            self._safely(self.start)()

    # --- running -----------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The answer shown right now (grows while it streams)."""
        return "".join(self._pieces)

    def params(self) -> dict:
        """The request the current settings make: what Run would send (no setting the model would refuse)."""
        sampling = self._sampling()
        off = self.reasoning.refused(sampling)
        params = {"model": self.model.value, "messages": calls.messages(self.prompt.value, self.system.value),
                  **self.reasoning.request(), **{k: v for k, v in sampling.items() if k not in off},
                  "max_tokens": self.max_tokens.value,
                  "presence_penalty": round(self.presence_penalty.value, 2),
                  "frequency_penalty": round(self.frequency_penalty.value, 2)}
        seed = _parse_seed(self.seed.value)
        return calls.with_limit(params if seed is None else {**params, "seed": seed})

    def start(self) -> None:
        """Send the current settings without waiting (what Run and the sliders do)."""
        params = self.params()
        with self._lock:
            if self.running and params == self._inflight:
                return  # already on its way
            run_id = self._next_run()
            self._pieces, self._inflight, self.result = [], None, None
            self.output.value = _pre("")
            key = calls.cache_key(params)
            if key in self._cache:
                self._finish(run_id, self._cache[key], cached=True)
                return
            self._inflight = params
            self.requests.append(params)
            self._say(html.escape(say("widgets.playground.running", settings=calls.describe(params))))
        self._launch(run_id, lambda rid: self._work(rid, params, key))

    def run(self, timeout: float | None = None) -> calls.Result | None:
        """Send the current settings and wait for the whole answer; raise if it failed.

        Returns the :class:`~chatkit.widgets.calls.Result` (None if ``timeout`` passed first).
        """
        super().run(timeout)
        return self.result

    def _work(self, run_id: int, params: dict, key: str | None) -> None:
        result = calls.stream_chat(self.client, params, lambda piece: self._append(run_id, piece),
                                   stale=lambda: not self.current(run_id))
        if result is None:
            return
        result.cost = calls.estimate_cost(params["model"], result)
        with self._lock:
            if self.current(run_id):
                if key is not None:
                    self._cache[key] = result
                self._finish(run_id, result, cached=False)

    def _append(self, run_id: int, piece: str) -> None:
        with self._lock:
            if self.current(run_id):  # a superseded run's late text never reaches the screen
                self._pieces.append(piece)
                self.output.value = _pre(self.text)

    def _finish(self, run_id: int, result: calls.Result, cached: bool) -> None:
        if cached:
            result = calls.Result(**{**vars(result), "cached": True})
            self._pieces = [result.text]
            self.output.value = _pre(result.text)
        self.result, self._inflight = result, None
        self._say(_summary(result))


def _pre(text: str) -> str:
    return f'<pre style="white-space:pre-wrap;margin:0;min-height:3em">{html.escape(text)}</pre>'


def _parse_seed(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ChatkitError(say("widgets.playground.bad_seed.what", value=value),
                           fix=say("widgets.playground.bad_seed.fix")) from None


def _summary(result: calls.Result) -> str:
    """The status line after a run, with a visible marker when it came from the cache."""
    marker = ('<span class="chatkit-cached" style="background:#ddf4ff;padding:0 4px;border-radius:3px">'
              f'{say("widgets.playground.cached")}</span> {say("widgets.playground.no_request")}'
              if result.cached else "")
    return marker + " · ".join(html.escape(part) for part in calls.summary(result))
