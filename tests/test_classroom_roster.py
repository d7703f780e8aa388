"""The classroom's roster, keys and store, and the teacher's commands (python -m chatkit classroom …)."""

from __future__ import annotations

import csv
import re
import sqlite3
import stat
import subprocess
import sys

import pytest

from chatkit.__main__ import main
from chatkit.classroom.roster import import_roster, read_roster, write_cards
from chatkit.classroom.store import Budget, Call, SQLiteStore, Student
from chatkit.classroom.upstreams import Upstream
from chatkit.errors import ChatkitError


def roster(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding=encoding)
    return path


def keys_in(path) -> dict[str, str]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        return {row["id"]: row["key"] for row in csv.DictReader(file)}


def test_a_roster_of_names_with_a_bom_and_blank_lines(tmp_path):
    path = roster(tmp_path, "Ada Lovelace\n\n王小明\n  \nBo\n", encoding="utf-8-sig")
    assert read_roster(path) == [Student("ada-lovelace", "Ada Lovelace"), Student("王小明", "王小明"),
                                 Student("bo", "Bo")]


def test_a_roster_with_id_and_name_columns(tmp_path):
    path = roster(tmp_path, "\ufeff  \n学号,姓名\n2024-01,王小明\n\n2024-02,王小明\n")  # a blank line before the header
    assert read_roster(path) == [Student("2024-01", "王小明"), Student("2024-02", "王小明")]


def test_duplicates_stop_the_import_and_name_their_lines(tmp_path):
    store = SQLiteStore(tmp_path / "c.sqlite3")
    path = roster(tmp_path, "name\nAda\nBo\n\nada\n")
    with pytest.raises(ChatkitError) as caught:
        import_roster(store, path)
    assert "ada (2, 5)" in str(caught.value) and "nothing was imported" in str(caught.value)
    assert store.students() == []


def test_an_empty_roster_says_what_a_roster_is(tmp_path):
    with pytest.raises(ChatkitError, match="lists no students"):
        read_roster(roster(tmp_path, "\n \n"))


def test_keys_are_stored_hashed_in_a_file_only_the_teacher_reads(tmp_path):
    store = SQLiteStore(tmp_path / "c.sqlite3")
    store.add_students([Student("ada", "Ada")])
    key = store.issue_key("ada")
    assert key.startswith("sk-class-") and store.student_for_key(key)[0] == Student("ada", "Ada")
    store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite3*"))
    assert key.encode() not in stored and key[-20:].encode() not in stored
    assert stat.S_IMODE((tmp_path / "c.sqlite3").stat().st_mode) == 0o600
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_new_key_stops_the_old_one(tmp_path):
    store = SQLiteStore(tmp_path / "c.sqlite3")
    store.add_students([Student("ada", "Ada")])
    old = store.issue_key("ada")
    new = store.issue_key("ada")
    assert not store.student_for_key(old)[1].active and store.student_for_key(new)[1].active
    assert [k.masked for k in store.latest_keys()] == [f"sk-…{new[-4:]}"]


def test_budgets_and_usage_per_student(tmp_path):
    store = SQLiteStore(tmp_path / "c.sqlite3")
    store.set_budget(Budget(rpm=5, models=("gpt-ok",)))
    store.set_budget(Budget(rpm=50), "ada")
    assert store.budget("ada") == Budget(rpm=50) and store.budget("bo") == Budget(rpm=5, models=("gpt-ok",))
    store.record(Call("ada", "/chat/completions", "gpt-ok", 200, 3, 4, "up", at=100.0))
    store.record(Call("ada", "/chat/completions", "gpt-ok", 200, 10, 10, "up", at=200.0))
    store.record(Call("bo", "/chat/completions", "gpt-ok", 200, 99, 99, "up", at=200.0))
    assert store.tokens_used("ada") == 27 and store.tokens_used("ada", since=150.0) == 20
    assert [c.input_tokens for c in store.calls("ada")] == [10, 3]


def test_the_teachers_commands(tmp_path, capsys):
    data = ["--data-dir", str(tmp_path / "data")]
    out, page = tmp_path / "keys.csv", tmp_path / "keys.html"
    path = roster(tmp_path, "name\nAda\nBo\n")
    assert main(["classroom", "roster", "import", str(path), "--keys-out", str(out), *data]) == 0
    printed = capsys.readouterr().out
    assert "Added 2 students" in printed and f"A page of cards to print, one per student to cut out: {page}" in printed
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(page.stat().st_mode) == 0o600
    keys = keys_in(out)
    assert set(keys) == {"ada", "bo"} and all(k.startswith("sk-class-") for k in keys.values())
    assert all(key in page.read_text(encoding="utf-8") for key in keys.values())

    assert main(["classroom", "keys", "list", *data]) == 0
    listed = capsys.readouterr().out
    assert f"sk-…{keys['ada'][-4:]}" in listed and keys["ada"] not in listed and "active" in listed

    assert main(["classroom", "keys", "revoke", "ada", *data]) == 0
    assert "Revoked 1 keys (ada)" in capsys.readouterr().out
    assert main(["classroom", "keys", "revoke", keys["bo"], *data]) == 1
    error = capsys.readouterr().err
    assert keys["bo"] not in error and "There is no student with id sk-…" in error

    assert main(["classroom", "keys", "rotate", "--all", "--keys-out", str(out), *data]) == 0
    rotated = keys_in(out)
    assert all(key in page.read_text(encoding="utf-8") for key in rotated.values())
    store = SQLiteStore(tmp_path / "data" / "classroom.sqlite3")
    assert all(store.student_for_key(k)[1].active for k in rotated.values())
    assert not any(store.student_for_key(k)[1].active for k in keys.values())

    assert main(["classroom", "roster", "import", str(path), *data]) == 0
    assert re.search(r"2 students on the roster are already in the class", capsys.readouterr().out)


