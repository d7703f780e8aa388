"""POST /v1/responses: the newer API, where the server can remember the conversation.

With ``store`` (the default) a response is saved, and a later request can send only
the new input plus ``previous_response_id``: the sandbox rebuilds the history. Function
tools and ``text.format`` (structured outputs) work as in Chat Completions; a function
call comes back as a ``function_call`` output item, and its result goes in as a
``function_call_output`` input item.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator

from ..tokens import request_tokens
from . import reasoner, runner, structured, thinker
from .chat import check_context, fold_tool_results, with_system
from .engine import Sampling
from .prepared import Prepared
from .structured import Plan
from .wire import APIError, ResponsesRequest, model_not_found, parse, text_of

# Tools that run on OpenAI's servers: the sandbox has none of them.
HOSTED = ("web_search", "web_search_preview", "file_search", "code_interpreter", "computer_use_preview",
          "image_generation", "mcp", "local_shell", "custom")


def prepare(engine, store, key_id: str, body: dict) -> Prepared:
    """Validate; rebuild the history (without instructions) and render its prompt, with the one Sampling."""
    req = parse(ResponsesRequest, body)
    if req.model != engine.model_id:
        raise model_not_found(req.model)
    effort = reasoner.effort_for(engine, req.reasoning.effort if req.reasoning else None, param="reasoning.effort",
                                 sent={name: body.get(name) for name in ("temperature", "top_p")})
    if req.background and not req.store:
        raise APIError(400, "Background responses must be stored: set 'store' to true (the default).",
                       param="background", code="invalid_value")
    history: list[dict] = []
    if req.previous_response_id:
        found = store.load_response(req.previous_response_id, key_id)
        if found is None:
            raise APIError(400, f"Previous response with id '{req.previous_response_id}' not found.",
                           param="previous_response_id", code="previous_response_not_found")
        history = found[1]
    history = history + input_messages(req)
    plan = output_plan(req, history).decide(history[-1]["role"] if history else "user")
    system = [{"role": "system", "content": req.instructions}] if req.instructions else []
    prompt = engine.render(fold_tool_results(with_system(system + history, plan.system_text())),
                           **thinker.switch(engine, effort))
    check_context(engine, prompt, req.max_output_tokens, "input")
    return Prepared(req, prompt, (sampling(req, plan, effort),),
                    request_tokens(body, req.model, input_tokens=len(prompt)).total, plan, history=tuple(history))


def input_messages(req: ResponsesRequest) -> list[dict]:
    """The input items as messages: a function call is an assistant turn naming the tool, its output a tool message."""
    if isinstance(req.input, str):
        return [{"role": "user", "content": req.input}]
    out: list[dict] = []
    for item in req.input:
        if item.type == "reasoning":
            continue  # an earlier turn's reasoning: the platform drops it from the context too
        if item.type == "function_call":
            out.append({"role": "assistant", "content": "", "calls": {item.call_id: item.name}})
        elif item.type == "function_call_output":
            out.append({"role": "tool", "content": item.output, "tool_call_id": item.call_id})
        else:
            out.append({"role": "system" if item.role == "developer" else item.role, "content": text_of(item.content)})
    return out


def output_plan(req: ResponsesRequest, history: list[dict]) -> Plan:
    tools = []
    for i, tool in enumerate(req.tools or []):
        if tool.type != "function":
            raise APIError(400, f"The sandbox cannot run the '{tool.type}' tool: it runs on OpenAI's servers. "
                           "Use a function tool here, or run with a real key.", param=f"tools[{i}].type",
                           code="unsupported_tool" if tool.type in HOSTED else "invalid_value")
        if tool.name is None:
            raise APIError(400, f"Missing required parameter: 'tools[{i}].name'.", param=f"tools[{i}].name",
                           code="missing_required_parameter")
        tools.append({"name": tool.name, "description": tool.description, "parameters": tool.parameters,
                      "strict": _strict(tool)})
    choice = req.tool_choice.name if hasattr(req.tool_choice, "name") else req.tool_choice
    choice = structured.check_tools(tools, choice, lambda i: f"tools[{i}].parameters")
    fmt = req.text.format if req.text else None
    answer = None if fmt is None else structured.answer_schema(
        fmt.type, fmt.name, fmt.schema_, fmt.strict, "text.format", "text.format",
        [m["content"] for m in history] + [req.instructions or ""], "input")
    label = f"text.format '{fmt.name}'" if fmt and fmt.name else "text.format"
    return Plan(tools, choice, req.parallel_tool_calls is not False, answer, label)


def _strict(tool) -> bool:
    """A tool's strictness: as sent; unset, strict where the schema allows it, else not (not a 400).

    The platform's function-calling guide: without ``strict``, the Responses API makes the
    schema strict where possible and otherwise calls the function non-strictly (LangChain's
    ``bind_tools`` sends such tools).
    """
    if tool.strict is not None:
        return tool.strict
    try:
        if tool.parameters is not None:  # a malformed schema gets its own 400 from check_tools, later
            structured.check_shape(tool.parameters, "", "")
        structured.check_strict(tool.parameters, "", "")
    except APIError:
        return False
    return True


def sampling(req: ResponsesRequest, plan: Plan, effort: str | None) -> Sampling:
    return Sampling(temperature=1.0 if req.temperature is None else req.temperature,
                    top_p=1.0 if req.top_p is None else req.top_p, max_tokens=req.max_output_tokens,
                    grammar=plan.grammar(), effort=effort)


def response_object(req: ResponsesRequest, engine, rid: str, created: int, status: str,
                    output: list, usage: dict | None, effort: str | None = None) -> dict:
    fmt = req.text.format.model_dump(by_alias=True, exclude_none=True) if req.text and req.text.format else None
    tool_choice = req.tool_choice.model_dump() if hasattr(req.tool_choice, "model_dump") else req.tool_choice
    return {
        "id": rid, "object": "response", "created_at": created, "status": status, "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "instructions": req.instructions, "max_output_tokens": req.max_output_tokens, "model": engine.model_id,
        "output": output, "parallel_tool_calls": req.parallel_tool_calls is not False,
        "previous_response_id": req.previous_response_id, "background": bool(req.background),
        "reasoning": {"effort": effort, "summary": _summary(req)},
        "store": req.store,
        "temperature": 1.0 if req.temperature is None else req.temperature,
        "top_p": 1.0 if req.top_p is None else req.top_p, "text": {"format": fmt or {"type": "text"}},
        "tool_choice": tool_choice or "auto", "tools": [t.model_dump(exclude_none=True) for t in req.tools or []],
        "truncation": "disabled", "usage": usage, "user": None, "metadata": {},
    }


def _summary(req: ResponsesRequest) -> str | None:
    """The reasoning summary asked for, under its name or the older ``generate_summary``."""
    return (req.reasoning.summary or req.reasoning.generate_summary) if req.reasoning else None


def message_item(item_id: str, text: str | None, status: str) -> dict:
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": content}


def call_items(calls: list[dict]) -> list[dict]:
    """Function call items; one cut off by the token limit is "incomplete", with its partial arguments."""
    return [{"id": "fc_" + secrets.token_hex(16), "type": "function_call", "status": c.get("status", "completed"),
             "call_id": c["call_id"], "name": c["name"], "arguments": c["arguments"]} for c in calls]


def reasoning_item(item_id: str, summary: list[dict]) -> dict:
    """The reasoning item a reasoning model's output starts with: its summary (if asked for), never its text."""
    return {"id": item_id, "type": "reasoning", "summary": summary}


