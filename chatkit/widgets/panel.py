"""What the tuning widgets share: a status line, an error area, and one background job at a time.

Requests run in a worker thread, so the kernel stays free while the model writes. Each
job gets a run id; starting a new job makes the old id stale, and a stale job drops
whatever it still receives (see ``current``).
"""

from __future__ import annotations

import html
import threading

import ipywidgets as w

from ..failures import explain
from .calls import format_traceback, is_expected


def classed(widget: w.Widget, css_class: str) -> w.Widget:
    """Give a widget a stable CSS class (tests and the browser test find widgets by it)."""
    widget.add_class(css_class)
    return widget


class Panel:
    """Common parts: ``status`` (a line of HTML), ``errors`` (tracebacks), ``wait()``."""

    def __init__(self) -> None:
        self.status = w.HTML()
        self.status.add_class("chatkit-status")
        self.errors = w.Output()
        self.errors.add_class("chatkit-errors")
        self.error: BaseException | None = None  # the last error, also shown in the widget
        self._lock = threading.RLock()
        self._run_id = 0
        self._thread: threading.Thread | None = None

    def _say(self, text_html: str, ok: bool = True) -> None:
        color = "inherit" if ok else "#cf222e"
        self.status.value = f'<span style="color:{color}">{text_html}</span>'

    def _show_error(self, exc: BaseException) -> None:
        self.error = exc
        self._say(html.escape(explain(exc).line()), ok=False)
        if not is_expected(exc):
            self.errors.append_stderr(format_traceback(exc))

    def _safely(self, action):
        """A widget callback that shows its errors in the widget instead of losing them."""

        def handler(*_args):
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - shown to the learner, never swallowed
                self._show_error(exc)

        return handler

    def _model_name(self) -> str:
        return ""

    def _next_run(self) -> int:
        """Make every earlier job stale; return the new run id. Call with the lock held."""
        self._run_id += 1
        self.error = None
        self.errors.outputs = ()
        return self._run_id

    def current(self, run_id: int) -> bool:
        """True while ``run_id`` is the newest job: only it may write to the widget."""
        return run_id == self._run_id

    def _launch(self, run_id: int, job) -> None:
        def guarded() -> None:
            try:
                job(run_id)
            except Exception as exc:  # noqa: BLE001 - a worker has no caller to raise to
                with self._lock:
                    if self.current(run_id):
                        self._show_error(exc)

        self._thread = threading.Thread(target=guarded, name=f"chatkit-{type(self).__name__}-{run_id}", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current job is done (or ``timeout`` seconds pass); True if done."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def run(self, timeout: float | None = None):
        """Start, wait for the answer, raise if it failed; returns the widget."""
        self.start()
        self.wait(timeout)
        self._raise_error()
        return self

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
