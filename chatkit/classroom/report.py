"""A student's side of exercise results: each ``check()`` tells the class's gateway ✓ or ✗.

A notebook is connected to a classroom when its ``client`` carries a class key (``sk-class-…``):
the key says so, and no other server is ever sent a result. The report is the exercise's name
and whether it passed (never the code, never the answer) with the student's own key, so the
gateway files it under that student. A report that fails costs the notebook one quiet line.

>>> report(client, "03-ask", True)       # doctest: +SKIP
"""

from __future__ import annotations

import httpx

from ..messages import say
from .store import KEY_PREFIX

RESULTS = "classroom/results"
TIMEOUT = 5.0  # seconds: the learner waits for the verdict's line, not for the class's gateway


def report(client, exercise: str, passed: bool) -> bool:
    """Send ``passed`` for ``exercise`` if ``client`` (an OpenAI client) is a classroom's; True once it was stored."""
    key = getattr(client, "api_key", None)
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX):
        return False
    url = str(client.base_url).rstrip("/") + "/" + RESULTS
    try:
        answer = httpx.post(url, json={"exercise": exercise, "passed": passed}, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {key}"})
    except httpx.HTTPError as exc:
        print(say("classroom.results.not_sent", reason=type(exc).__name__))
        return False
    if answer.status_code != 200:
        print(say("classroom.results.not_sent", reason=f"HTTP {answer.status_code}"))
        return False
    return True
