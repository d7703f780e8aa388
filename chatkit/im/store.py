"""What the local chat platform remembers: users and messages, in memory, thread-safe.

Every change is announced to the page's event streams (Server-Sent Events) as a full
snapshot of the message, with a sequence number so a page can drop a stale copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

MAX_TEXT = 5000  # characters in one message
MAX_MESSAGES = 1000  # kept in all; the oldest go first
MAX_SUBSCRIBERS = 32  # open pages (event streams) at once
QUEUE_SIZE = 256  # events waiting for one slow page before it is told to reload instead
RELOAD = {"type": "reload"}  # "you missed events: fetch the whole state again"
CLOSED = None  # ends an event stream (the platform is stopping)


@dataclass(frozen=True)
class User:
    uid: str
    name: str
    is_bot: bool = False

    def as_dict(self) -> dict:
        return {"uid": self.uid, "name": self.name, "is_bot": self.is_bot}


def example_users(bot_user_id: str) -> list[User]:
    """The bot and three made-up customers (numeric ids, as Lanying's are)."""
    return [User(str(bot_user_id), "Shop assistant (bot)", is_bot=True),
            User("8589934610", "Alice Martin"), User("8589934611", "Bob Okafor"), User("8589934612", "Chen Wei")]


class Store:
    """Users and the last ``max_messages`` messages; safe to use from any thread.

    >>> store = Store(example_users("1"))
    >>> store.add("8589934610", "1", "Hi!")["text"]
    'Hi!'
    """

    def __init__(self, users: list[User], max_messages: int = MAX_MESSAGES) -> None:
        self.users = {user.uid: user for user in users}
        self.max_messages = max_messages
        self._messages: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        # Ids start from the clock, so a bot that remembers ids it has seen (to drop re-deliveries)
        # does not ignore the messages of a restarted platform.
        self._ids = itertools.count(int(time.time() * 1000) * 1000)
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []

    def user(self, uid) -> User | None:
        return self.users.get(str(uid))

    def add(self, sender: str, to: str, text: str, *, ext: str = "", delivery: dict | None = None) -> dict:
        """Store a new message and return a snapshot of it."""
        now = time.time()
        with self._lock:
            message = {"id": str(next(self._ids)), "from": str(sender), "to": str(to), "text": text, "ext": ext,
                       "created_at": now, "updated_at": now, "updates": 0, "delivery": delivery}
            self._messages[message["id"]] = message
            while len(self._messages) > self.max_messages:
                self._messages.popitem(last=False)
            snapshot = self._snapshot(message)
        self._publish(snapshot)
        return snapshot

    def get(self, mid) -> dict | None:
        with self._lock:
            message = self._messages.get(str(mid))
            return None if message is None else self._snapshot(message)

    def edit(self, mid, text: str) -> dict | None:
        """Replace a message's text (a streamed answer growing); None when there is no such message."""
        return self._change(mid, text=text, updated_at=time.time(), count_update=True)

    def set_delivery(self, mid, status: str, reason: str = "") -> dict | None:
        return self._change(mid, delivery={"status": status, "reason": reason})

    def messages(self) -> list[dict]:
        with self._lock:
            return [self._snapshot(m) for m in self._messages.values()]

    def _change(self, mid, count_update: bool = False, **fields) -> dict | None:
        with self._lock:
            message = self._messages.get(str(mid))
            if message is None:
                return None
            message.update(fields)
            message["updates"] += count_update
            snapshot = self._snapshot(message)
        self._publish(snapshot)
        return snapshot

    def _snapshot(self, message: dict) -> dict:
        # Called with the lock held: the sequence number orders snapshots of the same message.
        return {**message, "delivery": dict(message["delivery"]) if message["delivery"] else None,
                "seq": next(self._seq)}

    # --- event streams for the page ---------------------------------------------

    def subscribe(self) -> asyncio.Queue | None:
        """A queue of events for one page (call from the event loop); None when too many are open."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        with self._lock:
            if len(self._subscribers) >= MAX_SUBSCRIBERS:
                return None
            self._subscribers.append((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._subscribers = [(loop, q) for loop, q in self._subscribers if q is not queue]

    def close(self) -> None:
        """End every event stream, so stopping the server does not wait for open pages."""
        with self._lock:
            subscribers, self._subscribers = self._subscribers, []
        for loop, queue in subscribers:
            _call(loop, _offer, queue, CLOSED)

    def _publish(self, snapshot: dict) -> None:
        event = {"type": "message", "message": snapshot}
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            _call(loop, _offer, queue, event)


def _call(loop: asyncio.AbstractEventLoop, function, *args) -> None:
    with contextlib.suppress(RuntimeError):  # that loop is closed: its page is gone
        loop.call_soon_threadsafe(function, *args)


def _offer(queue: asyncio.Queue, event) -> None:
    # Runs on the queue's own loop. A page that stopped reading loses its backlog and is
    # told to reload, so one slow tab cannot make the platform hold events forever.
    if queue.full():
        while not queue.empty():
            queue.get_nowait()
        event = RELOAD if event is not CLOSED else CLOSED
    queue.put_nowait(event)
