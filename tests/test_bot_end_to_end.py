"""End to end over real HTTP: a customer types in the local platform, the bot service answers
through the sandbox, and the reply appears in the platform — the path notebook 08 walks."""

from __future__ import annotations

import threading

import openai

from chatkit.bot import Bot, BotService, Shop
from chatkit.im import LocalPlatform
from support import wait_until


def make_bot(box, **options):
    client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    return Bot(client, Shop.example(), model=box.engine.model_id, encoding="o200k_base", **options)


def answers_to(platform, customer_uid: str) -> list[str]:
    """The texts of the bot's messages to one customer, oldest first (a streamed one as it stands now)."""
    return [m["text"] for m in platform.store.messages()
            if m["to"] == customer_uid and m["from"] == platform.credentials.bot_user_id]


def test_a_message_typed_in_the_platform_is_answered_in_the_platform(scripted):
    scripted.engine.enqueue("We open at 11:00 on Sundays.")
    with LocalPlatform.start() as platform, BotService.start(make_bot(scripted), platform.bot_settings(),
                                                             update_every=0.05) as service:
        platform.bot_webhook = service.url
        question = platform.send("Alice Martin", "When are you open on Sunday?")
        wait_until(lambda: answers_to(platform, question["from"]) == ["We open at 11:00 on Sundays."],
                   lambda: f"the whole answer in the platform; it shows {answers_to(platform, question['from'])}", 30)
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
        customers = platform.customers()

        def customer(name):
            for turn in range(8):
                platform.send(name, f"{name}: message {turn}")

        threads = [threading.Thread(target=customer, args=(name,)) for name in customers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        def answers():
            return {name: answers_to(platform, uid) for name, uid in customers.items()}

        # Each answer comes after its question reached the model, so once all are there, so are the questions.
        wait_until(lambda: all(got == ["Noted."] * 8 for got in answers().values()),
                   lambda: f"8 answers for each customer; they have {answers()}", timeout=60)
    asked = [h[-1]["content"] for h in scripted.engine.history if h and h[-1]["role"] == "user"]
    assert len(customers) == 3 and len(asked) == 24
    for name in customers:
        assert [text for text in asked if text.startswith(f"{name}: ")] == [f"{name}: message {t}" for t in range(8)]
