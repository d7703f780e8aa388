"""The frameworks learners move on to, replayed: the exact requests the OpenAI Agents SDK, LangChain's
ChatOpenAI, instructor, pydantic-ai and llm sent for their basic cases (recorded by
tools/record_frameworks.py into tests/payloads/frameworks/), sent again to the real sandbox through the
wire and answered as the platform answers them. The suite needs none of these libraries installed.

Every body is replayed as recorded: each case asked for at most 64 output tokens through the
framework's own setting, so nothing here is changed from what the framework sent.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

PAYLOADS = Path(__file__).parent / "payloads" / "frameworks"


def recorded():
    for path in sorted(PAYLOADS.glob("*/*.json")):
        record = json.loads(path.read_text())
        for index, request in enumerate(record["requests"]):
            case = f"{path.parent.name}/{path.stem}#{index}"
            yield pytest.param(request, id=case)


def forced_tool(body: dict) -> bool:
    """The request makes the model call a tool: tool_choice 'required' or one named function."""
    choice = body.get("tool_choice")
    return choice == "required" or isinstance(choice, dict)


def tools_offered(body: dict) -> bool:
    """The request lets the model call a tool (it may also answer in text, unless a call is forced)."""
    return bool(body.get("tools")) and body.get("tool_choice") != "none"


def offered(body: dict) -> set[str]:
    """The functions a Chat request lets the model call: the one named in tool_choice, else every tool."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return {choice["function"]["name"]}
    return {tool["function"]["name"] for tool in body.get("tools", [])}


def json_schema(body: dict) -> dict | None:
    """The schema a typed-output request asks the answer to follow, on either API."""
    form = body.get("text", {}).get("format") or body.get("response_format") or {}
    if form.get("type") == "json_schema":
        return form.get("json_schema", form)["schema"]
    return None


def events(response: httpx.Response) -> list[str]:
    """The data lines of a server-sent event stream, in order."""
    return [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]


def check_typed(text: str, schema: dict) -> None:
    value = json.loads(text)
    assert isinstance(value, dict) and set(schema["required"]) <= set(value), value


def check_call(name: str, arguments: str, cut_off: bool, names: set) -> None:
    """A forced call comes back as a call, even cut off at the recorded 64-token cap (the platform returns
    a cut-off call as a call, never as text); whole, its arguments are JSON."""
    assert name in names, name
    if not cut_off:
        json.loads(arguments)


def check_responses(body: dict, answer: dict) -> None:
    assert answer["object"] == "response", answer
    cut_off = answer["status"] == "incomplete"
    calls = [item for item in answer["output"] if item["type"] == "function_call"]
    if forced_tool(body) or (calls and tools_offered(body)):  # tool_choice 'auto': a call or an answer
        assert calls, answer
        for call in calls:
            check_call(call["name"], call["arguments"], cut_off, {tool["name"] for tool in body["tools"]})
        return
    kinds = [item["type"] for item in answer["output"]]
    assert "message" in kinds, kinds
    text = "".join(part["text"] for item in answer["output"] if item["type"] == "message"
                   for part in item["content"] if part["type"] == "output_text")
    if (schema := json_schema(body)) and not cut_off:  # cut off at the cap, JSON is partial, as on the platform
        check_typed(text, schema)
    else:
        assert text.strip(), answer  # a plain answer may reach the cap ('incomplete')


def check_chat(body: dict, answer: dict) -> None:
    assert answer["object"] == "chat.completion", answer
    choice = answer["choices"][0]
    cut_off = choice["finish_reason"] == "length"
    calls = choice["message"].get("tool_calls")
    if forced_tool(body) or (calls and tools_offered(body)):  # tool_choice 'auto': a call or an answer
        assert choice["message"]["content"] is None, choice
        # Parallel calls are on by default: the forced function may be called more than once.
        for call in calls:
            check_call(call["function"]["name"], call["function"]["arguments"], cut_off, offered(body))
    elif schema := json_schema(body):
        if not cut_off:  # cut off at the cap, the JSON is partial, as on the platform
            check_typed(choice["message"]["content"], schema)
    else:
        assert choice["message"]["content"].strip(), choice


@pytest.mark.parametrize("request_", recorded())
def test_a_framework_request_is_answered_as_the_platform_answers_it(sandbox, request_):
    body, path = request_["body"], request_["path"]
    with httpx.Client(base_url=sandbox.base_url + "/", headers={"Authorization": f"Bearer {sandbox.key}"},
                      timeout=120) as http:
        if not body.get("stream"):
            response = http.request(request_["method"], path.lstrip("/"), json=body)
            assert response.status_code == 200, response.text
            return (check_responses if path == "/responses" else check_chat)(body, response.json())
        with http.stream(request_["method"], path.lstrip("/"), json=body) as response:
            assert response.status_code == 200, response.read()
            data = events(response)
    (check_responses_stream if path == "/responses" else check_chat_stream)(body, data)


def check_responses_stream(body: dict, data: list[str]) -> None:
    """Deltas as the answer is written, then the whole response, checked as a non-streamed one."""
    streamed = [json.loads(line) for line in data]
    # A plain answer may reach the recorded cap: the platform then ends on response.incomplete.
    assert streamed[-1]["type"] in {"response.completed", "response.incomplete"}, streamed[-1]
    deltas = {"response.output_text.delta", "response.function_call_arguments.delta"}
    assert deltas & {event["type"] for event in streamed}, data
    check_responses(body, streamed[-1]["response"])


def check_chat_stream(body: dict, data: list[str]) -> None:
    assert data[-1] == "[DONE]"
    chunks = [json.loads(line) for line in data[:-1]]
    if body.get("stream_options", {}).get("include_usage"):
        usage = chunks.pop()  # the platform's last chunk: the usage, with no choices
        assert usage["choices"] == [] and usage["usage"]["completion_tokens"] > 0, usage
    ends = {"stop", "length"} | ({"tool_calls"} if tools_offered(body) else set())
    assert chunks[-1]["choices"][0]["finish_reason"] in ends, chunks[-1]


def test_every_framework_and_its_basic_cases_are_recorded():
    recorded_cases = {f"{p.parent.name}/{p.stem}" for p in PAYLOADS.glob("*/*.json")}
    assert {"openai-agents/hello", "openai-agents/tool", "openai-agents/streaming", "openai-agents/typed",
            "instructor/tools", "instructor/json-schema"} <= recorded_cases
    for api in ("chat", "responses"):
        cases = ("invoke", "bind-tools", "stream", "structured")
        assert {f"langchain-openai/{api}-{case}" for case in cases} <= recorded_cases
        cases = ("hello", "tool", "stream", "typed", "native")
        assert {f"pydantic-ai-slim/{api}-{case}" for case in cases} <= recorded_cases
        assert {f"llm/{api}-{case}" for case in ("hello", "tool", "stream", "schema")} <= recorded_cases
    for path in PAYLOADS.glob("*/*.json"):
        record = json.loads(path.read_text())
        assert record["framework"] == path.parent.name and record["version"] and record["date"] and record["case"]
