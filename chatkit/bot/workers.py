"""Background answers: a few threads for everyone, and each user's messages in order.

>>> workers = Workers(size=2)
>>> workers.submit("ada", lambda: "hi").result()
'hi'
>>> workers.close()
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class Workers:
    """Runs jobs on at most ``size`` threads; jobs with the same key run one at a time, in order.

    A thread pool alone would let a user's second message overtake the first (both wait
    for the Bot's per-user lock, and a lock does not queue fairly), and one user with many
    messages could occupy every thread. So each key gets a queue, and only its head is in
    the pool; when it ends, the next one goes to the back of the pool's line, behind other
    users' messages.
    """

    def __init__(self, size: int = 4, backlog: int = 1000) -> None:
        self.size, self.backlog = size, backlog
        self._pool = ThreadPoolExecutor(size, thread_name_prefix="chatkit-bot")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._waiting: dict[str, deque] = {}  # key -> its jobs behind the one running
        self._pending = 0  # jobs submitted and not finished
        self._closed = False

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def busy(self) -> bool:
        """True when the backlog is full: take no more work until it drains."""
        return self._pending >= self.backlog

    def submit(self, key: str, job: Callable[[], object]) -> Future:
        """Run ``job()`` after the jobs already given for ``key``; its Future holds the result."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("The bot's workers are stopped.")
            self._pending += 1
            if key in self._waiting:
                self._waiting[key].append((job, future))
                return future
            self._waiting[key] = deque()
        self._pool.submit(self._run, key, job, future)
        return future

    def close(self, timeout: float = 5.0) -> None:
        """Drop the jobs not started, and wait up to ``timeout`` s for the running ones."""
        with self._lock:
            self._closed = True
            dropped = [future for jobs in self._waiting.values() for _, future in jobs]
            for jobs in self._waiting.values():
                self._pending -= len(jobs)
                jobs.clear()
            self._idle.wait_for(lambda: self._pending == 0, timeout)
        for future in dropped:
            future.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, key: str, job: Callable[[], object], future: Future) -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(job())
            except Exception as exc:  # noqa: BLE001 - the caller reads it from the Future
                future.set_exception(exc)
        with self._lock:
            self._pending -= 1
            queue = self._waiting.get(key)
            following = queue.popleft() if queue else None  # close() empties every queue
            if following is None:
                self._waiting.pop(key, None)
            self._idle.notify_all()
        if following is not None:
            try:
                self._pool.submit(self._run, key, *following)
            except RuntimeError:  # close() shut the pool down meanwhile: drop it, and count it done
                following[1].cancel()
                self._run(key, *following)
