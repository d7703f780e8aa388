"""Who is calling the gateway: the student a key was issued to, or the platform's own 401.

Every route a student calls starts here (gateway.py for models and responses, files.py for Files
and Batches), so a wrong, revoked or missing key is refused the same way everywhere.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request

from ..keys import mask_key
from ..messages import say
from ..sandbox.wire import APIError
from .store import KEY_PREFIX, Student

log = logging.getLogger("chatkit.classroom")

API_KEYS = "https://platform.openai.com/account/api-keys"
NO_KEY = ("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
          "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
          "accessing the API from your browser and are prompted for a username and password. You can obtain an API "
          f"key from {API_KEYS}.")


async def authenticate(request: Request) -> Student:
    """The student whose key the request carries, or the platform's own 401."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not token:
        raise APIError(401, NO_KEY)
    found = await asyncio.to_thread(request.app.state.store.student_for_key, token)
    if found is None or not found[1].active:
        log.info("refused a %s key %s", "revoked" if found else "wrong", mask_key(token))
        # The platform's sentence, then where a student finds a class key: their teacher, not the platform.
        where = (say("classroom.gateway.ask_teacher") if token.startswith(KEY_PREFIX)
                 else f"You can find your API key at {API_KEYS}.")
        raise APIError(401, f"Incorrect API key provided: {mask_key(token)}. {where}", code="invalid_api_key")
    return found[0]
