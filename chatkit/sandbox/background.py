"""Background responses (``background=True``): the work goes on after the request returns.

The request answers at once with a stored response whose status is ``queued``; a task
runs the model and records every stream event. ``GET /v1/responses/{id}`` polls the
status, ``?stream=true&starting_after=N`` replays the events after N and follows the
rest as they come, and ``POST /v1/responses/{id}/cancel`` stops the model. Events live
in memory: after a restart of the sandbox, the stored response is what remains.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from .responses import Run, events, sse_event
from .wire import APIError


class Job:
    """One background response: its run, the events so far, and whether it has ended."""

    def __init__(self, run: Run) -> None:
        self.run, self.events, self.ended = run, [], False
        self.changed = asyncio.Condition()
        self.task = asyncio.get_running_loop().create_task(self._drive())

    async def _drive(self) -> None:
        try:
            async for event in events(self.run):
                await self._add(event)
                if event["type"] == "response.in_progress":
                    self.run.store.save_response(self.run.key_id, event["response"], self.run.history)
        finally:
            async with self.changed:
                self.ended = True
                self.changed.notify_all()

    async def _add(self, event: dict) -> None:
        async with self.changed:
            self.events.append({**event, "sequence_number": len(self.events)})
            self.changed.notify_all()

    async def follow(self, after: int = -1) -> AsyncIterator[str]:
        """Server-sent events after sequence number ``after``, until the response ends."""
        seen = after + 1
        while True:
            async with self.changed:
                await self.changed.wait_for(lambda seen=seen: len(self.events) > seen or self.ended)
                batch, ended = self.events[seen:], self.ended
            for event in batch:
                yield sse_event(event)
            seen += len(batch)
            if ended and seen >= len(self.events):
                return


class Jobs:
    """The background responses of one sandbox, by response id."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}

    KEEP = 100  # finished jobs whose events stay in memory for resuming their stream

    def start(self, run: Run) -> Job:
        """Queue a prepared run (see :class:`~chatkit.sandbox.responses.Run`) and start it."""
        finished = [rid for rid, job in self.jobs.items() if job.ended]
        for rid in finished[: max(0, len(finished) - self.KEEP)]:
            del self.jobs[rid]
        run.store.save_response(run.key_id, run.snapshot("queued"), run.history)
        job = self.jobs[run.rid] = Job(run)
        return job

    def get(self, rid: str) -> Job:
        job = self.jobs.get(rid)
        if job is None:
            raise APIError(400, f"Response '{rid}' was not created with background=true, or the sandbox has "
                           "restarted since: only a running background response can be streamed or cancelled.",
                           param="response_id")
        return job
