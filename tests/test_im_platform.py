"""The local chat platform over real HTTP on loopback: the page, callbacks to a bot, /message/send."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys

import httpx
import pytest

from chatkit.bot.platforms import Forged, lanying
from chatkit.im import Credentials, LocalPlatform
from chatkit.im.scripted import ScriptedBot
from support import wait_until

ALICE = "8589934610"


@pytest.fixture
def im():
    with LocalPlatform.start() as platform:
        yield platform


@pytest.fixture
def http():
    with httpx.Client(timeout=5, trust_env=False) as client:
        yield client


def settings(im: LocalPlatform, token: str | None = None) -> lanying.Settings:
    env = im.env()
    return lanying.Settings(env["LANYING_APP_ID"], env["LANYING_BOT_USER_ID"], token or env["LANYING_ADMIN_TOKEN"],
                            env["LANYING_CALLBACK_SIGNATURE"], endpoint=env["LANYING_API_ENDPOINT"])


def incoming(text: str = "hi", user: str = ALICE) -> lanying.Incoming:
    return lanying.Incoming("lanying", "1", user, f"app:{user}", text)


def call(http: httpx.Client, out) -> httpx.Response:
    return http.request(out.method, out.url, headers=out.headers, json=out.json)


def say(http, im, text: str, user: str = ALICE) -> dict:
    answer = http.post(im.url + "api/messages", json={"from": user, "text": text})
    assert answer.status_code == 201, answer.text
    return answer.json()


def delivery_of(im, message: dict, final=("delivered", "failed", "not_sent")) -> dict:
    return wait_until(lambda: (d := im.store.get(message["id"])["delivery"])["status"] in final and d,
                      f"delivery of {message['id']}")


def next_event(lines, predicate) -> dict:
    """The first event of the page's stream that ``predicate`` accepts."""
    for line in lines:
        if line.startswith("data: ") and predicate(event := json.loads(line[6:])):
            return event
    raise AssertionError("the event stream ended")


def test_the_page_is_served_and_needs_no_internet(im, http):
    page = http.get(im.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "imitation of Lanying IM" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "style.css"):
        asset = http.get(im.url + f"static/{name}")
        assert asset.status_code == 200
        assert not re.search(r"https?://", asset.text), f"{name} loads something from the network"
    assert not re.search(r"(src|href)=\"https?://", page.text)
    assert http.get(im.url + "static/server.py").status_code == 404
    state = http.get(im.url + "api/state").json()
    assert [u["name"] for u in state["users"] if u["is_bot"]] == ["Shop assistant (bot)"]
    assert len([u for u in state["users"] if not u["is_bot"]]) >= 3


def test_a_customer_message_reaches_the_bot_as_a_signed_lanying_callback(im, http):
    with ScriptedBot.start() as bot:  # no settings: it only records
        im.bot_webhook = bot.url
        sent = say(http, im, "How do I reset my password?")
        assert delivery_of(im, sent)["status"] == "delivered"
    request = bot.history[0]
    assert request["path"] == "/lanying/messages"
    secret = im.credentials.callback_signature
    lanying.verify(request["headers"], request["body"], secret)  # raises Forged if not signed
    with pytest.raises(Forged):
        lanying.verify(request["headers"], request["body"], secret + "x")
    got = lanying.parse(request["body"], im.credentials.bot_user_id)
    assert (got.text, got.user_id, got.message_id, got.is_from_bot) == (
        "How do I reset my password?", ALICE, sent["id"], False)
    body = json.loads(request["body"])
    assert body == {"msgId": sent["id"], "appId": im.credentials.app_id, "from": {"uid": int(ALICE)},
                    "to": {"uid": int(im.credentials.bot_user_id)}, "type": "CHAT", "ctype": "TEXT",
                    "content": "How do I reset my password?", "ext": ""}


