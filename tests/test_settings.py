"""chatkit.settings: the environment first, then the nearest .env, read once and read again when it changes."""

from __future__ import annotations

import os
import time

import pytest

from chatkit import settings
from chatkit.config import find_key, read_settings
from chatkit.keys import save_key
from chatkit.messages import say

KEY = "sk-proj-" + "k" * 36 + "SAVE"


@pytest.fixture
def reads(monkeypatch):
    """Every .env file really read from disk, in order."""
    seen = []
    real = settings.dotenv_values

    def counting(path):
        seen.append(path.resolve())
        return real(path)

    monkeypatch.setattr(settings, "dotenv_values", counting)
    return seen


def settled_env(folder, text: str):
    """A .env last changed a minute ago, like a learner's (not one being written right now)."""
    path = folder / ".env"
    path.write_text(text, encoding="utf-8")
    past = time.time() - 60
    os.utime(path, (past, past))
    return path.resolve()


def test_the_environment_comes_first_then_dotenv(tmp_path, monkeypatch):
    settled_env(tmp_path, "CHATKIT_MODEL=from-dotenv\nOPENAI_BASE_URL=\n")
    assert settings.lookup("CHATKIT_MODEL") == ("from-dotenv", settings.DOTENV)
    assert settings.lookup("OPENAI_BASE_URL") == (None, None)  # an empty value counts as unset
    monkeypatch.setenv("CHATKIT_MODEL", "from-environment")
    assert settings.lookup("CHATKIT_MODEL") == ("from-environment", settings.ENVIRONMENT)


def test_config_speaks_of_the_same_sources(tmp_path, monkeypatch):
    settled_env(tmp_path, f"OPENAI_API_KEY={KEY}\n")
    assert read_settings().key_source == find_key(None)[1] == settings.DOTENV
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert read_settings().key_source == find_key(None)[1] == settings.ENVIRONMENT


def test_dotenv_is_read_once_for_every_setting_and_message(tmp_path, reads):
    path = settled_env(tmp_path, "CHATKIT_LANG=zh\nCHATKIT_MODEL=m\n")
    for _ in range(3):
        assert say("exercises.not_done", hint="") == "还没完成。"
        assert read_settings().model == "m"
    assert reads == [path]


def test_a_changed_dotenv_is_read_again(tmp_path, reads):
    path = settled_env(tmp_path, "CHATKIT_MODEL=before\n")
    assert settings.value("CHATKIT_MODEL") == "before"
    path.write_text("CHATKIT_MODEL=after the change\n", encoding="utf-8")
    assert settings.value("CHATKIT_MODEL") == "after the change"
    assert reads == [path, path]


def test_a_rewrite_that_keeps_the_size_and_time_is_seen(tmp_path):
    """File systems keep modification times to a few milliseconds: two writes can share one."""
    path = tmp_path / ".env"
    path.write_text("CHATKIT_MODEL=aaaa\n", encoding="utf-8")
    written = path.stat()
    assert settings.value("CHATKIT_MODEL") == "aaaa"
    path.write_text("CHATKIT_MODEL=bbbb\n", encoding="utf-8")
    os.utime(path, ns=(written.st_atime_ns, written.st_mtime_ns))
    assert settings.value("CHATKIT_MODEL") == "bbbb"


def test_a_kernel_that_saved_a_key_uses_it(tmp_path):
    settled_env(tmp_path, "CHATKIT_MODEL=gpt-4.1-mini\n")
    assert read_settings().backend == "sandbox"
    save_key(KEY)
    assert (read_settings().backend, read_settings().api_key) == ("openai", KEY)


def test_reload_reads_the_file_again(tmp_path, reads):
    path = settled_env(tmp_path, "CHATKIT_MODEL=m\n")
    settings.value("CHATKIT_MODEL")
    settings.reload()
    settings.value("CHATKIT_MODEL")
    assert reads == [path, path]


def test_another_folder_reads_its_own_dotenv(tmp_path, monkeypatch):
    settled_env(tmp_path, "CHATKIT_MODEL=outer\n")
    (tmp_path / "inner").mkdir()
    settled_env(tmp_path / "inner", "CHATKIT_MODEL=inner\n")
    assert settings.value("CHATKIT_MODEL") == "outer"
    monkeypatch.chdir(tmp_path / "inner")
    assert settings.value("CHATKIT_MODEL") == "inner"
