"""Every exercise check, against its reference solution and against plausible wrong answers.

A check that cannot fail is a defect: each one here must pass the solution, fail at least
two wrong answers with a message that helps, and say "Not done yet" to the untouched cell.
"""

from __future__ import annotations

import itertools
import linecache

import openai
import pytest

import chatkit
from chatkit import exercises, tokens
from chatkit.bot import Shop
from chatkit.connect import OpenAI
from chatkit.exercises import EXERCISES, check, passes, solution

PRICES = {"gpt-4.1": (2.00, 8.00), "gpt-4.1-nano": (0.10, 0.40)}
_names = itertools.count()


def cost(model, input_tokens, output_tokens):
    price_in, price_out = PRICES[model]
    return (input_tokens * price_in + output_tokens * price_out) / 1_000_000


@pytest.fixture(autouse=True)
def no_solution_checks(monkeypatch):
    monkeypatch.delenv(exercises.VERIFY, raising=False)


@pytest.fixture
def notebook(sandbox):
    """What the notebooks define before their exercise: a client, MODEL, and the helpers."""
    client = OpenAI(api_key=sandbox.key, base_url=sandbox.base_url, max_retries=0)
    client.default_model = sandbox.engine.model_id
    return {"chatkit": chatkit, "client": client, "MODEL": sandbox.engine.model_id, "PRICES": PRICES,
            "cost": cost, "tokens": tokens, "openai": openai, "Shop": Shop}


def define(source: str, namespace: dict, function: str):
    """Define ``function`` from ``source`` as a notebook cell would, with its source on record."""
    filename = f"<cell {next(_names)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    scope = dict(namespace)
    exec(compile(source, filename, "exec"), scope)
    return scope[function]


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
                               '    return {"temperature": 0.8, "top_p": 0.0, "seed": 1}\n'],
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
        'def my_shop():\n    return {"faq": [("Do you ship abroad?", "Yes.")]}\n'],
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
        '"year": {"type": "integer"}}, "required": ["title", "author", "year"]}}}\n'],
}
HELPFUL = {"00-live-backend": "live_backend()", "01-calls-per-dollar": "calls_per_dollar(",
           "02-find-keys": "find_keys()", "03-ask": "", "04-repeatable-settings": "", "05-trim": "",
           "06-tokens-counted": "tokens_counted()",
           "07-should-retry": "should_retry()", "09-book-format": "book_format()",
           "08-my-shop": "my_shop()"}


def verdict(capsys, name, answer) -> tuple[bool, str]:
    passed = passes(name, answer)
    return passed, capsys.readouterr().out


def test_every_exercise_has_wrong_answers_here():
    assert set(WRONG) == set(EXERCISES) and all(len(w) >= 2 for w in WRONG.values())


@pytest.mark.parametrize("name", EXERCISES)
def test_the_reference_solution_passes(capsys, notebook, name):
    passed, out = verdict(capsys, name, solution(name, notebook))
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
    assert not passed and out.startswith("Not done yet.") and EXERCISES[name].hint in out


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


def test_the_ask_check_restores_the_notebooks_client(notebook):
    answer = solution("03-ask", notebook)
    client = answer.__globals__["client"]
    assert passes("03-ask", answer) and answer.__globals__["client"] is client
    assert isinstance(client, openai.OpenAI)
