"""The local chat platform imitating each platform, end to end and offline: a customer's message on the
page reaches chatkit's real bot service through that platform's callback, the bot answers through that
platform's API, and the answer shows on the page. The bot reads only the .env the platform wrote.

The model is the scripted sandbox (``scripted`` fixture); everything runs over real HTTP on loopback.
"""

from __future__ import annotations

import doctest
import importlib
import json

import httpx
import openai
import pytest
from dotenv import dotenv_values

from chatkit.bot import Bot, BotService, Shop
from chatkit.bot.platforms import feishu as feishu_adapter
from chatkit.bot.service import PATHS
from chatkit.bot.settings import REQUIRED, BotSettings
from chatkit.im import LocalPlatform
from chatkit.im import feishu as feishu_side
from chatkit.im import wecom as wecom_side
from chatkit.im.server import SIDES
from support import wait_until

QUESTION, ANSWER = "When are you open on Sunday?", "We open at 11:00 on Sundays."
# The API each platform's bot answers through.
REPLY_PATHS = {"lanying": "/message/send", "feishu": "/open-apis/im/v1/messages/om_{id}/reply",
               "dingtalk": "/robot/sendBySession", "wecom": "/cgi-bin/message/send"}
# platform name, and how to make its credentials (None: the default ones)
IMITATIONS = [("lanying", None), ("feishu", None),
              ("feishu", lambda: feishu_side.Credentials.generate(encrypt=True)), ("dingtalk", None), ("wecom", None)]
IDS = ["lanying", "feishu", "feishu-encrypted", "dingtalk", "wecom"]


def make_bot(box, **options) -> Bot:
    client = openai.OpenAI(api_key=box.key, base_url=box.base_url, max_retries=0)
    return Bot(client, Shop.example(), model=box.engine.model_id, encoding="o200k_base", **options)


def start(platform: str, credentials=None) -> LocalPlatform:
    return LocalPlatform.start(platform=platform, credentials=credentials() if credentials else None)


def answers(im: LocalPlatform, question: dict) -> list[str]:
    """The texts of the bot's messages to the customer who asked ``question``, oldest first."""
    return [m["text"] for m in im.store.messages() if m["from"] == question["to"] and m["to"] == question["from"]]


def bot_reading_env(im: LocalPlatform, scripted, env_file) -> BotService:
    """chatkit's bot service, set up from nothing but the .env the platform wrote (as `bot serve` is)."""
    im.save_env(env_file)
    settings = BotSettings.from_env(env_file)
    assert settings.enabled() == [im.platform]
    service = BotService.start(make_bot(scripted), settings, update_every=0.05, retry_pause=0.01)
    im.bot_webhook = service.url
    return service


@pytest.mark.parametrize("platform, credentials", IMITATIONS, ids=IDS)
def test_a_customer_message_is_answered_through_the_platforms_own_api(scripted, tmp_path, platform, credentials):
    scripted.engine.enqueue(ANSWER)
    with start(platform, credentials) as im, bot_reading_env(im, scripted, tmp_path / ".env"):
        question = im.send("Alice Martin", QUESTION)
        wait_until(lambda: answers(im, question) == [ANSWER],
                   lambda: f"the answer on the page; it shows {answers(im, question)}, calls {im.calls}")
        calls = im.calls
    assert scripted.engine.history[-1][-1] == {"role": "user", "content": QUESTION}
    callback = next(c for c in calls if c["to"] == "bot" and c["path"] == PATHS[platform] and "body" in c
                    and QUESTION in json.dumps(c["body"], ensure_ascii=False))
    assert callback["status"] == 200
    reply_path = REPLY_PATHS[platform].format(id=question["id"])
    assert {"to": "platform", "method": "POST", "path": reply_path, "status": 200} in calls


@pytest.mark.parametrize("platform, credentials", IMITATIONS, ids=IDS)
def test_a_callback_signed_with_another_secret_is_refused_by_the_bot(scripted, platform, credentials):
    with start(platform, credentials) as im, start(platform, credentials) as other, \
            BotService.start(make_bot(scripted), other.bot_settings()) as service:
        im.bot_webhook = service.url  # the bot holds the other platform's secrets
        question = im.send("Alice Martin", QUESTION)
        delivery = wait_until(lambda: (d := im.store.get(question["id"])["delivery"])["status"] == "failed" and d,
                              "the failed delivery")
    assert "401" in delivery["reason"]
    assert scripted.engine.history == []  # refused before the model was asked
    assert [c["status"] for c in im.calls if c["to"] == "bot"][-1] == 401


def test_the_env_file_holds_exactly_what_the_bot_reads_and_the_screen_no_secret(tmp_path):
    for platform, credentials in IMITATIONS:
        with start(platform, credentials) as im:
            path = im.save_env(tmp_path / f"{platform}.env")
            saved = dotenv_values(path)
            endpoint = type(im.credentials).ENDPOINT
            extra = {"FEISHU_ENCRYPT_KEY"} if getattr(im.credentials, "encrypt_key", "") else set()
            assert set(saved) == {*REQUIRED[platform], endpoint, *extra}
            assert saved[endpoint] in (im.url.rstrip("/"), "127.0.0.1")
            shown = "\n".join(im.env_lines(masked=True)) + repr(im.credentials) + repr(im)
            secrets = [value for name in im.credentials.SECRETS if (value := getattr(im.credentials, name))]
            assert secrets and all(secret in saved.values() for secret in secrets)  # written in full
            assert not any(secret in shown for secret in secrets), platform  # shown masked


