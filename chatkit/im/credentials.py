"""The settings a bot needs to talk to the local chat platform, as Lanying's console gives them.

The admin token lets its holder send messages as anyone; the callback signature proves to
the bot that a callback comes from the platform. Neither is ever printed in full.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import set_key

from ..keys import ensure_gitignored, mask_key

DEFAULT_BOT_USER_ID = "8589934592"
# The names the bot reads, in the order a .env file lists them.
ENV_NAMES = ("LANYING_API_ENDPOINT", "LANYING_APP_ID", "LANYING_BOT_USER_ID", "LANYING_ADMIN_TOKEN",
             "LANYING_CALLBACK_SIGNATURE")
SECRET_NAMES = ("LANYING_ADMIN_TOKEN", "LANYING_CALLBACK_SIGNATURE")


@dataclass(frozen=True)
class Credentials:
    """An app's id, the bot's user id and the two secrets; the repr masks the secrets.

    >>> Credentials("demo", "1", "t" * 32, "s" * 32)
    Credentials(app_id='demo', bot_user_id='1', admin_token='…tttt', callback_signature='…ssss')
    """

    app_id: str
    bot_user_id: str
    admin_token: str = field(repr=False)
    callback_signature: str = field(repr=False)

    def __repr__(self) -> str:
        return (f"Credentials(app_id={self.app_id!r}, bot_user_id={self.bot_user_id!r}, "
                f"admin_token={mask_key(self.admin_token)!r}, "
                f"callback_signature={mask_key(self.callback_signature)!r})")

    @classmethod
    def generate(cls, app_id: str | None = None, bot_user_id: str | None = None, admin_token: str | None = None,
                 callback_signature: str | None = None) -> Credentials:
        """These values, with random ones for those not given."""
        return cls(app_id or f"local{secrets.token_hex(4)}", str(bot_user_id or DEFAULT_BOT_USER_ID),
                   admin_token or secrets.token_urlsafe(24), callback_signature or secrets.token_urlsafe(24))

    @classmethod
    def from_env(cls, values: dict) -> Credentials | None:
        """The credentials saved in ``values`` (a .env file read with dotenv), or None if any is missing."""
        found = [values.get(name) for name in ENV_NAMES[1:]]
        return cls(*found) if all(found) else None

    def env(self, endpoint: str) -> dict[str, str]:
        """The bot's settings, in full, with ``endpoint`` (the platform's URL) as the API endpoint."""
        values = (endpoint.rstrip("/"), self.app_id, self.bot_user_id, self.admin_token, self.callback_signature)
        return dict(zip(ENV_NAMES, values, strict=True))

    def env_lines(self, endpoint: str, masked: bool = True) -> list[str]:
        """``NAME=value`` lines for a .env file; secrets masked unless ``masked=False``."""
        return [f"{name}={mask_key(value) if masked and name in SECRET_NAMES else value}"
                for name, value in self.env(endpoint).items()]

    def save(self, endpoint: str, env_file: str | os.PathLike = ".env") -> Path:
        """Write the bot's settings into ``env_file``, readable only by you, and keep it out of git.

        Other lines of the file are kept; the file is made mode 0600 and listed in the
        ``.gitignore`` beside it. Returns the path written.
        """
        path = Path(env_file).resolve()
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        os.chmod(path, 0o600)  # also tightens a file that already existed
        for name, value in self.env(endpoint).items():
            set_key(str(path), name, value, quote_mode="never")
        os.chmod(path, 0o600)  # set_key rewrites the file; keep it private
        ensure_gitignored(path)
        return path
