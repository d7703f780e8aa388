"""Every exercise check, against its reference solution and against plausible wrong answers.

A check that cannot fail is a defect: each one here must pass the solution and other right
answers (other clients, wordings, styles), fail at least two wrong answers with a message that
helps, and say "Not done yet" to the untouched cell. Its hints come in tiers: a nudge first,
never the solution.
"""

from __future__ import annotations

import importlib
import itertools
import linecache

import openai
import pytest

import chatkit
from chatkit import exercises, tokens
from chatkit.bot import Shop
from chatkit.connect import OpenAI
from chatkit.exercises import EXERCISES, check, passes, solution
from chatkit.messages import CATALOGUES, LANGUAGES

PRICES = {"gpt-4.1": (2.00, 8.00), "gpt-4.1-nano": (0.10, 0.40)}
_names = itertools.count()


def cost(model, input_tokens, output_tokens):
    price_in, price_out = PRICES[model]
    return (input_tokens * price_in + output_tokens * price_out) / 1_000_000


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch):
    """No solution checks, and no exercise tried yet: the first hint is the nudge."""
    monkeypatch.delenv(exercises.VERIFY, raising=False)
    monkeypatch.setattr(exercises, "_failed", set())


@pytest.fixture
def notebook(sandbox, monkeypatch):
    """What the notebooks define before their exercise: a client, MODEL, and the helpers.

    Notebook 03 also makes a ``plain = OpenAI(...)`` of the openai package; ``chatkit.connect()``
    reaches this sandbox too.
    """
    client = OpenAI(api_key=sandbox.key, base_url=sandbox.base_url, max_retries=0)
    client.default_model = sandbox.engine.model_id
    monkeypatch.setattr(importlib.import_module("chatkit.connect"), "ensure_running", lambda: sandbox)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return {"chatkit": chatkit, "client": client, "MODEL": sandbox.engine.model_id, "PRICES": PRICES,
            "cost": cost, "tokens": tokens, "openai": openai, "Shop": Shop, "OpenAI": openai.OpenAI,
            "plain": openai.OpenAI(api_key=sandbox.key, base_url=sandbox.base_url, max_retries=0)}


def define(source: str, namespace: dict, function: str):
    """Define ``function`` from ``source`` as a notebook cell would, with its source on record."""
    filename = f"<cell {next(_names)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    scope = dict(namespace)
    exec(compile(source, filename, "exec"), scope)
    return scope[function]


def book(year: str) -> str:
    return ('def book_format():\n'
            '    return {"type": "json_schema", "json_schema": {"name": "book", "strict": True, "schema": '
            '{"type": "object", "properties": {"title": {"type": "string"}, "author": {"type": "string"}, '
            f'"year": {{"type": "{year}"}}}}, "required": ["title", "author", "year"], '
            '"additionalProperties": False}}}\n')


YEAR_AS_NUMBER = book("number")
BUDGET = "from chatkit.classroom.store import Budget\n"

