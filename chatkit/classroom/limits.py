"""Each student's limits, answered with the platform's own 429s, so the course's lessons on limits apply unchanged.

- Requests and tokens per minute are token buckets (chatkit/bucket.py) per student, in this
  process, counted before a call as the platform counts them (:func:`chatkit.tokens.request_tokens`):
  over one, a 429 ``rate_limit_exceeded`` with ``retry-after`` and the ``x-ratelimit-*`` headers.
- Tokens and money per day (UTC) and per course count what the student really used, as the store
  recorded it: once spent, a 429 ``insufficient_quota`` with ``x-should-retry: false``, which the SDK
  does not retry. Calls in flight can overshoot by what they use.
- A model the class does not allow answers as the platform answers a model you have no access to.

Money is priced by :func:`spend`, the one function the teacher's dashboard uses too, from the dated
table in chatkit/prices.json, and never converted: a budget names its currency (USD, CNY) and counts
the models priced in it. A model the table lists at 0 (the sandbox's own) is free in every currency.
Any other model, one priced in another currency or not in the table at all (a vLLM or Ollama model),
has no price a money budget could count, and letting it through would quietly make the budget
unlimited; so under a money budget such a call is refused with a 400 that says so, before it reaches
an upstream, and ``classroom serve`` refuses to start when the models it allows include one
(:func:`unpriced`). A class on such models limits tokens instead (``--tokens-per-day``).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from ..bucket import Bucket
from ..messages import say
from ..sandbox.limits import bucket_headers, rate_limited
from ..sandbox.wire import APIError, model_not_found
from ..tokens import SIGNS, RequestTokens, estimate_cost, model_facts, money, price_table, request_tokens
from .store import Budget, ClassStore, Usage

ORG = "org-classroom"
LEARN_MORE = "Visit https://platform.openai.com/account/rate-limits to learn more."
QUOTA = ("You exceeded your current quota, please check your plan and billing details. For more information on this "
         "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.")


class Meter:
    """The per-minute buckets of every student; ``clock`` in seconds (tests pass one they move by hand)."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock, self._lock = clock, threading.Lock()
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def take(self, student: str, budget: Budget, model: str, tokens: int) -> None:
        """Count one call of ``tokens`` against the student's minute, or raise the platform's 429 (taking nothing)."""
        with self._lock:
            wanted = list(self._wanted(student, budget, tokens))
            # Report what blocks longest: a call too large for a whole minute, else the longest wait.
            worst = max(wanted, key=lambda w: (w[1] > w[0].size, w[0].wait(w[1])), default=None)
            if worst and worst[0].wait(worst[1]):
                raise rate_limited(model, *worst, org=ORG, learn_more=f"{LEARN_MORE} {say('classroom.limits.teacher')}")
            for bucket, amount, _ in wanted:
                bucket.take(amount)

    def headers(self, student: str, budget: Budget) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers of the student's limits that are on."""
        with self._lock:
            return dict(pair for bucket, _, unit in self._wanted(student, budget, 0)
                        for pair in bucket_headers(bucket, unit))

    def _wanted(self, student: str, budget: Budget, tokens: int):
        now = self.clock()
        for unit, size, amount in (("requests", budget.rpm, 1), ("tokens", budget.tpm, tokens)):
            if size:
                bucket = self._buckets.get((student, unit))
                if bucket is None or bucket.size != size:  # the teacher changed the limit: a full new bucket
                    bucket = self._buckets[(student, unit)] = Bucket(size, now)
                yield bucket.refill(now), amount, unit


def check_model(budget: Budget, model: str) -> None:
    if budget.models is not None and model not in budget.models:
        raise model_not_found(model)


def check_allowance(store: ClassStore, student: str, budget: Budget, model: str, now: float) -> None:
    """The 429 of a spent allowance, once the student has used the course's or the day's tokens or money.

    Under a money budget, first the 400 of a model it cannot price (the module's docstring says why).
    """
    if budget.counts_money and not priced_in(model, budget.currency):
        raise APIError(400, say("classroom.quota.unpriced", model=model, currency=budget.currency), param="model",
                       code="model_not_priced")
    for period, tokens_limit, money_limit, used in _periods(store, student, budget, now):
        tokens = sum(u.input_tokens + u.output_tokens for u in used)
        if tokens_limit and tokens >= tokens_limit:
            raise insufficient_quota(say("classroom.quota.tokens", used=tokens, limit=tokens_limit,
                             period=say(f"classroom.quota.{period}")))
        if money_limit and (amount := spend(used, budget.currency)[0]) >= money_limit:
            raise insufficient_quota(say("classroom.quota.money", used=money(amount, budget.currency),
                             limit=limit_money(money_limit, budget.currency),
                             period=say(f"classroom.quota.{period}")))


