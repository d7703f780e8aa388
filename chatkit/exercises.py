"""The notebooks' exercises: the learner writes a function, ``check()`` says whether it works.

Each check tests what its lesson is about, from what the function really sent and
received (the request's parameters, the answer it got), not just the type of the result.
An exercise still holding its ``...`` placeholder is "not done yet": a hint, no traceback.
The reference solutions live here, in one place; ``python -m chatkit exercises`` runs
every check against them, and ``python -m chatkit exercises check NOTEBOOK`` runs a
learner's notebook and reports each exercise.

>>> check("01-calls-per-dollar", calls_per_dollar)     # doctest: +SKIP
✓ calls_per_dollar() works: 1,667 calls per dollar on gpt-6-luna at 1,000 + 1,000 tokens.
"""

from __future__ import annotations

import ast
import inspect
import json
import math
import os
import re
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

# Set for notebook kernels in CI: every check first runs its reference solution, silently,
# in the notebook's own namespace, so a lesson whose solution stopped passing fails there.
VERIFY = "CHATKIT_VERIFY_SOLUTIONS"


class Wrong(Exception):
    """The answer runs but does not do what the exercise asks; the message says what is off."""


@dataclass
class Exercise:
    name: str
    function: str  # the name the learner's function has in the notebook
    hint: str
    run: Callable[[Callable], str]  # raises Wrong, or returns what the success message says
    solution: str  # the reference solution's source


def check(name: str, answer: Callable) -> None:
    """Check the learner's ``answer`` for exercise ``name`` and print the verdict (see :func:`passes`)."""
    passes(name, answer)


def passes(name: str, answer: Callable) -> bool:
    """Check and print the verdict, like :func:`check`; return whether it passed."""
    exercise = EXERCISES[name]
    if os.environ.get(VERIFY):
        verify_solution(exercise, getattr(answer, "__globals__", {}))
    if not callable(answer) or unsolved(answer):
        print(f"Not done yet. {exercise.hint}")
        return False
    try:
        done = exercise.run(answer)
    except Wrong as wrong:
        print(f"✗ {wrong}\n  Hint: {exercise.hint}")
        return False
    except Exception as exc:  # the learner's code raised: say so in one line, not a traceback
        print(f"✗ {exercise.function}() raised {type(exc).__name__}: {exc}\n  Hint: {exercise.hint}")
        return False
    print(f"✓ {done}")
    return True


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
        raise AssertionError(f"The reference solution of {exercise.name} fails its own check in this "
                             f"notebook: {exc}. Fix the solution in chatkit/exercises.py or the notebook.") from exc


# --- what the learner's function sent and received -------------------------------

@dataclass
class Call:
    path: str
    body: dict
    status: int
    answer: dict


@contextmanager
def recorded(function: Callable, name: str = "client"):
    """Point the function's ``client`` at a copy that records every request and its answer."""
    import openai

    namespace = function.__globals__
    original = namespace.get(name)
    if not isinstance(original, (openai.OpenAI,)):
        raise Wrong(f"{function.__name__}() should use the notebook's `{name}`: run the setup cell at the top.")
    calls: list[Call] = []

    def on_response(response) -> None:
        response.read()
        try:
            answer = json.loads(response.text)
        except ValueError:
            answer = {}
        body = json.loads(response.request.content or b"{}")
        calls.append(Call(response.request.url.path, body, response.status_code, answer))

    http = openai.DefaultHttpx2Client(event_hooks={"response": [on_response]})
    namespace[name] = original.with_options(http_client=http)
    try:
        yield calls
    finally:
        namespace[name] = original
        http.close()


# --- the exercises ----------------------------------------------------------------

def _live_backend(answer: Callable) -> str:
    from .config import read_settings

    if answer() != read_settings().backend:
        raise Wrong(f"live_backend() returned {answer()!r}, but chatkit uses {read_settings().backend!r}.")
    fake = {"CHATKIT_BACKEND": "openai", "OPENAI_API_KEY": "sk-proj-" + "x" * 40}
    saved = {k: os.environ.get(k) for k in fake}
    os.environ.update(fake)
    try:
        other = answer()
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    if other != "openai":
        raise Wrong(f"With a key set, live_backend() still returned {other!r}: ask chatkit, don't write the "
                    "name into the function.")
    return f"live_backend() works: {answer()!r} now, 'openai' once a key is set."


def _calls_per_dollar(answer: Callable) -> str:
    prices = answer.__globals__.get("PRICES")
    if not prices:
        raise Wrong("The notebook's PRICES table is missing: run the cells above the exercise.")
    for model, (price_in, price_out) in prices.items():
        for tokens_in, tokens_out in [(1000, 1000), (1_000_000, 0), (40, 25)]:
            expected = 1_000_000 / (tokens_in * price_in + tokens_out * price_out)
            got = answer(model, tokens_in, tokens_out)
            if not isinstance(got, (int, float)) or not math.isclose(got, expected, rel_tol=1e-6):
                raise Wrong(f"calls_per_dollar({model!r}, {tokens_in}, {tokens_out}) returned {got!r}; "
                            f"one dollar pays for {expected:,.1f} such calls.")
    first = next(iter(prices))
    return f"calls_per_dollar() works: {1000 / (prices[first][0] + prices[first][1]):,.0f} calls per dollar on " \
           f"{first} at 1,000 + 1,000 tokens."