def test_with_an_encrypt_key_feishu_events_are_encrypted_and_signed_and_the_challenge_only_encrypted():
    with start("feishu", lambda: feishu_side.Credentials.generate(encrypt=True)) as im:
        im.bot_webhook = "http://127.0.0.1:9/"  # never called: the requests are only built
        state, key = im.app.state, im.credentials.encrypt_key
        message = im.store.add("8589934610", "8589934592", QUESTION)
        call = feishu_side.callback(state, message)
        sealed = json.loads(call.body)
        assert list(sealed) == ["encrypt"] and QUESTION not in call.body.decode()
        event = json.loads(feishu_adapter.decrypt(key, sealed["encrypt"]))
        assert event["header"]["event_type"] == "im.message.receive_v1"
        assert json.loads(event["event"]["message"]["content"]) == {"text": QUESTION}
        feishu_adapter.verify(call.headers, call.body, im.credentials.verification_token, encrypt_key=key)
        check = feishu_side._call(state, {"type": "url_verification", "challenge": "c", "token": "t"}, signed=False)
        assert list(json.loads(check.body)) == ["encrypt"] and "X-Lark-Signature" not in check.headers


# --- Feishu's tenant access tokens --------------------------------------------------------------

def test_an_expired_feishu_token_is_refused_renewed_and_the_answer_sent_once(scripted, tmp_path):
    with start("feishu") as im, bot_reading_env(im, scripted, tmp_path / ".env"):
        first = im.send("Alice Martin", "Hello?")
        wait_until(lambda: answers(im, first) == ["OK"], "the first answer")
        tokens = im.app.state.tokens
        clock = tokens.clock
        tokens.clock = lambda: clock() + feishu_side.LIFE + 1  # two hours later: the bot's token has expired
        second = im.send("Alice Martin", QUESTION)
        wait_until(lambda: answers(im, second)[-1:] == ["OK"] and len(answers(im, second)) == 2, "the second answer")
        calls = [(c["path"], c["status"]) for c in im.calls if c["to"] == "platform"]
    token, reply = feishu_adapter.TOKEN_PATH, REPLY_PATHS["feishu"]
    assert calls == [(token, 200), (reply.format(id=first["id"]), 200),
                     (reply.format(id=second["id"]), 400), (token, 200), (reply.format(id=second["id"]), 200)]
    assert answers(im, second) == ["OK", "OK"]  # the second answer shown once, not twice


def test_an_expired_wecom_token_gets_42001_is_renewed_and_the_answer_sent_once(scripted, tmp_path):
    with start("wecom") as im, bot_reading_env(im, scripted, tmp_path / ".env"):
        first = im.send("Alice Martin", "Hello?")
        wait_until(lambda: answers(im, first) == ["OK"], "the first answer")
        tokens = im.app.state.tokens
        clock = tokens.clock
        tokens.clock = lambda: clock() + wecom_side.LIFE + 1
        second = im.send("Alice Martin", QUESTION)
        wait_until(lambda: len(answers(im, second)) == 2, "the second answer")
        calls = [(c["path"], c["status"], c.get("code")) for c in im.calls if c["to"] == "platform"]
    token, send = "/cgi-bin/gettoken", "/cgi-bin/message/send"
    # WeCom answers an expired token with HTTP 200 and errcode 42001: the bot renews and sends again, once.
    assert calls == [(token, 200, None), (send, 200, None), (send, 200, wecom_side.EXPIRED), (token, 200, None),
                     (send, 200, None)]
    assert answers(im, second) == ["OK", "OK"]


def test_the_feishu_token_endpoint_renews_only_in_the_last_30_minutes():
    with start("feishu") as im, httpx.Client(trust_env=False) as http:
        tokens, now = im.app.state.tokens, [1000.0]
        tokens.clock = lambda: now[0]
        c = im.credentials
        url = im.url.rstrip("/") + feishu_adapter.TOKEN_PATH

        def fetch(secret=c.app_secret):
            return http.post(url, json={"app_id": c.app_id, "app_secret": secret}).json()
        first = fetch()
        assert first["code"] == 0 and first["expire"] == 7200
        now[0] += 7200 - 30 * 60  # exactly 30 minutes left: the same token
        assert fetch() == {**first, "expire": 30 * 60}
        now[0] += 1
        second = fetch()
        assert second["tenant_access_token"] != first["tenant_access_token"] and second["expire"] == 7200
        assert tokens.valid(first["tenant_access_token"]) and tokens.valid(second["tenant_access_token"])
        wrong = fetch("not-the-secret")
        assert wrong["code"] == feishu_side.WRONG_SECRET and "tenant_access_token" not in wrong
        now[0] += 30 * 60
        assert not tokens.valid(first["tenant_access_token"])


