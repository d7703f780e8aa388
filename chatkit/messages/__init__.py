"""What chatkit tells a learner, in English or Chinese, from one catalogue: ``say(key, **fields)``.

The words live in :mod:`chatkit.messages.en` and :mod:`chatkit.messages.zh`, one dict per
language with the same keys; the code keeps only the keys and the values it fills in
(``str.format`` fields, so a literal brace is written ``{{``). The language is
``CHATKIT_LANG`` (``en`` or ``zh``, from the environment or ``.env``); unset, it follows the
notebook's edition: Chinese in ``notebooks/zh/``, English elsewhere (``chatkit.config.language``).

>>> say("exercises.passed", done="trim() works.")
'✓ trim() works.'
>>> say("exercises.not_done", lang="zh", hint="…")
'还没完成。…'
"""

from __future__ import annotations

import warnings

from ..config import language
from ..errors import ConfigError
from . import en, zh

CATALOGUES = {"en": en.MESSAGES, "zh": zh.MESSAGES}
_warned: set[str] = set()  # one warning per unknown CHATKIT_LANG, not one per message


def say(key: str, /, *, lang: str | None = None, **fields) -> str:
    """The catalogue's text for ``key``, with ``fields`` filled in.

    **Parameters:**

    * **key** - an entry of chatkit/messages/en.py, such as ``"explain.rate_limit.fix_wait"``.
    * **lang** - ``"en"`` or ``"zh"``; default: :func:`current`. A text that language lacks is English.
    * **fields** - the values of the text's ``{fields}``.

    >>> say("explain.rate_limit.fix_wait", lang="zh", wait=2.5)
    '等 2.5 秒（见 retry-after 响应头）再发送；要发很多提示词时，请控制发送节奏（笔记本 06）。'
    """
    catalogue = CATALOGUES[lang or current()]
    return catalogue.get(key, CATALOGUES["en"][key]).format(**fields)


def current() -> str:
    """The language to speak now; an unknown CHATKIT_LANG speaks English here, with a warning.

    Messages are often written while another error is being explained, so they never raise:
    the ConfigError itself stops ``connect()`` and shows in the doctor (``read_settings``).
    """
    try:
        return language()
    except ConfigError as exc:
        if str(exc) not in _warned:
            _warned.add(str(exc))
            warnings.warn(f"{exc} Until then, chatkit speaks English.", stacklevel=3)
        return "en"
