"""Batches in the sandbox's SQLite file: their status, every request, and every finished line.

A batch's requests are copied into ``batch_requests`` when it passes validation; a
request's result is written by one UPDATE, which is the batch's progress too (its
counts are counted from these rows). So a sandbox stopped mid-batch loses no finished
line, and the next one runs only the rows still without a result. A status change and
the output files it creates are one transaction.
"""

from __future__ import annotations

import json
import secrets
from contextlib import closing
from pathlib import Path

from .files import FileStore, connect, transaction

ACTIVE = ("validating", "in_progress", "finalizing", "cancelling")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, key_id TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch_requests (
    batch_id TEXT NOT NULL, line INTEGER NOT NULL, custom_id TEXT NOT NULL, body TEXT NOT NULL,
    outcome TEXT, result TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, line));
CREATE TABLE IF NOT EXISTS batch_worker (
    one INTEGER PRIMARY KEY CHECK (one = 1), owner TEXT NOT NULL, until REAL NOT NULL);
"""
# A reasoning model's hidden tokens, read from each result line's usage (either API's name for them).
_REASONING = ("coalesce(json_extract(result, '$.response.body.usage.output_tokens_details.reasoning_tokens'), "
              "json_extract(result, '$.response.body.usage.completion_tokens_details.reasoning_tokens'), 0)")
EXPIRED = {"code": "batch_expired",
           "message": "This request could not be executed before the completion window expired."}


def output_line(custom_id: str, response: dict | None, error: dict | None = None) -> str:
    """One line of an output or error file: the request's response, or why it has none."""
    return json.dumps({"id": "batch_req_" + secrets.token_hex(16), "custom_id": custom_id, "response": response,
                       "error": error})