def test_send_message_needs_the_app_id_and_the_admin_token(im, http):
    right = lanying.reply(settings(im), incoming(), "Hello")
    for headers in ({}, {**right.headers, "access-token": "wrong-token"},
                    {**right.headers, "app_id": "another-app"}, {"app_id": right.headers["app_id"]}):
        answer = http.post(right.url, headers=headers, json=right.json)
        assert answer.status_code == 401
        assert "LANYING_ADMIN_TOKEN" in answer.json()["message"]
        assert im.credentials.admin_token not in answer.text
    assert im.store.messages() == []


def test_a_reply_appears_on_the_page_and_updates_replace_its_text(im, http):
    with http.stream("GET", im.url + "api/events") as stream:
        lines = stream.iter_lines()
        first = call(http, lanying.reply(settings(im), incoming(), "To reset"))
        assert first.status_code == 200 and first.json()["code"] == 200
        mid = lanying.sent_id(first.json())
        shown = next_event(lines, lambda e: e["message"]["id"] == mid)["message"]
        assert (shown["text"], shown["from"], shown["to"]) == ("To reset", im.credentials.bot_user_id, ALICE)
        assert json.loads(shown["ext"]) == lanying.AI_EXT
        again = call(http, lanying.update(settings(im), incoming(), mid, "To reset it, open Settings."))
        assert again.status_code == 200 and lanying.sent_id(again.json()) == mid
        shown = next_event(lines, lambda e: e["message"]["id"] == mid and e["message"]["updates"] == 1)["message"]
        assert shown["text"] == "To reset it, open Settings."
    [stored] = http.get(im.url + "api/state").json()["messages"]
    assert stored["text"] == "To reset it, open Settings."
    missing = call(http, lanying.update(settings(im), incoming(), "12345", "lost"))
    assert missing.status_code == 404 and "12345" in missing.json()["message"]


def test_badly_shaped_sends_get_a_400_that_says_what_is_wrong(im, http):
    out = lanying.reply(settings(im), incoming(), "Hi")
    cases = {"[]": "JSON object", json.dumps({**out.json, "type": 2}): "type",
             json.dumps({**out.json, "targets": []}): "targets",
             json.dumps({**out.json, "targets": ["42"]}): "not a user",
             json.dumps({**out.json, "from_user_id": True}): "from_user_id",
             json.dumps({**out.json, "content_type": 5}): "content_type",
             json.dumps({**out.json, "content": None}): "content",
             json.dumps({**out.json, "content": "x" * 6000}): "limit",
             json.dumps({**out.json, "ext": {"ai": 1}}): "ext",
             json.dumps({**out.json, "content_type": 11}): "related_mid",
             '{"type": 1': "not valid JSON", "[" * 5000: "not valid JSON"}
    for body, says in cases.items():
        answer = http.post(out.url, headers=out.headers, content=body)
        assert answer.status_code == 400, body[:80]
        assert says in answer.json()["message"], (body[:80], answer.json())
    huge = http.post(out.url, headers=out.headers, content=b" " * (65 * 1024))
    assert huge.status_code == 413
    assert im.store.messages() == []


def test_a_failed_delivery_is_retried_once_and_shown_with_its_reason(im, http):
    with ScriptedBot.start(status=500) as bot:
        im.bot_webhook = bot.url
        delivery = delivery_of(im, say(http, im, "Anyone there?"))
    assert delivery["status"] == "failed"
    assert "500" in delivery["reason"] and "tried twice" in delivery["reason"]
    assert len(bot.history) == 2
    im.bot_webhook = bot.url  # stopped: nothing listens there any more
    delivery = delivery_of(im, say(http, im, "Hello?"))
    assert delivery["status"] == "failed" and "Could not reach the bot" in delivery["reason"]
    im.bot_webhook = None
    delivery = delivery_of(im, say(http, im, "Hello??"))
    assert delivery["status"] == "not_sent" and "--bot URL" in delivery["reason"]
    shown = {m["text"]: m["delivery"]["status"] for m in http.get(im.url + "api/state").json()["messages"]}
    assert shown == {"Anyone there?": "failed", "Hello?": "failed", "Hello??": "not_sent"}


