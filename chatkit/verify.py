"""Check a key with one cheap call, and say which of the usual problems it is."""

from __future__ import annotations

import json
from dataclasses import dataclass

import openai

from .failures import explain
from .keys import mask_key
from .messages import say

# What went wrong, in the words of chatkit.explain, grouped into verify's four problems.
PROBLEMS = {"wrong_key": "wrong_key", "missing_key": "wrong_key", "permission": "permission", "region": "permission",
            "host_not_found": "base_url", "refused": "base_url"}


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`verify`: ``ok``, and if not, the ``problem``, what happened and the fix."""

    ok: bool
    problem: str | None  # None, "wrong_key", "permission", "base_url", "network" (anything else)
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"✓ {self.message}" if self.ok else say("verify.failed", message=self.message, fix=self.fix)


def verify(client: openai.OpenAI) -> Verdict:
    """List the models with ``client``'s key: costs nothing, proves the key and the URL work.

    >>> print(verify(chatkit.connect()))                     # doctest: +SKIP
    ✓ The key sk-sandbox-…x1Yz works at http://127.0.0.1:50123/v1 (1 model available).
    """
    url, key = str(client.base_url), mask_key(client.api_key)
    try:
        # The raw answer, not the SDK's parsed page: a web page answering 200 must not crash.
        response = client.with_options(max_retries=0, timeout=15).models.with_raw_response.list()
    except openai.APIError as exc:
        found = explain(exc)
        if found.kind in ("url", "model"):
            return _not_an_api(url)
        return Verdict(False, PROBLEMS.get(found.kind, "network"), found.what, found.fix)
    models = _model_list(response.text)
    if models is None:
        return _not_an_api(url)
    works = "verify.works.one" if len(models) == 1 else "verify.works.many"
    return Verdict(True, None, say(works, key=key, url=url, count=len(models)))


def _not_an_api(url: str) -> Verdict:
    return Verdict(False, "base_url", say("verify.not_an_api.what", url=url), say("verify.not_an_api.fix"))


def _model_list(text: str) -> list | None:
    """The ``data`` list of a /models answer, or None if the answer is not one (e.g. a web page)."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, list) else None
