"""chatkit.bot.service: the bot as a web service, over real HTTP on loopback.

The model is the scripted sandbox; the platforms' REST APIs are a small fake server that
records every request it gets and answers the way each platform does.
"""

from __future__ import annotations

import doctest
import json
import logging
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import openai
import pytest

from chatkit.__main__ import main
from chatkit.bot import Bot, Shop
from chatkit.bot import settings as settings_module
from chatkit.bot import workers as workers_module
from chatkit.bot.intake import MAX_BODY
from chatkit.bot.platforms import dingtalk, feishu, lanying, webhook
from chatkit.bot.service import BotService
from chatkit.bot.settings import NAMES, BotSettings
from chatkit.bot.workers import Workers
from chatkit.messages import say
from chatkit.sandbox.engine import Generation
from support import send, wait_until

PAYLOADS = Path(__file__).parent / "payloads"
APOLOGY = say("bot.apology", lang="en")  # what the bot says when the model fails, in these English tests
BOT_UID, USER_UID = "8589934592", "8589934610"
SIGNATURE = "lanying-signature-Qx7fR2mZpL9wK4tB"
ADMIN_TOKEN = "lanying-admin-token-Hn3vC8sJ5dW1yE6u"
FEISHU_TOKEN = "feishu-verification-token-Tg4bN7kP2"
APP_ID = "cli_a5f1d2c3b4e6f789"
APP_SECRET = "feishu-app-secret-Wq4eR7tY2uI9oP3a"
DINGTALK_SECRET = "dingtalk-app-secret-Zr5mQ8xL1cV3nB7h"
WEBHOOK_SECRET = "chatkit-webhook-secret-Jk2wF9sD4gH6"
SESSION = "session-credential-Pq8rT3yU6iO1aS5d"
SECRETS = [SIGNATURE, ADMIN_TOKEN, FEISHU_TOKEN, APP_SECRET, DINGTALK_SECRET, WEBHOOK_SECRET, SESSION]


class FakePlatform:
    """The platforms' REST APIs on loopback: every request is recorded, answered like the platform.

    ``fail`` makes the next that many requests answer 500; ``wrap`` puts Lanying's
    ``msg_ids`` inside ``data``. Feishu's token endpoint hands out a new tenant access token
    (``issued``) for ``APP_ID`` and ``APP_SECRET``; a reply must carry one that is ``valid``
    (``revoke()`` empties it, ``refuse_tokens`` makes every token invalid).
    """

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.changed = threading.Condition()
        self.fail, self.wrap = 0, False
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.refuse_tokens = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                answer, status = fake.record(self.path, dict(self.headers), body)
                send(self, status, json.dumps(answer).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def record(self, path: str, headers: dict, body: dict) -> tuple[dict, int]:
        with self.changed:
            self.calls.append({"path": path, "headers": {k.lower(): v for k, v in headers.items()}, "json": body})
            self.changed.notify_all()
            if self.fail:
                self.fail -= 1
                return {"code": 500, "message": "try later"}, 500
            if path == feishu.TOKEN_PATH:
                return self.token(body), 200
            if path.startswith("/open-apis/") and not self.authorized(headers):
                return {"code": 99991663, "msg": "Invalid access token for authorization. Please make a request "
                                                 "with token attached."}, 400
            if path == "/message/send":
                ids = {"msg_ids": [f"mid-{len(self.calls)}"]}
                return {"code": 200, "message": "", **({"data": ids} if self.wrap else {"data": {}, **ids})}, 200
            if path.startswith("/robot/"):
                return {"errcode": 0, "errmsg": "ok"}, 200
            return {"code": 0, "msg": "success", "data": {"message_id": "om_reply"}}, 200

    def token(self, body: dict) -> dict:
        """Feishu's answer on its self-built app token endpoint (its documented shape)."""
        if body != {"app_id": APP_ID, "app_secret": APP_SECRET}:
            return {"code": 10014, "msg": "app secret invalid"}
        token = f"t-g1044{len(self.issued):04d}qeGEDXTB6NDJOGV4JQCYDGHRBAR"
        self.issued.append(token)
        self.valid.add(token)
        return {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}

    def authorized(self, headers: dict) -> bool:
        bearer = {k.lower(): v for k, v in headers.items()}.get("authorization", "").removeprefix("Bearer ")
        return not self.refuse_tokens and bearer in self.valid

    def revoke(self) -> None:
        with self.changed:
            self.valid.clear()

    def paths(self) -> list[str]:
        """Each call so far: "token" for a token fetch, else the path."""
        return ["token" if c["path"] == feishu.TOKEN_PATH else c["path"] for c in self.calls]

    def wait_for(self, count: int, timeout: float = 10) -> list[dict]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.calls) >= count, timeout), self.calls
            return list(self.calls)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform():
    fake = FakePlatform()
    yield fake
    fake.close()


