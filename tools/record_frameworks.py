"""Record the exact requests the frameworks learners move on to send, for tests/test_frameworks.py.

The suite replays these bodies against the sandbox, so it needs none of these libraries installed. To
re-record, in a scratch environment outside the repo (these libraries are not chatkit's dependencies):

    python3 -m venv /tmp/fw && /tmp/fw/bin/pip install openai-agents langchain-openai instructor
    python -m chatkit serve --port 8765 &                 # chatkit's own environment
    python -m chatkit keys create --save /tmp/fw.env      # prints nothing: the key goes to the file
    OPENAI_BASE_URL=http://127.0.0.1:8765/v1 /tmp/fw/bin/python tools/record_frameworks.py --env /tmp/fw.env

Each case writes tests/payloads/frameworks/<framework>/<case>.json: the framework, its version, the
date, what the case is, and every request it sent (method, path, JSON body; never a header). A case the
sandbox answers with an error is recorded all the same: the request is what the suite needs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import sys
from importlib.metadata import version
from pathlib import Path

import httpx
import openai
from pydantic import BaseModel

OUT = Path(__file__).resolve().parent.parent / "tests" / "payloads" / "frameworks"
MODEL = "smollm2-135m-instruct"
CAP = 64  # output tokens every case asks for, through the framework's own setting: the suite stays quick


class City(BaseModel):
    name: str
    country: str


class Recorder:
    """httpx event hooks that keep each request's method, path and JSON body (never its headers)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []

    def keep(self, request: httpx.Request) -> None:
        path = request.url.path.removeprefix(httpx.URL(os.environ["OPENAI_BASE_URL"]).path.rstrip("/"))
        self.requests.append({"method": request.method, "path": path, "body": json.loads(request.content)})

    async def keep_async(self, request: httpx.Request) -> None:
        self.keep(request)

    def sync_client(self) -> httpx.Client:
        return httpx.Client(event_hooks={"request": [self.keep]})

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(event_hooks={"request": [self.keep_async]})


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}."


# --- the cases: each takes a Recorder and drives one framework through it --------------------------


def agents_cases():
    import agents
    from agents import Agent, ModelSettings, Runner, function_tool

    agents.set_tracing_disabled(True)
    settings = ModelSettings(max_tokens=CAP)

    def use(rec):
        agents.set_default_openai_client(openai.AsyncOpenAI(http_client=rec.async_client(), max_retries=0))

    def hello(rec):
        use(rec)
        agent = Agent(name="hi", instructions="Answer briefly.", model=MODEL, model_settings=settings)
        Runner.run_sync(agent, "Hello!")

    def tool(rec):
        use(rec)
        # A required tool call, then the answer: the SDK resets tool_choice after the call.
        forced = ModelSettings(max_tokens=CAP, tool_choice="required")
        agent = Agent(name="weather", model=MODEL, model_settings=forced, tools=[function_tool(get_weather)])
        Runner.run_sync(agent, "What is the weather in Paris?")

    def streaming(rec):
        use(rec)

        async def run():
            result = Runner.run_streamed(Agent(name="hi", model=MODEL, model_settings=settings), "Tell me a joke.")
            async for _ in result.stream_events():
                pass

        asyncio.run(run())

    def typed(rec):
        use(rec)
        agent = Agent(name="city", model=MODEL, model_settings=settings, output_type=City)
        Runner.run_sync(agent, "Paris is in France. Which city is it?")

    return "openai-agents", {
        "hello": ("hello world on the default Responses API", hello),
        "tool": ("a function tool, forced with tool_choice='required', then the answer", tool),
        "streaming": ("Runner.run_streamed on the Responses API", streaming),
        "typed": ("output_type=City: structured output", typed),
    }


def langchain_cases():
    from langchain_core.tools import tool as lc_tool
    from langchain_openai import ChatOpenAI

    weather = lc_tool(get_weather)

    def chat(rec, responses):
        return ChatOpenAI(model=MODEL, max_tokens=CAP, max_retries=0, use_responses_api=responses,
                          http_client=rec.sync_client(), http_async_client=rec.async_client())

    cases = {}
    for api, responses in (("chat", False), ("responses", True)):
        where = "Responses API" if responses else "Chat Completions"
        cases |= {
            f"{api}-invoke": (f"ChatOpenAI.invoke on {where}",
                              lambda rec, r=responses: chat(rec, r).invoke("Hello!")),
            f"{api}-bind-tools": (f"bind_tools with the tool forced on {where}",
                                  lambda rec, r=responses: chat(rec, r).bind_tools(
                                      [weather], tool_choice="get_weather").invoke("Weather in Paris?")),
            f"{api}-stream": (f"ChatOpenAI.stream on {where}",
                              lambda rec, r=responses: list(chat(rec, r).stream("Tell me a joke."))),
            f"{api}-structured": (f"with_structured_output(City), its default json_schema method, on {where}",
                                  lambda rec, r=responses: chat(rec, r).with_structured_output(City).invoke(
                                      "Paris is in France. Which city is it?")),
        }
    return "langchain-openai", cases


def instructor_cases():
    import instructor

    def extract(mode):
        def run(rec):
            client = instructor.from_openai(openai.OpenAI(http_client=rec.sync_client(), max_retries=0), mode=mode)
            client.chat.completions.create(model=MODEL, response_model=City, max_retries=0, max_tokens=CAP,
                                           messages=[{"role": "user", "content": "Paris is in France."}])
        return run

    return "instructor", {
        "tools": ("a typed extraction in its default mode, Mode.TOOLS (a forced tool call)",
                  extract(instructor.Mode.TOOLS)),
        "json-schema": ("a typed extraction in Mode.JSON_SCHEMA (response_format json_schema)",
                        extract(instructor.Mode.JSON_SCHEMA)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", help="a .env file holding OPENAI_API_KEY (else the environment's)")
    args = parser.parse_args()
    if args.env:
        for line in Path(args.env).read_text().splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "OPENAI_API_KEY":
                os.environ["OPENAI_API_KEY"] = value.strip().strip("'\"")
    today = datetime.date.today().isoformat()
    for framework, cases in (agents_cases(), langchain_cases(), instructor_cases()):
        for case, (what, run) in cases.items():
            rec = Recorder()
            try:
                run(rec)
                outcome = "ok"
            except Exception as error:  # the request is kept all the same; say what the framework made of it
                outcome = f"{type(error).__name__}: {str(error)[:200]}"
            target = OUT / framework / f"{case}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            record = {"framework": framework, "version": version(framework), "date": today, "case": what,
                      "requests": rec.requests}
            target.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
            print(f"{framework}/{case}: {len(rec.requests)} request(s), {outcome}", file=sys.stderr)


if __name__ == "__main__":
    main()