def test_the_printable_page_escapes_every_value_and_is_private(tmp_path, monkeypatch):
    page = tmp_path / "class-keys.html"
    page.write_text("an earlier page")
    page.chmod(0o644)  # a file that is already there does not keep a mode others can read
    hostile = Student("<script>", "<script>alert('Ada')</script> & <b>Bo</b>")
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    write_cards(page, [(hostile, "sk-class-A<&>\"'"), (Student("王小明", "王小明"), "sk-class-wang")],
                'http://class.example/v1?"><img src=x>')
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "<b>" not in text and "<img" not in text and "A<&>" not in text
    assert "&lt;script&gt;alert(&#x27;Ada&#x27;)&lt;/script&gt; &amp; &lt;b&gt;Bo&lt;/b&gt;" in text
    assert "OPENAI_API_KEY=sk-class-A&lt;&amp;&gt;&quot;&#x27;" in text and "sk-class-wang" in text
    assert "python -m chatkit classroom join http://class.example/v1?&quot;&gt;&lt;img src=x&gt;" in text
    assert '<html lang="zh-CN">' in text and "班级密钥" in text and text.count('<section class="card">') == 2
    assert "break-inside:avoid" in text and "http" not in text.replace("http://class.example", "")  # nothing fetched


def test_the_teachers_commands_in_chinese(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHATKIT_LANG", "zh")
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["classroom", "keys", "list", *data]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'data'} 里还没有学生。请先导入学生名单")
    path = roster(tmp_path, "王小明\n")
    assert main(["classroom", "roster", "import", str(path), "--keys-out", str(tmp_path / "k.csv"), *data]) == 0
    assert "已把 1 名学生加入班级" in capsys.readouterr().out


def test_only_the_command_line_imports_the_classroom():
    from test_imports import GRAPH

    outside = {name for name, imports in GRAPH.items() if not name.startswith("chatkit.classroom")
               and any(i.startswith("chatkit.classroom") for i in imports)}
    assert outside == {"chatkit.__main__", "chatkit.exercises", "chatkit.exercises.lessons"}
    # check() reports ✓/✗ to a class's gateway with the small reporter; only notebook 10's check starts a
    # gateway, and it imports the web server when it runs, so importing the exercises never loads it.
    assert "chatkit.classroom.report" in GRAPH["chatkit.exercises"]
    loaded = subprocess.run([sys.executable, "-c", "import sys, chatkit.exercises; print(sorted(m for m in sys.modules "
                             "if m.startswith(('chatkit.classroom.gateway', 'starlette', 'uvicorn'))))"],
                            capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_an_upstream_is_given_the_variable_of_its_key_never_the_key():
    keys = {"CLASS_UPSTREAM_KEY": "sk-teacher-" + "k" * 30}.get
    upstream = Upstream.parse("https://api.openai.com/v1/,key=CLASS_UPSTREAM_KEY", keys)
    assert (upstream.name, upstream.base_url) == ("api.openai.com/v1", "https://api.openai.com/v1")
    assert upstream.key == keys("CLASS_UPSTREAM_KEY") and "kkkk" not in repr(upstream)
    with pytest.raises(ChatkitError, match="names no key that is set"):
        Upstream.parse("http://127.0.0.1:8000/v1,key=UNSET", keys)
    with pytest.raises(ChatkitError, match="is not an http"):
        Upstream.parse("127.0.0.1:8000/v1", keys)


def test_an_upstream_taken_from_a_client_loses_the_clients_trailing_slash():
    assert Upstream("sandbox", "http://127.0.0.1:8000/v1/").base_url == "http://127.0.0.1:8000/v1"


def test_an_upstream_url_with_a_password_is_refused_without_showing_it():
    with pytest.raises(ChatkitError) as refused:
        Upstream.parse("https://teacher:s3cret-pass@llm.example.edu/v1", {}.get)
    assert "s3cret-pass" not in str(refused.value) and "llm.example.edu/v1" in str(refused.value)

