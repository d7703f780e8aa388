"""POST /v1/responses: the newer API, where the server can remember the conversation.

With ``store`` (the default) a response is saved, and a later request can send only
the new input plus ``previous_response_id``: the sandbox rebuilds the history.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import AsyncIterator

from . import runner
from .chat import check_context
from .engine import Sampling
from .wire import APIError, ResponsesRequest, model_not_found, parse, text_of


def prepare(engine, store, body: dict):
    """Validate; return the request, the history (without instructions) and the prompt tokens."""
    req = parse(ResponsesRequest, body)
    if req.model != engine.model_id:
        raise model_not_found(req.model)
    history: list[dict] = []
    if req.previous_response_id:
        found = store.load_response(req.previous_response_id)
        if found is None:
            raise APIError(400, f"Previous response with id '{req.previous_response_id}' not found.",
                           param="previous_response_id", code="previous_response_not_found")
        history = found[1]
    items = [{"role": "user", "content": req.input}] if isinstance(req.input, str) else [
        {"role": m.role, "content": text_of(m.content)} for m in req.input]
    history = history + [{"role": "system" if m["role"] == "developer" else m["role"], "content": m["content"]}
                         for m in items]
    system = [{"role": "system", "content": req.instructions}] if req.instructions else []
    prompt = engine.render(system + history)
    check_context(engine, prompt, req.max_output_tokens, "input")
    return req, history, prompt


def sampling(req: ResponsesRequest) -> Sampling:
    return Sampling(temperature=1.0 if req.temperature is None else req.temperature,
                    top_p=1.0 if req.top_p is None else req.top_p, max_tokens=req.max_output_tokens)


def response_object(req: ResponsesRequest, engine, rid: str, created: int, status: str,
                    output: list, usage: dict | None) -> dict:
    return {
        "id": rid, "object": "response", "created_at": created, "status": status, "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "instructions": req.instructions, "max_output_tokens": req.max_output_tokens, "model": engine.model_id,
        "output": output, "parallel_tool_calls": True, "previous_response_id": req.previous_response_id,
        "reasoning": {"effort": None, "summary": None}, "store": req.store,
        "temperature": 1.0 if req.temperature is None else req.temperature,
        "top_p": 1.0 if req.top_p is None else req.top_p, "text": {"format": {"type": "text"}},
        "tool_choice": "auto", "tools": [], "truncation": "disabled", "usage": usage, "user": None, "metadata": {},
    }


def message_item(item_id: str, text: str | None, status: str) -> dict:
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": content}


def usage(input_tokens: int, output_tokens: int) -> dict:
    return {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens}


def _status(gen) -> str:
    """The response's status, which its message item shares: cut short by the token limit, or not."""
    return "incomplete" if gen.finish_reason == "length" else "completed"


def _finish(engine, store, key_id, req, history, prompt, rid, created, item_id, text, gen) -> dict:
    status = _status(gen)
    obj = response_object(req, engine, rid, created, status, [message_item(item_id, text, status)],
                          usage(len(prompt), gen.tokens))
    if req.store:
        store.save_response(key_id, obj, history + [{"role": "assistant", "content": text}])
    store.add_usage(key_id, len(prompt), gen.tokens)
    return obj


async def create(engine, store, key_id: str, body: dict) -> dict:
    req, history, prompt = prepare(engine, store, body)
    rid, created, item_id = "resp_" + secrets.token_hex(16), int(time.time()), "msg_" + secrets.token_hex(16)
    gen = engine.generate(prompt, sampling(req))
    text, _ = await runner.collect(gen)
    return _finish(engine, store, key_id, req, history, prompt, rid, created, item_id, text, gen)


async def stream(engine, store, key_id: str, body: dict) -> AsyncIterator[str]:
    """Typed server-sent events, in the order the real API sends them."""
    req, history, prompt = prepare(engine, store, body)
    rid, created, item_id = "resp_" + secrets.token_hex(16), int(time.time()), "msg_" + secrets.token_hex(16)
    seq = iter(range(1_000_000))

    def event(kind: str, **fields) -> str:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, 'sequence_number': next(seq), **fields})}\n\n"

    async def events() -> AsyncIterator[str]:
        start = response_object(req, engine, rid, created, "in_progress", [], None)
        where = {"item_id": item_id, "output_index": 0, "content_index": 0}
        yield event("response.created", response=start)
        yield event("response.in_progress", response=start)
        yield event("response.output_item.added", output_index=0, item=message_item(item_id, None, "in_progress"))
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        yield event("response.content_part.added", **where, part=part)
        gen, parts = engine.generate(prompt, sampling(req)), []
        async for piece in runner.pieces(gen):
            parts.append(piece.text)
            yield event("response.output_text.delta", **where, delta=piece.text, logprobs=[])
        text = "".join(parts)
        yield event("response.output_text.done", **where, text=text, logprobs=[])
        yield event("response.content_part.done", **where, part={**part, "text": text})
        yield event("response.output_item.done", output_index=0, item=message_item(item_id, text, _status(gen)))
        final = _finish(engine, store, key_id, req, history, prompt, rid, created, item_id, text, gen)
        kind = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
        yield event(kind, response=final)

    return events()