# Right answers besides the reference solution: other clients, other wordings, other styles.
RIGHT = {
    "00-live-backend": ['from chatkit import backend_info\ndef live_backend():\n'
                        '    info = backend_info()\n    return getattr(info, "backend")\n'],
    "01-calls-per-dollar": ['def calls_per_dollar(model, input_tokens, output_tokens):\n'
                            '    price_in, price_out = PRICES[model]\n'
                            '    return 1_000_000 / (input_tokens * price_in + output_tokens * price_out)\n'],
    "02-find-keys": ['import re\ndef find_keys(text):\n    return re.findall(r"sk-[\\w-]{20,}", text)\n',
                     'import re\nKEY = re.compile(r"\\bsk-[A-Za-z0-9_\\-]{20,}")\n'
                     'def find_keys(text):\n    return [m.group() for m in KEY.finditer(text)]\n'],
    "03-ask": [
        # the notebook's own plain client, from the openai package
        'def ask(question):\n    reply = plain.responses.create(model=MODEL, input=question, temperature=0,\n'
        '                                   max_output_tokens=50)\n    return reply.output_text\n',
        # a client made inside the function
        'def ask(question):\n    llm = OpenAI(api_key=client.api_key, base_url=client.base_url)\n'
        '    reply = llm.responses.create(model=MODEL, input=question, temperature=0, max_output_tokens=30)\n'
        '    return reply.output_text\n',
        # chatkit.connect(), and Chat Completions
        'def ask(question):\n    bot = chatkit.connect()\n'
        '    chat = bot.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": question}],\n'
        '                                       temperature=0, max_completion_tokens=50)\n'
        '    return chat.choices[0].message.content\n'],
    "04-repeatable-settings": ['def repeatable_settings():\n    return {"temperature": 1, "seed": 42}\n',
                               'def repeatable_settings():\n    return dict(seed=123)\n',
                               'def repeatable_settings():\n'
                               '    return {"temperature": 0.7, "top_p": 0.95, "seed": 2024}\n'],
    "05-trim": ['def trim(messages, budget):\n    system, kept = messages[0], []\n'
                '    for message in reversed(messages[1:]):\n'
                '        if kept and tokens.count_messages([system, message] + kept, MODEL) > budget:\n'
                '            break\n        kept.insert(0, message)\n    return [system] + kept\n'],
    "06-tokens-counted": ['def tokens_counted(messages, max_tokens):\n'
                          '    return max_tokens + tokens.count_messages(messages, model=MODEL)\n'],
    "07-should-retry": [
        'def should_retry(exc):\n    if isinstance(exc, openai.APIConnectionError):\n        return True\n'
        '    if isinstance(exc, openai.RateLimitError):\n        return exc.type != "insufficient_quota"\n'
        '    return isinstance(exc, openai.InternalServerError)\n',
        'BILLING = {"insufficient_quota", "credit_balance_exhausted", "project_spend_limit_exceeded",\n'
        '           "organization_spend_limit_exceeded", "organization_usage_limit_exceeded"}\n'
        'def should_retry(exc):\n    if not isinstance(exc, openai.APIStatusError):\n'
        '        return isinstance(exc, openai.APIConnectionError)\n'
        '    return exc.code not in BILLING and (exc.status_code in (408, 409, 429) or exc.status_code >= 500)\n',
        'def should_retry(exc):\n    status = getattr(exc, "status_code", None)\n    if status is None:\n'
        '        return isinstance(exc, openai.APIConnectionError)\n'
        '    if (exc.body or {}).get("type") == "insufficient_quota":\n        return False\n'
        '    return status in (408, 409, 429) or status >= 500\n'],
    "08-my-shop": [
        'def my_shop():\n    shop = Shop.example()\n'
        '    shop.faq.append(("Do you ship internationally?", "Yes, worldwide, in 5 to 10 working days."))\n'
        '    return shop\n',
        'def my_shop():\n    shop = Shop.example()\n'
        '    shop.faq.append(["Can I order from another country?", "Yes: we ship to the EU for 9.90 euros."])\n'
        '    return shop\n',
        'import dataclasses\ndef my_shop():\n    shop = Shop.example()\n'
        '    extra = [("你们能寄到国外吗？", "Yes, to the EU for 9.90 euros.")]\n'
        '    return dataclasses.replace(shop, faq=shop.faq + extra)\n'],
    "09-book-format": [
        book("integer").replace('"name": "book"', '"name": "Book"'),
        'from pydantic import BaseModel\nclass Book(BaseModel):\n    title: str\n    author: str\n    year: int\n'
        'def book_format():\n    schema = Book.model_json_schema() | {"additionalProperties": False}\n'
        '    return {"type": "json_schema", "json_schema": {"name": "book", "strict": True, "schema": schema}}\n'],
    "10-class-limit": [
        f'{BUDGET}def limit_the_class(store):\n    store.set_budget(Budget(rpm=2, tokens_per_day=50_000))\n',
        'import dataclasses\ndef limit_the_class(store):\n'
        '    store.set_budget(dataclasses.replace(store.budget("anyone"), rpm=2))\n',
        'from chatkit.classroom import store as classroom\ndef limit_the_class(store):\n'
        '    store.set_budget(classroom.Budget(rpm=2), student=classroom.CLASS)\n'],
}

