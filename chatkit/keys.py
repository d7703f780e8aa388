"""API keys on the learner's side: mask them, check them, save them safely.

A key is a password for your account (and your bill). Nothing in chatkit prints a
key in full: everything goes through :func:`mask_key` first.
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from pathlib import Path

from dotenv import set_key

from .errors import KeyFormatError
from .messages import say
from .providers import PROVIDER, Provider, preset, presets
from .settings import project_env_file, value

SANDBOX_PREFIX = "sk-sandbox-"
# Prefixes are labels, not secrets: keeping them helps you tell keys apart (bce-v3/ opens a Qianfan key;
# ark- opens a Volcano Ark key seen in public code, while Ark's documentation shows a bare UUID).
_PREFIXES = (SANDBOX_PREFIX, "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-sp-", "sk-", "bce-v3/", "ark-")
DEFAULT_VARIABLE = "OPENAI_API_KEY"
# Anything shaped like a key, so that no message can carry one in full: OpenAI-style (and DashScope) sk-…,
# a Qianfan bce-v3/ALTAK-…/…, a Zhipu <id>.<secret> (both parts long, unlike a host name), a Volcano Ark
# key: a UUID (its key_format in providers.json), or ark-… (long, unlike a host such as ark-cn-beijing).
# A request id shaped like a UUID is masked too: a key must never slip through. Not a key masked already.
KEYISH = re.compile(r"\b(?:(?:sk|rk|pk)-[A-Za-z0-9_\-*]{8,}|bce-v3/[A-Za-z0-9_\-/]{8,}|ark-[A-Za-z0-9\-]{20,}"
                    r"|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[A-Za-z0-9]{16,}\.[A-Za-z0-9]{8,})(?!…)")
_MASKED = ("…", "...", "**")  # what dashboards show instead of the middle of a key
_QUOTES = "\"'“”‘’「」"
_SHORT = 20
DOCS = "notebooks/02-set-up-your-api-key.ipynb"


class KeyShapeWarning(UserWarning):
    """A key that may be right but does not look like its provider's keys: check the copy."""


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
    tail = key[-4:] if len(key) >= _SHORT else ""
    return f"{prefix}…{tail}" if (prefix or tail) else "…"


def check_key_format(key: str, provider: str | None = None, variable: str | None = None) -> str:
    """Return the key if it can be an API key, else raise KeyFormatError; warn if it looks unlike its provider's.

    Refuses only what no key can contain (spaces, quotes, full-width or invisible characters, a
    masked key) and says which. A key that can be right but does not match what the provider
    documents (``key_format`` in ``providers.json``), or whose provider documents no shape, gets
    a :class:`KeyShapeWarning`. Only the server can tell if a key is valid (``chatkit.verify``).

    **Parameters:** ``provider`` -- a preset's name (default: the one ``variable`` belongs to,
    else ``CHATKIT_PROVIDER``, else OpenAI); ``variable`` -- where the key will be saved.

    >>> check_key_format("sk-proj-example1234example1234")
    'sk-proj-example1234example1234'
    """
    refuse_impossible(key)
    problem = shape_problem(key, key_provider(provider, variable))
    if problem:
        warnings.warn(problem, KeyShapeWarning, stacklevel=2)
    return key


def refuse_impossible(key: str) -> None:
    """Raise the KeyFormatError that says what no key can contain, if ``key`` contains it."""
    if not isinstance(key, str) or not key:
        raise _format_error("empty")
    if key != key.strip():
        raise _format_error("spaces")
    if any(q in key for q in _QUOTES):
        raise _format_error("quotes")
    if key.lower().startswith("bearer"):
        raise _format_error("bearer")
    if any(m in key for m in _MASKED):
        raise _format_error("masked")
    for position, char in enumerate(key, 1):
        if char.isspace():
            raise _format_error("inside", position=position)
        if unicodedata.east_asian_width(char) in ("F", "W"):
            raise _format_error("full_width", char=char, position=position)
        if not char.isascii() or not char.isprintable():  # an HTTP header carries ASCII only
            raise _format_error("characters", code=f"U+{ord(char):04X}", position=position)


