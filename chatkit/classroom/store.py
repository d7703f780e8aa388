"""The classroom's state behind one small interface: students, their keys, budgets, every call and exercise results.

:class:`ClassStore` is the interface the gateway and the command line use; :class:`SQLiteStore`,
one file in chatkit's data folder (readable by the teacher only, WAL mode), is the default. A
school that runs several gateways behind a load balancer can put a shared database behind the
same methods without touching the rest. What stays per gateway process is only the per-minute
buckets (limits.py): a minute's allowance does not need a database.

Keys, and the teacher's one admin token, are kept as SHA-256 hashes, as the sandbox keeps its own
(and LiteLLM its virtual keys): a key is shown once, when it is issued, and can never be read back.

>>> store = SQLiteStore(tmp_path / "classroom.sqlite3")                # doctest: +SKIP
>>> store.add_students([Student("s01", "Ada")])                        # doctest: +SKIP
>>> key = store.issue_key("s01"); store.student_for_key(key).id         # doctest: +SKIP
's01'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol

from ..config import data_dir
from ..database import open_private
from ..keys import mask_key

KEY_PREFIX = "sk-class-"
ADMIN_PREFIX = "class-admin-"
FILE_NAME = "classroom.sqlite3"
CLASS = "*"  # the budgets row every student has unless they have their own

_SCHEMA = """
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    hash TEXT PRIMARY KEY, student TEXT NOT NULL REFERENCES students(id), masked TEXT NOT NULL,
    issued_at REAL NOT NULL, revoked_at REAL);