@pytest.fixture
def engine(scripted):
    """The scripted engine, with its delay set back after the test."""
    yield scripted.engine
    scripted.engine.delay = 0.0


def make_bot(box, key: str | None = None, **options) -> Bot:
    client = openai.OpenAI(api_key=key or box.key, base_url=box.base_url, max_retries=0)
    return Bot(client, Shop.example(), model=box.engine.model_id, encoding="o200k_base", **options)


def settings_for(platform: FakePlatform) -> BotSettings:
    return BotSettings(
        lanying=lanying.Settings("demoapp01", BOT_UID, ADMIN_TOKEN, SIGNATURE, endpoint=platform.url),
        feishu=feishu.Settings(FEISHU_TOKEN, APP_ID, APP_SECRET, api_base=platform.url),
        dingtalk=dingtalk.Settings(DINGTALK_SECRET, allowed_reply_hosts=("127.0.0.1",)),
        webhook_secret=WEBHOOK_SECRET)


@pytest.fixture
def service(scripted, platform):
    with BotService.start(make_bot(scripted), settings_for(platform), update_every=0.1, retry_pause=0.01) as running:
        yield running


def lanying_body(text: str = "Do you gift-wrap?", msg_id: str = "1188752361744236582", **changes) -> bytes:
    data = json.loads((PAYLOADS / "lanying" / "text.json").read_text())
    data.update(msgId=msg_id, content=text, **changes)
    return json.dumps(data).encode()


def post_lanying(service, body: bytes, signature: str = SIGNATURE) -> httpx.Response:
    return httpx.post(f"{service.url}/lanying/messages", content=body, headers={"signature": signature})


def feishu_body(user: str = "ou_84aad35d084aa403a838cf73ee18467", msg_id: str = "om_5ce6d572455d361153b7cb51da133945",
                text: str = "Where is my order?", token: str = FEISHU_TOKEN) -> bytes:
    data = json.loads((PAYLOADS / "feishu" / "text_p2p.json").read_text())
    data["header"]["token"] = token
    data["event"]["sender"]["sender_id"]["open_id"] = user
    data["event"]["message"].update(message_id=msg_id, content=json.dumps({"text": text}))
    return json.dumps(data).encode()


def no_more_calls(service, platform: FakePlatform, expected: int) -> None:
    """Send one more message from the same user and wait for it: anything queued before it is done."""
    assert post_lanying(service, lanying_body("/reset", msg_id="control")).status_code == 200
    calls = platform.wait_for(expected + 1)
    assert len(calls) == expected + 1 and calls[-1]["json"]["content"].startswith("Done")


# --- Lanying -------------------------------------------------------------------------------

def test_the_bots_day_starts_at_midnight_where_the_platforms_users_are(service):
    assert service.app.state.context.bot._zone.key == "Asia/Shanghai"  # Lanying, Feishu, DingTalk: mainland China


def test_a_lanying_message_is_answered_through_message_send(service, platform, engine):
    engine.enqueue("Certainly!")
    response = post_lanying(service, lanying_body())
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    [call] = platform.wait_for(1)
    assert call["path"] == "/message/send"
    assert call["headers"]["app_id"] == "demoapp01" and call["headers"]["access-token"] == ADMIN_TOKEN
    assert call["json"] == {"type": 1, "from_user_id": BOT_UID, "targets": [USER_UID], "content_type": 0,
                            "content": "Certainly!", "ext": json.dumps(lanying.AI_EXT)}
    assert engine.history[0][-1] == {"role": "user", "content": "Do you gift-wrap?"}


