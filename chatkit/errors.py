"""Errors a learner can hit, each saying what happened and what to do next."""

from __future__ import annotations

from .messages import say


class ChatkitError(Exception):
    """Base class: a message with the cause, the fix and where to read more.

    The words around them ("Fix:", "See") are in the reader's language when the error is shown.

    >>> str(ChatkitError("No key found.", fix="Add one to .env.", docs="notebooks/02"))
    'No key found. Fix: Add one to .env. (See notebooks/02)'
    """

    def __init__(self, what: str, *, fix: str = "", docs: str = "") -> None:
        self.what, self.fix, self.docs = what, fix, docs
        super().__init__(what)

    def __str__(self) -> str:
        # each part brings its own space: English needs one after a full stop, Chinese after 。 none
        fix = say("error.fix", fix=self.fix) if self.fix else ""
        return self.what + fix + (say("error.docs", docs=self.docs) if self.docs else "")


class ConfigError(ChatkitError):
    """The settings (environment, .env) do not make sense together."""


class KeyFormatError(ChatkitError, ValueError):
    """A string that cannot be an API key, e.g. pasted with quotes or spaces."""


class SandboxError(ChatkitError, RuntimeError):
    """The local sandbox could not start."""


class PullError(ChatkitError, RuntimeError):
    """A catalogue model could not be downloaded, or the file did not match its checksum (chatkit.hub)."""