def _find_keys(answer: Callable) -> str:
    made_up = ["sk-proj-" + "A1b2" * 10, "sk-" + "Zz9_" * 8]
    cases = [
        (f"OPENAI_API_KEY={made_up[0]}\n", [made_up[0]], "a key in a .env line"),
        (f"first {made_up[0]} then {made_up[1]}.", made_up, "two keys in one text"),
        ("key: sk-proj-…A1b2", [], "a masked key, which is safe to show"),
        ("Ask-someone about the task-list", [], "ordinary words with 'sk-' inside"),
    ]
    for text, expected, what in cases:
        got = answer(text)
        if list(got) != expected:
            raise Wrong(f"For {what}, find_keys() returned {got!r}, expected {expected!r}.")
    return "find_keys() finds full keys and ignores masked ones."


def _ask(answer: Callable) -> str:
    with recorded(answer) as calls:
        got = answer("Say hello in French!")
    if not calls:
        raise Wrong("ask() sent no request: call the API with the question, and return its answer.")
    last = calls[-1]
    if last.path.endswith("/responses"):
        limit, text = last.body.get("max_output_tokens"), _responses_text(last.answer)
    elif last.path.endswith("/chat/completions"):
        limit = last.body.get("max_completion_tokens", last.body.get("max_tokens"))
        text = (last.answer.get("choices") or [{}])[0].get("message", {}).get("content")
    else:
        raise Wrong(f"ask() called {last.path}: use the Responses API (or Chat Completions).")
    if last.body.get("temperature") != 0:
        raise Wrong(f"The request had temperature={last.body.get('temperature')!r}: send temperature=0.")
    if limit is None or limit > 50:
        raise Wrong(f"The request allowed {limit or 'unlimited'} output tokens: set at most 50.")
    if not isinstance(got, str):
        raise Wrong(f"ask() returned a {type(got).__name__}: return the answer's text (reply.output_text).")
    if got != text:
        raise Wrong("ask() returned a string, but not the answer the model sent: return reply.output_text.")
    return f"ask() sent temperature=0 and a limit of {limit} tokens, and returned the model's text."


def _responses_text(answer: dict) -> str:
    return "".join(part.get("text", "") for item in answer.get("output", []) if item.get("type") == "message"
                   for part in item.get("content", []) if part.get("type") == "output_text")


def _repeatable_settings(answer: Callable) -> str:
    settings = answer()
    if not isinstance(settings, dict):
        raise Wrong(f"repeatable_settings() returned a {type(settings).__name__}: return a dict of settings.")
    if settings.get("temperature", 1) < 0.5:
        raise Wrong("Keep temperature at 0.5 or more: the answer should really be sampled.")
    client, model = answer.__globals__["client"], answer.__globals__["MODEL"]
    request = dict(model=model, messages=[{"role": "user", "content": "Write one sentence about a bird."}],
                   max_tokens=20)

    def say(**options) -> str:
        return client.chat.completions.create(**request, **options).choices[0].message.content

    if len({say(**settings) for _ in range(2)}) != 1:
        raise Wrong("Two different answers with your settings: add a setting that fixes the random choices. "
                    "(With a seed, OpenAI repeats an answer most of the time, not always: if you set one, "
                    "run the check again.)")
    unfixed = {k: v for k, v in settings.items() if k != "seed"}
    if len({say(**unfixed) for _ in range(3)}) == 1:
        raise Wrong("Even without a seed your settings always give the same answer: they remove the randomness "
                    "(a very small top_p, say). Keep the answer sampled, and repeat it with a seed.")
    return f"the same sampled answer twice at temperature {settings.get('temperature', 1)}."


def _trim(answer: Callable) -> str:
    tokens, model = answer.__globals__["tokens"], answer.__globals__["MODEL"]
    system = {"role": "system", "content": "Answer briefly."}
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"Message number {i} of the chat."}
             for i in range(10)]
    chat = [system] + turns
    before = json.dumps(chat)
    for budget in (40, 80, 10_000):
        trimmed = answer(chat, budget)
        if json.dumps(chat) != before:
            raise Wrong("trim() changed the list it was given: build and return a new list.")
        if not trimmed or trimmed[0] != system:
            raise Wrong("Keep the system message first.")
        kept = trimmed[1:]
        if not kept or kept != turns[len(turns) - len(kept):]:
            raise Wrong("Drop the oldest messages and keep the newest, in their order.")
        if len(kept) > 1 and tokens.count_messages(trimmed, model) > budget:
            raise Wrong(f"With budget={budget}, the result still has {tokens.count_messages(trimmed, model)} tokens.")
        if len(kept) < len(turns) and tokens.count_messages([system] + turns[-len(kept) - 1:], model) <= budget:
            raise Wrong(f"With budget={budget}, trim() dropped more than it needed to.")
    return "trim() drops the oldest turns, keeps the system message, and stops at the budget."


