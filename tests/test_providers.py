"""Providers, first-class: presets switch the course, capability answers stop cells that cannot run.

A sandbox started with ``apis={"chat"}`` plays a chat-only provider such as DeepSeek: its
/v1/responses answers the real 404, through the official client.
"""

from __future__ import annotations

import importlib
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import httpx2
import openai
import pytest

import chatkit
from chatkit import providers
from chatkit.calllog import CallLog
from chatkit.config import DEFAULT_MODELS, SETTING_NAMES, read_settings
from chatkit.doctor import diagnose
from chatkit.errors import ChatkitError, ConfigError
from chatkit.failures import explain
from chatkit.keys import mask_key
from chatkit.messages import say
from chatkit.providers import LOCAL_KEY, NotSupported, presets, require, supports
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import client_for, send

KEY = "sk-" + "d" * 32 + "DsK1"
OPENAI_KEY = "sk-proj-" + "o" * 36 + "OpK2"
ZHIPU_KEY = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"  # Zhipu keys are "id.secret", not sk-…
STOP = ("Moonshot Kimi offers no Responses API (checked 2026-11-26): this cell needs it. "
        "Fix: Run it with the sandbox, OpenAI, Azure OpenAI or DeepSeek, or use client.chat.completions.create.")
connect_module = importlib.import_module("chatkit.connect")  # chatkit.connect is the function
HOSTED = [("openai", "OPENAI_API_KEY", "https://api.openai.com/v1", "gpt-6-luna"),
          ("deepseek", "DEEPSEEK_API_KEY", "https://api.deepseek.com", "deepseek-flash"),
          ("qwen", "DASHSCOPE_API_KEY", "https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus"),
          ("zhipu", "ZHIPUAI_API_KEY", "https://open.bigmodel.cn/api/paas/v4", "glm-4-flash-250414"),
          ("moonshot", "MOONSHOT_API_KEY", "https://api.moonshot.cn/v1", "moonshot-v1-8k"),
          ("qianfan", "QIANFAN_API_KEY", "https://qianfan.baidubce.com/v2", "deepseek-v3.2"),
          ("ark", "ARK_API_KEY", "https://ark.cn-beijing.volces.com/api/v3", "doubao-seed-1-6-flash-250828"),
          ("hunyuan", "HUNYUAN_API_KEY", "https://api.hunyuan.cloud.tencent.com/v1", "hunyuan-turbos-latest"),
          ("siliconflow", "SILICONFLOW_API_KEY", "https://api.siliconflow.cn/v1", "Qwen/Qwen3-8B")]


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch):
    """No base URL remembered from another test, and /models asked anew."""
    monkeypatch.setattr(providers, "_live", {})
    connect_module.server_model.cache_clear()


@pytest.fixture(scope="module")
def chat_only(tmp_path_factory):
    """A sandbox that, like DeepSeek, offers Chat Completions but no Responses API."""
    with Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path_factory.mktemp("chat-only"), apis={"chat"}) as box:
        yield box


def as_moonshot(monkeypatch, box, model="scripted-test-model"):
    """The sandbox plays Moonshot Kimi, a provider with Chat Completions but no Responses API."""
    monkeypatch.setenv("CHATKIT_PROVIDER", "moonshot")
    monkeypatch.setenv("MOONSHOT_API_KEY", box.key)
    monkeypatch.setenv("OPENAI_BASE_URL", box.base_url)
    if model:
        monkeypatch.setenv("CHATKIT_MODEL", model)


def failure(call):
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


# --- the table ------------------------------------------------------------------------------

def test_every_preset_is_dated_cites_its_docs_and_answers_every_endpoint():
    table = providers.table()
    assert table["checked"] == max(p.checked for p in presets().values()) and date.fromisoformat(table["checked"])
    assert set(presets()) == {"openai", "azure", "deepseek", "qwen", "zhipu", "moonshot", "qianfan", "ark", "hunyuan",
                             "siliconflow", "ollama", "vllm", "lmstudio"}
    for p in presets().values():
        assert date.fromisoformat(p.checked) <= date.fromisoformat(table["checked"]), p.name
        assert urlparse(p.docs).scheme == "https" and all(urlparse(s).scheme == "https" for s in p.sources), p.name
        assert list(p.offers) == table["endpoints"] == list(providers.ENDPOINT_NAMES), p.name
        assert all(v in (True, False, None) for v in p.offers.values()), p.name
        assert p.offers["chat"] is True and p.notes, p.name
        # An unknown fact is null, and its note says so.
        for endpoint, offered in p.offers.items():
            if offered is None:
                assert any("unknown" in n and endpoint in n for n in p.notes), (p.name, endpoint)


