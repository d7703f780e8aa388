"""The provider's Batch API, step by step: write the JSONL, upload, create, wait, collect.

Half the price of the same requests sent one by one, results within 24 hours, and no
rate limits to manage: the provider runs the file when it has room. The results come
back in any order; :func:`collect` joins them to the inputs by ``custom_id`` and reports
failed lines instead of dropping them.
"""

from __future__ import annotations

import io
import json
import time

from ..errors import ChatkitError
from ..messages import say
from .runner import DOCS, Result, requests_of

ENDPOINT = "/v1/chat/completions"
FINAL = ("completed", "failed", "expired", "cancelled")


def batch_lines(prompts, model: str, **params) -> str:
    """The JSONL input of a batch: one request per line, each with its ``custom_id``.

    >>> print(batch_lines(["Hi"], "gpt-4.1-mini", max_tokens=5))   # doctest: +NORMALIZE_WHITESPACE
    {"custom_id": "item-0", "method": "POST", "url": "/v1/chat/completions",
     "body": {"max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}], "model": "gpt-4.1-mini"}}
    """
    lines = [json.dumps({"custom_id": item_id, "method": "POST", "url": ENDPOINT,
                         "body": {**params, **request, "model": model}}, ensure_ascii=False)
             for item_id, request in requests_of(prompts)]
    return "\n".join(lines) + "\n"


def submit(client, prompts, *, model: str | None = None, metadata: dict | None = None, **params):
    """Upload the prompts as a JSONL file and create a batch; returns the Batch object."""
    model = model or getattr(client, "default_model", None)
    data = batch_lines(prompts, model, **params).encode("utf-8")
    upload = client.files.create(file=("batch.jsonl", io.BytesIO(data)), purpose="batch")
    return client.batches.create(input_file_id=upload.id, endpoint=ENDPOINT, completion_window="24h",
                                 metadata=metadata)


def wait(client, batch, *, poll: float = 1.0, timeout: float | None = None, progress: bool = True):
    """Poll until the batch ends (completed, failed, expired or cancelled); returns it."""
    from tqdm.auto import tqdm

    bar = tqdm(total=None, disable=not progress, unit="request", desc="batch")
    start = time.monotonic()
    try:
        while True:
            batch = client.batches.retrieve(batch.id)
            counts = batch.request_counts
            if counts and counts.total:
                bar.total = counts.total
                bar.n = counts.completed + counts.failed
                bar.set_postfix(status=batch.status, failed=counts.failed, refresh=True)
            if batch.status in FINAL:
                return batch
            if timeout is not None and time.monotonic() - start > timeout:
                raise ChatkitError(say("batch.still_running.what", id=batch.id, status=batch.status,
                                       timeout=timeout),
                                   fix=say("batch.still_running.fix"), docs=DOCS)
            time.sleep(poll)
    finally:
        bar.close()


def collect(client, batch, prompts) -> list[Result]:
    """The batch's results in input order: each output line joined to its prompt by custom_id."""
    if batch.status == "failed":
        problems = "; ".join(say("batch.failed_line", line=e.line, message=e.message)
                             for e in (batch.errors.data if batch.errors else []))
        raise ChatkitError(say("batch.failed.what", id=batch.id, problems=problems or say("batch.no_details")),
                           fix=say("batch.failed.fix"), docs=DOCS)
    found: dict[str, Result] = {}
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            for line in client.files.content(file_id).text.splitlines():
                if line.strip():
                    result = _result(json.loads(line))
                    found[result.id] = result
    missing = "not in the batch's output or error file (the batch ended first)"
    return [found.get(item_id) or Result(item_id, "skipped", error=missing) for item_id, _ in requests_of(prompts)]


def _result(line: dict) -> Result:
    response, error = line.get("response") or {}, line.get("error")
    body = response.get("body") or {}
    if error or response.get("status_code") != 200:
        message = (error or body.get("error") or {}).get("message", "failed")
        code = (error or body.get("error") or {}).get("code")
        return Result(line["custom_id"], "failed", attempts=1,
                      error=f"{response.get('status_code', '')} {code or ''}: {message}".strip())
    usage = body.get("usage") or {}
    return Result(line["custom_id"], "ok", body["choices"][0]["message"]["content"],
                  {k: usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}, attempts=1)
