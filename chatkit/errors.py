"""Errors a learner can hit, each saying what happened and what to do next."""

from __future__ import annotations

import threading

_saying = threading.local()


def _said(key: str, **fields) -> str:
    """The words around a message, in the reader's language; in English while the language itself is
    being worked out (an unknown CHATKIT_LANG raises a ChatkitError of its own)."""
    from .messages import say  # here, not at the top: chatkit.messages imports modules that import this one

    if getattr(_saying, "busy", False):
        return say(key, lang="en", **fields)
    _saying.busy = True
    try:
        return say(key, **fields)
    finally:
        _saying.busy = False


class ChatkitError(Exception):
    """Base class: a message with the cause, the fix and where to read more.

    >>> str(ChatkitError("No key found.", fix="Add one to .env.", docs="notebooks/02"))
    'No key found. Fix: Add one to .env. (See notebooks/02)'
    """

    def __init__(self, what: str, *, fix: str = "", docs: str = "") -> None:
        self.what, self.fix, self.docs = what, fix, docs
        parts = [what]
        if fix:
            parts.append(_said("error.fix", fix=fix))
        if docs:
            parts.append(_said("error.docs", docs=docs))
        super().__init__(" ".join(parts))


class ConfigError(ChatkitError):
    """The settings (environment, .env) do not make sense together."""


class KeyFormatError(ChatkitError, ValueError):
    """A string that cannot be an API key, e.g. pasted with quotes or spaces."""


class SandboxError(ChatkitError, RuntimeError):
    """The local sandbox could not start."""
