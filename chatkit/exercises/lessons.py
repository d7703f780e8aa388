"""The exercise of each notebook: its check and its reference solution, in one place.

Each check tests what its lesson is about, from what the function really sent and
received (the request's parameters, the answer it got), not just the type of the result.
What a check says (its two hints, each wrong answer, its success) is the catalogue's
``<exercise name>.*`` in chatkit/messages/, in the learner's language.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx2
import openai

from ..config import read_settings
from ..failures import BILLING
from ..messages import say
from ..reasoning import greedy, limit_name
from ..sandbox.server import serving
from ..tokens import request_tokens
from .base import Exercise, Wrong, recorded


def _setup(answer: Callable) -> tuple:
    """The notebook's ``client`` and ``MODEL``, which a check uses for its own requests."""
    client, model = answer.__globals__.get("client"), answer.__globals__.get("MODEL")
    if client is None or model is None:
        raise Wrong(say("exercises.setup"))
    return client, model


def _live_backend(answer: Callable) -> str:
    if answer() != read_settings().backend:
        raise Wrong(say("00-live-backend.wrong", got=answer(), backend=read_settings().backend))
    fake = {"CHATKIT_BACKEND": "openai", "OPENAI_API_KEY": "sk-proj-" + "x" * 40}
    saved = {k: os.environ.get(k) for k in fake}
    os.environ.update(fake)
    try:
        other = answer()
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    if other != "openai":
        raise Wrong(say("00-live-backend.hard_coded", got=other))
    return say("00-live-backend.works", backend=answer())


def _calls_per_dollar(answer: Callable) -> str:
    prices = answer.__globals__.get("PRICES")
    if not prices:
        raise Wrong(say("01-calls-per-dollar.no_prices"))
    for model, (price_in, price_out) in prices.items():
        for tokens_in, tokens_out in [(1000, 1000), (1_000_000, 0), (40, 25)]:
            expected = 1_000_000 / (tokens_in * price_in + tokens_out * price_out)
            got = answer(model, tokens_in, tokens_out)
            if not isinstance(got, (int, float)) or not math.isclose(got, expected, rel_tol=1e-6):
                raise Wrong(say("01-calls-per-dollar.wrong", model=model, tokens_in=tokens_in,
                                tokens_out=tokens_out, got=got, expected=expected))
    first = next(iter(prices))
    return say("01-calls-per-dollar.works", calls=1000 / (prices[first][0] + prices[first][1]), model=first)


def _find_keys(answer: Callable) -> str:
    made_up = ["sk-proj-" + "A1b2" * 10, "sk-" + "Zz9_" * 8]
    cases = [
        (f"OPENAI_API_KEY={made_up[0]}\n", [made_up[0]], "case_env_line"),
        (f"first {made_up[0]} then {made_up[1]}.", made_up, "case_two_keys"),
        ("key: sk-proj-…A1b2", [], "case_masked"),
        ("Ask-someone about the task-list", [], "case_words"),
    ]
    for text, expected, case in cases:
        got = answer(text)
        if list(got) != expected:
            raise Wrong(say("02-find-keys.wrong", case=say(f"02-find-keys.{case}"), got=got, expected=expected))
    return say("02-find-keys.works")


def _ask(answer: Callable) -> str:
    with recorded() as calls:
        got = answer("Say hello in French!")
    if not calls:
        raise Wrong(say("03-ask.no_request"))
    last = calls[-1]
    if last.path.endswith("/responses"):
        limit, text = last.body.get("max_output_tokens"), _responses_text(last.answer)
    elif last.path.endswith("/chat/completions"):
        limit = last.body.get("max_completion_tokens", last.body.get("max_tokens"))
        text = (last.answer.get("choices") or [{}])[0].get("message", {}).get("content")
    else:
        raise Wrong(say("03-ask.endpoint", path=last.path))
    if last.body.get("temperature") != 0:
        raise Wrong(say("03-ask.temperature", temperature=last.body.get("temperature")))
    if limit is None or limit > 50:
        raise Wrong(say("03-ask.limit", limit=limit) if limit else say("03-ask.no_limit"))
    if not isinstance(got, str):
        raise Wrong(say("03-ask.not_text", type=type(got).__name__))
    if got != text:
        raise Wrong(say("03-ask.other_text"))
    return say("03-ask.works", limit=limit)


