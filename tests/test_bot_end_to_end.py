"""End to end over real HTTP: a customer types in the local platform, the bot service answers
through the sandbox, and the reply appears in the platform — the path notebook 08 walks."""

from __future__ import annotations

import threading

import openai

from chatkit.bot import Bot, BotService, Shop
from chatkit.im import LocalPlatform


def make_bot(box, **options):
    client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    return Bot(client, Shop.example(), model=box.engine.model_id, encoding="o200k_base", **options)


def test_a_message_typed_in_the_platform_is_answered_in_the_platform(scripted):
    scripted.engine.enqueue("We open at 11:00 on Sundays.")
    with LocalPlatform.start() as platform, BotService.start(make_bot(scripted), platform.bot_settings(),
                                                             update_every=0.05) as service:
        platform.bot_webhook = service.url
        question = platform.send("Alice Martin", "When are you open on Sunday?")
        answer = platform.reply_to(question, timeout=30, settle=0.5)
    assert answer is not None and answer["text"] == "We open at 11:00 on Sundays."
    assert question["delivery"]["status"] == "pending"  # delivered in the background
    sent = scripted.engine.history[-1]
    assert sent[0]["role"] == "system" and "Page Turner Books" in sent[0]["content"]
    assert sent[-1] == {"role": "user", "content": "When are you open on Sunday?"}


def test_customers_typing_at_once_each_get_every_answer_in_order(scripted):
    bot = make_bot(scripted, rate=None, daily_quota=None)
    with LocalPlatform.start() as platform, BotService.start(bot, platform.bot_settings(),
                                                             update_every=0.05) as service:
        platform.bot_webhook = service.url
        scripted.engine.default = "Noted."
        sent, lock = [], threading.Lock()

        def customer(name):
            for turn in range(8):
                message = platform.send(name, f"{name}: message {turn}")
                with lock:
                    sent.append(message)

        threads = [threading.Thread(target=customer, args=(name,)) for name in platform.customers()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        answers = [platform.reply_to(m, timeout=60, settle=0.3) for m in sent]
        asked = [h[-1]["content"] for h in scripted.engine.history if h and h[-1]["role"] == "user"]
    assert len(sent) == 24 and all(a is not None for a in answers)
    for name in platform.customers():
        mine = [text for text in asked if text.startswith(f"{name}: ")]
        assert mine[-8:] == [f"{name}: message {turn}" for turn in range(8)]
