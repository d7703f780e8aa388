"""Record the exact requests the frameworks learners move on to send, for tests/test_frameworks.py.

The suite replays these bodies against the sandbox, so it needs none of these libraries installed. To
re-record, in a scratch environment outside the repo (these libraries are not chatkit's dependencies):

    python3 -m venv /tmp/fw && /tmp/fw/bin/pip install openai-agents langchain-openai instructor
    python -m chatkit serve --port 8765 &                 # chatkit's own environment
    python -m chatkit keys create --save /tmp/fw.env      # prints nothing: the key goes to the file
    OPENAI_BASE_URL=http://127.0.0.1:8765/v1 /tmp/fw/bin/python tools/record_frameworks.py --env /tmp/fw.env \\
        openai-agents langchain-openai instructor

pydantic-ai needs openai >= 3.50, whose jiter (>= 0.16) instructor 1.17 refuses (< 0.15), so it and llm
get an environment of their own (httpx too: that openai is built on httpx2, but still takes the httpx
client whose hooks record):

    python3 -m venv /tmp/fw2 && /tmp/fw2/bin/pip install "pydantic-ai-slim[openai]" llm httpx
    OPENAI_BASE_URL=http://127.0.0.1:8765/v1 /tmp/fw2/bin/python tools/record_frameworks.py --env /tmp/fw.env \\
        pydantic-ai-slim llm

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

    return {
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
    return cases


def instructor_cases():
    import instructor

    def extract(mode):
        def run(rec):
            client = instructor.from_openai(openai.OpenAI(http_client=rec.sync_client(), max_retries=0), mode=mode)
            client.chat.completions.create(model=MODEL, response_model=City, max_retries=0, max_tokens=CAP,
                                           messages=[{"role": "user", "content": "Paris is in France."}])
        return run

    return {
        "tools": ("a typed extraction in its default mode, Mode.TOOLS (a forced tool call)",
                  extract(instructor.Mode.TOOLS)),
        "json-schema": ("a typed extraction in Mode.JSON_SCHEMA (response_format json_schema)",
                        extract(instructor.Mode.JSON_SCHEMA)),
    }


def pydantic_ai_cases():
    from pydantic_ai import Agent, NativeOutput
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider
    from pydantic_ai.settings import ModelSettings

    def agent(rec, api, **options):
        client = openai.AsyncOpenAI(http_client=rec.async_client(), max_retries=0)
        model = api(MODEL, provider=OpenAIProvider(openai_client=client))
        return Agent(model, model_settings=ModelSettings(max_tokens=CAP), **options)

    def stream(rec, api):
        async def run():
            async with agent(rec, api).run_stream("Tell me a joke.") as result:
                async for _ in result.stream_text():
                    pass

        asyncio.run(run())

    cases = {}
    for name, api in (("chat", OpenAIChatModel), ("responses", OpenAIResponsesModel)):
        where = api.__name__
        cases |= {
            f"{name}-hello": (f"Agent.run_sync on {where}", lambda rec, a=api: agent(rec, a).run_sync("Hello!")),
            f"{name}-tool": (f"a plain function as a tool, then the answer, on {where}",
                             lambda rec, a=api: agent(rec, a, tools=[get_weather]).run_sync(
                                 "What is the weather in Paris?")),
            f"{name}-stream": (f"Agent.run_stream on {where}", lambda rec, a=api: stream(rec, a)),
            f"{name}-typed": (f"output_type=City in its default tool output mode (a forced tool call) on {where}",
                              lambda rec, a=api: agent(rec, a, output_type=City).run_sync(
                                  "Paris is in France. Which city is it?")),
            f"{name}-native": (f"output_type=NativeOutput(City): response format json_schema, on {where}",
                               lambda rec, a=api: agent(rec, a, output_type=NativeOutput(City)).run_sync(
                                   "Paris is in France. Which city is it?")),
        }
    return cases


def llm_cases():
    from llm.default_plugins.openai_models import Chat, Responses

    def model(rec, api):
        # What llm builds for a model in extra-openai-models.yaml with an api_base (no stored key needed) ...
        chosen = api(MODEL, model_name=MODEL, api_base=os.environ["OPENAI_BASE_URL"], supports_schema=True,
                     supports_tools=True)
        chosen.needs_key = None
        # ... with a client that records: llm has no setting for the HTTP client it uses.
        chosen.get_client = lambda key, async_=False: openai.OpenAI(http_client=rec.sync_client(), max_retries=0)
        return chosen

    cases = {}
    for name, api in (("chat", Chat), ("responses", Responses)):
        where = "Chat Completions" if api is Chat else "the Responses API"
        cases |= {
            f"{name}-hello": (f"model.prompt(...).text() on {where}",
                              lambda rec, a=api: model(rec, a).prompt("Hello!", max_tokens=CAP).text()),
            f"{name}-tool": (f"model.chain with a Python function as a tool on {where}",
                             lambda rec, a=api: model(rec, a).chain("What is the weather in Paris?",
                                                                    tools=[get_weather],
                                                                    options={"max_tokens": CAP}).text()),
            f"{name}-stream": (f"iterating a prompt's response, streamed, on {where}",
                               lambda rec, a=api: list(model(rec, a).prompt("Tell me a joke.", max_tokens=CAP))),
            f"{name}-schema": (f"schema=City on {where}",
                               lambda rec, a=api: model(rec, a).prompt("Paris is in France. Which city is it?",
                                                                       schema=City, max_tokens=CAP).text()),
        }
    return cases


FRAMEWORKS = {"openai-agents": agents_cases, "langchain-openai": langchain_cases, "instructor": instructor_cases,
              "pydantic-ai-slim": pydantic_ai_cases, "llm": llm_cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", help="a .env file holding OPENAI_API_KEY (else the environment's)")
    parser.add_argument("frameworks", nargs="+", choices=FRAMEWORKS, help="the distributions to record")
    args = parser.parse_args()
    if args.env:
        for line in Path(args.env).read_text().splitlines():
            name, _, value = line.partition("=")
            if name.strip() == "OPENAI_API_KEY":
                os.environ["OPENAI_API_KEY"] = value.strip().strip("'\"")
    today = datetime.date.today().isoformat()
    for framework in args.frameworks:
        cases = FRAMEWORKS[framework]()
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