def shape_problem(key: str, provider: Provider | None) -> str | None:
    """What to check about a possible key, in the learner's language; None when it looks right."""
    masked = mask_key(key)
    if key.startswith(SANDBOX_PREFIX):
        return None  # chatkit's own keys
    if provider is None:
        return say("keys.shape_no_provider", key=masked)
    if provider.key_format is None:
        return say("keys.shape_unknown", key=masked, title=provider.title)
    expected = provider.key_format
    if not re.search(expected["pattern"], key):
        return say("keys.shape_mismatch", key=masked, title=provider.title, shape=expected["shape"])
    if len(key) < _SHORT:
        return say("keys.short", key=masked, length=len(key))
    return None


def key_provider(provider: str | None = None, variable: str | None = None,
                 env_file: str | os.PathLike | None = None) -> Provider | None:
    """The preset a key is for: ``provider``, else the one whose variable is ``variable``, else CHATKIT_PROVIDER's.

    OpenAI when nothing names one (chatkit's default); None for a variable no preset uses and a
    CHATKIT_PROVIDER no preset has.
    """
    if provider:
        return preset(provider)
    if variable and variable != DEFAULT_VARIABLE:
        return next((p for p in presets().values() if p.key_variable == variable), None)
    name = (value(PROVIDER, env_file) or "openai").strip().lower()
    return presets().get(name)


def variable_for(key: str, provider: Provider | None) -> str:
    """Where a key for ``provider`` is saved: its variable; OPENAI_API_KEY for OpenAI, a sandbox key or no provider."""
    if provider is None or provider.key_variable is None or key.startswith(SANDBOX_PREFIX):
        return DEFAULT_VARIABLE
    return provider.key_variable


def _format_error(problem: str, **fields) -> KeyFormatError:
    """The KeyFormatError for ``problem`` (keys.<problem>.what/.fix in chatkit/messages), in today's language."""
    return KeyFormatError(say(f"keys.{problem}.what", **fields), fix=say(f"keys.{problem}.fix"), docs=DOCS)


def save_key(key: str, env_file: str | os.PathLike | None = None, variable: str | None = None,
             provider: str | None = None) -> Path:
    """Write ``variable=key`` into a .env file that only you can read, and keep it out of git.

    **Parameters:** ``env_file`` -- default: the project's ``.env``
    (``chatkit.settings.project_env_file``), the one chatkit reads from any notebook folder;
    ``variable`` -- default: the provider's (``DEEPSEEK_API_KEY``, ``ZHIPUAI_API_KEY``…), else
    OPENAI_API_KEY; ``provider`` -- a preset's name: its key variable is used, and
    ``CHATKIT_PROVIDER=provider`` is written to the same file. Without it, the provider is the
    one ``variable`` belongs to, else the file's or the environment's CHATKIT_PROVIDER.

    The key's format is checked first (:func:`check_key_format`). The file is created with mode
    0600 (owner read/write only) and ``.env`` is added to the ``.gitignore`` beside it. Other
    lines in the file are kept. The key is never echoed. Returns the path written.

    >>> save_key("sk-proj-example1234example1234", tmp / ".env")  # doctest: +SKIP
    PosixPath('.../.env')
    >>> save_key(glm_key, provider="zhipu")  # ZHIPUAI_API_KEY=… and CHATKIT_PROVIDER=zhipu  # doctest: +SKIP
    """
    refuse_impossible(key)
    path = Path(env_file or project_env_file()).resolve()
    target = key_provider(provider, variable, path)
    problem = shape_problem(key, target)
    if problem:
        warnings.warn(problem, KeyShapeWarning, stacklevel=2)
    variable = variable or variable_for(key, target)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also tightens a file that already existed
    set_key(str(path), variable, key, quote_mode="never")
    if provider:
        set_key(str(path), PROVIDER, target.name, quote_mode="never")
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
