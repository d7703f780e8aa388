"""Better answers offline: a small catalogue of local models and ``pull`` to download one, verified.

    python -m chatkit models list            the catalogue: size, languages, licence, pulled or not
    python -m chatkit models pull NAME       download one (resumable, checksum verified)
    python -m chatkit models remove NAME     delete it

The sandbox serves a pulled model by its catalogue name (it asks :func:`pulled`). This package
sits below the servers: it imports settings, messages, errors and config, never the sandbox.

>>> from chatkit import hub
>>> "qwen3-0.6b" in hub.catalogue()
True
"""

from __future__ import annotations

from .download import pull, remove
from .entries import Entry, catalogue, models_dir, pulled, size_text
from .sources import Source, default_sources

__all__ = ["Entry", "Source", "catalogue", "default_sources", "models_dir", "pull", "pulled", "remove", "size_text"]
