"""A simulated class (issue 26): thirty students run notebook 03's own cells through the gateway at once.

The teacher imports a roster and hands out keys with the real commands; each student joins with
``python -m chatkit classroom join`` in their own folder and runs the notebook's cells, read by id
from the notebook file, in a process of their own (classroom_student.py), so ``chatkit.connect()``
decides from the ``.env`` joining wrote, as a kernel would. The gateway has two upstreams: a
provider stand-in that answers 503 and later dies (connections refused), and the real sandbox,
reached with a key of the teacher's. One student has a tiny budget, one is revoked mid-class.

The lesson runs once (``lesson``): first every student connects, then the class makes its first
call at once and tries the exercise as given; the teacher revokes one key; then the class runs a
call cut short at 16 tokens and checks its answer to the exercise. The tests read what it left:
the gateway's records, each cell's output, every answer a student's process received, the logs and
the files. Generation is bounded by the cells themselves (at most 50, 16 and 50 output tokens).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path

import httpx
import pytest

from chatkit.__main__ import main
from chatkit.classroom.gateway import Gateway
from chatkit.classroom.store import FILE_NAME, Budget, SQLiteStore, key_hash
from chatkit.classroom.upstreams import REST, Upstream, Upstreams
from chatkit.config import DEFAULT_MODELS, SETTING_NAMES
from chatkit.exercises import VERIFY
from classroom_support import StandIn
from test_canary import leaks

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE.parent / "notebooks" / "03-make-your-first-call.ipynb"
STUDENT = HERE / "classroom_student.py"
CLASS_SIZE = 30
PROVIDER_KEY = "sk-proj-CLASSCANARY" + os.urandom(20).hex()  # the teacher's key to the provider that fails
CONNECT = ["nb03-01"]  # import chatkit, connect(), MODEL = client.default_model (the gateway's models list)
FIRST = ["nb03-03", "nb03-31", "nb03-33"]  # the first call (50 tokens at most); the exercise as given, checked
SECOND = ["nb03-14", "answer 03-ask", "nb03-33"]  # a call cut at 16 tokens; the student's answer, checked
BROKE, REVOKED, OWNER, OTHER = "s03", "s07", "s01", "s02"  # tiny budget; revoked mid-class; two classmates
MODEL = DEFAULT_MODELS["sandbox"]


class Kept(logging.Handler):
    """Every log record of the class, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def student_env(folder: Path) -> dict[str, str]:
    """A student's environment: none of the test run's settings (they would pin the sandbox), their own data folder."""
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES and k != VERIFY}
    env["CHATKIT_DATA_DIR"] = str(folder / "data")
    return env


def import_roster(root: Path, data: Path, base_url: str) -> dict[str, str]:
    """The teacher's roster in, the keys CSV out, with the real commands; each student's key by id."""
    roster, handout = root / "roster.csv", root / "teacher" / "class-keys.csv"
    handout.parent.mkdir()
    roster.write_text("学号,姓名\n" + "".join(f"s{i:02},Student {i}\n" for i in range(1, CLASS_SIZE + 1)),
                      encoding="utf-8")
    assert main(["classroom", "roster", "import", str(roster), "--keys-out", str(handout), "--data-dir", str(data),
                 "--base-url", base_url]) == 0
    with handout.open(encoding="utf-8-sig") as rows:
        return {row["id"]: row["key"] for row in csv.DictReader(rows)}


def join(folders: dict[str, Path], keys: dict[str, str], base_url: str) -> dict[str, str]:
    """Every student runs the join command in their folder at once, pasting their key; what each printed."""
    joining = {sid: subprocess.Popen([sys.executable, "-m", "chatkit", "classroom", "join", base_url], cwd=folder,
                                     env=student_env(folder), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True) for sid, folder in folders.items()}
    printed = {sid: process.communicate(keys[sid] + "\n", timeout=300)[0] for sid, process in joining.items()}
    assert all(process.returncode == 0 for process in joining.values()), printed
    return printed


class Student:
    """A student's notebook process: ``steps(lines)`` runs cells and returns what each showed."""

    def __init__(self, folder: Path) -> None:
        self.stderr = folder / "stderr.txt"
        with self.stderr.open("w") as stderr:
            self.process = subprocess.Popen([sys.executable, str(STUDENT), str(NOTEBOOK)], cwd=folder,
                                            env=student_env(folder), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=stderr, text=True, encoding="utf-8")
        self.shown: list[dict] = []  # each step's answer, in order

    def ready(self) -> None:
        assert json.loads(self.process.stdout.readline()) == {"ready": True}, self.stderr.read_text()

    def steps(self, lines: list[str], start: threading.Barrier | None = None) -> None:
        if start:
            start.wait()
        for line in lines:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
            assert answer, self.stderr.read_text()
            self.shown.append(json.loads(answer))

    def __enter__(self) -> Student:
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()  # the notebook's loop ends: the process exits
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def at_once(students: dict[str, Student], lines: list[str]) -> float:
    """Every student runs ``lines`` from the same moment; the seconds it took the class."""
    start, began = threading.Barrier(len(students)), time.perf_counter()
    with ThreadPoolExecutor(len(students)) as pool:
        for done in [pool.submit(s.steps, lines, start) for s in students.values()]:
            done.result()
    return time.perf_counter() - began


