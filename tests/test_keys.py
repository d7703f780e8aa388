"""Keys on the learner's side: masked when shown, checked when pasted, saved privately."""

from __future__ import annotations

import os
import secrets
import stat
import string

import pytest
from dotenv import dotenv_values

from chatkit.config import read_settings
from chatkit.errors import KeyFormatError
from chatkit.failures import mask_secrets
from chatkit.keys import KeyShapeWarning, check_key_format, mask_key, save_key

KEY = "sk-proj-" + "Ab3_" * 10 + "WXYZ"
SANDBOX_KEY = "sk-sandbox-Zm9vYmFyLWJhei1xdXV4LWNvcmdlLWdyYXVsdC1n"
ALPHABET = string.ascii_letters + string.digits + "_-"
PREFIXES = ["sk-sandbox-", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-", ""]


def random_secret(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- mask_key ---------------------------------------------------------------------------


@pytest.mark.parametrize("key, masked", [
    (KEY, "sk-proj-…WXYZ"),
    (SANDBOX_KEY, "sk-sandbox-…dC1n"),
    ("sk-" + "a" * 44 + "T3BlbkFJ", "sk-…bkFJ"),
    ("sk-svcacct-" + "b" * 40 + "9876", "sk-svcacct-…9876"),
    ("sk-admin-" + "c" * 40 + "5432", "sk-admin-…5432"),
    ("AIzaSyD" + "e" * 28 + "QRST", "…QRST"),  # not an OpenAI key: no label, last 4 only
    ("hf_" + "f" * 30 + "mnop", "…mnop"),
    ("sk-abc", "sk-…"),  # short strings reveal nothing of the secret
    ("sk-proj-short", "sk-proj-…"),
    ("hunter2", "…"),
    ("x", "…"),
    ("", "(no key)"),
    (None, "(no key)"),
])
def test_mask_key_examples(key, masked):
    assert mask_key(key) == masked


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("length", [1, 3, 4, 5, 8, 9, 12, 16, 20, 32, 48, 64])
def test_mask_key_never_reveals_more_than_the_last_4(prefix, length):
    secret = random_secret(length)
    key = prefix + secret
    masked = mask_key(key)
    shown_prefix, sep, tail = masked.partition("…")
    assert sep == "…"
    assert shown_prefix == next(p for p in PREFIXES if key.startswith(p))  # a label, not the secret
    assert len(tail) <= 4 and key.endswith(tail)
    if len(key) < 20:
        assert tail == ""  # a short string would be half revealed by its last 4
    else:
        assert tail == key[-4:]


def test_mask_key_is_what_the_docstring_shows():
    assert mask_key("sk-proj-abcdefghijklmnopqrstuvwxyz1234") == "sk-proj-…1234"


# --- check_key_format ---------------------------------------------------------------------


@pytest.mark.parametrize("key", [
    KEY, SANDBOX_KEY, "sk-" + "a" * 48, "sk-svcacct-" + "Zx_9-" * 12, "sk-proj-" + "a" * 12,
])
def test_check_key_format_accepts_real_shapes(key):
    assert check_key_format(key) == key


FULL_WIDTH_A = "\uff21"  # 'Ａ', as typed with a Chinese or Japanese input method
BAD_KEYS = {
    "empty": ("", "empty"),
    "leading space": (" " + KEY, "spaces or a line break"),
    "trailing space": (KEY + " ", "spaces or a line break"),
    "trailing newline": (KEY + "\n", "spaces or a line break"),
    "windows newline": (KEY + "\r\n", "spaces or a line break"),
    "tab": ("\t" + KEY, "spaces or a line break"),
    "no-break space": (KEY + "\u00a0", "spaces or a line break"),
    "double quotes": (f'"{KEY}"', "quotes"),
    "single quotes": (f"'{KEY}'", "quotes"),
    "closing quote only": (KEY + '"', "quotes"),
    "bearer": ("Bearer " + KEY, "Bearer"),
    "bearer lowercase": ("bearer " + KEY, "Bearer"),
    "full-width letter": (KEY[:12] + FULL_WIDTH_A + KEY[13:], "Character 13 of the key is the full-width or Chinese "
                                                             "character 'Ａ'"),
    "full-width prefix": ("ｓｋ-proj-" + "a" * 40, "Character 1 of the key is the full-width or Chinese character "
                                                  "'ｓ'"),
    "chinese comma": (KEY[:20] + "，" + KEY[20:], "Character 21 of the key is the full-width or Chinese character "
                                                 "'，'"),
    "zero-width space": (KEY + "\u200b", "invisible or non-ASCII character (U+200B)"),
    "space inside": (KEY[:20] + " " + KEY[20:], "a space or a line break inside it (character 21)"),
    "line break inside": (KEY[:20] + "\n" + KEY[20:], "a space or a line break inside it (character 21)"),
    "quote inside": (KEY[:20] + '"' + KEY[20:], "quotes"),
    "chinese quotes": (f"“{KEY}”", "quotes"),
    "masked key pasted": ("sk-proj-…WXYZ" + "a" * 10, "masked key"),
    "masked with dots": ("sk-proj-...WXYZ" + "a" * 10, "masked key"),
    "masked with stars": ("bce-v3/ALTAK-DaI**2UEDIWx1EF/1c518f0576wee39s49109qq8ciq37", "masked key"),
}


@pytest.mark.parametrize("key, reason", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_check_key_format_explains_each_mistake(key, reason):
    with pytest.raises(KeyFormatError) as info:
        check_key_format(key)
    message = str(info.value)
    assert reason in message
    assert "Fix:" in message
    assert "02-set-up-your-api-key" in message  # where to read more
    if key.strip():
        assert key not in message
        assert key.strip() not in message
    assert KEY[8:40] not in message  # not even most of the secret


def test_key_format_error_is_a_value_error():
    with pytest.raises(ValueError):
        check_key_format("not a key")


def test_a_full_width_message_blames_only_what_is_there():
    with pytest.raises(KeyFormatError) as info:
        check_key_format(KEY[:20] + " " + KEY[20:])
    assert "full-width" not in str(info.value)  # the defect: a space was blamed on full-width letters


# Each provider's documented shape (providers.json key_format; sources and dates there), made up here.
GLM_KEY = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"  # docs.bigmodel.cn: <id>.<secret>
QIANFAN_KEY = "bce-v3/ALTAK-DaIx2UEDIWx1EF/1c518f0576wee39s49109qq8ciq37"  # cloud.baidu.com/doc/qianfan/s/rmh4stn9m
DASHSCOPE_KEY = "sk-" + "0123456789abcdef" * 2  # help.aliyun.com: sk-xxxx…
ARK_KEY = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"  # volcengine.com/docs/82379/1302003: a UUID
DEEPSEEK_KEY = "sk-" + "fedcba9876543210" * 2  # DeepSeek: no shape documented
MOONSHOT_KEY = "sk-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" + "Zz11Yy22"  # Moonshot: no shape documented
DOCUMENTED = {"zhipu": (GLM_KEY, "ZHIPUAI_API_KEY"), "qwen": (DASHSCOPE_KEY, "DASHSCOPE_API_KEY"),
              "qianfan": (QIANFAN_KEY, "QIANFAN_API_KEY"), "ark": (ARK_KEY, "ARK_API_KEY"),
              "openai": (KEY, "OPENAI_API_KEY")}
UNDOCUMENTED = {"deepseek": (DEEPSEEK_KEY, "DEEPSEEK_API_KEY"), "moonshot": (MOONSHOT_KEY, "MOONSHOT_API_KEY"),
                "hunyuan": (DEEPSEEK_KEY, "HUNYUAN_API_KEY"), "siliconflow": (MOONSHOT_KEY, "SILICONFLOW_API_KEY")}


@pytest.mark.parametrize("provider", DOCUMENTED)
def test_a_key_of_the_documented_shape_is_saved_under_its_variable(tmp_path, provider, recwarn):
    key, variable = DOCUMENTED[provider]
    path = save_key(key, provider=provider)
    assert dotenv_values(path) == {variable: key, "CHATKIT_PROVIDER": provider}
    assert not [w for w in recwarn if issubclass(w.category, KeyShapeWarning)]  # it looks right: nothing to say
    assert check_key_format(key, provider) == key


@pytest.mark.parametrize("provider", UNDOCUMENTED)
def test_a_key_whose_shape_nobody_documents_is_saved_with_a_warning(tmp_path, provider):
    key, variable = UNDOCUMENTED[provider]
    with pytest.warns(KeyShapeWarning, match="documentation does not say"):
        path = save_key(key, provider=provider)
    assert dotenv_values(path) == {variable: key, "CHATKIT_PROVIDER": provider}


def test_the_variable_names_the_provider(tmp_path):
    path = save_key(GLM_KEY, variable="ZHIPUAI_API_KEY")  # no CHATKIT_PROVIDER written: the variable says it
    assert dotenv_values(path) == {"ZHIPUAI_API_KEY": GLM_KEY}
    expected = r"does not look like a key from Zhipu GLM, whose keys look like <id>\.<secret>"
    with pytest.warns(KeyShapeWarning, match=expected):
        check_key_format(DASHSCOPE_KEY, variable="ZHIPUAI_API_KEY")


def test_chatkit_provider_chooses_the_variable_and_the_check(tmp_path):
    env = tmp_path / ".env"
    env.write_text("CHATKIT_PROVIDER=zhipu\n", encoding="utf-8")
    path = save_key(GLM_KEY)
    assert dotenv_values(path) == {"CHATKIT_PROVIDER": "zhipu", "ZHIPUAI_API_KEY": GLM_KEY}
    assert read_settings().api_key == GLM_KEY  # where connect() looks for it


def test_a_sandbox_key_stays_in_openai_api_key_whatever_the_provider(tmp_path, recwarn):
    (tmp_path / ".env").write_text("CHATKIT_PROVIDER=zhipu\n", encoding="utf-8")
    save_key(SANDBOX_KEY)
    assert dotenv_values(tmp_path / ".env")["OPENAI_API_KEY"] == SANDBOX_KEY
    assert not [w for w in recwarn if issubclass(w.category, KeyShapeWarning)]


@pytest.mark.parametrize("key", [QIANFAN_KEY, ARK_KEY])
def test_keys_of_providers_without_a_preset_are_saved_with_a_warning(tmp_path, key):
    with pytest.warns(KeyShapeWarning, match="does not know which provider"):
        path = save_key(key, variable="MINIMAX_API_KEY")  # MiniMax: no preset
    assert dotenv_values(path) == {"MINIMAX_API_KEY": key}


WARNED = {
    "no sk- prefix": ("proj-" + "a" * 40 + "WXYZ", "does not look like a key from OpenAI, whose keys look like sk-…"),
    "key id instead of key": ("key_" + "0123456789abcdef" * 2, "does not look like a key from OpenAI"),
    "glm key under openai": (GLM_KEY, "does not look like a key from OpenAI"),
    "too short": ("sk-proj-abc123", "characters long"),
    "cut off": (KEY[:15], "characters long"),
}


@pytest.mark.parametrize("key, reason", WARNED.values(), ids=WARNED.keys())
def test_a_key_that_may_be_right_is_warned_not_refused(key, reason):
    with pytest.warns(KeyShapeWarning) as caught:
        assert check_key_format(key) == key
    message = str(caught[0].message)
    assert reason in message
    assert key not in message and mask_key(key) in message


@pytest.mark.parametrize("key", [GLM_KEY, QIANFAN_KEY, DASHSCOPE_KEY, KEY])
def test_every_documented_shape_is_masked_in_any_message(key):
    for shown in (mask_key(key), mask_secrets(f"Incorrect API key provided: {key}.")):
        assert key[-4:] in shown and key[-12:-4] not in shown  # the last 4 at most
    assert mask_secrets("see https://open.bigmodel.cn/api/paas/v4") == "see https://open.bigmodel.cn/api/paas/v4"


def test_an_undocumented_shape_is_masked_by_mask_key():
    assert mask_key(ARK_KEY) == "…" + ARK_KEY[-4:]


# --- save_key ---------------------------------------------------------------------------


def test_save_key_creates_a_private_dotenv(tmp_path):
    path = save_key(KEY)
    assert path == tmp_path / ".env"
    assert mode(path) == 0o600
    assert dotenv_values(path) == {"OPENAI_API_KEY": KEY}
    assert path.read_text(encoding="utf-8") == f"OPENAI_API_KEY={KEY}\n"


def test_save_key_is_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        path = save_key(KEY)
    finally:
        os.umask(old)
    assert mode(path) == 0o600


def test_saved_key_is_what_connect_reads(tmp_path):
    save_key(KEY)
    settings = read_settings()
    assert (settings.backend, settings.api_key, settings.key_source) == ("openai", KEY, ".env")


def test_save_key_keeps_other_lines(tmp_path):
    env = tmp_path / ".env"
    env.write_text("# my settings\nCHATKIT_MODEL=gpt-4.1-nano\n\nOTHER='a b c'\n", encoding="utf-8")
    save_key(KEY)
    text = env.read_text(encoding="utf-8")
    assert text.startswith("# my settings\nCHATKIT_MODEL=gpt-4.1-nano\n\nOTHER='a b c'\n")
    assert dotenv_values(env) == {"CHATKIT_MODEL": "gpt-4.1-nano", "OTHER": "a b c", "OPENAI_API_KEY": KEY}


def test_save_key_after_a_last_line_without_newline(tmp_path):
    env = tmp_path / ".env"
    env.write_text("CHATKIT_MODEL=m", encoding="utf-8")
    save_key(KEY)
    assert dotenv_values(env) == {"CHATKIT_MODEL": "m", "OPENAI_API_KEY": KEY}


def test_save_key_replaces_the_old_key(tmp_path):
    old = "sk-proj-" + "o" * 40
    env = tmp_path / ".env"
    env.write_text(f"A=1\nOPENAI_API_KEY={old}\nB=2\n", encoding="utf-8")
    save_key(KEY)
    text = env.read_text(encoding="utf-8")
    assert old not in text
    assert text == f"A=1\nOPENAI_API_KEY={KEY}\nB=2\n"


def test_save_key_tightens_an_existing_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\n", encoding="utf-8")
    env.chmod(0o644)
    save_key(KEY)
    assert mode(env) == 0o600
    assert dotenv_values(env) == {"A": "1", "OPENAI_API_KEY": KEY}


def test_save_key_with_another_name_and_folder(tmp_path):
    (tmp_path / "project").mkdir()
    path = save_key(SANDBOX_KEY, tmp_path / "project" / ".env", variable="SANDBOX_KEY")
    assert dotenv_values(path) == {"SANDBOX_KEY": SANDBOX_KEY}
    assert (tmp_path / "project" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == ".env"
    assert not (tmp_path / ".gitignore").exists()


def test_save_key_adds_dotenv_to_gitignore_once(tmp_path):
    save_key(KEY)
    save_key(SANDBOX_KEY)
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines.count(".env") == 1
    assert dotenv_values(tmp_path / ".env") == {"OPENAI_API_KEY": SANDBOX_KEY}


def test_save_key_with_a_gitignore_lacking_a_final_newline(tmp_path):
    (tmp_path / ".gitignore").write_text("__pycache__/\n*.pyc", encoding="utf-8")
    save_key(KEY)
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["__pycache__/", "*.pyc"]  # the last pattern is not glued to ours
    assert lines.count(".env") == 1


@pytest.mark.parametrize("listed", [".env", "/.env", "  .env  "])
def test_save_key_respects_an_existing_gitignore_entry(tmp_path, listed):
    original = f"build/\n{listed}\n"
    (tmp_path / ".gitignore").write_text(original, encoding="utf-8")
    save_key(KEY)
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == original


def test_save_key_refuses_a_malformed_key_and_writes_nothing(tmp_path):
    with pytest.raises(KeyFormatError):
        save_key(KEY + "\n")
    assert not (tmp_path / ".env").exists()
    assert not (tmp_path / ".gitignore").exists()


def test_save_key_never_echoes_the_key(tmp_path, capfd):
    save_key(KEY)
    out, err = capfd.readouterr()
    assert KEY[8:] not in out + err