def test_a_forged_signature_gets_401_and_no_model_call(service, platform, engine):
    response = post_lanying(service, lanying_body(), signature="guess")
    assert response.status_code == 401 and "signature" in response.json()["error"]
    assert SIGNATURE not in response.text and "guess" not in response.text
    assert post_lanying(service, lanying_body(), signature="").status_code == 401
    assert engine.history == [] and platform.calls == []


def test_a_duplicate_delivery_is_answered_once(service, platform, engine):
    first, again = post_lanying(service, lanying_body()), post_lanying(service, lanying_body())
    assert first.json() == {"status": "accepted"} and again.json() == {"status": "duplicate"}
    no_more_calls(service, platform, expected=1)
    assert len(engine.history) == 1


@pytest.mark.parametrize("body", [(PAYLOADS / "lanying" / "from_ai.json").read_bytes(),
                                  lanying_body(**{"from": {"uid": int(BOT_UID)}}),
                                  (PAYLOADS / "lanying" / "to_other_user.json").read_bytes()],
                         ids=["ai-marked", "from-the-bot", "for-someone-else"])
def test_the_bots_own_messages_and_others_are_ignored(service, platform, engine, body):
    response = post_lanying(service, body)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    no_more_calls(service, platform, expected=0)
    assert engine.history == []


def streamed(scripted, platform, every: float) -> list[dict]:
    """What the fake platform got for a 25-word answer streamed with ``update_every=every``."""
    whole = " ".join(f"word{i}" for i in range(25))
    scripted.engine.enqueue(whole)
    with BotService.start(make_bot(scripted), settings_for(platform), update_every=every) as service:
        assert post_lanying(service, lanying_body()).status_code == 200
        wait_until(lambda: platform.calls and platform.calls[-1]["json"]["content"] == whole,
                   lambda: f"the whole answer to reach the platform; it got {platform.calls}")
    return [call["json"] for call in platform.calls]


@pytest.mark.parametrize("wrap", [False, True], ids=["msg_ids", "data.msg_ids"])
def test_a_long_answer_streams_as_one_message_and_its_updates(scripted, platform, wrap):
    platform.wrap = wrap
    first, *updates = streamed(scripted, platform, every=0)  # no pause between updates: one per piece
    pieces = [f"word{i} " for i in range(24)] + ["word24"]
    assert first["content_type"] == 0 and first["content"] == "word0 "
    assert all(u["content_type"] == 11 and u["related_mid"] == "mid-1" for u in updates)
    assert [u["content"] for u in updates] == ["".join(pieces[:n]) for n in range(2, 26)]


def test_updates_wait_for_update_every(scripted, platform):
    # With an endless pause, the first piece goes out at once and the rest only as the final update.
    first, *updates = streamed(scripted, platform, every=math.inf)
    assert first["content"] == "word0 "
    assert [u["content"] for u in updates] == [" ".join(f"word{i}" for i in range(25))]


def test_the_callback_is_acknowledged_before_the_model_answers(service, platform, engine, monkeypatch):
    gate, original = threading.Event(), engine.generate

    def held(prompt, sampling, cancel=None):  # the model says nothing until the test opens the gate
        inner = original(prompt, sampling, cancel)

        def run(gen):
            gate.wait(30)  # a guard against a hang: the test opens it
            yield from inner
            gen.finish_reason, gen.tokens = inner.finish_reason, inner.tokens

        return Generation(run, inner.cancel)

    monkeypatch.setattr(engine, "generate", held)
    engine.enqueue("Slowly.")
    try:
        response = post_lanying(service, lanying_body())
        assert response.status_code == 200 and response.json() == {"status": "accepted"}
        wait_until(lambda: engine.history, "the bot to ask the model")
        assert platform.calls == []  # acknowledged while the model was still held
    finally:
        gate.set()
    [call] = platform.wait_for(1)
    assert call["json"]["content"] == "Slowly."


# --- the other platforms -----------------------------------------------------------------

