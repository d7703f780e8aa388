"""Which models reason, which efforts each accepts, and which settings reasoning rules out.

A reasoning model writes hidden reasoning tokens before its answer: they are billed as
output and counted in ``output_tokens`` (``usage.output_tokens_details.reasoning_tokens``
says how many). How much it reasons is its *effort*: Responses ``reasoning={"effort": …}``,
Chat Completions ``reasoning_effort=…``. At any effort but ``"none"`` the platform refuses
the sampling settings (``temperature``, ``top_p``, ``logprobs``); a model whose efforts
include ``"none"`` accepts them there. The facts come from the dated table in
``chatkit/prices.json`` (``efforts``, ``default_effort``), so the widgets, the sandbox and the
notebooks read one list; a local model from chatkit's catalogue (``python -m chatkit models``)
reasons when its entry says so, its efforts set by :func:`thinking_efforts`.

>>> efforts("gpt-6-luna")
('none', 'low', 'medium', 'high', 'xhigh', 'max')
>>> sampling_allowed("gpt-6-luna", "none"), sampling_allowed("gpt-6-luna", None)
(True, False)
>>> sampling_allowed("gpt-6.2-sol", "none"), sampling_allowed("gpt-4.1-mini", None)
(False, True)
"""

from __future__ import annotations

from .hub.entries import catalogue
from .tokens import model_facts

# Every effort value the platform's API knows, lowest first; each model accepts some of them.
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
OFF = ("none", "minimal")  # the efforts that switch a local thinking model's thinking off
# What reasoning rules out: sent at an effort other than "none", each is a 400 on the platform.
SAMPLING = ("temperature", "top_p", "logprobs", "top_logprobs")


def thinking_efforts(switch: str | None) -> tuple[str, ...]:
    """The efforts a local thinking model accepts: all of them when its chat template can switch its
    thinking off (Qwen3's ``enable_thinking``, for ``OFF``), else those that leave it on."""
    return EFFORTS if switch else tuple(e for e in EFFORTS if e not in OFF)


def facts(model: str) -> dict | None:
    """What chatkit knows of ``model``'s reasoning: the dated table's entry, or the catalogue's; else None.

    >>> facts("qwen3-0.6b")["default_effort"], facts("qwen2.5-1.5b-instruct")
    ('medium', {'reasoning': False})
    """
    known = model_facts(model)
    entry = catalogue().get(model) if known is None else None
    if entry is None:
        return known
    if not entry.reasoning:
        return {"reasoning": False}
    # Qwen3 thinks unless told not to: "medium" stands for "on" (it has no budget to set).
    return {"reasoning": True, "efforts": thinking_efforts(entry.thinking_switch), "default_effort": "medium"}


def is_reasoning(model: str) -> bool | None:
    """True for a model that reasons, False for one that does not, None when chatkit does not know it.

    >>> is_reasoning("gpt-6-luna"), is_reasoning("gpt-4o"), is_reasoning("my-own-model"), is_reasoning("qwen3-1.7b")
    (True, False, None, True)
    """
    known = facts(model)
    return None if known is None or "reasoning" not in known else bool(known["reasoning"])


def efforts(model: str) -> tuple[str, ...]:
    """The effort values ``model`` accepts, lowest first; ``()`` for a model that does not reason or is unknown."""
    return tuple((facts(model) or {}).get("efforts") or ())


def default_effort(model: str) -> str | None:
    """The effort ``model`` uses when a request sets none (``"medium"`` on GPT-6); None if it does not reason."""
    return (facts(model) or {}).get("default_effort")


def sampling_allowed(model: str, effort: str | None) -> bool:
    """Whether ``temperature``, ``top_p`` and ``logprobs`` may be sent to ``model`` at ``effort``.

    ``effort=None`` means the request sets none, so the model's default applies. A model
    chatkit does not know is given the benefit of the doubt (True).
    """
    if not is_reasoning(model):
        return True
    effort = effort or default_effort(model)
    return effort == "none" and effort in efforts(model)


def greedy(model: str, api: str = "chat") -> dict:
    """The settings that make ``model`` pick its most likely words (temperature 0), for output that repeats.

    A reasoning model that lists effort ``"none"`` needs it for a temperature; one that lists no
    ``"none"`` takes no temperature at all (``{}``); a model chatkit does not know gets just the
    temperature, since not every server knows the effort setting. ``api`` is ``"chat"`` or
    ``"responses"``, which spell the effort differently.

    >>> greedy("gpt-6-luna"), greedy("gpt-6-luna", "responses")
    ({'temperature': 0, 'reasoning_effort': 'none'}, {'temperature': 0, 'reasoning': {'effort': 'none'}})
    >>> greedy("gpt-6.2-sol"), greedy("deepseek-flash")
    ({}, {'temperature': 0})
    """
    if not is_reasoning(model):
        return {"temperature": 0}
    if "none" not in efforts(model):
        return {}
    effort = {"reasoning_effort": "none"} if api == "chat" else {"reasoning": {"effort": "none"}}
    return {"temperature": 0, **effort}


def limit_name(model: str) -> str:
    """The Chat Completions name of the output limit: reasoning models accept only ``max_completion_tokens``.

    Others get ``max_tokens``, which every OpenAI-compatible server knows.

    >>> limit_name("gpt-6-luna"), limit_name("qwen-plus")
    ('max_completion_tokens', 'max_tokens')
    """
    return "max_completion_tokens" if is_reasoning(model) else "max_tokens"
