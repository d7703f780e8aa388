"""POST /v1/chat/completions: the whole conversation in, one reply (or a stream) out."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator

from ..tokens import request_tokens
from . import reasoner, runner, structured, thinker
from .engine import Sampling
from .prepared import Prepared
from .structured import Plan
from .wire import APIError, ChatRequest, context_too_long, model_not_found, parse, text_of

FINGERPRINT = "fp_sandbox"


def prepare(engine, body: dict, *, param: str = "messages") -> Prepared:
    """Validate the request; render and tokenize its prompt, with one Sampling per choice."""
    req = parse(ChatRequest, body)
    if req.model != engine.model_id:
        raise model_not_found(req.model)
    sent = {name: body.get(name) for name in ("temperature", "top_p", "logprobs", "top_logprobs")}  # 0 is not 0.0
    effort = reasoner.effort_for(engine, req.reasoning_effort, param="reasoning_effort", sent=sent)
    if req.max_tokens is not None and reasoner.reasons(engine):
        raise APIError(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                       "Use 'max_completion_tokens' instead.", param="max_tokens", code="unsupported_parameter")
    stops = stop_list(req.stop)
    if req.top_logprobs is not None and not req.logprobs:
        raise APIError(400, "Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
                       "'top_logprobs' is used.", param="top_logprobs", code="invalid_value")
    bias = logit_bias(engine, req.logit_bias)
    plan = output_plan(req)
    rendered = render_messages(req.messages)
    plan.decide(rendered[-1]["role"])
    messages = with_system(rendered, plan.system_text())
    prompt = engine.render(fold_tool_results(messages), **thinker.switch(engine, effort))
    limit = req.max_completion_tokens or req.max_tokens
    check_context(engine, prompt, limit, param)
    samplings = tuple(Sampling(
        temperature=1.0 if req.temperature is None else req.temperature,
        top_p=1.0 if req.top_p is None else req.top_p,
        max_tokens=limit, stop=stops,
        seed=None if req.seed is None else req.seed + i,  # n choices differ, yet repeat with a seed
        presence_penalty=req.presence_penalty or 0.0, frequency_penalty=req.frequency_penalty or 0.0,
        top_logprobs=(req.top_logprobs or 0) if req.logprobs else None,
        logit_bias=bias, grammar=plan.grammar(), effort=effort,
    ) for i in range(req.n or 1))
    return Prepared(req, prompt, samplings, request_tokens(body, req.model, input_tokens=len(prompt)).total, plan)


def output_plan(req: ChatRequest) -> Plan:
    """Tools, tool_choice and response_format, checked as the platform checks them."""
    tools = [t.function.model_dump() for t in req.tools or []]
    choice = req.tool_choice.function.name if hasattr(req.tool_choice, "function") else req.tool_choice
    choice = structured.check_tools(tools, choice, lambda i: f"tools[{i}].function.parameters")
    answer, label = None, "the answer"
    if req.response_format is not None:
        fmt = req.response_format.json_schema
        if req.response_format.type == "json_schema" and fmt is None:
            raise APIError(400, "Missing required parameter: 'response_format.json_schema'.",
                           param="response_format.json_schema", code="missing_required_parameter")
        answer = structured.answer_schema(
            req.response_format.type, fmt and fmt.name, fmt and fmt.schema_, fmt and fmt.strict,
            "response_format", "response_format", [text_of(m.content) for m in req.messages], "messages")
        label = f"response_format '{fmt.name}'" if fmt else "response_format"
    return Plan(tools, choice, req.parallel_tool_calls is not False, answer, label)


def render_messages(messages) -> list[dict]:
    """The messages as plain dicts: "developer" is "system"; tool calls and results keep their ids."""
    out = []
    for m in messages:
        message = {"role": "system" if m.role == "developer" else m.role, "content": text_of(m.content)}
        if m.tool_calls:
            message["calls"] = {c.id: c.function.name for c in m.tool_calls}
        if m.tool_call_id:
            message["tool_call_id"] = m.tool_call_id
        out.append(message)
    return out


def fold_tool_results(messages: list[dict]) -> list[dict]:
    """What the model reads: each tool result as a note under the question it answers.

    Shown its own earlier call (as JSON) and the result in a turn of its own, the 135M
    model repeats the call instead of answering; with the result next to the question it
    answers from it ("The order_status is "shipped"…", measured at temperature 0). The
    wire format is untouched: this is only how the sandbox words the prompt for its model.
    """
    names: dict[str, str] = {}
    out: list[dict] = []
    for m in messages:
        names.update(m.get("calls") or {})
        if m["role"] == "tool":
            note = f"(Result of {names.get(m.get('tool_call_id'), 'a tool')}: {m['content']})"
            if out and out[-1]["role"] == "user":
                out[-1] = {**out[-1], "content": f"{out[-1]['content']}\n\n{note}"}
            else:
                out.append({"role": "user", "content": note})
        elif m["role"] != "assistant" or m["content"] or not m.get("calls"):
            out.append({"role": m["role"], "content": m["content"]})
    return out


def with_system(messages: list[dict], text: str | None) -> list[dict]:
    """Add ``text`` (the tools, for instance) to the system message, or put one first."""
    if not text:
        return messages
    if messages and messages[0]["role"] == "system":
        return [{**messages[0], "content": messages[0]["content"] + "\n\n" + text}] + messages[1:]
    return [{"role": "system", "content": text}] + messages


def finish_reason(gen, calls: list[dict] | None) -> str:
    """"tool_calls" for complete calls; a call cut off by the token limit finishes with "length"."""
    if not calls:
        return gen.finish_reason
    return "length" if calls[-1].get("status") == "incomplete" else "tool_calls"


def tool_calls(calls: list[dict]) -> list[dict]:
    """Chat Completions' shape for the calls the model made."""
    return [{"id": c["call_id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in calls]


MAX_STOP = 256  # characters: llama.cpp looks for every stop string after every token


def stop_list(stop: str | list[str] | None) -> list[str]:
    """The stop sequences, at most 4 (as on OpenAI), each at most MAX_STOP characters (the sandbox's bound)."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    if len(stops) > 4:
        raise APIError(400, f"Invalid 'stop': array too long. Expected an array with maximum length 4, "
                       f"but got an array with length {len(stops)} instead.", param="stop",
                       code="array_above_max_length")
    if any(len(s) > MAX_STOP for s in stops):
        raise APIError(400, f"Invalid 'stop': the sandbox accepts stop sequences of at most {MAX_STOP} characters. "
                       "A stop sequence is a short marker, such as \"\\nUser:\".", param="stop",
                       code="string_above_max_length")
    return stops


def logit_bias(engine, bias: dict[str, float] | None) -> dict[int, float] | None:
    """Token ids as ints, rejected as OpenAI does when not in the vocabulary or the bias is out of range."""
    if not bias:
        return None
    size = getattr(engine, "vocab_size", None)
    for key, value in bias.items():
        if not (key.isascii() and key.isdigit()):
            raise APIError(400, f"Invalid key in 'logit_bias': {key[:40]}. You should only be submitting "
                           "non-negative integers.", param="logit_bias")
        if len(key) > 9 or (size is not None and int(key) >= size):
            raise APIError(400, f"Invalid key in 'logit_bias': {key[:40]}. Maximum value is {(size or 10**9) - 1}.",
                           param="logit_bias")
        if not -100 <= value <= 100:
            raise APIError(400, f"Invalid value for 'logit_bias': {value:g} (token {key}). Values must be between "
                           "-100 and 100.", param="logit_bias", code="invalid_value")
    return {int(key): value for key, value in bias.items()}


def check_context(engine, prompt: list[int], limit: int | None, param: str) -> None:
    window = engine.context_window
    if len(prompt) >= window:
        raise context_too_long(window, len(prompt), None, param)
    if limit is not None and len(prompt) + limit > window:
        raise context_too_long(window, len(prompt), limit, param)


def usage(prompt_tokens: int, completion_tokens: int, reasoning_tokens: int = 0) -> dict:
    return {
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }


async def complete(engine, prepared: Prepared, record) -> dict:
    """A whole chat.completion object for a request checked by :func:`prepare`; ``record(prompt, completion)``
    records its usage."""
    req, prompt, plan = prepared.req, prepared.prompt, prepared.plan
    choices, generated, reasoning = [], 0, 0
    for index, sampling in enumerate(prepared.samplings):
        gen = engine.generate(prompt, sampling)
        reply = await runner.collect(gen)
        generated, reasoning = generated + gen.tokens, reasoning + gen.reasoning_tokens
        calls = plan.read(reply.text, gen.finish_reason)
        message = {"role": "assistant", "content": None if calls else reply.text, "refusal": None,
                   "annotations": []}
        if calls:
            message["tool_calls"] = tool_calls(calls)
        choices.append({
            "index": index, "finish_reason": finish_reason(gen, calls), "message": message,
            "logprobs": {"content": reply.logprobs, "refusal": None} if req.logprobs else None,
        })
    record(len(prompt), generated)
    return {"id": "chatcmpl-" + secrets.token_hex(12), "object": "chat.completion", "created": int(time.time()),
            "model": engine.model_id, "choices": choices, "usage": usage(len(prompt), generated, reasoning),
            "system_fingerprint": FINGERPRINT, "service_tier": "default"}


async def stream(engine, prepared: Prepared, record) -> AsyncIterator[str]:
    """Server-sent events, one chunk per piece; ``record(prompt, completion)`` records usage at the end."""
    req, prompt, plan = prepared.req, prepared.prompt, prepared.plan
    include_usage = bool(req.stream_options and req.stream_options.include_usage)
    base = {"id": "chatcmpl-" + secrets.token_hex(12), "object": "chat.completion.chunk",
            "created": int(time.time()), "model": engine.model_id, "system_fingerprint": FINGERPRINT,
            "service_tier": "default"}
    if include_usage:
        base["usage"] = None

    def chunk(index: int, delta: dict, finish: str | None = None, logprobs: list | None = None) -> str:
        choice = {"index": index, "delta": delta, "finish_reason": finish,
                  "logprobs": {"content": logprobs, "refusal": None} if logprobs else None}
        return f"data: {json.dumps({**base, 'choices': [choice]})}\n\n"

    async def events() -> AsyncIterator[str]:
        generated = reasoning = 0
        for index, sampling in enumerate(prepared.samplings):
            gen = engine.generate(prompt, sampling)
            yield chunk(index, {"role": "assistant", "content": "", "refusal": None})
            held: list[str] | None = [] if plan.calling else None  # a possible tool call is held back
            streamed = []
            async for piece in runner.pieces(gen):
                if piece.reasoning:
                    continue  # hidden: Chat Completions returns none of it
                streamed.append(piece.text)
                if held is not None and (held or piece.text.lstrip().startswith("{") or not piece.text.strip()):
                    held.append(piece.text)
                    continue
                if held:
                    yield chunk(index, {"content": "".join(held)})
                held = None
                yield chunk(index, {"content": piece.text}, logprobs=[piece.logprob] if piece.logprob else None)
            generated, reasoning = generated + gen.tokens, reasoning + gen.reasoning_tokens
            try:
                calls = plan.read("".join(streamed), gen.finish_reason)
            except APIError as error:  # headers are sent: the SDK raises on an error event
                record(len(prompt), generated)
                yield f"data: {json.dumps(error.body())}\n\n"
                return
            if calls:
                for i, call in enumerate(tool_calls(calls)):
                    opening = {"index": i, **call, "function": {**call["function"], "arguments": ""}}
                    yield chunk(index, {"tool_calls": [opening]})
                    for part in _pieces_of(call["function"]["arguments"]):
                        yield chunk(index, {"tool_calls": [{"index": i, "function": {"arguments": part}}]})
            elif held:
                yield chunk(index, {"content": "".join(held)})
            yield chunk(index, {}, finish_reason(gen, calls))
        record(len(prompt), generated)
        if include_usage:
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage(len(prompt), generated, reasoning)})}\n\n"
        yield "data: [DONE]\n\n"

    return events()


def _pieces_of(text: str, size: int = 12) -> list[str]:
    """Arguments streamed a few characters at a time, as the platform sends them."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]
