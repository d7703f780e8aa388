"""API keys on the learner's side: mask them, check them, save them safely.

A key is a password for your account (and your bill). Nothing in chatkit prints a
key in full: everything goes through :func:`mask_key` first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from dotenv import set_key

from .errors import KeyFormatError
from .messages import say
from .settings import project_env_file

# Prefixes are labels, not secrets: keeping them helps you tell keys apart.
_PREFIXES = ("sk-sandbox-", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-")
_KEY_CHARS = re.compile(r"^[A-Za-z0-9_\-]+$")
DOCS = "notebooks/02-set-up-your-api-key.ipynb"


def mask_key(key: str | None) -> str:
    """Show a key the way the dashboard does: its prefix and last 4 characters.

    >>> mask_key("sk-proj-example1234example1234")
    'sk-proj-…1234'
    >>> mask_key(None)
    '(no key)'
    """
    if not key:
        return "(no key)"
    prefix = next((p for p in _PREFIXES if key.startswith(p)), "")
    # A short string would be half revealed by its last 4 characters.
    tail = key[-4:] if len(key) >= 20 else ""
    return f"{prefix}…{tail}" if (prefix or tail) else "…"


def check_key_format(key: str) -> str:
    """Return the key if it looks like an API key, else raise KeyFormatError.

    Catches the usual copy-paste accidents; it cannot tell if the key is valid
    (only the server can: see ``chatkit.verify``).

    >>> check_key_format("sk-proj-example1234example1234")
    'sk-proj-example1234example1234'
    """
    if not isinstance(key, str) or not key:
        raise _format_error("empty")
    if key != key.strip():
        raise _format_error("spaces")
    if key[0] in "\"'" or key[-1] in "\"'":
        raise _format_error("quotes")
    if key.lower().startswith("bearer"):
        raise _format_error("bearer")
    if "…" in key or "..." in key:
        raise _format_error("masked")
    if not _KEY_CHARS.match(key):
        raise _format_error("characters")
    if not key.startswith("sk-"):
        raise _format_error("prefix", key=mask_key(key))
    if len(key) < 20:
        raise _format_error("short", key=mask_key(key), length=len(key))
    return key


def _format_error(problem: str, **fields) -> KeyFormatError:
    """The KeyFormatError for ``problem`` (keys.<problem>.what/.fix in chatkit/messages), in today's language."""
    return KeyFormatError(say(f"keys.{problem}.what", **fields), fix=say(f"keys.{problem}.fix"), docs=DOCS)


def save_key(key: str, env_file: str | os.PathLike | None = None, name: str = "OPENAI_API_KEY") -> Path:
    """Write ``name=key`` into a .env file that only you can read, and keep it out of git.

    ``env_file`` defaults to the project's ``.env`` (``chatkit.settings.project_env_file``): the
    one chatkit reads, from any notebook folder.

    The file is created with mode 0600 (owner read/write only) and ``.env`` is added
    to the ``.gitignore`` beside it. Other lines in the file are kept. The key is
    never echoed. Returns the path written.

    >>> save_key("sk-proj-example1234example1234", tmp / ".env")  # doctest: +SKIP
    PosixPath('.../.env')
    """
    check_key_format(key)
    path = Path(env_file or project_env_file()).resolve()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also tightens a file that already existed
    set_key(str(path), name, key, quote_mode="never")
    os.chmod(path, 0o600)  # set_key rewrites the file; keep it private
    ensure_gitignored(path)
    return path


def ensure_gitignored(path: Path) -> Path:
    """Add the file's name to the .gitignore in its folder unless already listed."""
    ignore = path.parent / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    if path.name not in {line.strip().lstrip("/") for line in lines}:
        with ignore.open("a", encoding="utf-8") as f:
            if lines and lines[-1].strip():
                f.write("\n")
            f.write(f"# secrets: never commit\n{path.name}\n")
    return ignore
