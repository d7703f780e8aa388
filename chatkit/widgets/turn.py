"""One reply in a chat window and what it cost: tokens in and out, the estimated price in its currency, seconds."""

from __future__ import annotations

from dataclasses import dataclass

from ..conversation import Conversation
from ..errors import ChatkitError
from ..messages import say
from ..tokens import Cost, estimate_cost
from ..tokens import count as count_tokens


@dataclass
class Turn:
    """One reply and what it cost: tokens in and out, the estimated price (in yuan or dollars), seconds.

    ``estimated``: chatkit counted the tokens (:mod:`chatkit.tokens`), the server reported none.
    ``stopped``: Stop cut the reply short. 0 tokens: no model call (a bot's refusal or reset).
    """

    model: str
    text: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    seconds: float = 0.0
    estimated: bool = False
    stopped: bool = False

    @property
    def tokens(self) -> int | None:
        return None if self.input_tokens is None else self.input_tokens + self.output_tokens

    @property
    def price(self) -> Cost | None:
        """The estimated price, in the currency the model's provider bills in; None when the tokens are unknown."""
        return None if self.tokens is None else estimate_cost(self.model, self.input_tokens, self.output_tokens)

    @property
    def cost(self) -> float | None:
        """The price's amount, in ``price.currency``; None when the price or the tokens are unknown."""
        if not self.tokens:
            return None if self.tokens is None else 0.0
        return self.price.total

    def __str__(self) -> str:
        """The line under the reply: '12 tokens in, 5 out · cost: about $0.000012 · 0.8 s' (¥ for yuan)."""
        if self.tokens == 0:
            return say("widgets.turn.no_call")
        price = self.price
        price = (say("widgets.turn.no_price", model=self.model) if price is None or not price.known
                 else say("widgets.calls.cost", cost=price.money) if price.total else say("widgets.calls.free"))
        tokens = say("widgets.turn.tokens_counted" if self.estimated else "widgets.calls.tokens",
                     input=self.input_tokens, output=self.output_tokens)
        used = [say("widgets.turn.tokens_unknown")] if self.tokens is None else [tokens, price]
        return " · ".join([say("widgets.turn.stopped")] * self.stopped + used
                          + [say("widgets.turn.seconds", seconds=self.seconds)])


def estimate(turn: Turn, conv: Conversation, sent: list[dict]) -> None:
    """Count the turn's tokens with chatkit.tokens, as the conversation counts its budget."""
    try:
        turn.output_tokens = count_tokens(turn.text, conv.model, encoding=conv.encoding)
        turn.input_tokens, turn.estimated = conv.count(sent), True
    except ChatkitError:
        turn.output_tokens = None  # a model chatkit cannot count: the line says "tokens unknown"
