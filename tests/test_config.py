"""Where settings come from (the environment, then the nearest .env, then the sandbox), and what they choose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chatkit.config import BACKENDS, DEFAULT_MODELS, OPENAI_BASE_URL, data_dir, read_settings
from chatkit.errors import ConfigError
from chatkit.settings import find_env_file, project_env_file

KEY = "sk-proj-" + "k" * 36 + "ENV1"
OTHER_KEY = "sk-proj-" + "d" * 36 + "DOT2"
SANDBOX_KEY = "sk-sandbox-" + "s" * 40


def write_env(folder, **values):
    path = folder / ".env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()), encoding="utf-8")
    return path


def test_no_key_means_sandbox(tmp_path):
    settings = read_settings()
    assert settings.backend == "sandbox"
    assert settings.api_key is None  # the sandbox hands out its own key
    assert settings.key_source == "sandbox"
    assert settings.base_url is None
    assert settings.model == DEFAULT_MODELS["sandbox"]
    assert settings.env_file is None


def test_dotenv_alone_chooses_openai(tmp_path):
    env_file = write_env(tmp_path, OPENAI_API_KEY=OTHER_KEY)
    settings = read_settings()
    assert settings.backend == "openai"
    assert settings.api_key == OTHER_KEY
    assert settings.key_source == ".env"
    assert settings.env_file == env_file
    assert settings.base_url == OPENAI_BASE_URL
    assert settings.model == DEFAULT_MODELS["openai"]


def test_environment_beats_dotenv(tmp_path, monkeypatch):
    write_env(tmp_path, OPENAI_API_KEY=OTHER_KEY, CHATKIT_MODEL="from-dotenv")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("CHATKIT_MODEL", "from-environment")
    settings = read_settings()
    assert settings.api_key == KEY
    assert settings.key_source == "environment"
    assert settings.model == "from-environment"


def test_dotenv_fills_what_the_environment_leaves_out(tmp_path, monkeypatch):
    write_env(tmp_path, OPENAI_BASE_URL="http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = read_settings()
    assert (settings.api_key, settings.base_url) == (KEY, "http://127.0.0.1:11434/v1")


def test_dotenv_found_in_a_parent_folder(tmp_path, monkeypatch):
    env_file = write_env(tmp_path, OPENAI_API_KEY=OTHER_KEY)
    deep = tmp_path / "notebooks" / "part1"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_env_file() == env_file
    settings = read_settings()
    assert (settings.backend, settings.api_key, settings.key_source) == ("openai", OTHER_KEY, ".env")
    assert settings.env_file == env_file


def test_nearest_dotenv_wins(tmp_path, monkeypatch):
    write_env(tmp_path, OPENAI_API_KEY=OTHER_KEY)
    (tmp_path / "course").mkdir()
    inner = write_env(tmp_path / "course", OPENAI_API_KEY=KEY)
    monkeypatch.chdir(tmp_path / "course")
    settings = read_settings()
    assert (settings.api_key, settings.env_file) == (KEY, inner)


def test_explicit_env_file(tmp_path):
    write_env(tmp_path, OPENAI_API_KEY=OTHER_KEY)
    (tmp_path / "elsewhere").mkdir()
    chosen = write_env(tmp_path / "elsewhere", OPENAI_API_KEY=KEY)
    assert read_settings(chosen).api_key == KEY


def test_forced_sandbox_ignores_a_real_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("CHATKIT_BACKEND", "sandbox")
    settings = read_settings()
    assert settings.backend == "sandbox"
    assert settings.api_key is None
    assert settings.key_source == "sandbox"
    assert KEY not in repr(settings)


def test_forced_backend_is_case_and_space_insensitive(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("CHATKIT_BACKEND", " OpenAI ")
    assert read_settings().backend == "openai"


def test_blank_backend_setting_counts_as_unset(monkeypatch):
    monkeypatch.setenv("CHATKIT_BACKEND", "  ")
    assert read_settings().backend == "sandbox"


def test_forced_openai_without_a_key_says_what_to_do(monkeypatch):
    monkeypatch.setenv("CHATKIT_BACKEND", "openai")
    with pytest.raises(ConfigError) as info:
        read_settings()
    message = str(info.value)
    assert "OPENAI_API_KEY" in message
    assert "Fix:" in message and ".env" in message and "CHATKIT_BACKEND" in message


def test_unknown_backend_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv("CHATKIT_BACKEND", "ollama")
    with pytest.raises(ConfigError) as info:
        read_settings()
    message = str(info.value)
    assert "'ollama'" in message
    assert all(f"'{name}'" in message for name in BACKENDS)
    assert "Fix:" in message


def test_unknown_backend_in_dotenv_is_reported_too(tmp_path):
    write_env(tmp_path, CHATKIT_BACKEND="gpt")
    with pytest.raises(ConfigError, match="'gpt'"):
        read_settings()


def test_sandbox_key_without_base_url_uses_the_sandbox(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SANDBOX_KEY)
    settings = read_settings()
    assert settings.backend == "sandbox"
    assert settings.api_key == SANDBOX_KEY  # a key from the sandbox's keys page is kept
    assert settings.key_source == "environment"
    assert settings.model == DEFAULT_MODELS["sandbox"]


def test_sandbox_key_with_base_url_goes_to_that_server(monkeypatch):
    # `python -m chatkit serve` on another port, used like any compatible server.
    monkeypatch.setenv("OPENAI_API_KEY", SANDBOX_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8765/v1")
    settings = read_settings()
    assert (settings.backend, settings.api_key, settings.base_url) == (
        "openai", SANDBOX_KEY, "http://127.0.0.1:8765/v1")


def test_base_url_is_carried_through(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    settings = read_settings()
    assert settings.backend == "openai"
    assert settings.base_url == "http://localhost:11434/v1"


def test_base_url_is_not_used_by_the_sandbox(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("CHATKIT_BACKEND", "sandbox")
    assert read_settings().base_url is None


@pytest.mark.parametrize("key", [None, KEY])
def test_chatkit_model_overrides_the_default(monkeypatch, key):
    if key:
        monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("CHATKIT_MODEL", "qwen2.5:0.5b")
    assert read_settings().model == "qwen2.5:0.5b"


def test_chatkit_model_from_dotenv(tmp_path):
    write_env(tmp_path, CHATKIT_MODEL="llama3.2")
    assert read_settings().model == "llama3.2"


def test_one_default_model_per_backend():
    assert set(DEFAULT_MODELS) == set(BACKENDS)
    assert all(isinstance(model, str) and model.strip() == model and model for model in DEFAULT_MODELS.values())


def test_sandbox_default_is_the_model_the_sandbox_serves():
    from chatkit.sandbox.engine import MODEL_ID

    assert DEFAULT_MODELS["sandbox"] == MODEL_ID


def test_reading_dotenv_leaves_os_environ_alone(tmp_path):
    write_env(tmp_path, OPENAI_API_KEY=OTHER_KEY, OPENAI_BASE_URL="http://127.0.0.1:1/v1",
              CHATKIT_MODEL="m", CHATKIT_BACKEND="openai", SOMETHING_ELSE="x")
    before = dict(os.environ)
    settings = read_settings()
    assert settings.api_key == OTHER_KEY  # the file was really read
    assert dict(os.environ) == before


def test_settings_repr_masks_the_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    text = repr(read_settings())
    assert KEY not in text
    assert "sk-proj-…ENV1" in text


def test_data_dir_honours_chatkit_data_dir(tmp_path, monkeypatch):
    target = tmp_path / "state" / "chatkit"
    monkeypatch.setenv("CHATKIT_DATA_DIR", str(target))
    assert data_dir() == target
    assert target.is_dir()  # created on demand


def test_data_dir_expands_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CHATKIT_DATA_DIR", "~/chatkit-data")
    assert data_dir() == tmp_path / "chatkit-data"


def test_data_dir_argument_beats_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATKIT_DATA_DIR", str(tmp_path / "from-env"))
    assert data_dir(tmp_path / "explicit") == tmp_path / "explicit"


def test_data_dir_defaults_to_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("CHATKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # Linux: keep the real cache clean
    from platformdirs import user_cache_dir

    assert data_dir() == Path(user_cache_dir("chatkit"))


def test_a_key_is_saved_where_chatkit_reads_it_from_either_edition(tmp_path):
    (tmp_path / "requirements.txt").write_text("")
    zh = tmp_path / "notebooks" / "zh"
    zh.mkdir(parents=True)
    assert project_env_file(zh) == project_env_file(tmp_path / "notebooks") == tmp_path / ".env"
    (tmp_path / ".env").write_text("OPENAI_API_KEY=\n")
    assert project_env_file(zh) == tmp_path / ".env"
    assert project_env_file(tmp_path / "elsewhere") == tmp_path / ".env"  # the nearest .env upward
