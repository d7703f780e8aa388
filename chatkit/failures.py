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

The words are the catalogue's (``explain.*`` in chatkit/messages/), in the learner's language;
``kind``, ``status``, ``code``, ``retry`` and the server's own message stay as they are.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
from dataclasses import dataclass, replace

import openai

from .errors import ChatkitError
from .keys import KEYISH, mask_key
from .messages import say
from .providers import NotSupported, endpoint_of, match, presets
from .reasoning import SAMPLING

DOCS = "notebooks/07-handle-errors-limits-and-logs.ipynb"
# 429s that are about money, not speed: their type is insufficient_quota and the code says which
# limit was reached (OpenAI's help center, checked 2026-11-26). Waiting never fixes them. The
# reason each code gives is the catalogue's billing.<code>.
BILLING = ("credit_balance_exhausted", "organization_usage_limit_exceeded", "organization_spend_limit_exceeded",
           "project_spend_limit_exceeded", "insufficient_quota")
# Content-safety refusals, the errors learners in China meet most: each provider's code (or type) as its
# documentation shows it, checked 2026-12-06. All are HTTP 400, and the same words fail the same way.
#   zhipu: code "1301"; beside "error", contentFilter [{"role": "user" or "assistant", "level": 0-3}]
#     (docs.bigmodel.cn/cn/guide/platform/securityaudit; docs.z.ai/api-reference/api-code)
#   qwen (DashScope): code and type "data_inspection_failed" ("DataInspectionFailed" on its own API), message
#     "Input data may contain inappropriate content." or "Output data ..."; mid-stream it arrives as an error
#     event, which the SDK raises as a plain APIError (help.aliyun.com/zh/model-studio/developer-reference/error-code)
#   moonshot (Kimi): type "content_filter", no code, "The request was rejected because it was considered high risk"
#     (platform.kimi.com/docs/api/errors)
#   ark (Volcano Ark): type "BadRequest", code SensitiveContentDetected (.SevereViolation, .Violence...),
#     InputTextSensitiveContentDetected, InputTextRiskDetection, OutputTextRiskDetection... (CONTENT_CODE_ENDS)
#     (volcengine.com/docs/82379/1299023, updated 2025-11-07)
#   deepseek: {"detail": "Content Exists Risk"}, no "error" object (a maintainer in
#     github.com/deepseek-ai/DeepSeek-V2/issues/30, 2024-05; DeepSeek's error-code page does not list it)
# Qianfan (ERNIE) and Hunyuan: no content-safety code found in their documentation on that date.
# The provider each code belongs to, for a server chatkit cannot name by its URL; content_filter is Azure's
# code too, so only the URL says whose it is.
REFUSALS = {"1301": "zhipu", "data_inspection_failed": "qwen", "DataInspectionFailed": "qwen",
            "content_filter": None, "Content Exists Risk": "deepseek"}
CONTENT_CODE_ENDS = ("SensitiveContentDetected", "RiskDetection")  # Volcano Ark's, before any ".Violence"
# Finish reasons that mean a filter cut the answer: OpenAI's content_filter (DeepSeek's reference lists it too);
# Zhipu's "sensitive", on the last chunk of a stream (docs.bigmodel.cn/cn/guide/platform/securityaudit).
FILTERED = {"content_filter": None, "sensitive": "zhipu"}


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
        if self.docs:
            return say("explanation.line_docs", what=self.what, fix=self.fix, docs=self.docs)
        return say("explanation.line", what=self.what, fix=self.fix)

    def __str__(self) -> str:
        retry = say("explanation.retry_yes" if self.retry else "explanation.retry_no")
        return say("explanation.text", what=self.what, cause=self.cause, fix=self.fix, retry=retry)

    def _repr_html_(self) -> str:
        import html

        rows = [(say("explanation.cause"), self.cause), (say("explanation.fix"), self.fix),
                (say("explanation.retry"), say("explanation.yes" if self.retry else "explanation.no"))]
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in rows)
        return f"<b>✗ {html.escape(self.what)}</b><table>{body}</table>"


def mask_secrets(text: str) -> str:
    """Mask anything in ``text`` that looks like an API key.

    >>> mask_secrets("Incorrect API key provided: sk-proj-abcdefghijklmnop1234.")
    'Incorrect API key provided: sk-proj-…1234.'
    >>> mask_secrets("Incorrect API key provided: sk-sandbox-…D1e4.")      # masked already: left as it is
    'Incorrect API key provided: sk-sandbox-…D1e4.'
    """
    return KEYISH.sub(lambda m: mask_key(m.group(0)), text)


def explain(exc: BaseException | object | None = None) -> Explanation:
    """Explain ``exc``; with no argument, the last error raised in this notebook or session.

    ``exc`` may also be an answer (a chat completion, one of its choices or chunks, or a Responses
    response): a provider's filter can cut an answer that arrives without an error, and only its
    finish reason says so.

    >>> print(chatkit.explain(exc).fix)                                # doctest: +SKIP
    Wait 2 s and send it again (the SDK retries 429s by itself: see max_retries).
    >>> chatkit.explain(reply).kind                                     # doctest: +SKIP
    'content_filter'
    """
    exc = exc if exc is not None else getattr(sys, "last_value", None)
    if exc is None:
        return _told("none", False)
    if not isinstance(exc, BaseException):
        return _answer(exc)
    for explainer in (_chatkit, _refused, _status, _timeout, _connection, _client_setup):
        found = explainer(exc)
        if found:
            return found
    return _told("unknown", False, error=type(exc).__name__, text=mask_secrets(str(exc).rstrip(".")))


