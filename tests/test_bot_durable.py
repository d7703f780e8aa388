"""The bot's durable state (chatkit.bot.store): memory per chat, message ids and answers in flight
survive a restart, including SIGTERM and SIGKILL of a real ``python -m chatkit bot serve``."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from chatkit.bot.delivery import Growing, Sender, ask
from chatkit.bot.platforms import feishu, lanying, webhook
from chatkit.bot.service import BotService
from chatkit.bot.settings import NAMES
from chatkit.bot.store import RETENTION, Store
from chatkit.conversation import CUT
from chatkit.errors import ChatkitError
from chatkit.messages import say
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import wait_until
from test_bot_service import SIGNATURE, WEBHOOK_SECRET, FakePlatform, lanying_body, make_bot, settings_for

PAYLOADS = Path(__file__).parent / "payloads"
DAY = 24 * 3600


@pytest.fixture
def platform():
    fake = FakePlatform()
    yield fake
    fake.close()


def asked(engine) -> str:
    """Everything the last model request carried, as one string."""
    return json.dumps(engine.history[-1], ensure_ascii=False)


# --- memory ------------------------------------------------------------------------------------

def test_memory_survives_a_new_bot_on_the_same_store(scripted, tmp_path):
    first = make_bot(scripted, store=Store(tmp_path / "bot.sqlite3"))
    first.reply("ada", "My name is Ada.", chat="web")
    first.store.close()
    again = make_bot(scripted, store=Store(tmp_path / "bot.sqlite3"))
    again.reply("ada", "What is my name?", chat="web")
    assert "My name is Ada." in asked(scripted.engine)
    questions = [t["content"] for t in again.conversation("ada", "web").turns if t["role"] == "user"]
    assert questions == ["My name is Ada.", "What is my name?"]


def test_without_a_store_the_bot_forgets_when_it_ends(scripted):
    make_bot(scripted).reply("ada", "My name is Ada.")
    make_bot(scripted).reply("ada", "What is my name?")
    assert "My name is Ada." not in asked(scripted.engine)


def feishu_incoming(name: str, text: str):
    data = json.loads((PAYLOADS / "feishu" / name).read_text())
    data["event"]["sender"]["sender_id"]["open_id"] = "ou_same_person"
    data["event"]["message"]["content"] = json.dumps({"text": text})
    return feishu.parse(json.dumps(data).encode())


def test_the_same_user_has_one_memory_per_chat(scripted, tmp_path):
    bot = make_bot(scripted, store=Store(tmp_path / "bot.sqlite3"))
    ask(bot, feishu_incoming("text_p2p.json", "My order number is 4711."))
    ask(bot, feishu_incoming("text_group_mention.json", "What are your opening hours?"))
    assert "4711" not in asked(scripted.engine)  # the private message stays out of the group's context
    ask(bot, feishu_incoming("text_p2p.json", "Where is it?"))
    assert "4711" in asked(scripted.engine)


def test_retention_deletes_old_conversations(scripted, tmp_path):
    now = [1_800_000_000.0]
    store = Store(tmp_path / "bot.sqlite3", retention_days=7, clock=lambda: now[0])
    bot = make_bot(scripted, store=store)
    bot.reply("old", "Hello from long ago.")
    now[0] += 6 * DAY
    bot.reply("recent", "Hello from last week.")
    now[0] += 2 * DAY  # "old" is 8 days old, "recent" 2
    store.first_time("feishu:om_next")  # taking a message cleans up, at most once an hour
    assert bot.conversation("old").turns == []
    assert len(bot.conversation("recent").turns) == 2


def test_a_restart_hands_nobody_a_fresh_quota_or_rate_limit(scripted, tmp_path):
    now = [1_800_000_000.0]
    def bot():
        return make_bot(scripted, store=Store(tmp_path / "bot.sqlite3", clock=lambda: now[0]), rate=(2, 60),
                        daily_quota=3, clock=lambda: now[0], time_zone="Asia/Shanghai")
    first = bot()
    first.reply("ada", "One.")
    first.reply("ada", "Two.")
    first.store.close()
    asks = len(scripted.engine.history)
    refusal = bot().reply("ada", "Three, right after a restart.")
    assert getattr(refusal, "reason", None) == "rate" and len(scripted.engine.history) == asks
    now[0] += 61
    again = bot()
    again.reply("ada", "Three.")
    refusal = again.reply("ada", "Four.")
    assert getattr(refusal, "reason", None) == "quota"
    assert isinstance(again.reply("bob", "Hello."), str)  # counts are per user


def test_retention_comes_from_the_environment_and_a_bad_value_says_what_to_set(monkeypatch, tmp_path):
    monkeypatch.setenv(RETENTION, "2.5")
    assert Store(tmp_path / "a.sqlite3").retention_days == 2.5
    monkeypatch.setenv(RETENTION, "a week")
    with pytest.raises(ChatkitError) as caught:
        Store(tmp_path / "b.sqlite3")
    assert RETENTION in caught.value.what and "such as 7" in caught.value.fix


def test_the_file_is_readable_by_its_owner_only(scripted, tmp_path, monkeypatch):
    monkeypatch.setenv("CHATKIT_DATA_DIR", str(tmp_path / "data"))
    store = Store()
    make_bot(scripted, store=store).reply("ada", "Hi")
    assert store.path == tmp_path / "data" / "bot.sqlite3"
    files = [store.path, *(store.path.with_name(store.path.name + s) for s in ("-wal", "-shm"))]
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}


# --- restarts of a BotService in this process -------------------------------------------------

def post(service, body: bytes) -> httpx.Response:
    return httpx.post(f"{service.url}/webhook", content=body, headers=webhook.sign(WEBHOOK_SECRET, body))


def webhook_body(message_id: str, text: str) -> bytes:
    return json.dumps({"message_id": message_id, "user_id": "u-42", "text": text}).encode()


def test_a_restarted_service_remembers_and_answers_an_id_once(scripted, platform, tmp_path):
    engine = scripted.engine
    with BotService.start(make_bot(scripted, store=Store(tmp_path / "bot.sqlite3")), settings_for(platform)):
        pass  # a first start on an empty store
    with BotService.start(make_bot(scripted, store=Store(tmp_path / "bot.sqlite3")), settings_for(platform)) as one:
        engine.enqueue("Hello Ada.")
        assert post(one, webhook_body("m-1", "My name is Ada.")).json()["text"] == "Hello Ada."
    with BotService.start(make_bot(scripted, store=Store(tmp_path / "bot.sqlite3")), settings_for(platform)) as two:
        calls = len(engine.history)
        assert post(two, webhook_body("m-1", "My name is Ada.")).status_code == 409
        assert len(engine.history) == calls  # no second answer
        post(two, webhook_body("m-2", "What is my name?"))
        assert "My name is Ada." in asked(engine)


def interrupted(tmp_path, incoming, stage: str, shown: str | None = None, sent_id: str | None = None) -> Store:
    """A store as a killed service left it: ``incoming`` taken, its answer at ``stage``."""
    store = Store(tmp_path / "bot.sqlite3")
    store.first_time(f"{incoming.platform}:{incoming.message_id}")
    store.begin(incoming)
    if stage == "sending":
        store.sending(incoming, shown, sent_id)
    return store


def lanying_incoming(text: str = "Do you gift-wrap?"):
    return lanying.parse(lanying_body(text, msg_id="77"), "8589934592")


def test_an_answer_nobody_saw_is_given_after_a_restart(scripted, platform, tmp_path):
    scripted.engine.enqueue("Yes, for free.")
    store = interrupted(tmp_path, lanying_incoming(), "asking")
    with BotService.start(make_bot(scripted, store=store), settings_for(platform), update_every=0.1) as service:
        wait_until(lambda: store.in_flight() == [], "the answer to be delivered")
        assert [call["json"]["content"] for call in platform.calls][-1] == "Yes, for free."
        assert httpx.post(f"{service.url}/lanying/messages", content=lanying_body(msg_id="77"),
                          headers={"signature": SIGNATURE}).json() == {"status": "duplicate"}


def test_a_growing_answer_cut_by_a_restart_is_marked_not_sent_again(scripted, platform, tmp_path):
    store = interrupted(tmp_path, lanying_incoming(), "sending", "Yes, we gift-wrap", "mid-1")
    bot = make_bot(scripted, store=store)
    with BotService.start(bot, settings_for(platform)):
        [call] = platform.wait_for(1)
    assert call["json"]["content_type"] == lanying.STREAM_UPDATE and call["json"]["related_mid"] == "mid-1"
    assert call["json"]["content"] == f"Yes, we gift-wrap{CUT}\n{say('bot.interrupted', lang='en')}"
    assert scripted.engine.history == []  # the model was not asked again
    turns = bot.conversation("lanying:8589934610", "lanying:demoapp01:8589934610").turns
    assert turns[-1] == {"role": "assistant", "content": f"Yes, we gift-wrap{CUT}"}  # the next question knows


def test_a_growing_answer_is_recorded_before_each_piece_is_sent(platform, tmp_path):
    incoming = lanying_incoming()
    store = interrupted(tmp_path, incoming, "asking")
    sender = Sender(retry_pause=0.01)
    growing = Growing(sender, settings_for(platform).lanying, incoming, every=0, store=store)
    growing.show("Yes, we")
    assert store.in_flight() == [(incoming, "sending", "Yes, we", "mid-1")]  # the message a restart will amend
    platform.fail = 2  # this update is lost: a restart must still not send "Yes, we gift-wrap" anew
    growing.show("Yes, we gift-wrap")
    assert store.in_flight() == [(incoming, "sending", "Yes, we gift-wrap", "mid-1")]
    sender.close()


def test_a_webhook_caller_cut_off_by_a_restart_may_retry_the_same_id(scripted, platform, tmp_path):
    store = interrupted(tmp_path, webhook.parse(webhook_body("m-9", "Do you gift-wrap?")), "asking")
    with BotService.start(make_bot(scripted, store=store), settings_for(platform)) as service:
        assert post(service, webhook_body("m-9", "Do you gift-wrap?")).status_code == 200
        assert post(service, webhook_body("m-9", "Do you gift-wrap?")).status_code == 409


def test_a_whole_answer_that_may_have_been_sent_is_followed_by_a_short_note(scripted, platform, tmp_path):
    incoming = feishu_incoming("text_p2p.json", "Where is my order?")
    store = interrupted(tmp_path, incoming, "sending", "Use the tracking link.")
    with BotService.start(make_bot(scripted, store=store), settings_for(platform)):
        fetch, call = platform.wait_for(2)  # a tenant access token, then the reply
    assert json.loads(call["json"]["content"]) == {"text": say("bot.interrupted", lang="en")}
    assert scripted.engine.history == [] and store.in_flight() == []


# --- restarts of a real `python -m chatkit bot serve` -----------------------------------------

@pytest.fixture(scope="module")
def gpt_box(tmp_path_factory):
    """A scripted sandbox whose model has a name chatkit can count tokens for, as ``bot serve``'s budget needs."""
    engine = ScriptedEngine()
    engine.model_id = "gpt-4.1-mini"
    with Sandbox.start(engine=engine, data_dir=tmp_path_factory.mktemp("gpt-box")) as box:
        yield box


