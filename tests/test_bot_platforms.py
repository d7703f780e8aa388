"""Platform adapters: who may call the bot, what it reads, and the request that answers.

The payloads in tests/payloads/ are hand-made from each platform's documented shapes;
the tests sign them here with test secrets.
"""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path

import pytest
from starlette.datastructures import Headers

from chatkit.bot.platforms import (
    ADAPTERS,
    BadPayload,
    Forged,
    Incoming,
    Outgoing,
    Refused,
    dingtalk,
    feishu,
    lanying,
    webhook,
)
from chatkit.bot.platforms.dedupe import SeenIds
from chatkit.errors import ChatkitError, ConfigError

PAYLOADS = Path(__file__).parent / "payloads"
NOW = 1764124800.0  # when the hand-made payloads were "sent" (2025-11-26 00:00 UTC)
SECRET = "test-secret-0123456789abcdef"
BOT_UID = "8589934592"
LANYING = lanying.Settings(app_id="demoapp01", bot_user_id=BOT_UID,
                           admin_token="admin-token-0123456789abcdef", callback_signature=SECRET)
FEISHU = feishu.Settings(verification_token="test-verification-token", app_id="cli_a5f1d2c3b4e6f789",
                         app_secret="feishu-app-secret-0123456789abcdef")
TENANT_TOKEN = "t-g1044qeGEDXTB6NDJOGV4JQCYDGHRBARFTGT1234"
DINGTALK = dingtalk.Settings(app_secret=SECRET)


def payload(platform: str, name: str) -> bytes:
    return (PAYLOADS / platform / f"{name}.json").read_bytes()


