"""What every sandbox route does first: check the key, read the body within limits, parse its JSON.

app.py wires routes to the endpoint modules (files.py, batches.py…); they all import these
checks from here, below every one of them, so no endpoint module imports app.py. Every
request is treated as possibly hostile: the body is capped before it is read, and JSON that
is too deep, not finite or not valid Unicode is refused with a 400 in OpenAI's shape.
"""

from __future__ import annotations

import asyncio
import json
import math

from starlette.requests import Request

from ..keys import mask_key
from ..web import read_body
from .wire import APIError

KEYS_HELP = "Create one with 'python -m chatkit keys create', or use chatkit.connect(), which makes one for you."
MAX_BODY = 1_000_000  # bytes: far more than the 2,048-token context window can use
MAX_DEPTH = 64  # nesting of JSON arrays and objects; real requests need fewer than 10


def authenticate(request: Request):
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not token:
        raise APIError(401, "You didn't provide an API key. You need to provide your API key in an "
                       "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). " + KEYS_HELP)
    info = request.app.state.store.check_key(token)
    if info is None or not info.active:
        why = " This key was revoked." if info else ""
        raise APIError(401, f"Incorrect API key provided: {mask_key(token)}.{why} {KEYS_HELP}",
                       code="invalid_api_key")
    request.state.key_id = info.id  # the x-ratelimit-* headers are this key's (limits.py)
    return info


async def json_body(request: Request) -> dict:
    """The request's JSON, refused early when too large, too deep or not valid Unicode."""
    return await asyncio.to_thread(parse_json, await read_body(request, MAX_BODY, too_large, cut_off))


def cut_off() -> APIError:
    """What :func:`chatkit.web.read_body` raises when the client hangs up mid-body."""
    return APIError(400, "The connection closed before the whole request body arrived.")


def too_large() -> APIError:
    return APIError(413, f"The request body is larger than the sandbox accepts ({MAX_BODY:,} bytes). The "
                    "model's context window holds 2,048 tokens, about 8,000 characters: send less.",
                    code="request_too_large")


def parse_json(raw: bytes) -> object:
    if depth(raw) > MAX_DEPTH:
        raise APIError(400, f"The JSON body is nested more than {MAX_DEPTH} levels deep. Send a flatter request.")
    try:
        data = json.loads(raw, parse_constant=finite, parse_float=finite)
    except ValueError:
        raise APIError(400, "We could not parse the JSON body of your request. (HINT: This likely means "
                       "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                       "payload, but what was sent was not valid JSON.)") from None
    if not valid_unicode(data):
        raise APIError(400, "The request body contains text that is not valid Unicode (a lone surrogate such as "
                       "\\ud800). Send UTF-8 text.")
    return data


def finite(text: str) -> float:
    """A JSON number; NaN, Infinity and numbers too large for a float (1e400) are not JSON and get a 400."""
    number = float(text)
    if not math.isfinite(number):
        raise APIError(400, f"The JSON body contains the number {text[:20]}, which is not finite: JSON has no NaN or "
                       "Infinity, and the largest number is about 1.8e308. Send a finite number.")
    return number


def depth(raw: bytes) -> int:
    """How deeply brackets nest, ignoring brackets inside strings: a cheap guard before json.loads.

    >>> depth(b'{"a": [1, "]]]"], "b": {}}')
    2
    """
    level = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            level += 1
            deepest = max(deepest, level)
        elif byte in (0x5D, 0x7D):
            level -= 1
    return deepest


def valid_unicode(value: object) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(valid_unicode(k) and valid_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(valid_unicode(v) for v in value)
    return True