WRONG = {
    "00-live-backend": ['def live_backend():\n    return "sandbox"\n',
                        'def live_backend():\n    return chatkit.backend_info()\n'],
    "01-calls-per-dollar": ['def calls_per_dollar(model, i, o):\n    return cost(model, i, o)\n',
                            'def calls_per_dollar(model, i, o):\n    return round(1 / cost(model, i, o))\n',
                            'def calls_per_dollar(model, i, o):\n    return 1 / cost(model, o, i)\n'],
    "02-find-keys": ['import re\ndef find_keys(text):\n    return re.findall(r"sk-\\S+", text)\n',
                     'import re\ndef find_keys(text):\n    return re.findall(r"sk-proj-[A-Za-z0-9]{20,}", text)\n',
                     'def find_keys(text):\n    return [w for w in text.split() if w.startswith("sk-")]\n'],
    "03-ask": ['def ask(question):\n    return "Bonjour"\n',
               'def ask(question):\n    return client.responses.create(model=MODEL, input=question, temperature=0,'
               ' max_output_tokens=50)\n',
               'def ask(question):\n    return client.responses.create(model=MODEL, input=question,'
               ' max_output_tokens=50).output_text\n',
               'def ask(question):\n    return client.responses.create(model=MODEL, input=question, temperature=0)'
               '.output_text\n'],
    "04-repeatable-settings": ['def repeatable_settings():\n    return {"temperature": 0.8}\n',
                               'def repeatable_settings():\n    return {"temperature": 0}\n',
                               'def repeatable_settings():\n'
                               '    return {"temperature": 0.8, "top_p": 0.0, "seed": 1}\n',
                               'def repeatable_settings():\n    return {"temperature": 0.8, "seed": "42"}\n',
                               'def repeatable_settings():\n    return {"temperature": "0.8", "seed": 42}\n'],
    "05-trim": ['def trim(messages, budget):\n    return messages[:1] + messages[-1:]\n',
                'def trim(messages, budget):\n    while tokens.count_messages(messages, MODEL) > budget:\n'
                '        messages.pop(1)\n    return messages\n',
                'def trim(messages, budget):\n    kept = list(messages)\n'
                '    while len(kept) > 2 and tokens.count_messages(kept, MODEL) > budget:\n        kept.pop()\n'
                '    return kept\n'],
    "06-tokens-counted": ['def tokens_counted(messages, max_tokens):\n'
                          '    return tokens.count_messages(messages, MODEL)\n',
                          'def tokens_counted(messages, max_tokens):\n'
                          '    return sum(len(m["content"]) // 4 for m in messages) + max_tokens\n'],
    "07-should-retry": ['def should_retry(exc):\n    return True\n',
                        'def should_retry(exc):\n    return isinstance(exc, openai.RateLimitError)\n',
                        'def should_retry(exc):\n    return exc.status_code == 429 or exc.status_code >= 500\n',
                        'def should_retry(exc):\n    return isinstance(exc, openai.APIStatusError) and '
                        '(exc.status_code == 429 or exc.status_code >= 500) and exc.code != "insufficient_quota"\n'],
    "08-my-shop": [
        'def my_shop():\n    return Shop.example()\n',
        'def my_shop():\n    return Shop("Page Turner Books", ["books"], {}, [("Do you ship abroad?", "Yes.")])\n',
        'def my_shop():\n    return {"faq": [("Do you ship abroad?", "Yes.")]}\n',
        'def my_shop():\n    shop = Shop.example()\n    shop.faq.append(("Do you sell e-books?", "No, only paper."))\n'
        '    return shop\n'],
    "09-book-format": [
        'def book_format():\n    return {"type": "json_object"}\n',
        'def book_format():\n'
        '    return {"type": "json_schema", "json_schema": {"name": "book", "schema": {"type": "object", '
        '"properties": {"title": {"type": "string"}, "author": {"type": "string"}, "year": {"type": "integer"}}, '
        '"required": ["title", "author", "year"], "additionalProperties": False}}}\n',
        'def book_format():\n'
        '    return {"type": "json_schema", "json_schema": {"name": "book", "strict": True, "schema": '
        '{"type": "object", "properties": {"title": {"type": "string"}, "author": {"type": "string"}, '
        '"year": {"type": "string"}}, "required": ["title", "author", "year"], "additionalProperties": False}}}\n',
        'def book_format():\n'
        '    return {"type": "json_schema", "json_schema": {"name": "book", "strict": True, "schema": '
        '{"type": "object", "properties": {"title": {"type": "string"}, "year": {"type": "integer"}}, '
        '"required": ["title", "year"], "additionalProperties": False}}}\n',
        'def book_format():\n'
        '    return {"type": "json_schema", "json_schema": {"name": "book", "strict": True, "schema": '
        '{"type": "object", "properties": {"title": {"type": "string"}, "author": {"type": "string"}, '
        '"year": {"type": "integer"}}, "required": ["title", "author", "year"]}}}\n',
        YEAR_AS_NUMBER],
    "10-class-limit": [
        f'{BUDGET}def limit_the_class(store):\n    store.set_budget(Budget(rpm=3))\n',  # the third is answered
        f'{BUDGET}def limit_the_class(store):\n    store.set_budget(Budget(rpm=1))\n',  # the second is refused
        f'{BUDGET}def limit_the_class(store):\n    return Budget(rpm=2)\n',  # never given to the class
        f'{BUDGET}def limit_the_class(store):\n    store.set_budget(Budget(rpm=2), "ada-lovelace")\n',  # one student
        f'{BUDGET}def limit_the_class(store):\n    store.set_budget(Budget(tokens_per_day=40))\n',  # not a minute
        f'{BUDGET}def limit_the_class(store):\n    store.set_budget(Budget(rpm=2, models=("gpt-4o",)))\n'],
}
HELPFUL = {"00-live-backend": "live_backend()", "01-calls-per-dollar": "calls_per_dollar(",
           "02-find-keys": "find_keys()", "03-ask": "", "04-repeatable-settings": "", "05-trim": "",
           "06-tokens-counted": "tokens_counted()",
           "07-should-retry": "should_retry()", "09-book-format": "book_format()",
           "08-my-shop": "my_shop()", "10-class-limit": "limit_the_class("}


