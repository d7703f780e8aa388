"""The bot's durable state in one SQLite file, so a restart (even ``kill -9``) loses nothing.

Three tables: each conversation's memory, the message ids already taken (a platform
re-delivers a message it thinks failed), and the answers in flight (taken, not yet
delivered). The file lives in chatkit's data folder (``CHATKIT_DATA_DIR``, else your
cache folder), readable by you only: it holds what your users wrote.

>>> store = Store(tmp_path / "bot.sqlite3", retention_days=7)       # doctest: +SKIP
>>> store.first_time("feishu:om_1"), store.first_time("feishu:om_1")  # doctest: +SKIP
(True, False)
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from ..config import data_dir
from ..database import open_private
from ..errors import ChatkitError
from ..messages import say
from ..settings import value
from .platforms import Incoming

RETENTION = "CHATKIT_BOT_RETENTION_DAYS"
# A week: long enough to pick a support question up again after a weekend, short enough to keep
# little of what users wrote (Lanying's own connector keeps 3 days; see shared/reference/im-platforms.md).
DEFAULT_RETENTION_DAYS = 7.0
SEEN_FOR = 24 * 3600  # seconds: a platform may retry a failed delivery hours later
LIMITS_FOR = 2 * 24 * 3600  # seconds: a user's counts outlive the quota's day in any time zone
PRUNE_EVERY = 3600  # seconds between two clean-ups of old rows
FILE_NAME = "bot.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    chat TEXT NOT NULL, user TEXT NOT NULL, data TEXT NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (chat, user));
CREATE INDEX IF NOT EXISTS memories_age ON memories (updated_at);
CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS seen_age ON seen (at);
CREATE TABLE IF NOT EXISTS in_flight (
    id TEXT PRIMARY KEY, incoming TEXT NOT NULL, stage TEXT NOT NULL, shown TEXT, sent_id TEXT,
    at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS limits (
    user TEXT PRIMARY KEY, day TEXT, today INTEGER NOT NULL, recent TEXT NOT NULL, at REAL NOT NULL);
"""


