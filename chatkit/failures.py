"""``explain(exc)``: the one place that turns an error into what happened and what to do next.

Every widget, the doctor, ``verify``, ``Conversation`` and the command line read errors
through here, so a 429 is explained the same way everywhere. A learner can call it too:

>>> try:
...     client.chat.completions.create(model="no-such-model", messages=[])   # doctest: +SKIP
... except Exception as exc:
...     print(chatkit.explain(exc))
✗ The server has no model named 'no-such-model' (404 model_not_found).
  Likely cause: a typo in the model name, or a model this server (or your project) does not offer.
  What to do: pick a model from client.models.list(), or set CHATKIT_MODEL in .env.
  Retry? No: the same request will fail the same way.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import sys
from dataclasses import dataclass

import openai

from .errors import ChatkitError
from .keys import mask_key

DOCS = "notebooks/07-handle-errors-limits-and-logs.ipynb"
# 429s that are about money, not speed: their type is insufficient_quota and the code says which
# limit was reached (OpenAI's help center, checked 2026-11-26). Waiting never fixes them.
BILLING = {
    "credit_balance_exhausted": "the account has no prepaid credit left",
    "organization_usage_limit_exceeded": "the organization reached the usage limit OpenAI gave it",
    "organization_spend_limit_exceeded": "the organization reached the spend limit set on it",
    "project_spend_limit_exceeded": "this project reached the spend limit set on it",
    "insufficient_quota": "no credit left, or a spend or usage limit reached",
}
# Anything shaped like an API key, so that no message we build can carry one in full.
_KEYISH = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{8,}")


@dataclass(frozen=True)
class Explanation:
    """What happened, the likely cause, what to do next, and whether retrying can help."""

    kind: str  # e.g. "wrong_key", "quota", "rate_limit", "model", "refused", "network", "server"
    what: str
    cause: str
    fix: str
    retry: bool
    status: int | None = None
    code: str | None = None
    docs: str = ""

    def line(self) -> str:
        """One line for a status bar: what happened, the fix, and where to read more."""
        return f"{self.what} Fix: {self.fix}" + (f" (See {self.docs})" if self.docs else "")

    def __str__(self) -> str:
        retry = ("Yes: wait a little and send it again (the SDK does this for you, see max_retries)."
                 if self.retry else "No: the same request will fail the same way.")
        return (f"✗ {self.what}\n  Likely cause: {self.cause}\n  What to do: {self.fix}\n  Retry? {retry}")

    def _repr_html_(self) -> str:
        import html

        rows = [("Likely cause", self.cause), ("What to do", self.fix), ("Retry?", "yes" if self.retry else "no")]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in rows)
        return f"<b>✗ {html.escape(self.what)}</b><table>{body}</table>"


def mask_secrets(text: str) -> str:
    """Mask anything in ``text`` that looks like an API key.

    >>> mask_secrets("Incorrect API key provided: sk-proj-abcdefghijklmnop1234.")
    'Incorrect API key provided: sk-proj-…1234.'
    """
    return _KEYISH.sub(lambda m: mask_key(m.group(0)), text)


def explain(exc: BaseException | None = None) -> Explanation:
    """Explain ``exc``; with no argument, the last error raised in this notebook or session.

    >>> print(chatkit.explain(exc).fix)                                # doctest: +SKIP
    Wait 2 s and send it again (the SDK retries 429s by itself: see max_retries).
    """
    exc = exc if exc is not None else getattr(sys, "last_value", None)
    if exc is None:
        return Explanation("none", "No error to explain.", "Nothing has failed yet in this session.",
                           "Pass the exception: except Exception as exc: chatkit.explain(exc).", False)
    for explainer in (_chatkit, _status, _timeout, _connection, _client_setup):
        found = explainer(exc)
        if found:
            return found
    text = str(exc).rstrip(".")
    return Explanation("unknown", mask_secrets(f"Unexpected error: {type(exc).__name__}: {text}."),
                       "not one of the usual API errors; the traceback shows where it came from.",
                       "Read the traceback from the bottom up; if it points into chatkit, please report it.", False)


# --- chatkit's own errors and the SDK's setup errors ------------------------------------

def _chatkit(exc) -> Explanation | None:
    if not isinstance(exc, ChatkitError):
        return None
    kind = getattr(exc, "kind", "chatkit")
    cause = getattr(exc, "cause", "see the message above.")
    return Explanation(kind, mask_secrets(exc.what), cause, mask_secrets(exc.fix) or "See the docs.", False,
                       docs=exc.docs)


def _client_setup(exc) -> Explanation | None:
    if isinstance(exc, openai.OpenAIError) and "api_key" in str(exc):
        return Explanation("missing_key", "The client has no API key.",
                           "OPENAI_API_KEY is not set, and no api_key= was given.",
                           "Use chatkit.connect() (the sandbox needs no key), or save your key to .env "
                           "(notebook 02) and restart the kernel.", False)
    return None


# --- the server answered with an error -----------------------------------------------

def _status(exc) -> Explanation | None:
    if not isinstance(exc, openai.APIStatusError):
        return None
    status, code = exc.status_code, _code(exc)
    message = _message(exc)
    said = f"({status}{' ' + code if code else ''})"
    if status == 401:
        return _unauthorized(exc, message, said)
    if status == 403:
        return _forbidden(mask_key(_sent_key(exc)), message, said, code)
    if status == 404:
        return _not_found(exc, message, said, code)
    if status == 429:
        return _too_many(exc, message, said, code)
    if status in (400, 413, 422):
        return _bad_request(exc, message, said, code)
    if status == 408:
        return Explanation("timeout", f"The server timed out waiting for the request {said}.",
                           "a slow or interrupted upload.", "Send it again.", True, status, code)
    if status >= 500:
        return Explanation("server", f"The server had a problem {said}: {message}.",
                           "an outage or overload on the provider's side, not your code.",
                           "Wait a few seconds and send it again; if it lasts, check the provider's status page.",
                           True, status, code)
    return Explanation("http", f"The server answered {status}: {message}.", "see the server's message.",
                       "Read the message; if it is unclear, run 'python -m chatkit doctor'.", False, status, code)


def _unauthorized(exc, message: str, said: str) -> Explanation:
    key = _sent_key(exc)
    if not key:
        return Explanation("missing_key", f"No API key reached the server {said}.",
                           "the client was made without a key, or the key variable is empty.",
                           "Save your key to .env (notebook 02), restart the kernel, and use chatkit.connect().",
                           False, 401, _code(exc))
    if key.startswith("sk-sandbox-"):
        fix = ("Copy the key again (one wrong character is enough), or make a new one with: python -m chatkit keys "
               "create --save. A sandbox key works only with the sandbox whose data folder made it (add --data-dir "
               "DIR if yours uses another folder).")
    else:
        fix = ("Copy the key again from the provider's API keys page (or create a new one), save it to .env, "
               "restart the kernel, and check it with chatkit.verify(client).")
    return Explanation("wrong_key", f"The server refused the key {mask_key(key)} {said}: {message}.",
                       "the key is mistyped, revoked, or made for another server or provider.", fix,
                       False, 401, _code(exc))


def _forbidden(key: str, message: str, said: str, code: str | None) -> Explanation:
    if code == "unsupported_country_region_territory":
        return Explanation("region", f"The provider does not serve your country or region {said}.",
                           "OpenAI refuses requests from some places (including mainland China, Hong Kong and Macau).",
                           "Use a provider that serves your region (notebook 01), or the offline sandbox.", False, 403,
                           code)
    return Explanation("permission", f"The key {key} may not do this {said}: {message}.",
                       "a restricted key without this permission, or a project without access to this model.",
                       "Give the key the permission (API keys page, Permissions) or use another model.",
                       False, 403, code)


def _not_found(exc, message: str, said: str, code: str | None) -> Explanation:
    offered = _not_offered(exc, code)
    if offered:
        return offered
    model = _sent(exc).get("model")
    if code == "model_not_found" or (model and str(model) in message):
        return Explanation("model", f"The server has no model named {model!r} {said}.",
                           "a typo in the model name, or a model this server (or your project) does not offer.",
                           "Pick a model from the list (client.models.list() shows them all), or set CHATKIT_MODEL "
                           "in .env.", False, 404, code)
    path = exc.request.url.path if exc.request is not None else "?"
    return Explanation("url", f"The server has no endpoint {path} {said}.",
                       "a base URL without /v1 (or with it twice), or a provider that lacks this API: many "
                       "compatible providers offer Chat Completions but not the Responses API.",
                       "Check OPENAI_BASE_URL; if the provider lacks the endpoint, use "
                       "client.chat.completions.create instead.", False, 404, code)


def _not_offered(exc, code: str | None) -> Explanation | None:
    """A 404 from a provider known to lack the endpoint: the same stop as ``chatkit.providers.require``."""
    from dataclasses import replace

    from .providers import NotSupported, endpoint_of, match

    if exc.request is None:
        return None
    provider, endpoint = match(str(exc.request.url)), endpoint_of(exc.request.url.path)
    if provider is None or endpoint is None or provider.offers.get(endpoint) is not False:
        return None
    return replace(_chatkit(NotSupported(provider, endpoint)), status=404, code=code)


def is_billing(exc) -> bool:
    """True for a 429 about money (no credit, a spend or usage limit): retrying cannot help."""
    return getattr(exc, "status_code", None) == 429 and (
        getattr(exc, "code", None) in BILLING or getattr(exc, "type", None) == "insufficient_quota")


def _too_many(exc, message: str, said: str, code: str | None) -> Explanation:
    if is_billing(exc):
        fix = ("Raise or remove the spend limit (Settings, Limits), or wait for the monthly reset; "
               if "spend_limit" in (code or "") else "Add credit on the billing page, or ask for a higher limit; ")
        return Explanation("quota", f"The account may not spend more {said}.", BILLING.get(code, BILLING[
                           "insufficient_quota"]) + ": this is billing, not speed.",
                           fix + "in the sandbox, box.limits.reset(). Waiting will not help.", False, 429, code)
    wait = _retry_after(exc)
    too_large = exc.response.headers.get("x-should-retry") == "false"
    if too_large:
        return Explanation("rate_limit", f"The request is larger than the rate limit allows {said}: {message}.",
                           "one request needs more tokens per minute than the limit gives.",
                           "Lower max_tokens or shorten the input; waiting will not help.", False, 429, code)
    after = f"Wait {wait:g} s (the retry-after header) and" if wait is not None else "Wait a little and"
    return Explanation("rate_limit", f"Rate limit reached {said}: {message}.",
                       "too many requests or tokens per minute for your usage tier.",
                       f"{after} send it again; for many prompts, pace them (notebook 06).", True, 429, code)


def _bad_request(exc, message: str, said: str, code: str | None) -> Explanation:
    status, param = exc.status_code, getattr(exc, "param", None)
    if code == "context_length_exceeded":
        return Explanation("context_length", f"The request is longer than the model's context window {said}.",
                           "a conversation or document that grew past what the model reads at once.",
                           "Trim the history (Conversation(client, budget=1500)), shorten the input, or lower "
                           "max_tokens (notebook 05).", False, status, code)
    if "is only supported by certain models" in message:
        return Explanation("not_multimodal", f"This model cannot read that kind of input {said}: {message}.",
                           "an image, audio or file sent to a model that reads text only (such as the sandbox's).",
                           "Send text only, or use a model that reads images and audio (notebook 01 compares "
                           "them).", False, status, code)
    if status == 413:
        return Explanation("too_large", f"The request body is too large {said}: {message}.",
                           "a huge input, such as a whole file pasted into one message.",
                           "Send less text per request, or split the work (notebook 06).", False, status, code)
    where = f" Change the setting '{param}'." if param else ""
    return Explanation("bad_request", f"The server rejected the request {said}: {message}.{where}",
                       "a parameter out of range, of the wrong type, or not supported by this model or API.",
                       "Move the setting back into range (the message names it) and run again.", False, status,
                       code)


# --- no answer at all ------------------------------------------------------------------

def _timeout(exc) -> Explanation | None:
    if not isinstance(exc, openai.APITimeoutError):
        return None
    return Explanation("timeout", "The request timed out: no answer came in time.",
                       "a long generation, a busy server, or a slow network.",
                       "Send it again; if it keeps timing out, check your connection (and proxy), or give the "
                       "client more time: connect(timeout=120). A lower max_tokens makes answers shorter.", True)


def _connection(exc) -> Explanation | None:
    if not isinstance(exc, openai.APIConnectionError):
        return None
    host, causes = _host(exc), _causes(exc)
    if any(isinstance(c, socket.gaierror) or "name or service not known" in str(c).lower()
           or "nodename nor servname" in str(c).lower() for c in causes):
        return Explanation("host_not_found", f"The host name {_host(exc, name_only=True)!r} could not be found.",
                           "a typo in OPENAI_BASE_URL, or no network (or no DNS) on this machine.",
                           "Check the spelling of OPENAI_BASE_URL and that you are online.", True)
    if any(isinstance(c, ConnectionRefusedError) or "refused" in str(c).lower() for c in causes):
        local = any(name in host for name in ("127.0.0.1", "localhost"))
        cause = ("the sandbox (or local server) is not running, or runs on another port." if local
                 else "nothing is listening at that address.")
        return Explanation("refused", f"Nothing is listening at {host}.", cause,
                           "Start the server: chatkit.connect() starts the sandbox for you; for a server of your "
                           "own, start it or fix OPENAI_BASE_URL.", True)
    if any("proxy" in type(c).__name__.lower() or "proxy" in str(c).lower() for c in causes):
        return Explanation("proxy", f"The proxy refused or failed the connection to {host}.",
                           "a proxy setting (HTTPS_PROXY) that is wrong, or a proxy that blocks the provider.",
                           "Check HTTPS_PROXY / HTTP_PROXY, or ask whoever runs your network.", True)
    if any(isinstance(c, ssl.SSLError) or "certificate" in str(c).lower() for c in causes):
        return Explanation("certificate", f"The secure connection to {host} failed (certificate).",
                           "a network that intercepts HTTPS (company proxy), or a clock far off.",
                           "Ask for the proxy's certificate (SSL_CERT_FILE), or check the system clock.", False)
    return Explanation("network", f"Could not reach {host}.",
                       "no network, a firewall or proxy, or the server went away mid-request.",
                       "Check your connection (and proxy settings), then send it again.", True)


# --- reading the exception -------------------------------------------------------------

def _code(exc, field: str = "code") -> str | None:
    value = getattr(exc, field, None)
    return mask_secrets(str(value)) if value else None


def _message(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and body.get("message"):
        text = str(body["message"])
    else:
        text = getattr(exc, "message", "") or str(exc)
    return mask_secrets(text.strip().rstrip("."))[:500]


def _sent(exc) -> dict:
    """The JSON body the client sent, if any (the SDK keeps the request on the exception)."""
    request = getattr(exc, "request", None)
    try:
        body = json.loads(request.content) if request is not None and request.content else {}
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


def _sent_key(exc) -> str:
    request = getattr(exc, "request", None)
    header = request.headers.get("authorization", "") if request is not None else ""
    return header.removeprefix("Bearer ").strip()


def _retry_after(exc) -> float | None:
    headers = exc.response.headers
    try:
        if headers.get("retry-after-ms"):
            return round(float(headers["retry-after-ms"]) / 1000, 1)
        if headers.get("retry-after"):
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None


def _host(exc, name_only: bool = False) -> str:
    request = getattr(exc, "request", None)
    if request is None:
        return "the server"
    url = request.url
    if name_only:
        return url.host
    return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")


def _causes(exc) -> list[BaseException]:
    chain, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain
