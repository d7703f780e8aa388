"""Widgets for the notebooks: small panels a learner can click.

>>> chatkit.widgets.KeysPanel()   # the sandbox's "API keys" page  # doctest: +SKIP
"""

from .keys import KeyEntry, KeysPanel

__all__ = ["KeyEntry", "KeysPanel"]
