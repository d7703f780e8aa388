"""The exercise of each notebook: its check, its hint and its reference solution, in one place.

Each check tests what its lesson is about, from what the function really sent and
received (the request's parameters, the answer it got), not just the type of the result.
"""

from __future__ import annotations

import json
import math
import os
from typing import Callable

from .base import Exercise, Wrong, recorded


def _live_backend(answer: Callable) -> str:
    from ..config import read_settings

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
    from ..batch.runner import token_cost

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
    from ..sandbox.server import serving

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
    """Real SDK exceptions for the platform's answers (and for no answer), with the right call."""
    import httpx2
    import openai

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
        ("a 429 rate limit", raised(429, body("Rate limit reached … Please try again in 1s.", "requests",
                                              "rate_limit_exceeded"), {"retry-after": "1"}), True),
        ("a 429 credit_balance_exhausted", raised(429, body("You exceeded your current quota …", "insufficient_quota",
                                                            "credit_balance_exhausted")), False),
        ("a 429 project_spend_limit_exceeded", raised(429, body("You exceeded your current quota …",
                                                                "insufficient_quota", "project_spend_limit_exceeded")),
         False),
        ("a 400 bad request", raised(400, body("Invalid 'temperature'", "invalid_request_error",
                                               "decimal_above_max_value", "temperature")), False),
        ("a 401 wrong key", raised(401, body("Incorrect API key provided", "invalid_request_error",
                                             "invalid_api_key")), False),
        ("a 404 unknown model", raised(404, body("The model does not exist", "invalid_request_error",
                                                 "model_not_found")), False),
        ("a 500 server error", raised(500, body("The server had an error", "server_error")), True),
        ("a 503 overloaded server", raised(503, body("The engine is currently overloaded", "server_error")), True),
        ("a connection error", raised(exc=httpx2.ConnectError("connection refused")), True),
        ("a timeout", raised(exc=httpx2.ReadTimeout("timed out")), True),
    ]


def _should_retry(answer: Callable) -> str:
    for what, exc, expected in _platform_errors():
        try:
            got = answer(exc)
        except Exception as crash:
            raise Wrong(f"should_retry() raised {type(crash).__name__}: {crash} for {what} "
                        f"({type(exc).__name__}). Not every error has a status_code: check the type first.")
        if got is not expected:
            advice = "waiting can help" if expected else "the same request will fail the same way"
            raise Wrong(f"should_retry() returned {got!r} for {what} ({type(exc).__name__}); "
                        f"it should be {expected}: {advice}.")
    return "should_retry() works: retry rate limits, server errors and lost connections; never quota or mistakes."


# --- 09: a schema the model must follow ------------------------------------------------

BOOK_TEXT = "The Hobbit was written by J. R. R. Tolkien and published in 1937."


def _book_format(answer: Callable) -> str:
    import openai

    from ..failures import explain

    fmt = answer()
    schema = ((fmt or {}).get("json_schema") or {}) if isinstance(fmt, dict) else {}
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or not schema.get("schema"):
        raise Wrong("book_format() should return {'type': 'json_schema', 'json_schema': {'name': …, 'strict': True, "
                    "'schema': {…}}}: the response_format of a structured output.")
    if schema.get("strict") is not True:
        raise Wrong("book_format() leaves out strict. Set 'strict': True in json_schema: only then does the server guarantee the schema.")
    client, model = answer.__globals__.get("client"), answer.__globals__.get("MODEL")
    if client is None or model is None:
        raise Wrong("Run the setup cell at the top first: the check needs the notebook's `client` and `MODEL`.")
    try:
        reply = client.chat.completions.create(model=model, temperature=0, response_format=fmt, messages=[
            {"role": "system", "content": "Extract the book from the text."}, {"role": "user", "content": BOOK_TEXT}])
    except openai.BadRequestError as exc:
        raise Wrong(f"The server refused the schema of book_format(): {explain(exc).line()}")
    book = json.loads(reply.choices[0].message.content)
    kinds = {"title": str, "author": str, "year": int}
    if set(book) != set(kinds):
        raise Wrong(f"With book_format(), the model answered with the fields {sorted(book)}; the schema should ask for exactly "
                    "title, author and year (all of them in 'required').")
    for field, kind in kinds.items():
        if not isinstance(book[field], kind) or isinstance(book[field], bool):
            raise Wrong(f"With book_format(), '{field}' came back as {book[field]!r}: give it the type "
                        f"{'integer' if kind is int else 'string'} in the schema.")
    return f"book_format() works: the model answered {book}."


# --- 08: what the bot knows is what its prompt says ---------------------------------------

def _my_shop(answer: Callable) -> str:
    from ..bot import Bot, Shop

    shop, example = answer(), Shop.example()
    if not isinstance(shop, Shop):
        raise Wrong(f"my_shop() returned {type(shop).__name__}; return a Shop (start from Shop.example()).")
    abroad = [(q, a) for q, a in shop.faq if "abroad" in q.lower()]
    if not abroad:
        raise Wrong("my_shop() has no FAQ question about shipping abroad: add a (question, answer) pair to faq.")
    if not set(example.faq) <= set(shop.faq) or shop.policies != example.policies:
        raise Wrong("my_shop() lost some of the example's FAQ or policies: add to them, don't replace them.")
    with recorded(answer) as calls:
        model = answer.__globals__.get("MODEL")
        Bot(answer.__globals__["client"], shop, model=model, temperature=0,
            max_output_tokens=40).reply("exercise", "Do you ship abroad?")
    sent = calls[-1].body["messages"][0]["content"] if calls else ""
    if abroad[0][1] not in sent:
        raise Wrong("The answer of your new FAQ entry did not reach the model: it must be in the system prompt.")
    return (f"my_shop() works: the bot's prompt now answers {abroad[0][0]!r}, in the {len(shop.faq)} FAQ entries "
            "sent with every message.")


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
    Exercise("07-should-retry", "should_retry", "Connection errors and timeouts (openai.APIConnectionError) may "
             "pass; for openai.APIStatusError look at status_code (408, 409, 429, 5xx) and at code: "
             "a 429 whose type is 'insufficient_quota' (no credit, a spend limit) is billing: waiting cannot fix it.",
             _should_retry, '''
def should_retry(exc):
    if isinstance(exc, openai.APIConnectionError):  # timeouts too
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.type == "insufficient_quota":  # billing: credit_balance_exhausted, a spend limit...
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False
'''),
    Exercise("09-book-format", "book_format", "A json_schema response_format with strict: True; the schema is an "
             "object with properties title (string), author (string) and year (integer), all three in 'required', "
             "and 'additionalProperties': False.", _book_format, '''
def book_format():
    return {"type": "json_schema", "json_schema": {"name": "book", "strict": True, "schema": {
        "type": "object",
        "properties": {"title": {"type": "string"}, "author": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "author", "year"],
        "additionalProperties": False}}}
'''),
    Exercise("08-my-shop", "my_shop", "Start from shop = Shop.example(), append a pair to shop.faq such as "
             "('Do you ship abroad?', 'Yes, to the EU in 5 to 8 working days, for 9.90 euros.'), and return shop.",
             _my_shop, '''
def my_shop():
    shop = Shop.example()
    shop.faq.append(("Do you ship abroad?", "Yes, to the EU in 5 to 8 working days, for 9.90 euros."))
    return shop
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