def test_the_webhook_answers_in_the_response(service, engine):
    engine.enqueue("Free shipping from 25 euros.")
    body = (PAYLOADS / "webhook" / "text.json").read_bytes()
    url = f"{service.url}/webhook"
    response = httpx.post(url, content=body, headers=webhook.sign(WEBHOOK_SECRET, body))
    assert response.status_code == 200
    assert response.json() == {"reply_to": "m-0001", "text": "Free shipping from 25 euros."}
    assert httpx.post(url, content=body, headers=webhook.sign(WEBHOOK_SECRET, body)).status_code == 409
    assert httpx.post(url, content=body, headers=webhook.sign("wrong", body)).status_code == 401
    bad = (PAYLOADS / "webhook" / "missing_text.json").read_bytes()
    assert httpx.post(url, content=bad, headers=webhook.sign(WEBHOOK_SECRET, bad)).status_code == 400


def test_a_refusal_reaches_the_webhook_as_429_with_retry_after(scripted, platform):
    with BotService.start(make_bot(scripted, rate=(1, 60)), settings_for(platform)) as service:
        answers = []
        for n in (1, 2):
            body = json.dumps({"message_id": f"m-{n}", "user_id": "u-1", "text": "Hi"}).encode()
            answers.append(httpx.post(f"{service.url}/webhook", content=body,
                                      headers=webhook.sign(WEBHOOK_SECRET, body)))
    assert answers[0].status_code == 200
    assert answers[1].status_code == 429 and 0 < int(answers[1].headers["retry-after"]) <= 60
    assert answers[1].json()["text"].startswith("You have sent 1 messages within 1 minute.")


def test_the_webhook_status_follows_the_outcome_not_the_words(scripted, platform):
    def post(service, n: int) -> httpx.Response:
        body = json.dumps({"message_id": f"m-{n}", "user_id": "u-1", "text": "Are you there?"}).encode()
        return httpx.post(f"{service.url}/webhook", content=body, headers=webhook.sign(WEBHOOK_SECRET, body))

    scripted.engine.enqueue(APOLOGY)  # a model may answer with the apology's very words
    with BotService.start(make_bot(scripted), settings_for(platform)) as service:
        answered = post(service, 1)
    with BotService.start(make_bot(scripted, key="sk-wrong-key-for-this-test"), settings_for(platform)) as service:
        failed = post(service, 2)
    assert answered.status_code == 200 and answered.json()["text"] == APOLOGY
    assert failed.status_code == 502 and failed.json()["text"] == APOLOGY


def test_feishu_gets_its_challenge_and_replies_to_the_message(service, platform, engine):
    engine.enqueue("Use the tracking link.")
    url = f"{service.url}/feishu/events"
    verification = json.loads((PAYLOADS / "feishu" / "url_verification.json").read_text())
    challenge = httpx.post(url, content=json.dumps({**verification, "token": FEISHU_TOKEN}))
    assert challenge.json() == {"challenge": "ajls384kdjx98XX"}
    assert httpx.post(url, content=feishu_body()).json() == {"status": "accepted"}
    fetch, call = platform.wait_for(2)
    assert fetch["path"] == feishu.TOKEN_PATH and fetch["json"] == {"app_id": APP_ID, "app_secret": APP_SECRET}
    assert call["path"] == "/open-apis/im/v1/messages/om_5ce6d572455d361153b7cb51da133945/reply"
    assert call["headers"]["authorization"] == f"Bearer {platform.issued[0]}"
    assert call["json"] == {"msg_type": "text", "content": json.dumps({"text": "Use the tracking link."})}
    assert httpx.post(url, content=feishu_body(token="guess")).status_code == 401
    assert httpx.post(url, content=b"not json").status_code == 400


def dingtalk_request(name: str, webhook_url: str | None = None, secret: str = DINGTALK_SECRET):
    data = json.loads((PAYLOADS / "dingtalk" / f"{name}.json").read_text())
    data["sessionWebhookExpiredTime"] = int((time.time() + 3600) * 1000)
    if webhook_url:
        data["sessionWebhook"] = webhook_url
    stamp = str(int(time.time() * 1000))
    return json.dumps(data).encode(), {"timestamp": stamp, "sign": dingtalk.signature(stamp, secret)}