def _told(kind: str, retry: bool, status: int | None = None, code: str | None = None, /, *, entry: str | None = None,
          what: str = "what", cause: str = "cause", fix: str = "fix", **fields) -> Explanation:
    """The catalogue's ``explain.<entry>.what``, ``.cause`` and ``.fix`` (``entry`` defaults to ``kind``), filled in
    with ``fields``; ``what``, ``cause`` and ``fix`` choose another variant of an entry ("fix_sandbox")."""
    entry = f"explain.{entry or kind}"
    return Explanation(kind, say(f"{entry}.{what}", **fields), say(f"{entry}.{cause}", **fields),
                       say(f"{entry}.{fix}", **fields), retry, status, code)


# --- chatkit's own errors and the SDK's setup errors ------------------------------------

def _chatkit(exc) -> Explanation | None:
    if not isinstance(exc, ChatkitError):
        return None
    kind = getattr(exc, "kind", "chatkit")
    cause = exc.cause if hasattr(exc, "cause") else say("explain.chatkit.cause")
    return Explanation(kind, mask_secrets(exc.what), cause, mask_secrets(exc.fix) or say("explain.chatkit.fix"),
                       False, docs=exc.docs)


def _client_setup(exc) -> Explanation | None:
    if isinstance(exc, openai.OpenAIError) and "api_key" in str(exc):
        return _told("missing_key", False)
    return None


# --- the provider's content filter ----------------------------------------------------

def _refused(exc) -> Explanation | None:
    """A content-safety refusal (REFUSALS), as an error status or as an error event mid-stream."""
    if not isinstance(exc, openai.APIError):
        return None
    body = exc.body if isinstance(exc.body, dict) else {}
    code = next((str(v) for v in (exc.code, exc.type, body.get("detail")) if v and _refusal(str(v))), None)
    if code is None:
        return None
    status = getattr(exc, "status_code", None)  # None: an error event in the middle of a stream
    what = {"input": "what_input", "output": "what_output"}.get(_side(exc, code), "what")
    return _told("content_filter", False, status, code, what=what, provider=_provider(exc, REFUSALS.get(code)),
                 said=say("explanation.said_code", status=status, code=code) if status
                 else say("explanation.said", status=code), message=_message(exc))


def _refusal(code: str) -> bool:
    return code in REFUSALS or code.split(".")[0].endswith(CONTENT_CODE_ENDS)


def _side(exc, code: str) -> str | None:
    """Whether the prompt ("input") or the answer ("output") was refused, where the provider says."""
    if code.startswith(("Input", "Output")):
        return "input" if code.startswith("Input") else "output"
    message = str(getattr(exc, "message", "")).lower()
    if "input" in message or "output" in message:
        return "input" if "input" in message else "output"
    try:
        flagged = exc.response.json().get("contentFilter") or []
    except Exception:
        return None
    roles = {item.get("role") for item in flagged if isinstance(item, dict)}
    return {frozenset({"user"}): "input", frozenset({"assistant"}): "output"}.get(frozenset(roles))


def _provider(exc, known: str | None) -> str:
    """The provider's title: from the URL the request went to, else the provider whose code it is."""
    request = getattr(exc, "request", None)
    found = match(str(request.url)) if request is not None else None
    return found.title if found else _title(known)


def _title(name: str | None) -> str:
    found = presets().get(name or "")
    return found.title if found else say("explain.no_provider")


def _answer(answer) -> Explanation:
    """An answer that arrived: cut by a filter, cut at the output limit, or finished."""
    reason = _finish_reason(answer)
    if reason is None:
        return _told("unknown", False, error=type(answer).__name__, text=mask_secrets(repr(answer)[:200]))
    if reason in FILTERED:
        return _told("content_filter", False, None, reason, entry="filtered", reason=reason,
                     provider=_title(FILTERED[reason]))
    if reason == "length":
        return _told("length", False, None, reason, reason=reason)
    return _told("finished", False, None, reason, reason=reason)


def _finish_reason(answer) -> str | None:
    """A chat completion's (or chunk's) first choice's finish_reason; a Responses response's, in those words."""
    choices = getattr(answer, "choices", None)
    answer = choices[0] if choices else answer
    reason = getattr(answer, "finish_reason", None)
    details = getattr(answer, "incomplete_details", None)
    if reason is None and details is not None:
        reason = "length" if details.reason == "max_output_tokens" else details.reason
    elif reason is None and getattr(answer, "status", None) == "completed":
        reason = "stop"
    return reason


# --- the server answered with an error -----------------------------------------------

