"""connect(), connect_async(), backend_info() and verify(), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import openai
import pytest

import chatkit
from chatkit.config import DEFAULT_MODELS, REASONING_MODELS, read_settings
from chatkit.keys import mask_key
from support import send

KEY = "sk-proj-" + "q" * 36 + "CnT1"
WRONG_KEY = "sk-proj-" + "w" * 36 + "NoPe"


def free_port() -> int:
    """A port nothing listens on: bound for a moment, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web_server():
    """Start a plain HTTP server on 127.0.0.1 giving one fixed answer; returns its /v1 URL."""
    servers = []

    def start(status: int, body: str, content_type: str = "text/html") -> str:
        class FixedAnswer(BaseHTTPRequestHandler):
            def do_GET(self):
                data = body.encode()
                send(self, status, data, content_type)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), FixedAnswer)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}/v1"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def no_sandbox(monkeypatch):
    """Fail the test if anything tries to start the sandbox."""
    import chatkit.sandbox.server

    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox was started")

    monkeypatch.setattr(chatkit.sandbox.server, "ensure_running", refuse)


# --- connect -------------------------------------------------------------------------------


def test_connect_without_a_key_gives_an_official_client_on_the_sandbox():
    with chatkit.connect(max_retries=0) as client:
        assert isinstance(client, openai.OpenAI)
        assert urlparse(str(client.base_url)).hostname == "127.0.0.1"
        assert client.api_key.startswith("sk-sandbox-")
        assert client.default_model == DEFAULT_MODELS["sandbox"]


def test_sandbox_client_answers_the_responses_api():
    with chatkit.connect(max_retries=0) as client:
        # 16 is the API's minimum; this prompt gets a short greedy answer (6 tokens), fast under load.
        reply = client.responses.create(model=client.default_model, input="What is 2+2?",
                                        instructions="Reply with a single number.",
                                        max_output_tokens=16, temperature=0)
    assert reply.model == client.default_model
    assert reply.status in ("completed", "incomplete")
    assert reply.output_text.strip()
    assert 1 <= reply.usage.output_tokens <= 16


def test_sandbox_client_answers_chat_completions():
    with chatkit.connect(max_retries=0) as client:
        completion = client.chat.completions.create(
            model=client.default_model, messages=[{"role": "user", "content": "Say hi."}],
            max_tokens=1, temperature=0)
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content
    assert completion.usage.completion_tokens == 1
    assert completion.choices[0].finish_reason == "length"


def test_connect_async_gives_a_working_async_client():
    async def ask():
        async with chatkit.connect_async(max_retries=0) as client:
            assert isinstance(client, openai.AsyncOpenAI)
            assert urlparse(str(client.base_url)).hostname == "127.0.0.1"
            return await client.chat.completions.create(
                model=client.default_model, messages=[{"role": "user", "content": "Hi"}],
                max_tokens=1, temperature=0)

    completion = asyncio.run(ask())
    assert completion.usage.completion_tokens == 1


def test_connect_and_connect_async_share_one_sandbox():
    sync_client, async_client = chatkit.connect(), chatkit.connect_async()
    assert str(sync_client.base_url) == str(async_client.base_url)
    assert sync_client.api_key == async_client.api_key


def test_connect_passes_options_to_the_client():
    client = chatkit.connect(timeout=7, max_retries=5)
    assert (client.timeout, client.max_retries) == (7, 5)


