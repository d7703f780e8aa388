"""The reasoning-effort control of the tuning widgets, and the sampling settings an effort rules out.

A reasoning model thinks at the effort picked here and, at any effort but ``"none"``, answers
temperature, top_p and logprobs with a 400 (:mod:`chatkit.reasoning`). The widgets turn those
settings off and say why on the line under the control, so Run never meets that 400. For a
model that does not reason the control is hidden and no effort is sent: the sandbox's plain
model accepts only ``"none"``, and many OpenAI-compatible servers know no effort at all.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..errors import ChatkitError
from ..messages import say
from ..reasoning import SAMPLING, default_effort, efforts, is_reasoning, sampling_allowed
from .panel import classed


def refused(model: str, effort: str | None, settings: dict) -> list[str]:
    """The settings (those set: not None, not False) that ``model`` refuses at ``effort``.

    >>> refused("gpt-6-luna", "medium", {"temperature": 0, "seed": 1, "logprobs": False})
    ['temperature']
    >>> refused("gpt-6-luna", "none", {"temperature": 0.7}), refused("gpt-4.1-mini", None, {"top_p": 0.5})
    ([], [])
    """
    if sampling_allowed(model, effort):
        return []
    return [name for name, value in settings.items() if name in SAMPLING and value is not None and value is not False]


def listed(names: list[str]) -> str:
    """Names as a sentence lists them: 'temperature', 'temperature and top_p', 'a, b and c'."""
    *head, last = names
    if not head:
        return last
    first = head[0]
    for name in head[1:]:
        first = say("widgets.effort.comma", first=first, next=name)
    return say("widgets.effort.and", first=first, last=last)


def why(model: str, names: list[str]) -> tuple[str, str]:
    """Why ``names`` are off, and what to do: effort none would allow them, or ``model`` never takes them."""
    kind = "needs_none" if "none" in efforts(model) else "never"
    settings = listed(names)
    return (say(f"widgets.effort.{kind}.what", model=model, settings=settings),
            say(f"widgets.effort.{kind}.fix", settings=settings))


class EffortControl:
    """A Dropdown of the model's efforts, at its default, and the line that says what the effort rules out.

    Hidden for a model that does not reason (or that chatkit does not know): then ``value``
    is None and :meth:`request` sends nothing about effort.
    """

    def __init__(self, model: str, effort: str | None = None) -> None:
        self.model = model
        self.dropdown = classed(w.Dropdown(description="reasoning_effort", style={"description_width": "130px"}),
                                "chatkit-effort")
        self.note = classed(w.HTML(), "chatkit-effort-note")
        self.follow(model, effort)

    def follow(self, model: str, effort: str | None = None) -> None:
        """Offer ``model``'s efforts, at ``effort`` or the model's default; hidden if the model does not reason."""
        choices = efforts(model) if is_reasoning(model) else ()
        self.model = model
        self.dropdown.options = choices
        self.dropdown.value = _checked(model, choices, effort)
        self.dropdown.disabled = not choices
        self.dropdown.layout.display = None if choices else "none"

    @property
    def value(self) -> str | None:
        """The effort to send, or None for a model that does not reason."""
        return self.dropdown.value if self.dropdown.options else None

    def request(self) -> dict:
        """What a Chat Completions request says about effort: ``reasoning_effort`` if the model reasons."""
        return {} if self.value is None else {"reasoning_effort": self.value}

    def refused(self, settings: dict) -> list[str]:
        """The settings the model refuses at the chosen effort."""
        return refused(self.model, self.value, settings)

    def rule_out(self, settings: dict) -> list[str]:
        """Say on the note line which settings are off and why (or clear it); return their names."""
        off = self.refused(settings)
        self.tell(off)
        return off

    def tell(self, off: list[str]) -> None:
        """Say on the note line why the settings ``off`` are off; an empty list clears it."""
        text = " ".join(why(self.model, off)) if off else ""
        self.note.value = f'<span style="color:#57606a">{html.escape(text)}</span>' if text else ""

    def check(self, off: list[str]) -> None:
        """Raise a ChatkitError that says why, if any settings are off: a request with them would be a 400."""
        if off:
            what, fix = why(self.model, off)
            raise ChatkitError(what, fix=fix)


def _checked(model: str, choices: tuple[str, ...], effort: str | None) -> str | None:
    """The effort to start at: ``effort`` if ``model`` accepts it, else a ChatkitError naming those it does."""
    if not choices:  # a model that does not reason: "none" is what it does anyway
        if effort not in (None, "none"):
            raise ChatkitError(say("widgets.effort.plain.what", model=model, effort=effort),
                               fix=say("widgets.effort.plain.fix"))
        return None
    default = default_effort(model)
    effort = effort or (default if default in choices else choices[0])
    if effort not in choices:
        raise ChatkitError(say("widgets.effort.unknown.what", model=model, effort=effort),
                           fix=say("widgets.effort.unknown.fix", efforts=", ".join(choices), default=default))
    return effort
