"""The log of a server run from the command line: one line per thing an operator must know.

Only ``python -m chatkit bot serve`` and ``im serve`` call :func:`configure` (a library must not
configure logging; chatkit's modules only write to their ``chatkit.*`` loggers). The level is
``--log-level``, else ``CHATKIT_LOG_LEVEL``, else WARNING: refused requests, failed deliveries
and model errors. ``--log-json`` or ``CHATKIT_LOG_FORMAT=json`` writes JSON lines instead of text.
Every line passes through :func:`~chatkit.failures.mask_secrets` on its way out.

>>> configure("info", json_lines=True)                       # doctest: +SKIP
>>> logging.getLogger("chatkit.bot").warning("Refused a Lanying request")   # doctest: +SKIP
{"time": "2026-12-06T13:50:02Z", "level": "WARNING", "logger": "chatkit.bot", "message": "Refused a Lanying request"}
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings

from .errors import ChatkitError
from .failures import mask_secrets
from .messages import say
from .settings import value

LEVELS = ("debug", "info", "warning", "error")
LEVEL_VARIABLE, FORMAT_VARIABLE = "CHATKIT_LOG_LEVEL", "CHATKIT_LOG_FORMAT"
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str | None = None, json_lines: bool = False) -> None:
    """Send every log line at ``level`` or above to stderr, as text or as JSON lines."""
    level = (level or value(LEVEL_VARIABLE) or "warning").strip().lower()
    if level not in LEVELS:
        raise ChatkitError(say("logs.level.what", level=level[:20], variable=LEVEL_VARIABLE),
                           fix=say("logs.level.fix", levels=", ".join(LEVELS), variable=LEVEL_VARIABLE))
    json_lines = json_lines or (value(FORMAT_VARIABLE) or "").strip().lower() == "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if json_lines else Masked(TEXT, "%Y-%m-%dT%H:%M:%S%z"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    warnings.showwarning = _log_warning  # a warning (an estimated token count...) is a log line too, never raw text


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    logging.getLogger("chatkit.warnings").warning("%s: %s", category.__name__, message)


class Masked(logging.Formatter):
    """A text line with anything that looks like an API key masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message (and the error, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
                "level": record.levelname, "logger": record.name, "message": mask_secrets(record.getMessage())}
        if record.exc_info:
            line["error"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)
