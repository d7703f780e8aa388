"""A customer-support bot for a small shop, built on :class:`chatkit.Conversation`.

>>> from chatkit.bot import Bot, Shop
>>> bot = Bot(chatkit.connect(), Shop.example())        # doctest: +SKIP
"""

from .bot import Bot, Refusal, Shop
from .service import BotService
from .settings import BotSettings

__all__ = ["Bot", "BotService", "BotSettings", "Refusal", "Shop"]
