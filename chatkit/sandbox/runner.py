"""Run a generation off the event loop and hand its pieces back as they come.

The model runs in a worker thread so the server keeps answering other requests.
When the reader goes away (a client closes a stream, or a newer request supersedes
it), ``gen.cancel`` is set and the model stops at the next token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..config import MAX_PARALLEL
from .engine import Generation, Piece

_DONE = object()
# A worker per generation being read, as many as a model can have slots (engine.py lets up to its
# slots run together). More requests wait here, in the order they arrived, without a thread each.
_model_threads = ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="chatkit-model")


async def pieces(gen: Generation) -> AsyncIterator[Piece]:
    """Yield the generation's pieces without blocking the event loop."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def work() -> None:
        try:
            for piece in gen:
                loop.call_soon_threadsafe(queue.put_nowait, piece)
            loop.call_soon_threadsafe(queue.put_nowait, _DONE)
        except BaseException as exc:  # handed to the reader, which re-raises it
            loop.call_soon_threadsafe(queue.put_nowait, exc)

    worker = loop.run_in_executor(_model_threads, work)
    try:
        while (item := await queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        gen.cancel.set()
        await asyncio.shield(worker)


@dataclass(frozen=True)
class Reply:
    """A generation's whole answer: its text, and a logprob entry per token if they were asked for."""

    text: str
    logprobs: list[dict]


async def collect(gen: Generation) -> Reply:
    """Run to the end; return the text and the logprob entries."""
    text, logprobs = [], []
    async for piece in pieces(gen):
        text.append(piece.text)
        if piece.logprob:
            logprobs.append(piece.logprob)
    return Reply("".join(text), logprobs)