CREATE INDEX IF NOT EXISTS keys_student ON keys (student);
CREATE TABLE IF NOT EXISTS budgets (student TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
    at REAL NOT NULL, student TEXT NOT NULL, endpoint TEXT NOT NULL, model TEXT NOT NULL,
    upstream TEXT, status INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS calls_student ON calls (student, at);
CREATE TABLE IF NOT EXISTS owned (id TEXT PRIMARY KEY, student TEXT NOT NULL, upstream TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS owned_student ON owned (student);
CREATE TABLE IF NOT EXISTS recorded_once (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS results (
    student TEXT NOT NULL, exercise TEXT NOT NULL, passed INTEGER NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (student, exercise));
CREATE TABLE IF NOT EXISTS admin (id INTEGER PRIMARY KEY CHECK (id = 1), hash TEXT NOT NULL, created_at REAL NOT NULL);
"""


@dataclass(frozen=True)
class Student:
    id: str
    name: str


@dataclass(frozen=True)
class KeyInfo:
    """A student's key as the teacher's list shows it: never the key itself."""

    student: str
    masked: str
    issued_at: float
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Budget:
    """A student's limits; None leaves one off. ``models``: the model ids allowed (None: any).

    ``rpm``, ``tpm``: requests and tokens per minute, counted before a call as the platform counts
    them; ``tokens_per_day`` (UTC day) and ``tokens_per_course``: tokens really used, input and output;
    ``spend_per_day`` and ``spend_per_course``: what they cost in ``currency`` (limits.py prices them).
    """

    rpm: int | None = None
    tpm: int | None = None
    tokens_per_day: int | None = None
    tokens_per_course: int | None = None
    models: tuple[str, ...] | None = None
    spend_per_day: float | None = None
    spend_per_course: float | None = None
    currency: str = "USD"

    @property
    def counts_money(self) -> bool:
        return bool(self.spend_per_day or self.spend_per_course)

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_json(cls, text: str) -> Budget:
        data = json.loads(text)
        models = data.pop("models", None)
        return cls(**data, models=tuple(models) if models is not None else None)


@dataclass(frozen=True)
class Call:
    """One call through the gateway: who, what, where it went and what it cost (``upstream`` None: refused)."""

    student: str
    endpoint: str
    model: str
    status: int
    input_tokens: int = 0
    output_tokens: int = 0
    upstream: str | None = None
    at: float = 0.0


@dataclass(frozen=True)
class Result:
    """A student's latest check of one exercise: passed or not, and when. Never their code."""

    student: str
    exercise: str
    passed: bool
    at: float


@dataclass(frozen=True)
class Usage:
    """Calls summed over a group (a student, an hour as ``"2026-12-06T14"`` UTC, an upstream, a model).

    ``errors``: calls answered 400 or above, refusals by the gateway included."""

    group: str
    calls: int
    input_tokens: int
    output_tokens: int
    errors: int
    last_at: float


# What a Usage can be grouped by; the SQL is fixed here, never built from a request.
USAGE_GROUPS = {"student": "student", "hour": "strftime('%Y-%m-%dT%H', at, 'unixepoch')",
                "upstream": "COALESCE(upstream, '')", "student_model": "student || ' ' || model"}


class ClassStore(Protocol):
    """Everything the classroom keeps. Implementations must be safe to call from several threads."""

    def add_students(self, students: list[Student]) -> None: ...
    def students(self) -> list[Student]: ...
    def issue_key(self, student: str) -> str:
        """A new key for ``student``, returned once; the student's earlier keys stop working."""
    def revoke(self, student: str) -> bool:
        """Stop ``student``'s key; False if they had no active key."""
    def latest_keys(self) -> list[KeyInfo]: ...
    def student_for_key(self, key: str) -> tuple[Student, KeyInfo] | None:
        """The student a key was issued to and the key's state (revoked or not), or None for a stranger."""
    def budget(self, student: str) -> Budget:
        """The student's own budget, else the class's."""
    def set_budget(self, budget: Budget, student: str = CLASS) -> None: ...
    def record(self, call: Call, once: str | None = None) -> bool:
        """Add ``call``; with ``once`` (a batch's id), only the first time: False if it was recorded before."""
    def tokens_used(self, student: str, since: float = 0.0) -> int:
        """Input plus output tokens ``student`` used since ``since`` (a Unix time)."""
    def used_by_model(self, student: str, since: float = 0.0) -> list[Usage]:
        """``student``'s calls since ``since`` summed per model (``Usage.group``): what prices them."""
    def calls(self, student: str, limit: int = 100) -> list[Call]:
        """``student``'s calls, newest first: only theirs."""
    def own(self, student: str, resource: str, upstream: str) -> None:
        """``student`` made ``resource`` (a stored response's, a file's or a batch's id) on ``upstream``, where
        students share one key."""
    def owned(self, student: str, prefix: str) -> list[tuple[str, str]]:
        """``student``'s resources whose id starts with ``prefix`` (``"file-"``), and their upstreams, oldest first."""
    def owner(self, resource: str) -> tuple[str, str] | None:
        """The student who made ``resource``, and the upstream that keeps it."""
    def record_result(self, result: Result) -> None:
        """Keep ``result`` as the student's latest for its exercise."""
    def results(self, student: str | None = None) -> list[Result]:
        """``student``'s latest results (None: every student's), by exercise."""
    def usage(self, by: str) -> list[Usage]:
        """Every call summed by one of :data:`USAGE_GROUPS`."""
    def new_admin_token(self) -> str:
        """A new admin token for the teacher, returned once; the earlier one stops working."""
    def is_admin(self, token: str) -> bool: ...


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class SQLiteStore:
    """:class:`ClassStore` in one SQLite file (default ``classroom.sqlite3`` in chatkit's data folder).

    One connection behind a lock, as the bot's store: each statement takes well under a millisecond,
    and WAL mode keeps what was committed when the process is killed.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, clock=time.time) -> None:
        self.path = Path(path) if path is not None else data_dir() / FILE_NAME
        self.clock = clock
        self._lock = threading.Lock()
        self._db = open_private(self.path, _SCHEMA)

    def __repr__(self) -> str:
        return f"<classroom SQLiteStore {self.path}>"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- students and keys ---------------------------------------------------------

    def add_students(self, students: list[Student]) -> None:
        now = self.clock()
        with self._transaction():
            self._db.executemany("INSERT INTO students VALUES (?, ?, ?)", [(s.id, s.name, now) for s in students])

    def students(self) -> list[Student]:
        return [Student(*row) for row in self._all("SELECT id, name FROM students ORDER BY added_at, rowid")]

    def issue_key(self, student: str) -> str:
        key, now = new_key(), self.clock()
        with self._transaction():  # the old key stops as the new one starts, never both or neither
            self._db.execute("UPDATE keys SET revoked_at = ? WHERE student = ? AND revoked_at IS NULL", (now, student))
            self._db.execute("INSERT INTO keys VALUES (?, ?, ?, ?, NULL)", (key_hash(key), student, mask_key(key), now))
        return key

    def revoke(self, student: str) -> bool:
        with self._lock:
            return self._db.execute("UPDATE keys SET revoked_at = ? WHERE student = ? AND revoked_at IS NULL",
                                    (self.clock(), student)).rowcount > 0

    def latest_keys(self) -> list[KeyInfo]:
        """Each student's latest key, in roster order."""
        rows = self._all("SELECT k.student, k.masked, k.issued_at, k.revoked_at FROM keys k JOIN students s "
                         "ON s.id = k.student WHERE k.issued_at = (SELECT MAX(issued_at) FROM keys "
                         "WHERE student = k.student) ORDER BY s.added_at, s.rowid")
        return [KeyInfo(*row) for row in rows]

    def student_for_key(self, key: str) -> tuple[Student, KeyInfo] | None:
        with self._lock:
            row = self._db.execute("SELECT s.id, s.name, k.masked, k.issued_at, k.revoked_at FROM keys k "
                                   "JOIN students s ON s.id = k.student WHERE k.hash = ?", (key_hash(key),)).fetchone()
        return (Student(row[0], row[1]), KeyInfo(row[0], *row[2:])) if row else None

    # --- budgets -------------------------------------------------------------------

    def budget(self, student: str) -> Budget:
        with self._lock:
            row = self._db.execute("SELECT data FROM budgets WHERE student IN (?, ?) ORDER BY student = ?",
                                   (student, CLASS, CLASS)).fetchone()
        return Budget.from_json(row[0]) if row else Budget()

    def set_budget(self, budget: Budget, student: str = CLASS) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO budgets VALUES (?, ?)", (student, budget.to_json()))

    # --- calls ---------------------------------------------------------------------

    def record(self, call: Call, once: str | None = None) -> bool:
        with self._transaction():  # the mark and the call together: never one without the other
            if once is not None and not self._db.execute("INSERT OR IGNORE INTO recorded_once VALUES (?)",
                                                         (once,)).rowcount:
                return False
            self._db.execute("INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (call.at or self.clock(), call.student, call.endpoint, call.model, call.upstream,
                              call.status, call.input_tokens, call.output_tokens))
            return True

    def tokens_used(self, student: str, since: float = 0.0) -> int:
        with self._lock:
            row = self._db.execute("SELECT COALESCE(SUM(input_tokens + output_tokens), 0) FROM calls "
                                   "WHERE student = ? AND at >= ?", (student, since)).fetchone()
        return row[0]

    def used_by_model(self, student: str, since: float = 0.0) -> list[Usage]:
        rows = self._all("SELECT model, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(status >= 400), MAX(at) "
                         "FROM calls WHERE student = ? AND at >= ? GROUP BY model ORDER BY model", (student, since))
        return [Usage(*row) for row in rows]

    def calls(self, student: str, limit: int = 100) -> list[Call]:
        rows = self._all("SELECT student, endpoint, model, status, input_tokens, output_tokens, upstream, at "
                         "FROM calls WHERE student = ? ORDER BY at DESC, rowid DESC LIMIT ?", (student, limit))
        return [Call(*row) for row in rows]

    @contextmanager
    def _transaction(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def own(self, student: str, resource: str, upstream: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO owned VALUES (?, ?, ?)", (resource, student, upstream))

    def owned(self, student: str, prefix: str) -> list[tuple[str, str]]:
        # The prefix is matched with substr, not LIKE: an id may hold '_', which LIKE reads as a wildcard.
        return self._all("SELECT id, upstream FROM owned WHERE student = ? AND substr(id, 1, ?) = ? ORDER BY rowid",
                         (student, len(prefix), prefix))

    def owner(self, resource: str) -> tuple[str, str] | None:
        rows = self._all("SELECT student, upstream FROM owned WHERE id = ?", (resource,))
        return rows[0] if rows else None

    # --- results and the teacher's view ------------------------------------------------

    def record_result(self, result: Result) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
                             (result.student, result.exercise, int(result.passed), result.at or self.clock()))

    def results(self, student: str | None = None) -> list[Result]:
        where, args = ("WHERE student = ?", (student,)) if student is not None else ("", ())
        rows = self._all(f"SELECT student, exercise, passed, at FROM results {where} ORDER BY student, exercise", args)
        return [Result(s, e, bool(p), at) for s, e, p, at in rows]

    def usage(self, by: str) -> list[Usage]:
        group = USAGE_GROUPS[by]
        rows = self._all(f"SELECT {group}, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(status >= 400), "
                         f"MAX(at) FROM calls GROUP BY {group} ORDER BY {group}")
        return [Usage(*row) for row in rows]

    def new_admin_token(self) -> str:
        token = ADMIN_PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO admin VALUES (1, ?, ?)", (key_hash(token), self.clock()))
        return token

    def is_admin(self, token: str) -> bool:
        rows = self._all("SELECT hash FROM admin WHERE id = 1")
        # Constant time: how much of a guess matched must not show in how long the answer takes.
        return bool(rows) and hmac.compare_digest(rows[0][0], key_hash(token))

    def _all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()


