"""Which backend the settings choose, with which key, base URL and model.

Every value comes from :mod:`chatkit.settings`: the process environment, then the
nearest ``.env`` (which is never copied into ``os.environ``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from platformdirs import user_cache_dir

from .errors import ConfigError
from .keys import mask_key
from .messages import LANGUAGE, language, say
from .providers import LOCAL_KEY, PROVIDER, Provider, match, preset, presets
from .settings import edition, find_env_file, lookup, value

# One default model per backend, defined here and nowhere else; a provider's (OpenAI's too) is its
# preset's, in chatkit/providers.json. OpenAI's: gpt-6-luna, the replacement OpenAI names for the
# models it retires on 2027-01-14; it reasons, and at effort "none" it also takes every sampling
# setting the course teaches (chatkit/prices.json). The doctor warns ahead of any model's shutdown.
DEFAULT_MODELS = {
    "sandbox": "smollm2-135m-instruct",
    "openai": preset("openai").model,
}
# The model the cells that teach reasoning use: the sandbox's reasoning twin of its model
# (chatkit/sandbox/reasoner.py), a preset's reasoning_model, or CHATKIT_REASONING_MODEL.
REASONING_MODELS = {"sandbox": "smollm2-135m-reasoning", "openai": preset("openai").reasoning_model}
REASONING = "CHATKIT_REASONING_MODEL"
OPENAI_BASE_URL = preset("openai").base_url
BACKENDS = ("sandbox", "openai")
_NAMES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHATKIT_BACKEND", "CHATKIT_MODEL", PROVIDER, REASONING)
KEY_DOCS = "notebooks/02-set-up-your-api-key.ipynb"


@dataclass(frozen=True)
class Settings:
    """The settings chatkit resolved, and where each came from."""

    backend: str  # "sandbox", or "openai": a server that speaks the OpenAI API (OpenAI's or another's)
    api_key: str | None
    base_url: str | None
    model: str | None  # None: the first chat model the server lists (connect() asks it once)
    env_file: Path | None
    key_source: str  # settings.ENVIRONMENT, settings.DOTENV, "sandbox", or "none needed" (a local server)
    provider: str | None = None  # a preset's name ("deepseek"), "sandbox", or None: a server chatkit does not know
    key_variable: str | None = "OPENAI_API_KEY"  # where the key came from: "DEEPSEEK_API_KEY"...
    reasoning_model: str | None = None  # for the cells that teach reasoning; None: chatkit knows none here

    def __repr__(self) -> str:
        return (
            f"Settings(backend={self.backend!r}, provider={self.provider!r}, base_url={self.base_url!r}, "
            f"model={self.model!r}, api_key={mask_key(self.api_key)!r}, key_source={self.key_source!r})"
        )


def read_settings(env_file: str | os.PathLike | None = None) -> Settings:
    """Resolve the backend, provider, key, base URL and model from the environment and ``.env``.

    ``CHATKIT_PROVIDER`` (a preset of chatkit/providers.json) chooses the base URL, the key's
    variable and the model; ``OPENAI_BASE_URL`` and ``CHATKIT_MODEL`` still win. Without it: the
    sandbox if there is no key, else OpenAI or the server ``OPENAI_BASE_URL`` names.

    >>> read_settings().backend in ("sandbox", "openai")
    True
    """
    path = Path(env_file) if env_file else find_env_file()
    _check_language(path)
    values = {name: value(name, path) for name in _NAMES}
    return _with_reasoning(_resolved(values, path), values[REASONING])


def _check_language(env_file: Path | None) -> None:
    """A CHATKIT_LANG chatkit cannot speak stops connect() here, and the doctor shows it (messages only warn)."""
    chosen = value(LANGUAGE, env_file)
    if language(chosen) is None:
        lang = edition()  # the setting is what is wrong: say so in the edition's language
        raise ConfigError(say("config.unknown_language.what", lang=lang, value=chosen.strip()),
                          fix=say("config.unknown_language.fix", lang=lang), docs="README.md")


def _with_reasoning(settings: Settings, chosen: str | None) -> Settings:
    """The settings, with the reasoning model: CHATKIT_REASONING_MODEL, else the backend's or preset's."""
    if settings.backend == "sandbox":
        default = REASONING_MODELS["sandbox"]
    else:
        known = presets().get(settings.provider or "")
        default = known.reasoning_model if known else None
    return replace(settings, reasoning_model=chosen or default)


def _resolved(values: dict, path: Path | None) -> Settings:
    if (values[PROVIDER] or "").strip() and (values["CHATKIT_BACKEND"] or "").strip().lower() in ("", "openai"):
        return _from_preset(preset(values[PROVIDER]), values, path)
    key, key_source, _ = find_key(None, path)
    key_source = key_source or "sandbox"
    backend = _choose_backend(values["CHATKIT_BACKEND"], key, values["OPENAI_BASE_URL"])
    if backend == "sandbox":
        if not (key or "").startswith("sk-sandbox-"):
            key, key_source = None, "sandbox"  # the sandbox hands out its own key
        return Settings(backend, key, None, values["CHATKIT_MODEL"] or DEFAULT_MODELS["sandbox"], path, key_source,
                        "sandbox", "OPENAI_API_KEY" if key else None)
    base_url = values["OPENAI_BASE_URL"] or OPENAI_BASE_URL
    known = match(base_url)  # a DeepSeek base URL gets DeepSeek's model, an unknown server the one it lists
    model = values["CHATKIT_MODEL"] or (_needed_model(known) if known else None)
    return Settings(backend, key, base_url, model, path, key_source, known.name if known else None)


def _from_preset(provider: Provider, values: dict, path: Path | None) -> Settings:
    """Settings for CHATKIT_PROVIDER: the preset's, with OPENAI_BASE_URL and CHATKIT_MODEL winning."""
    key, key_source, variable = _provider_key(provider, path)
    base_url = values["OPENAI_BASE_URL"] or provider.base_url
    if not base_url:
        raise ConfigError(say("config.no_base_url.what", name=provider.name, title=provider.title),
                          fix=say("config.no_base_url.fix", hint=provider.base_url_hint), docs=provider.docs)
    model = values["CHATKIT_MODEL"] or _needed_model(provider)
    return Settings("openai", key, base_url, model, path, key_source, provider.name, variable)


