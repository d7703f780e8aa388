"""A support bot for a small shop: one memory per user and chat, a rate limit and a daily quota.

The same :class:`Bot` can serve a notebook chat window and a webhook with many users at
once: each user's turns run one at a time and in order, different users in parallel.
Its memory lives in this process, or in a :class:`~chatkit.bot.store.Store` that
survives restarts.

>>> from chatkit.bot import Bot, Shop
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
import zoneinfo
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..conversation import Conversation
from ..errors import ChatkitError
from ..messages import say
from ..settings import value
from .store import Store

DOCS = "notebooks/05-manage-conversation-context.ipynb"
RESET_COMMANDS = frozenset({"/reset", "reset"})
TIME_ZONE = "CHATKIT_BOT_TIME_ZONE"  # where the quota's day starts, e.g. Asia/Shanghai
OFF_TOPIC_RULE = ("If a request is not about {name} or the topics above, politely decline in one "
                  "sentence and offer help with one of those topics instead.")


@dataclass
class Shop:
    """What the bot knows about the shop it serves, and the system prompt built from it.

    >>> prompt = Shop.example().system_prompt()
    >>> "Page Turner Books" in prompt and "politely decline" in prompt
    True
    """

    name: str
    topics: list[str]
    policies: dict[str, str]
    faq: list[tuple[str, str]]
    contact: str = ""

    def system_prompt(self) -> str:
        """Persona, topics, policies, the FAQ and the rules, as one system message."""
        policies = "\n".join(f"- {topic}: {rule}" for topic, rule in self.policies.items())
        faq = "\n".join(f"Q: {question}\nA: {answer}" for question, answer in self.faq)
        unknown = f" and suggest writing to {self.contact}" if self.contact else ""
        return (f"You are the friendly support assistant of {self.name}. Answer briefly, in at most "
                f"three sentences.\n\nYou help with: {', '.join(self.topics)}.\n\n"
                f"Shop policies:\n{policies}\n\nFrequently asked questions:\n{faq}\n\n"
                f"Rules:\n- {OFF_TOPIC_RULE.format(name=self.name)}\n"
                f"- Never invent a policy, price or date: if the answer is not above, say you do not "
                f"know{unknown}.")

    @classmethod
    def example(cls) -> Shop:
        """A made-up bookstore, ready to use."""
        return cls(
            name="Page Turner Books",
            topics=["orders and delivery", "returns and refunds", "opening hours and the shop",
                    "book recommendations", "gift cards"],
            policies={
                "Shipping": "free in the country from 25 euros, otherwise 3.90 euros; 2 to 4 working days.",
                "Returns": "unread books within 30 days with the receipt, refunded to the original payment.",
                "Opening hours": "Monday to Saturday 9:00 to 19:00, Sunday 11:00 to 17:00.",
                "Gift cards": "from 10 to 200 euros, valid for 3 years, in the shop and online.",
            },
            faq=[("Where is my order?", "Use the tracking link in your shipping email; it updates daily."),
                 ("Can you order a book you do not stock?", "Yes, most books arrive in the shop in 2 days."),
                 ("Do you buy second-hand books?", "No, we only sell new books."),
                 ("Can I reserve a book?", "Yes, we keep it for you for 7 days at the counter."),
                 ("Do you gift-wrap?", "Yes, for free, in the shop and online."),
                 ("Do you have events?", "Author readings on the first Thursday of each month at 19:00.")],
            contact="help@pageturner.example")


@dataclass(frozen=True)
class Refusal:
    """The bot's answer instead of a model call: the user is over the rate limit or the quota.

    ``text`` is what to show the user (``what``, then ``fix``: when to try again), and what
    ``print()`` shows; a webhook answers it with HTTP 429 and ``retry_after`` (seconds).

    >>> print(Refusal("rate", "You have sent 5 messages within 1 minute.", "Please try again in 9 seconds.", 9))
    You have sent 5 messages within 1 minute. Please try again in 9 seconds.
    """

    reason: str  # "rate" or "quota"
    what: str
    fix: str
    retry_after: float

    @property
    def text(self) -> str:
        return say("bot.refusal", what=self.what, fix=self.fix)

    def __str__(self) -> str:
        return self.text


@dataclass
class _User:
    lock: threading.Lock = field(default_factory=threading.Lock)  # one turn at a time, in order
    recent: deque = field(default_factory=deque)  # times of the messages inside the rate window
    day: dt.date | None = None
    today: int = 0


class Bot:
    """A support bot: one :class:`~chatkit.Conversation` per user and chat, with limits per user.

    **Parameters:**

    - ``client``: from ``chatkit.connect()``; ``model`` defaults to ``client.default_model``.
    - ``shop``: a :class:`Shop`; its ``system_prompt()`` is every conversation's instructions.
    - ``budget``: input tokens per request for each user; older turns are dropped to fit.
    - ``rate``: ``(messages, seconds)``, at most that many messages per user in any window of
      that length. ``daily_quota``: messages per user per day. ``None`` turns either off.
    - ``time_zone``: where a day starts for the quota, an IANA name such as "Asia/Shanghai".
      Default: ``CHATKIT_BOT_TIME_ZONE``, else the region of the platforms a :class:`BotService`
      serves (Lanying, Feishu and DingTalk: Asia/Shanghai), else UTC.
    - ``clock``: returns the time in seconds since the epoch, like ``time.time`` (tests pass a fake).
    - ``store``: where conversations and each user's counts toward the limits are kept. ``None``
      (the default): in this process, gone when it ends, which suits a notebook. A
      :class:`~chatkit.bot.store.Store`: in a SQLite file, so a restarted bot remembers, and a
      restart hands nobody a fresh quota (``python -m chatkit bot serve`` uses one).
    - Other options (``encoding``, ``max_output_tokens``, ``temperature``…) go to each Conversation.

    ``chat`` (in :meth:`reply`, :meth:`stream`, :meth:`reset`, :meth:`conversation`) names
    where the user writes, such as a group: the same user has one memory per chat, so a
    private question never reaches a group's context. Leave it out for a single chat.

    A message counts toward the limits when it is let through, before the model is called.
    Over a limit, the answer is a :class:`Refusal` (print it, or read its ``text``) and no
    model call is made.
    "/reset" (or "reset") forgets that user's conversation, without a model call; the limits
    are kept, so resetting does not buy more messages.

    >>> bot = Bot(chatkit.connect(), Shop.example(), rate=(5, 60), daily_quota=50)  # doctest: +SKIP
    >>> bot.reply("ada", "Do you gift-wrap?")                                      # doctest: +SKIP
    'Yes, we gift-wrap for free, in the shop and online.'
    """

    def __init__(self, client, shop: Shop, *, model: str | None = None, budget: int | None = 1500,
                 rate: tuple[int, float] | None = (5, 60), daily_quota: int | None = 50,
                 clock: Callable[[], float] = time.time, time_zone: str | None = None, store: Store | None = None,
                 **options) -> None:
        self.client, self.shop, self.budget = client, shop, budget
        self.time_zone = time_zone or value(TIME_ZONE)  # None: the service chooses, or UTC
        self._zone = zone(self.time_zone or "UTC")
        self.model = model or getattr(client, "default_model", None)
        if not self.model:
            raise ChatkitError(say("bot.no_model.what"), fix=say("bot.no_model.fix"), docs=DOCS)
        self.rate, self.daily_quota, self.clock, self.options = rate, daily_quota, clock, options
        self.instructions, self.store = shop.system_prompt(), store
        self._users: dict[str, _User] = {}
        self._conversations: dict[tuple[str, str], Conversation] = {}  # (chat, user) -> it, without a store
        self._users_lock = threading.Lock()

    def reply(self, user_id: str, text: str, chat: str = "") -> str | Refusal:
        """The answer to ``text`` from ``user_id``: the model's, the reset note, or a :class:`Refusal`."""
        user = self._user(user_id)
        with user.lock:
            early = self._without_model(user, user_id, chat, text)
            if early is not None:
                return early
            conversation = self.conversation(user_id, chat)
            answer = conversation.ask(text)
            self._keep(user_id, chat, conversation)
            return answer

    def stream(self, user_id: str, text: str, chat: str = "") -> Iterator[str | Refusal]:
        """Like :meth:`reply`, but yields the answer in pieces as the model writes them.

        The reset note or a :class:`Refusal` comes as one piece. Nothing happens until the
        first piece is asked for; the user's lock is then held until the stream ends or is
        closed. The turn joins the conversation as :meth:`Conversation.stream` records it:
        closed early, the part shown is kept, marked with ``CUT``; on an error the question
        is taken back.
        """
        user = self._user(user_id)
        with user.lock:
            early = self._without_model(user, user_id, chat, text)
            if early is not None:
                yield early
                return
            conversation = self.conversation(user_id, chat)
            try:
                yield from conversation.stream(text)
            finally:  # a stream closed early is kept too, marked as cut
                self._keep(user_id, chat, conversation)

    def reset(self, user_id: str, chat: str = "") -> None:
        """Forget what ``user_id`` said in ``chat`` (the rate limit and quota still count)."""
        with self._user(user_id).lock:
            self._forget(user_id, chat)

    def remember(self, user_id: str, question: str, answer: str, chat: str = "") -> None:
        """Add a turn the model did not write through this bot (the part of an answer shown before a restart)."""
        with self._user(user_id).lock:
            conversation = self.conversation(user_id, chat)
            conversation.turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            self._keep(user_id, chat, conversation)

    def conversation(self, user_id: str, chat: str = "") -> Conversation:
        """The conversation with ``user_id`` in ``chat`` so far (it shows as chat bubbles in a notebook).

        With a store, each call reads it afresh from the file.
        """
        if self.store is None:
            with self._users_lock:
                if (chat, user_id) not in self._conversations:
                    self._conversations[chat, user_id] = self._new_conversation()
                return self._conversations[chat, user_id]
        conversation, kept = self._new_conversation(), self.store.memory(chat, user_id) or {}
        conversation.turns, conversation.summary = kept.get("turns", []), kept.get("summary")
        conversation.input_tokens = kept.get("input_tokens", [])
        return conversation

    def _keep(self, user_id: str, chat: str, conversation: Conversation) -> None:
        if self.store is not None:
            self.store.remember(chat, user_id, conversation.to_dict())

    def _forget(self, user_id: str, chat: str) -> None:
        if self.store is not None:
            self.store.forget(chat, user_id)
        with self._users_lock:
            self._conversations.pop((chat, user_id), None)

    def _user(self, user_id: str) -> _User:
        with self._users_lock:
            if user_id not in self._users:
                self._users[user_id] = self._counted(user_id)
            return self._users[user_id]

    def _counted(self, user_id: str) -> _User:
        """A user as the store last counted them (a restart keeps their limits), or a new one."""
        if self.store is None:
            return _User()
        day, today, recent = self.store.counts(user_id)
        return _User(recent=deque(recent), day=dt.date.fromisoformat(day) if day else None, today=today)

    def _new_conversation(self) -> Conversation:
        return Conversation(self.client, instructions=self.instructions, model=self.model,
                            budget=self.budget, **self.options)

    def _without_model(self, user: _User, user_id: str, chat: str, text: str) -> str | Refusal | None:
        """The answer when the model must not be called (a command, a limit); else None."""
        if text.strip().lower() in RESET_COMMANDS:
            self._forget(user_id, chat)
            return say("bot.reset")
        return self._admit(user, user_id, self.clock())

    def _admit(self, user: _User, user_id: str, now: float) -> Refusal | None:
        """A Refusal when over a limit; otherwise count the message and return None."""
        refusal = self._over_quota(user, now) or self._over_rate(user, now)
        if refusal is None:
            user.recent.append(now)
            user.today += 1
            if self.store is not None:
                self.store.count(user_id, user.day and user.day.isoformat(), user.today, list(user.recent))
        return refusal

    def _over_rate(self, user: _User, now: float) -> Refusal | None:
        if self.rate is None:
            return None
        count, window = self.rate
        while user.recent and user.recent[0] <= now - window:
            user.recent.popleft()
        if len(user.recent) < count:
            return None
        wait = user.recent[0] + window - now
        return Refusal("rate", say("bot.over_rate.what", count=count, window=_duration(window)),
                       say("bot.over_rate.fix", wait=_duration(wait)), wait)

    def serve_in(self, time_zone: str) -> None:
        """Count days in ``time_zone`` unless the bot was given one (a :class:`BotService` calls this)."""
        if self.time_zone is None:
            self._zone = zone(time_zone)

    def _over_quota(self, user: _User, now: float) -> Refusal | None:
        day = dt.datetime.fromtimestamp(now, self._zone).date()
        if user.day != day:
            user.day, user.today = day, 0
        if self.daily_quota is None or user.today < self.daily_quota:
            return None
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self._zone)
        wait = midnight.timestamp() - now
        return Refusal("quota", say("bot.over_quota.what", quota=self.daily_quota),
                       say("bot.over_quota.fix", wait=_duration(wait), zone=self._zone.key), wait)

    def __repr__(self) -> str:
        return f"<Bot {self.shop.name!r} model={self.model!r}: {len(self._users)} users>"


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The time zone called ``name``, or a ChatkitError that says how to name one."""
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ChatkitError(say("bot.time_zone.what", name=name), fix=say("bot.time_zone.fix", variable=TIME_ZONE),
                           docs="notebooks/08-build-a-support-chatbot.ipynb") from None


def _duration(seconds: float) -> str:
    """ "9 seconds", "1 minute", "3 hours 20 minutes": rounded up, so it is never too early."""
    seconds = math.ceil(seconds)
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    units = ((seconds, "second"),) if seconds < 60 else ((hours, "hour"), (minutes, "minute"))
    return " ".join(say(f"bot.{unit}.{'one' if n == 1 else 'many'}", n=n) for n, unit in units if n)

