"""Results that survive a crash: one JSON line per finished item, appended as it arrives.

Each line is written whole and flushed to disk before the next item is counted as done,
so killing the process loses no finished result; a line cut short by the kill is
dropped (and its item run again) when the file is read back, so none is duplicated.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def read_results(path: str | os.PathLike) -> dict[str, dict]:
    """The finished results in ``path``, by item id; repairs a last line cut short by a crash."""
    path = Path(path)
    if not path.exists():
        return {}
    done: dict[str, dict] = {}
    good_bytes = 0
    with open(path, "rb") as f:
        for line in f:
            try:
                result = json.loads(line)
            except ValueError:
                break  # a line cut short: everything after it is rewritten
            if not line.endswith(b"\n"):
                break
            done[result["id"]] = result
            good_bytes += len(line)
    if good_bytes < path.stat().st_size:
        with open(path, "r+b") as f:
            f.truncate(good_bytes)
    return done


class ResultsFile:
    """Append-only JSONL, one line per result, each on disk before :meth:`add` returns."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (open across add() calls; close() closes it)

    def add(self, result: dict) -> None:
        self._file.write(json.dumps(result, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
