"""The settings a bot needs to talk to the local chat platform, as each platform's console gives them.

Every platform's credentials (:class:`Credentials` for Lanying here, the others beside their
platform's side: ``feishu.py``, ``dingtalk.py``…) are a :class:`Saved`: they know the bot's
variable names, write them to a .env file and read them back. A secret is never printed in full.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from dotenv import set_key

from ..keys import ensure_gitignored, mask_key

DEFAULT_BOT_USER_ID = "8589934592"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Saved:
    """What every platform's credentials share: the bot's ``.env`` lines, written and read back.

    A subclass is a frozen dataclass whose fields hold the values, with ``NAMES`` (field -> the
    variable the bot reads, in .env order), ``SECRETS`` (the fields never shown in full) and
    ``ENDPOINT`` (the variable that points the bot at the platform's API).
    """

    NAMES: ClassVar[dict[str, str]]
    SECRETS: ClassVar[tuple[str, ...]]
    ENDPOINT: ClassVar[str]

    def __repr__(self) -> str:
        shown = (f"{f.name}={mask_key(v) if f.name in self.SECRETS else v!r}" for f in fields(self)
                 if (v := getattr(self, f.name)) or f.name not in self.SECRETS)
        return f"{type(self).__name__}({', '.join(shown)})"

    @classmethod
    def endpoint(cls, url: str) -> str:
        """The value of ``ENDPOINT`` for a platform served at ``url``."""
        return url.rstrip("/")

    @classmethod
    def is_local(cls, value: str) -> bool:
        """True when an ``ENDPOINT`` value points at this computer (not a real platform)."""
        return urlsplit(value).hostname in LOOPBACK

    @classmethod
    def from_env(cls, values: dict):
        """The credentials saved in ``values`` (a .env file read with dotenv), or None if any is missing."""
        found = {name: values.get(variable) or "" for name, variable in cls.NAMES.items()}
        required = [f.name for f in fields(cls) if f.name in found and f.default != ""]
        return cls(**found) if all(found[name] for name in required) else None

    def env(self, url: str) -> dict[str, str]:
        """The bot's settings, in full, with the API endpoint pointing at ``url`` (the platform's address)."""
        values = {variable: getattr(self, name) for name, variable in self.NAMES.items()}
        return {self.ENDPOINT: self.endpoint(url), **{k: v for k, v in values.items() if v}}

    def env_lines(self, url: str, masked: bool = True) -> list[str]:
        """``NAME=value`` lines for a .env file; secrets masked unless ``masked=False``."""
        hidden = {self.NAMES[name] for name in self.SECRETS}
        return [f"{name}={mask_key(value) if masked and name in hidden else value}"
                for name, value in self.env(url).items()]

    def save(self, url: str, env_file: str | os.PathLike = ".env") -> Path:
        """Write the bot's settings into ``env_file``, readable only by you, and keep it out of git.

        Other lines of the file are kept; the file is made mode 0600 and listed in the
        ``.gitignore`` beside it. Returns the path written.
        """
        path = Path(env_file).resolve()
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        os.chmod(path, 0o600)  # also tightens a file that already existed
        for name, value in self.env(url).items():
            set_key(str(path), name, value, quote_mode="never")
        os.chmod(path, 0o600)  # set_key rewrites the file; keep it private
        ensure_gitignored(path)
        return path


@dataclass(frozen=True, repr=False)
class Credentials(Saved):
    """A Lanying app's id, the bot's user id and the two secrets; the repr masks the secrets.

    The admin token lets its holder send messages as anyone; the callback signature proves to
    the bot that a callback comes from the platform.

    >>> Credentials("demo", "1", "t" * 32, "s" * 32)
    Credentials(app_id='demo', bot_user_id='1', admin_token='…tttt', callback_signature='…ssss')
    """

    NAMES = {"app_id": "LANYING_APP_ID", "bot_user_id": "LANYING_BOT_USER_ID", "admin_token": "LANYING_ADMIN_TOKEN",
             "callback_signature": "LANYING_CALLBACK_SIGNATURE"}
    SECRETS = ("admin_token", "callback_signature")
    ENDPOINT = "LANYING_API_ENDPOINT"

    app_id: str
    bot_user_id: str
    admin_token: str = field(repr=False)
    callback_signature: str = field(repr=False)

    @classmethod
    def generate(cls, app_id: str | None = None, bot_user_id: str | None = None, admin_token: str | None = None,
                 callback_signature: str | None = None) -> Credentials:
        """These values, with random ones for those not given."""
        return cls(app_id or f"local{secrets.token_hex(4)}", str(bot_user_id or DEFAULT_BOT_USER_ID),
                   admin_token or secrets.token_urlsafe(24), callback_signature or secrets.token_urlsafe(24))
