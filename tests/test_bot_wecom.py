"""WeCom (企业微信): the adapter against WeCom's own worked example, hostile callbacks, and the bot
answering through a stand-in of WeCom's API (gettoken, message/send) over real HTTP on loopback.

Callbacks are built by ``wecom.callback_body`` from the message XML in tests/payloads/wecom/ (the
shapes of WeCom's message docs), encrypted and signed at run time with the test secrets below.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from chatkit.bot.intake import MAX_BODY
from chatkit.bot.platforms import BadPayload, Forged, Incoming, Refused, aes, wecom
from chatkit.bot.service import BotService
from chatkit.bot.settings import BotSettings
from chatkit.errors import ConfigError
from support import send, wait_until
from test_bot_service import engine, make_bot  # noqa: F401 - fixtures

PAYLOADS = Path(__file__).parent / "payloads" / "wecom"
OFFICIAL = json.loads((PAYLOADS / "official_example.json").read_text())
CORP = "ww4a1f6c7d8e9b0a12"
SECRET = "wecom-app-secret-Lk3vB8nQ2xZ7cR5tY9wE1uI4oP6aS0dF"
TOKEN = "wecom-callback-token-Hg5jK2"
AES_KEY = "Zx8Cv7Bn6Mm5Qw4Er3Ty2Ui1Op0As9Df8Gh7Jk6Ll5P"  # 43 letters and digits, as the console makes them
SECRETS = [SECRET, TOKEN, AES_KEY]
SETTINGS = wecom.Settings(CORP, "1000002", SECRET, TOKEN, AES_KEY)


def message_xml(name: str = "text", **fields: str) -> str:
    """A payload's message XML with some fields replaced (``Content="hi"``)."""
    xml = (PAYLOADS / f"{name}.xml").read_text()
    for tag, value in fields.items():
        start, end = xml.index(f"<{tag}>") + len(tag) + 2, xml.index(f"</{tag}>")
        xml = xml[:start] + f"<![CDATA[{value}]]>" + xml[end:]
    return xml


def callback(xml: str, settings: wecom.Settings = SETTINGS, stamp: float | None = None) -> tuple[dict, bytes]:
    return wecom.callback_body(settings, xml, str(int(time.time() if stamp is None else stamp)), "1372623149")


def signed(encrypted: str, settings: wecom.Settings = SETTINGS) -> tuple[dict, bytes]:
    """A body holding ``encrypted`` as it is, signed with the right token: it passes the signature check."""
    stamp = str(int(time.time()))
    body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query = {"msg_signature": wecom.signature(settings.token, stamp, "n1", encrypted), "timestamp": stamp,
             "nonce": "n1"}
    return query, body.encode()


# --- WeCom's worked example (document/path/90968) ------------------------------------------------

def official_settings() -> wecom.Settings:
    return wecom.Settings(OFFICIAL["corp_id"], OFFICIAL["message"]["agent_id"], "secret", OFFICIAL["token"],
                          OFFICIAL["encoding_aes_key"])


