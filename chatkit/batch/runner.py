"""Run many prompts at once: bounded concurrency, under the rate limits, resumable.

The official async client sends the requests; its own retry machinery handles a 429 or a
5xx (exponential backoff, honouring ``retry-after``), so the runner does not retry by
itself. What the SDK does not do, the runner adds: at most ``concurrency`` requests in
flight, a client-side throttle that keeps under the requests- and tokens-per-minute
limits before a 429 happens, an immediate stop on a billing 429 (``insufficient_quota``; retrying never
fixes an empty balance), results in input order, and a JSONL file that makes a run
resumable after a crash.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass

import openai

from .. import tokens
from ..behaviour import batch_limits
from ..errors import ChatkitError
from ..failures import explain, is_billing
from ..messages import say
from .jsonl import ResultsFile, read_results
from .throttle import Throttle

DOCS = "notebooks/06-batch-many-prompts.ipynb"
CONCURRENCY = 8  # requests in flight when neither the caller nor the provider's entry tier says otherwise


@dataclass
class Result:
    """One item's outcome. ``status``: "ok", "failed", or "skipped" (never sent)."""

    id: str
    status: str
    text: str | None = None
    usage: dict | None = None
    latency: float | None = None  # seconds, from sending to the whole answer
    attempts: int = 0
    error: str | None = None
    started: float | None = None  # time.time() when it was sent

    def as_dict(self) -> dict:
        return asdict(self)


class QuotaExceeded(ChatkitError):
    """The account's quota or credit ran out: the run stopped. ``results`` holds what finished."""

    def __init__(self, results: list[Result]) -> None:
        done = sum(r.status == "ok" for r in results)
        super().__init__(say("batch.quota.what", done=done, total=len(results)), fix=say("batch.quota.fix"),
                         docs=DOCS)
        self.results = results


def requests_of(prompts) -> list[tuple[str, dict]]:
    """(id, request) pairs from strings or request dicts (``custom_id``, ``prompt`` or ``messages``…)."""
    out = []
    for i, item in enumerate(prompts):
        if isinstance(item, str):
            out.append((f"item-{i}", {"messages": [{"role": "user", "content": item}]}))
            continue
        request = dict(item)
        item_id = str(request.pop("custom_id", f"item-{i}"))
        if "prompt" in request:
            request["messages"] = [{"role": "user", "content": request.pop("prompt")}]
        out.append((item_id, request))
    ids = [i for i, _ in out]
    if len(set(ids)) != len(ids):
        raise ChatkitError(say("batch.same_id.what"), fix=say("batch.same_id.fix"), docs=DOCS)
    return out


async def run_batch(client, prompts, *, model: str | None = None, concurrency: int | None = None,
                    rpm: float | None = None, tpm: float | None = None, out=None,
                    max_retries: int = 4, progress: bool = True, **params) -> list[Result]:
    """Send every prompt through Chat Completions with an async client; return results in input order.

    **Parameters:** ``prompts``: strings, or dicts with ``custom_id`` and ``prompt`` or
    ``messages`` (plus any request parameter); ``concurrency``: requests in flight at most (default 8,
    or fewer when the provider's entry tier allows fewer: Kimi's allows 1); ``rpm``/``tpm``: limits to
    stay under (default: the entry tier's, when ``providers.json`` knows them); ``out``: a JSONL file
    of results, appended as they arrive, and read back to skip finished items; ``**params``: for every
    request.

    >>> client = chatkit.connect_async()                                        # doctest: +SKIP
    >>> results = await run_batch(client, ["Name a colour."] * 20, max_tokens=10)  # doctest: +SKIP
    """
    if not isinstance(client, openai.AsyncOpenAI):
        raise ChatkitError(say("batch.not_async.what"), fix=say("batch.not_async.fix"), docs=DOCS)
    model = model or getattr(client, "default_model", None)
    known = batch_limits(client)  # a preset's entry-tier limits: the defaults for what the caller left out
    concurrency = concurrency or min(CONCURRENCY, known.get("concurrency", CONCURRENCY))
    rpm, tpm = rpm or known.get("rpm"), tpm or known.get("tpm")
    items = requests_of(prompts)
    done = read_results(out) if out else {}
    todo = [(i, r) for i, r in items if i not in done]
    sender = client.with_options(max_retries=max_retries)
    throttle, slots, new = Throttle(rpm, tpm), asyncio.Semaphore(concurrency), {}
    bar = _Progress(len(items), len(done), progress)
    results_file = ResultsFile(out) if out else None

    async def one(item_id: str, request: dict) -> None:
        await throttle.acquire(tokens.request_tokens({**params, **request}, model).total)
        async with slots:
            result = await _send(sender, model, item_id, {**params, **request})
        new[item_id] = result
        if results_file:
            results_file.add(result.as_dict())
        bar.record(result, model)

    tasks = [asyncio.ensure_future(one(i, r)) for i, r in todo]
    try:
        await asyncio.gather(*tasks)
    except QuotaExceeded:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise QuotaExceeded(_in_order(items, done, new)) from None
    finally:
        bar.close()
        if results_file:
            results_file.close()
    return _in_order(items, done, new)