def left(store: ClassStore, student: str, budget: Budget, now: float) -> tuple[int | None, float | None]:
    """The tokens and the money the student has left of the course and the day, the smaller of each
    (None: not limited); what a batch is measured against before it runs."""
    tokens, cash = [], []
    for _, tokens_limit, money_limit, used in _periods(store, student, budget, now):
        if tokens_limit:
            tokens.append(tokens_limit - sum(u.input_tokens + u.output_tokens for u in used))
        if money_limit:
            cash.append(money_limit - spend(used, budget.currency)[0])
    return min(tokens, default=None), min(cash, default=None)


def _periods(store: ClassStore, student: str, budget: Budget, now: float):
    """(period, tokens limit, money limit, the student's usage per model) for the course and the UTC day
    that limit anything."""
    for period, tokens_limit, money_limit, since in (
            ("course", budget.tokens_per_course, budget.spend_per_course, 0.0),
            ("day", budget.tokens_per_day, budget.spend_per_day, start_of_day(now))):
        if tokens_limit or money_limit:
            yield period, tokens_limit, money_limit, store.used_by_model(student, since)


def counted(request: dict, model: str) -> RequestTokens:
    """What a request counts before it runs, as the platform counts it (input plus output limit); nothing for
    a body the upstream will refuse anyway (a 400 runs no tokens)."""
    try:
        return request_tokens(request, model)
    except Exception:
        return RequestTokens(0, 0, False)


def insufficient_quota(note: str) -> APIError:
    """The platform's 429 for a spent allowance, with ``note`` saying what was spent; the SDK does not retry it."""
    return APIError(429, f"{QUOTA} {note}", type="insufficient_quota", code="insufficient_quota",
                    headers={"x-should-retry": "false"})


def spend(per_model: list[Usage], currency: str | None = None) -> tuple[float, str] | None:
    """What calls cost (``per_model``: their usage summed per model), from chatkit/prices.json, never converted.

    In ``currency``: the models priced in it; a free model costs nothing, one with no price in it is
    left out (a money budget refuses it before it runs). Without: in the one currency the calls were
    billed in, or None when a price is unknown or they mix currencies.

    >>> spend([Usage("gpt-4.1-mini", 1, 1_000_000, 0, 0, 0.0), Usage("smollm2-135m-instruct", 1, 5, 5, 0, 0.0)])
    (0.4, 'USD')
    """
    paid = [c for c in (estimate_cost(u.group, u.input_tokens, u.output_tokens) for u in per_model)
            if not free(c.model)]
    if currency is None:
        currencies = {c.currency for c in paid}
        if len(currencies) > 1 or not all(c.known for c in paid):
            return None
        currency = currencies.pop() if currencies else price_table()["currency"]
    return sum(c.total for c in paid if c.known and c.currency == currency), currency


def spent(per_model: list[Usage], budget: Budget) -> str | None:
    """What calls cost as money (``'$0.400000'``): in the budget's currency if it limits money, else :func:`spend`'s."""
    found = spend(per_model, budget.currency if budget.counts_money else None)
    return money(*found) if found else None


def limit_money(amount: float, currency: str) -> str:
    """A money limit as the teacher gave it (``'$2'``, ``'¥0.5'``); money spent shows as tokens.money shows it."""
    sign = SIGNS.get(currency)
    return f"{sign}{amount:g}" if sign else f"{amount:g} {currency}"


def free(model: str) -> bool:
    """A model the price table lists at 0 for input and output (the sandbox's): free in every currency."""
    facts = model_facts(model)
    return facts is not None and not facts["input"] and not facts["output"]


def priced_in(model: str, currency: str) -> bool:
    """True if a money budget in ``currency`` can count ``model``'s calls."""
    cost = estimate_cost(model, 0, 0)
    return free(model) or (cost.known and cost.currency == currency)


def unpriced(budget: Budget) -> list[str]:
    """The models ``budget`` allows but cannot price: ``classroom serve`` refuses to start with any."""
    if not budget.counts_money or budget.models is None:
        return []
    return [model for model in budget.models if not priced_in(model, budget.currency)]


def start_of_day(now: float) -> float:
    """The Unix time of the UTC midnight before ``now``: a day's allowance starts there."""
    day = datetime.fromtimestamp(now, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()