class Store:
    """Memories, seen message ids, each user's limits and answers in flight, in SQLite; safe to share between threads.

    **Parameters:** ``path``: the file (default ``bot.sqlite3`` in chatkit's data folder);
    ``retention_days``: conversations untouched for that long are deleted (default
    ``CHATKIT_BOT_RETENTION_DAYS``, else 7); ``clock``: like ``time.time`` (tests pass a fake).

    One connection behind a lock: every statement takes well under a millisecond, so the
    worker threads barely wait, and WAL mode lets a crash lose nothing that was committed.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, retention_days: float | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if path is not None else data_dir() / FILE_NAME
        self.retention_days = retention_days if retention_days is not None else _retention_from_env()
        self.clock = clock
        self._lock = threading.Lock()
        self._db = open_private(self.path, _SCHEMA)
        self._pruned_at = -float("inf")
        self.prune()

    # --- memories ------------------------------------------------------------------

    def memory(self, chat: str, user: str) -> dict | None:
        """What :meth:`remember` kept for ``user`` in ``chat`` (a ``Conversation.to_dict()``), or None."""
        row = self._one("SELECT data FROM memories WHERE chat = ? AND user = ?", (chat, user))
        return json.loads(row[0]) if row else None

    def remember(self, chat: str, user: str, data: dict) -> None:
        self._run("INSERT OR REPLACE INTO memories VALUES (?, ?, ?, ?)",
                  (chat, user, json.dumps(data, ensure_ascii=False), self.clock()))

    def forget(self, chat: str, user: str) -> None:
        self._run("DELETE FROM memories WHERE chat = ? AND user = ?", (chat, user))

    # --- message ids ---------------------------------------------------------------

    def first_time(self, message_id: str) -> bool:
        """True the first time ``message_id`` is offered (within a day), False after; as ``SeenIds``."""
        self._prune_now_and_then()
        return self._run("INSERT OR IGNORE INTO seen VALUES (?, ?)", (message_id, self.clock())) == 1

    def unsee(self, message_id: str) -> None:
        """Take ``message_id`` again next time (its answer never reached anyone)."""
        self._run("DELETE FROM seen WHERE id = ?", (message_id,))

    # --- each user's limits --------------------------------------------------------

    def counts(self, user: str) -> tuple[str | None, int, list[float]]:
        """What :meth:`count` kept for ``user``: the quota's day (ISO), messages that day, and the
        times of the messages inside the rate window; ``(None, 0, [])`` for a new user."""
        row = self._one("SELECT day, today, recent FROM limits WHERE user = ?", (user,))
        return (row[0], row[1], json.loads(row[2])) if row else (None, 0, [])

    def count(self, user: str, day: str | None, today: int, recent: list[float]) -> None:
        """Keep ``user``'s counts, so a restart does not hand out a fresh rate limit and quota."""
        self._run("INSERT OR REPLACE INTO limits VALUES (?, ?, ?, ?, ?)",
                  (user, day, today, json.dumps(recent), self.clock()))

    # --- answers in flight ---------------------------------------------------------

    def begin(self, incoming: Incoming) -> None:
        """``incoming`` is taken: it stays here until :meth:`done`, so a restart can finish it."""
        self._run("INSERT OR REPLACE INTO in_flight VALUES (?, ?, 'asking', NULL, NULL, ?)",
                  (_flight_id(incoming), json.dumps(asdict(incoming), ensure_ascii=False), self.clock()))

    def sending(self, incoming: Incoming, shown: str, sent_id: str | None = None) -> None:
        """``shown`` is about to reach the user (into message ``sent_id``, when it grows): from now
        on, a restart must not send the whole answer again."""
        self._run("UPDATE in_flight SET stage = 'sending', shown = ?, sent_id = ? WHERE id = ?",
                  (shown, sent_id, _flight_id(incoming)))

    def done(self, incoming: Incoming) -> None:
        self._run("DELETE FROM in_flight WHERE id = ?", (_flight_id(incoming),))

    def in_flight(self) -> list[tuple[Incoming, str, str | None, str | None]]:
        """Each unfinished answer: ``(incoming, stage, shown, sent_id)``, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT incoming, stage, shown, sent_id FROM in_flight ORDER BY at").fetchall()
        return [(Incoming(**json.loads(data)), stage, shown, sent_id) for data, stage, shown, sent_id in rows]

    # --- upkeep --------------------------------------------------------------------

    def prune(self) -> None:
        """Delete conversations older than the retention, and message ids older than a day."""
        now = self.clock()
        with self._lock:
            self._db.execute("DELETE FROM memories WHERE updated_at < ?", (now - self.retention_days * 86400,))
            self._db.execute("DELETE FROM seen WHERE at < ?", (now - SEEN_FOR,))
            self._db.execute("DELETE FROM limits WHERE at < ?", (now - LIMITS_FOR,))
        self._pruned_at = now

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"<bot Store {self.path} (conversations kept {self.retention_days:g} days)>"

    def _prune_now_and_then(self) -> None:
        if self.clock() - self._pruned_at >= PRUNE_EVERY:
            self.prune()

    def _run(self, sql: str, args: tuple) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def _one(self, sql: str, args: tuple):
        with self._lock:
            return self._db.execute(sql, args).fetchone()


def _flight_id(incoming: Incoming) -> str:
    return f"{incoming.platform}:{incoming.message_id}"


def _retention_from_env() -> float:
    text = (value(RETENTION) or "").strip()
    if not text:
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not days > 0:
        raise ChatkitError(say("bot.store.retention.what", variable=RETENTION, value=text),
                           fix=say("bot.store.retention.fix", variable=RETENTION),
                           docs="chatkit/bot/store.py")
    return days