def assert_no_leak(error: Exception, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in str(error)


# --- the common vocabulary ----------------------------------------------------------

def test_every_adapter_is_registered_with_the_same_functions():
    assert set(ADAPTERS) == {"lanying", "feishu", "dingtalk", "wecom", "webhook"}
    for module in ADAPTERS.values():
        assert callable(module.verify) and callable(module.parse) and callable(module.reply)


@pytest.mark.parametrize("name", ["lanying", "feishu", "dingtalk", "wecom", "webhook", "dedupe", "aes"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(f"chatkit.bot.platforms.{name}"))
    assert result.attempted > 0 and result.failed == 0


def test_outgoing_repr_masks_tokens_and_the_url_query():
    out = Outgoing("POST", "https://oapi.dingtalk.com/robot/sendBySession?session=abc123secret",
                   {"Authorization": "Bearer t-g1044qeGEDXTB6NDJOGV4JQCYDGHRBARFTGT1234",
                    "Content-Type": "application/json"}, {"msgtype": "text"})
    shown = repr(out)
    assert "t-g1044qeGEDXTB6NDJOGV4JQCYDGHRBARFTGT1234" not in shown and "abc123secret" not in shown
    assert "application/json" in shown and "sendBySession?…" in shown


def test_incoming_repr_hides_the_reply_handle():
    msg = dingtalk.parse(payload("dingtalk", "text_group"))
    assert "session=" not in repr(msg) and "session=" in msg.reply_handle


def test_settings_reprs_hide_secrets():
    for settings in (LANYING, FEISHU, DINGTALK):
        assert_no_leak(Exception(repr(settings)), SECRET, LANYING.admin_token, FEISHU.app_secret)


def test_forged_says_what_and_how_to_fix():
    with pytest.raises(Forged) as caught:
        lanying.verify({"signature": "wrong"}, b"{}", SECRET)
    assert isinstance(caught.value, ChatkitError)
    assert caught.value.what == "The request's Lanying signature header does not match."
    assert "Lanying console" in caught.value.fix and caught.value.docs.startswith("https://")


def test_headers_are_read_whatever_their_case():
    body = payload("webhook", "text")
    signed = webhook.sign(SECRET, body, now=NOW)
    webhook.verify({k.upper(): v for k, v in signed.items()}, body, SECRET, now=NOW)
    webhook.verify(Headers(signed), body, SECRET, now=NOW)


@pytest.mark.parametrize("module", [lanying, feishu, dingtalk, webhook])
def test_an_empty_secret_is_a_configuration_error_not_a_pass(module):
    with pytest.raises(ConfigError, match="No .* is configured"):
        module.verify({}, b"{}", "")


# --- Lanying ------------------------------------------------------------------------

def test_lanying_accepts_the_configured_signature():
    lanying.verify({"signature": SECRET}, payload("lanying", "text"), SECRET)


@pytest.mark.parametrize("received", ["test-secret-0123456789abcdeX", "", SECRET.upper()])
def test_lanying_rejects_another_signature_without_echoing_it(received):
    with pytest.raises(Forged) as caught:
        lanying.verify({"signature": received}, payload("lanying", "text"), SECRET)
    assert_no_leak(caught.value, SECRET, received or SECRET)


def test_lanying_parses_a_text_message_to_the_bot():
    msg = lanying.parse(payload("lanying", "text"), BOT_UID)
    assert msg == Incoming(platform="lanying", message_id="1188752361744236582", user_id="8589934610",
                           conversation_id="demoapp01:8589934610", text="How do I reset my password?",
                           is_from_bot=False, reply_handle="1188752361744236582")


@pytest.mark.parametrize("name", ["file", "to_other_user", "group"])
def test_lanying_ignores_what_is_not_text_for_the_bot(name):
    assert lanying.parse(payload("lanying", name), BOT_UID) is None


def test_lanying_marks_a_message_an_ai_wrote():
    assert lanying.parse(payload("lanying", "from_ai"), BOT_UID).is_from_bot


def test_lanying_marks_the_bots_own_message():
    data = json.loads(payload("lanying", "text"))
    data["from"]["uid"] = int(BOT_UID)
    assert lanying.parse(json.dumps(data).encode(), BOT_UID).is_from_bot


def test_lanying_reply_is_a_message_send_marked_as_the_bots():
    out = lanying.reply(LANYING, lanying.parse(payload("lanying", "text"), BOT_UID), "Open Settings.")
    assert (out.method, out.url) == ("POST", "https://s-1-3-api.maximtop.cn/message/send")
    assert out.headers == {"app_id": "demoapp01", "access-token": LANYING.admin_token}
    assert out.json == {"type": 1, "from_user_id": BOT_UID, "targets": ["8589934610"], "content_type": 0,
                        "content": "Open Settings.", "ext": '{"ai": {"role": "ai"}}'}
    assert LANYING.admin_token not in repr(out)


def test_lanying_update_replaces_the_streamed_message():
    incoming = lanying.parse(payload("lanying", "text"), BOT_UID)
    first = lanying.sent_id({"msg_ids": [1188752361744236999]})
    out = lanying.update(LANYING, incoming, first, "Open Settings, then Security.")
    assert out.json["content_type"] == 11 and out.json["related_mid"] == "1188752361744236999"
    assert lanying.sent_id({}) is None


def test_a_lanying_reply_is_ignored_when_it_comes_back():
    incoming = lanying.parse(payload("lanying", "text"), BOT_UID)
    sent = lanying.reply(LANYING, incoming, "Hi!").json
    echo = {"appId": "demoapp01", "msgId": "9", "type": "CHAT", "ctype": "TEXT", "ext": sent["ext"],
            "from": {"uid": sent["from_user_id"]}, "to": {"uid": BOT_UID}, "content": sent["content"]}
    assert lanying.parse(json.dumps(echo).encode(), BOT_UID).is_from_bot


# --- Feishu -------------------------------------------------------------------------

def signed_feishu(body: bytes, key: str, stamp: float = NOW) -> dict:
    stamp = str(int(stamp))
    return {"X-Lark-Request-Timestamp": stamp, "X-Lark-Request-Nonce": "13c1a2b4",
            "X-Lark-Signature": feishu.signature(stamp, "13c1a2b4", key, body)}


@pytest.mark.parametrize("name", ["text_p2p", "url_verification"])
def test_feishu_accepts_the_verification_token(name):
    feishu.verify({}, payload("feishu", name), "test-verification-token")


@pytest.mark.parametrize("name", ["text_p2p", "url_verification"])
def test_feishu_rejects_another_token(name):
    with pytest.raises(Forged, match="verification token does not match") as caught:
        feishu.verify({}, payload("feishu", name), "another-token-0123456789")
    assert_no_leak(caught.value, "another-token-0123456789", "test-verification-token")


def test_feishu_accepts_a_signed_request():
    body = payload("feishu", "encrypted_p2p")  # encrypted with "encrypt-key-test"
    feishu.verify(signed_feishu(body, "encrypt-key-test"), body, "test-verification-token",
                  encrypt_key="encrypt-key-test", now=NOW)


def test_feishu_rejects_a_signature_made_with_another_key():
    body = payload("feishu", "encrypted_p2p")
    headers = signed_feishu(body, "someone-elses-key")
    with pytest.raises(Forged, match="X-Lark-Signature header does not match") as caught:
        feishu.verify(headers, body, "test-verification-token", encrypt_key="encrypt-key-test", now=NOW)
    assert_no_leak(caught.value, "encrypt-key-test", headers["X-Lark-Signature"])


def test_feishu_rejects_a_stale_signed_request():
    body = payload("feishu", "encrypted_p2p")
    with pytest.raises(Forged, match="10 minutes away"):
        feishu.verify(signed_feishu(body, "encrypt-key-test", NOW - 600), body, "test-verification-token",
                      encrypt_key="encrypt-key-test", now=NOW)


def test_feishu_answers_the_url_challenge_only():
    assert feishu.challenge(payload("feishu", "url_verification")) == {"challenge": "ajls384kdjx98XX"}
    assert feishu.challenge(payload("feishu", "text_p2p")) is None
    assert feishu.parse(payload("feishu", "url_verification")) is None


def test_feishu_parses_a_text_message():
    msg = feishu.parse(payload("feishu", "text_p2p"))
    assert msg == Incoming(platform="feishu", message_id="om_5ce6d572455d361153b7cb51da133945",
                           user_id="ou_84aad35d084aa403a838cf73ee18467",
                           conversation_id="oc_5ce6d572455d361153b7xx51da133945", text="Where is my order?",
                           reply_handle="om_5ce6d572455d361153b7cb51da133945")


def test_feishu_removes_the_mention_of_the_bot():
    assert feishu.parse(payload("feishu", "text_group_mention")).text == "What are your opening hours?"


def test_feishu_ignores_an_image_and_marks_an_apps_message():
    assert feishu.parse(payload("feishu", "image")) is None
    assert feishu.parse(payload("feishu", "from_app")).is_from_bot


def test_feishu_refuses_an_encrypted_body_with_the_fix():
    with pytest.raises(BadPayload, match="encrypted") as caught:
        feishu.parse(payload("feishu", "encrypted"))
    assert "FEISHU_ENCRYPT_KEY" in caught.value.fix


def test_feishu_refuses_content_that_is_not_a_json_string():
    data = json.loads(payload("feishu", "text_p2p"))
    data["event"]["message"]["content"] = "Where is my order?"
    with pytest.raises(BadPayload):
        feishu.parse(json.dumps(data).encode())


def test_feishu_reply_answers_the_message_with_the_tenant_token():
    out = feishu.sign(feishu.reply(FEISHU, feishu.parse(payload("feishu", "text_p2p")), "It ships today."),
                      TENANT_TOKEN)
    assert out.url == "https://open.feishu.cn/open-apis/im/v1/messages/om_5ce6d572455d361153b7cb51da133945/reply"
    assert out.headers["Authorization"] == f"Bearer {TENANT_TOKEN}"
    assert out.json == {"msg_type": "text", "content": '{"text": "It ships today."}'}
    assert TENANT_TOKEN not in repr(out)


def test_feishu_asks_for_a_tenant_token_with_the_app_id_and_secret_and_hides_the_secret():
    out = feishu.token_request(FEISHU)
    assert (out.method, out.url) == ("POST", "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal")
    assert out.json == {"app_id": FEISHU.app_id, "app_secret": FEISHU.app_secret}
    assert FEISHU.app_secret not in repr(out) and FEISHU.app_secret not in repr(FEISHU)


def test_feishu_reads_the_token_and_its_lifetime():
    answer = {"code": 0, "msg": "ok", "tenant_access_token": TENANT_TOKEN, "expire": 7200}
    assert feishu.read_token(answer) == (TENANT_TOKEN, 7200.0)


@pytest.mark.parametrize("answer", [{"code": 10014, "msg": "app secret invalid"},
                                    {"code": 0, "msg": "ok", "expire": 7200},
                                    {"code": 0, "msg": "ok", "tenant_access_token": TENANT_TOKEN, "expire": "7200"}])
def test_feishu_refusing_the_app_credentials_says_which_settings_to_fix(answer):
    with pytest.raises(Refused) as caught:
        feishu.read_token(answer)
    assert f"code {answer['code']}" in caught.value.what
    assert "FEISHU_APP_ID and FEISHU_APP_SECRET" in caught.value.fix and caught.value.docs == feishu.TOKEN_DOCS


def test_feishu_calls_only_its_invalid_token_codes_a_reason_to_renew():
    assert feishu.rejected({"code": 99991663, "msg": "Invalid access token for authorization."})
    assert not feishu.rejected({"code": 0, "msg": "success"})
    assert not feishu.rejected({"code": 230002, "msg": "Bot/User can NOT be out of the chat."})


def test_feishu_reply_keeps_a_strange_message_id_in_its_path_segment():
    odd = Incoming("feishu", "x", "u", "c", "hi", reply_handle="../../auth/v3/x?y=1")
    assert feishu.reply(FEISHU, odd, "ok").url.endswith("/messages/..%2F..%2Fauth%2Fv3%2Fx%3Fy%3D1/reply")


# --- DingTalk -----------------------------------------------------------------------

def signed_dingtalk(stamp_ms: int, secret: str = SECRET) -> dict:
    return {"timestamp": str(stamp_ms), "sign": dingtalk.signature(str(stamp_ms), secret)}


def test_dingtalk_accepts_a_signed_request():
    dingtalk.verify(signed_dingtalk(int(NOW * 1000)), payload("dingtalk", "text_group"), SECRET, now=NOW)


def test_dingtalk_rejects_a_signature_made_with_another_secret():
    headers = signed_dingtalk(int(NOW * 1000), "another-secret-0123456789")
    with pytest.raises(Forged, match="sign header does not match") as caught:
        dingtalk.verify(headers, payload("dingtalk", "text_group"), SECRET, now=NOW)
    assert_no_leak(caught.value, SECRET, "another-secret-0123456789", headers["sign"])
    assert "AppSecret" in caught.value.fix


@pytest.mark.parametrize("offset", [-2 * 3600, +2 * 3600])
def test_dingtalk_rejects_a_timestamp_more_than_an_hour_away(offset):
    with pytest.raises(Forged, match="120 minutes away"):
        dingtalk.verify(signed_dingtalk(int((NOW + offset) * 1000)), b"{}", SECRET, now=NOW)


def test_dingtalk_rejects_a_missing_timestamp():
    with pytest.raises(Forged, match="missing or not a number"):
        dingtalk.verify({"sign": "x"}, b"{}", SECRET, now=NOW)


def test_dingtalk_parses_a_text_message():
    msg = dingtalk.parse(payload("dingtalk", "text_group"))
    assert (msg.message_id, msg.user_id, msg.text) == ("msgQ7e2Yxw5JmXvL0qE+Z2cWzA==", "manager4521",
                                                       "Can I change my delivery address?")
    assert msg.conversation_id == "cidOtvmxfW4wXkXBn1qDmpGBA==" and msg.reply_expires_at == 1764130200.0
    assert not msg.is_from_bot


def test_dingtalk_ignores_a_picture_and_marks_its_own_message():
    assert dingtalk.parse(payload("dingtalk", "picture")) is None
    assert dingtalk.parse(payload("dingtalk", "from_bot")).is_from_bot


def test_dingtalk_reply_posts_to_the_session_webhook():
    msg = dingtalk.parse(payload("dingtalk", "text_group"))
    out = dingtalk.reply(DINGTALK, msg, "Yes, until it ships.", now=NOW)
    assert (out.method, out.url) == ("POST", msg.reply_handle)
    assert out.json == {"msgtype": "text", "text": {"content": "Yes, until it ships."}}


@pytest.mark.parametrize("url", [
    "https://oapi.dingtalk.com.attacker.example/collect?session=x",   # look-alike host
    "https://oapi.dingtalk.com@attacker.example/robot/sendBySession",  # user info before the host
    "http://oapi.dingtalk.com/robot/sendBySession?session=x",          # not HTTPS
    "http://127.0.0.1:8123/robot/sendBySession",                       # local, not allowed by default
    "",
])
def test_dingtalk_refuses_a_session_webhook_that_is_not_dingtalks(url):
    msg = Incoming("dingtalk", "m", "u", "c", "hi", reply_handle=url)
    with pytest.raises(Forged, match="not to DingTalk") as caught:
        dingtalk.reply(DINGTALK, msg, "secret answer", now=NOW)
    assert "allowed_reply_hosts" in caught.value.fix


def test_dingtalk_refuses_the_forged_payloads_webhook():
    with pytest.raises(Forged, match="'oapi.dingtalk.com.attacker.example'"):
        dingtalk.reply(DINGTALK, dingtalk.parse(payload("dingtalk", "forged_webhook")), "hi", now=NOW)


def test_dingtalk_refuses_an_expired_session_webhook():
    msg = dingtalk.parse(payload("dingtalk", "text_group"))
    with pytest.raises(ChatkitError, match="expired"):
        dingtalk.reply(DINGTALK, msg, "late", now=msg.reply_expires_at + 1)


def test_dingtalk_allowed_hosts_given_as_one_string_are_not_a_substring_test():
    settings = dingtalk.Settings(app_secret=SECRET, allowed_reply_hosts="oapi.dingtalk.com")
    for host in ("dingtalk.com", "api.dingtalk.com"):
        with pytest.raises(Forged):
            msg = Incoming("dingtalk", "m", "u", "c", "hi", reply_handle=f"https://{host}/x")
            dingtalk.reply(settings, msg, "ok", now=NOW)


def test_dingtalk_can_answer_a_local_test_platform_when_allowed():
    local = dingtalk.Settings(app_secret=SECRET, allowed_reply_hosts=("127.0.0.1",))
    msg = Incoming("dingtalk", "m", "u", "c", "hi", reply_handle="http://127.0.0.1:8123/robot/sendBySession")
    assert dingtalk.reply(local, msg, "ok", now=NOW).url == msg.reply_handle


# --- the plain webhook --------------------------------------------------------------

def test_webhook_accepts_a_signed_request():
    body = payload("webhook", "text")
    webhook.verify(webhook.sign(SECRET, body, now=NOW), body, SECRET, now=NOW)


def test_webhook_rejects_another_secret_and_a_changed_body():
    body = payload("webhook", "text")
    headers = webhook.sign("another-secret-0123456789", body, now=NOW)
    with pytest.raises(Forged, match="x-chatkit-signature header does not match") as caught:
        webhook.verify(headers, body, SECRET, now=NOW)
    assert_no_leak(caught.value, SECRET, headers["x-chatkit-signature"])
    changed = body.replace(b"order", b"refund")
    with pytest.raises(Forged):
        webhook.verify(webhook.sign(SECRET, body, now=NOW), changed, SECRET, now=NOW)


def test_webhook_rejects_a_stale_request_even_if_signed():
    body = payload("webhook", "text")
    webhook.verify(webhook.sign(SECRET, body, now=NOW - 290), body, SECRET, now=NOW)
    with pytest.raises(Forged, match="6 minutes away"):
        webhook.verify(webhook.sign(SECRET, body, now=NOW - 360), body, SECRET, now=NOW)


def test_webhook_parses_and_answers_in_the_response():
    msg = webhook.parse(payload("webhook", "text"))
    assert msg == Incoming("webhook", "m-0001", "u-42", "u-42", "Where is my order?")
    assert webhook.reply(None, msg, "On its way.") is None
    assert webhook.response(msg, "On its way.") == {"reply_to": "m-0001", "text": "On its way."}


@pytest.mark.parametrize("body", [payload("webhook", "missing_text"), b"not json", b"[1, 2]",
                                  b'{"message_id": 1, "user_id": "u", "text": "hi"}'])
def test_webhook_refuses_a_body_of_the_wrong_shape(body):
    with pytest.raises(BadPayload):
        webhook.parse(body)


# --- hostile bodies -----------------------------------------------------------------

@pytest.mark.parametrize("parse", [lambda body: lanying.parse(body, BOT_UID), feishu.parse, dingtalk.parse,
                                   webhook.parse, feishu.challenge])
@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"null", b'"text"', b"[]", b'{"from": "x", "to": [1]}',
                                  b'{"type": "CHAT", "ctype": "TEXT", "ext": "[1]", "to": {"uid": 8589934592}}',
                                  b'{"header": [], "event": {"message": 5, "sender": "x"}}',
                                  b'{"msgtype": "text", "text": "hi", "sessionWebhookExpiredTime": "soon"}'])