def usage(input_tokens: int, output_tokens: int, reasoning_tokens: int = 0) -> dict:
    return {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": input_tokens + output_tokens}


def _status(gen) -> str:
    """The response's status, which its message item shares: cut short by the token limit, or not."""
    return {"length": "incomplete", "cancelled": "cancelled"}.get(gen.finish_reason, "completed")


class Run:
    """One response being made: its ids, and how it ends."""

    def __init__(self, engine, store, key_id: str, body: dict) -> None:
        self.engine, self.store, self.key_id = engine, store, key_id
        self.prepared = prepare(engine, store, key_id, body)
        self.req, self.plan, self.history = self.prepared.req, self.prepared.plan, list(self.prepared.history)
        self.effort = self.prepared.samplings[0].effort
        self.rid, self.created = "resp_" + secrets.token_hex(16), int(time.time())
        self.item_id, self.reasoning_id = "msg_" + secrets.token_hex(16), "rs_" + secrets.token_hex(16)
        self.gen = engine.generate(self.prepared.prompt, self.prepared.samplings[0])
        self._output: tuple[list[dict], list[dict] | None] | None = None

    @property
    def reasons(self) -> bool:
        """Whether the model thinks before this answer (a reasoning model, at an effort above none)."""
        return self.effort not in (None, "none") and reasoner.reasons(self.engine)

    def reasoning(self) -> dict:
        asked = self.req.reasoning
        kind = (asked.summary or asked.generate_summary) if asked else None
        return reasoning_item(self.reasoning_id, reasoner.summary(self.gen.reasoning_text, kind))

    @property
    def answered(self) -> bool:
        """Whether any answer token was written (a limit can run out while the model still thinks)."""
        return self.gen.tokens > self.gen.reasoning_tokens

    def snapshot(self, status: str) -> dict:
        return response_object(self.req, self.engine, self.rid, self.created, status, [], None, self.effort)

    def output(self, text: str) -> tuple[list[dict], list[dict] | None]:
        """The output items after the reasoning item (if any): the tool calls, or the message.

        Worked out once, so the streamed items and the final response share their ids.
        """
        if self._output is None:
            self._output = self._items(text)
        return self._output

    def _items(self, text: str) -> tuple[list[dict], list[dict] | None]:
        if self.reasons and not self.answered:
            return [], None  # the limit ran out while the model thought: no message at all
        calls = self.plan.read(text, self.gen.finish_reason)
        if calls:
            return call_items(calls), calls
        return [message_item(self.item_id, text, _status(self.gen))], None

    def fail(self, error: APIError) -> dict:
        """The failed response (saved if stored), for an error found after the stream began."""
        obj = {**self.snapshot("failed"), "error": {"code": error.code, "message": error.message}}
        if self.req.store:
            self.store.save_response(self.key_id, obj, self.history)
        self.store.add_usage(self.key_id, len(self.prepared.prompt), self.gen.tokens)
        return obj

    def finish(self, text: str) -> dict:
        output, calls = self.output(text)
        output = ([self.reasoning()] if self.reasons else []) + output
        obj = response_object(self.req, self.engine, self.rid, self.created, _status(self.gen), output,
                              usage(len(self.prepared.prompt), self.gen.tokens, self.gen.reasoning_tokens),
                              self.effort)
        if self.req.store:  # tool calls are kept as a later request would send them back
            said = ({"content": "", "calls": {c["call_id"]: c["name"] for c in calls}} if calls
                    else {"content": text})
            self.store.save_response(self.key_id, obj, self.history + [{"role": "assistant", **said}])
        self.store.add_usage(self.key_id, len(self.prepared.prompt), self.gen.tokens)
        return obj


async def create(run: Run) -> dict:
    """Run a checked request (``await asyncio.to_thread(Run, …)``) to the end; the response object."""
    return run.finish((await runner.collect(run.gen)).text)


async def input_tokens(engine, store, key_id: str, body: dict) -> dict:
    """POST /v1/responses/input_tokens: what the request's input would cost, without running it."""
    prepared = await asyncio.to_thread(prepare, engine, store, key_id, body)
    return {"object": "response.input_tokens", "input_tokens": len(prepared.prompt)}


def events(run: Run) -> AsyncIterator[dict]:
    """The typed stream events of ``run``, in the order the real API sends them."""
    return _events(run)


async def _events(run: Run) -> AsyncIterator[dict]:
    start = run.snapshot("in_progress")
    if run.req.background:
        queued = run.snapshot("queued")
        yield {"type": "response.created", "response": queued}
        yield {"type": "response.queued", "response": queued}
    else:
        yield {"type": "response.created", "response": start}
    yield {"type": "response.in_progress", "response": start}
    first = 1 if run.reasons else 0  # the output index of the answer: after the reasoning item, if any
    if run.reasons:
        yield {"type": "response.output_item.added", "output_index": 0,
               "item": reasoning_item(run.reasoning_id, [])}
    where = {"item_id": run.item_id, "output_index": first, "content_index": 0}
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    opened, held, parts, thought = False, run.plan.calling, [], not run.reasons
    async for piece in runner.pieces(run.gen):
        if piece.reasoning:
            continue  # hidden: only its summary, once it is all written, is ever sent
        if not thought:
            thought = True
            for event in _reasoning_done(run):
                yield event
        parts.append(piece.text)
        if held and ("".join(parts).lstrip().startswith("{") or not "".join(parts).strip()):
            continue  # maybe a tool call: sent whole at the end
        if not opened:
            opened = True
            yield {"type": "response.output_item.added", "output_index": first,
                   "item": message_item(run.item_id, None, "in_progress")}
            yield {"type": "response.content_part.added", **where, "part": part}
            piece_text, held = "".join(parts), False
        else:
            piece_text = piece.text
        yield {"type": "response.output_text.delta", **where, "delta": piece_text, "logprobs": []}
    if not thought:
        for event in _reasoning_done(run):
            yield event
    text = "".join(parts)
    try:
        output, calls = run.output(text)
    except APIError as error:  # the stream has begun: the platform's way is a failed response
        yield {"type": "response.failed", "response": run.fail(error)}
        return
    if calls:
        for index, item in enumerate(output, start=first):
            yield {"type": "response.output_item.added", "output_index": index,
                   "item": {**item, "arguments": "", "status": "in_progress"}}
            for chunk in _chunks(item["arguments"]):
                yield {"type": "response.function_call_arguments.delta", "item_id": item["id"],
                       "output_index": index, "delta": chunk}
            yield {"type": "response.function_call_arguments.done", "item_id": item["id"], "output_index": index,
                   "name": item["name"], "arguments": item["arguments"]}
            yield {"type": "response.output_item.done", "output_index": index, "item": item}
    elif output:
        if not opened:
            yield {"type": "response.output_item.added", "output_index": first,
                   "item": message_item(run.item_id, None, "in_progress")}
            yield {"type": "response.content_part.added", **where, "part": part}
            if text:
                yield {"type": "response.output_text.delta", **where, "delta": text, "logprobs": []}
        yield {"type": "response.output_text.done", **where, "text": text, "logprobs": []}
        yield {"type": "response.content_part.done", **where, "part": {**part, "text": text}}
        yield {"type": "response.output_item.done", "output_index": first, "item": output[0]}
    final = run.finish(text)
    if final["status"] != "cancelled":  # a cancelled response's stream just ends
        kind = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
        yield {"type": kind, "response": final}


def _reasoning_done(run: Run) -> list[dict]:
    """The events that close the reasoning item: its summary, part by part (if asked for), then the item."""
    item, events = run.reasoning(), []
    where = {"item_id": item["id"], "output_index": 0}
    for index, part in enumerate(item["summary"]):
        at = {**where, "summary_index": index}
        events += [{"type": "response.reasoning_summary_part.added", **at, "part": {**part, "text": ""}},
                   {"type": "response.reasoning_summary_text.delta", **at, "delta": part["text"]},
                   {"type": "response.reasoning_summary_text.done", **at, "text": part["text"]},
                   {"type": "response.reasoning_summary_part.done", **at, "part": part}]
    return events + [{"type": "response.output_item.done", "output_index": 0, "item": item}]


async def stream(run: Run) -> AsyncIterator[str]:
    """Server-sent events for a streamed (not background) response."""

    async def sse() -> AsyncIterator[str]:
        seq = 0
        async for event in events(run):
            yield sse_event({**event, "sequence_number": seq})
            seq += 1

    return sse()


def sse_event(event: dict) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"


def _chunks(text: str, size: int = 12) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]
