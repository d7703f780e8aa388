"""The local chat platform's page speaks the learner's language: its words come from the catalogue.

The server puts the page's texts (``im.page.*``) into index.html as a JSON blob; app.js shows them
with textContent. The Chinese page in a real browser is in tests/test_im_browser.py.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import httpx
import pytest

from chatkit.im import LocalPlatform
from chatkit.messages import CATALOGUES

STATIC = Path(__file__).resolve().parent.parent / "chatkit" / "im" / "static"
PAGE_KEYS = sorted(key for key in CATALOGUES["en"] if key.startswith("im.page."))


def served(monkeypatch, lang: str) -> str:
    monkeypatch.setenv("CHATKIT_LANG", lang)
    with LocalPlatform.start() as im, httpx.Client(timeout=5, trust_env=False) as http:
        page = http.get(im.url)
    assert page.status_code == 200
    return page.text


def words(template: str) -> list[str]:
    """The literal parts of a template that hold a word (not " · " between two fields)."""
    parts = [literal.strip(" ·") for literal, *_ in string.Formatter().parse(template)]
    return [part for part in parts if re.search(r"[A-Za-z\u4e00-\u9fff]{2}", part)]


def outside_tags(page: str) -> str:
    """The text a reader sees before app.js runs: outside the tags, without the scripts."""
    return re.sub(r"<script.*?</script>|<!--.*?-->|<[^>]+>", " ", page, flags=re.S)


def blob(page: str) -> dict[str, str]:
    found = re.search(r'<script id="strings" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the page carries its texts in <script id=\"strings\" type=\"application/json\">"
    return json.loads(found.group(1))


def test_the_page_has_about_thirty_texts_in_both_languages():
    assert len(PAGE_KEYS) >= 25
    assert all(CATALOGUES["zh"].get(key) for key in PAGE_KEYS)


@pytest.mark.parametrize("lang, html_lang", [("zh", "zh-CN"), ("en", "en")])
def test_the_page_served_speaks_chatkit_lang(monkeypatch, lang, html_lang):
    page = served(monkeypatch, lang)
    assert f'<html lang="{html_lang}">' in page
    texts = blob(page)
    platform = CATALOGUES[lang]["im.platform.lanying"]  # the platform imitated, named in the page's texts
    assert texts == {key.removeprefix("im.page."): CATALOGUES[lang][key].replace("{platform}", platform)
                     for key in PAGE_KEYS}
    assert not re.search(r"[A-Za-z\u4e00-\u9fff]", outside_tags(page))  # every word comes from the blob
    other = "en" if lang == "zh" else "zh"
    shown = " ".join(texts.values())
    leftover = [word for key in PAGE_KEYS for word in words(CATALOGUES[other][key])
                if re.search(rf"(?<![\w-]){re.escape(word)}(?!\w)", shown)]  # --bot is an option
    assert leftover == []


def test_the_chinese_page_says_not_delivered_in_chinese(monkeypatch):
    page = served(monkeypatch, "zh")
    assert "✗ 未送达：{reason}" in page and "本地聊天平台" in page
    assert "not delivered" not in page and "Local chat platform" not in page


def test_no_text_is_written_in_the_page_files():
    """Every word the page shows comes from the catalogue: none is typed into app.js or index.html."""
    assert not re.search(r"[A-Za-z\u4e00-\u9fff]", outside_tags((STATIC / "index.html").read_text()))
    code = re.sub(r"//.*", "", (STATIC / "app.js").read_text())  # one-word texts ("bot") are also class names
    typed = [phrase for key in PAGE_KEYS for phrase in words(CATALOGUES["en"][key]) if " " in phrase and phrase in code]
    assert typed == [], "app.js still holds English texts"
    assert "innerHTML" not in (STATIC / "app.js").read_text()  # texts are shown as text, never parsed as HTML


def test_a_text_cannot_end_the_script_that_carries_it(monkeypatch):
    """The blob is JSON inside <script>: a "</script>" in a text must not close it (nor open HTML)."""
    monkeypatch.setitem(CATALOGUES["en"], "im.page.send", "Send</script><img src=x onerror=alert(1)>")
    page = served(monkeypatch, "en")
    assert "<img" not in page
    assert blob(page)["send"] == "Send</script><img src=x onerror=alert(1)>"