def verdict(capsys, name, answer) -> tuple[bool, str]:
    passed = passes(name, answer)
    return passed, capsys.readouterr().out


def test_every_exercise_has_right_and_wrong_answers_here():
    assert set(WRONG) == set(EXERCISES) == set(RIGHT) and all(len(w) >= 2 for w in WRONG.values())


@pytest.mark.parametrize("name", EXERCISES)
def test_the_reference_solution_passes(capsys, notebook, name):
    passed, out = verdict(capsys, name, solution(name, notebook))
    assert passed and out.startswith("✓"), out


@pytest.mark.parametrize("name, source", [(n, s) for n, sources in RIGHT.items() for s in sources])
def test_another_right_answer_passes(capsys, notebook, name, source):
    passed, out = verdict(capsys, name, define(source, notebook, EXERCISES[name].function))
    assert passed and out.startswith("✓"), out


@pytest.mark.parametrize("name, source", [(n, s) for n, sources in WRONG.items() for s in sources])
def test_a_wrong_answer_fails_with_a_message_that_helps(capsys, notebook, name, source):
    passed, out = verdict(capsys, name, define(source, notebook, EXERCISES[name].function))
    assert not passed and out.startswith("✗"), out
    assert "Hint:" in out and HELPFUL[name] in out


@pytest.mark.parametrize("name", EXERCISES)
def test_the_untouched_exercise_is_not_done_yet(capsys, notebook, name):
    function = EXERCISES[name].function
    template = f'def {function}(*args):\n    """The docstring the notebook gives."""\n    ...  # TODO: your code\n'
    passed, out = verdict(capsys, name, define(template, notebook, function))
    assert not passed and out.startswith("Not done yet.") and EXERCISES[name].hint() in out


def test_an_answer_that_raises_is_explained_in_one_line(capsys, notebook):
    broken = define("def trim(messages, budget):\n    return messages[budget]\n", notebook, "trim")
    passed, out = verdict(capsys, "05-trim", broken)
    assert not passed and out.startswith("✗ trim() raised IndexError")


def test_an_api_error_in_an_answer_is_explained_with_what_to_change(capsys, notebook):
    """On gpt-6-luna (here its sandbox twin), temperature=0 without effort none is a 400: the check says why."""
    source = ('def ask(question):\n'
              '    reply = client.responses.create(model="smollm2-135m-reasoning", input=question,\n'
              '                                    temperature=0, max_output_tokens=50)\n'
              '    return reply.output_text\n')
    passed, out = verdict(capsys, "03-ask", define(source, notebook, "ask"))
    assert not passed and out.startswith("✗ ask() raised BadRequestError")
    assert "reasoning={'effort': 'none'}" in out


