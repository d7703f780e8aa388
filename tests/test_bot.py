"""chatkit.bot: memory per user, the budget, rate limit, daily quota, reset, streaming, threads.

Everything runs against the scripted sandbox over real HTTP, with a fake clock.
"""

from __future__ import annotations

import datetime as dt
import threading

import openai
import pytest

from chatkit import tokens
from chatkit.bot import Bot, Refusal, Shop
from chatkit.bot.bot import OFF_TOPIC_RULE
from chatkit.conversation import CUT
from chatkit.errors import ChatkitError
from chatkit.messages import say
from support import client_for

MORNING = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc).timestamp()
PROMPT = Shop.example().system_prompt()


class Clock:
    """A clock that moves only when told."""

    def __init__(self, now: float = MORNING) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def scripted_bot(box, clock=None, **options) -> Bot:
    client = client_for(box)
    return Bot(client, Shop.example(), model=box.engine.model_id, encoding="o200k_base",
               clock=clock or Clock(), **options)


def system() -> dict:
    return {"role": "system", "content": PROMPT}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


# --- the shop -------------------------------------------------------------------------

def test_the_system_prompt_holds_the_faq_the_policies_and_the_off_topic_rule():
    shop = Shop.example()
    assert len(shop.faq) == 6
    for question, answer in shop.faq:
        assert f"Q: {question}\nA: {answer}" in PROMPT
    for rule in shop.policies.values():
        assert rule in PROMPT
    assert OFF_TOPIC_RULE.format(name="Page Turner Books") in PROMPT
    assert "politely decline" in PROMPT and "help@pageturner.example" in PROMPT


# --- memory and the budget ------------------------------------------------------------

def test_the_second_message_carries_the_first(scripted):
    scripted.engine.enqueue("Hi Ada.", "Your name is Ada.")
    bot = scripted_bot(scripted)
    assert bot.reply("ada", "My name is Ada.") == "Hi Ada."
    assert bot.reply("ada", "What is my name?") == "Your name is Ada."
    assert scripted.engine.history[-1] == [system(), user("My name is Ada."), assistant("Hi Ada."),
                                           user("What is my name?")]


def test_a_long_conversation_stays_within_the_budget(scripted):
    bot = scripted_bot(scripted, budget=500, rate=None)
    questions = [f"Question {i}: " + "tell me about your lovely books " * 8 for i in range(8)]
    for question in questions:
        bot.reply("ada", question)
        sent = scripted.engine.history[-1]
        assert sent[0] == system() and sent[-1] == user(question)
        assert tokens.count_messages(sent, encoding="o200k_base") <= 500
    assert bot.conversation("ada").trims, "the budget never had to drop anything"
    assert user(questions[0]) not in scripted.engine.history[-1]


def test_a_bot_needs_a_model(scripted):
    plain = openai.OpenAI(api_key=scripted.key, base_url=scripted.base_url)
    with pytest.raises(ChatkitError, match="Pass model="):
        Bot(plain, Shop.example())


# --- limits ---------------------------------------------------------------------------

def test_the_sixth_message_within_a_minute_is_refused_without_a_model_call(scripted):
    clock = Clock()
    bot = scripted_bot(scripted, clock, rate=(5, 60))
    for _ in range(5):
        assert bot.reply("ada", "Hello?") == "OK"
        clock.now += 2
    refusal = bot.reply("ada", "Hello?")
    assert isinstance(refusal, Refusal) and refusal.reason == "rate"
    assert refusal.text == "You have sent 5 messages within 1 minute. Please try again in 50 seconds."
    assert str(refusal) == refusal.text  # what print() shows
    assert refusal.retry_after == 50 and refusal.fix == "Please try again in 50 seconds."
    assert len(scripted.engine.history) == 5
    assert len(bot.conversation("ada").turns) == 10  # the refused message is not remembered
    clock.now += 50
    assert bot.reply("ada", "Hello?") == "OK"
    assert len(scripted.engine.history) == 6


def test_the_daily_quota_resets_at_the_next_day(scripted):
    clock = Clock(MORNING + 13 * 3600)  # 23:00 UTC
    bot = scripted_bot(scripted, clock, rate=None, daily_quota=3)
    for _ in range(3):
        assert bot.reply("ada", "Hi") == "OK"
    refusal = bot.reply("ada", "Hi")
    assert isinstance(refusal, Refusal) and refusal.reason == "quota" and refusal.retry_after == 3600
    assert "today's 3 messages" in refusal.what and "in 1 hour" in refusal.fix
    assert len(scripted.engine.history) == 3
    clock.now += 3599
    assert isinstance(bot.reply("ada", "Hi"), Refusal)
    clock.now += 1  # midnight
    assert bot.reply("ada", "Hi") == "OK"


def test_the_quota_day_starts_at_midnight_in_the_bots_time_zone(scripted):
    clock = Clock(MORNING + 5 * 3600)  # 15:00 UTC, 23:00 in Beijing
    bot = scripted_bot(scripted, clock, rate=None, daily_quota=1, time_zone="Asia/Shanghai")
    assert bot.reply("ada", "Hi") == "OK"
    refusal = bot.reply("ada", "Hi")
    assert refusal.retry_after == 3600 and "Asia/Shanghai" in refusal.fix
    clock.now += 3600  # midnight in Beijing, 16:00 UTC: a new day there
    assert bot.reply("ada", "Hi") == "OK"