def test_odd_bodies_end_as_bad_payload_or_nothing_never_a_crash(parse, body):
    try:
        result = parse(body)
    except BadPayload:
        return
    assert result is None or isinstance(result, (Incoming, dict))


# --- re-deliveries ------------------------------------------------------------------

@pytest.mark.parametrize("platform, name, parse", [
    ("lanying", "text", lambda body: lanying.parse(body, BOT_UID)),
    ("feishu", "text_p2p", feishu.parse),
    ("dingtalk", "text_group", dingtalk.parse),
    ("webhook", "text", webhook.parse),
])
def test_a_redelivered_message_has_the_same_id_and_is_dropped(platform, name, parse):
    seen = SeenIds()
    first, again = parse(payload(platform, name)), parse(payload(platform, name))
    assert first.message_id and first.message_id == again.message_id
    assert seen.first_time(first.message_id) and not seen.first_time(again.message_id)


def test_seen_ids_forget_after_the_ttl():
    clock = [0.0]
    seen = SeenIds(ttl=60, clock=lambda: clock[0])
    assert seen.first_time("m1") and not seen.first_time("m1")
    clock[0] = 59.0
    assert not seen.first_time("m1")
    clock[0] = 60.0
    assert seen.first_time("m1") and len(seen) == 1


def test_seen_ids_keep_at_most_maxlen():
    seen = SeenIds(maxlen=3)
    assert all(seen.first_time(f"m{i}") for i in range(5))
    assert len(seen) == 3
    assert seen.first_time("m0") and not seen.first_time("m4")  # the oldest were forgotten
