"""Exercise results: a student's real ``check()`` reports ✓/✗ to the class's gateway, and only they can read theirs."""

from __future__ import annotations

import httpx
import openai
import pytest

from chatkit import exercises
from chatkit.classroom.store import Student
from chatkit.exercises import check
from classroom_support import class_of, closed_port, gateway_for

PRICES = {"gpt-4.1": (2.00, 8.00)}
RIGHT = "def calls_per_dollar(model, tokens_in, tokens_out):\n" \
        "    price_in, price_out = PRICES[model]\n" \
        "    return 1_000_000 / (tokens_in * price_in + tokens_out * price_out)\n"
WRONG = "def calls_per_dollar(model, tokens_in, tokens_out):\n    return 42\n"
EXERCISE = "01-calls-per-dollar"


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch):
    monkeypatch.delenv(exercises.VERIFY, raising=False)
    monkeypatch.setattr(exercises, "_failed", set())


@pytest.fixture
def store(tmp_path):
    with class_of(tmp_path / "classroom.sqlite3", Student("ada", "Ada"), Student("bo", "Bo")) as store:
        yield store


@pytest.fixture
def gateway(store):
    with gateway_for(store) as running:
        yield running


def notebook(base_url: str, key: str, source: str):
    """The learner's function, defined in a notebook's globals whose ``client`` is connected to ``base_url``."""
    scope = {"client": openai.OpenAI(api_key=key, base_url=base_url, max_retries=0), "PRICES": PRICES}
    exec(compile(source, "<cell>", "exec"), scope)
    return scope["calls_per_dollar"]


def mine(gateway, key: str) -> httpx.Response:
    return httpx.get(gateway.base_url + "/classroom/results", headers=bearer(key))


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_a_check_reports_pass_and_fail_and_only_the_student_reads_theirs(store, gateway, capsys):
    ada, bo = store.issue_key("ada"), store.issue_key("bo")
    check(EXERCISE, notebook(gateway.base_url, ada, WRONG))
    assert capsys.readouterr().out.startswith("✗")
    [result] = store.results("ada")
    assert (result.exercise, result.passed) == (EXERCISE, False)

    check(EXERCISE, notebook(gateway.base_url, ada, RIGHT))
    assert capsys.readouterr().out.startswith("✓")  # the verdict alone: no line about the report
    check(EXERCISE, notebook(gateway.base_url, bo, WRONG))
    assert [(r.student, r.passed) for r in store.results()] == [("ada", True), ("bo", False)]  # the latest per student

    assert [(r["exercise"], r["passed"]) for r in mine(gateway, ada).json()["data"]] == [(EXERCISE, True)]
    assert [(r["exercise"], r["passed"]) for r in mine(gateway, bo).json()["data"]] == [(EXERCISE, False)]
    asked = httpx.get(gateway.base_url + "/classroom/results?student=ada", headers=bearer(bo))
    assert asked.json()["student"] == "bo" and [r["passed"] for r in asked.json()["data"]] == [False]


def test_the_report_carries_the_verdict_never_the_code(store, gateway, monkeypatch):
    sent = []
    real_post = httpx.post
    monkeypatch.setattr(httpx, "post", lambda url, **kw: sent.append(kw["json"]) or real_post(url, **kw))
    check(EXERCISE, notebook(gateway.base_url, store.issue_key("ada"), RIGHT))
    assert sent == [{"exercise": EXERCISE, "passed": True}]


def test_a_gateway_that_is_gone_costs_one_quiet_line(store, capsys):
    check(EXERCISE, notebook(f"http://127.0.0.1:{closed_port()}/v1", "sk-class-" + "x" * 43, RIGHT))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✓") and len(out) == 2 and "not sent to the class's gateway" in out[1]


def test_a_notebook_outside_a_class_sends_nothing(store, gateway, monkeypatch):
    monkeypatch.setattr(httpx, "post", lambda *a, **kw: pytest.fail("a result went to a server that is no class's"))
    check(EXERCISE, notebook(gateway.base_url, "sk-proj-" + "x" * 40, RIGHT))
    assert store.results() == []


def test_a_result_must_name_an_exercise_and_a_verdict(store, gateway):
    key = store.issue_key("ada")
    for body in ({"exercise": "03-ask"}, {"exercise": "<script>", "passed": True}, {"exercise": "x", "passed": "yes"}):
        answer = httpx.post(gateway.base_url + "/classroom/results", json=body, headers=bearer(key))
        assert answer.status_code == 400 and "exercise" in answer.json()["error"]["message"], body
    anonymous = httpx.post(gateway.base_url + "/classroom/results", json={"exercise": "x", "passed": True})
    assert anonymous.status_code == 401
    assert store.results() == []