def test_connect_with_a_key_and_base_url_talks_to_that_server(sandbox, monkeypatch):
    # Any OpenAI-compatible server: here a second sandbox, as `python -m chatkit serve` would run.
    monkeypatch.setenv("OPENAI_API_KEY", sandbox.key)
    monkeypatch.setenv("OPENAI_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("CHATKIT_MODEL", DEFAULT_MODELS["sandbox"])
    with chatkit.connect(max_retries=0) as client:
        assert str(client.base_url).rstrip("/") == sandbox.base_url
        assert client.api_key == sandbox.key
        models = client.models.list()
    assert [m.id for m in models.data] == [DEFAULT_MODELS["sandbox"], REASONING_MODELS["sandbox"]]


def test_connect_to_openai_does_not_start_the_sandbox(monkeypatch, no_sandbox):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    client = chatkit.connect()
    assert str(client.base_url) == "https://api.openai.com/v1/"
    assert client.api_key == KEY
    assert client.default_model == DEFAULT_MODELS["openai"]


def test_connect_accepts_settings(monkeypatch, no_sandbox):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    settings = read_settings()
    monkeypatch.delenv("OPENAI_API_KEY")
    client = chatkit.connect(settings=settings)
    assert (client.api_key, str(client.base_url)) == (KEY, "http://127.0.0.1:1/v1/")


@pytest.mark.parametrize("make", [chatkit.connect, chatkit.connect_async])
def test_with_options_keeps_the_default_model(monkeypatch, no_sandbox, make):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("CHATKIT_MODEL", "gpt-4.1-nano")
    copy = make().with_options(timeout=3)
    assert copy.default_model == "gpt-4.1-nano"
    assert "gpt-4.1-nano" in repr(copy)


@pytest.mark.parametrize("make", [chatkit.connect, chatkit.connect_async])
def test_client_repr_masks_the_key(monkeypatch, no_sandbox, make):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    client = make()
    for text in (repr(client), str(client), f"{client}"):
        assert KEY not in text
        assert "sk-proj-…CnT1" in text
        assert "gpt-6-luna" in text


def test_sandbox_client_repr_masks_its_key():
    client = chatkit.connect()
    assert client.api_key not in repr(client)
    assert mask_key(client.api_key) in repr(client)


# --- backend_info ----------------------------------------------------------------------------


def test_backend_info_for_the_sandbox():
    info = chatkit.backend_info()
    client = chatkit.connect()
    assert info.backend == "sandbox"
    assert info.base_url == str(client.base_url).rstrip("/")
    assert info.model == DEFAULT_MODELS["sandbox"]
    assert info.key == mask_key(client.api_key)
    assert client.api_key not in repr(info) + str(info)
    assert "sandbox" in info.key_source
    assert str(info).startswith("Backend: sandbox at the local sandbox")


def test_backend_info_for_openai_from_the_environment(monkeypatch, no_sandbox):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    info = chatkit.backend_info()
    assert (info.backend, info.base_url, info.model) == ("openai", "https://api.openai.com/v1", "gpt-6-luna")
    assert info.key == "sk-proj-…CnT1"
    assert info.key_source == "environment"
    text = str(info)
    assert "Backend: openai at https://api.openai.com/v1" in text
    assert "Key: sk-proj-…CnT1 (from environment)" in text
    assert KEY not in text + repr(info)


def test_backend_info_for_a_compatible_server_in_dotenv(tmp_path, no_sandbox):
    (tmp_path / ".env").write_text(
        f"OPENAI_API_KEY={KEY}\nOPENAI_BASE_URL=http://127.0.0.1:11434/v1\nCHATKIT_MODEL=llama3.2\n",
        encoding="utf-8")
    info = chatkit.backend_info()
    assert (info.backend, info.base_url, info.model) == ("openai", "http://127.0.0.1:11434/v1", "llama3.2")
    assert info.key_source == str(tmp_path / ".env")  # the learner sees which file was read


# --- verify ----------------------------------------------------------------------------------


def test_verify_ok_against_the_sandbox(client):
    verdict = chatkit.verify(client)
    assert verdict.ok and verdict.problem is None
    assert mask_key(client.api_key) in verdict.message
    assert str(verdict).startswith("✓ ")


def test_verify_ok_through_connect():
    assert chatkit.verify(chatkit.connect()).ok


def test_verify_wrong_key(sandbox):
    verdict = chatkit.verify(openai.OpenAI(api_key=WRONG_KEY, base_url=sandbox.base_url))
    assert (verdict.ok, verdict.problem) == (False, "wrong_key")
    assert "sk-proj-…NoPe" in verdict.message
    assert str(verdict).startswith("✗ ") and "Fix: " in str(verdict)


def test_verify_revoked_key(sandbox):
    key, info = sandbox.store.create_key("to revoke")
    learner = openai.OpenAI(api_key=key, base_url=sandbox.base_url)
    assert chatkit.verify(learner).ok  # the key worked before
    sandbox.store.revoke_key(info.id)
    verdict = chatkit.verify(learner)
    assert (verdict.ok, verdict.problem) == (False, "wrong_key")
    assert "revoked" in verdict.message


def test_verify_nothing_listening():
    url = f"http://127.0.0.1:{free_port()}/v1"
    verdict = chatkit.verify(openai.OpenAI(api_key=KEY, base_url=url))
    assert (verdict.ok, verdict.problem) == (False, "base_url")
    assert "Nothing is listening" in verdict.message
    assert "OPENAI_BASE_URL" in verdict.fix


def test_verify_unknown_host():
    verdict = chatkit.verify(openai.OpenAI(api_key=KEY, base_url="http://nonexistent.invalid/v1"))
    assert (verdict.ok, verdict.problem) == (False, "base_url")
    assert "'nonexistent.invalid'" in verdict.message
    assert "OPENAI_BASE_URL" in verdict.fix


@pytest.mark.parametrize("status, body, content_type", [
    (404, "<html><body>Not Found</body></html>", "text/html"),  # e.g. OPENAI_BASE_URL without /v1
    (200, "<html><body>Welcome to nginx!</body></html>", "text/html"),  # a web site, or a proxy's page
    (200, '{"status": "ok"}', "application/json"),  # some other JSON API
])
def test_verify_server_that_is_not_an_openai_api(web_server, status, body, content_type):
    verdict = chatkit.verify(openai.OpenAI(api_key=KEY, base_url=web_server(status, body, content_type)))
    assert (verdict.ok, verdict.problem) == (False, "base_url")
    assert "not like an OpenAI-compatible API" in verdict.message
    assert "/v1" in verdict.fix


def test_verify_key_without_permission(web_server):
    error = '{"error": {"message": "Missing scopes: api.model.read", "type": "invalid_request_error"}}'
    verdict = chatkit.verify(openai.OpenAI(api_key=KEY, base_url=web_server(403, error, "application/json")))
    assert (verdict.ok, verdict.problem) == (False, "permission")
    assert "sk-proj-…CnT1" in verdict.message


def test_verify_counts_the_models_of_a_compatible_server(web_server):
    models = '{"object": "list", "data": [{"id": "a", "object": "model"}, {"id": "b", "object": "model"}]}'
    verdict = chatkit.verify(openai.OpenAI(api_key=KEY, base_url=web_server(200, models, "application/json")))
    assert verdict.ok
    assert "(2 models available)" in verdict.message


def test_verify_does_not_retry(caplog):
    # A learner's client may retry with backoff; verify must answer at once.
    caplog.set_level(logging.DEBUG, logger="openai")
    url = f"http://127.0.0.1:{free_port()}/v1"
    client = openai.OpenAI(api_key=KEY, base_url=url, max_retries=5)
    assert chatkit.verify(client).problem == "base_url"
    assert "Raising connection error" in caplog.text  # the SDK's log was captured
    assert "Retrying request" not in caplog.text


# --- the reasoning model ---------------------------------------------------------------------


def test_the_sandbox_client_names_its_reasoning_model_and_it_reasons():
    with chatkit.connect(max_retries=0) as client:
        assert client.reasoning_model == REASONING_MODELS["sandbox"] == "smollm2-135m-reasoning"
        reply = client.responses.create(model=client.reasoning_model, input="Hi", reasoning={"effort": "low"},
                                        max_output_tokens=40)
    assert reply.usage.output_tokens_details.reasoning_tokens > 0


def test_with_an_openai_key_the_default_and_the_reasoning_model_are_gpt_6_luna(monkeypatch, no_sandbox):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = read_settings()
    assert (settings.model, settings.reasoning_model) == ("gpt-6-luna", "gpt-6-luna")
    monkeypatch.setenv("CHATKIT_REASONING_MODEL", "gpt-6.2-sol")
    assert read_settings().reasoning_model == "gpt-6.2-sol"


def test_a_server_chatkit_does_not_know_has_no_reasoning_model_and_says_how_to_name_one(monkeypatch, no_sandbox):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CHATKIT_MODEL", "my-model")
    client = chatkit.connect(max_retries=0)
    with pytest.raises(chatkit.ChatkitError, match="CHATKIT_REASONING_MODEL"):
        _ = client.reasoning_model
    assert client.copy().default_model == "my-model"
