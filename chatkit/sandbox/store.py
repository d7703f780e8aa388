"""The sandbox's memory: API keys, stored responses and usage, in one SQLite file.

Keys are stored as SHA-256 hashes only, like a real platform: a key is shown once
when created and can never be read back. The file lives in the data folder
(``chatkit.config.data_dir``), so it survives restarts.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ..keys import mask_key

KEY_PREFIX = "sk-sandbox-"
SESSION_KEY_ID = "key_session"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    masked TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY, key_id TEXT NOT NULL, created_at INTEGER NOT NULL,
    body TEXT NOT NULL, history TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage (
    key_id TEXT NOT NULL, day TEXT NOT NULL, requests INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    PRIMARY KEY (key_id, day));
"""


@dataclass(frozen=True)
class KeyInfo:
    """What the keys page shows about a key: never the key itself."""

    id: str
    name: str
    masked: str
    created_at: int
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Store:
    """SQLite-backed state; safe to share between threads and processes."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / "sandbox.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(mode=0o600)  # it holds conversations: readable by you only
        for path in [self.path] + [self.path.with_name(self.path.name + s) for s in ("-wal", "-shm")]:
            if path.exists() and os.name != "nt":
                path.chmod(0o600)
        with closing(self._db()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        self._session: dict[str, KeyInfo] = {}

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    # --- keys -----------------------------------------------------------------

    def create_key(self, name: str = "my key", *, persist: bool = True) -> tuple[str, KeyInfo]:
        """Make a new key. Returns ``(key, info)``; the key is not kept anywhere.

        ``persist=False`` makes a key that lives only as long as this process
        (what ``chatkit.connect()`` uses, so it does not fill the keys page).
        """
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        # Keys of chatkit.connect() share one id, like the keys of one project on the platform:
        # a conversation stored from one notebook can be continued from the next.
        key_id = "key_" + secrets.token_hex(8) if persist else SESSION_KEY_ID
        info = KeyInfo(key_id, name, mask_key(key), int(time.time()))
        if persist:
            with closing(self._db()) as db:
                db.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?, NULL)",
                           (info.id, info.name, _hash(key), info.masked, info.created_at))
        else:
            self._session[_hash(key)] = info
        return key, info

    def list_keys(self) -> list[KeyInfo]:
        with closing(self._db()) as db:
            rows = db.execute("SELECT id, name, masked, created_at, revoked_at FROM keys ORDER BY created_at, rowid")
            return [KeyInfo(*row) for row in rows]

    def revoke_key(self, key_id: str) -> KeyInfo | None:
        """Revoke by id (``key_…``). Returns the key's info, or None if there is no such key."""
        with closing(self._db()) as db:
            db.execute("UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (int(time.time()), key_id))
        return next((k for k in self.list_keys() if k.id == key_id), None)

    def check_key(self, key: str) -> KeyInfo | None:
        """The key's info if the key exists (revoked or not), else None."""
        digest = _hash(key)
        if digest in self._session:
            return self._session[digest]
        with closing(self._db()) as db:
            row = db.execute("SELECT id, name, masked, created_at, revoked_at FROM keys WHERE hash = ?",
                             (digest,)).fetchone()
        return KeyInfo(*row) if row else None

    # --- stored responses -------------------------------------------------------

    def save_response(self, key_id: str, body: dict, history: list[dict]) -> None:
        with closing(self._db()) as db:
            db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                       (body["id"], key_id, body["created_at"], json.dumps(body), json.dumps(history)))

    def load_response(self, response_id: str, key_id: str) -> tuple[dict, list[dict]] | None:
        """A stored response and its history, if ``key_id`` made it: another key's is not found."""
        with closing(self._db()) as db:
            row = db.execute("SELECT body, history FROM responses WHERE id = ? AND key_id = ?",
                             (response_id, key_id)).fetchone()
        return (json.loads(row[0]), json.loads(row[1])) if row else None

    def delete_response(self, response_id: str, key_id: str) -> bool:
        with closing(self._db()) as db:
            return db.execute("DELETE FROM responses WHERE id = ? AND key_id = ?",
                              (response_id, key_id)).rowcount > 0

    # --- usage --------------------------------------------------------------------

    def add_usage(self, key_id: str, input_tokens: int, output_tokens: int) -> None:
        day = time.strftime("%Y-%m-%d", time.gmtime())
        with closing(self._db()) as db:
            db.execute(
                "INSERT INTO usage VALUES (?, ?, 1, ?, ?) ON CONFLICT(key_id, day) DO UPDATE SET "
                "requests = requests + 1, input_tokens = input_tokens + excluded.input_tokens, "
                "output_tokens = output_tokens + excluded.output_tokens",
                (key_id, day, input_tokens, output_tokens),
            )

    def usage(self, key_id: str | None = None) -> list[dict]:
        """Usage per key and day (UTC), newest first."""
        query = "SELECT key_id, day, requests, input_tokens, output_tokens FROM usage"
        args: tuple = ()
        if key_id:
            query, args = query + " WHERE key_id = ?", (key_id,)
        with closing(self._db()) as db:
            rows = db.execute(query + " ORDER BY day DESC, key_id", args).fetchall()
        names = ("key_id", "day", "requests", "input_tokens", "output_tokens")
        return [dict(zip(names, row, strict=True)) for row in rows]
