"""What chatkit tells a learner, in English or Chinese, from one catalogue: ``say(key, **fields)``.

The words live in :mod:`chatkit.messages.en` and :mod:`chatkit.messages.zh`, one dict per
language with the same keys; the code keeps only the keys and the values it fills in
(``str.format`` fields, so a literal brace is written ``{{``). The language is
``CHATKIT_LANG`` (``en`` or ``zh``, from the environment or ``.env``: :mod:`chatkit.settings`); unset
or ``auto``, it follows the notebook's edition: Chinese in ``notebooks/zh/``, English elsewhere.

>>> say("exercises.passed", done="trim() works.")
'✓ trim() works.'
>>> say("exercises.not_done", lang="zh", hint="…")
'还没完成。…'
"""

from __future__ import annotations

import re
import string
import warnings

from .. import settings
from . import en, zh

LANGUAGE = "CHATKIT_LANG"  # "en", "zh", or "auto" (the notebook's edition)
LANGUAGES = ("en", "zh")
CATALOGUES = {"en": en.MESSAGES, "zh": zh.MESSAGES}
_FORMAT = string.Formatter()
# Chinese meets Latin text (a word, a number, a path, a quoted name), either way round
_MEET = re.compile(r"[\u4e00-\u9fff][\w./'\"~$\[-]|[\w/'\"%)\].-][\u4e00-\u9fff]", re.ASCII)
_HAN = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")  # two Chinese characters with a space between
_warned: set[str] = set()  # one warning per unknown CHATKIT_LANG, not one per message


def say(key: str, /, *, lang: str | None = None, **fields) -> str:
    """The catalogue's text for ``key``, with ``fields`` filled in.

    **Parameters:**

    * **key** - an entry of chatkit/messages/en.py, such as ``"explain.rate_limit.fix_wait"``.
    * **lang** - ``"en"`` or ``"zh"``; default: :func:`current`. A text that language lacks is English.
    * **fields** - the values of the text's ``{fields}``.

    >>> say("explain.rate_limit.fix_wait", lang="zh", wait=2.5)
    '等 2.5 秒（见 retry-after 响应头）再发送；要发很多提示词时，请控制发送节奏（笔记本 06）。'
    >>> say("bot.platforms.not_json.what", lang="zh", platform="飞书")
    '飞书的请求体不是一个 JSON 对象。'
    """
    lang = lang or current()
    template = CATALOGUES[lang].get(key, CATALOGUES["en"][key])
    return _spaced(template, fields) if lang == "zh" else template.format(**fields)


def _spaced(template: str, fields: dict) -> str:
    """``template.format(**fields)`` with a space where a field's value meets Chinese text and a Latin
    letter or digit: one field may hold "OpenAI" or "沙盒". The values themselves are left as they are."""
    text, after_field = "", False
    for literal, name, spec, conversion in _FORMAT.parse(template):
        text = _join(text, literal) if after_field else text + literal
        after_field = name is not None
        if after_field:
            value = _FORMAT.convert_field(_FORMAT.get_field(name, (), fields)[0], conversion)
            text = _join(text, _FORMAT.format_field(value, spec))
    return text


def _join(left: str, right: str) -> str:
    # The template's space between a field and Chinese text was for a Latin value ("OpenAI 的"):
    # a Chinese one ("飞书的") goes without it.
    if _HAN.fullmatch(left[-2:] + right[:1]):
        left = left[:-1]
    elif _HAN.fullmatch(left[-1:] + right[:2]):
        right = right[1:]
    return left + (" " if _MEET.fullmatch(left[-1:] + right[:1]) else "") + right


def current() -> str:
    """The language to speak now: ``CHATKIT_LANG``, else the notebook's edition.

    Messages are often written while another error is being explained, so they never raise:
    an unknown CHATKIT_LANG speaks English here, with a warning (``chatkit.config.read_settings``
    raises, so it stops ``connect()`` and shows in the doctor).
    """
    value = settings.value(LANGUAGE) or ""
    chosen = language(value)
    if chosen is None:
        if value not in _warned:
            _warned.add(value)
            lang = settings.edition()  # the setting is what is wrong: say so in the edition's language
            warnings.warn(f"{say('config.unknown_language.what', lang=lang, value=value.strip())} "
                          f"{say('config.unknown_language.fix', lang=lang)} Until then, chatkit speaks English.",
                          stacklevel=3)
        return "en"
    return chosen


def language(value: str | None) -> str | None:
    """The language a ``CHATKIT_LANG`` value names; unset or ``auto``, the edition's; None when unknown.

    >>> language(" ZH "), language("auto"), language("cn")
    ('zh', 'en', None)
    """
    chosen = (value or "").strip().lower()
    if chosen in ("", "auto"):
        return settings.edition()
    return chosen if chosen in LANGUAGES else None

