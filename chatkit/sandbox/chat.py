"""POST /v1/chat/completions: the whole conversation in, one reply (or a stream) out."""

from __future__ import annotations

import json
import secrets
import time
from typing import AsyncIterator

from . import runner
from .engine import Sampling
from .wire import APIError, ChatRequest, context_too_long, model_not_found, parse, text_of

FINGERPRINT = "fp_sandbox"


def prepare(engine, body: dict, *, param: str = "messages") -> tuple[ChatRequest, list[int], list[Sampling]]:
    """Validate the request; return it, the prompt tokens, and one Sampling per choice."""
    req = parse(ChatRequest, body)
    if req.model != engine.model_id:
        raise model_not_found(req.model)
    stops = [req.stop] if isinstance(req.stop, str) else list(req.stop or [])
    if len(stops) > 4:
        raise APIError(400, f"Invalid 'stop': array too long. Expected an array with maximum length 4, "
                       f"but got an array with length {len(stops)} instead.", param="stop",
                       code="array_above_max_length")
    if req.top_logprobs is not None and not req.logprobs:
        raise APIError(400, "Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
                       "'top_logprobs' is used.", param="top_logprobs", code="invalid_value")
    bias = logit_bias(engine, req.logit_bias)
    messages = [{"role": "system" if m.role == "developer" else m.role, "content": text_of(m.content)}
                for m in req.messages]
    prompt = engine.render(messages)
    limit = req.max_completion_tokens or req.max_tokens
    check_context(engine, prompt, limit, param)
    n = req.n or 1
    samplings = [Sampling(
        temperature=1.0 if req.temperature is None else req.temperature,
        top_p=1.0 if req.top_p is None else req.top_p,
        max_tokens=limit, stop=stops,
        seed=None if req.seed is None else req.seed + i,  # n choices differ, yet repeat with a seed
        presence_penalty=req.presence_penalty or 0.0, frequency_penalty=req.frequency_penalty or 0.0,
        top_logprobs=(req.top_logprobs or 0) if req.logprobs else None,
        logit_bias=bias,
    ) for i in range(n)]
    return req, prompt, samplings


def logit_bias(engine, bias: dict[str, float] | None) -> dict[int, float] | None:
    """Token ids as ints, rejected as OpenAI does when not in the vocabulary or the bias is out of range."""
    if not bias:
        return None
    size = getattr(engine, "vocab_size", None)
    for key, value in bias.items():
        if not (key.isascii() and key.isdigit()):
            raise APIError(400, f"Invalid key in 'logit_bias': {key}. You should only be submitting non-negative "
                           "integers.", param="logit_bias")
        if size is not None and int(key) >= size:
            raise APIError(400, f"Invalid key in 'logit_bias': {key}. Maximum value is {size - 1}.", param="logit_bias")
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


def usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }


async def complete(engine, body: dict) -> tuple[dict, int, int]:
    """A whole chat.completion object, plus (prompt, completion) token counts."""
    req, prompt, samplings = prepare(engine, body)
    choices, generated = [], 0
    for index, sampling in enumerate(samplings):
        gen = engine.generate(prompt, sampling)
        text, logprobs = await runner.collect(gen)
        generated += gen.tokens
        choices.append({
            "index": index, "finish_reason": gen.finish_reason,
            "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
            "logprobs": {"content": logprobs, "refusal": None} if req.logprobs else None,
        })
    obj = {"id": "chatcmpl-" + secrets.token_hex(12), "object": "chat.completion", "created": int(time.time()),
           "model": engine.model_id, "choices": choices, "usage": usage(len(prompt), generated),
           "system_fingerprint": FINGERPRINT, "service_tier": "default"}
    return obj, len(prompt), generated


async def stream(engine, body: dict, on_done) -> AsyncIterator[str]:
    """Server-sent events, one chunk per piece; ``on_done(prompt, completion)`` records usage."""
    req, prompt, samplings = prepare(engine, body)
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
        generated = 0
        for index, sampling in enumerate(samplings):
            gen = engine.generate(prompt, sampling)
            yield chunk(index, {"role": "assistant", "content": "", "refusal": None})
            async for piece in runner.pieces(gen):
                yield chunk(index, {"content": piece.text}, logprobs=[piece.logprob] if piece.logprob else None)
            generated += gen.tokens
            yield chunk(index, {}, gen.finish_reason)
        on_done(len(prompt), generated)
        if include_usage:
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage(len(prompt), generated)})}\n\n"
        yield "data: [DONE]\n\n"

    return events()
