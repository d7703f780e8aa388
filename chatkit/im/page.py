"""The chat page in the learner's language: index.html with the catalogue's ``im.page.*`` texts in it.

The texts travel as JSON in ``<script id="strings" type="application/json">`` (data, not code, so
the page's Content-Security-Policy needs no exception); app.js fills their ``{fields}`` and shows
them with textContent, never as HTML. ``{platform}``, the name of the platform imitated, is filled in here.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..messages import CATALOGUES, current, say

INDEX = Path(__file__).parent / "static" / "index.html"
PREFIX = "im.page."
HTML_LANG = {"en": "en", "zh": "zh-CN"}  # zh-CN: browsers pick Simplified Chinese glyphs
LANG_SLOT, STRINGS_SLOT = '<html lang="en">', '<script id="strings" type="application/json">{}</script>'


def texts(lang: str) -> dict[str, str]:
    """The page's texts in ``lang`` (English where a text is missing), by short name: ``"send"``."""
    english = CATALOGUES["en"]
    return {key.removeprefix(PREFIX): CATALOGUES[lang].get(key, english[key])
            for key in english if key.startswith(PREFIX)}


def render(lang: str | None = None, platform: str = "lanying") -> str:
    """index.html for ``lang`` (default: the learner's language, read on every request) imitating ``platform``.

    >>> '<html lang="zh-CN">' in render("zh"), "imitation of Feishu" in render("en", "feishu")
    (True, True)
    """
    lang = lang or current()
    title = say(f"im.platform.{platform}", lang=lang)
    strings = {name: value.replace("{platform}", title) for name, value in texts(lang).items()}
    # "<" escaped: no text can close the <script> it rides in or open a comment
    blob = json.dumps(strings, ensure_ascii=False).replace("<", "\\u003c")
    html = INDEX.read_text(encoding="utf-8")
    return (html.replace(LANG_SLOT, f'<html lang="{HTML_LANG[lang]}">', 1)
            .replace(STRINGS_SLOT, STRINGS_SLOT.replace("{}", blob), 1))
