"""POST /v1/completions, the legacy endpoint: a prompt string in, its continuation out.

The model reads the prompt as plain text, with no chat template: the way the first
OpenAI quick-starts wrote a chat ("User: Hello\\nAI:") and let the model write the next line.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator

from ..tokens import LEGACY_OUTPUT_LIMIT, request_tokens
from . import chat, runner
from .engine import Sampling
from .prepared import Prepared
from .wire import APIError, CompletionRequest, model_not_found, parse

# OpenAI's documented default prompt: with no text, the model starts a new document.
DOCUMENT_START = "<|endoftext|>"


def prepare(engine, body: dict) -> Prepared:
    """Validate the request; tokenize its prompt, with one Sampling per choice."""
    req = parse(CompletionRequest, body)
    if req.model != engine.model_id:
        raise model_not_found(req.model)
    refuse_unsupported(req)
    text = prompt_text(req.prompt)
    stops = chat.stop_list(req.stop)
    bias = chat.logit_bias(engine, req.logit_bias)
    prompt = engine.tokenize(text) or engine.tokenize(DOCUMENT_START, special=True)
    limit = req.max_tokens or LEGACY_OUTPUT_LIMIT  # a short continuation unless asked for more
    chat.check_context(engine, prompt, limit, "prompt")
    samplings = tuple(Sampling(
        temperature=1.0 if req.temperature is None else req.temperature,
        top_p=1.0 if req.top_p is None else req.top_p,
        max_tokens=limit, stop=stops,
        seed=None if req.seed is None else req.seed + i,  # as in chat: choices differ, yet repeat with a seed
        presence_penalty=req.presence_penalty or 0.0, frequency_penalty=req.frequency_penalty or 0.0,
        top_logprobs=req.logprobs, logit_bias=bias,
    ) for i in range(req.n or 1))
    return Prepared(req, prompt, samplings, request_tokens(body, req.model, input_tokens=len(prompt)).total,
                    text=text)


def refuse_unsupported(req: CompletionRequest) -> None:
    """The parameters the sandbox cannot honour, refused as the platform refuses them."""
    if req.suffix is not None:
        raise APIError(400, "Unsupported parameter: 'suffix' is not supported with this model.",
                       param="suffix", code="unsupported_parameter")
    if req.best_of not in (None, 1):
        raise APIError(400, f"Unsupported value: 'best_of' does not support {req.best_of} in the sandbox, which "
                       f"does not rank completions. Only the default (1) value is supported: ask for "
                       f"n={req.best_of} instead and compare the choices yourself.",
                       param="best_of", code="unsupported_value")
    if req.echo and req.logprobs is not None:  # the sandbox cannot score the prompt's own tokens
        raise APIError(400, "Setting 'echo' and 'logprobs' at the same time is not supported for this model.")


def prompt_text(prompt: str | list) -> str:
    """The one prompt string of the request."""
    if isinstance(prompt, str):
        return prompt
    if not all(isinstance(p, str) for p in prompt):
        raise APIError(400, "The sandbox reads 'prompt' as text, not as token ids. Send the text itself: the "
                       "sandbox tokenizes it with its model's own tokenizer.", param="prompt", code="invalid_type")
    if len(prompt) != 1:
        raise APIError(400, f"The sandbox takes one prompt per request, but 'prompt' is a list of {len(prompt)}. "
                       "Send a single string, and one request per prompt (in a loop).",
                       param="prompt", code="invalid_value")
    return prompt[0]


def legacy_logprobs(entries: list[dict], k: int, offset: int, before: bytes = b"") -> dict:
    """Chat-style entries in the legacy shape; offsets count from the prompt's start (``offset`` long)."""
    out: dict = {"tokens": [], "token_logprobs": [], "top_logprobs": [], "text_offset": []}
    for entry in entries:
        token = token_text(entry)
        top = {token_text(t): t["logprob"] for t in entry.get("top_logprobs", [])[:k]}
        top.setdefault(token, entry["logprob"])  # the sampled token is always listed: up to k + 1 entries
        out["tokens"].append(token)
        out["token_logprobs"].append(entry["logprob"])
        out["top_logprobs"].append(top)
        out["text_offset"].append(offset + len(before.decode("utf-8", "ignore")))
        before += bytes(entry["bytes"])
    return out


def token_text(entry: dict) -> str:
    """The token as text; a token that splits a character is written ``bytes:\\xe2\\x80``, as OpenAI does."""
    raw = bytes(entry["bytes"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes:" + "".join(f"\\x{b:02x}" for b in raw)


def usage(prompt: int, completion: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def envelope(engine) -> dict:
    return {"id": "cmpl-" + secrets.token_hex(12), "object": "text_completion", "created": int(time.time()),
            "model": engine.model_id, "system_fingerprint": chat.FINGERPRINT}


async def complete(engine, prepared: Prepared, record) -> dict:
    """A whole text_completion object for a request checked by :func:`prepare`; ``record(prompt, completion)``
    records its usage."""
    req, text, prompt = prepared.req, prepared.text, prepared.prompt
    choices, generated = [], 0
    for index, sampling in enumerate(prepared.samplings):
        gen = engine.generate(prompt, sampling)
        reply = await runner.collect(gen)
        generated += gen.tokens
        logprobs = None if req.logprobs is None else legacy_logprobs(reply.logprobs, req.logprobs, len(text))
        choices.append({"text": text + reply.text if req.echo else reply.text, "index": index,
                        "logprobs": logprobs, "finish_reason": gen.finish_reason})
    record(len(prompt), generated)
    return {**envelope(engine), "choices": choices, "usage": usage(len(prompt), generated)}


async def stream(engine, prepared: Prepared, record) -> AsyncIterator[str]:
    """Server-sent events, one chunk per piece; ``record(prompt, completion)`` records usage at the end."""
    req, text, prompt = prepared.req, prepared.text, prepared.prompt
    include_usage = bool(req.stream_options and req.stream_options.include_usage)
    base = envelope(engine)
    if include_usage:
        base["usage"] = None

    def chunk(index: int, piece: str, finish: str | None = None, logprobs: dict | None = None) -> str:
        choice = {"text": piece, "index": index, "logprobs": logprobs, "finish_reason": finish}
        return f"data: {json.dumps({**base, 'choices': [choice]})}\n\n"

    async def events() -> AsyncIterator[str]:
        generated = 0
        for index, sampling in enumerate(prepared.samplings):
            gen = engine.generate(prompt, sampling)
            if req.echo:
                yield chunk(index, text)
            sent = b""  # the completion so far, for text_offset
            async for piece in runner.pieces(gen):
                logprobs = None
                if req.logprobs is not None and piece.logprob:
                    logprobs = legacy_logprobs([piece.logprob], req.logprobs, len(text), sent)
                    sent += bytes(piece.logprob["bytes"])
                yield chunk(index, piece.text, logprobs=logprobs)
            generated += gen.tokens
            yield chunk(index, "", gen.finish_reason)
        record(len(prompt), generated)
        if include_usage:
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage(len(prompt), generated)})}\n\n"
        yield "data: [DONE]\n\n"

    return events()
