"""Every error is the SDK exception, status, code and param the real API would give."""

from __future__ import annotations

import httpx
import openai
import pytest

from chatkit.keys import mask_key
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import client_for

HI = [{"role": "user", "content": "Hi"}]
WRONG_KEY = "sk-proj-WRONGkeyWRONGkeyWRONGkey9z8y"


def chat(box, **params):
    params.setdefault("model", box.engine.model_id)
    params.setdefault("messages", HI)
    return client_for(box).chat.completions.create(**params)


def raw_post(box, path: str, content: bytes, key: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if key is not False:
        headers["authorization"] = f"Bearer {key or box.key}"
    return httpx.post(box.base_url + path, content=content, headers=headers)


def assert_openai_error_body(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    return error


# --- unknown model ------------------------------------------------------------------

def test_unknown_model_in_chat(scripted):
    with pytest.raises(openai.NotFoundError) as caught:
        chat(scripted, model="gpt-9")
    assert caught.value.status_code == 404
    assert caught.value.code == "model_not_found"
    assert caught.value.param is None
    assert "gpt-9" in caught.value.message


def test_unknown_model_in_a_chat_stream_fails_before_streaming(scripted):
    with pytest.raises(openai.NotFoundError) as caught:
        chat(scripted, model="gpt-9", stream=True)
    assert caught.value.code == "model_not_found"


@pytest.mark.parametrize("stream", [False, True])
def test_unknown_model_in_responses(scripted, stream):
    with pytest.raises(openai.NotFoundError) as caught:
        client_for(scripted).responses.create(model="gpt-9", input="Hi", stream=stream)
    assert caught.value.code == "model_not_found"


def test_unknown_model_in_models_retrieve(scripted):
    client = client_for(scripted)
    assert client.models.retrieve(scripted.engine.model_id).id == scripted.engine.model_id
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("gpt-9")
    assert caught.value.code == "model_not_found"


def test_models_list_names_the_sandbox_model(scripted):
    assert [m.id for m in client_for(scripted).models.list()] == [scripted.engine.model_id]


# --- invalid parameters ---------------------------------------------------------------

@pytest.mark.parametrize("params, param, code", [
    ({"temperature": 3}, "temperature", "decimal_above_max_value"),
    ({"temperature": -1}, "temperature", "decimal_below_min_value"),
    ({"top_p": 2}, "top_p", "decimal_above_max_value"),
    ({"n": 0}, "n", "integer_below_min_value"),
    ({"max_tokens": 0}, "max_tokens", "integer_below_min_value"),
    ({"messages": []}, "messages", "empty_array"),
    ({"messages": [{"role": "wizard", "content": "Hi"}]}, "messages[0].role", "invalid_value"),
    ({"messages": [{"content": "Hi"}]}, "messages[0].role", "missing_required_parameter"),
    ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "array_above_max_length"),
    ({"top_logprobs": 2}, "top_logprobs", "invalid_value"),
    ({"logprobs": True, "top_logprobs": 21}, "top_logprobs", "integer_above_max_value"),
    ({"presence_penalty": 2.5}, "presence_penalty", "decimal_above_max_value"),
])
def test_invalid_chat_parameter(scripted, params, param, code):
    with pytest.raises(openai.BadRequestError) as caught:
        chat(scripted, **params)
    assert caught.value.status_code == 400
    assert caught.value.param == param
    assert caught.value.code == code
    assert caught.value.type == "invalid_request_error"
    assert scripted.engine.history == []  # rejected before the model ran


# The platform refuses a value of the wrong JSON type; it never converts one. (42.0 for an integer is refused
# too: "but got a decimal number instead", as clients of the platform have measured.)
WRONGLY_TYPED = [
    ("seed", "42", "expected an integer, but got a string"),
    ("seed", 42.0, "expected an integer, but got a decimal number"),
    ("seed", True, "expected an integer, but got a boolean"),
    ("temperature", "0.8", "expected a decimal, but got a string"),
    ("max_tokens", "50", "expected an integer, but got a string"),
    ("max_completion_tokens", "50", "expected an integer, but got a string"),
    ("n", "2", "expected an integer, but got a string"),
    ("top_p", "1", "expected a decimal, but got a string"),
    ("logprobs", "true", "expected a boolean, but got a string"),
]


@pytest.mark.parametrize("param, value, said", WRONGLY_TYPED)
def test_a_wrongly_typed_chat_parameter_is_refused_not_converted(scripted, param, value, said):
    with pytest.raises(openai.BadRequestError) as caught:
        chat(scripted, **{param: value})
    error = caught.value
    assert (error.status_code, error.type, error.param, error.code) == (400, "invalid_request_error", param,
                                                                         "invalid_type")
    assert error.body["message"] == f"Invalid type for '{param}': {said} instead."
    assert scripted.engine.history == []


@pytest.mark.parametrize("param, value", [("max_output_tokens", "50"), ("temperature", "0"), ("top_p", "1")])
def test_a_wrongly_typed_responses_parameter_is_refused(scripted, param, value):
    with pytest.raises(openai.BadRequestError) as caught:
        client_for(scripted).responses.create(model=scripted.engine.model_id, input="Hi", **{param: value})
    assert (caught.value.param, caught.value.code) == (param, "invalid_type")
    assert caught.value.body["message"].endswith("but got a string instead.")


def test_an_integer_is_a_number(scripted):
    assert chat(scripted, temperature=1, top_p=1, max_tokens=5).choices


def test_temperature_error_says_the_limit_and_the_value(scripted):
    with pytest.raises(openai.BadRequestError) as caught:
        chat(scripted, temperature=3)
    assert "<= 2" in caught.value.message and "3" in caught.value.message


def test_missing_model(scripted):
    # The SDK refuses to send a request without a model, so post the body through it directly.
    with pytest.raises(openai.BadRequestError) as caught:
        client_for(scripted).post("/chat/completions", body={"messages": HI}, cast_to=object)
    assert caught.value.param == "model"
    assert caught.value.code == "missing_required_parameter"


def test_invalid_responses_parameter(scripted):
    with pytest.raises(openai.BadRequestError) as caught:
        client_for(scripted).responses.create(model=scripted.engine.model_id, input="Hi", temperature=3)
    assert caught.value.param == "temperature"


# --- context window (the real model's tokenizer; nothing is generated) -----------------

def test_prompt_over_the_context_window(client, sandbox):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=sandbox.engine.model_id,
                                       messages=[{"role": "user", "content": "hello " * 2100}])
    error = caught.value
    assert error.code == "context_length_exceeded"
    assert error.param == "messages"
    assert "maximum context length is 2048 tokens" in error.message