def test_in_ci_a_solution_that_no_longer_fits_its_notebook_fails_loudly(monkeypatch, notebook):
    monkeypatch.setenv(exercises.VERIFY, "1")
    renamed = {k: v for k, v in notebook.items() if k != "cost"}  # the lesson renamed its helper
    untouched = define("def calls_per_dollar(model, i, o):\n    ...\n", renamed, "calls_per_dollar")
    with pytest.raises(AssertionError, match="reference solution of 01-calls-per-dollar fails"):
        check("01-calls-per-dollar", untouched)
    assert check.__doc__ and passes.__doc__


def test_the_ask_check_leaves_every_client_as_it_was(capsys, notebook):
    send = openai.OpenAI._send_request
    answer = solution("03-ask", notebook)
    assert passes("03-ask", answer) and answer.__globals__["client"] is notebook["client"]
    assert openai.OpenAI._send_request is send
    broken = define("def ask(question):\n    plain.responses.create(model=MODEL, input=question)\n    1 / 0\n",
                    notebook, "ask")
    assert not passes("03-ask", broken) and openai.OpenAI._send_request is send


# --- the cases of issue 19 -------------------------------------------------------------

def test_a_string_seed_is_refused_with_what_to_write_instead(capsys, notebook):
    answer = define('def repeatable_settings():\n    return {"temperature": 0.8, "seed": "42"}\n', notebook,
                    "repeatable_settings")
    passed, out = verdict(capsys, "04-repeatable-settings", answer)
    assert not passed
    assert "Invalid type for 'seed': expected an integer, but got a string instead." in out
    assert '"seed": 7, not "seed": "7"' in out


def test_a_year_that_is_any_number_is_not_a_whole_number(capsys, notebook):
    passed, out = verdict(capsys, "09-book-format", define(YEAR_AS_NUMBER, notebook, "book_format"))
    assert not passed and "'year' has the type 'number'" in out and "'integer'" in out


def test_a_refused_schema_says_the_real_fix(capsys, notebook):
    passed, out = verdict(capsys, "09-book-format", define(WRONG["09-book-format"][-2], notebook, "book_format"))
    assert not passed and "additionalProperties" in out and "into range" not in out


def test_a_billing_429_points_at_the_errors_type(capsys, notebook):
    classic = define('def should_retry(exc):\n    if isinstance(exc, openai.APIConnectionError):\n'
                     '        return True\n    if exc.code == "insufficient_quota":\n        return False\n'
                     '    return exc.status_code in (408, 409, 429) or exc.status_code >= 500\n', notebook,
                     "should_retry")
    passed, out = verdict(capsys, "07-should-retry", classic)
    assert not passed and "credit_balance_exhausted" in out and "exc.type is 'insufficient_quota'" in out


def test_an_faq_entry_that_does_not_answer_the_question_says_what_is_looked_for(capsys, notebook):
    passed, out = verdict(capsys, "08-my-shop", define(WRONG["08-my-shop"][-1], notebook, "my_shop"))
    assert not passed and "abroad, international, overseas" in out


# --- notebook 10: the class's limit, judged from what the student's client got ----------------

@pytest.mark.parametrize("wrong, said", zip(WRONG["10-class-limit"], [
    "third call in a minute still got an answer", "call 2 was already refused (429 rate_limit_exceeded)",
    "returned a Budget, but the class's store still has none", "still has no limits",
    "call 3 was refused with 429 insufficient_quota", "call 1 got 404 model_not_found"], strict=True))
def test_each_wrong_class_limit_hears_what_its_student_met(capsys, notebook, wrong, said):
    passed, out = verdict(capsys, "10-class-limit", define(wrong, notebook, "limit_the_class"))
    assert not passed and said in out, out


def test_the_class_limit_check_shows_the_429_and_the_gateways_record(capsys, notebook):
    passed, out = verdict(capsys, "10-class-limit", solution("10-class-limit", notebook))
    assert passed and "the third got 429 rate_limit_exceeded (Rate limit reached" in out
    assert "Limit 2, Used 2" in out and "The gateway recorded 200, 200, 429." in out


