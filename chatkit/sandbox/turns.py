"""Whose turn it is to generate: a model's slots, and the line of requests waiting for one.

One :class:`Turns` for the process (``turns``); every LlamaEngine asks it before it starts a
generation and tells it when the generation ends.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager


class Turns:
    """Whose turn it is on the cores: up to ``slots`` generations of one model run together, in
    one batch; a request for another model waits until they are done, and then it is that model's turn.

    Two models decoding at once would each want all cores but one (``engine.default_threads``) and both
    crawl. First come, first served, whichever the model: a request waiting for another model stops
    later ones for the running model from overtaking it, so no one waits forever.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: list[list] = []  # a one-item list per waiting request, [its engine], in arrival order
        self.running: dict = {}  # engine -> generations in its slots now

    @contextmanager
    def turn(self, engine, cancel: threading.Event):
        """Wait for a slot of ``engine``, or until ``cancel`` is set; yields whether a slot was taken."""
        me = [engine]
        with self._changed:
            self._waiting.append(me)
            # Setting ``cancel`` cannot wake this wait: look again every 0.1 s. Few threads wait here:
            # runner.py reads at most config.MAX_PARALLEL generations at once.
            while not (cancel.is_set() or self._may_start(me)):
                self._changed.wait(0.1)
            self._waiting.remove(me)
            started = not cancel.is_set()
            if started:
                self.running[engine] = self.running.get(engine, 0) + 1
            self._changed.notify_all()  # a request behind this one may go now
        try:
            yield started
        finally:
            if started:
                with self._changed:
                    self.running[engine] -= 1
                    if not self.running[engine]:
                        del self.running[engine]
                    self._changed.notify_all()

    def waiting(self, engine) -> int:
        """How many requests for ``engine`` wait in line."""
        with self._changed:
            return sum(waiting[0] is engine for waiting in self._waiting)

    def _may_start(self, me: list) -> bool:
        """First in line, no other model running, and a slot free."""
        engine = me[0]
        return (self._waiting[0] is me and all(other is engine for other in self.running)
                and self.running.get(engine, 0) < engine.slots)


turns = Turns()  # one for the process: its models share the cores