def test_max_tokens_pushing_past_the_context_window(client, sandbox):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=sandbox.engine.model_id, messages=HI, max_tokens=2040)
    prompt = len(sandbox.engine.render(HI))
    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "messages"
    assert f"you requested {prompt + 2040} tokens" in caught.value.message


def test_responses_input_over_the_context_window(client, sandbox):
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model=sandbox.engine.model_id, input="hello " * 2100)
    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "input"


# --- malformed requests and unknown URLs -----------------------------------------------

@pytest.mark.parametrize("path", ["/chat/completions", "/responses"])
@pytest.mark.parametrize("content", [b"{not json", b'{"model": "x",', b"\xff\xfe", b"", b"[1, 2]", b'"text"'])
def test_malformed_body_is_a_400_never_a_500(scripted, path, content):
    error = assert_openai_error_body(raw_post(scripted, path, content), 400)
    assert error["type"] == "invalid_request_error"


def test_malformed_json_message_says_what_is_wrong(scripted):
    error = assert_openai_error_body(raw_post(scripted, "/chat/completions", b"{not json"), 400)
    assert "could not parse the JSON body" in error["message"]


def test_unknown_url_is_an_invalid_url_404(scripted):
    with pytest.raises(openai.NotFoundError) as caught:
        client_for(scripted).post("/engines/davinci-codex/completions", body={"prompt": "Hi"}, cast_to=object)
    assert caught.value.body["message"] == "Invalid URL (POST /v1/engines/davinci-codex/completions)"
    error = assert_openai_error_body(caught.value.response, 404)
    assert error["type"] == "invalid_request_error"


# --- keys -------------------------------------------------------------------------

def test_wrong_key_is_an_authentication_error_with_a_masked_key(scripted):
    with pytest.raises(openai.AuthenticationError) as caught:
        client_for(scripted, WRONG_KEY).chat.completions.create(model=scripted.engine.model_id, messages=HI)
    error = caught.value
    assert error.status_code == 401
    assert error.code == "invalid_api_key"
    assert mask_key(WRONG_KEY) in error.message
    assert WRONG_KEY not in error.message and "WRONGkey" not in error.message
    assert "WRONGkey" not in error.response.text
    assert "keys create" in error.message  # says how to get a working key


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer"}, {"authorization": "Basic abc"}])
def test_missing_key_is_a_401(scripted, headers):
    response = httpx.post(scripted.base_url + "/chat/completions", headers=headers,
                          json={"model": scripted.engine.model_id, "messages": HI})
    error = assert_openai_error_body(response, 401)
    assert "didn't provide an API key" in error["message"]


