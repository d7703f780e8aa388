"""Hostile bodies on every route of the bot service: always a clean 4xx, never a 500 or a model call.

Each body below is signed where the platform signs (an attacker who holds a secret, or a
platform bug), so the test reaches the parser and not only the sender check.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

from chatkit.bot.platforms import dingtalk, webhook
from chatkit.im import LocalPlatform
from test_bot_service import (  # noqa: F401 - fixtures
    DINGTALK_SECRET,
    PAYLOADS,
    SIGNATURE,
    WEBHOOK_SECRET,
    engine,
    feishu_body,
    platform,
    service,
)

ROUTES = {"lanying": "/lanying/messages", "feishu": "/feishu/events", "dingtalk": "/dingtalk/messages",
          "webhook": "/webhook"}
DEEP = b"[" * 30_000 + b"]" * 30_000  # within the 64 KB cap, far past Python's recursion limit
DEEP_TEXT = "[" * 20_000 + "]" * 20_000


def post(service, route: str, body: bytes) -> httpx.Response:
    """POST ``body`` to ``route``, signed as the platform signs (Feishu's token is inside the body)."""
    if route == "lanying":
        headers = {"signature": SIGNATURE}
    elif route == "dingtalk":
        stamp = str(int(time.time() * 1000))
        headers = {"timestamp": stamp, "sign": dingtalk.signature(stamp, DINGTALK_SECRET)}
    elif route == "webhook":
        headers = webhook.sign(WEBHOOK_SECRET, body)
    else:
        headers = {}
    return httpx.post(service.url + ROUTES[route], content=body, headers=headers)


def refused(response: httpx.Response) -> str:
    """The error message of a clean 4xx in the bot's shape."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text
    return response.json()["error"]


def payload(route: str, edit) -> bytes:
    """A real-shape message for ``route`` after ``edit(data)`` changed it."""
    if route == "feishu":
        data = json.loads(feishu_body())
    elif route == "dingtalk":
        data = json.loads((PAYLOADS / "dingtalk" / "text_group.json").read_text())
        data["sessionWebhookExpiredTime"] = int((time.time() + 3600) * 1000)
        data["sessionWebhook"] = "http://127.0.0.1:9/robot/sendBySession"  # an allowed host: the body is read
    else:
        data = json.loads((PAYLOADS / route / "text.json").read_text())
    edit(data)
    return json.dumps(data).encode()


def nothing_happened(engine, platform) -> None:
    assert engine.history == [] and platform.calls == []


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", [DEEP, b'{"a":' * 10_000 + b"1" + b"}" * 10_000], ids=["array", "object"])
def test_deeply_nested_json_is_a_400_on_every_route(service, platform, engine, route, body):
    assert "JSON object" in refused(post(service, route, body))
    nothing_happened(engine, platform)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", [b"[]", b'"text"', b"null", b"1" + b"0" * 5000, b'{"a": "\xff"}', b"\xff\xfe\x00",
                                  b'{"msgId": NaN}'],
                         ids=["array", "string", "null", "huge-number", "not-utf8", "bom", "nan"])
def test_a_body_that_is_not_a_json_object_is_a_400(service, platform, engine, route, body):
    refused(post(service, route, body))
    nothing_happened(engine, platform)


def feishu_content(content):
    return lambda data: data["event"]["message"].update(content=content)


def lanying(**changes):
    return lambda data: data.update(changes)


def dingtalk_text(content):
    return lambda data: data.update(text={"content": content})


def test_deeply_nested_json_inside_feishus_content_is_a_400(service, platform, engine):
    refused(post(service, "feishu", payload("feishu", feishu_content(DEEP_TEXT))))
    nothing_happened(engine, platform)


def test_deeply_nested_json_in_lanyings_ext_only_means_no_marker(service, platform, engine):
    """ext is the app's own free text: what is not a JSON object there carries no "written by AI" mark."""
    assert post(service, "lanying", payload("lanying", lanying(ext=DEEP_TEXT))).json() == {"status": "accepted"}
    platform.wait_for(1)


WRONG_TYPES = {
    "lanying-content": ("lanying", lanying(content={"text": "hi"})),
    "lanying-uid": ("lanying", lanying(**{"from": {"uid": [1, 2]}})),
    "lanying-uid-float": ("lanying", lanying(**{"from": {"uid": 1e308 * 10}})),
    "lanying-msgid": ("lanying", lanying(msgId={"id": 1})),
    "lanying-surrogate": ("lanying", lanying(content="\ud800 hi")),
    "feishu-content-number": ("feishu", feishu_content(5)),
    "feishu-text-list": ("feishu", feishu_content(json.dumps({"text": ["hi"]}))),
    "feishu-open-id": ("feishu", lambda d: d["event"]["sender"]["sender_id"].update(open_id={"x": 1})),
    "dingtalk-text": ("dingtalk", dingtalk_text({"deep": [1]})),
    "dingtalk-webhook": ("dingtalk", lambda d: d.update(sessionWebhook=["https://oapi.dingtalk.com/robot"])),
    "dingtalk-bad-url": ("dingtalk", lambda d: d.update(sessionWebhook="https://[oapi.dingtalk.com/robot")),
    "dingtalk-sender": ("dingtalk", lambda d: d.update(senderStaffId=["manager4521"], senderId={"id": 1})),
    "webhook-text": ("webhook", lambda d: d.update(text=5)),
    "webhook-surrogate": ("webhook", lambda d: d.update(user_id="\udfff")),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_a_field_of_the_wrong_type_is_a_400(service, platform, engine, case):
    route, edit = WRONG_TYPES[case]
    refused(post(service, route, payload(route, edit)))
    nothing_happened(engine, platform)


def drop(*path):
    def edit(data):
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]
    return edit


NO_SENDER = {
    "lanying-no-from": ("lanying", drop("from")),
    "lanying-empty-uid": ("lanying", lanying(**{"from": {"uid": ""}})),
    "feishu-no-sender": ("feishu", drop("event", "sender")),
    "feishu-no-chat": ("feishu", drop("event", "message", "chat_id")),
    "dingtalk-no-sender": ("dingtalk", lambda d: [d.pop("senderStaffId"), d.pop("senderId")]),
    "dingtalk-no-conversation": ("dingtalk", drop("conversationId")),
    "webhook-no-user": ("webhook", drop("user_id")),
}


@pytest.mark.parametrize("case", NO_SENDER)
def test_a_signed_message_with_no_sender_or_conversation_is_refused_before_the_model(service, platform, engine,
                                                                                    case):
    route, edit = NO_SENDER[case]
    refused(post(service, route, payload(route, edit)))
    nothing_happened(engine, platform)


def test_the_payloads_above_are_answered_when_left_alone(service, platform, engine):
    """The edits above are what gets refused: the same payloads unedited reach the model."""
    for route in ROUTES:
        assert post(service, route, payload(route, lambda data: None)).status_code == 200
    platform.wait_for(2)  # Lanying's and Feishu's answers; DingTalk's goes to a closed port
    assert len(engine.history) == 4


@pytest.mark.parametrize("body", [DEEP, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"[]", b'{"from": "\xff"}',
                                  b'{"type": NaN}', b'{"from": "7", "text": "\\ud800"}'],
                         ids=["array", "object", "not-an-object", "not-utf8", "nan", "surrogate"])
def test_the_local_platform_answers_hostile_bodies_with_a_400_in_lanyings_shape(body):
    with LocalPlatform.start() as im:
        admin = {"app_id": im.credentials.app_id, "access-token": im.credentials.admin_token}
        for path, headers in (("/api/messages", {"content-type": "application/json"}), ("/message/send", admin)):
            answer = httpx.post(im.url.rstrip("/") + path, content=body, headers=headers)
            assert answer.status_code == 400 and set(answer.json()) == {"code", "message"}, (path, answer.text)
        assert im.store.messages() == []