def _responses_text(answer: dict) -> str:
    return "".join(part.get("text", "") for item in answer.get("output", []) if item.get("type") == "message"
                   for part in item.get("content", []) if part.get("type") == "output_text")


def _repeatable_settings(answer: Callable) -> str:
    settings = answer()
    if not isinstance(settings, dict):
        raise Wrong(say("04-repeatable-settings.not_dict", type=type(settings).__name__))
    temperature = settings.get("temperature", 1)
    if isinstance(temperature, (int, float)) and temperature < 0.5:  # not a number: the API says so below
        raise Wrong(say("04-repeatable-settings.too_cold"))
    client, model = _setup(answer)
    request = dict(model=model, messages=[{"role": "user", "content": "Write one sentence about a bird."}],
                   **{limit_name(model): 20})
    if "reasoning_effort" not in settings and "temperature" in greedy(model):  # gpt-6-luna: sampling needs effort none
        request.update({k: v for k, v in greedy(model).items() if k != "temperature"})

    def sample(**options) -> str:
        try:
            return client.chat.completions.create(**request, **options).choices[0].message.content
        except openai.BadRequestError as exc:  # the settings, as sent: a string seed is a 400 on the platform too
            said = {"message": (exc.body or {}).get("message", exc.message), "param": exc.param}
            raise Wrong(say("04-repeatable-settings.wrong_type" if exc.code == "invalid_type"
                            else "04-repeatable-settings.refused", **said)) from exc

    if len({sample(**settings) for _ in range(2)}) != 1:
        raise Wrong(say("04-repeatable-settings.differ"))
    unfixed = {k: v for k, v in settings.items() if k != "seed"}
    if len({sample(**unfixed) for _ in range(3)}) == 1:
        raise Wrong(say("04-repeatable-settings.not_random"))
    return say("04-repeatable-settings.works", temperature=temperature)


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
            raise Wrong(say("05-trim.changed"))
        if not trimmed or trimmed[0] != system:
            raise Wrong(say("05-trim.system"))
        kept = trimmed[1:]
        if not kept or kept != turns[len(turns) - len(kept):]:
            raise Wrong(say("05-trim.order"))
        if len(kept) > 1 and tokens.count_messages(trimmed, model) > budget:
            raise Wrong(say("05-trim.over", budget=budget, tokens=tokens.count_messages(trimmed, model)))
        if len(kept) < len(turns) and tokens.count_messages([system] + turns[-len(kept) - 1:], model) <= budget:
            raise Wrong(say("05-trim.too_much", budget=budget))
    return say("05-trim.works")