class BotProcess:
    """``python -m chatkit bot serve`` on a free port, its model a scripted sandbox, its state in ``data``."""

    def __init__(self, box, folder: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in NAMES}
        env.update(CHATKIT_WEBHOOK_SECRET=WEBHOOK_SECRET, OPENAI_API_KEY=box.key, OPENAI_BASE_URL=box.base_url,
                   CHATKIT_MODEL=box.engine.model_id, CHATKIT_DATA_DIR=str(folder / "data"))
        self.proc = subprocess.Popen([sys.executable, "-m", "chatkit", "bot", "serve", "--port", "0"], cwd=folder,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert found, first + self.stop(signal.SIGKILL)
        self.url = found.group(0)

    def ask(self, message_id: str, text: str) -> httpx.Response:
        body = webhook_body(message_id, text)
        return httpx.post(f"{self.url}/webhook", content=body, headers=webhook.sign(WEBHOOK_SECRET, body), timeout=30)

    def stop(self, how: signal.Signals) -> str:
        """Send ``how``, wait for the end, and return what it wrote to stderr."""
        self.proc.send_signal(how)
        try:
            _, err = self.proc.communicate(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        return err


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_real_bot_process_remembers_after_a_restart(gpt_box, tmp_path, how):
    engine = gpt_box.engine
    first = BotProcess(gpt_box, tmp_path)
    try:
        engine.enqueue("Nice to meet you, Ada.")
        assert first.ask("m-1", "My name is Ada.").json()["text"] == "Nice to meet you, Ada."
    finally:
        err = first.stop(how)
    assert "Traceback" not in err
    again = BotProcess(gpt_box, tmp_path)
    try:
        calls = len(engine.history)
        assert again.ask("m-1", "My name is Ada.").status_code == 409  # re-delivered: not answered again
        assert len(engine.history) == calls
        assert again.ask("m-2", "What is my name?").status_code == 200
        assert "My name is Ada." in asked(engine)
    finally:
        again.stop(signal.SIGTERM)
