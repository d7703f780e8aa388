"""What a provider does with a request's settings, known before it is sent: ``behaviour`` in ``providers.json``.

Each preset records, with sources and a date, the ranges it accepts (``ranges``, optionally only for some
models, and ``rules`` that tie one setting to another), whether its model thinks by default and how to turn
that off (``thinking``), and its entry tier's limits (``limits``). A client from ``connect()`` asks
:func:`guard` before each request:

- a value outside the provider's range stops with an :class:`OutOfRange` in one line, and nothing is sent;
- a setting the provider accepts but ignores (DeepSeek's temperature while it thinks) gets one
  :class:`NoEffectWarning` per client, which says how to make it count.

>>> check_request(preset("moonshot"), {"model": "moonshot-v1-8k", "temperature": 1.4})  # doctest: +ELLIPSIS
Traceback (most recent call last):
chatkit.behaviour.OutOfRange: Moonshot Kimi accepts temperature from 0 to 1 on moonshot-v1 models ...
>>> ignored(preset("deepseek"), "chat", {"model": "deepseek-flash", "temperature": 1.5})
['temperature']
"""

from __future__ import annotations

import warnings

import openai

from .errors import ChatkitError
from .messages import say
from .providers import Provider, body_of, endpoint_of, identify, preset

DOCS = "notebooks/04-tune-parameters.ipynb"
# Parameters the official SDK takes as keywords; any other goes in extra_body.
SDK_KEYWORDS = {"chat": {"reasoning_effort"}, "responses": {"reasoning"}}


class OutOfRange(ChatkitError, openai.OpenAIError):
    """A setting outside the live provider's documented range, stopped before sending (``kind`` "out_of_range").

    An ``openai.OpenAIError`` too, so the SDK raises it as it is, without retrying.
    """

    kind = "out_of_range"

    def __init__(self, provider: Provider, param: str, value, allowed: list, models: list | None = None,
                 when: dict | None = None) -> None:
        facts = {"provider": provider.title, "checked": provider.behaviour["checked"], "param": param,
                 "value": value, "range": _range(allowed)}
        on = say("behaviour.on_models", models=say("providers.separator").join(models)) if models else ""
        if when:
            other, equal = next(iter(when.items()))
            what = say("behaviour.rule.what", other=other, equal=equal, on=on, **facts)
            fix = say("behaviour.rule.fix", other=other, equal=equal, **facts)
        else:
            what, fix = say("behaviour.out_of_range.what", on=on, **facts), say("behaviour.out_of_range.fix", **facts)
        self.cause = say("behaviour.out_of_range.cause", provider=provider.title)
        super().__init__(what, fix=fix, docs=provider.docs)

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the stop is deliberate, the line says why and what to do.
        return [str(self)]


class NoEffectWarning(UserWarning):
    """A setting the provider accepts and ignores, e.g. DeepSeek's temperature while it thinks."""


def check_request(provider: Provider, body: dict) -> None:
    """Raise :class:`OutOfRange` if ``body`` sends a value ``provider`` does not accept on ``body["model"]``."""
    ranges = dict((provider.behaviour or {}).get("ranges") or {})
    models = ranges.pop("models", None)
    if not _applies(models, body.get("model")):
        return
    for param, allowed in ranges.items():
        if _outside(body.get(param), allowed):
            raise OutOfRange(provider, param, body[param], allowed, models)
    for rule in provider.behaviour.get("rules") or ():
        if all(body.get(k) == v for k, v in rule["when"].items()) and _outside(body.get(rule["param"]), rule["range"]):
            raise OutOfRange(provider, rule["param"], body[rule["param"]], rule["range"], models, rule["when"])


def ignored(provider: Provider, endpoint: str, body: dict) -> list[str]:
    """The settings in ``body`` that ``provider`` accepts but ignores, because its model thinks."""
    thinking = (provider.behaviour or {}).get("thinking") or {}
    if not thinking.get("ignores") or not _applies(thinking.get("models"), body.get("model")):
        return []
    off, on = (thinking.get("off") or {}).get(endpoint), (thinking.get("on") or {}).get(endpoint)
    thinks = (thinking["default"] == "on" and not (off and _contains(body, off))) or bool(on and _contains(body, on))
    return [param for param in thinking["ignores"] if param in body] if thinks else []


def how_to_stop_thinking(provider: Provider) -> str:
    """The keyword arguments that turn thinking off, per endpoint: ``extra_body={...} (Chat Completions)...``."""
    off = provider.behaviour["thinking"]["off"]
    return say("behaviour.or").join(
        say("behaviour.off_for", how=_keywords(endpoint, body), endpoint=say(f"providers.endpoint.{endpoint}"))
        for endpoint, body in off.items())


def guard(provider):
    """For a client of ``provider``: a check to run on each request before it is sent; None if nothing to check.

    It raises :class:`OutOfRange`, and warns once (per client) when a setting will have no effect.
    """
    facts = (provider.behaviour or {}) if isinstance(provider, Provider) else {}
    if not (facts.get("ranges") or facts.get("rules") or (facts.get("thinking") or {}).get("ignores")):
        return None
    warned = []

    def check(request) -> None:
        endpoint = endpoint_of(request.url.path)
        if endpoint not in ("chat", "responses") or request.method != "POST":
            return
        body = body_of(request)
        check_request(provider, body)
        unused = ignored(provider, endpoint, body)
        if unused and not warned:
            warned.append(True)
            params = say("providers.separator").join(unused)
            warnings.warn(say("behaviour.no_effect", provider=provider.title, params=params,
                              checked=provider.behaviour["checked"], how=how_to_stop_thinking(provider)),
                          NoEffectWarning, stacklevel=2)

    return check


def batch_limits(client) -> dict:
    """The entry tier's ``concurrency``, ``rpm`` and ``tpm`` of the provider behind ``client`` (those known).

    >>> batch_limits("moonshot")
    {'concurrency': 1, 'rpm': 3, 'tpm': 500000}
    """
    provider = identify(client) if not isinstance(client, str) else preset(client)
    limits = ((provider.behaviour or {}).get("limits") or {}) if isinstance(provider, Provider) else {}
    return {k: limits[k] for k in ("concurrency", "rpm", "tpm") if limits.get(k) is not None}


def _applies(models: list | None, model) -> bool:
    return not models or any(str(model or "").startswith(m) for m in models)


def _outside(value, allowed: list) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not allowed[0] <= value <= allowed[1]


def _contains(body: dict, part: dict) -> bool:
    """Whether ``body`` has every key of ``part`` with the same value, at any depth (``extra_body`` is merged)."""
    return all(isinstance(body.get(k), dict) and _contains(body[k], v) if isinstance(v, dict) else body.get(k) == v
               for k, v in part.items())


def _range(allowed: list) -> str:
    low, high = allowed
    return say("behaviour.range.one", value=low) if low == high else say("behaviour.range.between", low=low, high=high)


def _keywords(endpoint: str, body: dict) -> str:
    native = ", ".join(f"{k}={v!r}" for k, v in body.items() if k in SDK_KEYWORDS.get(endpoint, ()))
    extra = {k: v for k, v in body.items() if k not in SDK_KEYWORDS.get(endpoint, ())}
    return ", ".join(filter(None, [native, f"extra_body={extra!r}" if extra else ""]))