@contextmanager
def logged():
    """Every log record while the block runs, at every level: the list of their lines."""
    kept, logger = Kept(), logging.getLogger()
    level = logger.level
    logger.addHandler(kept)
    logger.setLevel(logging.DEBUG)
    try:
        yield kept.lines
    finally:
        logger.removeHandler(kept)
        logger.setLevel(level)


@pytest.fixture(scope="module")
def lesson(tmp_path_factory, sandbox):
    root = tmp_path_factory.mktemp("class")
    data = root / "classroom-data"
    teacher_key, teacher_info = sandbox.store.create_key("the teacher's classroom key")
    now = [0.0]  # the upstreams' clock: a failed upstream rests until the test moves it on
    timings: dict[str, float] = {}
    with logged() as log, StandIn() as failing, closing(SQLiteStore(data / FILE_NAME)) as store, ExitStack() as class_:
        failing.fail_with = 503
        upstreams = Upstreams([Upstream(failing.name, failing.base_url, PROVIDER_KEY),
                               Upstream("sandbox", sandbox.base_url, teacher_key)], clock=lambda: now[0])
        url = class_.enter_context(Gateway.start(store, upstreams)).base_url
        keys = import_roster(root, data, url)
        store.set_budget(Budget(tokens_per_course=10), BROKE)
        folders = {sid: root / "students" / sid for sid in keys}
        for folder in folders.values():
            folder.mkdir(parents=True)
        began = time.perf_counter()
        joined = join(folders, keys, url)
        timings["join"] = time.perf_counter() - began
        students = {sid: class_.enter_context(Student(folder)) for sid, folder in folders.items()}
        for student in students.values():
            student.ready()
        timings["start 30 notebooks"] = time.perf_counter() - began - timings["join"]
        timings["connect"] = at_once(students, CONNECT)
        now[0] += REST + 1  # the failing upstream, rested since a models list, is tried first again
        timings["first call, exercise as given"] = at_once(students, FIRST)
        after_first = list(failing.requests)
        assert main(["classroom", "keys", "revoke", REVOKED, "--data-dir", str(data)]) == 0
        failing.server.shutdown()  # the provider dies mid-class: its connections are refused
        failing.server.server_close()
        now[0] += REST + 1
        timings["call cut short, answer checked"] = at_once(students, SECOND)
        students[OWNER].steps(["show reply.id"])
        probes = probe(url, keys, store, students[OWNER].shown[-1]["output"].strip())
        yield {"url": url, "store": store, "keys": keys, "students": students, "joined": joined, "probes": probes,
               "failing_requests": after_first, "upstreams": upstreams, "failing": failing, "log": log,
               "teacher_key": teacher_key, "teacher_key_id": teacher_info.id, "data": data, "root": root,
               "sandbox": sandbox}
    print("\nthe class of 30:", ", ".join(f"{what} {seconds:.1f} s" for what, seconds in timings.items()))


def probe(url: str, keys: dict[str, str], store: SQLiteStore, owned: str) -> dict:
    """What the gateway answers each student about their own usage and results, and a classmate's response."""
    def as_student(sid: str) -> dict[str, str]:
        return {"authorization": f"Bearer {keys[sid]}"}

    with httpx.Client(base_url=url, timeout=60) as http:
        others = {sid: next(s for s in keys if s != sid) for sid in keys}
        return {  # in this order: the usage asked for last holds the refused continuation
            "owned": owned,
            "owner_reads": http.get(f"/responses/{owned}", headers=as_student(OWNER)),
            "other_reads": http.get(f"/responses/{owned}", headers=as_student(OTHER)),
            "other_continues": http.post("/responses", headers=as_student(OTHER), json={
                "model": MODEL, "input": "Go on", "previous_response_id": owned,
                "max_output_tokens": 8}),
            "usage": {sid: http.get("/classroom/usage", params={"student": others[sid]}, headers=as_student(sid))
                      for sid in keys},
            "results": {sid: http.get("/classroom/results", headers=as_student(sid)) for sid in keys},
            "summary": http.get("/classroom/admin/summary",
                                headers={"authorization": f"Bearer {store.new_admin_token()}"}),
        }


