"""Try once more: how chatkit's servers deliver a message to another server.

The bot service sends its answers to a chat platform, and the local chat platform posts each
message to the bot; both try twice, with a pause between, and then report why they gave up.
Twice, not more: the other side may have taken the first attempt after all (a timeout after
it arrived), so every retry risks a duplicate.

>>> outcomes = iter([Failed("HTTP 503"), "sent"])
>>> retry_once(lambda: next(outcomes), pause=0)
('sent', 2)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Failed:
    """Why an attempt failed, in words for a log or a page, and whether trying again may help."""

    why: str
    again: bool = True  # False when the other side said no for good (a 400, a bad token)


def retry_once(attempt: Callable[[], T | Failed], pause: float,
               before_retry: Callable[[Failed], None] = lambda failed: None) -> tuple[T | Failed, int]:
    """Call ``attempt()``; when it returns a :class:`Failed` that may pass, wait ``pause`` seconds and call it again.

    ``before_retry(failed)`` runs before the pause (to show "retrying"). Returns the last
    outcome and the number of attempts made.
    """
    outcome = attempt()
    if not (isinstance(outcome, Failed) and outcome.again):
        return outcome, 1
    before_retry(outcome)
    time.sleep(pause)
    return attempt(), 2