async def _send(client, model: str, item_id: str, request: dict) -> Result:
    start, started = time.perf_counter(), time.time()
    try:
        raw = await client.chat.completions.with_raw_response.create(model=model, **request)
    except openai.RateLimitError as exc:
        if is_billing(exc):
            raise QuotaExceeded([]) from exc
        return Result(item_id, "failed", latency=time.perf_counter() - start, attempts=_attempts(exc.response),
                      error=f"429 {exc.code}: still rate limited after the SDK's retries", started=started)
    except openai.APIStatusError as exc:
        return Result(item_id, "failed", latency=time.perf_counter() - start, attempts=_attempts(exc.response),
                      error=explain(exc).line(), started=started)
    except openai.APIConnectionError as exc:
        return Result(item_id, "failed", latency=time.perf_counter() - start, error=explain(exc).line(),
                      started=started)
    completion = raw.parse()
    usage = completion.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"}) \
        if completion.usage else None
    return Result(item_id, "ok", completion.choices[0].message.content, usage, time.perf_counter() - start,
                  _attempts(raw), started=started)


def _attempts(response) -> int:
    """How many times the SDK sent the request: it numbers each try in ``x-stainless-retry-count``."""
    request = getattr(response, "http_request", None) or getattr(response, "request", None)
    try:
        return int(request.headers.get("x-stainless-retry-count", 0)) + 1
    except (AttributeError, ValueError):
        return 1


def _in_order(items, done: dict[str, dict], new: dict[str, Result]) -> list[Result]:
    out = []
    for item_id, _ in items:
        if item_id in new:
            out.append(new[item_id])
        elif item_id in done:
            out.append(Result(**done[item_id]))
        else:
            out.append(Result(item_id, "skipped", error="not sent: the run stopped first"))
    return out


class _Progress:
    """A tqdm bar (a widget in Jupyter, text in a terminal): done, failed, tokens and estimated cost."""

    def __init__(self, total: int, initial: int, show: bool) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, initial=initial, disable=not show, unit="item", desc="batch")
        self.failed = self.tokens = 0
        self.cost: float | None = 0.0
        self.currency = "USD"

    def record(self, result: Result, model: str) -> None:
        self.failed += result.status != "ok"
        if result.usage:
            self.tokens += result.usage["total_tokens"]
            price = tokens.estimate_cost(model, result.usage["prompt_tokens"], result.usage["completion_tokens"])
            self.cost = None if self.cost is None or price.total is None else self.cost + price.total
            self.currency = price.currency  # one model per run, so one currency
        self.bar.set_postfix(failed=self.failed, tokens=self.tokens,
                             cost="?" if self.cost is None else tokens.money(self.cost, self.currency), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
