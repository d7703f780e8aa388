"""API keys and usage: the Store on its own, then over HTTP with the scripted server."""

from __future__ import annotations

import hashlib

import openai
import pytest

from chatkit.keys import mask_key
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from chatkit.sandbox.store import Store
from support import client_for

HI = [{"role": "user", "content": "Hi"}]


def say_hi(box, key: str):
    return client_for(box, key).chat.completions.create(model=box.engine.model_id, messages=HI)


def folder_bytes(folder) -> bytes:
    """Everything SQLite wrote: the database, and its WAL and shared-memory files if present."""
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file())


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "data")


# --- the Store on its own ---------------------------------------------------------

def test_created_key_has_the_sandbox_prefix(store):
    key, info = store.create_key("notebook 3")
    assert key.startswith("sk-sandbox-")
    assert len(key) > 40
    assert info.id.startswith("key_")
    assert info.name == "notebook 3"
    assert info.masked == mask_key(key) and key not in info.masked
    assert info.active


def test_keys_are_all_different(store):
    keys = {store.create_key()[0] for _ in range(5)}
    assert len(keys) == 5


def test_only_the_hash_is_stored(store):
    key, _ = store.create_key("secret")
    saved = folder_bytes(store.path.parent)
    assert hashlib.sha256(key.encode()).hexdigest().encode() in saved  # we are reading the right files
    assert key.encode() not in saved
    assert key[len("sk-sandbox-"):].encode() not in saved


def test_list_shows_masked_keys_only(store):
    first, _ = store.create_key("first")
    second, _ = store.create_key("second")
    listed = store.list_keys()
    assert [k.name for k in listed] == ["first", "second"]
    assert [k.masked for k in listed] == [mask_key(first), mask_key(second)]
    assert first not in repr(listed) and second not in repr(listed)


def test_revoke_marks_the_key_inactive(store):
    key, info = store.create_key()
    revoked = store.revoke_key(info.id)
    assert revoked.id == info.id and not revoked.active
    assert not store.check_key(key).active
    assert store.revoke_key("key_doesnotexist") is None


def test_check_key_knows_only_its_own_keys(store):
    key, info = store.create_key()
    assert store.check_key(key).id == info.id
    assert store.check_key(key + "x") is None
    assert store.check_key("sk-sandbox-nope") is None


def test_keys_survive_a_restart(tmp_path):
    folder = tmp_path / "data"
    key, info = Store(folder).create_key("kept")
    _, gone = Store(folder).create_key("revoked")
    Store(folder).revoke_key(gone.id)
    reopened = Store(folder)
    assert reopened.check_key(key).id == info.id
    assert [(k.name, k.active) for k in reopened.list_keys()] == [("kept", True), ("revoked", False)]


def test_session_keys_are_not_written_to_disk(store):
    key, info = store.create_key("this process", persist=False)
    assert store.check_key(key) == info
    assert store.list_keys() == []
    assert Store(store.path.parent).check_key(key) is None


def test_usage_adds_up_per_key_and_day(store):
    store.add_usage("key_a", 10, 2)
    store.add_usage("key_a", 5, 1)
    store.add_usage("key_b", 7, 7)
    (row,) = store.usage("key_a")
    assert (row["requests"], row["input_tokens"], row["output_tokens"]) == (2, 15, 3)
    assert {r["key_id"] for r in store.usage()} == {"key_a", "key_b"}


# --- over HTTP -----------------------------------------------------------------------

def test_created_key_works_over_http(scripted):
    key, _ = scripted.store.create_key("http test")
    scripted.engine.enqueue("Welcome!")
    assert say_hi(scripted, key).choices[0].message.content == "Welcome!"


def test_revoked_key_is_refused(scripted):
    key, info = scripted.store.create_key("to revoke")
    say_hi(scripted, key)
    scripted.store.revoke_key(info.id)
    with pytest.raises(openai.AuthenticationError) as caught:
        say_hi(scripted, key)
    assert caught.value.code == "invalid_api_key"
    assert "revoked" in caught.value.message
    assert key not in caught.value.message and mask_key(key) in caught.value.message


def test_key_works_after_the_server_restarts(tmp_path):
    box = Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path)
    key, _ = box.store.create_key("restart")
    _, gone = box.store.create_key("gone")
    box.store.revoke_key(gone.id)
    box.stop()
    with Sandbox.start(engine=ScriptedEngine(default="Still here"), data_dir=tmp_path) as again:
        assert say_hi(again, key).choices[0].message.content == "Still here"
        assert [k.active for k in again.store.list_keys()] == [True, False]


def test_usage_is_recorded_per_key(scripted):
    key, info = scripted.store.create_key("metered")
    scripted.engine.enqueue("one two three")
    reply = say_hi(scripted, key)
    (row,) = scripted.store.usage(info.id)
    assert row["requests"] == 1
    assert row["input_tokens"] == reply.usage.prompt_tokens
    assert row["output_tokens"] == reply.usage.completion_tokens == 3


def test_streams_and_responses_are_metered_too(scripted):
    key, info = scripted.store.create_key("metered")
    client = client_for(scripted, key)
    scripted.engine.enqueue("a b", "c d e")
    list(client.chat.completions.create(model=scripted.engine.model_id, messages=HI, stream=True))
    response = client.responses.create(model=scripted.engine.model_id, input="Hi")
    (row,) = scripted.store.usage(info.id)
    assert row["requests"] == 2
    assert row["output_tokens"] == 2 + response.usage.output_tokens == 5


def test_failed_requests_are_not_metered(scripted):
    key, info = scripted.store.create_key("metered")
    with pytest.raises(openai.BadRequestError):
        client_for(scripted, key).chat.completions.create(model=scripted.engine.model_id, messages=[])
    assert scripted.store.usage(info.id) == []
