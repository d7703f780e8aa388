"""Check a key with one cheap call, and say which of the usual problems it is."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import openai

from .keys import mask_key


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`verify`: ``ok``, and if not, the ``problem``, what happened and the fix."""

    ok: bool
    problem: str | None  # None, "wrong_key", "permission", "base_url", "network"
    message: str
    fix: str = ""

    def __str__(self) -> str:
        return f"✓ {self.message}" if self.ok else f"✗ {self.message}\n  Fix: {self.fix}"


def verify(client: openai.OpenAI) -> Verdict:
    """List the models with ``client``'s key: costs nothing, proves the key and the URL work.

    >>> print(verify(chatkit.connect()))                     # doctest: +SKIP
    ✓ The key sk-sandbox-…x1Yz works at http://127.0.0.1:50123/v1 (1 model available).
    """
    url, key = str(client.base_url), mask_key(client.api_key)
    try:
        # The raw answer, not the SDK's parsed page: a web page answering 200 must not crash.
        response = client.with_options(max_retries=0, timeout=15).models.with_raw_response.list()
    except openai.AuthenticationError:
        return Verdict(False, "wrong_key", f"The server at {url} refused the key {key} (wrong or revoked).",
                       "Copy the key again from the API keys page, or create a new one, then save it to .env.")
    except openai.PermissionDeniedError:
        return Verdict(False, "permission", f"The key {key} works but may not list models.",
                       "Give the key the 'Models: read' permission, or use an unrestricted key.")
    except openai.NotFoundError:
        return _not_an_api(url)
    except openai.APIConnectionError as exc:
        return _connection_problem(url, exc)
    models = _model_list(response.text)
    if models is None:
        return _not_an_api(url)
    count = f"{len(models)} model" + ("" if len(models) == 1 else "s")
    return Verdict(True, None, f"The key {key} works at {url} ({count} available).")


def _not_an_api(url: str) -> Verdict:
    return Verdict(False, "base_url", f"{url} answered, but not like an OpenAI-compatible API.",
                   "Check OPENAI_BASE_URL: it usually ends with /v1.")


def _model_list(text: str) -> list | None:
    """The ``data`` list of a /models answer, or None if the answer is not one (e.g. a web page)."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, list) else None


def _connection_problem(url: str, exc: Exception) -> Verdict:
    host = urlparse(url).hostname or url
    causes = []
    while exc is not None:
        causes.append(exc)
        exc = exc.__cause__ or exc.__context__
    if any(isinstance(c, socket.gaierror) or "Name or service not known" in str(c) for c in causes):
        return Verdict(False, "base_url", f"The host name '{host}' could not be found.",
                       "Check the spelling of OPENAI_BASE_URL, and that you are online.")
    if any(isinstance(c, ConnectionRefusedError) or "refused" in str(c).lower() for c in causes):
        return Verdict(False, "base_url", f"Nothing is listening at {url}.",
                       "Start the server (for a local model) or fix OPENAI_BASE_URL.")
    return Verdict(False, "network", f"Could not reach {url} (no network, a proxy or a firewall).",
                   "Check your internet connection or proxy settings, then try again.")