def test_dingtalk_is_answered_on_its_session_webhook(service, platform, engine):
    engine.enqueue("Yes, until it ships.")
    body, headers = dingtalk_request("text_group", f"{platform.url}/robot/sendBySession?session={SESSION}")
    assert httpx.post(f"{service.url}/dingtalk/messages", content=body, headers=headers).status_code == 200
    [call] = platform.wait_for(1)
    assert call["path"] == f"/robot/sendBySession?session={SESSION}"
    assert call["json"] == {"msgtype": "text", "text": {"content": "Yes, until it ships."}}


def test_dingtalk_refuses_a_session_webhook_elsewhere_before_the_model(service, platform, engine):
    body, headers = dingtalk_request("forged_webhook")
    response = httpx.post(f"{service.url}/dingtalk/messages", content=body, headers=headers)
    assert response.status_code == 401 and "sessionWebhook" in response.json()["error"]
    body, headers = dingtalk_request("text_group", secret="wrong")
    assert httpx.post(f"{service.url}/dingtalk/messages", content=body, headers=headers).status_code == 401
    assert engine.history == [] and platform.calls == []


# --- settings ------------------------------------------------------------------------------

def test_a_platform_without_settings_answers_404_naming_the_variables(scripted, platform):
    settings = BotSettings(webhook_secret=WEBHOOK_SECRET)
    with BotService.start(make_bot(scripted), settings) as service:
        response = httpx.post(f"{service.url}/feishu/events", content=feishu_body())
        health = httpx.get(f"{service.url}/health").json()
        assert service.callback_urls() == {"webhook": f"{service.url}/webhook"}
    assert response.status_code == 404
    assert "FEISHU_VERIFICATION_TOKEN, FEISHU_APP_ID and FEISHU_APP_SECRET" in response.json()["error"]
    assert health == {"status": "ok", "platforms": ["webhook"], "pending": 0}


def test_settings_come_from_the_environment_and_dotenv(monkeypatch, tmp_path):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(f"LANYING_APP_ID=demoapp01\nLANYING_BOT_USER_ID={BOT_UID}\n"
                                   f"LANYING_ADMIN_TOKEN={ADMIN_TOKEN}\nDINGTALK_APP_SECRET={DINGTALK_SECRET}\n")
    monkeypatch.setenv("LANYING_CALLBACK_SIGNATURE", SIGNATURE)
    monkeypatch.setenv("FEISHU_VERIFICATION_TOKEN", FEISHU_TOKEN)
    monkeypatch.setenv("FEISHU_APP_ID", APP_ID)
    settings = BotSettings.from_env()
    assert settings.enabled() == ["lanying", "dingtalk"]
    assert settings.lanying.admin_token == ADMIN_TOKEN and settings.lanying.endpoint == lanying.Settings.endpoint
    assert "LANYING_ADMIN_TOKEN" not in os.environ
    assert settings.why_off("feishu").startswith("Feishu is not enabled on this bot: set FEISHU_APP_SECRET ")
    shown = repr(settings)
    assert "admin token …" in shown and "feishu=off" in shown
    assert not any(secret in shown for secret in SECRETS)


# --- many users, failures, and what the logs say ---------------------------------------------

