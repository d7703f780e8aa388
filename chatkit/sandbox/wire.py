"""The OpenAI wire format: request bodies in, error bodies out.

Requests are validated with pydantic; a validation failure becomes the same 400
body the real API sends (``param`` and ``code`` filled in), so the official SDK
raises the same exception with the same fields.
"""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError


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

class _Body(BaseModel):
    # Unknown fields are ignored, so SDK options the sandbox does not model still work.
    model_config = ConfigDict(extra="ignore")


class TextPart(_Body):
    type: Literal["text", "input_text", "output_text"]
    text: str


Content = Union[str, list[TextPart]]


class ChatMessage(_Body):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Union[Content, None] = None


class StreamOptions(_Body):
    include_usage: bool = False


class ChatRequest(_Body):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: Union[str, list[str], None] = Field(None)
    seed: int | None = None
    presence_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    n: int | None = Field(None, ge=1, le=8)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    logit_bias: dict[str, float] | None = None  # token ids as strings, checked against the vocabulary
    stream: bool | None = None
    stream_options: StreamOptions | None = None


class InputMessage(_Body):
    type: Literal["message"] = "message"
    role: Literal["system", "developer", "user", "assistant"]
    content: Content


class ResponsesRequest(_Body):
    model: str
    input: Union[str, list[InputMessage]]
    instructions: str | None = None
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    max_output_tokens: int | None = Field(None, ge=16)
    previous_response_id: str | None = None
    store: bool = True
    stream: bool | None = None


def parse(model: type[BaseModel], data: object) -> BaseModel:
    """Validate a JSON body, raising the APIError OpenAI would send."""
    if not isinstance(data, dict):
        raise APIError(400, "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _to_api_error(exc.errors()[0]) from None


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
        return APIError(400, f"Invalid value: {got!r}. Supported values are: {ctx.get('expected')}.",
                        param=param, code="invalid_value")
    return APIError(400, f"Invalid type for '{param}': {err['msg'].lower()}, but got {type(got).__name__} "
                    f"{got!r:.40} instead.", param=param, code="invalid_type")


def text_of(content: Content | None) -> str:
    """The plain text of a message's content (a string or a list of text parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.text for part in content)
