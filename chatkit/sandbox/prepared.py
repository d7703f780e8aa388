"""A request checked by its endpoint and ready to run: what the routes, the limits and the batch worker share.

Each endpoint module's ``prepare`` (chat.py, completions.py, responses.py) validates a body,
renders and tokenizes its prompt once, and returns a :class:`Prepared`; everything after it
reads the fields by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from .engine import Sampling
from .structured import Plan


@dataclass(frozen=True)
class Prepared:
    """One checked request of any endpoint.

    **Parameters:** ``req``, the body as parsed (wire.py's ChatRequest, CompletionRequest or
    ResponsesRequest); ``prompt``, its tokens as the model reads them; ``samplings``, one per
    choice; ``counted``, the tokens it counts against a tokens-per-minute limit
    (:func:`chatkit.tokens.request_tokens` with the exact prompt); ``plan``, its tools and
    answer format (none on the legacy endpoint); ``text``, the legacy prompt as text (echo and
    logprob offsets); ``history``, a response's conversation without its instructions.
    """

    req: BaseModel
    prompt: list[int]
    samplings: tuple[Sampling, ...]
    counted: int
    plan: Plan | None = None
    text: str = ""
    history: tuple[dict, ...] = ()

    @property
    def model(self) -> str:
        return self.req.model

    @property
    def stream(self) -> bool:
        return bool(self.req.stream)
