"""The teacher's dashboard: behind the admin token, usage and a student × exercise grid, as JSON, CSV and a page."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
from pathlib import Path

import httpx
import openai
import pytest

from browser_support import wait_until
from chatkit.__main__ import main
from chatkit.classroom.gateway import Gateway
from chatkit.classroom.store import Result, Student
from chatkit.classroom.upstreams import Upstream, Upstreams
from classroom_support import StandIn, class_of
from test_browser import browser  # noqa: F401 - the Chromium fixture (skips without it, fails in CI)

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def store(tmp_path):
    with class_of(tmp_path / "classroom.sqlite3", Student("ada", "Ada"), Student("bo", HOSTILE),
                  Student("cy", "=HYPERLINK(\"http://x\")")) as store:
        yield store


@pytest.fixture
def upstream():
    with StandIn() as up:
        yield up


@pytest.fixture
def gateway(store, upstream):
    with Gateway.start(store, Upstreams([Upstream(upstream.name, upstream.base_url, "sk-teacher")])) as running:
        yield running


def admin_get(gateway, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(gateway.base_url + "/classroom/admin/" + path, headers=headers)


def a_lesson(store, gateway, upstream) -> str:
    """Ada makes a call and passes an exercise, Bo fails one and the upstream fails him once; the admin token."""
    ada = openai.OpenAI(api_key=store.issue_key("ada"), base_url=gateway.base_url, max_retries=0)
    ada.chat.completions.create(model="gpt-ok", messages=[{"role": "user", "content": "Hi"}])
    bo = openai.OpenAI(api_key=store.issue_key("bo"), base_url=gateway.base_url, max_retries=0)
    upstream.fail_with = 500
    with pytest.raises(openai.InternalServerError):
        bo.chat.completions.create(model="gpt-ok", messages=[{"role": "user", "content": "Hi"}])
    store.record_result(Result("ada", "01-calls-per-dollar", True, 0))
    store.record_result(Result("bo", "01-calls-per-dollar", False, 0))
    store.record_result(Result("bo", "03-ask", True, 0))
    return store.new_admin_token()


def test_the_admin_routes_need_the_admin_token(store, gateway):
    token = store.new_admin_token()
    for path in ("summary", "usage.csv", "results.csv"):
        missing = admin_get(gateway, path, None)
        assert missing.status_code == 401 and "needs the teacher's admin token" in missing.json()["error"]["message"]
        assert "python -m chatkit classroom dashboard" in missing.json()["error"]["message"]
        wrong = admin_get(gateway, path, token[:-1] + ("a" if token[-1] != "a" else "b"))
        assert wrong.status_code == 401 and "not the class's admin token" in wrong.json()["error"]["message"]
        student = admin_get(gateway, path, store.issue_key("ada"))
        assert student.status_code == 403 and "student's key cannot open" in student.json()["error"]["message"]
        assert admin_get(gateway, path, token).status_code == 200
    assert admin_get(gateway, "summary", store.new_admin_token()).status_code == 200
    assert admin_get(gateway, "summary", token).status_code == 401  # a new token replaces the old one


def test_the_summary_and_the_csvs_show_usage_results_and_upstreams(store, gateway, upstream):
    token = a_lesson(store, gateway, upstream)
    data = admin_get(gateway, "summary", token).json()
    ada, bo, cy = data["students"]
    assert (ada["calls"], ada["input_tokens"], ada["output_tokens"], ada["errors"], ada["active"]) == (1, 7, 5, 0, True)
    assert (bo["name"], bo["calls"], bo["errors"], cy["calls"], cy["key"]) == (HOSTILE, 1, 1, 0, "none")
    assert data["exercises"] == ["01-calls-per-dollar", "03-ask"]
    assert ada["results"]["01-calls-per-dollar"]["passed"] is True and "03-ask" not in ada["results"]
    assert [h["calls"] for h in data["hours"]] == [2] and data["hours"][0]["errors"] == 1
    [up] = data["upstreams"]
    assert (up["name"], up["healthy"], up["calls"]) == (upstream.name, False, 1)  # Bo's call never got an answer
    assert up["last_error"]

    results = list(csv.reader(io.StringIO(admin_get(gateway, "results.csv", token).text.lstrip("\ufeff"))))
    assert results == [["id", "name", "01-calls-per-dollar", "03-ask"], ["ada", "Ada", "✓", ""],
                       ["bo", HOSTILE, "✗", "✓"], ["cy", "'=HYPERLINK(\"http://x\")", "", ""]]
    usage = list(csv.DictReader(io.StringIO(admin_get(gateway, "usage.csv", token).text.lstrip("\ufeff"))))
    assert [(u["id"], u["calls"], u["input_tokens"], u["errors"]) for u in usage] == [
        ("ada", "1", "7", "0"), ("bo", "1", "0", "1"), ("cy", "0", "0", "0")]


def test_the_page_is_offline_with_a_strict_policy_and_in_the_teachers_language(gateway, monkeypatch):
    root = gateway.base_url.removesuffix("/v1")
    page = httpx.get(root + "/classroom")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
    assert "Classroom dashboard" in page.text
    for name in ("dashboard.js", "dashboard.css"):
        assert "http" not in httpx.get(f"{root}/classroom/static/{name}").text  # nothing from a CDN
    assert "innerHTML" not in httpx.get(f"{root}/classroom/static/dashboard.js").text
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    assert "班级看板" in httpx.get(root + "/classroom").text


def test_the_admin_token_is_shown_once_and_never_logged_or_stored(store, gateway, upstream, caplog, capsys, tmp_path):
    caplog.set_level(logging.DEBUG)
    earlier = a_lesson(store, gateway, upstream)
    assert main(["classroom", "dashboard", "--data-dir", str(tmp_path), "--base-url", gateway.base_url]) == 0
    link = capsys.readouterr().out
    token = link.split("#token=")[1].split()[0]
    assert f"{gateway.base_url.removesuffix('/v1')}/classroom#token=" in link
    assert [admin_get(gateway, "summary", tried).status_code for tried in (token, token[:-2], earlier)] == [
        200, 401, 401]
    tokens = [token, token[:-2], earlier]
    assert not [r.getMessage() for r in caplog.records if any(t in r.getMessage() for t in tokens)]
    assert "refused the dashboard a wrong admin token" in caplog.text  # the refusal is logged, the token not
    assert not any(token.encode() in path.read_bytes() for path in tmp_path.glob("classroom.sqlite3*"))


@pytest.mark.slow
def test_a_hostile_student_name_shows_as_text_in_the_page(browser, store, gateway, upstream):  # noqa: F811
    token = a_lesson(store, gateway, upstream)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        page.goto(gateway.base_url.removesuffix("/v1") + f"/classroom#token={token}", timeout=15_000)
        names = page.locator("#students tbody tr td:nth-child(2)")
        wait_until(page, lambda: names.count() == 3, "the students' rows", 10)
        assert names.nth(1).inner_text() == HOSTILE
        assert page.locator("#students img, #students script").count() == 0
        assert page.evaluate("window.pwned") is None
        grid = page.locator("#results tbody tr").nth(1).locator("td")
        assert [grid.nth(i).inner_text() for i in range(4)] == ["bo", HOSTILE, "✗", "✓"]
        assert "#token" not in page.url  # out of the address bar (and of a screenshot, a shared screen)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            page.screenshot(path=ARTIFACTS / "classroom-dashboard.png", full_page=True)
        page.close()
