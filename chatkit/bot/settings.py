"""Which chat platforms the bot serves, read from the environment and ``.env``.

A platform is enabled when all its required variables are set; the others stay off and
their routes say which variables to set. Reading ``.env`` never changes ``os.environ``.

>>> BotSettings.from_env().enabled()                        # doctest: +SKIP
['lanying', 'webhook']
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..keys import mask_key
from ..messages import say
from ..settings import value
from .platforms import dingtalk, feishu, lanying, wecom

DOCS = "chatkit/bot/service.py"
# The variables each platform needs, defined here and nowhere else.
REQUIRED = {
    "lanying": ("LANYING_APP_ID", "LANYING_BOT_USER_ID", "LANYING_ADMIN_TOKEN", "LANYING_CALLBACK_SIGNATURE"),
    "feishu": ("FEISHU_VERIFICATION_TOKEN", "FEISHU_APP_ID", "FEISHU_APP_SECRET"),
    "dingtalk": ("DINGTALK_APP_SECRET",),
    "wecom": ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY"),
    "webhook": ("CHATKIT_WEBHOOK_SECRET",),
}
# FEISHU_ENCRYPT_KEY: set it when the Feishu app has an Encrypt Key (its events then arrive encrypted).
# DINGTALK_REPLY_HOSTS: hosts a sessionWebhook may point to, comma-separated, instead of DingTalk's own
# (127.0.0.1 for the local chat platform: python -m chatkit im serve --imitate dingtalk writes it).
OPTIONAL = ("LANYING_API_ENDPOINT", "FEISHU_API_ENDPOINT", "FEISHU_ENCRYPT_KEY", "WECOM_API_ENDPOINT",
            "DINGTALK_REPLY_HOSTS")
# Where each platform's users are: the bot's day (its daily quota) starts at their midnight.
# Lanying IM, Feishu, DingTalk and WeCom are mainland China's platforms; a plain webhook says nothing.
REGIONS = {"lanying": "Asia/Shanghai", "feishu": "Asia/Shanghai", "dingtalk": "Asia/Shanghai",
           "wecom": "Asia/Shanghai"}
NAMES = (*(name for names in REQUIRED.values() for name in names), *OPTIONAL)


@dataclass(frozen=True)
class BotSettings:
    """Each platform's settings, or None when it is not enabled; the repr masks every secret.

    **Parameters:** ``lanying``, ``feishu``, ``dingtalk``, ``wecom``: the adapter's ``Settings``;
    ``webhook_secret``: the shared secret of the plain ``/webhook`` route.

    >>> from chatkit.bot.platforms import lanying
    >>> s = BotSettings(lanying=lanying.Settings("app1", "42", "admin-token-0123456789abcd", "sig-0123456789"))
    >>> s.enabled()
    ['lanying']
    >>> s
    BotSettings(lanying=app app1, bot user 42, admin token …abcd, feishu=off, dingtalk=off, wecom=off, webhook=off)
    """

    lanying: lanying.Settings | None = None
    feishu: feishu.Settings | None = None
    dingtalk: dingtalk.Settings | None = None
    wecom: wecom.Settings | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    missing: dict = field(default_factory=dict, repr=False, compare=False)  # platform -> names not set

    @classmethod
    def from_env(cls, env_file: str | os.PathLike | None = None) -> BotSettings:
        """Read the settings from the environment, then the nearest ``.env`` (:mod:`chatkit.settings`)."""
        values = {name: (value(name, env_file) or "").strip() for name in NAMES}
        missing = {p: tuple(n for n in names if not values[n]) for p, names in REQUIRED.items()}
        on = {p for p, names in missing.items() if not names}
        get = values.get
        return cls(
            lanying=lanying.Settings(get("LANYING_APP_ID"), get("LANYING_BOT_USER_ID"), get("LANYING_ADMIN_TOKEN"),
                                     get("LANYING_CALLBACK_SIGNATURE"),
                                     **_given(endpoint=get("LANYING_API_ENDPOINT"))) if "lanying" in on else None,
            feishu=feishu.Settings(get("FEISHU_VERIFICATION_TOKEN"), get("FEISHU_APP_ID"), get("FEISHU_APP_SECRET"),
                                   **_given(encrypt_key=get("FEISHU_ENCRYPT_KEY"),
                                            api_base=get("FEISHU_API_ENDPOINT"))) if "feishu" in on else None,
            dingtalk=dingtalk.Settings(get("DINGTALK_APP_SECRET"),
                                       **_given(allowed_reply_hosts=get("DINGTALK_REPLY_HOSTS")))
            if "dingtalk" in on else None,
            wecom=wecom.Settings(get("WECOM_CORP_ID"), get("WECOM_AGENT_ID"), get("WECOM_SECRET"), get("WECOM_TOKEN"),
                                 get("WECOM_ENCODING_AES_KEY"),
                                 **_given(api_base=get("WECOM_API_ENDPOINT"))) if "wecom" in on else None,
            webhook_secret=get("CHATKIT_WEBHOOK_SECRET") or None, missing=missing)

    def time_zone(self) -> str | None:
        """The time zone of the enabled platforms' region, when they share one; else None (the webhook has none)."""
        zones = {REGIONS[name] for name in self.enabled() if name in REGIONS}
        return zones.pop() if len(zones) == 1 else None

    def platform(self, name: str):
        """The settings the adapter ``name`` needs (the secret, for the webhook), or None if off."""
        return self.webhook_secret if name == "webhook" else getattr(self, name)

    def enabled(self) -> list[str]:
        """The platforms the bot serves, in the order of ``REQUIRED``."""
        return [name for name in REQUIRED if self.platform(name)]

    def needs(self, name: str) -> str:
        """The variables still to set to turn platform ``name`` on, e.g. "A, B and C"."""
        names = self.missing.get(name) or REQUIRED[name]
        return say("bot.settings.comma").join(names[:-1]) + say("bot.settings.and") + names[-1] if len(names) > 1 \
            else names[0]

    def why_off(self, name: str) -> str:
        """One line saying which variables turn platform ``name`` on."""
        return say("bot.settings.off", platform=title(name), needs=self.needs(name), docs=DOCS)

    def describe(self, name: str) -> str:
        """Platform ``name``'s settings with every secret masked, or "off"."""
        settings = self.platform(name)
        return _describe(name, settings) if settings else "off"

    def __repr__(self) -> str:
        return f"BotSettings({', '.join(f'{name}={self.describe(name)}' for name in REQUIRED)})"


def title(name: str) -> str:
    """Platform ``name`` as a title in the learner's language: "Feishu", "Webhook", or 飞书 in Chinese."""
    said = say(f"bot.platforms.{name}")
    return said[:1].upper() + said[1:]


def _describe(name: str, settings) -> str:
    if name == "lanying":
        return (f"app {settings.app_id}, bot user {settings.bot_user_id}, "
                f"admin token {mask_key(settings.admin_token)}")
    if name == "feishu":
        encrypted = ", events encrypted" if settings.encrypt_key else ""
        return f"app {settings.app_id}, app secret {mask_key(settings.app_secret)}{encrypted}"
    if name == "wecom":
        return f"corp {settings.corp_id}, agent {settings.agent_id}, secret {mask_key(settings.secret)}"
    if name == "dingtalk":
        return f"app secret {mask_key(settings.app_secret)}"
    return f"secret {mask_key(settings)}"


def _given(**values: str) -> dict:
    """The keyword arguments that have a value, so the adapters' defaults apply to the rest."""
    return {k: v for k, v in values.items() if v}
