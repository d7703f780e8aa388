"""Feishu events with an Encrypt Key: bodies are {"encrypt": …}, the URL check included.

The adapter is checked against Feishu's documented example, then the bot service over real HTTP
with the stand-in platform of test_bot_service (tenant token and reply APIs). Bodies are the saved
plaintext payloads, encrypted and signed here with the test key.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from chatkit.bot.platforms import BadPayload, Forged, feishu
from chatkit.bot.service import BotService
from chatkit.bot.settings import BotSettings
from test_bot_service import (  # noqa: F401 - fixtures
    APP_ID,
    FEISHU_TOKEN,
    engine,
    feishu_body,
    make_bot,
    platform,
    settings_for,
)

PAYLOADS = Path(__file__).parent / "payloads" / "feishu"
KEY = "feishu-encrypt-key-Rt5yU8iO2pA4sD6f"
TEST_KEY, TEST_TOKEN = "encrypt-key-test", "test-verification-token"  # what the saved encrypted payloads use


def encrypted(plain: bytes, key: str = KEY) -> bytes:
    return json.dumps({"encrypt": feishu.encrypt(key, plain.decode())}).encode()


def signed(body: bytes, key: str = KEY, stamp: float | None = None) -> dict:
    stamp = str(int(time.time() if stamp is None else stamp))
    return {"X-Lark-Request-Timestamp": stamp, "X-Lark-Request-Nonce": "13c1a2b4",
            "X-Lark-Signature": feishu.signature(stamp, "13c1a2b4", key, body)}


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


# --- the adapter ----------------------------------------------------------------------------------

def test_feishus_documented_example_decrypts():
    assert feishu.decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == "hello world"


def test_what_we_encrypt_decrypts_with_a_fresh_iv_each_time():
    text = '{"text": "你好"}'
    assert feishu.decrypt(KEY, feishu.encrypt(KEY, text)) == text
    assert feishu.encrypt(KEY, text) != feishu.encrypt(KEY, text)


BROKEN = {
    "another-key": lambda: feishu.encrypt("someone-elses-key", "{}"),
    "not-base64": lambda: "not base64!",
    "truncated": lambda: feishu.encrypt(KEY, "{}")[:-4],
    "iv-only": lambda: base64.b64encode(bytes(16)).decode(),
    "short": lambda: "AAAA",
}


@pytest.mark.parametrize("make", BROKEN.values(), ids=BROKEN.keys())
def test_what_does_not_decrypt_is_forged_and_names_feishu_encrypt_key(make):
    with pytest.raises(Forged, match="could not be decrypted") as caught:
        feishu.decrypt(KEY, make())
    assert "FEISHU_ENCRYPT_KEY" in caught.value.fix and KEY not in str(caught.value)


def test_the_encrypted_url_check_is_answered_without_a_signature():
    body = payload("encrypted_url_verification")
    feishu.verify({}, body, TEST_TOKEN, encrypt_key=TEST_KEY)
    assert feishu.challenge(body, TEST_KEY) == {"challenge": "ajls384kdjx98XX"}
    assert feishu.parse(body, TEST_KEY) is None


def test_an_encrypted_event_is_read_once_its_signature_is_checked():
    body = payload("encrypted_p2p")
    feishu.verify(signed(body, TEST_KEY), body, TEST_TOKEN, encrypt_key=TEST_KEY)
    assert feishu.challenge(body, TEST_KEY) is None
    assert feishu.parse(body, TEST_KEY) == feishu.parse(payload("text_p2p"))


def test_an_encrypted_event_without_a_signature_is_refused():
    with pytest.raises(Forged, match="X-Lark-Request-Timestamp"):
        feishu.verify({}, payload("encrypted_p2p"), TEST_TOKEN, encrypt_key=TEST_KEY)


def test_an_encrypted_body_with_another_token_inside_is_refused():
    body = encrypted(feishu_body(token="someone-elses-token"))
    with pytest.raises(Forged, match="verification token does not match"):
        feishu.verify(signed(body), body, FEISHU_TOKEN, encrypt_key=KEY)


def test_an_encrypt_field_that_is_not_text_is_a_bad_payload():
    with pytest.raises(BadPayload, match="encrypt is not text"):
        feishu.parse(b'{"encrypt": {"a": 1}}', KEY)


def test_an_encrypted_body_without_a_key_says_to_set_it():
    with pytest.raises(BadPayload, match="no Encrypt Key") as caught:
        feishu.verify({}, payload("encrypted_p2p"), TEST_TOKEN)
    assert "FEISHU_ENCRYPT_KEY" in caught.value.fix


def test_the_key_comes_from_the_environment_and_stays_hidden(monkeypatch):
    for name, value in {"FEISHU_VERIFICATION_TOKEN": FEISHU_TOKEN, "FEISHU_APP_ID": APP_ID,
                        "FEISHU_APP_SECRET": "feishu-app-secret-Wq4eR7tY2uI9oP3a", "FEISHU_ENCRYPT_KEY": KEY}.items():
        monkeypatch.setenv(name, value)
    settings = BotSettings.from_env()
    assert settings.feishu.encrypt_key == KEY and settings.describe("feishu").endswith(", events encrypted")
    assert KEY not in repr(settings) and KEY not in repr(settings.feishu)


# --- the bot service ------------------------------------------------------------------------------

def start(scripted, platform, key: str = KEY) -> BotService:
    settings = settings_for(platform)
    settings = replace(settings, feishu=replace(settings.feishu, encrypt_key=key))
    return BotService.start(make_bot(scripted), settings, retry_pause=0.01)


def post(service, body: bytes, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{service.url}/feishu/events", content=body, headers=headers or {})


def url_check() -> bytes:
    return encrypted(json.dumps({"challenge": "c-7f1e", "token": FEISHU_TOKEN, "type": "url_verification"}).encode())


def test_the_service_answers_the_encrypted_challenge_and_the_message(scripted, platform, engine):
    engine.enqueue("It ships tomorrow.")
    with start(scripted, platform) as service:
        assert post(service, url_check()).json() == {"challenge": "c-7f1e"}
        body = encrypted(feishu_body())
        assert post(service, body, signed(body)).json() == {"status": "accepted"}
        token, answer = platform.wait_for(2)
    assert answer["path"].endswith("/reply") and json.loads(answer["json"]["content"]) == {"text": "It ships tomorrow."}
    assert engine.history[0][-1] == {"role": "user", "content": "Where is my order?"}


def test_a_wrong_key_is_a_401_saying_to_check_feishu_encrypt_key(scripted, platform, engine, caplog):
    caplog.set_level(logging.DEBUG)
    other = "not-the-encrypt-key-Zq9wX3eC"
    with start(scripted, platform, key=other) as service:
        body = encrypted(feishu_body())
        for response in (post(service, url_check()), post(service, body, signed(body, other))):
            assert response.status_code == 401 and "FEISHU_ENCRYPT_KEY" in response.json()["error"]
    assert engine.history == [] and platform.calls == []
    logged = [r.getMessage() for r in caplog.records]
    assert any("could not be decrypted" in line for line in logged)
    assert not any(key in line for line in logged for key in (KEY, other))


def test_an_unsigned_encrypted_event_is_a_401(scripted, platform, engine):
    with start(scripted, platform) as service:
        assert post(service, encrypted(feishu_body())).status_code == 401
    assert engine.history == [] and platform.calls == []


def test_without_a_key_an_encrypted_body_is_a_400_saying_to_set_it(scripted, platform, engine):
    with BotService.start(make_bot(scripted), settings_for(platform)) as service:
        response = post(service, url_check())
    assert response.status_code == 400 and "FEISHU_ENCRYPT_KEY" in response.json()["error"]
    assert engine.history == [] and platform.calls == []