def test_every_endpoint_needs_a_key(scripted):
    for method, path in [("GET", "/models"), ("GET", "/models/x"), ("POST", "/responses"),
                         ("GET", "/responses/resp_1"), ("DELETE", "/responses/resp_1")]:
        response = httpx.request(method, scripted.base_url + path)
        assert response.status_code == 401, (method, path)


# --- headers ------------------------------------------------------------------------

def assert_openai_headers(headers) -> None:
    assert headers["x-request-id"].startswith("req_")
    assert int(headers["openai-processing-ms"]) >= 0
    assert headers["openai-version"]


def test_success_has_request_id_and_processing_time(scripted):
    raw = client_for(scripted).chat.completions.with_raw_response.create(model=scripted.engine.model_id,
                                                                        messages=HI)
    assert_openai_headers(raw.headers)
    assert raw.parse().choices[0].message.content == "OK"


def test_stream_has_request_id_and_processing_time(scripted):
    with client_for(scripted).chat.completions.with_streaming_response.create(
            model=scripted.engine.model_id, messages=HI, stream=True) as raw:
        assert_openai_headers(raw.headers)


def test_request_ids_are_unique(scripted):
    ids = {httpx.get(scripted.base_url + "/models").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("method, path, content, key", [
    ("POST", "/chat/completions", b'{"model": "gpt-9", "messages": []}', None),
    ("POST", "/chat/completions", b"{not json", None),
    ("POST", "/chat/completions", b"{}", WRONG_KEY),
    ("POST", "/engines/davinci-codex/completions", b"{}", None),
    ("GET", "/responses/resp_missing", b"", None),
])
def test_errors_have_request_id_and_processing_time(scripted, method, path, content, key):
    response = httpx.request(method, scripted.base_url + path, content=content,
                             headers={"authorization": f"Bearer {key or scripted.key}"})
    assert response.status_code >= 400
    assert_openai_headers(response.headers)


def test_sdk_errors_carry_the_request_id(scripted):
    with pytest.raises(openai.BadRequestError) as caught:
        chat(scripted, temperature=3)
    assert caught.value.request_id.startswith("req_")


@pytest.mark.parametrize("bias, message", [
    ({"999999": 5}, "Invalid key in 'logit_bias': 999999. Maximum value is 49151."),
    ({"-1": 5}, "Invalid key in 'logit_bias': -1. You should only be submitting non-negative integers."),
    ({"Hello": 5}, "Invalid key in 'logit_bias': Hello. You should only be submitting non-negative integers."),
    ({"²": 5}, "Invalid key in 'logit_bias': ²."),
    ({"42": 101}, "Values must be between -100 and 100."),
])
def test_invalid_logit_bias_is_rejected_not_ignored(client, sandbox, bias, message):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=sandbox.engine.model_id, messages=HI, logit_bias=bias, max_tokens=1)
    assert caught.value.param == "logit_bias"
    assert message in caught.value.message


class BrokenEngine(ScriptedEngine):
    """An engine with a bug, to see what a learner gets when the sandbox itself fails."""

    def generate(self, prompt, sampling, cancel=None):
        raise RuntimeError("secret internal detail")


def test_a_sandbox_bug_is_an_openai_shaped_500(tmp_path):
    with Sandbox.start(engine=BrokenEngine(), data_dir=tmp_path) as box, \
            pytest.raises(openai.InternalServerError) as caught:
        chat(box)
    assert caught.value.status_code == 500
    assert caught.value.type == "server_error"
    assert "secret internal detail" not in caught.value.response.text
    assert_openai_headers(caught.value.response.headers)


IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_an_image_gets_the_error_of_a_text_only_model(scripted, api):
    client = client_for(scripted)
    model = scripted.engine.model_id
    with pytest.raises(openai.BadRequestError) as caught:
        if api == "chat":
            client.chat.completions.create(model=model, messages=[
                {"role": "user", "content": [{"type": "text", "text": "What is this?"}, IMAGE]}])
        else:
            client.responses.create(model=model, input=[{"role": "user", "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": IMAGE["image_url"]["url"]}]}])
    kind = "image_url" if api == "chat" else "input_image"
    where = "messages" if api == "chat" else "input"
    assert caught.value.body["message"] == f"Invalid content type. {kind} is only supported by certain models."
    assert caught.value.param == f"{where}.[0].content.[1].type" and caught.value.code is None


def test_text_parts_are_read_as_text(scripted):
    client = client_for(scripted)
    reply = client.chat.completions.create(model=scripted.engine.model_id, messages=[
        {"role": "user", "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]}])
    assert reply.choices[0].message.content
