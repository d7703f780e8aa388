"""Where settings come from, and which backend they choose.

Order, strongest first: the process environment, then a ``.env`` file found from
the working directory upward. Reading ``.env`` here never changes ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

# One default model per backend, defined here and nowhere else. OpenAI's: gpt-4.1-mini, because
# every setting the course teaches (temperature, top_p, seed, penalties, logprobs) works on it,
# while its successors are reasoning models; OpenAI retires it on 2027-01-14 (chatkit/prices.json),
# and the doctor warns ahead of that day.
DEFAULT_MODELS = {
    "sandbox": "smollm2-135m-instruct",
    "openai": "gpt-4.1-mini",
}
OPENAI_BASE_URL = "https://api.openai.com/v1"
BACKENDS = ("sandbox", "openai")
_NAMES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHATKIT_BACKEND", "CHATKIT_MODEL")


@dataclass(frozen=True)
class Settings:
    """The settings chatkit resolved, and where each came from."""

    backend: str
    api_key: str | None
    base_url: str | None
    model: str
    env_file: Path | None
    key_source: str  # "environment", ".env", or "sandbox"

    def __repr__(self) -> str:
        from .keys import mask_key

        return (
            f"Settings(backend={self.backend!r}, base_url={self.base_url!r}, model={self.model!r}, "
            f"api_key={mask_key(self.api_key)!r}, key_source={self.key_source!r})"
        )


def find_env_file(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest ``.env`` in ``start`` (default: the working directory) or a parent."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def read_settings(env_file: str | os.PathLike | None = None) -> Settings:
    """Resolve the backend, key, base URL and model from the environment and ``.env``.

    >>> read_settings().backend in ("sandbox", "openai")
    True
    """
    from dotenv import dotenv_values

    path = Path(env_file) if env_file else find_env_file()
    from_file = {k: v for k, v in (dotenv_values(path) if path else {}).items() if v}
    values = {n: os.environ.get(n) or from_file.get(n) for n in _NAMES}
    key = values["OPENAI_API_KEY"]
    key_source = "environment" if os.environ.get("OPENAI_API_KEY") else ".env" if key else "sandbox"
    backend = _choose_backend(values["CHATKIT_BACKEND"], key, values["OPENAI_BASE_URL"])
    if backend == "sandbox" and not (key or "").startswith("sk-sandbox-"):
        key, key_source = None, "sandbox"  # the sandbox hands out its own key
    base_url = values["OPENAI_BASE_URL"] if backend == "openai" else None
    model = values["CHATKIT_MODEL"] or DEFAULT_MODELS[backend]
    return Settings(backend, key, (base_url or OPENAI_BASE_URL) if backend == "openai" else None,
                    model, path, key_source)


def _choose_backend(forced: str | None, key: str | None, base_url: str | None) -> str:
    forced = (forced or "").strip().lower()
    if forced:
        if forced not in BACKENDS:
            raise ConfigError(
                f"CHATKIT_BACKEND is {forced!r}, which chatkit does not know.",
                fix="Set it to 'sandbox' or 'openai', or remove it to let chatkit choose.",
                docs="README.md#backends",
            )
        if forced == "openai" and not key:
            raise ConfigError(
                "CHATKIT_BACKEND is 'openai' but no OPENAI_API_KEY was found.",
                fix="Add OPENAI_API_KEY to your .env file, or remove CHATKIT_BACKEND to use the sandbox.",
                docs="notebooks/02-set-up-your-api-key.ipynb",
            )
        return forced
    if not key:
        return "sandbox"
    # A key made by the sandbox's own keys page only works on the sandbox.
    if key.startswith("sk-sandbox-") and not base_url:
        return "sandbox"
    return "openai"


# Everything that can steer chatkit or the openai client to a backend.
SETTING_NAMES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
                 "CHATKIT_BACKEND", "CHATKIT_MODEL")


def force_sandbox(prefix: str = "chatkit-") -> Path:
    """Pin this process (and kernels it starts) to the sandbox, with a new empty data folder.

    Removes every setting in SETTING_NAMES from ``os.environ``: used by the test suite
    and by tools/execute_notebooks.py, so no real key is ever used there.
    """
    import tempfile

    for name in SETTING_NAMES:
        os.environ.pop(name, None)
    os.environ["CHATKIT_BACKEND"] = "sandbox"
    os.environ["CHATKIT_DATA_DIR"] = tempfile.mkdtemp(prefix=prefix)
    return Path(os.environ["CHATKIT_DATA_DIR"])


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """Folder for the sandbox's state: CHATKIT_DATA_DIR, else the user's cache folder."""
    from platformdirs import user_cache_dir

    chosen = override or os.environ.get("CHATKIT_DATA_DIR") or user_cache_dir("chatkit")
    path = Path(chosen).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path