def _tokens_counted(answer: Callable) -> str:
    from .batch.runner import token_cost

    model = answer.__globals__["MODEL"]
    cases = [([{"role": "user", "content": "Name a fruit. Answer with one word."}], 10),
             ([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is an API?"}], 200)]
    for messages, limit in cases:
        got, expected = answer(messages, limit), token_cost({"messages": messages, "max_tokens": limit}, model)
        if got != expected:
            raise Wrong(f"For {len(messages)} message(s) and max_tokens={limit}, tokens_counted() returned {got!r}; "
                        f"the request counts {expected}.")
    taken = _taken_by_sandbox(answer.__globals__.get("client"), model, *cases[1])
    if taken is not None and abs(taken - answer(*cases[1])) > 1:
        raise Wrong(f"The sandbox took {taken} tokens from its limit, and tokens_counted() says {answer(*cases[1])}.")
    seen = f" (the sandbox took {taken} from its limit)" if taken is not None else ""
    return f"tokens_counted() counts the prompt and the output limit: {answer(*cases[1])} tokens{seen}."


def _taken_by_sandbox(client, model: str, messages: list[dict], limit: int) -> int | None:
    """Tokens the live sandbox takes from a tokens-per-minute limit for this request (None: not the sandbox)."""
    from .sandbox.server import serving

    box = serving(str(client.base_url)) if client is not None else None
    if box is None:
        return None
    limits = box.limits
    saved = {name: getattr(limits, name) for name in ("rpm", "tpm", "quota_tokens", "latency_ms")}
    limits.update(tpm=100_000, rpm=None, quota_tokens=None, latency_ms=None)
    try:
        raw = client.chat.completions.with_raw_response.create(model=model, messages=messages, max_tokens=limit)
        return int(raw.headers["x-ratelimit-limit-tokens"]) - int(raw.headers["x-ratelimit-remaining-tokens"])
    finally:
        limits.update(**saved)


EXERCISES = {e.name: e for e in [
    Exercise("00-live-backend", "live_backend", "chatkit.backend_info() returns an object with a `backend` "
             "field: return that.", _live_backend, '''
def live_backend():
    return chatkit.backend_info().backend
'''),
    Exercise("01-calls-per-dollar", "calls_per_dollar", "One call costs cost(model, input_tokens, "
             "output_tokens) dollars; one dollar pays for 1 divided by that.", _calls_per_dollar, '''
def calls_per_dollar(model, input_tokens, output_tokens):
    return 1 / cost(model, input_tokens, output_tokens)
'''),
    Exercise("02-find-keys", "find_keys", "re.findall() with a pattern: 'sk-' then 20 or more letters, digits, "
             "'-' or '_'. A masked key has '…' in it, so it does not match.", _find_keys, '''
import re

def find_keys(text):
    return re.findall(r"sk-[A-Za-z0-9_-]{20,}", text)
'''),
    Exercise("03-ask", "ask", "Call client.responses.create() with the question, temperature=0 and a limit on "
             "output tokens, then return the text of the reply (the SDK's output_text).", _ask, '''
def ask(question):
    reply = client.responses.create(model=MODEL, input=question, temperature=0, max_output_tokens=50)
    return reply.output_text
'''),
    Exercise("04-repeatable-settings", "repeatable_settings", "Return a dict such as {\"temperature\": 0.8, "
             "...}: which setting makes the random choices repeat?", _repeatable_settings, '''
def repeatable_settings():
    return {"temperature": 0.8, "seed": 7}
'''),
    Exercise("06-tokens-counted", "tokens_counted", "tokens.count_messages(messages, MODEL) counts the prompt "
             "(notebook 05); the platform adds the output limit before the request runs.", _tokens_counted, '''
def tokens_counted(messages, max_tokens):
    return tokens.count_messages(messages, MODEL) + max_tokens
'''),
    Exercise("05-trim", "trim", "Start from a copy of the list; while tokens.count_messages(..., MODEL) is over "
             "the budget and more than one turn is left, drop the oldest turn after the system message.", _trim, '''
def trim(messages, budget):
    system, turns = messages[:1], list(messages[1:])
    while len(turns) > 1 and tokens.count_messages(system + turns, MODEL) > budget:
        turns.pop(0)
    return system + turns
'''),
]}


# --- for teachers: run a notebook and report its exercises ----------------------------

CHECK_CALL = re.compile(r"check\(\"([\w-]+)\"")


def run_notebook(path: str | os.PathLike, solutions: bool = False) -> list[tuple[str, str]]:
    """Execute a notebook on the sandbox; return (exercise, verdict) for each check it runs.

    With ``solutions``, each exercise cell is replaced by its reference solution first.
    """
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    from .config import force_sandbox

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
    lines = [line for line in text.splitlines() if line.startswith(("✓", "✗", "Not done yet"))]
    return (lines or errors or ["(the check cell printed nothing)"])[0]
