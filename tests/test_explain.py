"""chatkit.explain: every common failure, triggered for real, explained the same way everywhere.

Errors the sandbox can produce are produced by it, through the official client; the
rest (403 region, 5xx, 408, proxies) come from httpx2's MockTransport, answering as the
platform does.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx2
import openai
import pytest

import chatkit
from chatkit.failures import explain, mask_secrets
from support import client_for, send

KEY = "sk-proj-" + "Zq7Xw" * 8 + "CnT1"


def failure(call):
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def chat(client, **fields):
    body = {"model": getattr(client, "_model", None) or "scripted-test-model",
            "messages": [{"role": "user", "content": "Hi"}], **fields}
    return lambda: client.chat.completions.create(**body)


def mocked(status: int, error: dict | None = None, headers: dict | None = None):
    """A client whose every request gets one fixed answer from the 'platform'."""
    def answer(request):
        return httpx2.Response(status, json={"error": error} if error else {}, headers=headers or {})

    return openai.OpenAI(api_key=KEY, base_url="https://api.example.test/v1", max_retries=0,
                         http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))


def error(message, type_="invalid_request_error", code=None, param=None):
    return {"message": message, "type": type_, "code": code, "param": param}


# --- from the real sandbox -------------------------------------------------------------

def test_a_wrong_key(scripted):
    found = explain(failure(chat(client_for(scripted, key=KEY))))
    assert (found.kind, found.status, found.retry) == ("wrong_key", 401, False)
    assert "sk-proj-…CnT1" in found.what and KEY not in str(found)
    assert "API keys page" in found.fix


def test_a_sandbox_key_from_another_data_folder(scripted):
    found = explain(failure(chat(client_for(scripted, key="sk-sandbox-" + "x" * 40))))
    assert found.kind == "wrong_key" and "python -m chatkit keys create --save" in found.fix


def test_a_class_key_sends_the_student_to_their_teacher(scripted):
    key = "sk-class-" + "y" * 43
    found = explain(failure(chat(client_for(scripted, key=key))))
    assert found.kind == "wrong_key" and "teacher" in found.fix and "classroom join" in found.fix
    assert "API keys page" not in found.fix and key not in str(found)


def test_an_unknown_model(scripted):
    found = explain(failure(chat(client_for(scripted), model="gpt-nonexistent")))
    assert (found.kind, found.status) == ("model", 404)
    assert "'gpt-nonexistent'" in found.what and "client.models.list()" in found.fix


def test_a_wrong_url(scripted):
    client = openai.OpenAI(api_key=scripted.key, base_url=scripted.base_url.removesuffix("/v1"), max_retries=0)
    found = explain(failure(chat(client)))
    assert (found.kind, found.status) == ("url", 404) and "/chat/completions" in found.what
    assert "OPENAI_BASE_URL" in found.fix and "Chat Completions" in found.cause


def test_a_parameter_out_of_range_names_the_setting(scripted):
    found = explain(failure(chat(client_for(scripted), temperature=5)))
    assert (found.kind, found.status, found.retry) == ("bad_request", 400, False)
    assert "'temperature'" in found.what


def test_a_value_of_the_wrong_type_says_to_drop_the_quotes(scripted):
    found = explain(failure(chat(client_for(scripted), seed="42")))
    assert (found.kind, found.code) == ("bad_request", "invalid_type")
    assert '"seed": 7, not "seed": "7"' in found.fix and "range" not in found.fix


def test_the_minimum_max_output_tokens(scripted):
    client = client_for(scripted)
    found = explain(failure(lambda: client.responses.create(model="scripted-test-model", input="Hi",
                                                          max_output_tokens=5)))
    assert found.kind == "bad_request" and "'max_output_tokens'" in found.what


REASONING = "smollm2-135m-reasoning"  # the sandbox's reasoning model: gpt-6-luna's rules


@pytest.mark.parametrize("setting", [{"temperature": 0.2}, {"top_p": 0.5}, {"logprobs": True}])
def test_a_sampling_setting_on_a_reasoning_model_says_to_turn_reasoning_off(sandbox, setting):
    found = explain(failure(chat(client_for(sandbox), model=REASONING, **setting)))
    (param,) = setting
    assert (found.kind, found.status, found.retry) == ("reasoning_sampling", 400, False)
    assert f"'{param}'" in found.what and REASONING in found.cause
    assert "reasoning_effort='none'" in found.fix and "reasoning={'effort': 'none'}" in found.fix


def test_the_same_setting_at_effort_none_is_accepted(sandbox):
    reply = chat(client_for(sandbox), model=REASONING, temperature=0.2, reasoning_effort="none",
                 max_completion_tokens=5)()
    assert reply.usage.completion_tokens_details.reasoning_tokens == 0


def test_an_effort_the_model_lacks_lists_where_to_find_its_efforts(sandbox):
    found = explain(failure(chat(client_for(sandbox), model=REASONING, reasoning_effort="minimal")))
    assert found.kind == "reasoning_effort" and "'minimal'" in found.what
    assert "chatkit.reasoning.efforts(model)" in found.fix


def test_max_tokens_on_a_reasoning_model_says_max_completion_tokens(sandbox):
    found = explain(failure(chat(client_for(sandbox), model=REASONING, max_tokens=20)))
    assert found.kind == "reasoning_max_tokens" and "max_completion_tokens instead" in found.fix


def test_a_plain_model_given_an_effort_points_to_the_reasoning_model(sandbox):
    found = explain(failure(chat(client_for(sandbox), model="smollm2-135m-instruct", reasoning_effort="low")))
    assert found.kind == "reasoning_effort" and REASONING in found.what


def test_an_image_for_a_text_only_model(scripted):
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    content = [{"type": "text", "text": "What is in this picture?"}, image]
    found = explain(failure(chat(client_for(scripted), messages=[{"role": "user", "content": content}])))
    assert (found.kind, found.status) == ("not_multimodal", 400) and "image_url" in found.what


def test_a_conversation_too_long_for_the_context_window(scripted):
    long = [{"role": "user", "content": "word " * 9000}]
    found = explain(failure(chat(client_for(scripted), messages=long)))
    assert (found.kind, found.code) == ("context_length", "context_length_exceeded")
    assert "budget" in found.fix


def test_a_rate_limit_says_how_long_to_wait(scripted):
    scripted.limits.update(rpm=1)
    try:
        client = client_for(scripted)
        chat(client)()
        found = explain(failure(chat(client)))
    finally:
        scripted.limits.update(rpm=None)
        scripted.limits.reset()
    assert (found.kind, found.status, found.retry) == ("rate_limit", 429, True)
    assert found.fix.startswith("Wait ") and "retry-after" in found.fix


def test_no_quota_is_not_a_rate_limit(scripted):
    scripted.limits.update(quota_tokens=1)
    try:
        client = client_for(scripted)
        chat(client)()  # uses up the quota
        found = explain(failure(chat(client)))
    finally:
        scripted.limits.update(quota_tokens=None)
        scripted.limits.reset()
    assert (found.kind, found.status, found.retry, found.code) == ("quota", 429, False, "credit_balance_exhausted")
    assert "Add credit" in found.fix and "Waiting will not help" in found.fix and "billing" in found.cause


@pytest.mark.parametrize("code", ["project_spend_limit_exceeded", "organization_spend_limit_exceeded"])
def test_a_spend_limit_is_billing_too(code):
    found = explain(failure(chat(mocked(429, error("You exceeded your current quota", "insufficient_quota", code)))))
    assert (found.kind, found.retry) == ("quota", False) and "spend limit" in found.fix


def test_nothing_listening(scripted):
    client = openai.OpenAI(api_key=KEY, base_url="http://127.0.0.1:9/v1", max_retries=0)
    found = explain(failure(chat(client)))
    assert (found.kind, found.retry) == ("refused", True) and "sandbox" in found.cause


def test_an_unknown_host():
    client = openai.OpenAI(api_key=KEY, base_url="http://nonexistent.invalid/v1", max_retries=0)
    found = explain(failure(chat(client)))
    assert found.kind == "host_not_found" and "'nonexistent.invalid'" in found.what


def test_a_timeout(scripted):
    scripted.engine.enqueue("slow " * 50)
    client = client_for(scripted, timeout=0.001)
    found = explain(failure(chat(client)))
    assert (found.kind, found.retry) == ("timeout", True) and "timeout=" in found.fix


def test_no_key_at_all(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    found = explain(failure(lambda: openai.OpenAI()))
    assert found.kind == "missing_key" and "chatkit.connect()" in found.fix


# --- answers only the real platform gives ------------------------------------------------

def test_a_region_the_platform_does_not_serve():
    client = mocked(403, error("Country, region, or territory not supported", "request_forbidden",
                               "unsupported_country_region_territory"))
    found = explain(failure(chat(client)))
    assert (found.kind, found.retry) == ("region", False) and "provider" in found.fix


def test_a_restricted_key():
    found = explain(failure(chat(mocked(403, error("Missing scopes: model.request")))))
    assert found.kind == "permission" and "sk-proj-…CnT1" in found.what and "Missing scopes" in found.what


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_can_be_retried(status):
    found = explain(failure(chat(mocked(status, error("The server had an error", "server_error")))))
    assert (found.kind, found.retry) == ("server", True)


def test_a_request_timeout_answer():
    assert explain(failure(chat(mocked(408)))).kind == "timeout"


def test_a_proxy_failure():
    def refuse(request):
        raise httpx2.ProxyError("407 Proxy Authentication Required")

    client = openai.OpenAI(api_key=KEY, base_url="https://api.example.test/v1", max_retries=0,
                           http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)))
    assert explain(failure(chat(client))).kind == "proxy"


def test_a_key_echoed_by_a_server_is_masked():
    found = explain(failure(chat(mocked(400, error(f"Bad key {KEY} in header")))))
    assert KEY not in str(found) + found.line() + found._repr_html_() and "sk-proj-…CnT1" in found.what


def test_mask_secrets_leaves_other_text_alone():
    assert mask_secrets("temperature must be <= 2") == "temperature must be <= 2"
    assert KEY not in mask_secrets(f"key={KEY} and '{KEY}'.")


# --- one explanation everywhere -----------------------------------------------------------

def test_chatkit_errors_keep_their_fix_and_docs():
    found = explain(chatkit.ChatkitError("No key found.", fix="Add one to .env.", docs="notebooks/02"))
    assert found.line() == "No key found. Fix: Add one to .env. (See notebooks/02)"


def test_with_no_argument_it_explains_the_last_error(monkeypatch, scripted):
    monkeypatch.setattr(sys, "last_value", failure(chat(client_for(scripted), model="gpt-nonexistent")),
                        raising=False)
    assert chatkit.explain().kind == "model"


def test_an_unexpected_error_is_named_not_hidden():
    found = explain(KeyError("oops"))
    assert found.kind == "unknown" and found.what.startswith("Unexpected error: KeyError")


def test_printed_it_says_what_why_what_next_and_whether_to_retry(scripted):
    text = str(explain(failure(chat(client_for(scripted), model="gpt-nonexistent"))))
    assert [line.split()[0] for line in text.splitlines()] == ["✗", "Likely", "What", "Retry?"]


def test_conversation_errors_carry_the_same_fix(scripted):
    conv = chatkit.Conversation(client_for(scripted), model="gpt-nonexistent")
    exc = failure(lambda: conv.ask("Hi"))
    assert explain(exc).line() in exc.__notes__


def test_the_cli_explains_api_errors(capsys, monkeypatch, scripted):
    from chatkit.__main__ import main

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", scripted.base_url)
    monkeypatch.setenv("CHATKIT_MODEL", "scripted-test-model")  # else connect() asks /models first, with the wrong key
    Path("in.jsonl").write_text('{"prompt": "Hi"}\n')
    code = main(["batch", "in.jsonl", "--out", "out.jsonl"])
    out = capsys.readouterr().out
    assert code == 1 and "refused the key sk-proj-…CnT1" in out and "Fix: Copy the key again" in out
    assert KEY not in out + Path("out.jsonl").read_text()


def test_a_key_the_server_masked_already_is_shown_once_masked():
    said = "Incorrect API key provided: sk-sandbox-…D1e4. This key was revoked."
    assert mask_secrets(said) == said  # not "sk-sandbox-……D1e4"
    assert mask_secrets(f"key {KEY}.") == "key sk-proj-…CnT1."


# --- content-safety refusals, from a stand-in that answers as each provider documents -----
# The bodies are the providers' own (sources and dates beside REFUSALS and FILTERED in chatkit/failures.py).

@pytest.fixture
def stand_in():
    """A server on 127.0.0.1 that gives each request the next queued answer: (status, body) or a list of SSE events."""
    answers = []

    class Provider(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = answers.pop(0)
            streamed = isinstance(answer, list)
            data = ("".join(f"data: {json.dumps(event)}\n\n" for event in answer) + "data: [DONE]\n\n"
                    if streamed else json.dumps(answer[1])).encode()
            send(self, 200 if streamed else answer[0], data, "text/event-stream" if streamed else "application/json")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    client = openai.OpenAI(api_key=KEY, base_url=f"http://127.0.0.1:{server.server_port}/v1", max_retries=0)
    client.answers = answers
    yield client
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def refused(client, status: int, body: dict) -> Exception:
    client.answers.append((status, body))
    return failure(chat(client, model="glm-4-flash-250414"))


def completion(finish_reason: str, content: str = "") -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "glm-4-flash-250414",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish_reason}]}


ZHIPU_1301 = "系统检测到输入或生成内容可能包含不安全或敏感内容，请您避免输入易产生敏感内容的提示语，感谢您的配合。"


def test_zhipus_1301_on_the_prompt(stand_in):
    body = {"contentFilter": [{"level": 1, "role": "user"}], "error": {"code": "1301", "message": ZHIPU_1301}}
    found = explain(refused(stand_in, 400, body))
    assert (found.kind, found.status, found.code, found.retry) == ("content_filter", 400, "1301", False)
    assert found.what.startswith("Zhipu GLM's content filter refused your prompt (400 1301): 系统检测到")
    assert "Reword" in found.fix and "drop the refused turn from the history" in found.fix


def test_zhipus_1301_on_the_answer(stand_in):
    body = {"contentFilter": [{"level": 0, "role": "assistant"}], "error": {"code": "1301", "message": ZHIPU_1301}}
    assert "stopped the model's answer" in explain(refused(stand_in, 400, body)).what


def test_zhipus_sensitive_finish_reason_cuts_a_stream(stand_in):
    chunk = {"id": "1", "object": "chat.completion.chunk", "created": 1, "model": "glm-4-flash-250414"}
    stand_in.answers.append([{**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Once"},
                                                    "finish_reason": None}]},
                             {**chunk, "content_filter": [{"role": "assistant", "level": 1}],
                              "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "sensitive"}]}])
    *_, last = chat(stand_in, stream=True)()
    found = explain(last)
    assert (found.kind, found.code, found.retry) == ("content_filter", "sensitive", False)
    assert found.what == "Zhipu GLM's content filter cut the answer (finish_reason 'sensitive')."
    assert "remove it from the history" in found.fix


@pytest.mark.parametrize("answer", ["reply", "choice"])
def test_a_content_filter_finish_reason_in_a_reply(stand_in, answer):
    stand_in.answers.append((200, completion("content_filter", "Part of an ans")))
    reply = chat(stand_in)()
    found = explain(reply if answer == "reply" else reply.choices[0])
    assert (found.kind, found.code) == ("content_filter", "content_filter")
    assert found.what == "The provider's content filter cut the answer (finish_reason 'content_filter')."


@pytest.mark.parametrize("reason, kind", [("length", "length"), ("stop", "finished"), ("tool_calls", "finished")])
def test_other_finish_reasons_are_not_a_filter(stand_in, reason, kind):
    stand_in.answers.append((200, completion(reason, "Hello")))
    assert explain(chat(stand_in)()).kind == kind


def test_a_responses_answer_cut_by_the_filter(stand_in):
    stand_in.answers.append((200, {"id": "resp_1", "object": "response", "created_at": 1, "model": "qwen-plus",
                                   "status": "incomplete", "incomplete_details": {"reason": "content_filter"},
                                   "output": [], "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}))
    reply = stand_in.responses.create(model="qwen-plus", input="Hi")
    assert explain(reply).kind == "content_filter"


@pytest.mark.parametrize("message, side", [("Input data may contain inappropriate content.", "refused your prompt"),
                                           ("Output data may contain inappropriate content.", "stopped the model's")])
def test_dashscopes_data_inspection_failed(stand_in, message, side):
    body = {"error": {"code": "data_inspection_failed", "param": None, "message": message,
                      "type": "data_inspection_failed"}, "id": "chatcmpl-1"}
    found = explain(refused(stand_in, 400, body))
    assert (found.kind, found.code) == ("content_filter", "data_inspection_failed")
    assert found.what.startswith(f"Qwen (DashScope)'s content filter {side}")


def test_dashscopes_refusal_in_the_middle_of_a_stream(stand_in):
    chunk = {"id": "1", "object": "chat.completion.chunk", "created": 1, "model": "qwen-plus",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Partial"}, "finish_reason": None}]}
    error = {"message": "Output data may contain inappropriate content.", "type": "data_inspection_failed",
             "param": None, "code": "data_inspection_failed"}
    stand_in.answers.append([chunk, {"error": error}])
    exc = failure(lambda: list(chat(stand_in, stream=True)()))
    assert type(exc) is openai.APIError  # not a status error: the stream had begun with 200
    found = explain(exc)
    assert (found.kind, found.status) == ("content_filter", None)
    assert "stopped the model's answer (data_inspection_failed)" in found.what


def test_kimis_content_filter_error(stand_in):
    message = "The request was rejected because it was considered high risk"
    body = {"error": {"type": "content_filter", "message": message}}
    found = explain(refused(stand_in, 400, body))
    assert (found.kind, found.code) == ("content_filter", "content_filter")
    assert found.what.startswith("The provider's content filter refused the request (400 content_filter)")


def test_kimis_refusal_names_kimi_by_its_url():
    def answer(request):
        return httpx2.Response(400, json={"error": {"type": "content_filter", "message": "high risk"}})

    client = openai.OpenAI(api_key=KEY, base_url="https://api.moonshot.cn/v1", max_retries=0,
                           http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
    assert explain(failure(chat(client))).what.startswith("Moonshot Kimi's content filter refused")


@pytest.mark.parametrize("code, side", [("SensitiveContentDetected.Violence", "refused your prompt"),
                                        ("InputTextSensitiveContentDetected", "refused your prompt"),
                                        ("OutputTextRiskDetection", "stopped the model's answer")])
def test_volcano_arks_sensitive_content(stand_in, code, side):
    message = "The request failed because the input text may contain violence information. Request ID: 0217"
    body = {"error": {"code": code, "message": message, "param": "", "type": "BadRequest"}}
    found = explain(refused(stand_in, 400, body))
    assert (found.kind, found.code) == ("content_filter", code) and side in found.what


def test_deepseeks_content_exists_risk(stand_in):
    found = explain(refused(stand_in, 400, {"detail": "Content Exists Risk"}))
    assert found.kind == "content_filter" and found.what.startswith("DeepSeek's content filter refused the request")


def test_a_plain_bad_request_is_not_a_refusal(stand_in):
    body = {"error": {"code": "1210", "message": "API 调用参数有误，请检查文档。"}}  # Zhipu: a wrong parameter
    assert explain(refused(stand_in, 400, body)).kind == "bad_request"


def test_a_refusal_speaks_chinese(stand_in, monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    body = {"contentFilter": [{"level": 1, "role": "user"}], "error": {"code": "1301", "message": ZHIPU_1301}}
    found = explain(refused(stand_in, 400, body))
    assert found.what.startswith("Zhipu GLM 的内容审核拦截了你的提示词") and "历史" in found.fix
