"""The notebooks' exercises: the learner writes a function, ``check()`` says whether it works.

An exercise still holding its ``...`` placeholder is "not done yet": a hint, no traceback.
The checks and the reference solutions are in :mod:`chatkit.exercises.lessons`. For
teachers, ``python -m chatkit exercises NOTEBOOK`` runs a learner's notebook and reports
each exercise; ``--solutions`` fills in the reference solutions first.

>>> check("01-calls-per-dollar", calls_per_dollar)     # doctest: +SKIP
✓ calls_per_dollar() works: 1,667 calls per dollar on gpt-6-luna at 1,000 + 1,000 tokens.

Hints come in tiers, as a teacher gives them: the first "Not done yet" names the idea to use;
a wrong answer after that gets a more specific hint; the reference solution only on request,
``check(name, answer, solution=True)``.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import openai

from ..classroom.report import report
from ..config import force_sandbox
from ..failures import explain
from ..messages import LANGUAGES, say
from .base import Exercise, Wrong
from .lessons import EXERCISES

__all__ = ["check", "passes", "unsolved", "solution", "run_notebook", "EXERCISES", "Exercise", "Wrong", "VERIFY"]

# Set for notebook kernels in CI: every check first runs its reference solution, silently,
# in the notebook's own namespace, so a lesson whose solution stopped passing fails there.
VERIFY = "CHATKIT_VERIFY_SOLUTIONS"


# Exercises that already failed a check in this kernel: a wrong answer to one of them gets the
# more specific hint (the first "not yet" only nudges).
_failed: set[str] = set()


def check(name: str, answer: Callable, solution: bool = False) -> None:
    """Check the learner's ``answer`` for exercise ``name`` and print the verdict (see :func:`passes`).

    **Parameters:**

    * **name** - the exercise, as the notebook's check cell names it: ``"03-ask"``.
    * **answer** - the learner's function.
    * **solution** - also print the reference solution (one way to pass; others pass too).

    >>> check("03-ask", ask, solution=True)     # doctest: +SKIP
    """
    passes(name, answer)
    if solution:
        print(say("exercises.solution", code=EXERCISES[name].solution.strip()))


def passes(name: str, answer: Callable) -> bool:
    """Check and print the verdict, like :func:`check`; return whether it passed.

    In a classroom (the notebook's ``client`` holds a class key), the verdict also goes to the class's gateway.
    """
    passed = _judge(name, answer)
    report(getattr(answer, "__globals__", {}).get("client"), name, passed)
    return passed


def _judge(name: str, answer: Callable) -> bool:
    exercise = EXERCISES[name]
    if os.environ.get(VERIFY):
        verify_solution(exercise, getattr(answer, "__globals__", {}))
    hint = _hint(exercise, more=name in _failed)
    _failed.add(name)
    if not callable(answer) or unsolved(answer):
        print(say("exercises.not_done", hint=exercise.hint()))
        return False
    try:
        done = exercise.run(answer)
    except Wrong as wrong:
        print(say("exercises.wrong", wrong=wrong, hint=hint))
        return False
    except Exception as exc:  # the learner's code raised: say so in one line, not a traceback
        print(say("exercises.raised", function=exercise.function, error=type(exc).__name__, exc=_told(exc),
                  hint=hint))
        return False
    print(say("exercises.passed", done=done))
    return True


def _hint(exercise: Exercise, more: bool) -> str:
    """The nudge; after an earlier failure, the specific hint and how to see a solution."""
    if not more:
        return exercise.hint()
    call = f'check("{exercise.name}", {exercise.function}, solution=True)'
    return f"{exercise.hint(more=True)}\n  {say('exercises.offer_solution', call=call)}"


def _told(exc: Exception) -> str:
    """What an exception says; for an API error, chatkit's explanation (on a reasoning model, what to change)."""
    if isinstance(exc, openai.APIError):
        return explain(exc).line()
    return str(exc)


def unsolved(function: Callable) -> bool:
    """True while the function's body is only its docstring and ``...`` (or ``pass``)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.FunctionDef) else []
    body = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                    and isinstance(s.value.value, str))]  # the docstring
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                           and s.value.value is Ellipsis) for s in body)


def solution(name: str, namespace: dict) -> Callable:
    """The reference solution of ``name``, defined in a copy of ``namespace`` (a notebook's globals)."""
    exercise = EXERCISES[name]
    scope = dict(namespace)
    exec(compile(exercise.solution, f"<solution {name}>", "exec"), scope)
    return scope[exercise.function]


def verify_solution(exercise: Exercise, namespace: dict) -> None:
    try:
        exercise.run(solution(exercise.name, namespace))
    except Exception as exc:
        raise AssertionError(f"The reference solution of {exercise.name} fails its own check in this notebook: "
                             f"{exc}. Fix the solution in chatkit/exercises/lessons.py or the notebook.") from exc


# --- for teachers: run a notebook and report its exercises ----------------------------

CHECK_CALL = re.compile(r"check\(\"([\w-]+)\"")


def run_notebook(path: str | os.PathLike, solutions: bool = False) -> list[tuple[str, str]]:
    """Execute a notebook on the sandbox; return (exercise, verdict) for each check it runs.

    With ``solutions``, each exercise cell is replaced by its reference solution first.
    """
    # imported here: only teachers grade notebooks, and nbclient starts Jupyter's machinery
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    checks = [(i, CHECK_CALL.search(c.source).group(1)) for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and CHECK_CALL.search(c.source)]
    if solutions:
        for i, name in checks:
            exercise = EXERCISES[name]
            cell = next(c for c in reversed(nb.cells[:i]) if f"def {exercise.function}(" in c.source)
            cell.source = exercise.solution.strip()
    saved = dict(os.environ)
    force_sandbox("chatkit-grading-")  # the kernel inherits it: the sandbox, never a real key
    try:
        NotebookClient(nb, timeout=300, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return [(name, _verdict(nb.cells[i])) for i, name in checks]


def _verdict(cell) -> str:
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    errors = [f"error: {o['ename']}: {o['evalue']}" for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    not_done = tuple(say("exercises.not_done", lang=lang, hint="").strip() for lang in LANGUAGES)
    lines = [line for line in text.splitlines() if line.startswith(("✓", "✗", *not_done))]
    return (lines or errors or ["(the check cell printed nothing)"])[0]