def usage(input_tokens: int, output_tokens: int, reasoning_tokens: int = 0) -> dict:
    return {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": input_tokens + output_tokens}


class BatchStore:
    """The batch tables; every method opens its own connection, so threads may share one instance."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with closing(connect(path)) as db:
            db.executescript(_SCHEMA)

    # --- what the API shows ----------------------------------------------------------

    def add(self, key_id: str, batch: dict) -> None:
        with closing(connect(self.path)) as db:
            db.execute("INSERT INTO batches VALUES (?, ?, ?, ?)", (batch["id"], key_id, batch["status"],
                                                                   json.dumps(batch)))

    def get(self, batch_id: str, key_id: str) -> dict | None:
        """The batch with its request counts and token usage, if ``key_id`` made it."""
        with closing(connect(self.path)) as db:
            row = db.execute("SELECT body FROM batches WHERE id = ? AND key_id = ?", (batch_id, key_id)).fetchone()
            return self._with_counts(db, json.loads(row[0])) if row else None

    def page(self, key_id: str, after: str | None, limit: int) -> list[dict]:
        """Up to ``limit`` batches of ``key_id`` made before the batch ``after``, newest first."""
        query, args = "SELECT body FROM batches WHERE key_id = ?", [key_id]
        if after:
            query, args = query + " AND rowid < (SELECT rowid FROM batches WHERE id = ?)", args + [after]
        with closing(connect(self.path)) as db:
            rows = db.execute(query + " ORDER BY rowid DESC LIMIT ?", args + [limit]).fetchall()
            return [self._with_counts(db, json.loads(body)) for (body,) in rows]

    @staticmethod
    def _with_counts(db, batch: dict) -> dict:
        total, completed, failed, tokens_in, tokens_out, reasoning = db.execute(
            "SELECT count(*), sum(outcome = 'completed'), sum(outcome = 'failed'), sum(input_tokens), "
            f"sum(output_tokens), sum({_REASONING}) FROM batch_requests WHERE batch_id = ?", (batch["id"],)).fetchone()
        counts = {"total": total, "completed": completed or 0, "failed": failed or 0}
        return {**batch, "request_counts": counts, "usage": usage(tokens_in or 0, tokens_out or 0, reasoning or 0)}

    # --- what the worker does -----------------------------------------------------------

    def claim(self, owner: str, now: float, lease: float) -> bool:
        """Whether ``owner`` may run batches now: one worker per SQLite file, even across processes."""
        with closing(connect(self.path)) as db:
            return db.execute(
                "INSERT INTO batch_worker VALUES (1, ?, ?) ON CONFLICT(one) DO UPDATE SET owner = excluded.owner, "
                "until = excluded.until WHERE batch_worker.owner = excluded.owner OR batch_worker.until < ?",
                (owner, now + lease, now)).rowcount == 1

    def release(self, owner: str) -> None:
        with closing(connect(self.path)) as db:
            db.execute("DELETE FROM batch_worker WHERE owner = ?", (owner,))

    def active(self) -> list[tuple[str, dict]]:
        """(key id, batch) of every batch not yet in a final status, oldest first."""
        marks = ", ".join("?" * len(ACTIVE))
        with closing(connect(self.path)) as db:
            rows = db.execute(f"SELECT key_id, body FROM batches WHERE status IN ({marks}) ORDER BY rowid", ACTIVE)
            return [(key_id, json.loads(body)) for key_id, body in rows]

    def change(self, batch_id: str, status: str, allowed: tuple[str, ...], now: int, **fields) -> dict | None:
        """Move the batch to ``status`` (stamping ``{status}_at``) if it is in one of ``allowed``; else None."""
        with transaction(self.path) as db:
            return self._change(db, batch_id, status, allowed, now, fields)

    def _change(self, db, batch_id: str, status: str, allowed: tuple[str, ...], now: int, fields: dict) -> dict | None:
        row = db.execute("SELECT body FROM batches WHERE id = ?", (batch_id,)).fetchone()
        batch = json.loads(row[0]) if row else None
        if batch is None or batch["status"] not in allowed:
            return None
        batch.update(fields, status=status, **{f"{status}_at": now})
        db.execute("UPDATE batches SET status = ?, body = ? WHERE id = ?", (status, json.dumps(batch), batch_id))
        return batch

    def start(self, batch_id: str, model: str | None, requests: list[tuple[int, str, str]], now: int) -> bool:
        """Validating -> in_progress, with the requests (line, custom_id, body as JSON), in one transaction."""
        with transaction(self.path) as db:
            if self._change(db, batch_id, "in_progress", ("validating",), now, {"model": model}) is None:
                return False
            db.executemany("INSERT INTO batch_requests (batch_id, line, custom_id, body) VALUES (?, ?, ?, ?)",
                           [(batch_id, *request) for request in requests])
            return True

    def next_request(self, batch_id: str) -> tuple[int, str, dict] | None:
        """(line, custom_id, body) of the first request without a result."""
        with closing(connect(self.path)) as db:
            row = db.execute("SELECT line, custom_id, body FROM batch_requests WHERE batch_id = ? AND outcome IS "
                             "NULL ORDER BY line LIMIT 1", (batch_id,)).fetchone()
        return (row[0], row[1], json.loads(row[2])) if row else None

    def record(self, batch_id: str, line: int, ok: bool, result: str, tokens: tuple[int, int]) -> bool:
        """Store one request's output line; False if it already had one (it is never written twice)."""
        with closing(connect(self.path)) as db:
            return db.execute(
                "UPDATE batch_requests SET outcome = ?, result = ?, input_tokens = ?, output_tokens = ? "
                "WHERE batch_id = ? AND line = ? AND outcome IS NULL",
                ("completed" if ok else "failed", result, *tokens, batch_id, line)).rowcount == 1

    def finish(self, batch_id: str, status: str, allowed: tuple[str, ...], now: int) -> dict | None:
        """End the batch as ``status`` if it is in one of ``allowed``: its files and status in one transaction.

        An expired batch reports each request that did not run as ``batch_expired`` in the error file.
        """
        with transaction(self.path) as db:
            row = db.execute("SELECT key_id, status FROM batches WHERE id = ?", (batch_id,)).fetchone()
            if row is None or row[1] not in allowed:
                return None
            if status == "expired":
                unfinished = db.execute("SELECT line, custom_id FROM batch_requests WHERE batch_id = ? AND "
                                        "outcome IS NULL", (batch_id,)).fetchall()
                db.executemany("UPDATE batch_requests SET outcome = 'failed', result = ? WHERE batch_id = ? "
                               "AND line = ?", [(output_line(cid, None, EXPIRED), batch_id, line)
                                                for line, cid in unfinished])
            files = {"output_file_id": self._results(db, row[0], batch_id, "completed", "output"),
                     "error_file_id": self._results(db, row[0], batch_id, "failed", "error")}
            return self._change(db, batch_id, status, allowed, now, files)

    @staticmethod
    def _results(db, key_id: str, batch_id: str, outcome: str, name: str) -> str | None:
        """The id of a new file holding the lines with ``outcome``, or None if there are none."""
        lines = [line for (line,) in db.execute("SELECT result FROM batch_requests WHERE batch_id = ? AND "
                                                "outcome = ? ORDER BY line", (batch_id, outcome))]
        if not lines:
            return None
        content = "".join(line + "\n" for line in lines).encode("utf-8")
        return FileStore.insert(db, key_id, f"{batch_id}_{name}.jsonl", "batch_output", content)["id"]
