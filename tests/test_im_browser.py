"""The local chat platform's page in a real browser: type, press Enter, watch the bot's reply grow.

Skips on a machine without Playwright or Chromium, but fails in CI (CI=true), which
installs both (.ci/run). A screenshot of the page lands in test-artifacts/.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from browser_support import wait_until
from chatkit.bot import Bot, BotService, Shop
from chatkit.im import LocalPlatform
from chatkit.im.scripted import ScriptedBot
from support import client_for
from test_browser import browser  # noqa: F401 - the Chromium fixture (skips without it, fails in CI)

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ANSWER = "Sure! Open Settings, then Security, choose Reset password and follow the link we email you."


@pytest.fixture(params=["scripted bot", "chatkit's bot service"])
def platform_and_bot(request, monkeypatch):
    """The page's side is the same for a fake bot and for the real one (BotService, a Bot, the sandbox)."""
    if request.param == "scripted bot":
        with LocalPlatform.start() as im, ScriptedBot.start(im, delay=0.25, words=3) as bot:
            yield im, bot.enqueue
        return
    scripted = request.getfixturevalue("scripted")
    monkeypatch.setattr(scripted.engine, "delay", 0.05)  # a word every 50 ms: the answer streams
    client = client_for(scripted)
    bot = Bot(client, Shop.example(), model=scripted.engine.model_id, encoding="o200k_base")
    with LocalPlatform.start() as im, BotService.start(bot, im.bot_settings(), update_every=0.1) as service:
        im.bot_webhook = service.url
        yield im, scripted.engine.enqueue


def test_a_customer_types_and_the_bots_reply_grows_in_the_page(browser, platform_and_bot):
    im, enqueue = platform_and_bot
    enqueue(ANSWER)
    page = browser.new_page(viewport={"width": 1100, "height": 750})
    try:
        page.goto(im.url, timeout=15_000)
        assert "imitation of Lanying IM" in page.locator("header").inner_text()
        wait_until(page, lambda: "live" in page.locator("#connection").inner_text(), "the event stream to open", 10)
        box = page.locator("#text")
        box.fill("How do I reset my password?")
        box.press("Enter")

        mine = page.locator(".msg.customer").last
        wait_until(page, lambda: "delivered to the bot" in mine.locator(".status").inner_text(),
                   lambda: f"the message to be delivered: {mine.inner_text()!r}", 10)
        assert mine.locator(".bubble").inner_text() == "How do I reset my password?"
        assert box.input_value() == ""

        reply = page.locator(".msg.bot .bubble")
        seen: list[str] = []

        def finished() -> bool:
            text = reply.first.inner_text() if reply.count() else ""
            if text and (not seen or seen[-1] != text):
                seen.append(text)
            return text == ANSWER

        wait_until(page, finished, lambda: f"the whole reply; seen so far: {seen}", 15)
        partial = [text for text in seen if text != ANSWER]
        assert partial and all(ANSWER.startswith(text) for text in partial), seen  # it grew, in place
        assert reply.count() == 1  # updates replaced the text: no new bubbles
        assert "AI" in page.locator(".msg.bot .meta").first.inner_text()
        assert "Alice" in page.locator("#conversations li.current").inner_text()
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a debugging aid: never hide the test's own error
            page.screenshot(path=ARTIFACTS / "im-page.png")
        page.close()


def test_the_page_speaks_chinese_with_chatkit_lang_zh(browser, monkeypatch):
    """No bot connected: the server's reason (Chinese) follows the page's own Chinese label."""
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    page = browser.new_page(viewport={"width": 1100, "height": 750})
    try:
        with LocalPlatform.start() as im:
            page.goto(im.url, timeout=15_000)
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            assert page.title() == "本地聊天平台 · 模仿蓝莺 IM"
            assert page.locator("aside h2").all_inner_texts()[:2] == ["用户", "会话"]
            assert page.locator("#text").get_attribute("placeholder").startswith("输入消息")
            wait_until(page, lambda: page.locator("#connection").inner_text() == "已连接",
                       lambda: f"the event stream to open: {page.locator('#connection').inner_text()!r}", 10)
            page.locator("#text").fill("你好")
            page.locator("#text").press("Enter")
            status = page.locator(".msg.customer .status").last
            wait_until(page, lambda: status.inner_text().startswith("✗ 未送达：没有连接机器人"),
                       lambda: f"the message to be refused: {status.inner_text()!r}", 10)
            assert "你是 Alice Martin" in page.locator("#title").inner_text()
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=ARTIFACTS / "im-page-zh.png")
        page.close()