def find_key(provider: Provider | None, env_file: str | os.PathLike | None = None
             ) -> tuple[str | None, str | None, str]:
    """The key, where it came from (``settings.ENVIRONMENT`` or ``settings.DOTENV``) and its variable.

    The provider's own variable first (``DEEPSEEK_API_KEY``), then OPENAI_API_KEY; with none,
    ``(None, None, "OPENAI_API_KEY")``.

    >>> find_key(preset("deepseek"))                                  # doctest: +SKIP
    ('sk-…', '.env', 'DEEPSEEK_API_KEY')
    """
    for variable in dict.fromkeys(filter(None, (provider and provider.key_variable, "OPENAI_API_KEY"))):
        key, source = lookup(variable, env_file)
        if key:
            return key, source, variable
    return None, None, "OPENAI_API_KEY"


def _provider_key(provider: Provider, env_file: Path | None) -> tuple[str, str, str | None]:
    """The provider's key, where it came from, and its variable; a local server needs none."""
    key, source, variable = find_key(provider, env_file)
    if key:
        return key, source, variable
    if provider.local:
        return LOCAL_KEY, "none needed", None
    raise ConfigError(say("config.no_provider_key.what", name=provider.name, variable=provider.key_variable),
                      fix=say("config.no_provider_key.fix", variable=provider.key_variable, title=provider.title,
                              docs=provider.docs), docs=KEY_DOCS)


def _needed_model(provider: Provider) -> str | None:
    """The preset's model; None lets connect() ask a local server; Azure needs the learner's deployment."""
    if provider.model or provider.local:
        return provider.model
    raise ConfigError(say("config.no_deployment.what", title=provider.title),
                      fix=say("config.no_deployment.fix", hint=provider.model_hint), docs=provider.docs)


def _choose_backend(forced: str | None, key: str | None, base_url: str | None) -> str:
    forced = (forced or "").strip().lower()
    if forced:
        if forced not in BACKENDS:
            raise ConfigError(say("config.unknown_backend.what", value=forced),
                              fix=say("config.unknown_backend.fix"), docs="README.md#backends")
        if forced == "openai" and not key:
            raise ConfigError(say("config.openai_without_key.what"), fix=say("config.openai_without_key.fix"),
                              docs=KEY_DOCS)
        return forced
    if not key:
        return "sandbox"
    # A key made by the sandbox's own keys page only works on the sandbox.
    if key.startswith("sk-sandbox-") and not base_url:
        return "sandbox"
    return "openai"