def test_fifty_users_with_three_messages_each_get_three_answers_in_order(service, platform):
    users = [f"ou_user{u:02d}" for u in range(50)]

    def send(user: str) -> None:
        with httpx.Client() as client:
            for k in range(3):
                body = feishu_body(user=user, msg_id=f"om_{user}_{k}", text=f"question {k}")
                assert client.post(f"{service.url}/feishu/events", content=body).status_code == 200

    threads = [threading.Thread(target=send, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = platform.wait_for(len(users) * 3 + 1, timeout=30)
    assert platform.paths().count("token") == 1  # 50 users on 4 workers, one tenant access token
    bot = service.app.state.context.bot
    for user in users:
        answered = [c["path"].split("/")[-2] for c in calls if f"om_{user}_" in c["path"]]
        assert answered == [f"om_{user}_{k}" for k in range(3)]
        chat = "feishu:oc_5ce6d572455d361153b7xx51da133945"  # the payload's chat_id: memory is per user and chat
        asked = [t["content"] for t in bot.conversation(f"feishu:{user}", chat).turns if t["role"] == "user"]
        assert asked == ["question 0", "question 1", "question 2"]


def test_workers_bound_concurrency_and_keep_each_keys_order():
    workers, lock, running, peak, done = Workers(size=3), threading.Lock(), [0], [0], []

    def job(key: str, n: int):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
            done.append((key, n))

    futures = [workers.submit(key, lambda key=key, n=n: job(key, n)) for n in range(4) for key in "abcdef"]
    for future in futures:
        future.result(timeout=5)
    workers.close()
    assert peak[0] == 3
    for key in "abcdef":
        assert [n for k, n in done if k == key] == [0, 1, 2, 3]


def test_failures_are_told_to_the_user_and_logged_without_secrets(scripted, platform, caplog):
    caplog.set_level(logging.DEBUG)
    wrong_key = "sk-wrong-key-Lm4nB7vC1xZ9qW3e5r"
    settings = settings_for(platform)
    with BotService.start(make_bot(scripted, key=wrong_key), settings, retry_pause=0.01) as service:
        post_lanying(service, lanying_body(), signature="guess")
        assert post_lanying(service, lanying_body()).status_code == 200
        [apology] = platform.wait_for(1)
        platform.fail = 2  # the first delivery and its one retry both fail
        body, headers = dingtalk_request("text_group", f"{platform.url}/robot/sendBySession?session={SESSION}")
        httpx.post(f"{service.url}/dingtalk/messages", content=body, headers=headers)
        platform.wait_for(3)
        assert post_lanying(service, lanying_body(msg_id="after")).status_code == 200
        platform.wait_for(4)  # the service goes on after a failed delivery
        shown = repr(service) + repr(settings) + repr(service.settings)
    assert apology["json"]["content"] == APOLOGY
    assert "The model could not answer lanying user" in caplog.text and "API key" in caplog.text
    assert "Could not deliver a reply to" in caplog.text and "HTTP 500, 2 attempts" in caplog.text
    assert "Refused a Lanying request" in caplog.text
    for secret in [*SECRETS, wrong_key]:
        assert secret not in caplog.text and secret not in shown


def test_a_body_over_the_cap_is_refused_unread(service, engine):
    response = post_lanying(service, b"x" * (MAX_BODY + 1))
    assert response.status_code == 413 and "64 KB" in response.json()["error"]
    chunked = httpx.post(f"{service.url}/lanying/messages", headers={"signature": SIGNATURE},
                         content=(b"x" * 1024 for _ in range(100)))  # no content-length: counted while read
    assert chunked.status_code == 413
    assert engine.history == []


@pytest.mark.parametrize("module", [settings_module, workers_module], ids=["settings", "workers"])
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_the_cli_has_a_bot_group(capsys):
    assert main(["bot"]) == 0
    assert "serve" in capsys.readouterr().out


def test_bot_serve_prints_the_callback_urls_with_secrets_masked_and_stops_on_ctrl_c(tmp_path):
    (tmp_path / ".env").write_text(f"CHATKIT_WEBHOOK_SECRET={WEBHOOK_SECRET}\nDINGTALK_APP_SECRET={DINGTALK_SECRET}\n")
    env = {k: v for k, v in os.environ.items() if k not in NAMES}  # only the .env above counts
    proc = subprocess.Popen([sys.executable, "-m", "chatkit", "bot", "serve", "--port", "0"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(7)]  # the first line and one per platform
        url = re.search(r"http://127\.0\.0\.1:\d+", lines[0]).group(0)
        assert httpx.get(f"{url}/health").json()["platforms"] == ["dingtalk", "webhook"]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    printed = "".join(lines) + out + err
    assert proc.returncode == 0 and out.endswith("Bot stopped.\n") and "Traceback" not in err
    assert f"  Webhook   {url}/webhook  (secret …{WEBHOOK_SECRET[-4:]})\n" in lines
    assert f"  DingTalk  {url}/dingtalk/messages  (app secret …{DINGTALK_SECRET[-4:]})\n" in lines
    assert "  Lanying   off: set LANYING_APP_ID, LANYING_BOT_USER_ID, LANYING_ADMIN_TOKEN and " in printed
    assert not any(secret in printed for secret in SECRETS)