def shown(lesson, sid: str, step: str, which: int = -1) -> dict:
    """What the student's step showed: its last run, or ``which`` (0: its first)."""
    return [s for s in lesson["students"][sid].shown if s["step"] == step][which]


def statuses(lesson, sid: str) -> list[tuple[int, str | None]]:
    """The student's calls as the gateway recorded them, oldest first: status and upstream."""
    return [(c.status, c.upstream) for c in reversed(lesson["store"].calls(sid))]


def others(lesson) -> list[str]:
    return [sid for sid in lesson["keys"] if sid not in (BROKE, REVOKED)]


# --- the class, through the gateway ------------------------------------------------------------

def test_thirty_students_joined_and_every_cell_went_through_the_gateway(lesson):
    assert len(lesson["keys"]) == CLASS_SIZE
    for printed in lesson["joined"].values():
        assert printed.startswith(f"Joined the class at {lesson['url']} with the key sk-…"), printed
    for sid, student in lesson["students"].items():
        sent = [entry["url"] for step in student.shown for entry in step["wire"]]
        assert sent and all(u.startswith(lesson["url"] + "/") for u in sent), (sid, sent)
    # connect() chose the class from .env: nothing else answered, so the gateway recorded every call
    for sid in others(lesson):
        assert [s for s, _ in statuses(lesson, sid)][:3] == [200, 200, 200], sid
    for sid in lesson["keys"]:
        assert shown(lesson, sid, "nb03-03")["error"] is None and shown(lesson, sid, "nb03-03")["output"].strip()
        assert shown(lesson, sid, "nb03-33", 0)["output"].startswith("Not done yet.")  # the exercise as given


def test_the_students_cells_ran_the_real_model(lesson):
    for sid in others(lesson):
        assert shown(lesson, sid, "nb03-14")["output"].startswith("incomplete max_output_tokens\n")
        checked = shown(lesson, sid, "nb03-33")
        assert checked["output"].startswith("✓ ask() sent temperature=0 and a limit of 50 tokens"), checked
        [result] = lesson["probes"]["results"][sid].json()["data"]
        assert (result["exercise"], result["passed"]) == ("03-ask", True)
    calls = [c for sid in lesson["keys"] for c in lesson["store"].calls(sid) if c.status == 200]
    assert all(c.input_tokens > 0 and c.output_tokens > 0 and c.model == MODEL for c in calls)


def test_the_student_over_budget_gets_the_platforms_insufficient_quota(lesson):
    cut = shown(lesson, BROKE, "nb03-14")
    assert cut["error"].startswith("openai.RateLimitError: Error code: 429 - "), cut
    assert "You exceeded your current quota, please check your plan and billing details." in cut["error"]
    assert "tokens for the course. Ask your teacher for more." in cut["error"]
    [answer] = cut["wire"]  # the platform's own shape, which the SDK does not retry
    assert answer["status"] == 429 and answer["headers"]["x-should-retry"] == "false"
    assert json.loads(answer["body"])["error"]["code"] == "insufficient_quota"
    assert statuses(lesson, BROKE) == [(200, "sandbox"), (429, None), (429, None)]  # refused before any upstream
    assert shown(lesson, BROKE, "nb03-33")["output"].startswith("✗ ask() raised RateLimitError")
    [result] = lesson["probes"]["results"][BROKE].json()["data"]
    assert result["passed"] is False


def test_the_student_revoked_mid_class_is_told_to_ask_the_teacher(lesson):
    key = lesson["keys"][REVOKED]
    cut = shown(lesson, REVOKED, "nb03-14")
    assert cut["error"].startswith("openai.AuthenticationError: Error code: 401 - "), cut
    assert f"Incorrect API key provided: sk-…{key[-4:]}. Ask your teacher for your class key" in cut["error"]
    [answer] = cut["wire"]
    assert answer["status"] == 401 and json.loads(answer["body"])["error"]["code"] == "invalid_api_key"
    assert statuses(lesson, REVOKED) == [(200, "sandbox")]  # the first call worked; nothing after the revoke
    checked = shown(lesson, REVOKED, "nb03-33")["output"]
    assert "(Your result was not sent to the class's gateway: HTTP 401." in checked
    assert lesson["probes"]["usage"][REVOKED].status_code == 401
    assert [(r.exercise, r.passed) for r in lesson["store"].results(REVOKED)] == [("03-ask", False)]