# Your own GGUF models for the sandbox (chatkit/sandbox/models.py): "path" or "id=path", comma-separated.
SANDBOX_MODELS = "CHATKIT_SANDBOX_MODELS"
# How many requests the sandbox's built-in model decodes together (chatkit/sandbox/engine.py), each
# slot with its own 2,048-token window: 47 MB of memory a slot. Measured on 2 shared cores, 16 requests
# of 128 tokens at once: 61-72 tokens/s with 1 slot, 74-83 with 4, 89-94 with 8, 96 with 16. What a
# class gains is the first token (bench/sandbox_parallel.py, 8 at once: after 1.7-1.9 s instead of
# 5.4-6.3 s); two cores have little to spare for a batch, so the whole answers come no sooner.
SANDBOX_PARALLEL = "CHATKIT_SANDBOX_PARALLEL"
DEFAULT_PARALLEL, MAX_PARALLEL = 8, 16
# Everything that can steer chatkit or the openai client to a backend, and chatkit's language.
SETTING_NAMES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID",
                 "CHATKIT_BACKEND", "CHATKIT_MODEL", REASONING, SANDBOX_MODELS, PROVIDER, LANGUAGE,
                 "CHATKIT_MODELS_DIR", "HF_ENDPOINT",  # where pulled models live, and a mirror (chatkit.hub)
                 *(p.key_variable for p in presets().values() if p.key_variable not in (None, "OPENAI_API_KEY")))


def force_sandbox(prefix: str = "chatkit-") -> Path:
    """Pin this process (and kernels it starts) to the sandbox, with a new empty data folder.

    Removes every setting in SETTING_NAMES from ``os.environ``: used by the test suite
    and by tools/execute_notebooks.py, so no real key is ever used there. The language
    follows each notebook's edition, whatever a ``.env`` says, so stored outputs stay
    those of their edition.
    """
    for name in SETTING_NAMES:
        os.environ.pop(name, None)
    os.environ["CHATKIT_BACKEND"] = "sandbox"
    os.environ[LANGUAGE] = "auto"
    os.environ["CHATKIT_DATA_DIR"] = tempfile.mkdtemp(prefix=prefix)
    return Path(os.environ["CHATKIT_DATA_DIR"])


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """Folder for the sandbox's state: CHATKIT_DATA_DIR, else the user's cache folder."""
    chosen = override or os.environ.get("CHATKIT_DATA_DIR") or user_cache_dir("chatkit")
    path = Path(chosen).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def sandbox_models(env_file: str | os.PathLike | None = None) -> list[str]:
    """The model files the sandbox serves besides its own: CHATKIT_SANDBOX_MODELS, from the environment or ``.env``.

    A relative path starts in the working folder. With
    ``CHATKIT_SANDBOX_MODELS=qwen=models/qwen.gguf, models/Llama.gguf`` in ``.env``:

    >>> sandbox_models()                                 # doctest: +SKIP
    ['qwen=models/qwen.gguf', 'models/Llama.gguf']
    """
    specs = value(SANDBOX_MODELS, env_file) or ""
    return [spec.strip() for spec in specs.split(",") if spec.strip()]


def sandbox_parallel(env_file: str | os.PathLike | None = None) -> int:
    """How many requests the sandbox's built-in model decodes at once: CHATKIT_SANDBOX_PARALLEL, 1 to 16 (default 8).

    >>> sandbox_parallel()                               # doctest: +SKIP
    8
    """
    text = (value(SANDBOX_PARALLEL, env_file) or str(DEFAULT_PARALLEL)).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_PARALLEL:
        raise ConfigError(say("config.bad_parallel.what", value=text, top=MAX_PARALLEL),
                          fix=say("config.bad_parallel.fix", default=DEFAULT_PARALLEL), docs="README.md")
    return int(text)


def chosen_models(env_file: str | os.PathLike | None = None) -> list[str]:
    """CHATKIT_MODEL and CHATKIT_REASONING_MODEL, those set: the sandbox serves a catalogue model either names
    (``chatkit.sandbox.models.wanted``), so ``CHATKIT_MODEL=qwen3-1.7b`` alone is enough once it is pulled.
    """
    return [name.strip() for name in (value("CHATKIT_MODEL", env_file), value(REASONING, env_file))
            if name and name.strip()]
