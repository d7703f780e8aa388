"""Pulling a catalogue model: the licence first, the free space checked, then the file, resumable, verified.

Why a small downloader on httpx rather than huggingface_hub (2.4.0): that client knows Hugging
Face's layout and ``HF_ENDPOINT`` (read once, at import), but not ModelScope's, where most
Chinese learners can download; it checks a new download's size, not its SHA-256 (it hashes only
to reuse a file already there), and a disk too small only logs a warning; and it would add four
packages to the core install (huggingface_hub, hf-xet, fsspec, filelock: 5.5 MB of wheels, hf-xet
a native binary). The modelscope SDK is heavier still and knows only its own site. httpx is
already installed (openai and the bot use it), and one loop of about 60 lines serves both layouts,
resumes with HTTP Range as both clients do, and verifies every byte.

The file is written to ``NAME.gguf.part`` in the models folder and renamed to ``NAME.gguf`` only
once its SHA-256 matches the catalogue's: an interrupted pull leaves the ``.part`` to resume from.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

import httpx

from ..errors import PullError
from ..messages import say
from .entries import Entry, catalogue, destination, models_dir, size_text
from .sources import Source, default_sources

MARGIN = 200 * 2**20  # free space to leave besides the file: the disk is the learner's, not ours
TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # a blocked site often never answers: move on after 10 s
CHUNK = 2**20


def pull(name: str, *, sources: Sequence[Source] | None = None, progress: bool = True) -> Path:
    """Download catalogue model ``name``, verify its SHA-256 and return the file's path.

    **Parameters:** ``name`` -- a name from ``python -m chatkit models list``; ``sources`` --
    where to try, in order (default: :func:`~chatkit.hub.sources.default_sources`); ``progress``
    -- show a progress bar (text in a terminal, a widget in Jupyter).

    A file already pulled is returned at once. Raises :class:`~chatkit.errors.PullError` with
    what to do when the file cannot be had or does not match.

    >>> pull("qwen2.5-1.5b-instruct")                               # doctest: +SKIP
    qwen2.5-1.5b-instruct is published under the Apache-2.0 licence (https://huggingface.co/Qwen/...): ...
    PosixPath('/home/me/.cache/chatkit/models/qwen2.5-1.5b-instruct.gguf')
    """
    entry = _entry(name)
    final = destination(entry)
    if final.is_file() and final.stat().st_size == entry.size:
        print(say("hub.already", name=name, path=final))
        return final
    if entry.sha256 is None:
        raise PullError(say("hub.no_checksum.what", name=name),
                        fix=say("hub.no_checksum.fix", sources=entry.sources[0]))
    print(say("hub.licence", name=name, licence=entry.licence, url=entry.licence_url))
    part = final.with_name(final.name + ".part")
    _check_space(entry, part)
    _fetch(entry, part, list(default_sources() if sources is None else sources), progress)
    _verify(entry, part)
    part.replace(final)
    print(say("hub.pulled", name=name, path=final))
    return final


def remove(name: str) -> Path | None:
    """Delete catalogue model ``name``'s file (and any unfinished download); the path freed, or None."""
    final = destination(_entry(name))
    part = final.with_name(final.name + ".part")
    part.unlink(missing_ok=True)
    if not final.exists():
        return None
    final.unlink()
    return final


def _entry(name: str) -> Entry:
    found = catalogue().get(name)
    if found is None:
        raise PullError(say("hub.unknown.what", name=name), fix=say("hub.unknown.fix"))
    return found


def _check_space(entry: Entry, part: Path) -> None:
    have = part.stat().st_size if part.exists() else 0
    need = entry.size - have + MARGIN
    free = shutil.disk_usage(models_dir()).free
    if free < need:
        raise PullError(say("hub.no_space.what", name=entry.name, need=size_text(need), free=size_text(free),
                            folder=models_dir()), fix=say("hub.no_space.fix"))


def _fetch(entry: Entry, part: Path, sources: list[Source], progress: bool) -> None:
    """Fill ``part`` up to the catalogue's size from the first source that answers, resuming where it stopped."""
    from tqdm.auto import tqdm  # a widget in Jupyter, text in a terminal

    with httpx.Client(follow_redirects=True, timeout=TIMEOUT, headers={"User-Agent": "chatkit"}) as client:
        for source in sources:
            repo = entry.repos.get(source.repo)
            if repo is None:
                continue
            have = part.stat().st_size if part.exists() else 0
            if have >= entry.size:
                return
            url = source.url(repo, entry.file)
            print(say("hub.trying", source=source.name, url=url))
            def bar(initial: int):  # shown once the source answers, so a refusal leaves no empty bar
                return tqdm(total=entry.size, initial=initial, unit="B", unit_scale=True, unit_divisor=1024,
                            desc=entry.name, disable=not progress)
            reason = _stream(client, url, part, have, entry.size, bar)
            if reason is None:
                return
            print(say("hub.moving_on", source=source.name, reason=reason))
    raise PullError(say("hub.unreachable.what", name=entry.name), fix=say("hub.unreachable.fix", mirror="HF_ENDPOINT"))


def _stream(client: httpx.Client, url: str, part: Path, have: int, size: int, bar) -> str | None:
    """Append the bytes after ``have`` to ``part``; None when the server sent them all, else why it did not.

    ``bar(initial)`` makes the progress bar, once the server has answered with the file."""
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code not in (200, 206):
                return f"HTTP {response.status_code}"
            if response.status_code == 200 and have:  # the server ignored Range: start again
                have = 0
            expected = response.headers.get("Content-Length")
            if expected is not None and int(expected) != size - have:
                return say("hub.wrong_length", sent=expected, expected=size - have)
            with open(part, "ab" if have else "wb") as out, bar(have) as shown:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
                    shown.update(len(chunk))
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return None


def _verify(entry: Entry, part: Path) -> None:
    """Refuse, and delete, a file that is not the catalogue's: a short file or a different SHA-256."""
    size = part.stat().st_size
    if size != entry.size:
        part.unlink()
        raise PullError(say("hub.truncated.what", name=entry.name, got=size, size=entry.size),
                        fix=say("hub.again.fix", name=entry.name))
    digest = hashlib.sha256()
    with open(part, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != entry.sha256:
        part.unlink()
        raise PullError(say("hub.corrupted.what", name=entry.name, got=digest.hexdigest(), sha256=entry.sha256),
                        fix=say("hub.again.fix", name=entry.name))