def _tokens_counted(answer: Callable) -> str:
    model = answer.__globals__["MODEL"]
    cases = [([{"role": "user", "content": "Name a fruit. Answer with one word."}], 10),
             ([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is an API?"}], 200)]
    for messages, limit in cases:
        expected = request_tokens({"messages": messages, "max_tokens": limit}, model).total
        got = answer(messages, limit)
        if got != expected:
            raise Wrong(say("06-tokens-counted.wrong", count=len(messages), limit=limit, got=got, expected=expected))
    taken = _taken_by_sandbox(answer.__globals__.get("client"), model, *cases[1])
    if taken is not None and abs(taken - answer(*cases[1])) > 1:
        raise Wrong(say("06-tokens-counted.sandbox", taken=taken, counted=answer(*cases[1])))
    works = "06-tokens-counted.works" if taken is None else "06-tokens-counted.works_sandbox"
    return say(works, counted=answer(*cases[1]), taken=taken)


def _taken_by_sandbox(client, model: str, messages: list[dict], limit: int) -> int | None:
    """Tokens the live sandbox takes from a tokens-per-minute limit for this request (None: not the sandbox)."""
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


# --- 07: which failures are worth retrying --------------------------------------------

def _platform_errors() -> list[tuple[str, Exception, bool]]:
    """Real SDK exceptions for the platform's answers (and for no answer), with the right call.

    Each comes with its catalogue key: ``07-should-retry.<case>`` says what it is.
    """
    def raised(status=None, error=None, headers=None, exc=None):
        def answer(request):
            if exc is not None:
                raise exc
            return httpx2.Response(status, json={"error": error}, headers=headers or {})

        client = openai.OpenAI(api_key="sk-exercise", base_url="https://api.example.test/v1", max_retries=0,
                               http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
        try:
            client.models.list()
        except openai.OpenAIError as caught:
            return caught
        raise AssertionError("the fake platform answered without an error")

    def body(message, type_, code=None, param=None):
        return {"message": message, "type": type_, "code": code, "param": param}

    return [
        ("case_rate_limit", raised(429, body("Rate limit reached … Please try again in 1s.", "requests",
                                             "rate_limit_exceeded"), {"retry-after": "1"}), True),
        # billing: the type is always insufficient_quota; the code says which limit (notebook 07), and on
        # older answers it is insufficient_quota too (shared/reference/openai-wire.md)
        *[("case_billing", raised(429, body("You exceeded your current quota …", "insufficient_quota", code)), False)
          for code in BILLING],
        ("case_bad_request", raised(400, body("Invalid 'temperature'", "invalid_request_error",
                                              "decimal_above_max_value", "temperature")), False),
        ("case_wrong_key", raised(401, body("Incorrect API key provided", "invalid_request_error",
                                            "invalid_api_key")), False),
        ("case_unknown_model", raised(404, body("The model does not exist", "invalid_request_error",
                                                "model_not_found")), False),
        ("case_server_error", raised(500, body("The server had an error", "server_error")), True),
        ("case_overloaded", raised(503, body("The engine is currently overloaded", "server_error")), True),
        ("case_connection", raised(exc=httpx2.ConnectError("connection refused")), True),
        ("case_timeout", raised(exc=httpx2.ReadTimeout("timed out")), True),
    ]


def _should_retry(answer: Callable) -> str:
    for case, exc, expected in _platform_errors():
        code = getattr(exc, "code", None)
        what = {"case": say(f"07-should-retry.{case}", code=code), "exc_type": type(exc).__name__}
        try:
            got = answer(exc)
        except Exception as crash:
            raise Wrong(say("07-should-retry.raised", error=type(crash).__name__, crash=crash, **what)) from crash
        if got is not expected:
            verdict = "retry" if expected else "billing" if case == "case_billing" else "no_retry"
            raise Wrong(say(f"07-should-retry.{verdict}", got=got, code=code, **what))
    return say("07-should-retry.works")


# --- 09: a schema the model must follow ------------------------------------------------

BOOK_TEXT = "The Hobbit was written by J. R. R. Tolkien and published in 1937."


def _book_format(answer: Callable) -> str:
    fmt = answer()
    schema = ((fmt or {}).get("json_schema") or {}) if isinstance(fmt, dict) else {}
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or not schema.get("schema"):
        raise Wrong(say("09-book-format.shape"))
    if schema.get("strict") is not True:
        raise Wrong(say("09-book-format.strict"))
    client, model = _setup(answer)
    try:
        reply = client.chat.completions.create(model=model, **greedy(model), response_format=fmt, messages=[
            {"role": "system", "content": "Extract the book from the text."}, {"role": "user", "content": BOOK_TEXT}])
    except openai.BadRequestError as exc:
        raise Wrong(say("09-book-format.refused", message=(exc.body or {}).get("message", exc.message))) from exc
    _book_schema_types(schema["schema"])
    book = json.loads(reply.choices[0].message.content)
    kinds = {"title": str, "author": str, "year": int}
    if set(book) != set(kinds):
        raise Wrong(say("09-book-format.fields", fields=sorted(book)))
    for field, kind in kinds.items():
        if not isinstance(book[field], kind) or isinstance(book[field], bool):
            raise Wrong(say("09-book-format.type", field=field, value=book[field],
                            type="integer" if kind is int else "string"))
    return say("09-book-format.works", book=book)


def _book_schema_types(schema: dict) -> None:
    """The types the schema asks for: a model may answer 1937 to a 'number' that also allows 1937.5."""
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return  # the model's answer shows what is missing
    for field, kind in {"title": "string", "author": "string", "year": "integer"}.items():
        got = (properties.get(field) or {}).get("type", kind)
        if got == "number" and kind == "integer":
            raise Wrong(say("09-book-format.number", field=field))
        if got != kind:
            raise Wrong(say("09-book-format.schema_type", field=field, got=got, type=kind))


# --- 08: what the bot knows is what its prompt says ---------------------------------------

def _my_shop(answer: Callable) -> str:
    from ..bot import Bot, Shop  # here: the bot's package loads its web server, which only notebook 08 needs

    shop, example = answer(), Shop.example()
    if not isinstance(shop, Shop):
        raise Wrong(say("08-my-shop.not_shop", type=type(shop).__name__))
    faq = [tuple(entry) for entry in shop.faq]  # a [question, answer] list is a pair too
    if not set(example.faq) <= set(faq) or shop.policies != example.policies:
        raise Wrong(say("08-my-shop.lost"))
    abroad = [(q, a) for q, a in faq if (q, a) not in example.faq and ABROAD.search(f"{q} {a}")]
    if not abroad:
        raise Wrong(say("08-my-shop.no_abroad"))
    client, model = _setup(answer)
    with recorded() as calls:
        Bot(client, shop, model=model, **greedy(model, "chat"), max_output_tokens=40).reply("exercise",
                                                                                          "Do you ship abroad?")
    sent = calls[-1].body["messages"][0]["content"] if calls else ""
    if abroad[0][1] not in sent:
        raise Wrong(say("08-my-shop.not_sent"))
    return say("08-my-shop.works", question=abroad[0][0], count=len(shop.faq))


# An entry is about shipping abroad if it says so in any of the ways customers ask it.
ABROAD = re.compile(r"abroad|international|overseas|worldwide|world-wide|foreign|other countr|another countr"
                    r"|outside (?:the |our )?(?:country|eu\b|europe)|cross-border|across borders"
                    r"|海外|国外|境外|国际|外国|出国", re.IGNORECASE)


# --- 10: a class's limit, as a student meets it ------------------------------------------

def _class_limit(answer: Callable) -> str:
    """The learner's limit on a class of one: the student's three calls must get two answers and then the
    platform's rate-limit 429, as the student's client and the gateway's record say."""
    client, model = _setup(answer)
    budget, got, recorded = _three_calls(answer, client, model)
    for nth, (status, code, message) in enumerate(got, start=1):
        if code == "insufficient_quota":
            raise Wrong(say("10-class-limit.quota", nth=nth))
        if status != 200 and (nth < 3 or code != "rate_limit_exceeded"):
            wrong = "10-class-limit.too_tight" if code == "rate_limit_exceeded" else "10-class-limit.refused"
            raise Wrong(say(wrong, nth=nth, status=status, code=code, message=message))
    if got[2][0] == 200:
        raise Wrong(say("10-class-limit.answered", limits=f"rpm={budget.rpm}, tpm={budget.tpm}"))
    # The refusal as the student's client read it, and every call as the gateway recorded it.
    return say("10-class-limit.works", message=got[2][2].split(". ")[0], recorded=", ".join(map(str, recorded)))


def _three_calls(answer: Callable, client, model: str) -> tuple:
    """A class of one in a folder of its own, limited by ``answer``, its gateway in front of ``client``'s server:
    the student's budget, what their three calls got, and the statuses the gateway recorded."""
    # Here: the gateway loads its web server, which only notebook 10 needs.
    from ..classroom.gateway import Gateway
    from ..classroom.limits import Meter
    from ..classroom.store import Budget, SQLiteStore, Student
    from ..classroom.upstreams import Upstream, Upstreams

    with tempfile.TemporaryDirectory(prefix="chatkit-check-") as folder:
        store = SQLiteStore(Path(folder) / "classroom.sqlite3")
        try:
            store.add_students([Student("student", "A student")])
            key = store.issue_key("student")
            returned = answer(store)
            budget = store.budget("student")
            if budget == Budget():  # no limit reached the class: say whether it was returned instead
                raise Wrong(say(f"10-class-limit.{'returned' if isinstance(returned, Budget) else 'no_limit'}"))
            teacher = Upstreams([Upstream("teacher", str(client.base_url), client.api_key)])
            # The minute stands still during the check: however slow the machine, no request comes back.
            with Gateway.start(store, teacher, meter=Meter(clock=lambda: 0.0)) as gateway:
                student = openai.OpenAI(api_key=key, base_url=gateway.base_url, max_retries=0)
                got = [_student_call(student, model) for _ in range(3)]
            return budget, got, [call.status for call in reversed(store.calls("student"))]
        finally:
            store.close()


def _student_call(student, model: str) -> tuple[int, str | None, str]:
    """One short call: its status, error code and message (200, None, "" when it was answered)."""
    try:
        student.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi!"}],
                                        **{limit_name(model): 1})
    except openai.APIStatusError as exc:
        return exc.status_code, exc.code, (exc.body or {}).get("message", exc.message)
    return 200, None, ""


EXERCISES = {e.name: e for e in [
    Exercise("00-live-backend", "live_backend", _live_backend, '''
def live_backend():
    return chatkit.backend_info().backend
'''),
    Exercise("01-calls-per-dollar", "calls_per_dollar", _calls_per_dollar, '''
def calls_per_dollar(model, input_tokens, output_tokens):
    return 1 / cost(model, input_tokens, output_tokens)
'''),
    Exercise("02-find-keys", "find_keys", _find_keys, '''
import re

def find_keys(text):
    return re.findall(r"sk-[A-Za-z0-9_-]{20,}", text)
'''),
    Exercise("03-ask", "ask", _ask, '''
def ask(question):
    reply = client.responses.create(model=MODEL, input=question, temperature=0, reasoning={"effort": "none"},
                                    max_output_tokens=50)
    return reply.output_text
'''),
    Exercise("04-repeatable-settings", "repeatable_settings", _repeatable_settings, '''
def repeatable_settings():
    return {"temperature": 0.8, "seed": 7}
'''),
    Exercise("06-tokens-counted", "tokens_counted", _tokens_counted, '''
def tokens_counted(messages, max_tokens):
    return tokens.count_messages(messages, MODEL) + max_tokens
'''),
    Exercise("07-should-retry", "should_retry", _should_retry, '''
def should_retry(exc):
    if isinstance(exc, openai.APIConnectionError):  # timeouts too
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.type == "insufficient_quota":  # billing: credit_balance_exhausted, a spend limit...
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False
'''),
    Exercise("09-book-format", "book_format", _book_format, '''
def book_format():
    return {"type": "json_schema", "json_schema": {"name": "book", "strict": True, "schema": {
        "type": "object",
        "properties": {"title": {"type": "string"}, "author": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "author", "year"],
        "additionalProperties": False}}}
'''),
    Exercise("08-my-shop", "my_shop", _my_shop, '''
def my_shop():
    shop = Shop.example()
    shop.faq.append(("Do you ship abroad?", "Yes, to the EU in 5 to 8 working days, for 9.90 euros."))
    return shop
'''),
    Exercise("10-class-limit", "limit_the_class", _class_limit, '''
from chatkit.classroom.store import Budget

def limit_the_class(store):
    store.set_budget(Budget(rpm=2))
'''),
    Exercise("05-trim", "trim", _trim, '''
def trim(messages, budget):
    system, turns = messages[:1], list(messages[1:])
    while len(turns) > 1 and tokens.count_messages(system + turns, MODEL) > budget:
        turns.pop(0)
    return system + turns
'''),
]}
