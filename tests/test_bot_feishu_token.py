"""Feishu's tenant access token (chatkit.bot.access): bought with the app id and secret, reused,
renewed before it expires and once after an invalid-token reply, never logged.

The bot service runs on loopback; Feishu is the stand-in platform of test_bot_service, whose
token endpoint hands out a new token each time. The token's clock is a fake one the tests move.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

import httpx
import pytest

from chatkit.bot.access import PAUSE, AccessToken
from chatkit.bot.platforms import Refused, feishu
from chatkit.bot.service import BotService
from support import wait_until
from test_bot_service import (  # noqa: F401 - fixtures
    APP_ID,
    APP_SECRET,
    SECRETS,
    FakePlatform,
    engine,
    feishu_body,
    make_bot,
    platform,
    service,
    settings_for,
)

REPLY = "/open-apis/im/v1/messages/om_{}/reply"


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(service) -> Clock:
    fake = Clock()
    service.app.state.context.tokens["feishu"].clock = fake
    return fake


def ask(service, platform: FakePlatform, n: int, calls: int) -> list[str]:
    """Post Feishu message ``n`` and wait until the platform has seen ``calls`` requests in all."""
    body = feishu_body(msg_id=f"om_{n}", text=f"question {n}")
    assert httpx.post(f"{service.url}/feishu/events", content=body).status_code == 200
    platform.wait_for(calls)
    return platform.paths()


def bearer(call: dict) -> str:
    return call["headers"]["authorization"].removeprefix("Bearer ")


def logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("chatkit") and r.levelno >= logging.WARNING]


def test_the_first_reply_fetches_a_token_and_the_next_reuses_it(service, platform, clock):
    assert ask(service, platform, 1, 2) == ["token", REPLY.format(1)]
    assert ask(service, platform, 2, 3) == ["token", REPLY.format(1), REPLY.format(2)]
    assert [bearer(c) for c in platform.calls[1:]] == [platform.issued[0]] * 2


def test_the_token_is_renewed_when_less_than_30_minutes_are_left(service, platform, clock):
    ask(service, platform, 1, 2)
    clock.now += 7200 - 30 * 60 - 1  # 30 minutes and a second left: still good
    ask(service, platform, 2, 3)
    clock.now += 2
    assert ask(service, platform, 3, 5) == ["token", REPLY.format(1), REPLY.format(2), "token", REPLY.format(3)]
    assert bearer(platform.calls[-1]) == platform.issued[1]


def test_an_invalid_token_reply_renews_it_once_and_sends_again(service, platform, clock):
    ask(service, platform, 1, 2)
    platform.revoke()  # Feishu no longer takes the token, two hours or not
    assert ask(service, platform, 2, 5)[2:] == [REPLY.format(2), "token", REPLY.format(2)]
    assert bearer(platform.calls[-1]) == platform.issued[1] != platform.issued[0]


def test_a_token_refused_again_after_renewal_is_not_renewed_a_second_time(service, platform, caplog):
    caplog.set_level(logging.WARNING)
    platform.refuse_tokens = True
    ask(service, platform, 1, 3)
    wait_until(lambda: logged(caplog), "the warning written after the last attempt")
    assert platform.paths() == ["token", REPLY.format(1), "token", REPLY.format(1)]
    [line] = logged(caplog)
    assert "code 99991663" in line and "1 attempts" in line


def test_a_wrong_secret_is_one_clear_log_line_and_no_retry(scripted, platform, caplog):
    caplog.set_level(logging.WARNING)
    settings = settings_for(platform)
    settings = replace(settings, feishu=replace(settings.feishu, app_secret="not-the-app-secret-123456"))
    with BotService.start(make_bot(scripted), settings, retry_pause=0.01) as running:
        assert httpx.post(f"{running.url}/feishu/events", content=feishu_body()).status_code == 200
        wait_until(lambda: logged(caplog), "the error line")
        assert platform.paths() == ["token"]
    [line] = logged(caplog)
    assert line.startswith("Cannot answer feishu user ou_84aad35d084aa403a838cf73ee18467")
    assert "code 10014: app secret invalid" in line and "FEISHU_APP_ID and FEISHU_APP_SECRET" in line
    assert "not-the-app-secret-123456" not in line


def test_a_refused_secret_is_not_tried_again_for_a_minute(platform):
    calls, clock = [], Clock()

    def exchange(out):
        calls.append(out.url)
        return 200, platform.token(out.json)

    wrong = replace(settings_for(platform).feishu, app_secret="not-the-app-secret-123456")
    token = AccessToken(feishu, wrong, exchange, clock=clock)
    for _ in range(3):
        with pytest.raises(Refused):
            token.get()
    assert len(calls) == 1
    clock.now += PAUSE
    with pytest.raises(Refused):
        token.get()
    assert len(calls) == 2


def test_threads_needing_a_token_at_once_fetch_it_once(platform):
    calls = []

    def exchange(out):
        calls.append(out.url)
        time.sleep(0.05)  # a slow token endpoint: the other threads all ask meanwhile
        return 200, platform.token(out.json)

    token = AccessToken(feishu, settings_for(platform).feishu, exchange)
    start = threading.Barrier(8)
    got = []

    def need():
        start.wait()
        got.append(token.get())
    threads = [threading.Thread(target=need) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and got == [platform.issued[0]] * 8


def test_neither_the_secret_nor_a_token_reaches_a_log_or_a_repr(service, platform, clock, caplog):
    caplog.set_level(logging.DEBUG)
    ask(service, platform, 1, 2)
    platform.revoke()
    ask(service, platform, 2, 5)
    context = service.app.state.context
    shown = [r.getMessage() for r in caplog.records] + [repr(context.tokens), repr(context.settings),
                                                         repr(context.settings.feishu)]
    for secret in (APP_SECRET, *SECRETS, *platform.issued):
        assert not any(secret in text for text in shown), secret
    assert repr(context.tokens["feishu"]) == "<AccessToken feishu: …RBAR, renews in 90 min>"