def test_the_time_zone_comes_from_the_setting_and_the_platforms_region(scripted, monkeypatch):
    from chatkit.bot.platforms import lanying
    from chatkit.bot.settings import BotSettings

    assert BotSettings(lanying=lanying.Settings("app1", "42", "admin-token-0123456789abcd", "sig-0123456789"),
                       ).time_zone() == "Asia/Shanghai"
    assert BotSettings(webhook_secret="s" * 20).time_zone() is None  # a plain webhook: no region, UTC
    chosen = scripted_bot(scripted, time_zone="Europe/Berlin")
    chosen.serve_in("Asia/Shanghai")  # a service does not override what the bot was given
    assert chosen._zone.key == "Europe/Berlin"
    monkeypatch.setenv("CHATKIT_BOT_TIME_ZONE", "Asia/Tokyo")
    assert scripted_bot(scripted)._zone.key == "Asia/Tokyo"
    with pytest.raises(ChatkitError, match="Asia/Shanghai"):
        scripted_bot(scripted, time_zone="Beijing")


def test_limits_and_memory_are_per_user(scripted):
    scripted.engine.enqueue("Hi Ada.", "Hi Bob.")
    bot = scripted_bot(scripted, rate=(1, 60))
    assert bot.reply("ada", "I am Ada.") == "Hi Ada."
    assert bot.reply("bob", "I am Bob.") == "Hi Bob."
    assert scripted.engine.history[-1] == [system(), user("I am Bob.")]
    assert isinstance(bot.reply("ada", "Again"), Refusal)
    assert bot.conversation("bob").turns == [user("I am Bob."), assistant("Hi Bob.")]


# --- reset ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["/reset", "reset", "  /RESET \n"])
def test_reset_forgets_without_calling_the_model(scripted, command):
    bot = scripted_bot(scripted)
    bot.reply("ada", "My name is Ada.")
    assert bot.reply("ada", command) == say("bot.reset")
    assert len(scripted.engine.history) == 1 and bot.conversation("ada").turns == []
    bot.reply("ada", "What is my name?")
    assert scripted.engine.history[-1] == [system(), user("What is my name?")]


def test_reset_method_and_reset_do_not_buy_more_messages(scripted):
    bot = scripted_bot(scripted, rate=(1, 60))
    bot.reply("ada", "Hi")
    bot.reset("ada")
    assert bot.conversation("ada").turns == []
    assert isinstance(bot.reply("ada", "Hi again"), Refusal)


# --- streaming ------------------------------------------------------------------------

def test_stream_yields_pieces_and_records_the_turn(scripted):
    scripted.engine.enqueue("We open at eleven on Sundays.")
    bot = scripted_bot(scripted)
    pieces = list(bot.stream("ada", "When do you open on Sunday?"))
    assert len(pieces) > 1 and "".join(pieces) == "We open at eleven on Sundays."
    assert bot.conversation("ada").turns == [user("When do you open on Sunday?"),
                                             assistant("We open at eleven on Sundays.")]
    assert scripted.engine.history[-1] == [system(), user("When do you open on Sunday?")]


def test_a_stream_closed_early_keeps_the_part_shown_and_marks_it(scripted):
    scripted.engine.enqueue("One two three four five six seven eight.", "Sure.")
    bot = scripted_bot(scripted)
    stream = bot.stream("ada", "Count to eight.")
    first = next(stream)
    stream.close()
    assert bot.conversation("ada").turns[-1] == assistant(first.rstrip() + CUT)
    assert bot.reply("ada", "Go on.") == "Sure."  # the lock was released
    assert scripted.engine.history[-1][-2:] == [assistant(first.rstrip() + CUT), user("Go on.")]


def test_stream_answers_a_refusal_and_a_reset_in_one_piece(scripted):
    bot = scripted_bot(scripted, rate=(1, 60))
    assert list(bot.stream("ada", "Hi")) == ["OK"]
    [refusal] = list(bot.stream("ada", "Hi"))
    assert isinstance(refusal, Refusal)
    assert list(bot.stream("ada", "/reset")) == [say("bot.reset")]
    assert len(scripted.engine.history) == 1


def test_a_failed_stream_takes_the_question_back(scripted):
    bot = scripted_bot(scripted, budget=400)  # the system prompt alone is about 360 tokens
    with pytest.raises(ChatkitError, match="more than the budget"):
        list(bot.stream("ada", "word " * 100))
    assert bot.conversation("ada").turns == [] and scripted.engine.history == []


# --- threads --------------------------------------------------------------------------

def test_fifty_users_at_once_each_get_their_answers_in_order(scripted):
    users, turns = 50, 3
    replies = [f"Answer {i}." for i in range(users * turns)]
    scripted.engine.enqueue(*replies)
    bot = scripted_bot(scripted, rate=None)
    start, got = threading.Barrier(users), {}

    def chat(name: str) -> None:
        start.wait()
        got[name] = [bot.reply(name, f"{name} asks {k}") for k in range(turns)]

    threads = [threading.Thread(target=chat, args=(f"user{u}",)) for u in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(got) == users
    answered = [answer for answers in got.values() for answer in answers]
    assert sorted(answered, key=lambda r: int(r.split()[1][:-1])) == replies  # each reply went to one user
    for name, answers in got.items():
        expected = [m for k in range(turns) for m in (user(f"{name} asks {k}"), assistant(answers[k]))]
        assert bot.conversation(name).turns == expected
    for sent in scripted.engine.history:  # each request carried only its user's earlier turns
        name, _, k = sent[-1]["content"].split()
        assert sent == [system()] + bot.conversation(name).turns[:2 * int(k) + 1]


def test_one_users_messages_from_many_threads_run_one_at_a_time(scripted):
    bot = scripted_bot(scripted, rate=None)
    threads = [threading.Thread(target=bot.reply, args=("ada", f"message {i}")) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    turns = bot.conversation("ada").turns
    assert [m["role"] for m in turns] == ["user", "assistant"] * 10
    for k, sent in enumerate(scripted.engine.history):  # every request saw all the turns before it
        assert sent == [system()] + turns[:2 * k + 1]