def _status(exc) -> Explanation | None:
    if not isinstance(exc, openai.APIStatusError):
        return None
    status, code = exc.status_code, _code(exc)
    message = _message(exc)
    said = say("explanation.said_code" if code else "explanation.said", status=status, code=code)
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
        return _told("timeout", True, status, code, entry="server_timeout", said=said)
    if status >= 500:
        return _told("server", True, status, code, said=said, message=message)
    return _told("http", False, status, code, status=status, message=message)


def _unauthorized(exc, message: str, said: str) -> Explanation:
    key = _sent_key(exc)
    if not key:
        return _told("missing_key", False, 401, _code(exc), entry="no_key_sent", said=said)
    fix = next((fix for prefix, fix in (("sk-sandbox-", "fix_sandbox"), ("sk-class-", "fix_class"))
                if key.startswith(prefix)), "fix")
    return _told("wrong_key", False, 401, _code(exc), fix=fix, key=mask_key(key), said=said, message=message)


def _forbidden(key: str, message: str, said: str, code: str | None) -> Explanation:
    if code == "unsupported_country_region_territory":
        return _told("region", False, 403, code, said=said)
    return _told("permission", False, 403, code, key=key, said=said, message=message)


def _not_found(exc, message: str, said: str, code: str | None) -> Explanation:
    offered = _not_offered(exc, code)
    if offered:
        return offered
    model = _sent(exc).get("model")
    if code == "model_not_found" or (model and str(model) in message):
        return _told("model", False, 404, code, model=model, said=said)
    path = exc.request.url.path if exc.request is not None else "?"
    return _told("url", False, 404, code, path=path, said=said)


def _not_offered(exc, code: str | None) -> Explanation | None:
    """A 404 from a provider known to lack the endpoint: the same stop as ``chatkit.providers.require``."""
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
        reason = say(f"billing.{code if code in BILLING else 'insufficient_quota'}")
        fix = "fix_spend_limit" if "spend_limit" in (code or "") else "fix"
        return _told("quota", False, 429, code, fix=fix, said=said, reason=reason)
    wait = _retry_after(exc)
    too_large = exc.response.headers.get("x-should-retry") == "false"
    if too_large:
        return _told("rate_limit", False, 429, code, entry="over_limit", said=said, message=message)
    fix = "fix_wait" if wait is not None else "fix"
    return _told("rate_limit", True, 429, code, fix=fix, said=said, message=message, wait=wait)


def _bad_request(exc, message: str, said: str, code: str | None) -> Explanation:
    status, param = exc.status_code, getattr(exc, "param", None)
    if code == "context_length_exceeded":
        return _told("context_length", False, status, code, said=said)
    if "is only supported by certain models" in message:
        return _told("not_multimodal", False, status, code, said=said, message=message)
    if status == 413:
        return _told("too_large", False, status, code, said=said, message=message)
    reasoning = _reasoning(param, code, message)
    if reasoning:
        return _told(reasoning, False, status, code, said=said, message=message, param=param,
                     model=_sent(exc).get("model"))
    what = "what_param" if param else "what"
    fix = "fix_type" if code == "invalid_type" else "fix"
    return _told("bad_request", False, status, code, what=what, fix=fix, said=said, message=message, param=param)


def _reasoning(param: str | None, code: str | None, message: str) -> str | None:
    """Which rule of reasoning models a 400 is about, if any: sampling settings, the effort, or max_tokens."""
    if code not in ("unsupported_parameter", "unsupported_value") and not message.startswith("Unsupported"):
        return None  # the Responses API has been seen to send these with no code
    if param in SAMPLING:
        return "reasoning_sampling"
    if param in ("reasoning_effort", "reasoning.effort"):
        return "reasoning_effort"
    if param == "max_tokens" and "max_completion_tokens" in message:
        return "reasoning_max_tokens"
    return None


# --- no answer at all ------------------------------------------------------------------

def _timeout(exc) -> Explanation | None:
    if not isinstance(exc, openai.APITimeoutError):
        return None
    return _told("timeout", True)


def _connection(exc) -> Explanation | None:
    if not isinstance(exc, openai.APIConnectionError):
        return None
    host, causes = _host(exc), _causes(exc)
    if any(isinstance(c, socket.gaierror) or "name or service not known" in str(c).lower()
           or "nodename nor servname" in str(c).lower() for c in causes):
        return _told("host_not_found", True, host=_host(exc, name_only=True))
    if any(isinstance(c, ConnectionRefusedError) or "refused" in str(c).lower() for c in causes):
        local = any(name in host for name in ("127.0.0.1", "localhost"))
        return _told("refused", True, cause="cause_local" if local else "cause", host=host)
    if any("proxy" in type(c).__name__.lower() or "proxy" in str(c).lower() for c in causes):
        return _told("proxy", True, host=host)
    if any(isinstance(c, ssl.SSLError) or "certificate" in str(c).lower() for c in causes):
        return _told("certificate", False, host=host)
    return _told("network", True, host=host)


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
    return mask_secrets(text.strip().rstrip(".。"))[:500]  # the catalogue ends the sentence


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
        return say("explain.no_host")
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
