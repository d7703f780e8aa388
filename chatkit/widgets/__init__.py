"""Widgets for the notebooks: small panels a learner can click.

>>> chatkit.widgets.KeysPanel()   # the sandbox's "API keys" page  # doctest: +SKIP
>>> chatkit.widgets.Playground()  # a prompt and live sliders for every parameter  # doctest: +SKIP
>>> chatkit.widgets.ChatWindow()  # bubbles, an input box, replies that stream in  # doctest: +SKIP
"""

from .chat import ChatWindow
from .compare import Compare
from .keys import KeyEntry, KeysPanel
from .logprobs import TokenProbabilities
from .playground import Playground

__all__ = ["ChatWindow", "Compare", "KeyEntry", "KeysPanel", "Playground", "TokenProbabilities"]
