"""A spending guard: a budget in dollars or tokens, checked before each call is sent.

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
    """At most ``dollars`` (priced with chatkit's dated table) or ``tokens`` for this session.

    ``price_as`` prices the calls as if made with that model: on the sandbox, whose
    model is free, ``Budget(dollars=0.001, price_as="gpt-4.1-mini")`` shows the guard at work.
    """

    def __init__(self, dollars: float | None = None, tokens: int | None = None, *, price_as: str | None = None):
        if dollars is None and tokens is None:
            raise ChatkitError(say("budget.no_limit.what"), fix=say("budget.no_limit.fix"), docs=DOCS)
        if any(limit is not None and limit < 0 for limit in (dollars, tokens)):
            raise ChatkitError(say("budget.negative.what"), fix=say("budget.negative.fix"), docs=DOCS)
        self.dollars, self.tokens, self.price_as = dollars, tokens, price_as
        self.spent_dollars, self.spent_tokens, self.calls, self.refused = 0.0, 0, 0, 0
        self._held_dollars, self._held_tokens = 0.0, 0  # estimates of calls still running
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        parts = []
        if self.dollars is not None:
            parts.append(f"${self.spent_dollars:.6f} of ${self.dollars:g} spent")
        if self.tokens is not None:
            parts.append(f"tokens: {self.spent_tokens:,} of {self.tokens:,} used")
        return f"Budget({', '.join(parts)}, {self.calls} calls, {self.refused} refused)"

    def reserve(self, request: dict) -> tuple[float, int]:
        """Hold the most this request can cost, or raise :class:`BudgetExceeded` (nothing is sent)."""
        model = self.price_as or str(request.get("model") or "")
        most = tokens.request_tokens(request, str(request.get("model") or ""))
        cost = self._dollars(model, most.input, most.output)
        with self._lock:
            over = self._over(cost, most.total)
            if over:
                self.refused += 1
                unbounded = "" if most.limited else say("budget.unbounded", output=most.output)
                raise BudgetExceeded(over + unbounded, fix=self._fix(), docs=DOCS)
            self._held_dollars += cost or 0.0
            self._held_tokens += most.total
        return cost or 0.0, most.total

    def settle(self, held: tuple[float, int] | None, call: dict) -> None:
        """Replace a call's estimate with what it really used (from its log record)."""
        used_tokens = (call.get("input_tokens") or 0) + (call.get("output_tokens") or 0)
        model = self.price_as or call.get("model") or ""
        try:
            used_dollars = self._dollars(model, call.get("input_tokens") or 0, call.get("output_tokens") or 0) or 0.0
        except BudgetExceeded:  # the server answered with a model name we cannot price: keep the estimate
            used_dollars = held[0] if held is not None else 0.0
        with self._lock:
            if held is not None:
                self._held_dollars -= held[0]
                self._held_tokens -= held[1]
            self.spent_dollars += used_dollars
            self.spent_tokens += used_tokens
            self.calls += 1

    def reset(self) -> None:
        """Start counting again from zero (a new session)."""
        with self._lock:
            self.spent_dollars, self.spent_tokens, self.calls, self.refused = 0.0, 0, 0, 0

    # --- the arithmetic ----------------------------------------------------------------

    def _over(self, cost: float | None, most_tokens: int) -> str:
        if self.tokens is not None:
            committed = self.spent_tokens + self._held_tokens
            if committed + most_tokens > self.tokens:
                return say("budget.over_tokens", most_tokens=most_tokens, committed=committed, limit=self.tokens)
        if self.dollars is not None and cost is not None:
            committed = self.spent_dollars + self._held_dollars
            if committed + cost > self.dollars:
                return say("budget.over_dollars", cost=cost, committed=committed, limit=self.dollars)
        return ""

    def _fix(self) -> str:
        return say("budget.over.fix")

    def _dollars(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        if self.dollars is None:
            return None
        cost = tokens.estimate_cost(model, input_tokens, output_tokens)
        if not cost.known:
            raise BudgetExceeded(say("budget.no_price.what", model=model), fix=say("budget.no_price.fix"), docs=DOCS)
        return cost.total

