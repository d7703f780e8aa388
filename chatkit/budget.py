"""A spending guard: a budget in dollars, yuan or tokens, checked before each call is sent.

Before a request leaves, the guard adds up what it could cost at most (its input, counted
offline, plus the output limit it asks for: :func:`chatkit.tokens.request_tokens`, the count
the sandbox's rate limits and the batch runner use too) and refuses it if that would go over.
After the answer, the real usage replaces the estimate. A request without an output limit is
held at the sandbox's cap of 512 output tokens, which another server may exceed: set
``max_completion_tokens`` (or ``max_output_tokens``) to make the guard exact.

>>> budget = chatkit.Budget(tokens=2_000)                                  # doctest: +SKIP
>>> client = chatkit.connect(budget=budget)                                # doctest: +SKIP
>>> budget                                                                 # doctest: +SKIP
Budget(tokens: 1,234 of 2,000 used, 2 calls)
"""

from __future__ import annotations

import threading

import openai

from . import tokens
from .errors import ChatkitError
from .messages import say

DOCS = "notebooks/07-handle-errors-limits-and-logs.ipynb"


class BudgetExceeded(ChatkitError, openai.OpenAIError):
    """A call refused by the spending guard before it was sent (nothing was billed).

    It is an ``openai.OpenAIError`` too, so the SDK raises it as it is, without retrying.
    """

    kind = "budget"


class Budget:
    """At most ``dollars`` or ``yuan`` (priced with chatkit's dated table) and/or ``tokens`` for this session.

    A budget counts money in one currency, the one its provider bills in: ``dollars`` for OpenAI,
    ``yuan`` for DeepSeek, Qwen, GLM, Kimi… It refuses a call priced in the other currency rather
    than convert it. ``price_as`` prices the calls as if made with that model: on the sandbox, whose
    model is free, ``Budget(dollars=0.001, price_as="gpt-4.1-mini")`` shows the guard at work.

    >>> Budget(yuan=0.5)
    Budget(¥0.000000 of ¥0.5 spent, 0 calls, 0 refused)
    """

    def __init__(self, dollars: float | None = None, tokens: int | None = None, *, yuan: float | None = None,
                 price_as: str | None = None):
        if dollars is None and yuan is None and tokens is None:
            raise ChatkitError(say("budget.no_limit.what"), fix=say("budget.no_limit.fix"), docs=DOCS)
        if dollars is not None and yuan is not None:
            raise ChatkitError(say("budget.two_currencies.what"), fix=say("budget.two_currencies.fix"), docs=DOCS)
        if any(limit is not None and limit < 0 for limit in (dollars, yuan, tokens)):
            raise ChatkitError(say("budget.negative.what"), fix=say("budget.negative.fix"), docs=DOCS)
        # limit: the money limit, in currency (None: tokens only)
        self.limit, self.currency = (yuan, "CNY") if yuan is not None else (dollars, "USD")
        self.tokens, self.price_as = tokens, price_as
        self.spent, self.spent_tokens, self.calls, self.refused = 0.0, 0, 0, 0
        self._held, self._held_tokens = 0.0, 0  # estimates of calls still running
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        parts = []
        if self.limit is not None:
            sign = tokens.SIGNS[self.currency]
            parts.append(f"{tokens.money(self.spent, self.currency)} of {sign}{self.limit:g} spent")
        if self.tokens is not None:
            parts.append(f"tokens: {self.spent_tokens:,} of {self.tokens:,} used")
        return f"Budget({', '.join(parts)}, {self.calls} calls, {self.refused} refused)"

    def reserve(self, request: dict) -> tuple[float, int]:
        """Hold the most this request can cost, or raise :class:`BudgetExceeded` (nothing is sent)."""
        model = self.price_as or str(request.get("model") or "")
        most = tokens.request_tokens(request, str(request.get("model") or ""))
        cost = self._price(model, most.input, most.output)
        with self._lock:
            over = self._over(cost, most.total)
            if over:
                self.refused += 1
                unbounded = "" if most.limited else say("budget.unbounded", output=most.output)
                raise BudgetExceeded(over + unbounded, fix=self._fix(), docs=DOCS)
            self._held += cost or 0.0
            self._held_tokens += most.total
        return cost or 0.0, most.total

    def settle(self, held: tuple[float, int] | None, call: dict) -> None:
        """Replace a call's estimate with what it really used (from its log record)."""
        used_tokens = (call.get("input_tokens") or 0) + (call.get("output_tokens") or 0)
        model = self.price_as or call.get("model") or ""
        try:
            used = self._price(model, call.get("input_tokens") or 0, call.get("output_tokens") or 0) or 0.0
        except BudgetExceeded:  # the server answered with a model name we cannot price here: keep the estimate
            used = held[0] if held is not None else 0.0
        with self._lock:
            if held is not None:
                self._held -= held[0]
                self._held_tokens -= held[1]
            self.spent += used
            self.spent_tokens += used_tokens
            self.calls += 1

    def reset(self) -> None:
        """Start counting again from zero (a new session)."""
        with self._lock:
            self.spent, self.spent_tokens, self.calls, self.refused = 0.0, 0, 0, 0

    # --- the arithmetic ----------------------------------------------------------------

    def _over(self, cost: float | None, most_tokens: int) -> str:
        if self.tokens is not None:
            committed = self.spent_tokens + self._held_tokens
            if committed + most_tokens > self.tokens:
                return say("budget.over_tokens", most_tokens=most_tokens, committed=committed, limit=self.tokens)
        if self.limit is not None and cost is not None:
            committed = self.spent + self._held
            if committed + cost > self.limit:
                return say("budget.over_money", cost=tokens.money(cost, self.currency),
                           committed=tokens.money(committed, self.currency),
                           limit=f"{tokens.SIGNS[self.currency]}{self.limit:g}")
        return ""

    def _fix(self) -> str:
        return say("budget.over.fix")

    def _price(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        """The call's cost in this budget's currency (None without a money limit); raise if it has none."""
        if self.limit is None:
            return None
        cost = tokens.estimate_cost(model, input_tokens, output_tokens)
        if not cost.known:
            raise BudgetExceeded(say("budget.no_price.what", model=model), fix=say("budget.no_price.fix"), docs=DOCS)
        if cost.currency != self.currency:  # adding yuan to dollars would give a number that means nothing
            raise BudgetExceeded(say("budget.other_currency.what", model=model,
                                     theirs=say(f"tokens.currency.{cost.currency}"),
                                     ours=say(f"tokens.currency.{self.currency}")),
                                 fix=say("budget.other_currency.fix"), docs=DOCS)
        return cost.total
