"""A SQLite file only its owner can read, shared by the servers that keep state (the bot, the classroom).

>>> db = open_private(Path(tempfile.mkdtemp()) / "x.sqlite3", "CREATE TABLE t (a)")   # doctest: +SKIP
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def open_private(path: Path, schema: str) -> sqlite3.Connection:
    """The database at ``path`` with ``schema`` applied, created readable by its owner only (SQLite
    gives its -wal and -shm files the same mode), in WAL mode, shareable between threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if os.name != "nt":
        path.chmod(0o600)  # also tightens a file that already existed
    db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL: in WAL mode a committed write survives the process being killed; only a power
    # cut can lose the last ones, and it spares an fsync per write.
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(schema)
    return db