def test_the_failing_upstream_is_failed_over(lesson):
    failing, name = lesson["failing"], lesson["failing"].name
    class_calls = [(path, headers) for path, headers, _ in lesson["failing_requests"] if path == "/v1/responses"]
    assert class_calls, "no class call was sent to the failing upstream"
    assert class_calls[0][1]["authorization"] == f"Bearer {PROVIDER_KEY}"  # the canary was really sent
    recorded = [c for sid in lesson["keys"] for c in lesson["store"].calls(sid)]
    assert {c.upstream for c in recorded if c.status == 200} == {"sandbox"}
    assert not any(c.status >= 500 for c in recorded)
    assert lesson["upstreams"].last_error[name].startswith("ConnectError")  # it died mid-class, and was passed by
    assert len(failing.requests) == len(lesson["failing_requests"])  # nothing reached it once it was dead
    summary = lesson["probes"]["summary"].json()
    shown_upstreams = {u["name"]: u for u in summary["upstreams"]}
    assert (shown_upstreams[name]["healthy"], shown_upstreams[name]["calls"]) == (False, 0)
    assert shown_upstreams["sandbox"]["healthy"] and shown_upstreams["sandbox"]["calls"] == sum(
        c.status == 200 for c in recorded)
    by_student = {s["id"]: s for s in summary["students"]}
    assert by_student[REVOKED]["key"] == "revoked" and by_student[BROKE]["errors"] == 2


# --- isolation ------------------------------------------------------------------------------

def test_each_student_sees_only_their_own_usage_and_results(lesson):
    store = lesson["store"]
    for sid in lesson["keys"]:
        if sid == REVOKED:
            continue
        usage = lesson["probes"]["usage"][sid].json()  # asked with ?student= someone else
        assert usage["student"] == sid
        assert usage["tokens_in_course"] == store.tokens_used(sid)
        assert [c["status"] for c in usage["calls"]] == [c.status for c in store.calls(sid)][:20]
        results = lesson["probes"]["results"][sid].json()
        assert results["student"] == sid and [r["exercise"] for r in results["data"]] == ["03-ask"]


def test_a_classmates_stored_response_is_not_found(lesson):
    probes, owned = lesson["probes"], lesson["probes"]["owned"]
    assert owned.startswith("resp_") and probes["owner_reads"].json()["id"] == owned
    assert probes["other_reads"].status_code == 404
    assert probes["other_reads"].json()["error"]["message"] == f"Response with id '{owned}' not found."
    assert probes["other_continues"].status_code == 400
    assert probes["other_continues"].json()["error"]["message"] == f"Previous response with id '{owned}' not found."


# --- the canary sweep -----------------------------------------------------------------------

def secrets(lesson) -> list[str]:
    return [lesson["teacher_key"], PROVIDER_KEY, *lesson["keys"].values()]


def test_the_teachers_keys_were_really_used(lesson):
    """A sweep in which the canaries were never sent proves nothing."""
    used = lesson["sandbox"].store.usage(lesson["teacher_key_id"])
    assert sum(row["requests"] for row in used) >= 3 * len(others(lesson))


def test_no_key_in_any_cell_output_or_answer_a_student_received(lesson):
    received = [json.dumps(step) for student in lesson["students"].values() for step in student.shown]
    received += list(lesson["joined"].values())
    probes = [r for group in ("usage", "results") for r in lesson["probes"][group].values()]
    probes += [lesson["probes"][name] for name in ("owner_reads", "other_reads", "other_continues", "summary")]
    received += [f"{r.headers}\n{r.text}" for r in probes]
    assert all(step["wire"] for student in lesson["students"].values() for step in student.shown
               if step["step"] in ("nb03-03", "nb03-14"))  # the answers were really captured
    assert not leaks("\n".join(received), secrets(lesson))


def test_no_key_in_any_log(lesson):
    logged = list(lesson["log"])
    logged += [student.stderr.read_text() for student in lesson["students"].values()]
    assert any("refused a revoked key" in line for line in logged)  # the gateway's log was captured
    assert not leaks("\n".join(logged), secrets(lesson))


def test_no_key_in_any_file_but_hashed(lesson):
    folders = [lesson["data"], lesson["root"] / "students", lesson["sandbox"].store.path.parent]
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file() and p.name != ".env"]
    found = {str(p): leaks(p.read_bytes().decode("utf-8", "replace"), secrets(lesson)) for p in files}
    assert not {path: hits for path, hits in found.items() if hits}
    with sqlite3.connect(f"file:{lesson['data'] / FILE_NAME}?mode=ro", uri=True) as db:
        hashes = {row[0] for row in db.execute("SELECT hash FROM keys")}
    assert {key_hash(k) for k in lesson["keys"].values()} <= hashes  # the keys are there, as hashes