def test_the_url_check_of_wecoms_example_is_answered_with_its_plaintext():
    check = OFFICIAL["url_check"]
    query = {k: check[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
    assert wecom.echo(query, official_settings(), now=int(check["timestamp"])) == check["plaintext"]


def test_the_message_of_wecoms_example_verifies_and_decrypts():
    example = OFFICIAL["message"]
    query = {k: example[k] for k in ("msg_signature", "timestamp", "nonce")}
    body = example["body"].encode()
    wecom.verify(query, body, OFFICIAL["token"], now=int(example["timestamp"]))
    assert wecom.parse(body, official_settings()) == Incoming(
        platform="wecom", message_id=example["msg_id"], user_id=example["from"], conversation_id=example["from"],
        text=example["content"], reply_handle=example["from"])


def test_what_we_encrypt_decrypts_and_is_padded_to_32_bytes():
    text = "<xml><Content><![CDATA[你好，请问几点开门？]]></Content></xml>"
    encrypted = wecom.encrypt(AES_KEY, text, CORP)
    assert len(base64.b64decode(encrypted)) % 32 == 0
    assert wecom.decrypt(AES_KEY, encrypted, CORP) == text
    assert wecom.encrypt(AES_KEY, text, CORP) != encrypted  # 16 random bytes lead every message


# --- who may call -------------------------------------------------------------------------------

def test_a_signed_fresh_callback_is_accepted():
    query, body = callback(message_xml())
    wecom.verify(query, body, TOKEN)


@pytest.mark.parametrize("change", [{"msg_signature": "0" * 40}, {"msg_signature": ""}, {"nonce": "other"}],
                         ids=["forged", "missing", "another-nonce"])
def test_a_forged_signature_is_refused(change):
    query, body = callback(message_xml())
    with pytest.raises(Forged, match="msg_signature parameter") as caught:
        wecom.verify({**query, **change}, body, TOKEN)
    assert TOKEN not in str(caught.value) and TOKEN not in caught.value.fix


def test_a_stale_callback_is_refused_even_when_signed():
    query, body = callback(message_xml(), stamp=time.time() - 600)
    with pytest.raises(Forged, match="10 minutes away"):
        wecom.verify(query, body, TOKEN)


def test_a_callback_encrypted_for_another_company_is_refused():
    query, body = callback(message_xml(), replace(SETTINGS, corp_id="ww0000000000000000"))
    wecom.verify(query, body, TOKEN)  # same token and key: only the receive id tells
    with pytest.raises(Forged, match="another company") as caught:
        wecom.parse(body, SETTINGS)
    assert "WECOM_CORP_ID" in caught.value.fix


def flip_padding(encrypted: str) -> str:
    """The ciphertext with the last byte of its next-to-last block flipped: the padding decrypts wrong."""
    data = bytearray(base64.b64decode(encrypted))
    data[-17] ^= 1
    return base64.b64encode(bytes(data)).decode()


OTHER_KEY = "Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Pz0Xc1Vb2Nm3Kj4H"
BROKEN = {
    "bad-padding": lambda: flip_padding(wecom.encrypt(AES_KEY, message_xml(), CORP)),
    "another-key": lambda: wecom.encrypt(OTHER_KEY, message_xml(), CORP),
    "truncated-base64": lambda: wecom.encrypt(AES_KEY, message_xml(), CORP)[:-5],
    "truncated-block": lambda: wecom.encrypt(AES_KEY, message_xml(), CORP)[:-4],
    "empty": lambda: "=",
    "no-receive-id": lambda: wecom.encrypt(AES_KEY, message_xml(), ""),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_ciphertext_that_does_not_decrypt_is_forged_and_names_the_setting(name):
    query, body = signed(BROKEN[name]())
    with pytest.raises(Forged) as caught:
        wecom.parse(body, SETTINGS)
    if name == "no-receive-id":
        assert "another company" in caught.value.what and "WECOM_CORP_ID" in caught.value.fix
    else:
        assert "could not be decrypted" in caught.value.what and "WECOM_ENCODING_AES_KEY" in caught.value.fix
    assert AES_KEY not in str(caught.value)


def test_aes_refuses_wrong_padding_and_partial_blocks():
    key, iv = bytes(range(32)), bytes(16)
    data = bytearray(aes.encrypt(key, iv, b"x" * 40, block=32))
    data[-17] ^= 1  # the last byte of the padding decrypts one off
    for broken in (bytes(data), bytes(data[:-1]), b""):
        with pytest.raises(ValueError):
            aes.decrypt(key, iv, broken, block=32)


def test_a_declared_length_past_the_end_is_refused():
    key = base64.b64decode(AES_KEY + "=")
    plain = bytes(16) + (1000).to_bytes(4, "big") + b"<xml/>" + CORP.encode()  # says 1000 bytes, holds 6+18
    encrypted = base64.b64encode(aes.encrypt(key, key[:16], plain, block=32)).decode()
    with pytest.raises(Forged, match="could not be decrypted"):
        wecom.decrypt(AES_KEY, encrypted, CORP)


# --- hostile XML -----------------------------------------------------------------------------------

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
          + ']><xml><Encrypt>&lol9;</Encrypt></xml>')
HOSTILE_XML = {
    "billion-laughs": LAUGHS,
    "small-entity": '<!DOCTYPE x [<!ENTITY e "' + "A" * 1000 + '">]><xml><Encrypt>' + "&e;" * 50 + "</Encrypt></xml>",
    "external-entity": '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>',
    "malformed": "<xml><Encrypt>abc</Encrypt>",
    "nested": "<a>" * 8000 + "</a>" * 8000,
    "json": '{"Encrypt": "abc"}',
    "no-encrypt": "<xml><ToUserName>ww1</ToUserName></xml>",
}


@pytest.mark.parametrize("xml", HOSTILE_XML.values(), ids=HOSTILE_XML.keys())
def test_xml_that_is_not_wecoms_is_a_bad_payload(xml):
    with pytest.raises(BadPayload, match="not the XML WeCom sends"):
        wecom.verify({}, xml.encode(), TOKEN)


def test_a_dtd_is_refused_before_any_entity_is_expanded():
    with pytest.raises(BadPayload, match="DTDForbidden"):
        wecom.verify({}, HOSTILE_XML["small-entity"].encode(), TOKEN)


# --- what the bot reads and sends ------------------------------------------------------------------

def parsed(xml: str) -> Incoming | None:
    return wecom.parse(callback(xml)[1], SETTINGS)


def test_a_text_message_is_read_as_the_members_own_conversation():
    assert parsed(message_xml(Content="  几点开门？ ")) == Incoming(
        platform="wecom", message_id="1234567890123456", user_id="zhangsan", conversation_id="zhangsan",
        text="几点开门？", reply_handle="zhangsan")


@pytest.mark.parametrize("xml", [message_xml("image"), message_xml("enter_agent"),
                                 message_xml(AgentID="1000003")], ids=["image", "event", "another-app"])
def test_anything_but_a_text_message_for_this_app_is_ignored(xml):
    assert parsed(xml) is None


def test_the_reply_is_an_app_message_to_the_member():
    out = wecom.reply(SETTINGS, parsed(message_xml()), "您好！")
    assert out.method == "POST" and out.url == "https://qyapi.weixin.qq.com/cgi-bin/message/send"
    assert out.json == {"touser": "zhangsan", "msgtype": "text", "agentid": 1000002, "text": {"content": "您好！"}}
    signed_out = wecom.sign(out, "token-abc/+=")
    assert signed_out.url.endswith("/cgi-bin/message/send?access_token=token-abc%2F%2B%3D")


def test_a_long_reply_is_cut_to_wecoms_2048_bytes_on_a_character():
    content = wecom.reply(SETTINGS, parsed(message_xml()), "好" * 1000).json["text"]["content"]
    assert len(content.encode()) <= 2048 and content.endswith("…") and content.startswith("好" * 600)


def test_the_token_request_and_answers():
    out = wecom.token_request(SETTINGS)
    assert out.method == "GET" and parse_qs(urlsplit(out.url).query) == {"corpid": [CORP], "corpsecret": [SECRET]}
    assert SECRET not in repr(out)
    assert wecom.read_token({"errcode": 0, "errmsg": "ok", "access_token": "at-1", "expires_in": 7200}) == ("at-1",
                                                                                                            7200.0)
    with pytest.raises(Refused, match="errcode 40001") as caught:
        wecom.read_token({"errcode": 40001, "errmsg": "invalid credential"})
    assert "WECOM_SECRET" in caught.value.fix
    assert wecom.rejected({"errcode": 42001}) and wecom.rejected({"errcode": 40014})
    assert not wecom.rejected({"errcode": 0}) and not wecom.rejected({"errcode": 81013})


def test_settings_hide_their_secrets_and_refuse_a_mistyped_key():
    assert not any(secret in repr(SETTINGS) for secret in SECRETS)
    with pytest.raises(ConfigError, match="has 42 characters"):
        replace(SETTINGS, encoding_aes_key=AES_KEY[:-1])
    with pytest.raises(ConfigError, match="not a number"):
        replace(SETTINGS, agent_id="my-app")


def test_settings_come_from_the_environment(monkeypatch):
    for name, value in {"WECOM_CORP_ID": CORP, "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": SECRET,
                        "WECOM_TOKEN": TOKEN, "WECOM_ENCODING_AES_KEY": AES_KEY}.items():
        monkeypatch.setenv(name, value)
    settings = BotSettings.from_env()
    assert settings.wecom == SETTINGS and settings.enabled() == ["wecom"] and settings.time_zone() == "Asia/Shanghai"
    assert settings.describe("wecom") == f"corp {CORP}, agent 1000002, secret …S0dF"
    assert not any(secret in repr(settings) for secret in SECRETS)
    monkeypatch.setenv("WECOM_API_ENDPOINT", "http://127.0.0.1:9")
    assert BotSettings.from_env().wecom.api_base == "http://127.0.0.1:9"


# --- the bot service with a stand-in of WeCom's API -------------------------------------------------

class WeComApi:
    """gettoken and message/send on loopback, answering as WeCom documents; every call recorded.

    A token is good until ``expire()`` (then 42001, or ``code``); ``calls`` holds "gettoken" or
    "send" with the query and JSON body of each request (a GET's body: how many bytes it had).
    """

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.code = 42001
        self.changed = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.answer(len(self.rfile.read(int(self.headers.get("content-length") or 0))))

            def do_POST(self):
                self.answer(json.loads(self.rfile.read(int(self.headers["content-length"]))))

            def answer(self, body):
                parts = urlsplit(self.path)
                send(self, 200, json.dumps(api.record(parts.path, dict(parse_qs(parts.query)), body)).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def record(self, path: str, query: dict, body: dict | int) -> dict:
        query = {k: v[0] for k, v in query.items()}
        with self.changed:
            self.calls.append({"path": path.rpartition("/")[2], "query": query, "json": body})
            self.changed.notify_all()
            if path == wecom.TOKEN_PATH:
                if query != {"corpid": CORP, "corpsecret": SECRET}:
                    return {"errcode": 40001, "errmsg": "invalid credential"}
                self.issued.append(f"wecom-access-{len(self.issued):02d}-Vb6Nm1Qa8Ws3Ed5Rf7Tg")
                self.valid.add(self.issued[-1])
                return {"errcode": 0, "errmsg": "ok", "access_token": self.issued[-1], "expires_in": 7200}
            if query.get("access_token") not in self.valid:
                return {"errcode": self.code, "errmsg": "access_token expired" if self.code == 42001 else
                        "invalid access_token"}
            return {"errcode": 0, "errmsg": "ok", "msgid": f"msg-{len(self.calls)}"}

    def expire(self) -> None:
        with self.changed:
            self.valid.clear()

    def paths(self) -> list[str]:
        return [call["path"] for call in self.calls]

    def wait_for(self, count: int) -> list[dict]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.calls) >= count, 10), self.calls
            return list(self.calls)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api():
    stand_in = WeComApi()
    yield stand_in
    stand_in.close()


def start(scripted, api: WeComApi, **changes) -> BotService:
    settings = BotSettings(wecom=replace(SETTINGS, api_base=api.url, **changes))
    return BotService.start(make_bot(scripted), settings, retry_pause=0.01)


@pytest.fixture
def service(scripted, api):
    with start(scripted, api) as running:
        yield running


def post(service, query: dict, body: bytes) -> httpx.Response:
    return httpx.post(f"{service.url}/wecom/callback", params=query, content=body)


def ask(service, text: str, msg_id: str = "1234567890123456") -> httpx.Response:
    return post(service, *callback(message_xml(Content=text, MsgId=msg_id)))


def test_the_url_check_is_answered_with_the_plain_echo(service):
    query = wecom.url_check(SETTINGS, "8294672364523401", str(int(time.time())), "n1")
    answer = httpx.get(f"{service.url}/wecom/callback", params=query)
    assert answer.status_code == 200 and answer.text == "8294672364523401"
    assert answer.headers["content-type"].startswith("text/plain")
    forged = httpx.get(f"{service.url}/wecom/callback", params={**query, "msg_signature": "0" * 40})
    assert forged.status_code == 401 and "8294672364523401" not in forged.text


def test_a_message_gets_an_empty_200_and_the_answer_through_message_send(service, api, engine):
    engine.enqueue("我们早上 9 点开门。")
    response = ask(service, "几点开门？")
    assert response.status_code == 200 and response.content == b""
    token, sent = api.wait_for(2)
    assert token["path"] == "gettoken" and token["json"] == 0  # a GET with no body at all
    assert sent["path"] == "send"
    assert sent["query"] == {"access_token": api.issued[0]}
    assert sent["json"] == {"touser": "zhangsan", "msgtype": "text", "agentid": 1000002,
                            "text": {"content": "我们早上 9 点开门。"}}
    assert engine.history[0][-1] == {"role": "user", "content": "几点开门？"}


def test_a_redelivered_message_is_answered_once_and_the_token_reused(service, api, engine):
    assert ask(service, "hi", "1").status_code == ask(service, "hi", "1").status_code == 200
    assert ask(service, "again", "2").status_code == 200
    api.wait_for(3)
    wait_until(lambda: len(engine.history) == 2, "the second answer")
    assert api.paths() == ["gettoken", "send", "send"] and len(engine.history) == 2


@pytest.mark.parametrize("code", [42001, 40014])
def test_an_expired_token_is_renewed_once_and_the_message_sent_again(service, api, code):
    api.code = code
    ask(service, "one", "1")
    api.wait_for(2)
    api.expire()  # WeCom may end a token before its two hours
    ask(service, "two", "2")
    assert [c["path"] for c in api.wait_for(5)] == ["gettoken", "send", "send", "gettoken", "send"]
    assert api.calls[-1]["query"]["access_token"] == api.issued[1] != api.issued[0]


def test_a_wrong_secret_is_one_clear_log_line_and_no_retry(scripted, api, caplog):
    caplog.set_level(logging.WARNING)
    with start(scripted, api, secret="not-the-app-secret-0123456789") as running:
        ask(running, "hi")
        lines = wait_until(lambda: [r.getMessage() for r in caplog.records if r.name.startswith("chatkit")],
                           "the error line")
    assert api.paths() == ["gettoken"]
    [line] = lines
    assert "errcode 40001: invalid credential" in line and "WECOM_CORP_ID and WECOM_SECRET" in line
    assert "not-the-app-secret-0123456789" not in line


def nothing_happened(engine, api) -> None:
    assert engine.history == [] and api.calls == []


HOSTILE_REQUESTS = {
    "forged": lambda: ({**callback(message_xml())[0], "msg_signature": "0" * 40}, callback(message_xml())[1]),
    "stale": lambda: callback(message_xml(), stamp=time.time() - 3600),
    "another-company": lambda: callback(message_xml(), replace(SETTINGS, corp_id="ww0000000000000000")),
    **{name: (lambda make=make: signed(make())) for name, make in BROKEN.items()},
}


@pytest.mark.parametrize("make", HOSTILE_REQUESTS.values(), ids=HOSTILE_REQUESTS.keys())
def test_a_forged_or_undecryptable_callback_is_a_401(service, api, engine, make):
    response = post(service, *make())
    assert response.status_code == 401, response.text
    assert "Traceback" not in response.text and not any(secret in response.text for secret in SECRETS)
    nothing_happened(engine, api)


@pytest.mark.parametrize("xml", HOSTILE_XML.values(), ids=HOSTILE_XML.keys())
def test_hostile_xml_is_a_400_before_the_signature_is_read(service, api, engine, xml):
    response = post(service, {}, xml.encode())
    assert response.status_code == 400 and "not the XML WeCom sends" in response.json()["error"]
    nothing_happened(engine, api)


def test_an_oversized_body_is_a_413(service, api, engine):
    query, body = callback(message_xml(Content="x" * MAX_BODY))
    assert post(service, query, body).status_code == 413
    nothing_happened(engine, api)


def test_wecom_off_answers_404_naming_its_variables(scripted):
    with BotService.start(make_bot(scripted), BotSettings(webhook_secret="s" * 20)) as running:
        for response in (httpx.get(f"{running.url}/wecom/callback"), post(running, {}, b"<xml/>")):
            assert response.status_code == 404 and "WECOM_ENCODING_AES_KEY" in response.json()["error"]


def test_no_secret_or_access_token_reaches_a_log_a_repr_or_an_answer(service, api, caplog):
    caplog.set_level(logging.DEBUG)
    ask(service, "one", "1")
    api.wait_for(2)
    api.expire()
    ask(service, "two", "2")
    api.wait_for(5)
    post(service, *HOSTILE_REQUESTS["forged"]())
    post(service, *HOSTILE_REQUESTS["another-key"]())
    context = service.app.state.context
    shown = [r.getMessage() for r in caplog.records] + [repr(context.tokens), repr(context.settings),
                                                         repr(service), repr(wecom.token_request(SETTINGS))]
    assert any("/cgi-bin/gettoken" in text for text in shown)  # httpx did log the requests, queries hidden
    for secret in (*SECRETS, *api.issued):
        assert not any(secret in text for text in shown), secret
