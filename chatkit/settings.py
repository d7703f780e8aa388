"""Where every setting comes from: the process environment first, then the nearest ``.env``.

The ``.env`` is the first one found from the working folder upward (the notebooks' folder's
parent holds the course's). It is read once and kept; it is read again when another file is
found or the file changed (a kernel that saved a key sees it), and after :func:`reload`. An
empty value counts as unset. Reading ``.env`` never changes ``os.environ``. This module
imports nothing of chatkit's: every other module asks it.

>>> os.environ["CHATKIT_EXAMPLE"] = "from the shell"
>>> lookup("CHATKIT_EXAMPLE"), lookup("CHATKIT_NOT_SET")
(('from the shell', 'environment'), (None, None))
>>> del os.environ["CHATKIT_EXAMPLE"]
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from dotenv import dotenv_values

# Where a value came from: one label for every caller (config, the bot, the doctor).
ENVIRONMENT = "environment"
DOTENV = ".env"
# A file changed within this many seconds of being read may change again without its
# modification time moving (file systems keep it to a few milliseconds): read it again.
_RECENT = 2.0
_read: dict[Path, tuple[tuple, dict[str, str]]] = {}  # path -> (its size, time and inode when read, its values)


def lookup(name: str, env_file: str | os.PathLike | None = None) -> tuple[str | None, str | None]:
    """A setting's value and where it came from: ``ENVIRONMENT``, ``DOTENV``, or ``(None, None)`` when unset.

    **Parameters:** ``name`` -- the variable, e.g. ``"OPENAI_API_KEY"``; ``env_file`` -- the
    ``.env`` to read instead of the nearest one.
    """
    if os.environ.get(name):
        return os.environ[name], ENVIRONMENT
    value = dotenv(env_file).get(name)
    return (value, DOTENV) if value else (None, None)


def value(name: str, env_file: str | os.PathLike | None = None) -> str | None:
    """A setting's value, from the environment or else ``.env``; None when unset."""
    return lookup(name, env_file)[0]


def dotenv(env_file: str | os.PathLike | None = None) -> dict[str, str]:
    """The values set in ``env_file`` (default: the nearest ``.env``); empty when there is none."""
    path = Path(env_file) if env_file else find_env_file()
    if path is None or not path.is_file():
        return {}
    stat = path.stat()
    version = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    kept = _read.get(path)
    if kept is None or kept[0] != version or time.time() - stat.st_mtime < _RECENT:
        kept = _read[path] = (version, {k: v for k, v in dotenv_values(path).items() if v})
    return dict(kept[1])


def reload() -> None:
    """Forget every ``.env`` read so far: the next setting asked for reads the file again."""
    _read.clear()


def find_env_file(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest ``.env`` in ``start`` (default: the working directory) or a parent."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def project_env_file(start: str | os.PathLike | None = None) -> Path:
    """Where a key should be saved: the ``.env`` chatkit reads, whichever notebook folder you are in.

    The nearest existing ``.env`` (as :func:`find_env_file`), else the chatkit folder's when
    you are inside its ``notebooks/`` (English or Chinese edition), else the working folder's.

    >>> project_env_file("/work/chatkit/notebooks/zh")              # doctest: +SKIP
    PosixPath('/work/chatkit/.env')
    """
    here = Path(start or os.getcwd()).resolve()
    found = find_env_file(here)
    if found is not None:
        return found
    for folder in (here, *here.parents):
        if folder.name == "notebooks" and (folder.parent / "requirements.txt").is_file():
            return folder.parent / ".env"
    return here / ".env"


def edition(start: str | os.PathLike | None = None) -> str:
    """``"zh"`` inside a folder ``zh`` of ``notebooks`` (the Chinese edition), else ``"en"``.

    >>> edition("/work/chatkit/notebooks/zh")
    'zh'
    """
    here = Path(start or os.getcwd()).resolve()
    inside = any(folder.name == "zh" and folder.parent.name == "notebooks" for folder in (here, *here.parents))
    return "zh" if inside else "en"