def test_local_servers_need_no_key_and_ask_for_their_model():
    for name in ("ollama", "vllm", "lmstudio"):
        p = presets()[name]
        assert p.local and p.model is None and p.base_url.startswith("http://localhost:")


def test_each_hosted_preset_is_recognised_by_its_host():
    for name, _, base_url, _ in HOSTED:
        assert providers.match(base_url + "/chat/completions").name == name


def test_zhipus_base_url_does_not_end_in_v1():
    assert presets()["zhipu"].base_url == "https://open.bigmodel.cn/api/paas/v4"


def test_one_model_for_openai_in_one_place():
    assert DEFAULT_MODELS["openai"] == presets()["openai"].model


def test_the_new_settings_are_cleaned_by_the_test_suite():
    assert {"CHATKIT_PROVIDER", "DEEPSEEK_API_KEY", "DASHSCOPE_API_KEY", "ZHIPUAI_API_KEY", "MOONSHOT_API_KEY",
            "AZURE_OPENAI_API_KEY"} <= set(SETTING_NAMES)
    assert len(SETTING_NAMES) == len(set(SETTING_NAMES))


# --- presets choose the configuration --------------------------------------------------------------

@pytest.mark.parametrize("name, variable, base_url, model", HOSTED)
def test_a_preset_from_the_environment(monkeypatch, name, variable, base_url, model):
    monkeypatch.setenv("CHATKIT_PROVIDER", name)
    monkeypatch.setenv(variable, KEY)
    settings = read_settings()
    assert (settings.backend, settings.provider, settings.base_url, settings.model) == ("openai", name, base_url, model)
    assert (settings.api_key, settings.key_variable, settings.key_source) == (KEY, variable, "environment")


@pytest.mark.parametrize("name, variable, base_url, model", HOSTED)
def test_a_preset_from_dotenv(tmp_path, name, variable, base_url, model):
    (tmp_path / ".env").write_text(f"CHATKIT_PROVIDER={name}\n{variable}={KEY}\n", encoding="utf-8")
    settings = read_settings()
    assert (settings.provider, settings.base_url, settings.model, settings.api_key) == (name, base_url, model, KEY)
    assert settings.key_source == ".env"


def test_the_preset_gives_the_client_its_configuration(monkeypatch, no_sandbox):
    monkeypatch.setenv("CHATKIT_PROVIDER", "zhipu")
    monkeypatch.setenv("ZHIPUAI_API_KEY", ZHIPU_KEY)
    client = chatkit.connect()
    assert str(client.base_url) == "https://open.bigmodel.cn/api/paas/v4/"
    assert (client.api_key, client.default_model, client.provider) == (ZHIPU_KEY, "glm-4-flash-250414", "zhipu")