def test_a_limit_the_gateway_does_not_apply_fails_the_class_limit_check(capsys, notebook, monkeypatch):
    """The check judges what the student's calls got, not the budget the store holds."""
    monkeypatch.setattr(importlib.import_module("chatkit.classroom.limits").Meter, "take", lambda *args: None)
    passed, out = verdict(capsys, "10-class-limit", solution("10-class-limit", notebook))
    assert not passed and "third call in a minute still got an answer" in out


# --- hints in tiers ----------------------------------------------------------------------

# What makes each reference solution right: no first hint may contain it.
KEY_CODE = {
    "00-live-backend": ["backend_info", ".backend"],
    "01-calls-per-dollar": ["1 /", "1/", "/ cost", "divided by", "除以"],
    "02-find-keys": ["findall", "{20,}", "20", "A-Za-z0-9", "…"],
    "03-ask": ["responses.create", "output_text", "max_output_tokens", "temperature=0", "effort", "50"],
    "04-repeatable-settings": ["seed", "0.8", "7"],
    "05-trim": ["count_messages", "pop(", "[1:]", "[:1]"],
    "06-tokens-counted": ["count_messages", "max_tokens", "+"],
    "07-should-retry": ["APIConnectionError", "APIStatusError", "insufficient_quota", "status_code", "exc.type",
                        "408", "409", "429", "500", "5xx"],
    "08-my-shop": ["Shop.example()", "faq", "append", "abroad", "EU"],
    "09-book-format": ["json_schema", "strict", "integer", "additionalProperties", "required", "{"],
    "10-class-limit": ["set_budget", "rpm=2", "Budget(rpm"],
}


def test_every_exercise_lists_its_key_code():
    assert set(KEY_CODE) == set(EXERCISES)
    for name, words in KEY_CODE.items():  # each really is in the solution (or what a solution prints)
        assert any(word in EXERCISES[name].solution for word in words), name


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", EXERCISES)
def test_no_first_hint_gives_the_solution_away(monkeypatch, name, lang):
    monkeypatch.setenv("CHATKIT_LANG", lang)
    nudge, more = EXERCISES[name].hint(), EXERCISES[name].hint(more=True)
    assert nudge != more and more.strip()
    assert [word for word in KEY_CODE[name] if word in nudge] == [], nudge
    solution_lines = [line.strip() for line in EXERCISES[name].solution.splitlines() if len(line.strip()) > 12]
    assert not any(line in nudge for line in solution_lines)


def test_the_first_miss_nudges_the_next_wrong_answer_says_more_and_the_solution_waits(capsys, notebook):
    exercise = EXERCISES["04-repeatable-settings"]
    untouched = define('def repeatable_settings():\n    ...\n', notebook, "repeatable_settings")
    cold = define('def repeatable_settings():\n    return {"temperature": 0}\n', notebook, "repeatable_settings")
    _, first = verdict(capsys, "04-repeatable-settings", untouched)
    _, again = verdict(capsys, "04-repeatable-settings", untouched)
    _, wrong = verdict(capsys, "04-repeatable-settings", cold)
    assert exercise.hint() in first and first == again and exercise.hint(more=True) not in first
    assert exercise.hint(more=True) in wrong and 'check("04-repeatable-settings", repeatable_settings, '\
        'solution=True)' in wrong
    assert exercise.solution.strip() not in first + wrong
    check("04-repeatable-settings", cold, solution=True)
    assert exercise.solution.strip() in capsys.readouterr().out


def test_a_wrong_first_answer_gets_the_nudge(capsys, notebook):
    """A learner who never ran the untouched cell gets the nudge first, too."""
    passed, out = verdict(capsys, "01-calls-per-dollar", define(WRONG["01-calls-per-dollar"][0], notebook,
                                                                  "calls_per_dollar"))
    assert not passed and EXERCISES["01-calls-per-dollar"].hint() in out


def test_every_exercise_has_both_tiers_in_both_languages():
    assert all(f"{name}.{tier}" in CATALOGUES[lang] for lang in LANGUAGES for name in EXERCISES
               for tier in ("hint", "hint_more"))
