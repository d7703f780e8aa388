"""The OpenAI wire format: request bodies in, error bodies out.

Requests are validated with pydantic; a validation failure becomes the same 400
body the real API sends (``param`` and ``code`` filled in), so the official SDK
raises the same exception with the same fields.
"""

from __future__ import annotations

import json
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from ..reasoning import EFFORTS


class APIError(Exception):
    """An error the sandbox answers with, shaped like OpenAI's."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def model_not_found(model: str) -> APIError:
    return APIError(404, f"The model `{model}` does not exist or you do not have access to it.",
                    code="model_not_found")


def context_too_long(window: int, prompt: int, completion: int | None, param: str) -> APIError:
    if completion is None:
        detail = f"However, your {param} resulted in {prompt} tokens. Please reduce the length of the {param}."
    else:
        detail = (f"However, you requested {prompt + completion} tokens ({prompt} in the {param}, "
                  f"{completion} in the completion). Please reduce the length of the {param} or completion.")
    return APIError(400, f"This model's maximum context length is {window} tokens. {detail}",
                    param=param, code="context_length_exceeded")


# --- request bodies ---------------------------------------------------------------

# The platform refuses a value of the wrong JSON type where pydantic would convert it: "42" or
# 42.0 for an integer, "0.8" for a number, "yes" for a boolean. An integer is a number, though.
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]

class _Body(BaseModel):
    # Inside a request, unknown fields are ignored: items sent back from a response carry
    # fields (ids, statuses, annotations) that do not change the answer.
    model_config = ConfigDict(extra="ignore")


class _Request(_Body):
    """A request body. A parameter the sandbox does not know is refused, as the platform does;
    one it knows but cannot honour (``UNSUPPORTED``, by name or dotted path) is refused with the
    reason, unless it asks for what the sandbox does anyway (``ALREADY``): null, or a value listed
    there (a tuple lists several, ``str`` any string, and an object lists what each option may be)."""

    model_config = ConfigDict(extra="forbid")
    UNKNOWN: ClassVar[str] = "Unrecognized request argument supplied: {param}"
    UNSUPPORTED: ClassVar[dict[str, str]] = {}
    ALREADY: ClassVar[dict[str, object]] = {}


# Parameters of the real API that the sandbox refuses, and why (the README lists them).
NO_AUDIO = "The sandbox model reads and writes text only."
# Every effort the platform's API knows; which a model accepts: reasoner.py.
Effort = Literal[EFFORTS]
NO_SEARCH = "The sandbox has no web search."
NO_MODERATION = "The sandbox does not run moderation on requests or answers."
NO_VERBOSITY = "The sandbox's models do not take a verbosity: 'medium', the default, is what they do."
ONE_TIER = "The sandbox has one processing tier: send 'auto' or 'default', or leave it out."
# The sandbox keeps no prompt cache: a miss, which the platform may always give, is all it does. What
# a request may ask of the cache without asking more than that: no prewarming, the default lifetime.
CACHE_OPTIONS = {"mode": ("implicit", "explicit"), "ttl": "30m"}
NO_CACHE = ("The sandbox keeps no prompt cache: it takes the options that ask for no more than a miss (the default "
            "'ttl', no 'prewarm', no diagnostics).")


class TextPart(_Body):
    type: Literal["text", "input_text", "output_text"]
    text: str


Content = str | list[TextPart]


class FunctionCall(_Body):
    name: str
    arguments: str


class ToolCall(_Body):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessage(_Body):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Content | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None


class JSONSchemaFormat(_Body):
    name: str
    schema_: dict | None = Field(None, alias="schema")
    strict: Bool | None = None
    description: str | None = None


class ResponseFormat(_Body):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JSONSchemaFormat | None = None


class Function(_Body):
    name: str
    description: str | None = None
    parameters: dict | None = None
    strict: Bool | None = None


class ChatTool(_Body):
    type: Literal["function"]
    function: Function


class NamedFunction(_Body):
    name: str


class ChatToolChoice(_Body):
    type: Literal["function"]
    function: NamedFunction


class StreamOptions(_Body):
    model_config = ConfigDict(extra="forbid")
    include_usage: Bool = False
    # Random padding on the platform's stream events against network side channels; it carries no data
    # (the SDK drops it) and the sandbox serves its own machine, so both values leave the answer as it is.
    include_obfuscation: Bool = True


class ChatRequest(_Request):
    UNSUPPORTED = {"audio": NO_AUDIO, "modalities": NO_AUDIO, "verbosity": NO_VERBOSITY,
                   "web_search_options": NO_SEARCH, "moderation": NO_MODERATION,
                   "prediction": "The sandbox does not do predicted outputs.",
                   "functions": "Use 'tools' instead (functions is deprecated).",
                   "function_call": "Use 'tool_choice' instead (function_call is deprecated).",
                   "service_tier": ONE_TIER, "prompt_cache_options": NO_CACHE,
                   "store": "The sandbox does not keep chat completions (for evals or distillation); the Responses "
                            "API's 'store' keeps a conversation."}
    ALREADY = {"modalities": ["text"], "verbosity": "medium", "service_tier": ("auto", "default"), "store": False,
               "prompt_cache_options": CACHE_OPTIONS}
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    temperature: Number | None = Field(None, ge=0.0, le=2.0)
    top_p: Number | None = Field(None, ge=0.0, le=1.0)
    max_tokens: Int | None = Field(None, ge=1)
    max_completion_tokens: Int | None = Field(None, ge=1)
    stop: str | list[str] | None = Field(None)
    seed: Int | None = None
    presence_penalty: Number | None = Field(None, ge=-2.0, le=2.0)
    frequency_penalty: Number | None = Field(None, ge=-2.0, le=2.0)
    n: Int | None = Field(None, ge=1, le=8)
    logprobs: Bool | None = None
    top_logprobs: Int | None = Field(None, ge=0, le=20)
    logit_bias: dict[str, float] | None = None  # token ids as strings, checked against the vocabulary
    stream: Bool | None = None
    stream_options: StreamOptions | None = None
    response_format: ResponseFormat | None = None
    # The platform refuses an empty list here, with the 400 this gives ("Invalid 'tools': empty array…", quoted
    # in https://github.com/dnakov/anon-kode/issues/20, checked 2026-12-06); Responses takes one.
    tools: list[ChatTool] | None = Field(None, min_length=1)
    tool_choice: Literal["none", "auto", "required"] | ChatToolChoice | None = None
    parallel_tool_calls: Bool | None = None
    # Accepted; they change nothing in the answer, here or on the platform.
    user: str | None = None
    metadata: dict[str, str] | None = None
    reasoning_effort: Effort | None = None  # which a model accepts: reasoner.effort_for
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None  # a longest retention: the sandbox keeps none


class CompletionRequest(_Request):
    """The legacy ``POST /v1/completions``: text in, its continuation out."""

    model: str
    prompt: str | list[str | int | list[int]]  # the sandbox serves one string: see completions.py
    max_tokens: Int | None = Field(None, ge=1)
    temperature: Number | None = Field(None, ge=0.0, le=2.0)
    top_p: Number | None = Field(None, ge=0.0, le=1.0)
    n: Int | None = Field(None, ge=1, le=8)
    stop: str | list[str] | None = Field(None)
    seed: Int | None = None
    presence_penalty: Number | None = Field(None, ge=-2.0, le=2.0)
    frequency_penalty: Number | None = Field(None, ge=-2.0, le=2.0)
    logit_bias: dict[str, float] | None = None
    logprobs: Int | None = Field(None, ge=0, le=5)  # an Int: `false` must not mean 0
    echo: Bool | None = None
    best_of: Int | None = None
    suffix: str | None = None
    user: str | None = None
    stream: Bool | None = None
    stream_options: StreamOptions | None = None

class InputMessage(_Body):
    type: Literal["message"] = "message"
    role: Literal["system", "developer", "user", "assistant"]
    content: Content


class FunctionCallItem(_Body):
    """A tool call the model made earlier, sent back with its result."""

    type: Literal["function_call"]
    call_id: str
    name: str
    arguments: str


class FunctionCallOutput(_Body):
    type: Literal["function_call_output"]
    call_id: str
    output: str


class ReasoningItem(_Body):
    """A reasoning item from an earlier response, sent back with the rest of its output.

    Accepted so ``input=previous.output + [...]`` works; the sandbox does not read it, as the
    platform drops earlier turns' reasoning from the context.
    """

    type: Literal["reasoning"]
    summary: list = []


InputItem = InputMessage | FunctionCallItem | FunctionCallOutput | ReasoningItem


class ReasoningOptions(_Body):
    model_config = ConfigDict(extra="forbid")
    effort: Effort | None = None
    summary: Literal["auto", "concise", "detailed"] | None = None
    generate_summary: Literal["auto", "concise", "detailed"] | None = None  # the old name of summary


class TextFormat(JSONSchemaFormat):
    """Responses' ``text.format``: Chat's ``json_schema`` fields, flat, next to the type."""

    type: Literal["text", "json_object", "json_schema"]
    name: str | None = None


class TextOptions(_Body):
    model_config = ConfigDict(extra="forbid")
    format: TextFormat | None = None


class ResponsesStreamOptions(_Body):
    model_config = ConfigDict(extra="forbid")
    include_obfuscation: Bool = True  # as in StreamOptions


class ResponsesTool(_Body):
    # Only function tools run here; other types are refused with a clear 400 (responses.py).
    type: str
    name: str | None = None
    description: str | None = None
    parameters: dict | None = None
    strict: Bool | None = None


class ResponsesToolChoice(_Body):
    type: Literal["function"]
    name: str


class ResponsesRequest(_Request):
    UNKNOWN = "Unknown parameter: '{param}'."
    UNSUPPORTED = {"include": "The sandbox adds nothing to its output on request.",
                   "top_logprobs": "The sandbox gives log probabilities in Chat Completions only.",
                   "truncation": "The sandbox never truncates: a request over the context window gets a 400.",
                   "context_management": "The sandbox never compacts a conversation: a request over the context "
                                         "window gets a 400.",
                   "prompt": "The sandbox has no stored prompts.",
                   "conversation": "Use 'previous_response_id' here to continue a conversation.",
                   "moderation": NO_MODERATION, "service_tier": ONE_TIER, "prompt_cache_options": NO_CACHE,
                   "access_programs": "The sandbox's model has no access programs: only 'standard'.",
                   "background_options": "The sandbox starts a background response at once: only the 'soonest' "
                                         "window.",
                   "image": "The sandbox's model reads text only.",
                   "text.verbosity": NO_VERBOSITY,
                   "reasoning.context": "The sandbox drops earlier turns' reasoning ('current_turn').",
                   "reasoning.mode": "The sandbox has one reasoning mode, 'standard'."}
    ALREADY = {"include": [], "top_logprobs": 0, "truncation": "disabled", "context_management": [],
               "service_tier": ("auto", "default"), "text.verbosity": "medium",
               "prompt_cache_options": {**CACHE_OPTIONS, "prewarm": False},
               "access_programs": {"cyber": "standard"},
               "background_options": {"completion_window": "soonest", "continuation_id": str},
               "image": {"context_compression": ("auto", "disabled")},  # no image to compress
               "reasoning.context": ("auto", "current_turn"), "reasoning.mode": "standard"}
    model: str
    input: str | list[InputItem]
    instructions: str | None = None
    temperature: Number | None = Field(None, ge=0.0, le=2.0)
    top_p: Number | None = Field(None, ge=0.0, le=1.0)
    max_output_tokens: Int | None = Field(None, ge=16)
    previous_response_id: str | None = None
    store: Bool = True
    stream: Bool | None = None
    text: TextOptions | None = None
    tools: list[ResponsesTool] | None = None
    tool_choice: Literal["none", "auto", "required"] | ResponsesToolChoice | None = None
    parallel_tool_calls: Bool | None = None
    background: Bool | None = None
    reasoning: ReasoningOptions | None = None  # which efforts a model accepts: reasoner.effort_for
    stream_options: ResponsesStreamOptions | None = None
    # Accepted; they change nothing in the answer, here or on the platform.
    user: str | None = None
    metadata: dict[str, str] | None = None
    safety_identifier: str | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: Literal["in_memory", "24h"] | None = None  # a longest retention: the sandbox keeps none
    max_tool_calls: Int | None = None  # counts calls of built-in tools, of which the sandbox has none


_NOT_ALLOWED = object()


def parse(model: type[BaseModel], data: object) -> BaseModel:
    """Validate a JSON body, raising the APIError OpenAI would send."""
    if not isinstance(data, dict):
        raise APIError(400, "The request body must be a JSON object.")
    data = _without_defaults(model, data)
    _text_only(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        if err["type"] == "extra_forbidden":
            param = ".".join(str(p) for p in err["loc"])
            raise APIError(400, model.UNKNOWN.format(param=param), param=param, code="unknown_parameter") from None
        raise _to_api_error(err) from None


def _without_defaults(model: type[_Request], data: dict) -> dict:
    """``data`` without the parameters the sandbox cannot honour, once each is seen to ask for what it does
    anyway (else the 400 that names it): they have nothing left to say."""
    data = dict(data)
    for path, why in model.UNSUPPORTED.items():
        *parent, name = path.split(".")
        holder = data.get(parent[0]) if parent else data
        if not isinstance(holder, dict) or name not in holder:
            continue
        already = model.ALREADY.get(path, _NOT_ALLOWED)
        beyond = _beyond(holder[name], already, path)
        if beyond and already is _NOT_ALLOWED:
            raise APIError(400, f"Unsupported parameter: '{path}' is not supported with this model. {why}",
                           param=path, code="unsupported_parameter")
        if beyond:
            where, value = beyond
            raise APIError(400, f"Unsupported value: {json.dumps(value)[:60]} is not supported for '{where}' with "
                           f"this model. {why}", param=where, code="unsupported_value")
        if parent:
            data[parent[0]] = {key: value for key, value in holder.items() if key != name}
        else:
            del data[name]
    return data


def _beyond(value: object, already: object, path: str) -> tuple[str, object] | None:
    """Where ``value`` asks for more than ``already`` allows, and what it asks there; None if it does not."""
    if value is None:
        return None
    if isinstance(already, dict) and isinstance(value, dict):
        return next(filter(None, (_beyond(sub, already.get(key, _NOT_ALLOWED), f"{path}.{key}")
                                  for key, sub in value.items())), None)
    for allowed in already if isinstance(already, tuple) else (already,):
        if isinstance(value, str) if allowed is str else (type(value) is type(allowed) and value == allowed):
            return None
    return path, value


MEDIA_PARTS = ("image_url", "input_image", "input_audio", "input_file", "file", "audio")


def _text_only(data: dict) -> None:
    """An image, audio or file part gets the 400 a text-only model gives (the sandbox model reads text)."""
    where = "messages" if isinstance(data.get("messages"), list) else "input"
    items = data.get(where)
    if not isinstance(items, list):
        return
    for i, item in enumerate(items):
        parts = item.get("content") if isinstance(item, dict) else None
        for j, part in enumerate(parts if isinstance(parts, list) else []):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind in MEDIA_PARTS:
                raise APIError(400, f"Invalid content type. {kind} is only supported by certain models.",
                               param=f"{where}.[{i}].content.[{j}].type")


def _to_api_error(err: dict) -> APIError:
    loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in ("str", "list", "none")))]
    param = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    kind, ctx, got = err["type"], err.get("ctx", {}), err.get("input")
    limit = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), 0)
    number = "decimal" if isinstance(limit, float) else "integer"
    if kind == "missing":
        return APIError(400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")
    if kind in ("greater_than_equal", "greater_than"):
        return APIError(400, f"Invalid '{param}': {number} below minimum value. Expected a value >= {limit:g}, "
                        f"but got {got} instead.", param=param, code=f"{number}_below_min_value")
    if kind in ("less_than_equal", "less_than"):
        return APIError(400, f"Invalid '{param}': {number} above maximum value. Expected a value <= {limit:g}, "
                        f"but got {got} instead.", param=param, code=f"{number}_above_max_value")
    if kind == "too_short":
        return APIError(400, f"Invalid '{param}': empty array. Expected an array with minimum length "
                        f"{ctx.get('min_length', 1)}, but got an empty array instead.", param=param, code="empty_array")
    if kind == "literal_error":
        return APIError(400, f"Invalid value: {got!r}. Supported values are: {_as_listed(ctx.get('expected', ''))}.",
                        param=param, code="invalid_value")
    expected = EXPECTED.get(kind, err["msg"].lower().removeprefix("input should be "))
    return APIError(400, f"Invalid type for '{param}': expected {expected}, but got {_json_type(got)} instead.",
                    param=param, code="invalid_type")


# The platform's words for JSON types, in "Invalid type for 'seed': expected an integer, but got a
# string instead." (a decimal number is not "an integer", even 42.0).
EXPECTED = {"int_type": "an integer", "float_type": "a decimal", "bool_type": "a boolean", "string_type": "a string",
            "list_type": "an array", "dict_type": "an object", "model_type": "an object"}


def _json_type(value: object) -> str:
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a decimal number"), (str, "a string"),
                       (list, "an array"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return "null"


def _as_listed(expected: str) -> str:
    """Pydantic's "'a', 'b' or 'c'" as the platform lists values: "'a', 'b', and 'c'" ("'a' and 'b'" for two)."""
    return expected.replace(" or ", ", and " if "," in expected else " and ")


def text_of(content: Content | None) -> str:
    """The plain text of a message's content (a string or a list of text parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.text for part in content)
