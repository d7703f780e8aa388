"""The catalogue: a few GGUF models worth pulling, with the facts a learner needs before they do.

The facts live in ``catalogue.json`` beside this file, each model with the URLs they were read
from and the day they were checked. This module only reads them and says where a pulled file
lives: ``models_dir()/NAME.gguf``. A file gets that name only after its SHA-256 matched
(download.py), so a file there of the catalogue's size is a verified one.

>>> list(catalogue())
['qwen3-0.6b', 'qwen2.5-1.5b-instruct', 'qwen3-1.7b']
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..config import data_dir

FILE = Path(__file__).with_name("catalogue.json")  # tests point this at their own catalogue
MODELS_DIR = "CHATKIT_MODELS_DIR"  # where pulled models live; default: the data folder's models/


@dataclass(frozen=True)
class Entry:
    """One catalogue model: what it is, where its file is published, and how to check it.

    ``repos`` maps a source's name (``"huggingface"``, ``"modelscope"``) to the repository that
    publishes ``file`` there. ``sha256`` is None when no source publishes the file's checksum:
    such an entry cannot be pulled. ``thinking_switch`` is the chat template's variable that
    turns a reasoning model's thinking on or off (Qwen3: ``enable_thinking``), None if it has none.
    """

    name: str
    repos: dict[str, str]
    file: str
    size: int
    sha256: str | None
    licence: str
    licence_url: str
    languages: tuple[str, ...]
    parameters: str
    chat_template: str
    context_window: int
    reasoning: bool
    thinking_switch: str | None
    sources: tuple[str, ...]
    checked: str

    @classmethod
    def from_json(cls, data: dict) -> Entry:
        return cls(**{**data, "languages": tuple(data["languages"]), "sources": tuple(data["sources"])})


def catalogue() -> dict[str, Entry]:
    """Every catalogue model by name, in the catalogue's order.

    >>> catalogue()["qwen3-1.7b"].reasoning, catalogue()["qwen3-1.7b"].thinking_switch
    (True, 'enable_thinking')
    """
    models = json.loads(FILE.read_text(encoding="utf-8"))["models"]
    return {data["name"]: Entry.from_json(data) for data in models}


def models_dir() -> Path:
    """The folder pulled models live in: CHATKIT_MODELS_DIR, else ``models`` in chatkit's data folder."""
    chosen = os.environ.get(MODELS_DIR)
    path = Path(chosen).expanduser() if chosen else data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def size_text(size: int) -> str:
    """A file size as the hubs show it, in decimal units.

    >>> size_text(639446688), size_text(1834426016)
    ('639 MB', '1.83 GB')
    """
    return f"{size / 1e6:,.0f} MB" if size < 1e9 else f"{size / 1e9:.2f} GB"


def destination(entry: Entry) -> Path:
    """Where ``entry``'s file lives once pulled and verified."""
    return models_dir() / f"{entry.name}.gguf"


def pulled(name: str) -> Path | None:
    """The verified file of catalogue model ``name``, or None if it is not pulled (or not in the catalogue).

    >>> pulled("qwen3-0.6b")                             # doctest: +SKIP
    PosixPath('/home/me/.cache/chatkit/models/qwen3-0.6b.gguf')
    """
    entry = catalogue().get(name)
    if entry is None:
        return None
    path = destination(entry)
    return path if path.is_file() and path.stat().st_size == entry.size else None