def test_the_scripted_bot_answers_through_the_platform_as_a_growing_message(im, http):
    with ScriptedBot.start(im, words=2) as bot:
        bot.enqueue("Open Settings, then Security, then Reset.")
        say(http, im, "How do I reset my password?")
        reply = wait_until(lambda: [m for m in im.store.messages() if m["from"] == im.credentials.bot_user_id
                                    and m["text"] == "Open Settings, then Security, then Reset."], "the full reply")
    assert reply[0]["updates"] == 2 and reply[0]["to"] == ALICE
    assert len(bot.sent) == 3 and not bot.errors


def test_the_page_api_refuses_other_web_sites(im, http):
    message, url = {"from": ALICE, "text": "spend my tokens"}, im.url + "api/messages"
    assert http.post(url, json=message, headers={"origin": "http://evil.example"}).status_code == 403
    assert http.post(url, json=message, headers={"host": "evil.example"}).status_code == 403  # DNS rebinding
    assert http.post(url, content=json.dumps(message), headers={"content-type": "text/plain"}).status_code == 415
    assert http.get(im.url + "api/state", headers={"host": "rebound.example:8788"}).status_code == 403
    assert http.post(url, json=message, headers={"origin": im.url.rstrip("/")}).status_code == 201  # its own page
    bot_as_sender = http.post(url, json={"from": im.credentials.bot_user_id, "text": "hi"})
    assert bot_as_sender.status_code == 400
    assert [m["text"] for m in im.store.messages()] == ["spend my tokens"]


def test_credentials_stay_masked_and_are_saved_privately(im, tmp_path):
    secrets = (im.credentials.admin_token, im.credentials.callback_signature)
    shown = repr(im) + repr(im.credentials) + "\n".join(im.env_lines())
    assert not any(secret[:12] in shown or secret[-12:] in shown for secret in secrets)
    assert im.env()["LANYING_ADMIN_TOKEN"] == secrets[0]
    assert im.env()["LANYING_API_ENDPOINT"] == im.url.rstrip("/")
    path = im.save_env(tmp_path / "bot.env")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "bot.env" in (tmp_path / ".gitignore").read_text()
    given = LocalPlatform.start(app_id="demo", admin_token="t" * 32, callback_signature="s" * 32, bot_user_id="7")
    with given:
        assert given.credentials == Credentials("demo", "7", "t" * 32, "s" * 32)


def test_the_command_prints_secrets_masked_and_writes_them_to_the_env_file(tmp_path):
    env_file = tmp_path / "bot.env"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen([sys.executable, "-m", "chatkit", "im", "serve", "--port", "0", "--env-file", str(env_file)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as process:
        printed = ""
        for line in process.stdout:
            printed += line
            if "Point the bot at that file" in line:
                break
        process.terminate()
        printed += process.communicate(timeout=10)[0]
    assert "Local chat platform stopped." in printed, printed
    saved = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert stat.S_IMODE(os.stat(env_file).st_mode) == 0o600
    for name in ("LANYING_ADMIN_TOKEN", "LANYING_CALLBACK_SIGNATURE"):
        assert saved[name][:12] not in printed and saved[name][-12:] not in printed
        assert f"{name}=…{saved[name][-4:]}" in printed
    assert f"LANYING_APP_ID={saved['LANYING_APP_ID']}" in printed


def test_the_env_file_of_a_real_lanying_app_is_not_replaced(tmp_path, capsys):
    from chatkit.__main__ import main

    env_file = tmp_path / ".env"
    env_file.write_text("LANYING_API_ENDPOINT=https://s-1-3-api.maximtop.cn\nLANYING_ADMIN_TOKEN=real\n")
    assert main(["im", "serve", "--port", "0", "--env-file", str(env_file)]) == 1
    assert "real Lanying IM app" in capsys.readouterr().err
    assert "LANYING_ADMIN_TOKEN=real" in env_file.read_text()
