"""What every chatkit server does with a request body: read it within a limit, parse it, or refuse it.

The sandbox, the bot service, the local chat platform and its scripted bot each cap the body
before reading it (a server is hostile ground) and answer in their own platform's error shape,
so each passes the errors to raise; the reading and the parsing are here, once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.requests import ClientDisconnect, Request

log = logging.getLogger("chatkit.web")


async def read_body(request: Request, cap: int, too_large: Callable[[], Exception],
                    cut_off: Callable[[], Exception]) -> bytes:
    """The body, read only while it stays within ``cap`` bytes.

    Raises ``too_large()`` (a 413 in the server's shape) as soon as the declared length or the
    bytes so far pass ``cap``, without reading the rest; ``cut_off()`` (a 400) when the client
    hangs up before the whole body arrived: no one reads that answer, and it is no server bug.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise too_large()
    raw = bytearray()
    try:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > cap:
                raise too_large()
    except ClientDisconnect:
        log.debug("The client of %s hung up before sending the whole body.", request.url.path)
        raise cut_off() from None
    return bytes(raw)


def load_json(raw: bytes | str):
    """``raw`` parsed as strict JSON; ValueError for anything else, whatever the cause.

    Deep nesting (``[[[[…``, a RecursionError inside ``json``), bytes that are not UTF-8, an
    integer too long to convert and ``NaN``/``Infinity`` (not JSON) all end as ValueError, so a
    caller catches one error and answers a 400 instead of a 500.

    >>> load_json(b'{"a": [1]}')
    {'a': [1]}
    >>> load_json(b"[" * 100_000)
    Traceback (most recent call last):
    ValueError: nested too deeply
    """
    try:
        return json.loads(raw, parse_constant=_not_json)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")
