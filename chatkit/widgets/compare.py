"""Compare: one prompt, a grid of settings, every answer side by side."""

from __future__ import annotations

import html
import itertools

import ipywidgets as w

from ..connect import connect
from ..errors import ChatkitError
from ..messages import say
from ..reasoning import SAMPLING
from . import calls
from .effort import EffortControl
from .effort import refused as refused_at
from .panel import Panel

DEFAULT_GRID = {"temperature": [0.0, 0.7, 1.4], "seed": [1, 2]}


class Compare(Panel):
    """Send the same prompt with every combination of settings and show the answers in a table.

    ``grid`` maps up to two parameter names to the values to try; ``fixed`` parameters
    (such as ``max_tokens=60``) go with every request. Rows are the first parameter's
    values, columns the second's. ``cmp.results`` maps each combination to its result.
    For a reasoning model, ``effort`` (a menu, ``cmp.effort``) goes with every request; at an
    effort other than "none" a grid or setting the model refuses (temperature, top_p) turns
    Run off, and a line says why.

    >>> cmp = Compare(prompt="Name a fruit.", grid={"temperature": [0, 1.5], "seed": [1, 2]})  # doctest: +SKIP
    >>> print(cmp.run())                                       # doctest: +SKIP
    temperature=0 seed=1: Apple.
    ...
    """

    def __init__(self, client=None, prompt: str = "Write a haiku about tea.", grid: dict | None = None, *,
                 system: str = "", model: str | None = None, effort: str | None = None, max_tokens: int = 60,
                 **fixed) -> None:
        super().__init__()
        if client is None:
            client = connect()
        self.client, self.system = client, system
        self.grid = {name: list(values) for name, values in (grid or DEFAULT_GRID).items()}
        if not 1 <= len(self.grid) <= 2:
            raise ChatkitError(say("widgets.compare.grid.what", count=len(self.grid)),
                               fix=say("widgets.compare.grid.fix"))
        self.fixed = {"model": model or calls.default_model(client), "max_tokens": max_tokens, **fixed}
        self.results: dict[tuple, calls.Result] = {}
        self.prompt = w.Textarea(prompt, description="prompt", layout={"width": "95%"})
        self.prompt.add_class("chatkit-prompt")
        self.run_button = w.Button(description=say("widgets.compare.run"), button_style="primary", icon="th")
        self.run_button.add_class("chatkit-run")
        self.table = w.HTML()
        self.table.add_class("chatkit-compare-table")
        self.reasoning = EffortControl(self.fixed["model"], effort or self.fixed.pop("reasoning_effort", None))
        self.effort = self.reasoning.dropdown
        self.effort.observe(self._safely(self._gate), "value")
        self.run_button.on_click(self._safely(self.start))
        self.widget = w.VBox([self.prompt, self.effort, self.reasoning.note, self.run_button, self.table, self.status,
                              self.errors])
        self.widget.add_class("chatkit-compare")
        self._render({})
        self._gate()

    @property
    def settings(self) -> list[tuple]:
        """Every combination of the grid's values, in the order they are sent."""
        return list(itertools.product(*self.grid.values()))

    def params(self, setting: tuple) -> dict:
        """The request for one combination of settings (a grid's ``reasoning_effort`` beats the menu's)."""
        return calls.with_limit({**self.fixed, **self.reasoning.request(), **dict(zip(self.grid, setting, strict=True)),
                                 "messages": calls.messages(self.prompt.value, self.system)})

    def refused(self) -> list[str]:
        """The settings some request of the grid would send that the model refuses at its effort."""
        model = self.fixed["model"]
        off = {name for params in map(self.params, self.settings)
               for name in refused_at(model, params.get("reasoning_effort"), params)}
        return sorted(off, key=SAMPLING.index)

    def _gate(self) -> None:
        """Turn Run off while the grid holds a setting the model would refuse; the line under the menu says why."""
        off = self.refused()
        self.reasoning.tell(off)
        self.run_button.disabled = bool(off)

    def start(self) -> None:
        """Send every combination in a worker thread, one after the other; the table fills in."""
        self.reasoning.check(self.refused())
        with self._lock:
            run_id = self._next_run()
            self.results = {}
            self._render({})
            self._say(say("widgets.compare.running", count=len(self.settings)))
        self._launch(run_id, self._work)

    def _model_name(self) -> str:
        return self.fixed["model"]

    def _work(self, run_id: int) -> None:
        for setting in self.settings:
            partial: list[str] = []

            def show(piece: str, setting=setting, partial=partial) -> None:
                partial.append(piece)
                self._show_partial(run_id, setting, "".join(partial))

            result = calls.stream_chat(self.client, self.params(setting), show, stale=lambda: not self.current(run_id))
            if result is None:
                return
            with self._lock:
                if not self.current(run_id):
                    return
                self.results[setting] = result
                self._render({})
        with self._lock:
            if self.current(run_id):
                different = len({r.text for r in self.results.values()})
                self._say(say("widgets.compare.done", count=len(self.results), different=different))

    def _show_partial(self, run_id: int, setting: tuple, text: str) -> None:
        with self._lock:
            if self.current(run_id):
                self._render({setting: text})

    def _render(self, partial: dict[tuple, str]) -> None:
        names = list(self.grid)
        columns = self.grid[names[1]] if len(names) == 2 else [None]
        head = "".join(f"<th>{html.escape(_label(names[1], c))}</th>" for c in columns) if len(names) == 2 \
            else "<th>answer</th>"
        rows = []
        for value in self.grid[names[0]]:
            cells = "".join(self._cell((value,) if c is None else (value, c), partial) for c in columns)
            rows.append(f"<tr><th>{html.escape(_label(names[0], value))}</th>{cells}</tr>")
        self.table.value = (f'<table style="table-layout:fixed;width:100%;border-collapse:collapse">'
                            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>")

    def _cell(self, setting: tuple, partial: dict[tuple, str]) -> str:
        result = self.results.get(setting)
        text = result.text if result else partial.get(setting, "…" if setting in partial else "")
        note = f"<br><small>{html.escape(_note(result))}</small>" if result else ""
        return (f'<td class="chatkit-compare-cell" style="vertical-align:top;border:1px solid #ddd;padding:4px;'
                f'white-space:pre-wrap">{html.escape(text)}{note}</td>')

    def __str__(self) -> str:
        lines = []
        for setting, result in self.results.items():
            label = " ".join(_label(name, value) for name, value in zip(self.grid, setting, strict=True))
            lines.append(f"{label}: {result.text}")
        return "\n".join(lines)


def _note(result: calls.Result) -> str:
    """Under an answer: its tokens (the reasoning ones too, if any) and why it stopped."""
    if result.reasoning_tokens:
        return say("widgets.compare.cell_reasoning", tokens=result.completion_tokens,
                   reasoning=result.reasoning_tokens, finish_reason=result.finish_reason)
    return say("widgets.compare.cell", tokens=result.completion_tokens, finish_reason=result.finish_reason)


def _label(name: str, value) -> str:
    return f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
