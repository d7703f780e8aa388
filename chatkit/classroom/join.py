"""``python -m chatkit classroom join URL``: a student's notebooks use the class, in one line.

The key is asked for at a hidden prompt (or read from standard input when piped), never taken as an
argument: an argument stays in the shell's history and shows in the process list to other users of
a shared lab machine. The gateway is asked for its models with the key first (``GET /v1/models``),
so a wrong key or address writes nothing; then ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` go into the
project's ``.env`` (mode 0600, through :func:`chatkit.keys.save_key`), where every notebook reads them.

    $ python -m chatkit classroom join http://class.example.edu:8790/v1
    Your class key (sk-class-…; it stays hidden as you paste it):
    Joined the class at http://class.example.edu:8790/v1 with the key sk-…x1Yz (saved in …/.env): …
"""

from __future__ import annotations

import getpass
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from dotenv import set_key

from ..config import read_settings
from ..keys import SANDBOX_PREFIX, KeyShapeWarning, mask_key, refuse_impossible, save_key
from ..messages import say
from ..providers import PROVIDER
from ..settings import dotenv, project_env_file, value
from .store import KEY_PREFIX

TIMEOUT = 15.0  # seconds: a gateway on the class's network answers its models list at once


def join(args) -> int:
    url = class_url(args.url)
    if url is None:
        return _fail(say("classroom.join.bad_url", url=args.url))
    key = read_key()
    refuse_impossible(key)  # a KeyFormatError says what no key can contain, before anything is sent
    path = Path(project_env_file()).resolve()
    own = dotenv(path).get("OPENAI_API_KEY")
    if own and not own.startswith((KEY_PREFIX, SANDBOX_PREFIX)):  # the student's own key could not be shown again
        return _fail(say("classroom.join.would_replace", path=path, key=mask_key(own)))
    problem = check(url, key)
    if problem:
        return _fail(problem)
    save(path, url, key)
    winning = overriding(path, url, key)
    if winning:
        return _fail(say("classroom.join.overridden", path=path, names=", ".join(winning)))
    print(say("classroom.join.joined", url=url, key=mask_key(key), path=path))
    return 0


def class_url(text: str) -> str | None:
    """The gateway's base URL, ending in /v1 as the SDK needs it; None for what cannot be one.

    >>> class_url("https://class.example.edu/"), class_url("class.example.edu")
    ('https://class.example.edu/v1', None)
    """
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    url = text.strip().rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


def read_key() -> str:
    if sys.stdin.isatty():
        return getpass.getpass(say("classroom.join.prompt")).strip()
    return sys.stdin.readline().strip()


def check(url: str, key: str) -> str | None:
    """None if the gateway at ``url`` lists its models for ``key``, else the line that says why not."""
    try:
        answer = httpx.get(url + "/models", headers={"Authorization": f"Bearer {key}"}, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return say("classroom.join.unreachable", url=url, reason=type(exc).__name__)
    if answer.status_code == 401:
        return say("classroom.join.wrong_key", url=url, key=mask_key(key))
    try:
        listed = isinstance(answer.json().get("data"), list)
    except (ValueError, AttributeError):  # a web page, or JSON that is not an object
        listed = False
    if answer.status_code != 200 or not listed:
        return say("classroom.join.not_a_gateway", url=url, status=answer.status_code)
    return None


def save(path: Path, url: str, key: str) -> None:
    """Both lines into ``path``; save_key makes and keeps the file readable by its owner only."""
    with warnings.catch_warnings():
        # The gateway has just accepted the key: a shape check against a provider's keys can only mislead.
        warnings.simplefilter("ignore", KeyShapeWarning)
        save_key(key, path, variable="OPENAI_API_KEY")
    set_key(str(path), "OPENAI_BASE_URL", url, quote_mode="never")  # python-dotenv keeps the file's mode


def overriding(path: Path, url: str, key: str) -> list[str]:
    """The settings that still win over the two lines just saved, as every notebook's connect() reads them."""
    settings = read_settings(path)
    if (settings.base_url, settings.api_key) == (url, key):
        return []
    names = ("OPENAI_API_KEY", "OPENAI_BASE_URL", PROVIDER, "CHATKIT_BACKEND")
    return [name for name in names if value(name, path) not in (None, url, key)]


def _fail(line: str) -> int:
    print(line, file=sys.stderr)
    return 1
