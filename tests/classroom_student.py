"""One student of the simulated class (test_classroom_class.py): a course notebook's cells, run as a kernel runs them.

``python classroom_student.py NOTEBOOK``, started in the student's folder (whose ``.env`` joining the
class wrote), reads one step a line from stdin and answers each with one JSON line on stdout:

- ``CELL_ID``: that code cell of NOTEBOOK, read from the notebook file itself;
- ``answer EXERCISE``: the student types their answer to the exercise (its reference solution);
- ``show EXPRESSION``: the value of an expression in the notebook's namespace (``reply.id``).

Each answer holds what the step printed and, if it raised, the last line of its traceback (what a
notebook shows under the cell), and every HTTP request the process sent meanwhile with the status,
headers and body of its answer, for the test's canary sweep.
"""

from __future__ import annotations

import contextlib
import io
import json
import linecache
import sys
import traceback

import httpx
import httpx2
import nbformat

from chatkit.exercises import EXERCISES


def main(notebook: str) -> None:
    cells = {c.id: c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"}
    namespace: dict = {"__name__": "__main__"}
    wire: list[dict] = []
    listen(wire)
    out = sys.stdout
    print(json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        kind, _, rest = line.strip().partition(" ")
        printed, error = io.StringIO(), None
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                if kind == "show":
                    print(eval(rest, namespace))
                else:
                    source = EXERCISES[rest].solution if kind == "answer" else cells[kind]
                    run(source, f"<cell {line.strip()}>", namespace)
            except Exception as exc:
                error = traceback.format_exception_only(exc)[-1].strip()
        print(json.dumps({"step": line.strip(), "output": printed.getvalue(), "error": error, "wire": wire[:]}),
              file=out, flush=True)
        wire.clear()


def run(source: str, name: str, namespace: dict) -> None:
    """Run a cell as IPython does: its source kept in linecache, so ``inspect`` finds the functions it defines."""
    linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
    exec(compile(source, name, "exec"), namespace)


def listen(wire: list[dict]) -> None:
    """Keep every request sent and its answer: the openai SDK's client (httpx2) and plain httpx (a result's report)."""
    for client in (httpx2.Client, httpx.Client):
        send = client.send

        def recording(self, request, *, stream=False, _send=send, **options):
            answer = _send(self, request, stream=stream, **options)
            wire.append({"url": str(request.url), "status": answer.status_code, "headers": dict(answer.headers),
                         "body": "" if stream else answer.text})
            return answer

        client.send = recording


if __name__ == "__main__":
    main(sys.argv[1])
