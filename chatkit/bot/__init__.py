"""A customer-support bot for a small shop, built on :class:`chatkit.Conversation`.

>>> from chatkit.bot import Bot, Shop
>>> bot = Bot(chatkit.connect(), Shop.example())        # doctest: +SKIP
>>> durable = Bot(chatkit.connect(), Shop.example(), store=Store())  # doctest: +SKIP
"""

from .bot import Bot, Refusal, Shop
from .service import BotService
from .settings import BotSettings
from .store import Store

__all__ = ["Bot", "BotService", "BotSettings", "Refusal", "Shop", "Store"]