def test_openai_api_key_is_the_fallback(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", " DeepSeek ")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = read_settings()
    assert (settings.provider, settings.api_key, settings.key_variable) == ("deepseek", KEY, "OPENAI_API_KEY")


def test_the_providers_own_variable_beats_openai_api_key(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    (tmp_path / ".env").write_text(f"CHATKIT_PROVIDER=deepseek\nDEEPSEEK_API_KEY={KEY}\n", encoding="utf-8")
    settings = read_settings()
    assert (settings.api_key, settings.key_variable, settings.key_source) == (KEY, "DEEPSEEK_API_KEY", ".env")


def test_explicit_base_url_and_model_win(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "qwen")
    monkeypatch.setenv("DASHSCOPE_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1")
    monkeypatch.setenv("CHATKIT_MODEL", "qwen-flash")
    settings = read_settings()
    assert (settings.provider, settings.base_url, settings.model) == (
        "qwen", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "qwen-flash")


def test_a_provider_without_its_key_says_which_variable_to_set(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "moonshot")
    error = failure(read_settings)
    assert isinstance(error, ConfigError)
    assert "no MOONSHOT_API_KEY was found" in error.what and "MOONSHOT_API_KEY=" in error.fix and ".env" in error.fix


def test_an_unknown_provider_lists_the_known_ones(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "gemini")
    error = failure(read_settings)
    assert isinstance(error, ConfigError) and "'gemini'" in error.what
    assert all(name in error.fix for name in presets())


def test_azure_needs_the_resources_url_and_the_deployments_name(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "azure")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    error = failure(read_settings)
    assert "OPENAI_BASE_URL=https://YOUR-RESOURCE-NAME.openai.azure.com/openai/v1/" in error.fix
    monkeypatch.setenv("OPENAI_BASE_URL", "https://my-school.openai.azure.com/openai/v1/")
    error = failure(read_settings)
    assert "deployment" in error.what and "CHATKIT_MODEL=" in error.fix
    monkeypatch.setenv("CHATKIT_MODEL", "my-gpt-deployment")
    settings = read_settings()
    assert (settings.provider, settings.model, settings.api_key, settings.key_variable) == (
        "azure", "my-gpt-deployment", KEY, "AZURE_OPENAI_API_KEY")


def test_a_local_server_needs_no_key(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "ollama")
    settings = read_settings()
    assert (settings.base_url, settings.api_key, settings.key_source, settings.model) == (
        "http://localhost:11434/v1", LOCAL_KEY, "none needed", None)


def test_the_sandbox_when_forced_ignores_the_provider(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    monkeypatch.setenv("CHATKIT_BACKEND", "sandbox")
    settings = read_settings()
    assert (settings.backend, settings.provider, settings.api_key) == ("sandbox", "sandbox", None)


def test_without_a_provider_nothing_changes(monkeypatch):
    assert read_settings().backend == "sandbox"
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    settings = read_settings()
    assert (settings.provider, settings.base_url, settings.model) == ("openai", "https://api.openai.com/v1",
                                                                      "gpt-6-luna")


def test_a_known_providers_base_url_gets_its_model(monkeypatch):
    # The set-up many learners already have: a DeepSeek key and base URL, no CHATKIT_PROVIDER.
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.deepseek.com/v1")
    settings = read_settings()
    assert (settings.provider, settings.model) == ("deepseek", "deepseek-flash")


def test_an_unknown_server_gets_no_guessed_model(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    settings = read_settings()
    assert (settings.provider, settings.model) == (None, None)


# --- secrets ---------------------------------------------------------------------------------

def test_reprs_mask_the_providers_key(monkeypatch, no_sandbox):
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    client = chatkit.connect()
    texts = [repr(read_settings()), repr(client), str(chatkit.backend_info()), repr(chatkit.backend_info())]
    for text in texts:
        assert KEY not in text and KEY[3:] not in text
    assert mask_key(KEY) in texts[0] and mask_key(KEY) in texts[1]
    assert "Provider: DeepSeek" in texts[2] and "DEEPSEEK_API_KEY in environment" in texts[2]


def test_a_zhipu_key_is_masked_too(monkeypatch, no_sandbox):
    monkeypatch.setenv("CHATKIT_PROVIDER", "zhipu")
    monkeypatch.setenv("ZHIPUAI_API_KEY", ZHIPU_KEY)
    for text in (repr(read_settings()), repr(chatkit.connect()), str(chatkit.backend_info())):
        assert ZHIPU_KEY not in text and ZHIPU_KEY.split(".")[1] not in text


# --- capability answers ----------------------------------------------------------------------

def test_supports_by_name():
    assert supports("moonshot", "responses") is False
    assert supports("deepseek", "responses") is True  # since 2026 (providers.json, checked 2026-12-06)
    assert supports("deepseek", "chat") is True
    assert supports("qwen", "responses") is True
    assert supports("moonshot", "stream_usage") is None  # unknown, and marked so
    assert supports("sandbox", "responses") is True and supports("sandbox", "embeddings") is False


def test_supports_by_client():
    deepseek = openai.OpenAI(api_key=KEY, base_url="https://api.moonshot.cn/v1")  # no Responses API
    azure = openai.OpenAI(api_key=KEY, base_url="https://my-school.openai.azure.com/openai/v1/")
    unknown = openai.OpenAI(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    assert (supports(deepseek, "responses"), supports(azure, "responses"), supports(unknown, "responses")) == (
        False, True, None)


def test_supports_knows_the_sandbox_client():
    client = chatkit.connect()
    assert client.provider == "sandbox" and supports(client, "responses") is True


def test_an_unknown_endpoint_is_refused_with_the_known_ones():
    error = failure(lambda: supports("deepseek", "assistants"))
    assert isinstance(error, ChatkitError) and "'assistants'" in error.what and "responses" in error.fix


def test_require_stops_with_one_line():
    error = failure(lambda: require("moonshot", "responses"))
    assert isinstance(error, NotSupported) and isinstance(error, ChatkitError)
    assert str(error) == f"{STOP} (See https://platform.moonshot.cn/docs/guide/migrating-from-openai-to-kimi)"
    assert "\n" not in str(error)
    assert error._render_traceback_() == [str(error)]  # what Jupyter shows instead of a traceback
    assert explain(error).kind == "not_offered" and explain(error).line() == str(error)


def test_require_names_the_cell_and_the_alternatives():
    error = failure(lambda: require("zhipu", "responses", what="the exercise"))
    assert error.what == "Zhipu GLM offers no Responses API (checked 2026-11-26): the exercise needs it."
    error = failure(lambda: require("deepseek", "embeddings"))
    assert "Run it with OpenAI," in error.fix  # the sandbox has no embeddings either


def test_require_suggests_mainland_providers_first_to_a_chinese_reader(monkeypatch):
    # OpenAI refuses requests from mainland China: a Chinese reader is sent to the ones they can reach.
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    error = failure(lambda: require("moonshot", "responses"))
    assert error.fix.startswith("在沙盒、DeepSeek、Qwen (DashScope) 或 Baidu Qianfan 上运行它，或者")
    error = failure(lambda: require("deepseek", "batch"))
    assert "在沙盒、Qwen (DashScope)、Zhipu GLM 或 Moonshot Kimi 上运行它" in error.fix


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_require_suggests_only_providers_known_to_offer_the_endpoint(monkeypatch, lang):
    monkeypatch.setenv("CHATKIT_LANG", lang)
    for endpoint in ("responses", "batch", "embeddings", "stream_usage", "stored_responses"):
        text = providers._elsewhere(endpoint)
        named = [p for p in presets().values() if p.title in text]
        assert 1 <= len(named) <= 3 and all(p.offers[endpoint] is True and not p.local for p in named), endpoint
        assert (say("providers.the_sandbox") in text) == providers.SANDBOX_OFFERS[endpoint], endpoint


def test_deepseek_keeps_no_responses_to_continue(monkeypatch, no_sandbox):
    # Its Responses API is stateless (providers.json, checked 2026-12-06): previous_response_id cannot work there.
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    client = chatkit.connect()
    assert supports(client, "stored_responses") is False and supports(client, "responses") is True
    assert supports("openai", "stored_responses") is True and supports("sandbox", "stored_responses") is True
    error = failure(lambda: require(client, "stored_responses"))
    assert error.what == ("DeepSeek offers no stored responses (previous_response_id) (checked 2026-12-06): "
                          "this cell needs it.")
    assert error.fix.endswith("or send the whole history each time, as chatkit.Conversation(client) does.")


def test_a_request_that_continues_a_response_stops_where_none_is_kept(monkeypatch, scripted):
    # The sandbox plays DeepSeek: a first Responses call is sent, the one that chains on it stops before sending.
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", scripted.key)
    monkeypatch.setenv("OPENAI_BASE_URL", scripted.base_url)
    monkeypatch.setenv("CHATKIT_MODEL", "scripted-test-model")
    client = chatkit.connect(max_retries=2)
    first = client.responses.create(model=client.default_model, input="My cat is called Pixel.")
    sent = len(scripted.engine.history)
    error = failure(lambda: client.responses.create(model=client.default_model, input="What is my cat called?",
                                                    previous_response_id=first.id))
    assert isinstance(error, NotSupported) and len(scripted.engine.history) == sent  # nothing was sent
    assert str(error).startswith("DeepSeek offers no stored responses (previous_response_id) (checked 2026-12-06): "
                                 "this request needs it.")


def test_a_responses_conversation_sends_the_whole_history_where_no_response_is_kept(monkeypatch, scripted):
    # The sandbox plays DeepSeek: Conversation(api="responses") cannot chain there, so it resends the turns.
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", scripted.key)
    monkeypatch.setenv("OPENAI_BASE_URL", scripted.base_url)
    monkeypatch.setenv("CHATKIT_MODEL", "scripted-test-model")
    conversation = chatkit.Conversation(chatkit.connect(max_retries=0), api="responses")
    conversation.ask("My cat is called Pixel.")
    conversation.ask("What is my cat called?")
    assert "Pixel" in json.dumps(scripted.engine.history[-1]) and conversation.previous_response_id is None


def test_require_lets_through_what_is_offered_or_unknown():
    assert require("qwen", "responses") is None
    assert require("moonshot", "stream_usage") is None  # nobody knows: the call itself will tell
    assert require(openai.OpenAI(api_key=KEY, base_url="http://127.0.0.1:9/v1"), "responses") is None


# --- a chat-only provider, played by the sandbox -------------------------------------------------

def test_the_chat_only_sandbox_answers_chat_and_404s_responses(chat_only):
    client = client_for(chat_only)
    assert [m.id for m in client.models.list()] == ["scripted-test-model"]
    reply = client.chat.completions.create(model="scripted-test-model", messages=[{"role": "user", "content": "Hi"}])
    assert reply.choices[0].message.content == "OK"
    error = failure(lambda: client.responses.create(model="scripted-test-model", input="Hi"))
    assert isinstance(error, openai.NotFoundError)
    assert error.body["message"] == "Invalid URL (POST /v1/responses)"
    assert explain(error).kind == "url"  # a server chatkit does not know: the general advice


def test_unknown_sandbox_api_names_are_refused(tmp_path):
    error = failure(lambda: Sandbox.start(engine=ScriptedEngine(), data_dir=tmp_path, apis={"chat", "assistants"}))
    assert isinstance(error, ValueError) and "assistants" in str(error)


def test_a_chat_only_provider_gives_the_explained_stop(monkeypatch, chat_only):
    as_moonshot(monkeypatch, chat_only)
    client = chatkit.connect(max_retries=0)
    assert client.provider == "moonshot"
    reply = client.chat.completions.create(model=client.default_model, messages=[{"role": "user", "content": "Hi"}])
    assert reply.choices[0].message.content == "OK"
    stop = failure(lambda: require(client, "responses"))
    assert str(stop).startswith(STOP)
    # The official client, which sends the request anyway: the real 404 is explained the same way.
    plain = client_for(chat_only)
    error = failure(lambda: plain.responses.create(model=client.default_model, input="Hi"))
    found = explain(error)
    assert (found.kind, found.status, found.retry) == ("not_offered", 404, False)
    assert found.line() == str(stop)
    assert "Moonshot Kimi serves only part of the OpenAI API" in found.cause


def test_a_hosted_providers_404_is_explained_from_its_host():
    def not_found(request):
        return httpx2.Response(404, json={"error": {"message": "Not Found", "type": "invalid_request_error"}})

    def client_at(base_url):
        return openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0,
                             http_client=httpx2.Client(transport=httpx2.MockTransport(not_found)))

    kimi = explain(failure(lambda: client_at("https://api.moonshot.cn/v1").responses.create(model="m", input="x")))
    assert kimi.kind == "not_offered" and kimi.what.startswith("Moonshot Kimi offers no Responses API")
    moonshot = explain(failure(lambda: client_at("https://api.moonshot.cn/v1").embeddings.create(model="m", input="x")))
    assert moonshot.kind == "not_offered" and "no Embeddings API" in moonshot.what
    qwen = explain(failure(lambda: client_at("https://dashscope.aliyuncs.com/compatible-mode/v1").responses.create(
        model="m", input="x")))
    assert qwen.kind == "url"  # Qwen has a Responses API: this 404 is something else


# --- connect() never sends a model the server lacks ------------------------------------------------

def test_an_unknown_server_gets_the_model_it_lists(monkeypatch, scripted):
    monkeypatch.setenv("OPENAI_API_KEY", scripted.key)
    monkeypatch.setenv("OPENAI_BASE_URL", scripted.base_url)
    log = CallLog()
    client = chatkit.connect(max_retries=0, log=log)
    assert "first chat model" in repr(client)  # not asked yet: making a client costs no request
    client.chat.completions.create(model=client.default_model, messages=[{"role": "user", "content": "Hi"}])
    assert client.default_model == "scripted-test-model"
    assert [r["model"] for r in log] == ["scripted-test-model"]
    assert "gpt-6-luna" not in json.dumps(log.records)
    again = chatkit.connect_async()
    assert again.default_model == "scripted-test-model"
    info = connect_module.server_model.cache_info()
    assert (info.misses, info.hits) == (1, 1)  # /models was asked once


@pytest.fixture
def models_server():
    """A plain HTTP server whose /v1/models lists the given ids; returns its /v1 URL."""
    servers = []

    def start(ids, status=200):
        class Models(BaseHTTPRequestHandler):
            def do_GET(self):
                data = json.dumps({"object": "list", "data": [{"id": i, "object": "model"} for i in ids]}
                                  if status == 200 else {"error": {"message": "Unauthorized", "code": None}}).encode()
                send(self, status, data)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Models)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_embedding_models_are_skipped(monkeypatch, models_server):
    monkeypatch.setenv("CHATKIT_PROVIDER", "ollama")
    monkeypatch.setenv("OPENAI_BASE_URL", models_server(["nomic-embed-text", "qwen2.5:0.5b"]))
    assert chatkit.connect().default_model == "qwen2.5:0.5b"


def test_a_server_without_a_chat_model_says_what_to_set(monkeypatch, models_server):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", models_server(["text-embedding-v4"]))
    client = chatkit.connect()
    error = failure(lambda: client.default_model)
    assert isinstance(error, ConfigError) and "lists no chat model (text-embedding-v4)" in error.what
    assert "CHATKIT_MODEL" in error.fix


def test_a_server_that_refuses_models_says_what_to_set(monkeypatch, models_server):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", models_server([], status=401))
    error = failure(lambda: chatkit.connect().default_model)
    assert isinstance(error, ConfigError) and "could not ask" in error.what and mask_key(KEY) in error.what
    assert "CHATKIT_MODEL" in error.fix and KEY not in str(error)


def test_with_options_keeps_the_provider(monkeypatch, no_sandbox):
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    copy = chatkit.connect().with_options(timeout=3)
    assert (copy.provider, copy.default_model, copy.reasoning_model) == ("deepseek", "deepseek-flash", "deepseek-flash")
    assert supports(copy, "responses") is True and supports(copy, "batch") is False


# --- the doctor --------------------------------------------------------------------------------

def check(report, name):
    return next(c for c in report.checks if c.name == name)


def test_the_doctor_names_the_live_provider_and_what_it_lacks(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    report = diagnose(call=False)
    backend, key = check(report, "Backend"), check(report, "API key")
    assert backend.ok and "(provider: DeepSeek), model deepseek-flash" in backend.detail
    assert "offers no Batch API (checked 2026-12-06)" in backend.detail
    assert key.ok and key.detail.startswith(f"DEEPSEEK_API_KEY {mask_key(KEY)} from the environment")
    assert KEY not in str(report)


def test_the_doctor_says_which_key_is_missing(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "deepseek")
    backend = check(diagnose(call=False), "Backend")
    assert not backend.ok and "DEEPSEEK_API_KEY" in backend.detail and "DEEPSEEK_API_KEY=" in backend.fix


def test_the_doctor_does_not_judge_a_zhipu_key_by_openais_format(monkeypatch):
    monkeypatch.setenv("CHATKIT_PROVIDER", "zhipu")
    monkeypatch.setenv("OPENAI_API_KEY", ZHIPU_KEY)
    key = check(diagnose(call=False), "API key")
    assert key.ok and key.detail.startswith("OPENAI_API_KEY") and ZHIPU_KEY not in key.detail


def test_the_doctor_on_an_unknown_server_says_how_the_model_is_chosen(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    backend = check(diagnose(call=False), "Backend")
    assert backend.ok and "no preset for" in backend.detail and "set CHATKIT_MODEL" in backend.detail


def test_the_doctors_test_call_passes_on_a_chat_only_provider(monkeypatch, chat_only):
    as_moonshot(monkeypatch, chat_only)
    report = diagnose(call=True)
    assert check(report, "Test call").ok, str(report)
    assert chat_only.key not in str(report)


@pytest.fixture
def no_sandbox(monkeypatch):
    """Fail the test if anything tries to start the sandbox."""
    import chatkit.sandbox.server

    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox was started")

    monkeypatch.setattr(chatkit.sandbox.server, "ensure_running", refuse)


def test_a_connected_client_stops_a_request_the_provider_cannot_serve_before_sending_it(monkeypatch, chat_only):
    as_moonshot(monkeypatch, chat_only)
    client = chatkit.connect(max_retries=2)
    sent = len(chat_only.engine.history)
    error = failure(lambda: client.responses.create(model=client.default_model, input="Hi"))
    assert isinstance(error, NotSupported) and len(chat_only.engine.history) == sent  # nothing was sent
    assert error._render_traceback_() == [str(error)] and "Moonshot Kimi offers no Responses API" in str(error)
    assert chatkit.explain(error).kind == "not_offered"
    reply = client.chat.completions.create(model=client.default_model, messages=[{"role": "user", "content": "Hi"}])
    assert reply.choices[0].message.content  # what it offers still works