# --- hostile input on the new routes: a clean 4xx in the platform's own shape -------------------

HOSTILE = [b"x" * (65 * 1024), b"[" * 100_000, b"\xff\xfe not json", b'{"msg_type": "text", "content": 7}',
           b'{"msg_type": "text", "content": "' + b"[" * 5000 + b'"}', b"[]"]


def test_hostile_bodies_on_feishus_reply_get_a_4xx_in_feishus_shape():
    with start("feishu") as im, httpx.Client(trust_env=False) as http:
        token, _ = im.app.state.tokens.issue()
        url = im.url.rstrip("/") + "/open-apis/im/v1/messages/om_1/reply"
        for body in HOSTILE:
            answer = http.post(url, content=body, headers={"Authorization": f"Bearer {token}"})
            assert 400 <= answer.status_code < 500 and set(answer.json()) == {"code", "msg"}, body[:40]
        for bearer in ("", "t-unknown"):
            answer = http.post(url, json={"msg_type": "text", "content": "{}"}, headers={"Authorization": bearer})
            code = feishu_side.NO_TOKEN if not bearer else feishu_side.BAD_TOKEN
            assert (answer.status_code, answer.json()["code"]) == (400, code)
        for body in HOSTILE[:3]:
            answer = http.post(im.url.rstrip("/") + feishu_adapter.TOKEN_PATH, content=body)
            assert 400 <= answer.status_code < 500 and set(answer.json()) == {"code", "msg"}


def test_hostile_bodies_and_sessions_on_dingtalks_session_webhook_get_a_4xx_in_dingtalks_shape(scripted):
    with start("dingtalk") as im, BotService.start(make_bot(scripted), im.bot_settings()) as service, \
            httpx.Client(trust_env=False) as http:
        im.bot_webhook = service.url
        question = im.send("Alice Martin", "Hi")
        wait_until(lambda: answers(im, question), "the answer")
        session, _ = im.app.state.sessions.open(question["from"])  # the one the callback carried
        url = im.url.rstrip("/") + "/robot/sendBySession"
        for body in HOSTILE:
            answer = http.post(url, params={"session": session}, content=body)
            assert 400 <= answer.status_code < 500 and set(answer.json()) == {"errcode", "errmsg"}, body[:40]
        for params in ({}, {"session": "forged"}):
            answer = http.post(url, params=params, json={"msgtype": "text", "text": {"content": "spam"}})
            assert answer.status_code == 403 and set(answer.json()) == {"errcode", "errmsg"}
        im.app.state.sessions.clock = lambda: 2e10  # long after the session expired
        answer = http.post(url, params={"session": session}, json={"msgtype": "text", "text": {"content": "late"}})
        assert answer.status_code == 403
    assert "spam" not in json.dumps(im.store.messages()) and "late" not in json.dumps(im.store.messages())


def test_hostile_bodies_and_tokens_on_wecoms_send_get_wecoms_answers():
    with start("wecom") as im, httpx.Client(trust_env=False) as http:
        c, base = im.credentials, im.url.rstrip("/")
        token = http.get(base + "/cgi-bin/gettoken", params={"corpid": c.corp_id, "corpsecret": c.secret}).json()
        assert token["errcode"] == 0 and token["expires_in"] == 7200
        url = base + "/cgi-bin/message/send"
        for body in HOSTILE + [b'{"touser": "@all", "msgtype": "text", "agentid": 1000002, "text": {"content": "x"}}',
                               b'{"touser": "8589934610", "msgtype": "text", "agentid": 7, "text": {"content": "x"}}',
                               b'{"touser": "8589934610", "msgtype": "text", "agentid": true, "text": {}}']:
            answer = http.post(url, params={"access_token": token["access_token"]}, content=body)
            assert 400 <= answer.status_code < 500 and set(answer.json()) == {"errcode", "errmsg"}, body[:40]
        for params, code in (({}, wecom_side.NO_TOKEN), ({"access_token": "forged"}, wecom_side.BAD_TOKEN)):
            answer = http.post(url, params=params, content=b"{}")
            assert (answer.status_code, answer.json()["errcode"]) == (200, code)
        wrong = http.get(base + "/cgi-bin/gettoken", params={"corpid": c.corp_id, "corpsecret": "nope"}).json()
        assert wrong["errcode"] == wecom_side.WRONG_SECRET and "access_token" not in wrong
    assert im.store.messages() == []


def test_a_platform_it_cannot_imitate_is_named_with_the_ones_it_can(capsys):
    from chatkit.__main__ import main
    from chatkit.errors import ChatkitError

    with pytest.raises(ChatkitError) as caught:
        LocalPlatform.start(platform="slack")
    assert "slack" in str(caught.value) and all(name in str(caught.value) for name in SIDES)
    assert main(["im", "serve", "--imitate", "slack", "--port", "0"]) == 1
    assert "slack" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["credentials", "tokens", "page", "server"])
def test_the_docstring_examples_run(name):
    module = importlib.import_module(f"chatkit.im.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
