"""The command line: keys, serve and doctor, called as a learner would call them."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import openai
import pytest

from chatkit.__main__ import main
from chatkit.keys import mask_key
from chatkit.sandbox.scripted import ScriptedEngine
from chatkit.sandbox.server import Sandbox
from support import client_for

KEY = re.compile(r"sk-sandbox-[A-Za-z0-9_\-]{20,}")
KEY_ID = re.compile(r"key_[0-9a-f]{16}")
URL = re.compile(r"http://127\.0\.0\.1:\d+/v1")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def create(capsys, data, *extra: str) -> tuple[str, str, str]:
    """Create a key; return (key, key id, output)."""
    code, out, err = run(capsys, "keys", "create", "--data-dir", str(data), *extra)
    assert code == 0, err
    return KEY.search(out).group(0), KEY_ID.search(out).group(0), out


# --- help and usage -------------------------------------------------------------------

def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 0
    assert "usage: python -m chatkit" in out and all(c in out for c in ("doctor", "serve", "keys"))


def test_keys_without_an_action_prints_its_help(capsys):
    code, out, _ = run(capsys, "keys")
    assert code == 0 and all(a in out for a in ("create", "list", "revoke"))


def test_an_unknown_command_is_a_usage_error(capsys):
    code, _, err = run(capsys, "bogus")
    assert code == 2 and "invalid choice: 'bogus'" in err
    assert run(capsys, "--help")[0] == 0


@pytest.mark.parametrize("port", ["99999", "http"])
def test_serve_checks_the_port_before_starting(capsys, port):
    code, _, err = run(capsys, "serve", "--port", port)
    assert code == 2 and f"'{port}' is not a port number: use 1 to 65535, or 0 for any free port" in err


# --- keys --------------------------------------------------------------------------------

def test_create_list_revoke_round_trip(capsys, tmp_path):
    data = tmp_path / "data"
    assert run(capsys, "keys", "list", "--data-dir", str(data))[1].startswith("No keys in")
    key, key_id, out = create(capsys, data, "--name", "notebook")
    assert out.count(key) == 1 and "will not be shown again" in out

    code, listing, _ = run(capsys, "keys", "list", "--data-dir", str(data))
    assert code == 0 and key not in listing
    row = next(line for line in listing.splitlines() if key_id in line)
    assert row.split()[1:3] == ["notebook", mask_key(key)] and row.endswith("active")

    code, out, _ = run(capsys, "keys", "revoke", key_id, "--data-dir", str(data))
    assert code == 0 and f"Revoked {key_id}" in out and key not in out
    listing = run(capsys, "keys", "list", "--data-dir", str(data))[1]
    assert next(line for line in listing.splitlines() if key_id in line).endswith("revoked")
    assert "already revoked" in run(capsys, "keys", "revoke", key_id, "--data-dir", str(data))[1]


def test_a_created_key_works_on_the_sandbox_until_revoked(capsys, tmp_path):
    data = tmp_path / "data"
    key, key_id, _ = create(capsys, data)
    with Sandbox.start(engine=ScriptedEngine(), data_dir=data) as box:
        client = client_for(box, key)
        assert client.models.list().data[0].id == "scripted-test-model"
        assert main(["keys", "revoke", key_id, "--data-dir", str(data)]) == 0
        with pytest.raises(openai.AuthenticationError, match="revoked"):
            client.models.list()


def test_list_is_an_aligned_table_without_full_keys(capsys, tmp_path):
    data = tmp_path / "data"
    keys = [create(capsys, data, "--name", name)[0] for name in ("a", "a much longer name")]
    lines = run(capsys, "keys", "list", "--data-dir", str(data))[1].splitlines()
    header, rows = lines[1], lines[2:]
    assert header.split() == ["ID", "NAME", "KEY", "CREATED", "STATUS"] and len(rows) == 2
    for key, row in zip(keys, rows, strict=True):
        assert key not in row
        for column in ("KEY", "CREATED", "STATUS"):
            assert row[header.index(column) - 2:header.index(column)] == "  "  # each column starts in line
        assert row[header.index("KEY"):].startswith(mask_key(key))


def test_save_writes_a_private_env_and_prints_only_the_masked_key(capsys, tmp_path):
    code, out, _ = run(capsys, "keys", "create", "--save", "--data-dir", str(tmp_path / "data"))
    env = tmp_path / ".env"
    key = KEY.search(env.read_text()).group(0)
    assert code == 0 and env.read_text() == f"OPENAI_API_KEY={key}\n"
    assert env.stat().st_mode & 0o777 == 0o600
    assert ".env" in (tmp_path / ".gitignore").read_text().splitlines()
    assert key not in out and mask_key(key) in out and str(env) in out


def test_save_to_a_named_file(capsys, tmp_path):
    assert main(["keys", "create", "--save", "sandbox.env", "--data-dir", str(tmp_path / "data")]) == 0
    assert KEY.search((tmp_path / "sandbox.env").read_text())
    assert not (tmp_path / ".env").exists() and KEY.search(capsys.readouterr().out) is None


def test_save_never_replaces_a_real_key(capsys, tmp_path):
    env = tmp_path / ".env"
    env.write_text("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789\n")
    data = tmp_path / "data"
    code, out, err = run(capsys, "keys", "create", "--save", "--data-dir", str(data))
    assert code == 1 and err.startswith("error: ") and "--save sandbox.env" in err
    assert "sk-proj-…6789" in err and "abcdefghij" not in err
    assert env.read_text().startswith("OPENAI_API_KEY=sk-proj-")
    assert run(capsys, "keys", "list", "--data-dir", str(data))[1].startswith("No keys in")  # none was made


def test_a_key_that_could_not_be_saved_is_revoked(capsys, tmp_path):
    data = tmp_path / "data"
    code, out, err = run(capsys, "keys", "create", "--save", "no/such/folder/.env", "--data-dir", str(data))
    assert code == 1 and KEY.search(out + err) is None
    assert err.startswith("error: Could not write no/such/folder/.env") and "no key was saved" in err
    listing = run(capsys, "keys", "list", "--data-dir", str(data))[1].splitlines()
    assert len(listing) == 3 and listing[2].endswith("revoked")  # nobody saw it, so nobody can use it


def test_revoking_an_unknown_id_names_keys_list(capsys, tmp_path):
    code, out, err = run(capsys, "keys", "revoke", "key_0000000000000000", "--data-dir", str(tmp_path))
    assert code == 1 and out == ""
    assert err.startswith("error: There is no key with id 'key_0000000000000000'")
    assert "python -m chatkit keys list" in err and err.count("\n") == 1


def test_revoke_given_the_key_itself_never_echoes_it(capsys, tmp_path):
    key = "sk-sandbox-" + "s3cret" * 8
    code, out, err = run(capsys, "keys", "revoke", key, "--data-dir", str(tmp_path))
    assert code == 1 and key not in out + err and mask_key(key) in err


def test_keys_list_runs_as_a_module(capsys, tmp_path):
    data = tmp_path / "data"
    key, key_id, _ = create(capsys, data)
    done = subprocess.run([sys.executable, "-m", "chatkit", "keys", "list", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert key_id in done.stdout and mask_key(key) in done.stdout and key not in done.stdout


# --- doctor ------------------------------------------------------------------------------

def test_doctor_passes_on_a_fresh_folder(capsys):
    code, out, _ = run(capsys, "doctor")
    assert code == 0, out
    assert "✓ Test call" in out and "✗" not in out and out.rstrip().endswith("checks passed.")


def test_doctor_fails_with_the_fix(capsys, monkeypatch):
    monkeypatch.setenv("CHATKIT_BACKEND", "bogus")
    code, out, _ = run(capsys, "doctor", "--no-call")
    assert code == 1 and "✗ Backend" in out and "Fix: Set it to 'sandbox' or 'openai'" in out
    assert "Test call" not in out


# --- serve -------------------------------------------------------------------------------

def read_lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def wait_for(lines: queue.Queue, pattern: re.Pattern, proc, timeout: float = 60) -> tuple[str, list[str]]:
    """Read the server's output until a line matches; fail with everything it said if none does."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if match := pattern.search(line):
            return match.group(0), seen
    if proc.poll() is not None:
        seen.append(proc.stderr.read())
    pytest.fail(f"no {pattern.pattern} in the output: {seen}")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_serve_answers_the_official_client_and_stops_cleanly(capsys, tmp_path, stop):
    data = tmp_path / "data"
    key = create(capsys, data)[0]
    proc = subprocess.Popen([sys.executable, "-m", "chatkit", "serve", "--port", "0", "--data-dir", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
        url, seen = wait_for(lines, URL, proc)
        seen.extend(wait_for(lines, re.compile("OPENAI_API_KEY=.*keys create"), proc)[1])
        assert f"  OPENAI_BASE_URL={url}\n" in seen
        client = openai.OpenAI(api_key=key, base_url=url, max_retries=0)  # the server of another process
        assert [m.id for m in client.models.list().data] == ["smollm2-135m-instruct", "smollm2-135m-reasoning"]
        proc.send_signal(stop)
        assert proc.wait(timeout=20) == 0
        assert wait_for(lines, re.compile("Sandbox stopped."), proc)
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_on_a_busy_port_says_so_in_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", str(port))
    assert code == 1 and out == "" and "Traceback" not in err
    assert err == (f"error: Cannot listen on 127.0.0.1:{port} (Address already in use). "
                   "Fix: Choose another port with --port, or stop the program using this one.\n")


@pytest.mark.slow  # it executes a notebook
def test_exercises_reports_each_check_of_a_notebook(capsys):
    from pathlib import Path

    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "00-start-here.ipynb"
    code, out, _ = run(capsys, "exercises", str(notebook))
    assert code == 1 and "00-live-backend" in out and "Not done yet" in out
    code, out, _ = run(capsys, "exercises", str(notebook), "--solutions")
    assert code == 0 and "✓ live_backend() works" in out


def test_batch_runs_a_jsonl_file_and_resumes(capsys, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('"Name a colour."\n{"custom_id": "fruit", "prompt": "Name a fruit."}\n', encoding="utf-8")
    out = tmp_path / "results.jsonl"
    code, text, _ = run(capsys, "batch", str(prompts), "--out", str(out), "--max-tokens", "5")
    assert code == 0 and "2 of 2 done, 0 failed" in text
    assert sorted(json.loads(line)["id"] for line in out.read_text().splitlines()) == ["fruit", "item-0"]
    code, text, _ = run(capsys, "batch", str(prompts), "--out", str(out))
    assert code == 0 and len(out.read_text().splitlines()) == 2  # nothing sent twice


@pytest.mark.parametrize("mode", ["runner", "batch-api"])
def test_batch_on_a_reasoning_model_sends_the_limit_it_takes(capsys, tmp_path, mode):
    """gpt-6-luna refuses max_tokens in Chat Completions; the sandbox's reasoning model does the same."""
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('"Name a colour."\n', encoding="utf-8")
    out = tmp_path / "results.jsonl"
    code, text, _ = run(capsys, "batch", str(prompts), "--out", str(out), "--mode", mode, "--max-tokens", "60",
                        "--model", "smollm2-135m-reasoning")
    assert code == 0 and "1 of 1 done, 0 failed" in text, text


def test_batch_explains_an_unreadable_file(capsys, tmp_path):
    bad = tmp_path / "prompts.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    code, _, err = run(capsys, "batch", str(bad), "--out", str(tmp_path / "o.jsonl"))
    assert code == 1 and "JSONL" in err


def test_batch_can_use_the_batch_api(capsys, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('"Name a colour."\n"Name a fruit."\n', encoding="utf-8")
    out = tmp_path / "results.jsonl"
    code, text, _ = run(capsys, "batch", str(prompts), "--out", str(out), "--mode", "batch-api", "--max-tokens", "4")
    assert code == 0 and "2 of 2 done" in text
    assert sorted(json.loads(line)["id"] for line in out.read_text().splitlines()) == ["item-0", "item-1"]
