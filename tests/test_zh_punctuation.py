"""The Chinese catalogue's punctuation, as a Chinese technical author writes it.

Full-width brackets （） around Chinese text, no space before 。，！？：；、, a space between
Chinese and Latin letters or digits (a ``{field}`` counts as Latin, unless it holds a text of
the catalogue itself, listed in CHINESE_FIELDS), and no half-width , . : ; after a Chinese
character. Code, parameter names and the server's own words keep their half-width marks.
"""

from __future__ import annotations

import re
import string

import openai
import pytest

from chatkit.failures import explain
from chatkit.messages import CATALOGUES, say

ZH = CATALOGUES["zh"]
CJK = r"\u4e00-\u9fff"  # the Chinese characters
HAN = f"[{CJK}]"
# Fields that hold Chinese (another text of the catalogue, a duration such as "1 分钟"), by name or by
# "name:key prefix"; every other field holds Latin text ("X"), or a number where it has a format spec.
CHINESE_FIELDS = {"what": "中文", "cause": "中文", "fix": "中文", "retry": "中文", "reason": "中文", "hint": "中文",
                  "wrong": "中文", "done": "中文", "case": "中文", "said": "中文", "elsewhere": "沙盒或 OpenAI",
                  "instead": "中文", "problems": "中文", "window": "1 分钟", "wait": "1 分钟", "timing": "1 秒",
                  "where": "中文", "who": "中文", "why": "中文",
                  "name:bot.platforms.no_secret": " Webhook 密钥", "done:batch": "1", "done:cli": "1",
                  "said:explanation": "401",
                  "said:explain": say("explanation.said_code", lang="zh", status=401, code="invalid_api_key"),
                  "first:providers": "沙盒", "second:providers": "OpenAI"}


def shown(key: str) -> str:
    """The Chinese text of ``key`` as a learner reads it, its fields filled with samples of what they hold."""
    samples = {}
    for _, name, spec, _ in string.Formatter().parse(ZH[key]):
        if name is None:
            continue
        parts = key.split(".")
        by_key = [CHINESE_FIELDS.get(f"{name}:{'.'.join(parts[:i])}") for i in range(len(parts), 0, -1)]
        samples[name] = 1 if spec else next((s for s in by_key if s), None) or CHINESE_FIELDS.get(name, "X")
    return say(key, lang="zh", **samples)


def problems(text: str) -> list[str]:
    """What breaks the rules in ``text`` (a template as shown), each with the characters around it."""
    rules = {
        # a parenthesis holding Chinese, opening after Chinese, or closing before it (a call like f(x) is code)
        "half-width brackets around Chinese": rf"\([^()]*{HAN}[^()]*\)|{HAN} ?\("
                                              rf"|(?<![\w.])\([^()]*\) ?[。，：；！？{CJK}]",
        "a space between Chinese words": rf"[{CJK}。，！？：；）] +[{CJK}（]",
        "a space before full-width punctuation": r" [。，！？：；、）]",
        "no space between Chinese and Latin": rf"{HAN}[A-Za-z0-9]|[A-Za-z0-9%]{HAN}",
        "half-width punctuation after Chinese": rf"{HAN}[,.:;!?](?!\w)",
    }
    return [f"{rule}: …{text[max(0, m.start() - 8):m.end() + 8]}…"
            for rule, pattern in rules.items() for m in re.finditer(pattern, text)]


# Python written with Chinese names, not prose: shop.faq.append((问题, 答案))
CODE = {"08-my-shop.hint_more", "08-my-shop.no_abroad"}


@pytest.mark.parametrize("key", sorted(set(ZH) - CODE))
def test_the_chinese_punctuation(key):
    assert problems(shown(key)) == []


def test_an_explanation_quotes_the_status_in_full_width_brackets(monkeypatch, scripted):
    client = openai.OpenAI(api_key="sk-proj-" + "Zq7Xw" * 8 + "CnT1", base_url=scripted.base_url, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.models.list()
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    found = explain(caught.value)
    assert found.what.startswith("服务器拒绝了密钥 sk-proj-…CnT1（401 invalid_api_key）：")
    assert problems(found.what) == [] and problems(found.line()) == []


@pytest.mark.parametrize("bad, rule", [
    ("服务器拒绝了密钥 (401 invalid_api_key)。", "half-width brackets"),
    ("用 --port 换一个端口 。", "a space before"),
    ("把它设为zh", "no space between"),
    ("密钥是空的.", "half-width punctuation"),
    ("花费上限(chatkit.Budget)", "half-width brackets"),
])
def test_each_rule_finds_what_it_is_for(bad, rule):
    assert any(found.startswith(rule) for found in problems(bad)), problems(bad)


@pytest.mark.parametrize("good", [
    "用 count(text, encoding='o200k_base') 数 token。",
    "服务器拒绝了密钥（401 invalid_api_key）：Incorrect API key provided: sk-…1234。",
    "在 .env 文件里加上 OPENAI_API_KEY。",
])
def test_code_and_the_servers_words_keep_their_marks(good):
    assert problems(good) == []
